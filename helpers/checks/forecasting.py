"""Forecasting checks: a chronological split, scaling fitted on the training
period only, and a forecaster compared with (and beating) a baseline."""

from __future__ import annotations

import math
import numbers

import numpy as np

from helpers.checks.core import to_numpy, type_name, with_hint

SPLIT_FIX = ("Split by time, without shuffling: train = series[:n_train], test = "
             "series[n_train:] (train_test_split(..., shuffle=False)).")
SCALING_FIX = ("Fit the scaling on the training period only (mean = train.mean(), std = "
               "train.std(), or scaler.fit(train)), then scale train and test with those "
               "same statistics.")


# --------------------------------------------------------------------------
# the split
# --------------------------------------------------------------------------

def _values(x, name: str) -> np.ndarray:
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    try:
        array = to_numpy(x)
    except ValueError:  # a ragged list
        array = np.empty(0, dtype=object)
    if array.dtype == object or array.ndim == 0:
        raise TypeError(f"{name} must be an array of values or time stamps, got {type_name(x)}")
    return array


def _times(x, name: str) -> np.ndarray:
    """The time stamps of ``x``: a pandas object's index, else the values themselves."""
    if hasattr(x, "index") and hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        return np.asarray(x.index)
    return _values(x, name).ravel()


def _check_not_empty(train, test) -> None:
    for part, name in ((train, "training"), (test, "test")):
        if len(part) == 0:
            raise AssertionError(f"the {name} part of the split is empty.")


def _check_split_times(train: np.ndarray, test: np.ndarray) -> None:
    for part, name in ((train, "training"), (test, "test")):
        if np.any(part[1:] <= part[:-1]):
            raise AssertionError(
                f"shuffled before splitting: the {name} period is not in time order, so the "
                f"steps were shuffled and the test period is no longer the future of the "
                f"training period. {SPLIT_FIX}")
    if np.intersect1d(train, test).size:
        raise AssertionError(f"train and test overlap: some steps are in both, so the model is "
                             f"tested on what it trained on. {SPLIT_FIX}")
    if train.max() >= test.min():
        if train.min() > test.max():
            raise AssertionError(f"the test period comes before the training period: the test "
                                 f"period must be the future of the training period. {SPLIT_FIX}")
        raise AssertionError(
            "shuffled before splitting: the test period must come after the training period, "
            "but some test steps lie between training steps, so the model trains on the "
            f"future. {SPLIT_FIX}")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _check_split_values(train: np.ndarray, test: np.ndarray, series: np.ndarray) -> None:
    n, m = len(train), len(test)
    if n + m > len(series):
        raise AssertionError(f"train ({n} steps) and test ({m} steps) hold more steps than the "
                             f"series ({len(series)}): some steps are in both. {SPLIT_FIX}")
    if _same(train, series[:n]) and (_same(test, series[n:n + m]) or _same(test, series[-m:])):
        return
    if _same(test, series[:m]) and _same(train, series[m:m + n]):
        raise AssertionError(f"the test period comes before the training period: test is the "
                             f"first {m} steps. {SPLIT_FIX}")
    both = np.concatenate([train, test])
    if _same(np.sort(both, axis=0), np.sort(series[:n + m], axis=0)) or _same(
            np.sort(both, axis=0), np.sort(series[-(n + m):], axis=0)):
        raise AssertionError(
            "shuffled before splitting: train and test hold the series' values, but not as "
            "the first steps in order followed by the steps after them; the test period must "
            f"come after the training period. {SPLIT_FIX}")
    raise AssertionError(f"train should be the first {n} steps of the series, in order, and "
                         f"test the {m} steps right after them (or the last {m}). {SPLIT_FIX}")


def check_chronological_split(train, test, series=None) -> None:
    """Assert that ``train`` comes before ``test`` in time, in order, without overlap.

    With ``series``, ``train`` and ``test`` are the values cut from it: train
    must be its first steps and test the steps after them. Without it, they
    are time stamps or positions (a pandas object's index is used).
    """
    if series is None:
        train_times, test_times = _times(train, "train"), _times(test, "test")
        _check_not_empty(train_times, test_times)
        _check_split_times(train_times, test_times)
        return
    series = _values(series, "series")
    train_values, test_values = _values(train, "train"), _values(test, "test")
    _check_not_empty(train_values, test_values)
    _check_split_values(train_values, test_values, series)


# --------------------------------------------------------------------------
# scaling
# --------------------------------------------------------------------------

def _statistic(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(to_numpy(value), dtype="float64")
    except (TypeError, ValueError):
        array = None
    if array is None or value is None or not np.all(np.isfinite(array)):
        raise AssertionError(f"{name} should be a finite number (or one per feature), "
                             f"got {value!r}.")
    return array


def _close(a, b) -> bool:
    return np.shape(a) in ((), np.shape(b)) and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6))


def check_scaling_fit_on_train(mean, std, train, test=None) -> None:
    """Assert that ``mean`` and ``std`` are the training period's (per feature
    for 2-D data; ``std`` with ddof 0 or 1); with ``test``, a mean or std of
    the test period or of the whole series is named as leakage."""
    train = _values(train, "train").astype("float64")
    parts = {"train": train}
    if test is not None:
        test = _values(test, "test").astype("float64")
        parts["whole"] = np.concatenate([train, test])
        parts["test"] = test
    for name, value in (("mean", mean), ("std", std)):
        got = _statistic(value, name)
        if name == "mean":
            wanted = {part: [data.mean(axis=0)] for part, data in parts.items()}
        else:
            wanted = {part: [data.std(axis=0), data.std(axis=0, ddof=1)]
                      for part, data in parts.items()}
        if any(_close(got, w) for w in wanted["train"]):
            continue
        if test is not None and any(_close(got, w) for w in wanted["test"]):
            raise AssertionError(f"scaled with statistics of the test period (leakage): the "
                                 f"{name} is the test period's, so the model sees the future. "
                                 + SCALING_FIX)
        if test is not None and any(_close(got, w) for w in wanted["whole"]):
            raise AssertionError(f"scaled with statistics of the whole series, test period "
                                 f"included (leakage): the {name} is that of train and test "
                                 "together, so the model sees the future. " + SCALING_FIX)
        expected = np.round(wanted["train"][0], 4)
        raise AssertionError(f"the {name} should be the training period's, "
                             f"{expected.tolist()}, got {np.round(got, 4).tolist()}. "
                             + SCALING_FIX)


# --------------------------------------------------------------------------
# baselines
# --------------------------------------------------------------------------

def _error(value, what: str, missing: str) -> float:
    """``value`` as a float error >= 0; ``missing`` when it is None or NaN."""
    if value is None:
        raise AssertionError(missing)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        array = to_numpy(value) if hasattr(value, "shape") else None
        if array is None or array.size != 1 or array.dtype.kind not in "iuf":
            raise AssertionError(f"{what} should be one number, got {type_name(value)}.")
        value = float(array.reshape(()))
    value = float(value)
    if math.isnan(value):
        raise AssertionError(missing)
    if value < 0 or math.isinf(value):
        raise AssertionError(f"{what} should be a finite number >= 0 (an error such as the "
                             f"mean absolute error), got {value}.")
    return value


def check_beats_baseline(model_error, baseline_error, name: str = "the model",
                         baseline: str = "the baseline", metric: str = "MAE",
                         hint: str | None = None) -> None:
    """Assert that a baseline's error was computed and that ``model_error`` is
    below it (both on the same test period, in the same metric)."""
    for argument, value in (("name", name), ("baseline", baseline), ("metric", metric)):
        if not isinstance(value, str):
            raise TypeError(f"{argument} must be a str, got {type_name(value)}")
    baseline_value = _error(
        baseline_error, f"{baseline}'s {metric}",
        "comparing a forecaster with no baseline: the baseline's error is missing. Compute a "
        "baseline's forecast of the same test period first (naive: repeat the last value; "
        "seasonal-naive: the value one season earlier) and its error, in the same metric.")
    model_value = _error(model_error, f"{name}'s {metric}",
                         f"{name}'s error is missing: compute its {metric} on the test period.")
    if model_value >= baseline_value:
        raise AssertionError(with_hint(
            f"{name}'s test {metric}, {model_value:.4g}, is not below {baseline}'s, "
            f"{baseline_value:.4g}: the forecaster does not beat the baseline, so it is not "
            "worth its complexity yet.", hint))
