"""Tests for helpers.series.make_windows: chapter 01's windowing, saved, with steps
for direct multi-step targets (chapter 07)."""

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.series import make_windows


def test_one_step_windows_match_chapter_01():
    X, y = make_windows(np.arange(10.0), window=3)
    assert X.shape == (7, 3) and y.shape == (7,)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    np.testing.assert_array_equal(y, np.arange(3.0, 10.0))


@pytest.mark.parametrize("length, window, horizon", [(10, 3, 2), (30, 7, 5), (5, 4, 1), (8, 1, 7)])
def test_rule_of_chapter_01(length, window, horizon):
    series = np.random.default_rng(length).normal(size=length)
    X, y = make_windows(series, window, horizon)
    n = length - window - horizon + 1
    assert X.shape == (n, window) and y.shape == (n,)
    for i in range(n):
        np.testing.assert_array_equal(X[i], series[i:i + window])
        assert y[i] == series[i + window + horizon - 1]


def test_the_target_is_strictly_after_its_window():
    index = np.arange(40)                 # values are their own positions
    for horizon in (1, 3):
        for steps in (1, 4):
            X, y = make_windows(index, 6, horizon=horizon, steps=steps)
            first_target = y if steps == 1 else y[:, 0]
            assert np.all(first_target > X[:, -1])
            assert np.all(first_target - X[:, -1] == horizon)


def test_steps_give_consecutive_targets():
    X, y = make_windows(np.arange(20), window=4, steps=3)
    n = 20 - 4 - 3 + 1
    assert X.shape == (n, 4) and y.shape == (n, 3)
    np.testing.assert_array_equal(y[0], [4, 5, 6])
    np.testing.assert_array_equal(y[-1], [17, 18, 19])          # the last value is the last target
    X2, y2 = make_windows(np.arange(20), window=4, horizon=2, steps=3)
    np.testing.assert_array_equal(y2[0], [5, 6, 7])
    assert len(X2) == n - 1


def test_dtype_is_kept_and_targets_are_copies():
    series = np.arange(12, dtype="float32")
    X, y = make_windows(series, 3)
    assert X.dtype == np.float32 and y.dtype == np.float32
    y[0] = -1.0
    assert series[3] == 3.0, "changing y must not change the series"


def test_pandas_series_and_tensors_give_their_values():
    dated = pd.Series(np.arange(8.0), index=pd.date_range("2000-01-01", periods=8, freq="MS"))
    X, y = make_windows(dated, 3)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    np.testing.assert_array_equal(y, np.arange(3.0, 8.0))
    X, y = make_windows(torch.arange(8.0), 3)
    assert isinstance(X, np.ndarray)
    np.testing.assert_array_equal(X[-1], [4.0, 5.0, 6.0])


def test_the_shortest_series_gives_one_window():
    X, y = make_windows(np.arange(5.0), window=3, horizon=2)
    assert X.shape == (1, 3) and y.tolist() == [4.0]


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"series": np.zeros((4, 3))}, ValueError, r"^series must be 1-D .* got shape \(4, 3\)"),
    ({"series": "abc"}, TypeError, r"^series must be a 1-D array of numbers"),
    ({"series": None}, TypeError, r"^series must be a 1-D array of numbers"),
    ({"series": [[1, 2], [3]]}, TypeError, r"^series must be a 1-D array of numbers, got a ragged"),
    ({"series": np.array(["a", "b", "c", "d"])}, TypeError, r"^series must hold numbers"),
    ({"window": 0}, ValueError, r"^window must be >= 1, got 0"),
    ({"window": 2.0}, TypeError, r"^window must be an integer"),
    ({"horizon": 0}, ValueError, r"^horizon must be >= 1"),
    ({"horizon": True}, TypeError, r"^horizon must be an integer"),
    ({"steps": 0}, ValueError, r"^steps must be >= 1"),
    ({"window": 9}, ValueError, r"^series has 10 values, too few for one window: window=9, horizon=1 "
                                r"and steps=3 need at least 12"),
])
def test_bad_input_names_the_argument(kwargs, error, pattern):
    arguments = {"series": np.arange(10.0), "window": 3, "steps": 3, **kwargs}
    with pytest.raises(error, match=pattern):
        make_windows(**arguments)
