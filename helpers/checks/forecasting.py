"""Forecasting checks: a chronological split, scaling fitted on the training
period only, and a forecaster compared with (and beating) a baseline.

Chapter 07's checks (the second half of the module) call the student's pieces of a
forecasting pipeline on controlled inputs and name each classic mistake: shuffling
before the split, scaling with statistics of the test period, the target inside
its window, baselines that leak, a forecaster with no baseline, errors reported in
scaled units, a bidirectional layer in a forecaster, recursive forecasts that are
not fed back; ``check_forecaster`` measures a trained forecaster on the test period
itself.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from helpers.checks.core import (
    call_student,
    check_callable,
    check_close,
    is_tensor,
    named_earlier,
    remembers_failures,
    to_numpy,
    type_name,
    with_hint,
)

# the exercises a trained forecaster depends on, in the order a student writes them
PIPELINE = ("split_series", "scale_periods", "period_windows")
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


# --------------------------------------------------------------------------
# chapter 07: the pieces of a forecasting pipeline, on controlled inputs
# --------------------------------------------------------------------------
# Each check calls the student's function on a series whose values make every
# common mistake recognisable (values equal to their own positions, a trend of
# known size), computes the right answer itself and names the mistake it sees.

NO_BASELINE = (
    "comparing a forecaster with no baseline: the baseline's error is missing. Compute a "
    "baseline's forecast of the same test period first (naive: repeat the last value; "
    "seasonal-naive: the value one season earlier) and its error, in the same metric.")
SCALED_UNITS = "errors reported in scaled units"


def _array(value, what: str, hint: str = "") -> np.ndarray:
    """``value`` (a NumPy array or a pandas object) as an array; a tensor or a list fails."""
    if is_tensor(value):
        raise AssertionError(f"{what} is a torch.Tensor: return a NumPy array "
                             "(tensor.numpy(), after torch.no_grad()).")
    if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):
        value = value.to_numpy()
    if not isinstance(value, np.ndarray):
        raise AssertionError(f"{what} should be a NumPy array, got {type_name(value)}.{hint}")
    if value.dtype.kind not in "biuf":
        raise AssertionError(f"{what} should hold numbers, got dtype {value.dtype}.")
    return value


def _returned_tuple(out, call: str, names: tuple[str, ...]) -> tuple:
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = type_name(out) + (f" of {len(out)} values" if isinstance(out, (tuple, list)) else "")
        raise AssertionError(f"{call} should return {len(names)} values, "
                             f"{', '.join(names)}; got a {got}.")
    return tuple(out)


def _equal(a: np.ndarray, b: np.ndarray, atol: float = 1e-6) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=0.0, atol=atol))


# --- the split ---------------------------------------------------------------

@remembers_failures("split_series")
def check_split_periods(split_series) -> None:
    """Check ``split_series(series, n_val, n_test) -> (train, val, test)``: the
    first steps, the next ``n_val`` and the last ``n_test``, each in time order.

    It runs on ``np.arange(20.0)`` (every value is its own position) and on a
    pandas Series with monthly dates, whose index must survive the split.
    """
    check_callable(split_series, "split_series")
    import pandas as pd

    positions = np.arange(20.0)
    dated = pd.Series(positions + 100.0,
                      index=pd.date_range("2000-01-01", periods=20, freq="MS"))
    for series, text in ((positions, "np.arange(20.0)"), (dated, "a pandas Series of 20 months")):
        call = f"split_series({text}, n_val=4, n_test=3)"
        parts = _returned_tuple(call_student(split_series, call, series, 4, 3), call,
                                ("train", "val", "test"))
        sizes = tuple(len(part) if hasattr(part, "__len__") else None for part in parts)
        if sizes != (13, 4, 3):
            raise AssertionError(f"{call} should give periods of 13, 4 and 3 steps (train "
                                 f"= all but the last n_val + n_test), got sizes {sizes}.")
        if isinstance(series, pd.Series):
            for part, name in zip(parts, ("train", "val", "test")):
                if not isinstance(part, pd.Series):
                    raise AssertionError(
                        f"{call} returned a {type_name(part)} as {name}: keep the pandas "
                        "Series (slice it, series[:n] or series.iloc[:n]) so that the dates "
                        "stay with their values.")
            check_chronological_split(parts[0], parts[1])
            check_chronological_split(parts[1], parts[2])
            expected = [dated.iloc[:13], dated.iloc[13:17], dated.iloc[17:]]
            if not all(part.index.equals(want.index) for part, want in zip(parts, expected)):
                raise AssertionError(f"{call}: train should be the first 13 months, val the "
                                     "next 4 and test the last 3. " + SPLIT_FIX)
            continue
        values = [_array(part, f"{name} from {call}") for part, name in
                  zip(parts, ("train", "val", "test"))]
        check_chronological_split(values[0], values[1])
        check_chronological_split(values[1], values[2])
        check_chronological_split(np.concatenate(values[:2]), values[2], positions)
        for part, name, want in zip(values, ("train", "val", "test"),
                                    (positions[:13], positions[13:17], positions[17:])):
            if not _equal(part.astype("float64"), want):
                raise AssertionError(f"{name} from {call} should be {want.tolist()}, got "
                                     f"{part.tolist()}. " + SPLIT_FIX)


# --- scaling -------------------------------------------------------------------

_SCALING_FIX = ("Scale every period with the training period's statistics: "
                "(x - mean) / std with mean = train.mean(), std = train.std().")


@remembers_failures("scale_periods")
def check_scaled_periods(scale_periods, train, val, test) -> None:
    """Check ``scale_periods(train, val, test) -> (train_s, val_s, test_s, mean, std)``:
    ``mean`` and ``std`` are the training period's, and every period is scaled
    with them; a period scaled with its own statistics, or statistics of the
    whole series, is named as leakage."""
    check_callable(scale_periods, "scale_periods")
    parts = {"train": _values(train, "train").astype("float64"),
             "val": _values(val, "val").astype("float64"),
             "test": _values(test, "test").astype("float64")}
    call = "scale_periods(train, val, test)"
    out = _returned_tuple(call_student(scale_periods, call, train, val, test), call,
                          ("train_scaled", "val_scaled", "test_scaled", "mean", "std"))
    mean, std = out[3], out[4]
    check_scaling_fit_on_train(mean, std, parts["train"],
                               np.concatenate([parts["val"], parts["test"]]))
    mean, std = float(_statistic(mean, "mean")), float(_statistic(std, "std"))
    for name in ("test", "val", "train"):                   # the leaks first
        part = parts[name]
        scaled = _array(out[("train", "val", "test").index(name)], f"{name}_scaled from {call}")
        scaled = scaled.astype("float64")
        if scaled.shape != part.shape:
            raise AssertionError(f"{name}_scaled should have the {name} period's shape "
                                 f"{part.shape}, got {scaled.shape}.")
        if _equal(scaled, (part - mean) / std, atol=1e-4):
            continue
        own = [(part - part.mean()) / part.std(ddof=ddof) for ddof in (0, 1)]
        if name != "train" and any(_equal(scaled, o, atol=1e-4) for o in own):
            period = "test" if name == "test" else "validation"
            raise AssertionError(
                f"scaled with statistics of the {period} period (leakage): {name}_scaled is "
                f"({name} - {name}.mean()) / {name}.std(), the {period} period's own "
                "statistics (a scaler fitted again on each period), so the model sees the "
                "future. " + _SCALING_FIX)
        if _equal(scaled, part):
            raise AssertionError(f"{name}_scaled is {name} unchanged: it is not scaled. "
                                 + _SCALING_FIX)
        check_close(scaled, (part - mean) / std, f"{name}_scaled ((x - mean) / std)", atol=1e-4)


# --- windows of a period -----------------------------------------------------------

_PERIOD_WINDOW_CASES = ((3, 5, 9), (4, 4, 30), (1, 10, 12))   # (window, start, stop)
_WINDOW_RULE = ("The window of the target series[t] is the `window` values before it, "
                "series[t - window:t], so X[i, :, 0] = series[start + i - window:start + i] "
                "and y[i] = series[start + i].")


@remembers_failures("period_windows")
def check_period_windows(period_windows) -> None:
    """Check ``period_windows(series, window, start, stop) -> (X, y)``: one window per
    target of the period ``series[start:stop]``, ``X`` of shape (n, window, 1)
    holding the ``window`` values before each target, ``y`` of shape (n,);
    float32. The series is ``np.arange(30.0)``: every value is its own index."""
    check_callable(period_windows, "period_windows")
    series = np.arange(30.0)
    for window, start, stop in _PERIOD_WINDOW_CASES:
        call = f"period_windows(np.arange(30.0), window={window}, start={start}, stop={stop})"
        X, y = _returned_tuple(call_student(period_windows, call, series, window, start, stop),
                               call, ("X", "y"))
        X, y = _array(X, f"X from {call}"), _array(y, f"y from {call}")
        n = stop - start
        if X.shape == (n, window):
            raise AssertionError(f"X from {call} has shape {X.shape}: the features axis is "
                                 f"missing; a recurrent layer reads (batch, time, features) = "
                                 f"{(n, window, 1)} (add it with X[..., np.newaxis]).")
        if X.shape != (n, window, 1):
            raise AssertionError(f"X from {call} should have shape (n, window, 1) = "
                                 f"{(n, window, 1)}, one window per target of the period "
                                 f"(n = stop - start = {n}), got {X.shape}.")
        if y.shape != (n,):
            raise AssertionError(f"y from {call} should have shape (n,) = ({n},), one target "
                                 f"per window, got {y.shape}.")
        for array, name in ((X, "X"), (y, "y")):
            if array.dtype != np.float32:
                raise AssertionError(f"{name} from {call} has dtype {array.dtype}: return "
                                     "float32 arrays (.astype('float32')), the dtype of the "
                                     "models' weights.")
        ends = X[:, -1, 0].astype("float64")
        if np.array_equal(ends, y):
            raise AssertionError(
                f"the target is inside its window (the target leaks into the input): X[i] "
                f"ends with y[i] for {call}, so the model can copy its answer. {_WINDOW_RULE}")
        targets = np.arange(start, stop, dtype="float64")
        if not np.array_equal(y, targets):
            raise AssertionError(f"y from {call} should be the period's values, "
                                 f"series[{start}:{stop}] = {targets.tolist()[:6]}..., got "
                                 f"{y.tolist()[:6]}.... {_WINDOW_RULE}")
        if np.array_equal(ends, targets - 2):
            raise AssertionError(f"off by one: X[i] ends two steps before y[i] for {call}, "
                                 f"leaving out the last value known before the target. "
                                 + _WINDOW_RULE)
        expected = (targets[:, None] - window + np.arange(window))[..., None]
        check_close(X, expected, f"X (from {call}, where series[k] == k)", atol=0)


# --- baselines -------------------------------------------------------------------

def _forecast_out(fn, call: str, *args, n: int, **kwargs) -> np.ndarray:
    out = _array(call_student(fn, call, *args, **kwargs), f"the result of {call}")
    if out.shape != (n,):
        raise AssertionError(f"{call} should return one forecast per step of "
                             f"series[start:stop], shape ({n},), got {out.shape}.")
    return out.astype("float64")


def _lagged_forecasts(fn, name: str, param: str, default: int, other: int):
    """(call text, output, lag, value given) of ``fn(np.arange(40.0), start=20, stop=25)``,
    first with ``param`` left at its ``default`` lag, then with ``param=other``."""
    for value in (None, other):
        call = f"{name}(np.arange(40.0), start=20, stop=25" + (")" if value is None else f", {param}={value})")
        extra = {} if value is None else {param: value}
        got = _forecast_out(fn, call, np.arange(40.0), 20, 25, n=5, **extra)
        yield call, got, default if value is None else value, value


def check_baselines(naive_forecast, seasonal_naive_forecast) -> None:
    """Check ``naive_forecast(series, start, stop, horizon=1)`` (series[t - horizon]
    for each target t of series[start:stop]) and ``seasonal_naive_forecast(series,
    start, stop, season=12)`` (series[t - season]) on ``np.arange(40.0)``."""
    check_callable(naive_forecast, "naive_forecast")
    check_callable(seasonal_naive_forecast, "seasonal_naive_forecast")
    targets = np.arange(20.0, 25.0)
    for call, got, h, horizon in _lagged_forecasts(naive_forecast, "naive_forecast", "horizon", 1, 3):
        if np.array_equal(got, targets - h):
            continue
        if np.array_equal(got, targets):
            raise AssertionError(
                f"{call} returned the values it forecasts, series[start:stop] (the target "
                "leaks into the forecast, its error is 0): a forecast made `horizon` steps "
                "before step t can only use what is known then, series[t - horizon].")
        if h > 1 and np.array_equal(got, targets - 1):
            raise AssertionError(f"{call} gave series[t - 1]: horizon is ignored. A forecast "
                                 f"made {h} steps ahead repeats series[t - horizon].")
        raise AssertionError(f"{call} should be series[start - horizon:stop - horizon] = "
                             f"{(targets - h).tolist()}, got {got.tolist()}.")
    for call, got, m, season in _lagged_forecasts(seasonal_naive_forecast, "seasonal_naive_forecast",
                                                  "season", 12, 4):
        if np.array_equal(got, targets - m):
            continue
        if np.array_equal(got, targets):
            raise AssertionError(f"{call} returned the values it forecasts (the target leaks "
                                 "into the forecast): the seasonal-naive forecast of series[t] "
                                 "is the value one season earlier, series[t - season].")
        if np.array_equal(got, targets - 1):
            raise AssertionError(f"{call} gave the previous value, series[t - 1]: that is the "
                                 "naive forecast. Seasonal-naive repeats the value one season "
                                 "earlier, series[t - season] (the same month last year).")
        if np.array_equal(got, targets - m + 1) or np.array_equal(got, targets - m - 1):
            raise AssertionError(f"{call} is one step off: it gave series[t - season "
                                 f"{'+' if got[0] > targets[0] - m else '-'} 1]. The value one "
                                 "season earlier is series[t - season], e.g. the same month "
                                 "last year for monthly data with season=12.")
        if season is not None and np.array_equal(got, targets - 12):
            raise AssertionError(f"{call} gave series[t - 12]: the season argument is ignored.")
        raise AssertionError(f"{call} should be series[start - season:stop - season] = "
                             f"{(targets - m).tolist()}, got {got.tolist()}.")


# --- the score: the forecaster's error beside the baseline's -------------------

SCORE_KEYS = ("MAE", "seasonal-naive MAE", "ratio")


def _score_case(season: int):
    """A series with an exact seasonal-naive error: a cycle of ``season`` steps plus a
    trend of 0.1 per step (so series[t] - series[t - season] = 0.1 * season)."""
    t = np.arange(6 * season, dtype="float64")
    series = 10.0 + 3.0 * np.sin(2 * np.pi * t / season) + 0.1 * t
    start, stop = 4 * season, 6 * season
    offsets = np.where(np.arange(stop - start) % 2 == 0, 0.5, -0.3)
    return series, start, stop, series[start:stop] + offsets


def check_scores(score) -> None:
    """Check ``score(forecast, series, start, stop, season=12)`` -> a dict with the
    forecast's "MAE" against series[start:stop], the "seasonal-naive MAE" of the
    same period and their "ratio" (MAE / seasonal-naive MAE)."""
    check_callable(score, "score")
    for season in (None, 4):
        m = 12 if season is None else season
        series, start, stop, forecast = _score_case(m)
        actual = series[start:stop]
        call = (f"score(forecast, series, start={start}, stop={stop}"
                + (")" if season is None else f", season={season})"))
        extra = {} if season is None else {"season": season}
        result = call_student(score, call, forecast.copy(), series.copy(), start, stop, **extra)
        if not isinstance(result, dict):
            raise AssertionError(f"{call} should return a dict with the keys "
                                 f"{', '.join(map(repr, SCORE_KEYS))}, got {type_name(result)}.")
        baseline = result.get("seasonal-naive MAE")
        if baseline is None or (isinstance(baseline, float) and math.isnan(baseline)):
            raise AssertionError(NO_BASELINE + " score must return it as "
                                 "'seasonal-naive MAE', with the 'ratio' MAE / seasonal-naive MAE.")
        missing = [key for key in SCORE_KEYS if key not in result]
        if missing:
            raise AssertionError(f"the dict from {call} lacks {', '.join(map(repr, missing))}.")
        got = {key: _error(result[key], f"{call}[{key!r}]", f"{call}[{key!r}] is missing.")
               for key in SCORE_KEYS}
        mae = float(np.mean(np.abs(forecast - actual)))
        seasonal = float(np.mean(np.abs(actual - series[start - m:stop - m])))
        if not math.isclose(got["MAE"], mae, abs_tol=1e-6):
            why = {round(float(np.sqrt(np.mean((forecast - actual) ** 2))), 6):
                   " That is the root mean squared error: the MAE is mean(|forecast - actual|).",
                   round(float(np.mean(forecast - actual)), 6):
                   " That is the mean error, with signs: take the absolute value first."}
            raise AssertionError(f"{call}['MAE'] should be {mae:.4f}, got {got['MAE']:.4f}."
                                 + why.get(round(got["MAE"], 6), ""))
        if not math.isclose(got["seasonal-naive MAE"], seasonal, abs_tol=1e-6):
            naive = float(np.mean(np.abs(actual - series[start - 1:stop - 1])))
            hint = (" That is the naive (previous value) error: seasonal-naive forecasts "
                    "series[t - season]." if math.isclose(got["seasonal-naive MAE"], naive,
                                                          abs_tol=1e-6) else "")
            raise AssertionError(f"{call}['seasonal-naive MAE'] should be {seasonal:.4f} (the "
                                 f"MAE of series[t - season] on the same period), got "
                                 f"{got['seasonal-naive MAE']:.4f}.{hint}")
        if not math.isclose(got["ratio"], mae / seasonal, abs_tol=1e-6):
            hint = (" It is inverted: ratio = MAE / seasonal-naive MAE (below 1 when the "
                    "forecaster is better)." if math.isclose(got["ratio"], seasonal / mae,
                                                             abs_tol=1e-6) else "")
            raise AssertionError(f"{call}['ratio'] should be MAE / seasonal-naive MAE = "
                                 f"{mae / seasonal:.4f}, got {got['ratio']:.4f}.{hint}")


# --- the forecaster's architecture ------------------------------------------------

def check_causal(model) -> None:
    """Assert that ``model`` has a recurrent layer and that none is bidirectional:
    a forecaster may only read the past."""
    from helpers.checks.introspect import recurrent_layers

    layers = recurrent_layers(model)
    if not layers:
        raise AssertionError("the forecaster has no recurrent layer: use a GRU (or an LSTM) "
                             "that reads the window step by step.")
    for layer in layers:
        if layer.bidirectional:
            raise AssertionError(
                f"a bidirectional layer in a forecaster: {layer.label} also reads every window "
                "backwards, from its newest step to its oldest, so its state at a step has seen "
                "the steps after it (it reads the future) and it cannot run as the data "
                "arrives. A forecaster reads the past only: use one direction.")


# --- back to the series' units -------------------------------------------------------

def check_in_degrees(predict_degrees, model, X, mean, std, unit: str = "°C") -> None:
    """Check ``predict_degrees(model, X, mean, std)``: the model's outputs on ``X``,
    shape (n, outputs), turned back into the series' units (outputs * std + mean)."""
    from helpers.checks.introspect import run_model

    check_callable(predict_degrees, "predict_degrees")
    mean, std = float(mean), float(std)
    raw = np.asarray(run_model(model, X), dtype="float64")
    call = f"predict_degrees(model, X, mean={mean:g}, std={std:g})"
    got = _array(call_student(predict_degrees, call, model, X, mean, std),
                 f"the result of {call}").astype("float64")
    if got.shape != raw.shape:
        hint = (" Keep the model's (n, outputs) shape; take [:, 0] only where you need one "
                "column." if got.size == raw.size else "")
        raise AssertionError(f"{call} should have the model's output shape {raw.shape}, "
                             f"got {got.shape}.{hint}")
    expected = raw * std + mean
    if _equal(got, expected, atol=1e-4):
        return
    if _equal(got, raw, atol=1e-4):
        raise AssertionError(
            f"{SCALED_UNITS}: {call} returned the model's outputs unchanged, in the scaled "
            "units it was trained on, so every error computed from them is in scaled units, "
            f"not {unit}. Convert back: outputs * std + mean.")
    diagnoses = (((raw - mean) / std, "it scaled the outputs again, (outputs - mean) / std"),
                 (raw * std, "the mean is missing"), (raw + mean, "the std is missing"),
                 (raw * mean + std, "mean and std are swapped"))
    for wrong, what in diagnoses:
        if _equal(got, wrong, atol=1e-4):
            raise AssertionError(f"{call} is not in {unit}: {what}. The model's outputs are "
                                 f"scaled values; in {unit} they are outputs * std + mean.")
    check_close(got, expected, f"{call} (outputs * std + mean)", atol=1e-4)


# --- recursive multi-step forecasts ------------------------------------------------------

def _recursive_reference(model, X: np.ndarray, steps: int, how: str) -> np.ndarray:
    """What a recursion of ``model`` from windows ``X`` gives: "slide" is right;
    "grow" keeps every step, "front" puts each forecast first (the mistakes)."""
    from helpers.checks.introspect import run_model

    window, out = X.astype("float32"), []
    for _ in range(steps):
        step = np.asarray(run_model(model, window), dtype="float32").reshape(len(X), -1)[:, :1]
        out.append(step[:, 0])
        if how == "slide":
            window = np.concatenate([window[:, 1:], step[:, :, None]], axis=1)
        elif how == "grow":
            window = np.concatenate([window, step[:, :, None]], axis=1)
        else:
            window = np.concatenate([step[:, :, None], window[:, :-1]], axis=1)
    return np.stack(out, axis=1).astype("float64")


def check_recursive_forecast(recursive_forecast, model, X, steps: int = 4) -> None:
    """Check ``recursive_forecast(model, X, steps)`` -> (n, steps): the model's
    one-step forecast, fed back into the window (which drops its oldest step),
    ``steps`` times. ``model`` must accept windows of any length, so that a
    growing window shows in the values."""
    check_callable(recursive_forecast, "recursive_forecast")
    X = np.asarray(X, dtype="float32")
    if X.ndim != 3 or X.shape[2] != 1:
        raise ValueError(f"X must have shape (n, window, 1), got {X.shape}")
    steps = int(steps)
    kept = X.copy()
    call = f"recursive_forecast(model, X, steps={steps}) with X of shape {X.shape}"
    got = _array(call_student(recursive_forecast, call, model, X, steps),
                 f"the result of {call}").astype("float64")
    if not np.array_equal(X, kept):
        raise AssertionError(f"{call} changed the windows X it was given: build new windows "
                             "(np.concatenate makes a new array) instead of writing into X.")
    n = len(X)
    if got.shape != (n, steps):
        hint = (" Drop the last axis: forecasts[:, :, 0]." if got.shape == (n, steps, 1) else
                " It looks transposed: one row per window, one column per step."
                if got.shape == (steps, n) else "")
        raise AssertionError(f"{call} should have shape (n, steps) = {(n, steps)}, "
                             f"got {got.shape}.{hint}")
    expected = _recursive_reference(model, X, steps, "slide")
    if _equal(got, expected, atol=1e-4):
        return
    if not _equal(got[:, :1], expected[:, :1], atol=1e-4):
        raise AssertionError(f"the first column of {call} should be the model's forecast "
                             "for X itself (scaled, as the model outputs it).")
    if _equal(got, np.repeat(got[:, :1], steps, axis=1), atol=1e-4):
        raise AssertionError(f"{call} repeats the first forecast at every step: the forecasts "
                             "are not fed back. After each step, append the forecast to the "
                             "window and drop its oldest step, then forecast again.")
    for how, what in (("grow", "the window grows: drop its oldest step (window[:, 1:]) when "
                               "you append the forecast, so it keeps its length"),
                      ("front", "each forecast is put at the start of the window; it is the "
                                "newest value, so it goes at the end")):
        if _equal(got, _recursive_reference(model, X, steps, how), atol=1e-4):
            raise AssertionError(f"{call}: {what}.")
    check_close(got, expected, f"{call}", atol=1e-4)


# --- the trained forecaster on the test period ------------------------------------------

def check_forecaster(model, series, n_val: int, n_test: int, window: int, max_mae: float,
                     season: int = 12, unit: str = "°C", hint: str | None = None) -> dict:
    """Measure a trained one-step forecaster on the test period itself and assert
    that it beats seasonal-naive with MAE <= ``max_mae``.

    The check scales ``series`` with the training period's mean and std, cuts
    the window before every step of the last ``n_test`` steps, runs ``model``
    and turns its outputs back into the series' units. It returns the numbers:
    {"MAE", "seasonal-naive MAE", "ratio"}.
    """
    from helpers.checks.introspect import run_model

    values = _values(series, "series").astype("float64").ravel()
    for name, value in (("n_val", n_val), ("n_test", n_test), ("window", window),
                        ("season", season)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    n_train = len(values) - n_val - n_test
    if n_train <= max(window, season):
        raise ValueError(f"series has {len(values)} values: too few for a training period "
                         f"longer than window={window} and season={season}")
    mean, std = values[:n_train].mean(), values[:n_train].std()
    scaled = ((values - mean) / std).astype("float32")
    targets = np.arange(n_train + n_val, len(values))
    X = np.stack([scaled[t - window:t] for t in targets])[..., None]
    out = np.asarray(run_model(model, X), dtype="float64")
    if out.shape != (n_test, 1):
        raise AssertionError(f"the forecaster should give one forecast per window, shape "
                             f"({n_test}, 1) for {n_test} windows, got {out.shape}.")
    actual = values[targets]
    mae = float(np.mean(np.abs(out[:, 0] * std + mean - actual)))
    seasonal = float(np.mean(np.abs(values[targets - season] - actual)))
    scores = {"MAE": mae, "seasonal-naive MAE": seasonal, "ratio": mae / seasonal}
    # the pipeline's earlier pieces, when their tests named a mistake, come before the hint
    hint = " ".join(filter(None, (named_earlier(*PIPELINE), hint))) or None
    check_beats_baseline(mae, seasonal, "the forecaster", "seasonal-naive", hint=hint)
    if mae > max_mae:
        raise AssertionError(with_hint(
            f"the forecaster's test MAE is {mae:.3f} {unit} (ratio {mae / seasonal:.3f} to "
            f"seasonal-naive's {seasonal:.3f} {unit}), above the threshold {max_mae} {unit} "
            f"(ratio {max_mae / seasonal:.3f}).", hint))
    return scores
