# %% windows_answer
def make_windows(series, window, horizon=1):
    """Cut a 1-D series into inputs X (n, window) and targets y (n,)."""
    xs, ys = [], []
    t = 0
    while t + window + horizon <= len(series):
        xs.append(series[t:t + window])
        ys.append(series[t + window + horizon - 1])
        t += 1
    return np.array(xs), np.array(ys)

# %% features_answer
def add_features_axis(x):
    """(batch, time) -> (batch, time, 1)."""
    return np.asarray(x)[..., None]

# %% padding_answer
def pad_batch(sequences, max_len, padding="post", truncating="post"):
    """Pad with 0 and cut each id sequence to max_len: a (len(sequences), max_len) int array."""
    lengths = [min(len(s), max_len) for s in sequences]
    out = np.zeros((len(sequences), max_len), dtype=np.int64)
    for r, (s, n) in enumerate(zip(sequences, lengths)):
        if n == 0:
            continue
        src = s[:n] if truncating == "post" else s[len(s) - n:]
        begin = 0 if padding == "post" else max_len - n
        out[r, begin:begin + n] = src
    return out

# %% quiz_answer
# Set each variable to one letter: "a", "b", "c" or "d".
q1 = "c"
q2 = "b"
q3 = "c"
