# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    count = len(series) - (window + horizon) + 1
    inputs = np.empty((count, window), dtype=np.asarray(series).dtype)
    targets = np.empty(count, dtype=inputs.dtype)
    for start in range(count):
        inputs[start] = series[start:start + window]
        targets[start] = series[start + window + horizon - 1]
    return inputs, targets

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x.reshape(x.shape + (1,))

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) int array."""

    def fit(ids):
        ids = np.asarray(ids, dtype=np.int64)
        kept = ids[:max_len] if truncating == "post" else ids[max(0, ids.size - max_len):]
        gap = max_len - kept.size
        return np.pad(kept, (0, gap) if padding == "post" else (gap, 0))

    return np.stack([fit(s) for s in sequences])

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
