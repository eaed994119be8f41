# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    # how many windows fit
    total = len(series)-window-horizon+1
    inputs = np.stack( [ series[k : k+window] for k in range(total) ] )
    targets = series[ window+horizon-1 : ]   # the value to predict
    return inputs, targets

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x[..., np.newaxis]

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) int array."""
    # start from an all-padding matrix
    batch = np.zeros((len(sequences), max_len), dtype='int32')
    for i, ids in enumerate(sequences):
        ids = ids[:max_len] if truncating == 'post' else ids[-max_len:]
        if padding == 'post':
            batch[i, :len(ids)] = ids      # zeros after
        else:
            batch[i, max_len-len(ids):] = ids   # zeros before
    return batch

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
