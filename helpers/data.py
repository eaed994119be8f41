"""Course data, generated locally from a seed: nothing is ever downloaded.

The *course reviews* are short movie reviews whose label depends on word
order. Each review joins two clauses of opposite polarity with "but"; the
label is the polarity of the clause after "but". A clause is negated with
"not" half of the time, so a clause's polarity is its adjective's polarity
flipped by "not". Both labels draw the same multiset of words, so a
bag-of-words model stays at chance while a model that reads in order can be
near perfect.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from helpers.validation import positive_int, real_number

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
