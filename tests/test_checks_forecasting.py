"""Unit tests for the forecasting checks of helpers.checks: chronological
split, scaling fitted on the training period, beating a baseline; and the
shared pieces of helpers.checks.core."""

import re

import numpy as np
import pandas as pd
import pytest

from helpers import checks
from helpers.checks import core

SERIES = np.sin(np.arange(100) / 5.0) + np.arange(100) / 50.0  # trend: test mean != train mean


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# chronological split
# ---------------------------------------------------------------------------

def test_chronological_splits_pass():
    checks.check_chronological_split(SERIES[:80], SERIES[80:], SERIES)
    checks.check_chronological_split(SERIES[:60], SERIES[80:], SERIES)  # validation in between
    checks.check_chronological_split(np.arange(80), np.arange(80, 100))
    dates = pd.date_range("2020-01-01", periods=100, freq="D")
    frame = pd.Series(SERIES, index=dates)
    checks.check_chronological_split(frame[:80], frame[80:])
    checks.check_chronological_split(frame[:80], frame[80:], frame)
    two_columns = np.stack([SERIES, -SERIES], axis=1)
    checks.check_chronological_split(two_columns[:80], two_columns[80:], two_columns)


def test_shuffling_a_time_series_before_splitting():
    order = np.random.default_rng(0).permutation(100)
    shuffled = SERIES[order]
    with raises("shuffled before splitting: train and test hold the series' values, but not "
                "as the first steps in order"):
        checks.check_chronological_split(shuffled[:80], shuffled[80:], SERIES)
    with raises("shuffled before splitting: the training period is not in time order"):
        checks.check_chronological_split(order[:80], order[80:])
    with raises("shuffled before splitting: the test period must come after the training "
                "period, but some test steps lie between training steps"):
        checks.check_chronological_split(np.sort(order[:80]), np.sort(order[80:]))
    with raises("shuffled before splitting: the test period is not in time order"):
        checks.check_chronological_split(np.arange(80), np.arange(80, 100)[::-1])
    dates = pd.date_range("2020-01-01", periods=100, freq="D")
    frame = pd.Series(SERIES, index=dates).sample(frac=1.0, random_state=0)
    with raises("shuffled before splitting"):
        checks.check_chronological_split(frame[:80], frame[80:])


def test_test_period_before_training_and_overlap():
    with raises("the test period comes before the training period: test is the first 20 steps"):
        checks.check_chronological_split(SERIES[20:], SERIES[:20], SERIES)
    with raises("the test period comes before the training period"):
        checks.check_chronological_split(np.arange(20, 100), np.arange(20))
    with raises("train and test overlap"):
        checks.check_chronological_split(np.arange(80), np.arange(70, 100))
    with raises("hold more steps than the series (100)"):
        checks.check_chronological_split(SERIES[:80], SERIES[70:], SERIES)
    with raises("train should be the first 80 steps of the series, in order"):
        checks.check_chronological_split(SERIES[:80] * 2, SERIES[80:], SERIES)
    with raises("the test part of the split is empty"):
        checks.check_chronological_split(SERIES, SERIES[:0], SERIES)
    with raises("the training part of the split is empty"):
        checks.check_chronological_split(np.arange(0), np.arange(5))


def test_check_chronological_split_bad_arguments():
    with pytest.raises(TypeError, match="train must be an array"):
        checks.check_chronological_split(5, np.arange(3))
    with pytest.raises(TypeError, match="series must be an array"):
        checks.check_chronological_split(np.arange(3), np.arange(3, 5), [[1, 2], [3]])


# ---------------------------------------------------------------------------
# scaling
# ---------------------------------------------------------------------------

TRAIN, TEST = SERIES[:80], SERIES[80:]


def test_scaling_fitted_on_train_passes():
    checks.check_scaling_fit_on_train(TRAIN.mean(), TRAIN.std(), TRAIN, TEST)
    checks.check_scaling_fit_on_train(float(pd.Series(TRAIN).mean()), pd.Series(TRAIN).std(),
                                      pd.Series(TRAIN), pd.Series(TEST))  # pandas: ddof=1
    two = np.stack([TRAIN, 2 * TRAIN], axis=1)
    checks.check_scaling_fit_on_train(two.mean(axis=0), two.std(axis=0), two)


def test_scaling_with_statistics_of_the_test_period():
    with raises("scaled with statistics of the test period (leakage): the mean is the test "
                "period's"):
        checks.check_scaling_fit_on_train(TEST.mean(), TRAIN.std(), TRAIN, TEST)
    with raises("scaled with statistics of the test period (leakage): the std"):
        checks.check_scaling_fit_on_train(TRAIN.mean(), TEST.std(), TRAIN, TEST)
    whole = np.concatenate([TRAIN, TEST])
    with raises("scaled with statistics of the whole series, test period included (leakage)"):
        checks.check_scaling_fit_on_train(whole.mean(), whole.std(), TRAIN, TEST)


def test_other_wrong_statistics():
    with raises("the mean should be the training period's, 0.9137, got 0.0."):
        checks.check_scaling_fit_on_train(0.0, TRAIN.std(), TRAIN)
    with raises("the std should be the training period's"):
        checks.check_scaling_fit_on_train(TRAIN.mean(), [1.0, 2.0], TRAIN)
    with raises("mean should be a finite number (or one per feature), got None"):
        checks.check_scaling_fit_on_train(None, TRAIN.std(), TRAIN)
    with raises("std should be a finite number (or one per feature), got 'a'"):
        checks.check_scaling_fit_on_train(TRAIN.mean(), "a", TRAIN)


# ---------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------

def test_a_forecaster_that_beats_its_baseline_passes():
    checks.check_beats_baseline(0.4, 0.5)
    checks.check_beats_baseline(np.float32(0.4), np.array(0.5))


def test_comparing_a_forecaster_with_no_baseline():
    for missing in (None, float("nan"), np.array(float("nan"))):
        with raises("comparing a forecaster with no baseline: the baseline's error is missing"):
            checks.check_beats_baseline(0.4, missing)


def test_a_forecaster_that_does_not_beat_the_baseline():
    with raises("the LSTM's test MAE, 0.6, is not below the seasonal-naive baseline's, 0.5: "
                "the forecaster does not beat the baseline, so it is not worth its complexity "
                "yet. Use a longer window."):
        checks.check_beats_baseline(0.6, 0.5, name="the LSTM",
                                    baseline="the seasonal-naive baseline",
                                    hint="Use a longer window.")
    with raises("the model's error is missing"):
        checks.check_beats_baseline(None, 0.5)
    with raises("the model's MAE should be a finite number >= 0"):
        checks.check_beats_baseline(-0.1, 0.5)
    with raises("the baseline's MAE should be one number, got str"):
        checks.check_beats_baseline(0.1, "0.5")
    with raises("the baseline's MAE should be one number, got numpy.ndarray"):
        checks.check_beats_baseline(0.1, np.array([0.5, 0.6]))


def test_check_beats_baseline_bad_arguments():
    with pytest.raises(TypeError, match="metric must be a str"):
        checks.check_beats_baseline(0.1, 0.5, metric=None)


# ---------------------------------------------------------------------------
# core pieces shared by the check modules
# ---------------------------------------------------------------------------

def test_core_helpers():
    assert core.type_name([]) == "list" and core.type_name(np.zeros(1)) == "numpy.ndarray"
    assert core.with_hint("a.", None) == "a." and core.with_hint("a.", "b.") == "a. b."
    assert core.check_framework("numpy") == "numpy"
    with pytest.raises(ValueError, match="framework must be"):
        core.check_framework("jax")
    with pytest.raises(TypeError, match="f must be a function"):
        core.check_callable(3, "f")
    assert core.call_student(lambda x: x + 1, "f(1)", 1) == 2
    with raises("f(0) raised ZeroDivisionError: division by zero\nDivide by something else."):
        core.call_student(lambda x: 1 / x, "f(0)", 0,
                          diagnose=lambda error: "Divide by something else.")
