# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    last = len(series) - horizon - window
    idx = torch.arange(window).unsqueeze(0) + torch.arange(last + 1).unsqueeze(1)
    return series[idx], series[idx[:, -1] + horizon]

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x[..., None]

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) LongTensor."""

    def left_aligned(seqs):
        block = torch.zeros(len(seqs), max_len, dtype=torch.long)
        for i, s in enumerate(seqs):
            block[i, :len(s)] = s
        return block

    kept = [s[:max_len] if truncating == "post" else s.flip(0)[:max_len].flip(0) for s in sequences]
    if padding == "post":
        return left_aligned(kept)
    return left_aligned([k.flip(0) for k in kept]).flip(1)

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
