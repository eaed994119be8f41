# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    values = np.asarray(series)
    last = len(values) - horizon - window
    idx = np.arange(window)[None, :] + np.arange(last + 1)[:, None]
    return values[idx], values[idx[:, -1] + horizon]

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x[:, :, None]

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) int array."""

    def left_aligned(seqs):
        block = np.zeros((len(seqs), max_len), dtype=np.int64)
        for i, s in enumerate(seqs):
            block[i, :len(s)] = s
        return block

    kept = [list(s)[:max_len] if truncating == "post" else list(s)[::-1][:max_len][::-1]
            for s in sequences]
    if padding == "post":
        return left_aligned(kept)
    return left_aligned([k[::-1] for k in kept])[:, ::-1].copy()

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
