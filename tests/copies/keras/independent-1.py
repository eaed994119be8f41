# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    series = np.asarray(series)
    views = np.lib.stride_tricks.sliding_window_view(series[:len(series) - horizon], window)
    targets = series[window + horizon - 1:]
    return views.copy(), targets

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return np.expand_dims(x, axis=-1)

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) int array."""
    rows = []
    for ids in sequences:
        ids = list(ids)
        if len(ids) > max_len:
            ids = ids[len(ids) - max_len:] if truncating == "pre" else ids[:max_len]
        fill = [0] * (max_len - len(ids))
        rows.append(ids + fill if padding == "post" else fill + ids)
    return np.array(rows, dtype=np.int64).reshape(len(sequences), max_len)

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
