"""Unit tests for helpers.checks: every named mistake is recognised and named,
correct functions pass, and bad arguments to a check raise a clear error."""

import re

import numpy as np
import pytest
import torch

from helpers import checks
from helpers.checks.core import call_student
from helpers.text import pad_ids

FRAMEWORKS = ["numpy", "torch"]


def as_framework(array, framework):
    """NumPy array -> the framework's array type (tensors for 'torch')."""
    return torch.from_numpy(np.asarray(array)) if framework == "torch" else np.asarray(array)


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# generic pieces
# ---------------------------------------------------------------------------

def test_to_numpy_converts_tensors_and_lists():
    tensor = torch.arange(3.0, requires_grad=True) * 2
    assert isinstance(checks.to_numpy(tensor), np.ndarray)
    np.testing.assert_array_equal(checks.to_numpy(tensor), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(checks.to_numpy([1, 2]), [1, 2])


def test_check_type():
    checks.check_type(np.zeros(2), np.ndarray, "x")
    checks.check_type(3, (int, float), "n")
    with raises("x should be a ndarray, got a list. Use np.array."):
        checks.check_type([1], np.ndarray, "x", hint="Use np.array.")
    with pytest.raises(TypeError, match="expected must be a type"):
        checks.check_type(1, "int", "n")


def test_check_shape():
    checks.check_shape(np.zeros((2, 3)), (2, 3), "x")
    checks.check_shape(torch.zeros(2, 3), (None, 3), "x")
    with raises("h should have shape (2, 4), got (2, 3). Check the hidden size."):
        checks.check_shape(np.zeros((2, 3)), (2, 4), "h", hint="Check the hidden size.")
    with raises("h should have shape (2, 3), got (2, 3, 1)."):
        checks.check_shape(np.zeros((2, 3, 1)), (2, 3), "h")
    with raises("ragged"):
        checks.check_shape([[1, 2], [3]], (2, 2), "ids")
    with pytest.raises(TypeError, match="expected must be a tuple"):
        checks.check_shape(np.zeros(2), 2, "x")


def test_check_close_names_first_differing_index_and_both_values():
    checks.check_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-7], "x")
    checks.check_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0]), "x")
    with raises("h[1] should be 2.5, got 2.0 (1 of 3 values differ by more than atol=1e-05)."):
        checks.check_close(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]), "h")
    with raises("h[0, 1] should be 9.0, got 1.0"):
        checks.check_close(torch.tensor([[0.0, 1.0]]), np.array([[0.0, 9.0]]), "h")


def test_check_close_checks_shape_before_values():
    with raises("h should have shape (3,), got (2,)."):
        checks.check_close(np.zeros(2), np.zeros(3), "h")


def test_check_close_rejects_a_bad_atol():
    with pytest.raises(ValueError, match="atol"):
        checks.check_close(np.zeros(2), np.zeros(2), "h", atol=-1)


@pytest.mark.parametrize("check", [checks.check_windows, checks.check_padding,
                                   checks.check_features_axis])
def test_bad_arguments_name_the_argument(check):
    def fine(*args, **kwargs):
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="framework must be 'numpy' or 'torch', got 'jax'"):
        check(fine, framework="jax")
    with pytest.raises(TypeError, match="must be a function"):
        check(42)
    with pytest.raises(TypeError, match="must be a function"):
        check(None)


@pytest.mark.parametrize("check", [checks.check_windows, checks.check_padding,
                                   checks.check_features_axis])
def test_unanswered_exercise_keeps_its_not_implemented_error(check):
    def blank(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="blank is not answered yet"):
        check(blank)


# ---------------------------------------------------------------------------
# windows
# ---------------------------------------------------------------------------

def windows(count, x_start, y_index, framework):
    """A make_windows whose count, window starts and target index are given as
    functions of (length, window, horizon) and (i, window, horizon)."""
    def make_windows(series, window, horizon=1):
        values = checks.to_numpy(series)
        n = count(len(values), window, horizon)
        X = np.stack([values[x_start(i): x_start(i) + window] for i in range(n)])
        y = np.array([values[min(y_index(i, window, horizon), len(values) - 1)]
                      for i in range(n)], dtype=values.dtype)
        return as_framework(X, framework), as_framework(y, framework)
    return make_windows


def right_count(length, window, horizon):
    return length - window - horizon + 1


def right_target(i, window, horizon):
    return i + window + horizon - 1


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_correct_make_windows_passes(framework):
    checks.check_windows(windows(right_count, lambda i: i, right_target, framework), framework)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_target_inside_the_window(framework):
    inside = windows(right_count, lambda i: i, lambda i, w, h: i + w - 1, framework)
    with raises("the target leaks into the input"):
        checks.check_windows(inside, framework)


def test_target_inside_the_window_with_one_window_too_many_is_named_as_a_leak():
    inside = windows(lambda n, w, h: n - w + 1, lambda i: i, lambda i, w, h: i + w - 1, "numpy")
    with raises("the target leaks into the input"):
        checks.check_windows(inside)


def test_window_shifted_over_the_target_is_a_leak():
    shifted = windows(right_count, lambda i: i + 1, right_target, "numpy")
    with raises("leaks into the input"):
        checks.check_windows(shifted)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_one_window_too_few(framework):
    few = windows(lambda n, w, h: n - w - h, lambda i: i, right_target, framework)
    with raises("one too few (off by one)"):
        checks.check_windows(few, framework)


def test_one_window_too_many():
    many = windows(lambda n, w, h: n - w - h + 2, lambda i: i, right_target, "numpy")
    with raises("one too many (off by one)"):
        checks.check_windows(many)


def test_x_and_y_of_different_lengths():
    def make_windows(series, window, horizon=1):
        X = np.stack([series[i:i + window] for i in range(len(series) - window + 1)])
        return X, series[window + horizon - 1:]
    with raises("X from make_windows(np.arange(10.0), window=3) has 8 windows but y has 7"):
        checks.check_windows(make_windows)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_horizon_ignored_in_the_count(framework):
    ignored = windows(lambda n, w, h: n - w, lambda i: i, lambda i, w, h: i + w, framework)
    with raises("horizon is ignored"):
        checks.check_windows(ignored, framework)


def test_horizon_ignored_in_the_target_only():
    ignored = windows(right_count, lambda i: i, lambda i, w, h: i + w, "numpy")
    with raises("y[i] = series[i + window] for make_windows(np.arange(12.0), window=4, "
                "horizon=3): horizon is ignored"):
        checks.check_windows(ignored)


def test_wrong_target_values_name_the_first_difference():
    late = windows(right_count, lambda i: i, lambda i, w, h: i + w + h, "numpy")
    with raises("y[i] must be series[i + window + horizon - 1])[0] should be 3, got 4.0"):
        checks.check_windows(late)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_transposed_windows(framework):
    good = windows(right_count, lambda i: i, right_target, framework)

    def transposed(series, window, horizon=1):
        X, y = good(series, window, horizon)
        return X.T, y
    with raises("it looks transposed"):
        checks.check_windows(transposed, framework)


def test_concatenated_windows_miss_an_axis():
    good = windows(right_count, lambda i: i, right_target, "numpy")

    def flat(series, window, horizon=1):
        X, y = good(series, window, horizon)
        return X.ravel(), y
    with raises("X from make_windows(np.arange(10.0), window=3) is 1-D with shape (21,)"):
        checks.check_windows(flat)


def test_features_axis_added_too_early():
    good = windows(right_count, lambda i: i, right_target, "numpy")

    def three_d(series, window, horizon=1):
        X, y = good(series, window, horizon)
        return X[..., None], y
    with raises("the features axis is added later"):
        checks.check_windows(three_d)


def test_y_with_an_extra_axis():
    good = windows(right_count, lambda i: i, right_target, "numpy")

    def column(series, window, horizon=1):
        X, y = good(series, window, horizon)
        return X, y[:, None]
    with raises("y from make_windows(np.arange(10.0), window=3) has shape (7, 1)"):
        checks.check_windows(column)


def test_windows_with_wrong_values_name_the_first_difference():
    good = windows(right_count, lambda i: i, right_target, "numpy")

    def scaled(series, window, horizon=1):
        X, y = good(series, window, horizon)
        return X * 2, y
    with raises("X (from make_windows(np.arange(10.0), window=3), where series[k] == k; "
                "X[i] must be series[i:i + window])[0, 1] should be 1, got 2.0"):
        checks.check_windows(scaled)


def test_make_windows_must_return_a_pair():
    with raises("should return a pair (X, y), got a numpy.ndarray. End the function with `return X, y`."):
        checks.check_windows(lambda series, window, horizon=1: np.zeros((2, window)))


def test_keras_track_must_return_numpy_arrays():
    as_lists = windows(right_count, lambda i: i, right_target, "numpy")
    with raises("X returned by make_windows(np.arange(10.0), window=3) should be a ndarray, "
                "got a list"):
        checks.check_windows(lambda s, w, horizon=1: tuple(a.tolist() for a in as_lists(s, w, horizon)))
    as_tensors = windows(right_count, lambda i: i, right_target, "torch")
    with raises("not a tensor"):
        checks.check_windows(as_tensors, "numpy")


def test_torch_track_must_return_tensors():
    numpy_version = windows(right_count, lambda i: i, right_target, "numpy")
    with raises("should be a Tensor, got a numpy.ndarray"):
        checks.check_windows(numpy_version, "torch")


def test_an_error_inside_make_windows_names_the_call():
    def broken(series, window, horizon=1):
        return series[window + 100]
    with raises("make_windows(np.arange(10.0), window=3) raised IndexError"):
        checks.check_windows(broken)


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------

def padder(framework, fixed_sides=None, dtype="int64", to_longest=False, ignore=()):
    """A pad_batch built on helpers.text.pad_ids, with optional mistakes."""
    def pad_batch(sequences, max_len, padding="post", truncating="post"):
        rows = [checks.to_numpy(s).tolist() for s in sequences]
        if "padding" in ignore:
            padding = "post"
        if "truncating" in ignore:
            truncating = "post"
        if fixed_sides:
            padding, truncating = fixed_sides
        length = max(len(r) for r in rows) if to_longest else max_len
        out = pad_ids(rows, length, padding, truncating).astype(dtype)
        return as_framework(out, framework)
    return pad_batch


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_correct_pad_batch_passes(framework):
    checks.check_padding(padder(framework), framework)


def test_correct_torch_pad_batch_with_pad_sequence_passes():
    from torch.nn.utils.rnn import pad_sequence

    def pad_batch(sequences, max_len, padding="post", truncating="post"):
        cut = [s[:max_len] if truncating == "post" else s[-max_len:] for s in sequences]
        cut.append(torch.zeros(max_len, dtype=torch.long))  # forces the width to max_len
        side = "right" if padding == "post" else "left"
        return pad_sequence(cut, batch_first=True, padding_side=side)[:-1]
    checks.check_padding(pad_batch, "torch")


def test_keras_default_pre_padding_is_named():
    keras_defaults = padder("numpy", fixed_sides=("pre", "pre"))
    with raises("padded at the wrong side: with padding='post' the zeros go after the ids, "
                "so [6, 7] becomes [6, 7, 0, 0], got [0, 0, 6, 7]."):
        checks.check_padding(keras_defaults)
    with raises("keras.utils.pad_sequences defaults to padding='pre' and truncating='pre'"):
        checks.check_padding(keras_defaults)
    with raises("truncated at the wrong side"):
        checks.check_padding(keras_defaults)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_padding_argument_ignored(framework):
    with raises("padding='pre', truncating='post')") as info:
        checks.check_padding(padder(framework, ignore=("padding",)), framework)
    assert ("padded at the wrong side: with padding='pre' the zeros go before the ids, "
            "so [6, 7] becomes [0, 0, 6, 7], got [6, 7, 0, 0].") in str(info.value)


def test_torch_wrong_side_mentions_padding_side():
    with raises("padding_side='left'"):
        checks.check_padding(padder("torch", ignore=("padding",)), "torch")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_truncating_argument_ignored(framework):
    with raises("truncated at the wrong side: with truncating='pre' keep the last max_len ids, "
                "so [1, 2, 3, 4, 5] becomes [2, 3, 4, 5], got [1, 2, 3, 4]."):
        checks.check_padding(padder(framework, ignore=("truncating",)), framework)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_padding_to_the_longest_sequence_is_a_wrong_length(framework):
    with raises("wrong length: each row should hold max_len=4 ids"):
        checks.check_padding(padder(framework, to_longest=True), framework)
    with raises("not to the longest sequence"):
        checks.check_padding(padder(framework, to_longest=True), framework)


def test_torch_pad_sequence_without_max_len_is_named():
    from torch.nn.utils.rnn import pad_sequence

    def pad_batch(sequences, max_len, padding="post", truncating="post"):
        cut = [s[:max_len] if truncating == "post" else s[-max_len:] for s in sequences]
        side = "right" if padding == "post" else "left"
        return pad_sequence(cut, batch_first=True, padding_side=side)
    with raises("gave rows of length 2 = the longest sequence: pad and cut every row to "
                "exactly max_len, not to the longest sequence (pad_sequence pads only to "
                "the longest one)."):
        checks.check_padding(pad_batch, "torch")


def test_float_ids_numpy():
    with raises("returned float64 values: token ids must be integers"):
        checks.check_padding(padder("numpy", dtype="float64"))


def test_float_ids_torch():
    with raises("returned torch.float32 values: token ids must be integers"):
        checks.check_padding(padder("torch", dtype="float32"), "torch")


def test_list_result_is_named():
    good = padder("numpy")
    with raises("returned a list, not one 2-D NumPy array"):
        checks.check_padding(lambda *a, **k: good(*a, **k).tolist())


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_unpadded_ragged_list_is_named(framework):
    with raises("returned a list, not one 2-D") as info:
        checks.check_padding(lambda sequences, max_len, **kw: list(sequences), framework)
    assert "unpadded ragged input" in str(info.value)


def test_np_array_of_ragged_lists_is_named():
    with raises("raised ValueError") as info:
        checks.check_padding(lambda sequences, max_len, **kw: np.array(sequences))
    assert "unpadded ragged input" in str(info.value)


def test_object_array_is_named():
    def pad_batch(sequences, max_len, **kwargs):
        out = np.empty(len(sequences), dtype=object)
        out[:] = [list(s) for s in sequences]
        return out
    with raises("array of Python objects") as info:
        checks.check_padding(pad_batch)
    assert "unpadded ragged input" in str(info.value)


def test_torch_stack_of_ragged_tensors_is_named():
    with raises("raised RuntimeError") as info:
        checks.check_padding(lambda sequences, max_len, **kw: torch.stack(sequences), "torch")
    assert "unpadded ragged input" in str(info.value)


def test_changing_the_callers_lists_is_named():
    def pad_batch(sequences, max_len, padding="post", truncating="post"):
        for seq in sequences:
            seq.extend([0] * (max_len - len(seq)))
        return pad_ids(sequences, max_len, padding, truncating)
    with raises("changed its input sequences"):
        checks.check_padding(pad_batch)


def test_wrong_values_name_the_first_difference():
    good = padder("numpy")
    with raises("[0, 0] should be 1, got 2"):
        checks.check_padding(lambda *a, **k: good(*a, **k) * 2)


# ---------------------------------------------------------------------------
# the features axis
# ---------------------------------------------------------------------------

def numpy_and_torch(numpy_fn, torch_fn):
    return [pytest.param(numpy_fn, "numpy", id="numpy"), pytest.param(torch_fn, "torch", id="torch")]


@pytest.mark.parametrize("fn, framework", numpy_and_torch(
    lambda x: x[..., np.newaxis], lambda x: x.unsqueeze(-1)))
def test_correct_add_features_axis_passes(fn, framework):
    checks.check_features_axis(fn, framework)


@pytest.mark.parametrize("fn, framework", numpy_and_torch(lambda x: x, lambda x: x.clone()))
def test_still_2d(fn, framework):
    with raises("still 2-D, missing the features axis. A recurrent layer needs "
                "(batch, time, features)"):
        checks.check_features_axis(fn, framework)


@pytest.mark.parametrize("fn, framework", numpy_and_torch(
    lambda x: x[:, np.newaxis, :], lambda x: x.unsqueeze(1)))
def test_features_axis_in_the_middle(fn, framework):
    with raises("returned shape (2, 1, 3), that is (batch, 1, time): the features axis must be last"):
        checks.check_features_axis(fn, framework)


@pytest.mark.parametrize("fn, framework", numpy_and_torch(
    lambda x: x[np.newaxis], lambda x: x.unsqueeze(0)))
def test_features_axis_in_front(fn, framework):
    with raises("the features axis must be last"):
        checks.check_features_axis(fn, framework)


def test_transposed_batch_and_time():
    with raises("batch and time are swapped"):
        checks.check_features_axis(lambda x: x.T[..., None])


def test_hard_coded_shape_fails_on_another_input():
    with raises("add_features_axis(x) with x = np.arange(20.0).reshape(4, 5) raised ValueError"):
        checks.check_features_axis(lambda x: x.reshape(2, 3, 1))


def test_changed_dtype():
    with raises("changed the dtype from float32 to float64"):
        checks.check_features_axis(lambda x: x[..., None].astype("float64"))
    with raises("changed the dtype from torch.float32 to torch.float64"):
        checks.check_features_axis(lambda x: x.unsqueeze(-1).double(), "torch")


def test_values_must_be_kept():
    with raises("should be 1.0, got 2.0"):
        checks.check_features_axis(lambda x: (x * 2)[..., None])


def test_features_axis_numpy_track_rejects_tensors():
    with raises("should be a ndarray, got a torch.Tensor"):
        checks.check_features_axis(lambda x: torch.from_numpy(x)[..., None])


def test_a_removed_keras_api_gets_its_one_line_fix():
    class OldTutorialModel:                       # what Keras 3 raises for model.reset_states()
        def reset_states(self):
            raise AttributeError("'Sequential' object has no attribute 'reset_states'")

    with raises("Keras 3 models have no reset_states(): reset the stateful layers themselves"):
        call_student(OldTutorialModel().reset_states, "stream_logits(model, chunks)")
    with pytest.raises(AssertionError) as caught:   # any other AttributeError: no such advice
        call_student(lambda: [].nope, "f()")
    assert "reset_state" not in str(caught.value)
