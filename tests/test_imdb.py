"""Tests for the optional real-IMDB loaders of helpers.data.

Every file is a small fake the tests write to tmp_path: nothing is downloaded
(the autouse guard in conftest.py refuses non-local connections), and the
real data never has to be present.
"""

from __future__ import annotations

import io
import json
import zipfile
from fractions import Fraction

import numpy as np
import pytest

from helpers import data
from helpers.data import (IMDB_OOV_TOKEN, Reviews, clean_imdb_text, decode_imdb_review,
                          imdb_word_index, keras_datasets_dir, load_aclimdb, load_imdb_npz)

# Reviews as the Keras file stores them: word ranks (1 = most frequent word),
# ragged, no start mark, no offset.
RAW_TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [1, 10], [2, 2, 2, 2, 2], [9]]
LABELS_TRAIN = [1, 0, 1, 0, 1, 0]
RAW_TEST = [[3, 1], [5, 6, 7], [10, 9, 8, 7, 6, 5], [4]]
LABELS_TEST = [0, 1, 1, 0]


def object_array(rows) -> np.ndarray:
    """A 1-D object array of lists, the way Keras' imdb.npz stores reviews."""
    out = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        out[i] = list(row)
    return out


def write_npz(path, x_train=RAW_TRAIN, y_train=LABELS_TRAIN, x_test=RAW_TEST,
              y_test=LABELS_TEST, drop=()):
    arrays = {"x_train": object_array(x_train), "y_train": np.asarray(y_train, dtype=np.int64),
              "x_test": object_array(x_test), "y_test": np.asarray(y_test, dtype=np.int64)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: v for k, v in arrays.items() if k not in drop})
    return path


def expected(raw, start_char=1, index_from=3):
    head = [] if start_char is None else [start_char]
    return [head + [w + index_from for w in review] for review in raw]


def as_lists(x):
    return [list(review) for review in x]


@pytest.fixture
def npz(tmp_path):
    return write_npz(tmp_path / "imdb.npz")


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras home: the default path points here, the /tmp fallback too."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(data, "KERAS_FALLBACK_DIR", tmp_path / "tmp_keras")
    return home


# --------------------------------------------------------------------------
# load_imdb_npz: semantics
# --------------------------------------------------------------------------

def test_default_adds_start_char_and_offset_in_file_order(npz):
    (x_train, y_train), (x_test, y_test) = load_imdb_npz(npz)
    assert isinstance(x_train, np.ndarray) and x_train.dtype == object and x_train.ndim == 1
    assert as_lists(x_train) == expected(RAW_TRAIN)
    assert as_lists(x_test) == expected(RAW_TEST)
    assert all(type(w) is int for review in x_train for w in review)
    np.testing.assert_array_equal(y_train, LABELS_TRAIN)
    np.testing.assert_array_equal(y_test, LABELS_TEST)


def test_x_is_one_dimensional_even_when_all_reviews_have_the_same_length(tmp_path):
    file = write_npz(tmp_path / "imdb.npz", x_train=[[1, 2], [3, 4]], y_train=[0, 1],
                     x_test=[[5, 6]], y_test=[1])
    (x_train, _), (x_test, _) = load_imdb_npz(file)
    assert x_train.shape == (2,) and x_test.shape == (1,)
    assert as_lists(x_train) == [[1, 4, 5], [1, 6, 7]]


@pytest.mark.parametrize("start_char, index_from", [(None, 3), (None, 0), (5, 0), (1, 10)])
def test_start_char_and_index_from(npz, start_char, index_from):
    (x_train, _), (x_test, _) = load_imdb_npz(npz, start_char=start_char, index_from=index_from)
    assert as_lists(x_train) == expected(RAW_TRAIN, start_char, index_from)
    assert as_lists(x_test) == expected(RAW_TEST, start_char, index_from)


def test_num_words_replaces_rare_ids_by_oov_char(npz):
    (x_train, _), (x_test, _) = load_imdb_npz(npz, num_words=8)
    for raw, x in ((RAW_TRAIN, x_train), (RAW_TEST, x_test)):
        want = [[w if w < 8 else 2 for w in review] for review in expected(raw)]
        assert as_lists(x) == want
    assert max(max(review) for review in x_train) == 7


def test_num_words_with_oov_char_none_drops_rare_ids(npz):
    (x_train, _), _ = load_imdb_npz(npz, num_words=8, oov_char=None)
    assert as_lists(x_train) == [[w for w in review if w < 8] for review in expected(RAW_TRAIN)]


def test_custom_oov_char(npz):
    (x_train, _), _ = load_imdb_npz(npz, num_words=8, oov_char=0)
    assert as_lists(x_train)[2] == [1, 0, 0, 0, 0]  # ranks 6..9 -> ids 9..12, all >= 8


def test_num_words_none_keeps_every_word(npz):
    (x_train, _), (x_test, _) = load_imdb_npz(npz)
    assert max(max(review) for review in x_test) == 10 + 3  # the largest id survives


def test_skip_top_counts_shifted_ids_including_the_start_mark(npz):
    (x_train, _), _ = load_imdb_npz(npz, skip_top=5)
    # ids 1 (start), 3 and 4 (ranks 0, 1) are below 5 -> oov 2
    want = [[w if w >= 5 else 2 for w in review] for review in expected(RAW_TRAIN)]
    assert as_lists(x_train) == want
    assert as_lists(x_train)[0] == [2, 2, 5, 6]


def test_maxlen_drops_reviews_whose_length_with_start_mark_reaches_maxlen(npz):
    (x_train, y_train), (x_test, y_test) = load_imdb_npz(npz, maxlen=4)
    # encoded lengths: train 4, 3, 5, 3, 6, 2 ; test 3, 4, 7, 2  -> keep length < 4
    assert as_lists(x_train) == [expected(RAW_TRAIN)[i] for i in (1, 3, 5)]
    np.testing.assert_array_equal(y_train, [LABELS_TRAIN[i] for i in (1, 3, 5)])
    assert as_lists(x_test) == [expected(RAW_TEST)[i] for i in (0, 3)]
    np.testing.assert_array_equal(y_test, [LABELS_TEST[i] for i in (0, 3)])


def test_maxlen_is_applied_before_num_words_filtering(npz):
    # maxlen=3 keeps train [9] -> [1, 12] and test [4] -> [1, 7]; then ids >= 5 are dropped
    (x_train, y_train), (x_test, y_test) = load_imdb_npz(npz, maxlen=3, num_words=5, oov_char=None)
    assert as_lists(x_train) == [[1]] and as_lists(x_test) == [[1]]
    np.testing.assert_array_equal(y_train, [0])
    np.testing.assert_array_equal(y_test, [0])


@pytest.mark.parametrize("maxlen, split", [(2, "train"), (3, "test")])
def test_maxlen_keeping_no_review_is_an_error(tmp_path, maxlen, split):
    file = write_npz(tmp_path / "imdb.npz", x_train=[[1], [1, 2]], y_train=[0, 1],
                     x_test=[[1, 2]], y_test=[1])
    with pytest.raises(ValueError, match=rf"maxlen={maxlen} keeps no {split} review"):
        load_imdb_npz(file, maxlen=maxlen)


def test_no_seed_is_file_order_and_a_seed_shuffles_like_keras(npz):
    first = load_imdb_npz(npz)
    again = load_imdb_npz(npz)
    assert as_lists(first[0][0]) == as_lists(again[0][0])

    (x_train, y_train), (x_test, y_test) = load_imdb_npz(npz, seed=113)
    rng = np.random.RandomState(113)
    train_order = np.arange(len(RAW_TRAIN))
    rng.shuffle(train_order)
    test_order = np.arange(len(RAW_TEST))
    rng.shuffle(test_order)  # same generator, after the train shuffle
    assert as_lists(x_train) == [expected(RAW_TRAIN)[i] for i in train_order]
    np.testing.assert_array_equal(y_train, np.asarray(LABELS_TRAIN)[train_order])
    assert as_lists(x_test) == [expected(RAW_TEST)[i] for i in test_order]
    np.testing.assert_array_equal(y_test, np.asarray(LABELS_TEST)[test_order])
    assert list(train_order) != list(range(len(RAW_TRAIN)))  # it did shuffle


def test_numpy_integers_inside_reviews_are_accepted(tmp_path):
    file = write_npz(tmp_path / "imdb.npz", x_train=[[np.int64(4), np.int64(5)], [6]],
                     y_train=[1, 0], x_test=[[7, 8, 9]], y_test=[1])
    (x_train, _), _ = load_imdb_npz(file)
    assert as_lists(x_train) == [[1, 7, 8], [1, 9]]
    assert all(type(w) is int for w in x_train[0])


# --------------------------------------------------------------------------
# Same results as keras.datasets.imdb.load_data, without any download
# --------------------------------------------------------------------------
# keras.datasets.imdb.load_data(path=<absolute path>) cannot read a local file:
# Keras 3.15 get_file raises "Paths are no longer accepted as the `fname`
# argument", and a fake file in the Keras cache fails the pinned sha256, which
# makes get_file download it again. So the comparison replaces
# keras.src.datasets.imdb.get_file (the only place load_data reaches the
# network) by a stub returning the fake file: no network call is possible.

@pytest.fixture(scope="module")
def keras_imdb():
    pytest.importorskip("keras")
    from keras.src.datasets import imdb
    return imdb


@pytest.fixture
def keras_load_data(keras_imdb, monkeypatch, npz):
    requests = []

    def local_get_file(fname=None, origin=None, **kwargs):
        requests.append((fname, origin))
        return str(npz)

    monkeypatch.setattr(keras_imdb, "get_file", local_get_file)
    yield keras_imdb.load_data
    assert requests and all(fname == "imdb.npz" for fname, _ in requests)


KERAS_CASES = [
    {"num_words": 8},
    {"num_words": 8, "skip_top": 4},
    {"num_words": 8, "skip_top": 2, "oov_char": None},
    {"num_words": 100, "maxlen": 5},
    {"num_words": 100, "maxlen": 4, "skip_top": 5},
    {"num_words": 100, "start_char": None, "index_from": 0},
    {"num_words": 100, "start_char": None, "index_from": 2},
    {"num_words": 9, "start_char": 7, "oov_char": 0, "index_from": 5},
    {"num_words": 8, "seed": 7},
]


@pytest.mark.parametrize("kwargs", KERAS_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_matches_keras_load_data(keras_load_data, npz, kwargs):
    ours = load_imdb_npz(npz, **{"seed": 113, **kwargs})
    theirs = keras_load_data(**kwargs)
    for (x_ours, y_ours), (x_keras, y_keras) in zip(ours, theirs):
        assert as_lists(x_ours) == as_lists(x_keras)
        np.testing.assert_array_equal(y_ours, y_keras)


def test_differs_from_keras_only_where_documented(keras_load_data, npz):
    # num_words=None: Keras turns the single largest id into oov_char; we keep it.
    (x_keras, _), (x_keras_test, _) = keras_load_data()
    (x_ours, _), (x_ours_test, _) = load_imdb_npz(npz, seed=113)
    largest = 10 + 3
    ours = as_lists(x_ours) + as_lists(x_ours_test)
    keras = as_lists(x_keras) + as_lists(x_keras_test)
    assert ours != keras
    assert [[2 if w == largest else w for w in review] for review in ours] == keras


# --------------------------------------------------------------------------
# load_imdb_npz: where the file is looked for
# --------------------------------------------------------------------------

def test_default_path_honours_keras_home(keras_home):
    write_npz(keras_home / "datasets" / "imdb.npz")
    assert keras_datasets_dir() == keras_home / "datasets"
    (x_train, _), _ = load_imdb_npz()
    assert as_lists(x_train) == expected(RAW_TRAIN)


def test_keras_home_with_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", "~/my_keras")
    assert keras_datasets_dir() == tmp_path / "my_keras" / "datasets"


def test_default_path_is_home_dot_keras_without_keras_home(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(data, "KERAS_FALLBACK_DIR", tmp_path / "tmp_keras")
    write_npz(tmp_path / ".keras" / "datasets" / "imdb.npz")
    assert keras_datasets_dir() == tmp_path / ".keras" / "datasets"
    (x_train, _), _ = load_imdb_npz()
    assert as_lists(x_train) == expected(RAW_TRAIN)


def test_default_path_falls_back_to_tmp_keras(keras_home, tmp_path):
    write_npz(tmp_path / "tmp_keras" / "datasets" / "imdb.npz")
    (x_train, _), _ = load_imdb_npz()
    assert as_lists(x_train) == expected(RAW_TRAIN)


def test_path_may_be_the_folder_holding_the_file(npz):
    (x_train, _), _ = load_imdb_npz(str(npz.parent))
    assert as_lists(x_train) == expected(RAW_TRAIN)


def test_absent_default_file_says_where_it_looked_and_what_to_do(keras_home, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_imdb_npz()
    message = str(info.value)
    assert str(keras_home / "datasets" / "imdb.npz") in message
    assert str(tmp_path / "tmp_keras" / "datasets" / "imdb.npz") in message
    assert "download imdb.npz once on a machine with internet" in message
    assert data.IMDB_NPZ_URL in message
    assert f"copy it to {keras_home / 'datasets' / 'imdb.npz'}" in message
    assert "KERAS_HOME" in message and "path=" in message
    assert "helpers.data.course_reviews" in message and "optional" in message


def test_fallback_is_not_listed_twice_when_it_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setattr(data, "KERAS_FALLBACK_DIR", tmp_path / "k")
    with pytest.raises(FileNotFoundError) as info:
        load_imdb_npz()
    assert str(info.value).count(str(tmp_path / "k" / "datasets" / "imdb.npz")) == 2  # looked + copy to
    assert " and " not in str(info.value).split(". ")[0]


def test_absent_explicit_path_names_that_path(tmp_path):
    missing = tmp_path / "nowhere" / "imdb.npz"
    with pytest.raises(FileNotFoundError, match="course_reviews") as info:
        load_imdb_npz(missing)
    assert f"looked for {missing}." in str(info.value)
    assert f"copy it to {missing}." in str(info.value)


# --------------------------------------------------------------------------
# load_imdb_npz: bad arguments and malformed files
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, name", [
    ({"num_words": 0}, ValueError, "num_words"),
    ({"num_words": 2.5}, TypeError, "num_words"),
    ({"skip_top": -1}, ValueError, "skip_top"),
    ({"skip_top": None}, TypeError, "skip_top"),
    ({"maxlen": 0}, ValueError, "maxlen"),
    ({"maxlen": "100"}, TypeError, "maxlen"),
    ({"start_char": -1}, ValueError, "start_char"),
    ({"oov_char": True}, TypeError, "oov_char"),
    ({"index_from": -3}, ValueError, "index_from"),
    ({"index_from": None}, TypeError, "index_from"),
    ({"seed": -1}, ValueError, "seed"),
    ({"path": 42}, TypeError, "path"),
])
def test_bad_arguments_name_the_argument(keras_home, kwargs, error, name):
    with pytest.raises(error, match=name):
        load_imdb_npz(**kwargs)


@pytest.mark.parametrize("key", data.IMDB_NPZ_KEYS)
def test_npz_missing_a_key_says_which(tmp_path, key):
    file = write_npz(tmp_path / "imdb.npz", drop=(key,))
    with pytest.raises(ValueError, match=rf"key '{key}' is missing"):
        load_imdb_npz(file)


def test_npz_with_labels_not_matching_reviews(tmp_path):
    file = write_npz(tmp_path / "imdb.npz", y_test=[0, 1])
    with pytest.raises(ValueError, match=r"y_test must hold one label per review of x_test \(4\)"):
        load_imdb_npz(file)


def test_file_that_is_not_a_zip(tmp_path):
    file = tmp_path / "imdb.npz"
    file.write_text("<html>not found</html>")
    with pytest.raises(ValueError, match="is not a readable Keras imdb.npz"):
        load_imdb_npz(file)


def test_pickle_with_other_objects_is_refused(tmp_path):
    file = write_npz(tmp_path / "imdb.npz", x_train=[[Fraction(1, 2)], [3]], y_train=[0, 1])
    with pytest.raises(ValueError, match="refusing to unpickle fractions.Fraction"):
        load_imdb_npz(file)


def write_npy_members(path, arrays, version):
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, version=version)
            archive.writestr(f"{key}.npy", buffer.getvalue())
    return path


def fake_arrays():
    return {"x_train": object_array(RAW_TRAIN), "y_train": np.asarray(LABELS_TRAIN),
            "x_test": object_array(RAW_TEST), "y_test": np.asarray(LABELS_TEST),
            "README": np.zeros(1)}


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_format_versions(tmp_path, version):
    file = write_npy_members(tmp_path / "imdb.npz", fake_arrays(), version)
    with zipfile.ZipFile(file, "a") as archive:
        archive.writestr("notes.txt", "members that are not .npy are ignored")
    (x_train, y_train), _ = load_imdb_npz(file)
    assert as_lists(x_train) == expected(RAW_TRAIN)
    np.testing.assert_array_equal(y_train, LABELS_TRAIN)


def test_unsupported_npy_version(tmp_path):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, object_array(RAW_TRAIN))
    raw = bytearray(buffer.getvalue())
    raw[6] = 9  # major version byte after b"\x93NUMPY"
    file = tmp_path / "imdb.npz"
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr("x_train.npy", bytes(raw))
    with pytest.raises(ValueError, match="unsupported .npy format version 9"):
        load_imdb_npz(file)


# --------------------------------------------------------------------------
# imdb_word_index and decode_imdb_review
# --------------------------------------------------------------------------

WORD_INDEX = {"the": 1, "and": 2, "a": 3, "movie": 4, "was": 5, "great": 6,
              "not": 7, "bad": 8, "plot": 9, "twist": 10}


def write_word_index(path, index=WORD_INDEX):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index), encoding="utf-8")
    return path


def test_word_index_from_the_keras_cache(keras_home):
    write_word_index(keras_home / "datasets" / "imdb_word_index.json")
    assert imdb_word_index() == WORD_INDEX


def test_word_index_from_a_file_or_its_folder(tmp_path):
    file = write_word_index(tmp_path / "data" / "imdb_word_index.json")
    assert imdb_word_index(file) == WORD_INDEX
    assert imdb_word_index(file.parent) == WORD_INDEX


def test_word_index_absent(keras_home):
    with pytest.raises(FileNotFoundError) as info:
        imdb_word_index()
    message = str(info.value)
    assert str(keras_home / "datasets" / "imdb_word_index.json") in message
    assert data.IMDB_WORD_INDEX_URL in message and "course_reviews" in message


@pytest.mark.parametrize("content, match", [
    ("{not json", "is not valid JSON"),
    (json.dumps(["the", "and"]), "must be a JSON object mapping each word"),
    (json.dumps({"the": "1"}), "must be a JSON object mapping each word"),
    (json.dumps({"the": True}), "must be a JSON object mapping each word"),
])
def test_malformed_word_index(tmp_path, content, match):
    file = tmp_path / "imdb_word_index.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        imdb_word_index(file)


def test_encode_then_decode_round_trips_through_the_npz(tmp_path):
    """text -> ranks (the file's encoding) -> imdb.npz -> load_imdb_npz -> text."""
    reviews = ["the movie was great", "the plot twist was not bad and a movie"]
    index = imdb_word_index(write_word_index(tmp_path / "imdb_word_index.json"))
    ranks = [[index[w] for w in text.split()] for text in reviews]
    file = write_npz(tmp_path / "imdb.npz", x_train=ranks, y_train=[1, 1],
                     x_test=ranks[:1], y_test=[1])
    (x_train, _), (x_test, _) = load_imdb_npz(file)
    assert [decode_imdb_review(ids, index) for ids in x_train] == reviews
    assert decode_imdb_review(x_test[0], index) == reviews[0]
    # padding (0) in front, as pad_sequences adds, is dropped too
    assert decode_imdb_review([0, 0] + list(x_train[0]), index) == reviews[0]
    assert decode_imdb_review(np.asarray(x_train[1]), index) == reviews[1]


def test_decode_marks_out_of_vocabulary_words(tmp_path):
    file = write_npz(tmp_path / "imdb.npz", x_train=[[1, 4, 5, 10]], y_train=[1],
                     x_test=[[6]], y_test=[1])
    (x_train, _), _ = load_imdb_npz(file, num_words=8)  # ids 1, 4, 7, 8, 13 -> 1, 4, 7, 2, 2
    assert as_lists(x_train) == [[1, 4, 7, 2, 2]]
    assert decode_imdb_review(x_train[0], WORD_INDEX) == f"the movie {IMDB_OOV_TOKEN} {IMDB_OOV_TOKEN}"
    assert decode_imdb_review([1, 999], WORD_INDEX) == IMDB_OOV_TOKEN  # id with no word


def test_decode_with_other_index_from():
    # 1 dropped; 2, 3 reserved -> OOV; 4 is rank 0 (no word) -> OOV; 5 is rank 1
    assert decode_imdb_review([1, 2, 3, 4, 5], WORD_INDEX, index_from=4) == \
        f"{IMDB_OOV_TOKEN} {IMDB_OOV_TOKEN} {IMDB_OOV_TOKEN} the"
    assert decode_imdb_review([1, 2, 3], WORD_INDEX, index_from=0) == "the and a"


@pytest.mark.parametrize("ids, word_index, index_from, error, match", [
    ([1, 4], ["the"], 3, TypeError, "word_index must be a mapping"),
    ("the movie", WORD_INDEX, 3, TypeError, "ids must be a sequence of integer word ids"),
    (7, WORD_INDEX, 3, TypeError, "ids must be a sequence"),
    ([1, -4], WORD_INDEX, 3, ValueError, r"ids\[1\] must be >= 0"),
    ([1, 4.0], WORD_INDEX, 3, TypeError, r"ids\[1\] must be an integer"),
    ([1, 4], WORD_INDEX, -1, ValueError, "index_from"),
])
def test_decode_bad_arguments(ids, word_index, index_from, error, match):
    with pytest.raises(error, match=match):
        decode_imdb_review(ids, word_index, index_from=index_from)


# --------------------------------------------------------------------------
# load_aclimdb
# --------------------------------------------------------------------------

ACL = {
    "train/pos/10_7.txt": "A moving film.<br /><br />Loved it.",
    "train/pos/0_9.txt": "Great   acting<br/>and plot.",
    "train/pos/2_8.txt": "Superb.",
    "train/neg/11_1.txt": "Awful.<BR>Truly.",
    "train/neg/1_3.txt": "Boring plot.",
    "train/neg/3_2.txt": "Dull.",
    "train/neg/4_1.txt": "Weak.",
    "train/unsup/5_0.txt": "no label: ignored",
    "train/urls_pos.txt": "http://example.invalid/ (not a review)",
    "test/pos/0_10.txt": "Brilliant.",
    "test/neg/0_2.txt": "Bad.",
}


@pytest.fixture
def acl(tmp_path):
    root = tmp_path / "aclImdb"
    for name, text in ACL.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_aclimdb_train_order_labels_and_cleaning(acl):
    reviews = load_aclimdb(acl)
    assert isinstance(reviews, Reviews)
    # neg 1, 3, 4, 11 and pos 0, 2, 10 by numeric id, interleaved neg/pos, surplus last
    assert reviews.texts == ["Boring plot.", "Great acting and plot.", "Dull.", "Superb.",
                             "Weak.", "A moving film. Loved it.", "Awful. Truly."]
    assert reviews.labels.dtype == np.int64
    np.testing.assert_array_equal(reviews.labels, [0, 1, 0, 1, 0, 1, 0])


def test_aclimdb_test_split_and_parent_folder(acl):
    reviews = load_aclimdb(str(acl.parent), split="test")
    assert reviews.texts == ["Bad.", "Brilliant."]
    np.testing.assert_array_equal(reviews.labels, [0, 1])


def test_aclimdb_max_per_class(acl):
    reviews = load_aclimdb(acl, max_per_class=2)
    assert reviews.texts == ["Boring plot.", "Great acting and plot.", "Dull.", "Superb."]
    np.testing.assert_array_equal(reviews.labels, [0, 1, 0, 1])
    assert len(load_aclimdb(acl, max_per_class=100).texts) == 7


def test_aclimdb_non_numeric_names_sort_after_numeric_and_bad_bytes_are_replaced(acl):
    (acl / "train" / "pos" / "extra.txt").write_bytes(b"caf\xe9 ok")
    reviews = load_aclimdb(acl)
    assert reviews.texts[-1] == "caf\ufffd ok" and reviews.labels[-1] == 1
    assert len(reviews.texts) == 8


def test_clean_imdb_text():
    assert clean_imdb_text("a<br />b<br/>c<BR>d<br  />  e\n") == "a b c d e"


def test_aclimdb_absent_folder(tmp_path):
    missing = tmp_path / "aclImdb"
    with pytest.raises(FileNotFoundError) as info:
        load_aclimdb(missing)
    message = str(info.value)
    assert f"looked for {missing}." in message
    assert "download aclImdb_v1.tar.gz once on a machine with internet" in message
    assert data.ACLIMDB_URL in message and "folder=" in message
    assert "helpers.data.course_reviews" in message


def test_aclimdb_missing_class_folder(acl):
    for file in (acl / "test" / "neg").iterdir():
        file.unlink()
    (acl / "test" / "neg").rmdir()
    with pytest.raises(FileNotFoundError, match="course_reviews") as info:
        load_aclimdb(acl, split="test")
    assert f"looked for {acl / 'test' / 'neg' / '*.txt'}" in str(info.value)


def test_aclimdb_class_folder_without_reviews(acl):
    for file in (acl / "test" / "pos").iterdir():
        file.unlink()
    with pytest.raises(FileNotFoundError, match="aclImdb/test/pos/\\*.txt") as info:
        load_aclimdb(acl, split="test")
    assert str(acl / "test" / "pos" / "*.txt") in str(info.value)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"split": "valid"}, ValueError, "split must be one of 'train', 'test'"),
    ({"split": None}, ValueError, "split"),
    ({"max_per_class": 0}, ValueError, "max_per_class"),
    ({"max_per_class": 1.5}, TypeError, "max_per_class"),
])
def test_aclimdb_bad_arguments(acl, kwargs, error, match):
    with pytest.raises(error, match=match):
        load_aclimdb(acl, **kwargs)


def test_aclimdb_folder_must_be_a_path():
    with pytest.raises(TypeError, match="folder must be a path"):
        load_aclimdb(None)
