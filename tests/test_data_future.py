"""Tests for helpers.data.postfix_negation_tagging and future_context_positions:
the per-step task of chapter 06 whose tags depend on the next word."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from helpers.data import (NEGATIVE, NOT, NOT_ID, POSITIVE, TAGGING_WORDS, TaggedSequences,
                          future_context_positions, postfix_negation_tagging, tagging_text)


def tags_from_words(words: list[str]) -> list[int]:
    """Re-derive the tags of one sequence from its words, reading the next word."""
    tags = []
    for t, word in enumerate(words):
        following = words[t + 1] if t + 1 < len(words) else None
        if word == NOT:
            tags.append(0)
        else:
            assert (word in POSITIVE) != (word in NEGATIVE), f"unknown word {word!r}"
            tags.append(int((word in POSITIVE) != (following == NOT)))
    return tags


def test_shapes_types_and_defaults():
    data = postfix_negation_tagging(50, length=12, seed=3)
    assert isinstance(data, TaggedSequences)
    for array in data:
        assert isinstance(array, np.ndarray) and array.shape == (50, 12) and array.dtype == np.int64
    ids, tags = data
    assert ids.min() >= 1 and ids.max() < len(TAGGING_WORDS), "ids index TAGGING_WORDS, no padding"
    assert set(np.unique(tags)) <= {0, 1}
    assert postfix_negation_tagging().ids.shape == (2000, 10)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a, b = postfix_negation_tagging(200, 8, seed=7), postfix_negation_tagging(200, 8, seed=7)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.tags, b.tags)
    assert not np.array_equal(a.ids, postfix_negation_tagging(200, 8, seed=8).ids)


def test_tags_follow_the_rule_word_by_word():
    ids, tags = postfix_negation_tagging(300, length=9, seed=1)
    for row, row_tags in zip(ids, tags):
        assert tags_from_words(tagging_text(row).split()) == row_tags.tolist()


def test_documented_examples():
    index = {word: i for i, word in enumerate(TAGGING_WORDS)}
    ids, tags = postfix_negation_tagging(5000, length=3, seed=0)
    for words, want in (("great not dull", [0, 0, 0]), ("dull not great", [1, 0, 1])):
        row = [index[w] for w in words.split()]
        found = np.flatnonzero((ids == row).all(axis=1))
        assert found.size, f"{words!r} never drawn"
        assert tags[found[0]].tolist() == want


def test_never_not_not_and_never_starts_with_not():
    ids, _ = postfix_negation_tagging(2000, length=10, seed=2)
    assert not (ids[:, 0] == NOT_ID).any()
    assert not ((ids[:, 1:] == NOT_ID) & (ids[:, :-1] == NOT_ID)).any()


def test_the_next_word_is_a_fair_coin_whatever_came_before():
    """A model that reads only the past is at chance on the future-context positions."""
    ids, tags = postfix_negation_tagging(40000, length=8, seed=4)
    future = future_context_positions(ids)
    for t in range(7):
        adjective = ids[:, t] != NOT_ID
        for before in (ids[:, t - 1] == NOT_ID, ids[:, t - 1] != NOT_ID) if t else (True,):
            chosen = adjective & before
            if not chosen.any():        # t = 1 after a "not": a sequence never starts with "not"
                continue
            share = (ids[chosen, t + 1] == NOT_ID).mean()
            assert abs(share - 0.5) < 0.03, (t, share)
    # given the word itself, its tag is a coin flip at the future-context positions
    for word in (2, 7, 12, 21):
        at = future & (ids == word)
        assert abs(tags[at].mean() - 0.5) < 0.03, (TAGGING_WORDS[word], tags[at].mean())


def test_future_context_positions():
    ids, _ = postfix_negation_tagging(100, length=6, seed=5)
    future = future_context_positions(ids)
    assert future.dtype == bool and future.shape == ids.shape
    np.testing.assert_array_equal(future[:, :-1], ids[:, :-1] != NOT_ID)
    assert not future[:, -1].any(), "the last word has no next word"
    np.testing.assert_array_equal(future_context_positions(torch.from_numpy(ids)), future)
    np.testing.assert_array_equal(future_context_positions(ids.tolist()), future)
    padded = np.array([[3, 1, 4, 0, 0]])
    assert future_context_positions(padded).tolist() == [[True, False, True, False, False]]


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"n": 0}, ValueError, "n must be >= 1"),
    ({"n": 2.5}, TypeError, "n must be an integer"),
    ({"length": 1}, ValueError, "length must be >= 2"),
    ({"length": "10"}, TypeError, "length must be an integer"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
])
def test_bad_arguments(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        postfix_negation_tagging(**kwargs)


@pytest.mark.parametrize("ids, fragment", [
    (np.array([1, 2, 3]), "ids must be a 2-D array of integer word ids"),
    (np.array([[1.0, 2.0]]), "ids must be a 2-D array of integer word ids"),
    (np.array([[2]]), "length >= 2"),
    (np.array([[2, len(TAGGING_WORDS)]]), "ids must be word ids in [0, 21]"),
    (np.array([[2, -1]]), "ids must be word ids in [0, 21]"),
])
def test_future_context_positions_bad_ids(ids, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        future_context_positions(ids)



