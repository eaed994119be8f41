"""Text to token ids: the saved version of what chapter 01 teaches.

Id 0 is reserved for padding and id 1 for out-of-vocabulary words, the same
convention as Keras' ``TextVectorization``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from helpers.validation import one_of, positive_int

PAD, OOV = "<pad>", "<unk>"


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and split it on white space."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text.lower().split()


class Vocabulary:
    """Map tokens to ids: 0 is padding, 1 is unknown, then by frequency."""

    def __init__(self, texts: Iterable[str], max_size: int | None = None):
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not one string")
        if not isinstance(texts, Iterable):
            raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}")
        counts = Counter()
        for position, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts must contain only strings, got "
                                f"{type(text).__name__} at position {position}")
            counts.update(tokenize(text))
        for reserved in (PAD, OOV):  # ids 0 and 1 are never given to a word
            counts.pop(reserved, None)
        if not counts:
            raise ValueError("texts is empty: a vocabulary needs at least one token")
        if max_size is not None:
            positive_int(max_size, "max_size", minimum=3)
        ordered = sorted(counts, key=lambda t: (-counts[t], t))
        keep = ordered if max_size is None else ordered[: max_size - 2]
        self.tokens = [PAD, OOV, *keep]
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; unknown words map to 1."""
        return [self.index.get(token, 1) for token in tokenize(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Words for ``ids``, skipping padding."""
        words = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.tokens):
                raise ValueError(f"ids must be in [0, {len(self.tokens) - 1}] for this "
                                 f"vocabulary of {len(self.tokens)} tokens, got {i}")
            if i != 0:
                words.append(self.tokens[i])
        return " ".join(words)


def pad_ids(sequences: Sequence[Sequence[int]], max_len: int,
            padding: str = "post", truncating: str = "post") -> np.ndarray:
    """Pad or cut each id sequence to ``max_len`` with zeros: an int64 array."""
    max_len = positive_int(max_len, "max_len")
    one_of(padding, "padding", ("pre", "post"))
    one_of(truncating, "truncating", ("pre", "post"))
    if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
        raise TypeError("sequences must be a list of id sequences, "
                        f"got {type(sequences).__name__}")
    sequences = list(sequences)
    out = np.zeros((len(sequences), max_len), dtype="int64")
    for row, seq in enumerate(sequences):
        seq = _id_list(seq, row)
        seq = seq[:max_len] if truncating == "post" else seq[-max_len:]
        if seq:
            if padding == "post":
                out[row, : len(seq)] = seq
            else:
                out[row, max_len - len(seq):] = seq
    return out


def _id_list(seq, row: int) -> list[int]:
    """``seq`` as a list of integer ids, or a TypeError naming ``sequences[row]``."""
    problem = f"sequences[{row}] must be a sequence of integer ids"
    if isinstance(seq, (str, bytes)):
        raise TypeError(f"{problem}, got a {type(seq).__name__} (encode the text first)")
    try:
        array = np.asarray(seq)
    except ValueError as error:
        raise TypeError(f"{problem}: {error}") from None
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise TypeError(f"{problem}, got {type(seq).__name__} of {array.dtype} "
                        f"with shape {array.shape}")
    return array.tolist()


def encode_reviews(texts: Sequence[str], vocab: Vocabulary, max_len: int) -> np.ndarray:
    """Encode and post-pad ``texts`` into a (len(texts), max_len) id array."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a Vocabulary, got {type(vocab).__name__}")
    return pad_ids([vocab.encode(t) for t in texts], max_len)
