"""Tests for helpers.text: tokenizing, the vocabulary and padding."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import course_reviews
from helpers.text import OOV, PAD, Vocabulary, encode_reviews, pad_ids, tokenize


# --------------------------------------------------------------------------
# tokenize
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text, tokens", [
    ("The movie was GOOD", ["the", "movie", "was", "good"]),
    ("  spaced   out\ttabs\nand lines  ", ["spaced", "out", "tabs", "and", "lines"]),
    ("", []),
    ("   ", []),
    ("one", ["one"]),
    ("it was good , but", ["it", "was", "good", ",", "but"]),
])
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("bad", [None, 3, ["a", "b"], b"bytes"])
def test_tokenize_rejects_non_strings(bad):
    with pytest.raises(TypeError, match=r"^text must be a str"):
        tokenize(bad)


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

def test_vocabulary_reserves_pad_and_unk():
    vocab = Vocabulary(["b a", "a"])
    assert vocab.tokens[:2] == [PAD, OOV] == ["<pad>", "<unk>"]
    assert vocab.index[PAD] == 0 and vocab.index[OOV] == 1
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b"]
    assert len(vocab) == 4


def test_vocabulary_frequency_order_ties_alphabetical():
    vocab = Vocabulary(["c b a", "b c", "c d", "zeta alpha"])
    # c:3, b:2, then a, alpha, d, zeta once each, alphabetically
    assert vocab.tokens[2:] == ["c", "b", "a", "alpha", "d", "zeta"]
    assert [vocab.index[t] for t in vocab.tokens] == list(range(len(vocab)))


def test_vocabulary_is_case_insensitive():
    vocab = Vocabulary(["Good GOOD good"])
    assert vocab.tokens == [PAD, OOV, "good"]
    assert vocab.encode("GoOd") == [2]


@pytest.mark.parametrize("max_size, kept", [
    (3, ["c"]),
    (4, ["c", "b"]),
    (5, ["c", "b", "a"]),
    (100, ["c", "b", "a", "d"]),
])
def test_vocabulary_max_size_keeps_the_most_frequent(max_size, kept):
    vocab = Vocabulary(["c b a", "b c", "c d"], max_size=max_size)
    assert vocab.tokens == [PAD, OOV, *kept]
    assert len(vocab) <= max_size


def test_vocabulary_max_size_drops_rare_words_to_unk():
    vocab = Vocabulary(["c b a", "b c", "c d"], max_size=4)
    assert vocab.encode("a b c d") == [1, 3, 2, 1]


@pytest.mark.parametrize("max_size, error", [
    (2, ValueError), (0, ValueError), (-1, ValueError), (3.0, TypeError), ("10", TypeError),
    (True, TypeError),
])
def test_vocabulary_max_size_validation(max_size, error):
    with pytest.raises(error, match=r"^max_size must be"):
        Vocabulary(["a b c"], max_size=max_size)


def test_vocabulary_encode_decode_round_trip():
    reviews = course_reviews(100, seed=0)
    vocab = Vocabulary(reviews.texts)
    for text in reviews.texts:
        ids = vocab.encode(text)
        assert len(ids) == len(text.split())
        assert all(i >= 2 for i in ids)  # every word of the corpus is known
        assert vocab.decode(ids) == text


def test_vocabulary_encode_unknown_and_decode_skips_padding():
    vocab = Vocabulary(["the movie was good"])
    ids = vocab.encode("the movie was terrible")
    assert ids[-1] == 1 and ids[:3] == [vocab.index[w] for w in ("the", "movie", "was")]
    assert vocab.decode(ids) == "the movie was <unk>"
    assert vocab.decode([0, 0] + ids + [0]) == "the movie was <unk>"
    assert vocab.decode(np.array(ids + [0, 0])) == "the movie was <unk>"
    assert vocab.decode([]) == ""
    assert vocab.encode("") == []


def test_vocabulary_never_gives_a_word_a_reserved_id():
    vocab = Vocabulary(["<pad> <unk> <PAD> real word"])
    assert vocab.tokens == [PAD, OOV, "real", "word"]
    assert len(vocab) == len(vocab.index) == len(set(vocab.tokens))
    assert vocab.encode("<unk> real") == [1, 2]


@pytest.mark.parametrize("bad_id", [-1, 4, 100])
def test_vocabulary_decode_rejects_ids_outside_the_vocabulary(bad_id):
    vocab = Vocabulary(["real word"])
    with pytest.raises(ValueError, match=r"^ids must be in \[0, 3\]"):
        vocab.decode([2, bad_id])


@pytest.mark.parametrize("texts", [[], [""], ["   ", ""], iter([])])
def test_vocabulary_empty_input(texts):
    with pytest.raises(ValueError, match=r"^texts is empty"):
        Vocabulary(texts)


def test_vocabulary_single_string_instead_of_list():
    with pytest.raises(TypeError, match=r"^texts must be a list of strings, not one string"):
        Vocabulary("the movie was good")


@pytest.mark.parametrize("texts, message", [
    (None, r"^texts must be a list of strings, got NoneType"),
    (42, r"^texts must be a list of strings, got int"),
    (["good", 3], r"^texts must contain only strings, got int at position 1"),
    ([["a", "b"]], r"^texts must contain only strings, got list at position 0"),
])
def test_vocabulary_rejects_non_text(texts, message):
    with pytest.raises(TypeError, match=message):
        Vocabulary(texts)


def test_vocabulary_accepts_any_iterable_of_strings():
    assert Vocabulary(t for t in ["a b", "b"]).tokens == Vocabulary(("a b", "b")).tokens == \
        [PAD, OOV, "b", "a"]


# --------------------------------------------------------------------------
# pad_ids
# --------------------------------------------------------------------------

SEQS = [[1, 2, 3, 4, 5], [6, 7], []]


@pytest.mark.parametrize("padding, truncating, expected", [
    ("post", "post", [[1, 2, 3], [6, 7, 0], [0, 0, 0]]),
    ("post", "pre", [[3, 4, 5], [6, 7, 0], [0, 0, 0]]),
    ("pre", "post", [[1, 2, 3], [0, 6, 7], [0, 0, 0]]),
    ("pre", "pre", [[3, 4, 5], [0, 6, 7], [0, 0, 0]]),
])
def test_pad_ids_padding_and_truncating(padding, truncating, expected):
    out = pad_ids(SEQS, 3, padding=padding, truncating=truncating)
    assert out.dtype == np.int64 and out.shape == (3, 3)
    np.testing.assert_array_equal(out, expected)


def test_pad_ids_defaults_are_post():
    np.testing.assert_array_equal(pad_ids(SEQS, 3), [[1, 2, 3], [6, 7, 0], [0, 0, 0]])


def test_pad_ids_exact_and_longer_max_len():
    np.testing.assert_array_equal(pad_ids([[1, 2, 3]], 3, "pre", "pre"), [[1, 2, 3]])
    np.testing.assert_array_equal(pad_ids([[1, 2, 3]], 5, "pre"), [[0, 0, 1, 2, 3]])
    np.testing.assert_array_equal(pad_ids([[1, 2, 3]], 5, "post"), [[1, 2, 3, 0, 0]])


def test_pad_ids_empty_sequence_and_empty_batch():
    np.testing.assert_array_equal(pad_ids([[]], 4, padding="pre"), [[0, 0, 0, 0]])
    out = pad_ids([], 4)
    assert out.shape == (0, 4) and out.dtype == np.int64


def test_pad_ids_accepts_arrays_tuples_and_generators():
    out = pad_ids((np.array([3, 4]), (5,), range(6, 9)), 2, truncating="pre")
    np.testing.assert_array_equal(out, [[3, 4], [5, 0], [7, 8]])
    np.testing.assert_array_equal(pad_ids(iter([[1], [2, 3]]), 2), [[1, 0], [2, 3]])


def test_pad_ids_does_not_modify_its_input():
    seqs = [[1, 2, 3, 4], [5]]
    pad_ids(seqs, 2, padding="pre", truncating="pre")
    assert seqs == [[1, 2, 3, 4], [5]]


@pytest.mark.parametrize("kwargs, error, name", [
    ({"max_len": 0}, ValueError, "max_len"),
    ({"max_len": -2}, ValueError, "max_len"),
    ({"max_len": 2.0}, TypeError, "max_len"),
    ({"max_len": None}, TypeError, "max_len"),
    ({"padding": "left"}, ValueError, "padding"),
    ({"padding": "PRE"}, ValueError, "padding"),
    ({"truncating": "end"}, ValueError, "truncating"),
    ({"truncating": None}, ValueError, "truncating"),
])
def test_pad_ids_validation_names_the_argument(kwargs, error, name):
    args = {"sequences": SEQS, "max_len": 3, **kwargs}
    with pytest.raises(error, match=rf"^{name} must be"):
        pad_ids(**args)


def test_pad_ids_choice_error_lists_the_options():
    with pytest.raises(ValueError, match=r"one of 'pre', 'post', got 'left'"):
        pad_ids(SEQS, 3, padding="left")


@pytest.mark.parametrize("sequences, message", [
    ("the movie", r"^sequences must be a list of id sequences, got str"),
    (None, r"^sequences must be a list of id sequences, got NoneType"),
    (["the movie"], r"^sequences\[0\] must be a sequence of integer ids, got a str"),
    ([[1, 2], [1.5, 2.0]], r"^sequences\[1\] must be a sequence of integer ids"),
    ([[1, 2], 7], r"^sequences\[1\] must be a sequence of integer ids"),
    ([[[1, 2], [3, 4]]], r"^sequences\[0\] must be a sequence of integer ids"),
    ([[[1, 2], [3]]], r"^sequences\[0\] must be a sequence of integer ids"),
])
def test_pad_ids_rejects_what_is_not_id_sequences(sequences, message):
    with pytest.raises(TypeError, match=message):
        pad_ids(sequences, 3)


# --------------------------------------------------------------------------
# encode_reviews
# --------------------------------------------------------------------------

def test_encode_reviews_encodes_and_post_pads():
    vocab = Vocabulary(["the movie was good", "the plot"])
    out = encode_reviews(["the movie was good", "the plot", "unknown words here"], vocab, 5)
    assert out.shape == (3, 5) and out.dtype == np.int64
    assert out[0].tolist() == vocab.encode("the movie was good") + [0]
    assert out[1].tolist() == vocab.encode("the plot") + [0, 0, 0]
    assert out[2].tolist() == [1, 1, 1, 0, 0]
    assert vocab.decode(out[0]) == "the movie was good"


def test_encode_reviews_truncates_at_the_end():
    vocab = Vocabulary(["a b c d e"])
    out = encode_reviews(["a b c d e"], vocab, 2)
    assert out.tolist() == [vocab.encode("a b")]


def test_encode_reviews_on_the_course_corpus():
    reviews = course_reviews(64, seed=1)
    vocab = Vocabulary(reviews.texts)
    max_len = max(len(t.split()) for t in reviews.texts)
    out = encode_reviews(reviews.texts, vocab, max_len)
    assert out.shape == (64, max_len)
    lengths = (out != 0).sum(1)
    assert lengths.tolist() == [len(t.split()) for t in reviews.texts]
    assert [vocab.decode(row) for row in out] == reviews.texts


@pytest.mark.parametrize("kwargs, error, message", [
    ({"texts": "the movie"}, TypeError, r"^texts must be a list of strings, not one string"),
    ({"vocab": {"the": 2}}, TypeError, r"^vocab must be a Vocabulary, got dict"),
    ({"max_len": 0}, ValueError, r"^max_len must be >= 1"),
])
def test_encode_reviews_validation(kwargs, error, message):
    args = {"texts": ["the movie"], "vocab": Vocabulary(["the movie"]), "max_len": 4, **kwargs}
    with pytest.raises(error, match=message):
        encode_reviews(**args)
