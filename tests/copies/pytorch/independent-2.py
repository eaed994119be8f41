# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    count = len(series) - (window + horizon) + 1
    inputs = torch.empty(count, window, dtype=series.dtype)
    targets = torch.empty(count, dtype=series.dtype)
    for start in range(count):
        inputs[start] = series[start:start + window]
        targets[start] = series[start + window + horizon - 1]
    return inputs, targets

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x.reshape(*x.shape, 1)

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) LongTensor."""

    def fit(ids):
        ids = torch.as_tensor(ids, dtype=torch.long)
        kept = ids[:max_len] if truncating == "post" else ids[max(0, ids.numel() - max_len):]
        gap = max_len - kept.numel()
        return torch.nn.functional.pad(kept, (0, gap) if padding == "post" else (gap, 0))

    return torch.stack([fit(s) for s in sequences])

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
