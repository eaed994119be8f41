# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    # collect every window and the value horizon steps after it
    inputs, labels = [], []
    pos = 0
    while pos + window + horizon <= len(series):
        inputs.append(series[pos : pos + window])
        labels.append(series[pos + window + horizon - 1])
        pos = pos + 1
    return torch.stack(inputs), torch.stack(labels)

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return x.unsqueeze(-1)

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) LongTensor."""
    sizes = [min(len(seq), max_len) for seq in sequences]
    result = torch.zeros(len(sequences), max_len, dtype=torch.int64)
    for row, (seq, size) in enumerate(zip(sequences, sizes)):
        if size == 0:
            continue  # nothing to copy
        part = seq[:size] if truncating == "post" else seq[len(seq) - size:]
        first = 0 if padding == "post" else max_len - size
        result[row, first:first + size] = part
    return result

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
