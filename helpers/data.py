"""Course data, generated locally from a seed: nothing is ever downloaded.

The *course reviews* are short movie reviews whose label depends on word
order. Each review joins two clauses of opposite polarity with "but"; the
label is the polarity of the clause after "but". A clause is negated with
"not" half of the time, so a clause's polarity is its adjective's polarity
flipped by "not". Both labels draw the same multiset of words, so a
bag-of-words model stays at chance while a model that reads in order can be
near perfect.

Real IMDB is optional: ``load_imdb_npz`` reads the Keras cache file and
``load_aclimdb`` the raw Stanford folder, both from local files only.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from helpers.validation import one_of, positive_int, real_number

SUBJECTS = ["the movie", "the film", "the plot", "the acting", "the story",
            "the ending", "the cast", "the music", "the script", "the dialogue"]
VERBS = ["was", "is", "felt", "seemed"]
ADVERBS = ["", "", "really", "very", "quite", "truly"]
POSITIVE = ["good", "great", "wonderful", "brilliant", "fun", "moving",
            "charming", "superb", "clever", "beautiful"]
NEGATIVE = ["bad", "awful", "boring", "dull", "terrible", "weak",
            "clumsy", "tedious", "silly", "bland"]
FILLER = ["i", "saw", "it", "on", "a", "rainy", "sunday", "with", "my",
          "friends", "and", "we", "had", "popcorn", "at", "the", "cinema",
          "downtown", "after", "work", "last", "week", "then", "went", "home"]


class Reviews(NamedTuple):
    """Review texts and their labels (1 = positive, 0 = negative)."""

    texts: list[str]
    labels: np.ndarray


def _clause(rng: np.random.Generator, polarity: int) -> list[str]:
    negated = bool(rng.integers(2))
    adjective_positive = polarity != negated  # "not" flips the adjective
    adjectives = POSITIVE if adjective_positive else NEGATIVE
    words = [*rng.choice(SUBJECTS).split(), str(rng.choice(VERBS))]
    if negated:
        words.append("not")
    adverb = str(rng.choice(ADVERBS))
    if adverb:
        words.append(adverb)
    words.append(str(rng.choice(adjectives)))
    return words


def course_reviews(n: int = 2000, seed: int = 0, distance: int = 0) -> Reviews:
    """Generate ``n`` course reviews from ``seed``, balanced between labels.

    ``distance`` appends that many label-free filler words after the decisive
    clause, moving the words that decide the label away from the end.
    """
    n = positive_int(n, "n")
    seed = positive_int(seed, "seed", minimum=0)
    distance = positive_int(distance, "distance", minimum=0)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    texts = []
    for label in labels:
        words = _clause(rng, 1 - label) + ["but"] + _clause(rng, label)
        if distance:
            words += ["."] + [str(w) for w in rng.choice(FILLER, size=distance)]
        texts.append(" ".join(words))
    return Reviews(texts, labels.astype("int64"))


def train_val_test_reviews(n_train: int = 2000, n_val: int = 500,
                           n_test: int = 500, seed: int = 0,
                           distance: int = 0) -> tuple[Reviews, Reviews, Reviews]:
    """Three independent review sets (train, validation, test) from one seed."""
    sizes = {"n_train": n_train, "n_val": n_val, "n_test": n_test}
    for name, value in sizes.items():
        positive_int(value, name)
    seeds = np.random.SeedSequence(positive_int(seed, "seed", minimum=0)).generate_state(3)
    return tuple(course_reviews(size, int(s), distance)
                 for size, s in zip(sizes.values(), seeds))


def sine_series(length: int = 200, period: float = 25.0, noise: float = 0.0,
                seed: int = 0) -> np.ndarray:
    """A sine wave of ``length`` steps with optional Gaussian ``noise``."""
    length = positive_int(length, "length", minimum=2)
    period = real_number(period, "period", minimum=0, inclusive=False)
    noise = real_number(noise, "noise", minimum=0)
    rng = np.random.default_rng(positive_int(seed, "seed", minimum=0))
    t = np.arange(length, dtype="float64")
    return (np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(length)).astype("float32")


# --------------------------------------------------------------------------
# Real IMDB (optional): loaders for local copies, never a download
# --------------------------------------------------------------------------
# Every chapter runs on course_reviews(). These loaders only read files a
# student copied to the machine (the Keras cache `imdb.npz` or Stanford's raw
# `aclImdb/` folder) and, when the files are absent, say where to put them.

IMDB_NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
IMDB_WORD_INDEX_URL = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                       "imdb_word_index.json")
ACLIMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/"
IMDB_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IMDB_OOV_TOKEN = "[OOV]"
# Keras caches here when the home folder is not writable.
KERAS_FALLBACK_DIR = Path("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()) / ".keras"

_OPTIONAL = ("Real IMDB is optional: the course works without it "
             "(helpers.data.course_reviews).")
# The only globals needed to rebuild object arrays of lists of ints (numpy 1 and
# 2 spellings), plus numpy scalars; anything else in the pickle is refused, so a
# tampered file cannot run code (the same guard as keras' npz_utils).
_NUMPY_PICKLE_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
})
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def keras_datasets_dir() -> Path:
    """The folder where Keras caches data sets, resolved like Keras does.

    ``$KERAS_HOME/datasets`` when the ``KERAS_HOME`` environment variable is
    set (read at call time, ``~`` expanded), else ``~/.keras/datasets``.
    """
    home = os.environ.get("KERAS_HOME")
    base = Path(home).expanduser() if home else Path("~").expanduser() / ".keras"
    return base / "datasets"


def _as_path(value, name: str) -> Path:
    if isinstance(value, (str, os.PathLike)):
        return Path(value).expanduser()
    raise TypeError(f"{name} must be a path (str or os.PathLike), "
                    f"got {type(value).__name__} {value!r}")


def _optional_int(value, name: str, minimum: int) -> int | None:
    return None if value is None else positive_int(value, name, minimum=minimum)


def _find_cached_file(path, filename: str, url: str) -> Path:
    """``path`` (a file, or a folder holding ``filename``), else the Keras cache."""
    if path is not None:
        candidate = _as_path(path, "path")
        candidates = [candidate / filename if candidate.is_dir() else candidate]
        where = f"copy it to {candidates[0]}"
    else:
        candidates = [keras_datasets_dir() / filename]
        fallback = KERAS_FALLBACK_DIR / "datasets" / filename
        if fallback != candidates[0]:
            candidates.append(fallback)
        where = (f"copy it to {candidates[0]} (the Keras cache; set KERAS_HOME to use "
                 f"another folder), or pass its location as path=")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = " and ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"{filename} not found: looked for {looked}. {_OPTIONAL} To use the real "
        f"data, download {filename} once on a machine with internet from the Keras "
        f"page ({url}) and {where}.")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _NUMPY_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to unpickle {module}.{name}: only numpy arrays are allowed")


def _read_npy(raw: bytes) -> np.ndarray:
    """One ``.npy`` member; object arrays unpickled with numpy globals only."""
    stream = io.BytesIO(raw)
    major, _ = np.lib.format.read_magic(stream)
    if major == 1:
        _, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif major in (2, 3):  # 3.0 differs from 2.0 only in the header's encoding
        _, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unsupported .npy format version {major}")
    if dtype.hasobject:
        return _NumpyOnlyUnpickler(stream).load()
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def _read_imdb_npz(file: Path) -> dict[str, np.ndarray]:
    """The four arrays of a Keras ``imdb.npz``, checked; clear errors otherwise."""
    try:
        with zipfile.ZipFile(file) as archive:
            arrays = {member[:-len(".npy")]: _read_npy(archive.read(member))
                      for member in archive.namelist() if member.endswith(".npy")}
    except Exception as error:  # not a zip, bad .npy header, refused pickle, ...
        raise ValueError(f"{file} is not a readable Keras imdb.npz ({error}); "
                         f"copy the file again") from error
    for key in IMDB_NPZ_KEYS:
        if key not in arrays:
            raise ValueError(f"{file} is not a Keras imdb.npz: key {key!r} is missing "
                             f"(expected {', '.join(IMDB_NPZ_KEYS)}; found "
                             f"{', '.join(sorted(arrays)) or 'no arrays'})")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"{file}: y_{split} must hold one label per review of "
                             f"x_{split} ({len(x)}), got shape {y.shape}")
    return arrays


def _object_array(rows: list) -> np.ndarray:
    """A 1-D object array of lists, even when all lists have the same length."""
    out = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        out[i] = row
    return out


def load_imdb_npz(path=None, num_words=None, skip_top=0, maxlen=None, start_char=1,
                  oov_char=2, index_from=3, seed=None):
    """Read the Keras IMDB cache ``imdb.npz`` without ever downloading it.

    Returns ``((x_train, y_train), (x_test, y_test))`` with the semantics of
    ``keras.datasets.imdb.load_data`` (Keras 3.15): ``x`` is a 1-D object array
    of lists of word ids, ``y`` the file's 0/1 labels. The file stores each
    review as word ranks (1 = most frequent word); every rank is shifted by
    ``index_from`` and ``start_char`` is prepended, so ids 0, 1, 2 mean
    padding, start and out-of-vocabulary (see :func:`decode_imdb_review`).

    - ``path``: the file, or the folder holding it. Default: ``imdb.npz`` in
      :func:`keras_datasets_dir` (honours ``KERAS_HOME``), then in
      ``/tmp/.keras/datasets`` where Keras saves when the home is read-only.
    - ``num_words``: ids ``>= num_words`` become ``oov_char`` (dropped when
      ``oov_char`` is None). None keeps every word.
    - ``skip_top``: ids ``< skip_top`` become ``oov_char`` too. As in Keras the
      test is on the shifted ids, so it also covers the reserved ids (e.g. with
      ``skip_top=2`` the start mark 1 becomes ``oov_char``).
    - ``maxlen``: as in Keras, reviews are dropped, not truncated: a review is
      kept only if its length, start mark included, is ``< maxlen``. Applied
      before the ``num_words``/``skip_top`` replacement.
    - ``seed``: None (default) keeps the file's order, with no randomness.
      An integer shuffles train then test with ``np.random.RandomState(seed)``
      exactly like Keras, so ``seed=113`` (Keras' default) gives Keras' order.

    Differences from Keras, all deliberate: no shuffle unless ``seed`` is
    given; ``num_words=None`` keeps every word (Keras turns the single largest
    id into ``oov_char``); ``x`` is always a 1-D object array; bad arguments
    and malformed files raise errors that name the argument or the key.
    """
    num_words = _optional_int(num_words, "num_words", 1)
    skip_top = positive_int(skip_top, "skip_top", minimum=0)
    maxlen = _optional_int(maxlen, "maxlen", 1)
    start_char = _optional_int(start_char, "start_char", 0)
    oov_char = _optional_int(oov_char, "oov_char", 0)
    index_from = positive_int(index_from, "index_from", minimum=0)
    seed = _optional_int(seed, "seed", 0)
    file = _find_cached_file(path, "imdb.npz", IMDB_NPZ_URL)
    arrays = _read_imdb_npz(file)

    rng = None if seed is None else np.random.RandomState(seed)
    head = [] if start_char is None else [start_char]
    splits = []
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if rng is not None:
            order = np.arange(len(x))
            rng.shuffle(order)
            x, y = x[order], y[order]
        x = [head + [int(w) + index_from for w in review] for review in x]
        if maxlen is not None:
            keep = [i for i, review in enumerate(x) if len(review) < maxlen]
            x, y = [x[i] for i in keep], y[np.asarray(keep, dtype=np.intp)]
        splits.append((x, y))
    if maxlen is not None and not all(x for x, _ in splits):
        empty = "train" if not splits[0][0] else "test"
        raise ValueError(f"maxlen={maxlen} keeps no {empty} review (a review is kept "
                         f"when its length, start mark included, is < maxlen); "
                         f"increase maxlen")

    def keeps(w: int) -> bool:
        return skip_top <= w and (num_words is None or w < num_words)

    out = []
    for x, y in splits:
        if skip_top or num_words is not None:
            if oov_char is None:
                x = [[w for w in review if keeps(w)] for review in x]
            else:
                x = [[w if keeps(w) else oov_char for w in review] for review in x]
        out.append((_object_array(x), y))
    return tuple(out)


def imdb_word_index(path=None) -> dict[str, int]:
    """Read ``imdb_word_index.json``: each word's frequency rank (1 = most frequent).

    ``path`` is the file or the folder holding it; by default the Keras cache
    folder, like :func:`load_imdb_npz`. Nothing is downloaded.
    """
    file = _find_cached_file(path, "imdb_word_index.json", IMDB_WORD_INDEX_URL)
    try:
        index = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as error:  # invalid JSON or not UTF-8
        raise ValueError(f"{file} is not valid JSON ({error}); copy the file again") from error
    if not isinstance(index, dict) or not all(
            isinstance(rank, int) and not isinstance(rank, bool) for rank in index.values()):
        raise ValueError(f"{file} must be a JSON object mapping each word to its "
                         f"integer rank, like Keras' imdb_word_index.json")
    return index


def decode_imdb_review(ids, word_index, index_from=3) -> str:
    """Turn word ids from :func:`load_imdb_npz` back into text.

    An id ``>= index_from`` is the word of rank ``id - index_from`` in
    ``word_index`` (from :func:`imdb_word_index`). Ids below ``index_from`` are
    reserved: 0 (padding) and 1 (start) are dropped and the others (2 =
    out-of-vocabulary) become ``"[OOV]"``, as does an id with no word.
    """
    if not isinstance(word_index, Mapping):
        raise TypeError("word_index must be a mapping from word to rank, like "
                        f"imdb_word_index() returns, got {type(word_index).__name__}")
    index_from = positive_int(index_from, "index_from", minimum=0)
    if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
        raise TypeError(f"ids must be a sequence of integer word ids, got "
                        f"{type(ids).__name__} {ids!r}")
    words = {rank + index_from: word for word, rank in word_index.items()}
    tokens = []
    for position, value in enumerate(ids):
        i = positive_int(value, f"ids[{position}]", minimum=0)
        if i < index_from and i in (0, 1):
            continue
        tokens.append(words.get(i, IMDB_OOV_TOKEN) if i >= index_from else IMDB_OOV_TOKEN)
    return " ".join(tokens)


def _review_file_order(file: Path) -> tuple:
    """Stanford names files ``<id>_<rating>.txt``: sort by the numeric id."""
    review_id = file.stem.split("_")[0]
    return (0, int(review_id), file.name) if review_id.isdigit() else (1, 0, file.name)


def clean_imdb_text(text: str) -> str:
    """Replace the ``<br />`` tags of the raw IMDB reviews by spaces, squeeze spaces."""
    return " ".join(_BR_TAG.sub(" ", text).split())


def load_aclimdb(folder, split="train", max_per_class=None) -> Reviews:
    """Read Stanford's raw ``aclImdb/{train,test}/{pos,neg}/*.txt`` reviews.

    ``folder`` is the ``aclImdb`` folder (or the folder that contains it).
    Labels: 1 = ``pos``, 0 = ``neg``; ``train/unsup`` is ignored. Order is
    deterministic: within a class, files sorted by their numeric review id
    (``<id>_<rating>.txt``, then by name); the classes are interleaved
    neg, pos, neg, pos, ... and any surplus of one class comes last, so any
    prefix is balanced. ``max_per_class`` keeps the first that many files of
    each class. ``<br />`` tags become spaces (:func:`clean_imdb_text`).
    """
    root = _as_path(folder, "folder")
    split = one_of(split, "split", ("train", "test"))
    max_per_class = _optional_int(max_per_class, "max_per_class", 1)
    if not (root / split).is_dir() and (root / "aclImdb" / split).is_dir():
        root = root / "aclImdb"
    how_to = (f"{_OPTIONAL} To use the real reviews, download aclImdb_v1.tar.gz once on "
              f"a machine with internet from the Stanford page ({ACLIMDB_URL}), extract "
              f"it, copy the aclImdb folder to this machine and pass its path as folder=.")
    if not root.is_dir():
        raise FileNotFoundError(f"aclImdb folder not found: looked for {root}. {how_to}")
    files = {}
    for label, name in ((0, "neg"), (1, "pos")):
        class_dir = root / split / name
        found = sorted(class_dir.glob("*.txt"), key=_review_file_order) if class_dir.is_dir() else []
        if not found:
            raise FileNotFoundError(
                f"no IMDB reviews found: looked for {class_dir / '*.txt'} (the Stanford "
                f"layout is aclImdb/{split}/pos/*.txt and aclImdb/{split}/neg/*.txt). {how_to}")
        files[label] = found[:max_per_class]
    texts, labels = [], []
    for position in range(max(len(class_files) for class_files in files.values())):
        for label in (0, 1):
            if position < len(files[label]):
                raw = files[label][position].read_text(encoding="utf-8", errors="replace")
                texts.append(clean_imdb_text(raw))
                labels.append(label)
    return Reviews(texts, np.asarray(labels, dtype=np.int64))


# --------------------------------------------------------------------------
# Negation tagging: a many-to-many (per-step) task for chapter 04
# --------------------------------------------------------------------------
# Every word gets a tag, and the tag depends on the words before it: a word
# that reads positive on its own reads negative after one "not", positive again
# after two. Each word is negated about half of the time, so the word alone
# says (almost) nothing about its tag: a per-step model without recurrence
# stays near chance, a small recurrent tagger is near perfect.

NOT = "not"
TAGGING_WORDS = ("<pad>", NOT, *POSITIVE, *NEGATIVE)  # id 0 is padding; it never occurs
NOT_ID = 1
FIRST_POSITIVE_ID, FIRST_NEGATIVE_ID = 2, 2 + len(POSITIVE)


class TaggedSequences(NamedTuple):
    """Word ids (n, length) into ``TAGGING_WORDS`` and their tags (n, length),
    1 = the word reads positive in context, 0 = negative; both int64."""

    ids: np.ndarray
    tags: np.ndarray


def negation_tagging(n: int = 2000, length: int = 16, seed: int = 0,
                     p_not: float = 0.25) -> TaggedSequences:
    """Generate ``n`` tagged sequences of ``length`` words from ``seed``.

    Each word is "not" with probability ``p_not`` (the first word with
    probability 1/2), else an adjective drawn uniformly from ``POSITIVE`` and
    ``NEGATIVE``. The tag of word t is its polarity read in context:

        tag_t = (word_t is a positive adjective) XOR (an odd number of "not" before t)

    so "not" counts as a negative word ("good not good not not good" is tagged
    1 0 0 1 0 0). Because the first word is "not" half of the time, from the
    second word on a word is negated with probability exactly 1/2, whatever
    the word: the tag given the current word alone is a coin flip.
    """
    n = positive_int(n, "n")
    length = positive_int(length, "length")
    seed = positive_int(seed, "seed", minimum=0)
    p_not = real_number(p_not, "p_not", minimum=0, inclusive=False)
    if p_not >= 1:
        raise ValueError(f"p_not must be < 1 (the probability that a word is 'not'), "
                         f"got {p_not!r}")
    rng = np.random.default_rng(seed)
    is_not = rng.random((n, length)) < p_not
    is_not[:, 0] = rng.random(n) < 0.5
    adjectives = rng.integers(FIRST_POSITIVE_ID, len(TAGGING_WORDS), size=(n, length))
    ids = np.where(is_not, NOT_ID, adjectives).astype("int64")
    nots_before = np.cumsum(is_not, axis=1) - is_not
    positive = (ids >= FIRST_POSITIVE_ID) & (ids < FIRST_NEGATIVE_ID)
    tags = positive.astype("int64") ^ (nots_before % 2)
    return TaggedSequences(ids, tags.astype("int64"))


def words_of(ids, vocabulary, name: str) -> str:
    """The words of one sequence of ``ids`` into ``vocabulary`` (called ``name`` in
    errors), padding (0) skipped."""
    if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
        raise TypeError(f"ids must be a sequence of word ids, got {type(ids).__name__} {ids!r}")
    words = []
    for position, value in enumerate(ids):
        if hasattr(value, "item"):  # a NumPy or torch scalar
            value = value.item()
        i = positive_int(value, f"ids[{position}]", minimum=0)
        if i >= len(vocabulary):
            raise ValueError(f"ids[{position}] must be < {len(vocabulary)} "
                             f"(len({name})), got {i}")
        if i:
            words.append(vocabulary[i])
    return " ".join(words)


def tagging_text(ids) -> str:
    """The words of one sequence of ``negation_tagging`` ids, padding (0) skipped."""
    return words_of(ids, TAGGING_WORDS, "TAGGING_WORDS")


# --------------------------------------------------------------------------
# Postfix negation tagging: a per-step task that needs future context (chapter 06)
# --------------------------------------------------------------------------
# The words of negation_tagging, but "not" comes *after* the word it negates
# ("great not" reads negative). Whether an adjective is followed by "not" is a
# fair coin, whatever came before it, so a tagger that reads only the past is
# at chance on every adjective but the last; one that also reads the next word
# (a bidirectional layer) can be perfect.

def postfix_negation_tagging(n: int = 2000, length: int = 10, seed: int = 0) -> TaggedSequences:
    """Generate ``n`` tagged sequences of ``length`` words from ``seed``.

    Words are ids into ``TAGGING_WORDS``. Position by position, an adjective is
    drawn uniformly from ``POSITIVE`` and ``NEGATIVE``; with probability 1/2 it
    is followed by "not" (when there is room), and after a "not" comes an
    adjective again (never "not not"). The tag of a word is how it reads:

        tag of an adjective = (it is positive) XOR (the next word is "not")
        tag of "not"        = 0 (a negative word, as in negation_tagging)

    so "great not dull" is tagged 0 0 0 and "dull not great" 1 0 1. The last
    word has no next word: its tag is its own polarity. ``future_context_positions``
    gives the adjectives whose tag depends on the next word.
    """
    n = positive_int(n, "n")
    length = positive_int(length, "length", minimum=2)
    seed = positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    adjectives = rng.integers(FIRST_POSITIVE_ID, len(TAGGING_WORDS), size=(n, length))
    negate = rng.random((n, length)) < 0.5
    ids = np.empty((n, length), dtype="int64")
    wants_not = np.zeros(n, dtype=bool)          # the previous adjective is negated
    for t in range(length):
        ids[:, t] = np.where(wants_not, NOT_ID, adjectives[:, t])
        wants_not = ~wants_not & negate[:, t]
    followed_by_not = np.zeros((n, length), dtype=bool)
    followed_by_not[:, :-1] = ids[:, 1:] == NOT_ID
    positive = (ids >= FIRST_POSITIVE_ID) & (ids < FIRST_NEGATIVE_ID)
    tags = (positive ^ followed_by_not) & (ids != NOT_ID)
    return TaggedSequences(ids, tags.astype("int64"))


def future_context_positions(ids) -> np.ndarray:
    """Where a ``postfix_negation_tagging`` tag depends on the next word: a boolean
    array of ``ids``' shape, True at every adjective but the last word.

    Only a model that reads the next word can beat chance there.
    """
    if hasattr(ids, "detach"):                    # a torch tensor
        ids = ids.detach().cpu().numpy()
    array = np.asarray(ids)
    if array.ndim != 2 or array.shape[1] < 2 or array.dtype.kind not in "iu":
        raise ValueError(f"ids must be a 2-D array of integer word ids (n, length) with "
                         f"length >= 2, got shape {array.shape} and dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= len(TAGGING_WORDS)):
        raise ValueError(f"ids must be word ids in [0, {len(TAGGING_WORDS) - 1}] "
                         f"(TAGGING_WORDS), got values from {array.min()} to {array.max()}")
    future = array >= FIRST_POSITIVE_ID
    future[:, -1] = False
    return future


# --------------------------------------------------------------------------
# A real series for chapter 07: El Nino sea surface temperatures
# --------------------------------------------------------------------------
# statsmodels ships the file inside its wheel (statsmodels/datasets/elnino),
# so reading it never touches the network. Never use sm.datasets.get_rdataset,
# which downloads.

ELNINO_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
ELNINO_NAME = "sea surface temperature (°C)"


def load_elnino():
    """Monthly mean sea surface temperature of the Pacific off Peru and Ecuador
    (Nino 1+2 region, 0-10 degrees South, 90-80 degrees West), January 1950 to
    December 2010, in degrees Celsius (NOAA ERSST v3b, public domain).

    Returns a pandas Series of 732 float64 values indexed by the first day of
    each month, in time order, read offline from the copy inside statsmodels
    (``statsmodels.datasets.elnino``: one row per year, one column per month).
    """
    try:
        from statsmodels.datasets import elnino
    except ImportError as error:  # pragma: no cover - statsmodels is a course dependency
        raise ImportError("load_elnino reads the El Nino data shipped inside statsmodels: "
                          "install it with `pip install statsmodels`") from error
    import pandas as pd

    frame = elnino.load_pandas().data
    missing = [column for column in ("YEAR",) + ELNINO_MONTHS if column not in frame.columns]
    if missing:
        raise ValueError(f"statsmodels' elnino data lacks the columns {missing}: "
                         f"it has {list(frame.columns)}")
    years = frame["YEAR"].to_numpy()
    if len(years) == 0 or not np.array_equal(years, years[0] + np.arange(len(years))):
        raise ValueError("statsmodels' elnino data should hold one row per year, in order")
    values = frame[list(ELNINO_MONTHS)].to_numpy(dtype="float64").ravel()  # Jan..Dec, year by year
    if not np.all(np.isfinite(values)):
        raise ValueError("statsmodels' elnino data holds missing values")
    index = pd.date_range(f"{int(years[0])}-01-01", periods=len(values), freq="MS", name="month")
    return pd.Series(values, index=index, name=ELNINO_NAME)


# --------------------------------------------------------------------------
# Long-range reviews: one opinion word far from the end (chapter 05)
# --------------------------------------------------------------------------
# Each review is `length` words of small talk (FILLER) with exactly one opinion
# word, an adjective from POSITIVE or NEGATIVE, `distance` words before the end
# (distance 0: the last word). The label is the adjective's polarity. The
# model reads the words in order and decides at the last one, so it has to
# carry the opinion across `distance` words of chatter: a test of memory, not
# of order (a bag of words would solve it).

LONG_RANGE_WORDS = ("<pad>", *POSITIVE, *NEGATIVE, *FILLER)  # id 0 is padding; it never occurs
FIRST_FILLER_ID = 1 + len(POSITIVE) + len(NEGATIVE)


class LongRangeReviews(NamedTuple):
    """Word ids (n, length) into ``LONG_RANGE_WORDS``, labels (n,) (1 = positive) and
    the distance (n,) of the opinion word from the end (0 = the last word); all int64."""

    ids: np.ndarray
    labels: np.ndarray
    distances: np.ndarray


def long_range_reviews(n: int = 4000, length: int = 30, seed: int = 0,
                       min_distance: int = 0, max_distance: int | None = None) -> LongRangeReviews:
    """Generate ``n`` reviews of ``length`` words from ``seed``, balanced between labels.

    Every word is drawn uniformly from ``FILLER`` except one, the opinion word
    (uniform over ``POSITIVE`` for label 1, ``NEGATIVE`` for label 0), placed
    ``distance`` words before the end, with ``distance`` uniform over
    ``min_distance .. max_distance`` (default ``length - 1``: anywhere).
    """
    n = positive_int(n, "n")
    length = positive_int(length, "length")
    seed = positive_int(seed, "seed", minimum=0)
    min_distance = positive_int(min_distance, "min_distance", minimum=0)
    max_distance = length - 1 if max_distance is None else positive_int(
        max_distance, "max_distance", minimum=0)
    if max_distance > length - 1:
        raise ValueError(f"max_distance must be <= length - 1 = {length - 1} (0 is the last "
                         f"word), got {max_distance}")
    if min_distance > max_distance:
        raise ValueError(f"min_distance must be <= max_distance = {max_distance}, "
                         f"got {min_distance}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    ids = rng.integers(FIRST_FILLER_ID, len(LONG_RANGE_WORDS), size=(n, length))
    distances = rng.integers(min_distance, max_distance + 1, size=n)
    first = np.where(labels == 1, 1, 1 + len(POSITIVE))  # first id of the label's adjectives
    ids[np.arange(n), length - 1 - distances] = first + rng.integers(0, len(POSITIVE), size=n)
    return LongRangeReviews(ids.astype("int64"), labels.astype("int64"),
                            distances.astype("int64"))


def long_range_text(ids) -> str:
    """The words of one review of ``long_range_reviews`` ids, padding (0) skipped."""
    return words_of(ids, LONG_RANGE_WORDS, "LONG_RANGE_WORDS")
