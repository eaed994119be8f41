"""Tests for helpers.data.long_range_reviews: the long-range task of chapter 05."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data import (FILLER, LONG_RANGE_WORDS, NEGATIVE, POSITIVE, LongRangeReviews,
                          long_range_reviews, long_range_text)

FILLER_IDS = set(range(1 + len(POSITIVE) + len(NEGATIVE), len(LONG_RANGE_WORDS)))


def test_shapes_and_types():
    data = long_range_reviews(50, length=12, seed=3)
    assert isinstance(data, LongRangeReviews)
    assert data.ids.shape == (50, 12)
    assert data.labels.shape == data.distances.shape == (50,)
    for array in data:
        assert isinstance(array, np.ndarray) and array.dtype == np.int64
    assert data.ids.min() >= 1 and data.ids.max() < len(LONG_RANGE_WORDS), "id 0 never occurs"


def test_vocabulary():
    assert LONG_RANGE_WORDS[0] == "<pad>"
    assert set(LONG_RANGE_WORDS[1:]) == set(POSITIVE) | set(NEGATIVE) | set(FILLER)
    assert len(set(LONG_RANGE_WORDS)) == len(LONG_RANGE_WORDS)


def test_defaults():
    data = long_range_reviews()
    assert data.ids.shape == (4000, 30)


def test_one_opinion_word_at_its_distance_with_the_label_polarity():
    ids, labels, distances = long_range_reviews(300, length=20, seed=11)
    for row, label, distance in zip(ids, labels, distances):
        words = [LONG_RANGE_WORDS[i] for i in row]
        opinions = [position for position, word in enumerate(words) if word not in FILLER]
        assert opinions == [len(row) - 1 - distance], " ".join(words)
        word = words[opinions[0]]
        assert (word in POSITIVE) == bool(label) and (word in NEGATIVE) == (not label)
        assert all(i in FILLER_IDS for position, i in enumerate(row) if position != opinions[0])


def test_labels_are_balanced_and_both_polarities_use_every_adjective():
    ids, labels, _ = long_range_reviews(2000, length=5, seed=2)
    assert labels.sum() == 1000
    used = {LONG_RANGE_WORDS[i] for i in ids.ravel()}
    assert set(POSITIVE) <= used and set(NEGATIVE) <= used


def test_distances_cover_the_range_uniformly():
    _, _, distances = long_range_reviews(5000, length=10, seed=4)
    counts = np.bincount(distances, minlength=10)
    assert counts.min() > 400 and counts.max() < 600, counts


def test_min_and_max_distance():
    _, _, distances = long_range_reviews(500, length=100, seed=5, min_distance=50)
    assert distances.min() >= 50 and distances.max() <= 99
    _, _, distances = long_range_reviews(200, length=30, seed=5, min_distance=3, max_distance=3)
    assert set(distances.tolist()) == {3}


def test_deterministic_for_a_seed_and_different_across_seeds():
    a, b, c = (long_range_reviews(200, 10, seed=s) for s in (7, 7, 8))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.ids, c.ids)


def test_a_bag_of_words_finds_the_opinion():
    # memory, not order: the label is a function of which words occur
    ids, labels, _ = long_range_reviews(500, length=25, seed=9)
    positive_ids = {LONG_RANGE_WORDS.index(word) for word in POSITIVE}
    guess = np.array([int(any(i in positive_ids for i in row)) for row in ids])
    np.testing.assert_array_equal(guess, labels)


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"n": 0}, ValueError, "n must be >= 1"),
    ({"n": 2.5}, TypeError, "n must be an integer"),
    ({"length": 0}, ValueError, "length must be >= 1"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"min_distance": -1}, ValueError, "min_distance must be >= 0"),
    ({"length": 10, "max_distance": 10}, ValueError, "max_distance must be <= length - 1 = 9"),
    ({"length": 10, "min_distance": 6, "max_distance": 5}, ValueError,
     "min_distance must be <= max_distance = 5"),
    ({"length": 10, "min_distance": 10}, ValueError, "min_distance must be <= max_distance = 9"),
    ({"max_distance": "3"}, TypeError, "max_distance must be an integer"),
])
def test_bad_arguments_are_named(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        long_range_reviews(**kwargs)


def test_text_of_ids_numpy_list_and_tensor():
    ids = long_range_reviews(1, length=8, seed=0).ids[0]
    text = long_range_text(ids)
    assert len(text.split()) == 8
    assert long_range_text(ids.tolist()) == text == long_range_text(torch.from_numpy(ids))
    assert long_range_text([0, 0, LONG_RANGE_WORDS.index("good")]) == "good"


@pytest.mark.parametrize("ids, error, fragment", [
    ("good", TypeError, "ids must be a sequence of word ids"),
    (3, TypeError, "ids must be a sequence of word ids"),
    ([1, len(LONG_RANGE_WORDS)], ValueError, r"ids\[1\] must be < 46"),
    ([1, -1], ValueError, r"ids\[1\] must be >= 0"),
    ([1.5], TypeError, r"ids\[0\] must be an integer"),
])
def test_text_bad_ids(ids, error, fragment):
    with pytest.raises(error, match=fragment):
        long_range_text(ids)
