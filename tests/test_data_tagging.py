"""Tests for helpers.data.negation_tagging: the per-step tagging task of chapter 04."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from helpers.data import (NEGATIVE, NOT, POSITIVE, TAGGING_WORDS, TaggedSequences,
                          negation_tagging, tagging_text)


def tags_from_words(words: list[str]) -> list[int]:
    """Re-derive the tags of one sequence from its words, one step at a time."""
    tags, negated = [], False
    for word in words:
        assert word == NOT or (word in POSITIVE) != (word in NEGATIVE), f"unknown word {word!r}"
        tags.append(int((word in POSITIVE) != negated))
        if word == NOT:
            negated = not negated
    return tags


# --------------------------------------------------------------------------
# shapes, types, determinism
# --------------------------------------------------------------------------

def test_shapes_and_types():
    data = negation_tagging(50, length=12, seed=3)
    assert isinstance(data, TaggedSequences)
    ids, tags = data
    for array in (ids, tags):
        assert isinstance(array, np.ndarray)
        assert array.shape == (50, 12)
        assert array.dtype == np.int64
    assert ids.min() >= 1 and ids.max() < len(TAGGING_WORDS), "ids index TAGGING_WORDS, 0 never occurs"
    assert set(np.unique(tags)) <= {0, 1}


def test_vocabulary():
    assert TAGGING_WORDS[0] == "<pad>" and TAGGING_WORDS[1] == NOT
    assert set(TAGGING_WORDS[2:]) == set(POSITIVE) | set(NEGATIVE)
    assert len(set(TAGGING_WORDS)) == len(TAGGING_WORDS)


def test_defaults():
    ids, tags = negation_tagging()
    assert ids.shape == tags.shape == (2000, 16)


def test_deterministic_for_a_seed():
    a, b = negation_tagging(200, 10, seed=7), negation_tagging(200, 10, seed=7)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.tags, b.tags)


def test_different_seeds_differ():
    a, b = negation_tagging(200, 10, seed=0), negation_tagging(200, 10, seed=1)
    assert not np.array_equal(a.ids, b.ids)
    assert not np.array_equal(a.tags, b.tags)


def test_tiny_sizes():
    ids, tags = negation_tagging(1, length=1, seed=0)
    assert ids.shape == tags.shape == (1, 1)
    assert tags[0, 0] == int(TAGGING_WORDS[ids[0, 0]] in POSITIVE)


# --------------------------------------------------------------------------
# the rule: each tag depends on the earlier words
# --------------------------------------------------------------------------

def test_tags_follow_the_rule():
    ids, tags = negation_tagging(300, length=15, seed=11)
    for row_ids, row_tags in zip(ids, tags):
        words = [TAGGING_WORDS[i] for i in row_ids]
        assert row_tags.tolist() == tags_from_words(words), " ".join(words)


def test_docstring_example():
    assert tags_from_words("good not good not not good".split()) == [1, 0, 0, 1, 0, 0]


def test_the_same_word_gets_both_tags_depending_on_what_came_before():
    ids, tags = negation_tagging(500, length=16, seed=2)
    for word_id in range(1, len(TAGGING_WORDS)):
        seen = set(tags[:, 1:][ids[:, 1:] == word_id].tolist())
        assert seen == {0, 1}, f"{TAGGING_WORDS[word_id]!r} should be tagged both 0 and 1"


def test_p_not_sets_how_often_not_occurs():
    for p_not in (0.1, 0.25, 0.5):
        ids, _ = negation_tagging(2000, length=20, seed=5, p_not=p_not)
        share = float((ids[:, 1:] == 1).mean())
        assert abs(share - p_not) < 0.02, (p_not, share)
        first = float((ids[:, 0] == 1).mean())
        assert abs(first - 0.5) < 0.05, "the first word is 'not' half of the time"


def test_adjectives_are_balanced():
    ids, _ = negation_tagging(2000, length=16, seed=6)
    words = Counter(TAGGING_WORDS[i] for i in ids.ravel())
    positive = sum(words[w] for w in POSITIVE)
    negative = sum(words[w] for w in NEGATIVE)
    assert abs(positive - negative) / (positive + negative) < 0.03


# --------------------------------------------------------------------------
# a model that sees only the current word stays near chance
# --------------------------------------------------------------------------

def test_negated_half_of_the_time_after_the_first_word():
    ids, _ = negation_tagging(4000, length=16, seed=8)
    is_not = ids == 1
    negated = (np.cumsum(is_not, axis=1) - is_not) % 2
    per_position = negated[:, 1:].mean(axis=0)
    assert np.all(np.abs(per_position - 0.5) < 0.04), per_position.round(3)


def test_per_token_baseline_is_near_chance():
    """The best a per-step model without recurrence can do: predict, for each word,
    its more frequent tag. Fitted on one set, scored on another."""
    train = negation_tagging(3000, length=16, seed=20)
    test = negation_tagging(2000, length=16, seed=21)
    majority = np.zeros(len(TAGGING_WORDS), dtype="int64")
    for word_id in range(1, len(TAGGING_WORDS)):
        share = train.tags[train.ids == word_id].mean()
        assert 0.4 < share < 0.6, \
            f"P(tag=1 | {TAGGING_WORDS[word_id]!r}) = {share:.3f}: the word alone gives the tag away"
        majority[word_id] = int(share > 0.5)
    accuracy = float((majority[test.ids] == test.tags).mean())
    assert accuracy < 0.56, f"a per-token baseline reaches {accuracy:.3f}, it should be near 0.5"


def test_the_rule_with_memory_is_perfect():
    """One bit of memory (an odd number of "not" so far) plus the current word gives every tag."""
    ids, tags = negation_tagging(1000, length=16, seed=9)
    is_not = ids == 1
    negated = (np.cumsum(is_not, axis=1) - is_not) % 2
    positive = np.isin(ids, [TAGGING_WORDS.index(w) for w in POSITIVE])
    np.testing.assert_array_equal(positive.astype("int64") ^ negated, tags)


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, name", [
    ({"n": 0}, ValueError, "n"),
    ({"n": 2.5}, TypeError, "n"),
    ({"n": True}, TypeError, "n"),
    ({"length": 0}, ValueError, "length"),
    ({"length": "16"}, TypeError, "length"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": None}, TypeError, "seed"),
    ({"p_not": 0}, ValueError, "p_not"),
    ({"p_not": 1}, ValueError, "p_not"),
    ({"p_not": 1.5}, ValueError, "p_not"),
    ({"p_not": float("nan")}, ValueError, "p_not"),
    ({"p_not": "0.2"}, TypeError, "p_not"),
])
def test_bad_arguments_name_the_argument(kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must"):
        negation_tagging(**kwargs)


# --------------------------------------------------------------------------
# tagging_text
# --------------------------------------------------------------------------

def test_tagging_text():
    good, bad = TAGGING_WORDS.index("good"), TAGGING_WORDS.index("bad")
    assert tagging_text([1, good, 1, 1, bad]) == "not good not not bad"
    assert tagging_text(np.array([0, 0, good])) == "good", "padding is skipped"
    assert tagging_text(torch.tensor([1, bad])) == "not bad"
    ids, _ = negation_tagging(3, length=5, seed=0)
    assert len(tagging_text(ids[0]).split()) == 5


@pytest.mark.parametrize("ids, error, match", [
    ("not good", TypeError, "ids must be a sequence"),
    (3, TypeError, "ids must be a sequence"),
    ([1, len(TAGGING_WORDS)], ValueError, r"ids\[1\] must be <"),
    ([1, -1], ValueError, r"ids\[1\] must be >= 0"),
    ([1.5], TypeError, r"ids\[0\] must be an integer"),
])
def test_tagging_text_bad_ids(ids, error, match):
    with pytest.raises(error, match=match):
        tagging_text(ids)
