"""Unit tests for chapter 07's checks in helpers.checks.forecasting: split periods,
scaled periods, period windows, baselines, scores, a causal forecaster, forecasts
back in degrees, recursive forecasts and the trained forecaster on the test period.

Each check passes the right answer and names each common mistake."""

import re

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from helpers import checks
from helpers.data import load_elnino


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# split_series
# ---------------------------------------------------------------------------

def split_right(series, n_val, n_test):
    n_train = len(series) - n_val - n_test
    return series[:n_train], series[n_train:n_train + n_val], series[n_train + n_val:]


def split_shuffled(series, n_val, n_test):
    order = np.random.default_rng(0).permutation(len(series))
    rows = series.iloc if hasattr(series, "iloc") else series
    n_train = len(series) - n_val - n_test
    return rows[order[:n_train]], rows[order[n_train:n_train + n_val]], rows[order[n_train + n_val:]]


def test_split_periods_passes_the_right_split():
    checks.check_split_periods(split_right)


def test_split_periods_names_shuffling():
    with raises("shuffled before splitting"):
        checks.check_split_periods(split_shuffled)


def test_split_periods_other_mistakes():
    with raises("should give periods of 13, 4 and 3 steps"):
        checks.check_split_periods(lambda s, v, t: (s[:-v], s[-v:], s[-t:]))
    with raises("should return 3 values, train, val, test; got a tuple of 2 values"):
        checks.check_split_periods(lambda s, v, t: (s[:-t], s[-t:]))
    with raises("keep the pandas Series"):
        checks.check_split_periods(lambda s, v, t: split_right(np.asarray(s), v, t))
    with raises("the test period comes before the training period"):
        checks.check_split_periods(lambda s, v, t: (s[t + v:], s[t:t + v], s[:t]))
    with raises("split_series(np.arange(20.0), n_val=4, n_test=3) raised ZeroDivisionError"):
        checks.check_split_periods(lambda s, v, t: 1 / 0)
    with pytest.raises(TypeError, match="split_series must be a function"):
        checks.check_split_periods(3)


# ---------------------------------------------------------------------------
# scale_periods
# ---------------------------------------------------------------------------

TREND = np.arange(40.0) + np.sin(np.arange(40.0))
PARTS = (TREND[:24], TREND[24:32], TREND[32:])


def scale_right(train, val, test, ddof=0):
    train, val, test = (np.asarray(p, dtype="float64") for p in (train, val, test))
    mean, std = train.mean(), train.std(ddof=ddof)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std


def scale_whole(train, val, test):
    everything = np.concatenate([train, val, test])
    mean, std = everything.mean(), everything.std()
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std


def scale_each(train, val, test):
    mean, std = train.mean(), train.std()
    return ((train - mean) / std, (val - val.mean()) / val.std(), (test - test.mean()) / test.std(),
            mean, std)


def test_scaled_periods_passes_ddof_0_and_1_and_pandas():
    checks.check_scaled_periods(scale_right, *PARTS)
    checks.check_scaled_periods(lambda *p: scale_right(*p, ddof=1), *PARTS)
    checks.check_scaled_periods(scale_right, *(pd.Series(p) for p in PARTS))


def test_scaled_periods_names_the_leaks():
    with raises("scaled with statistics of the whole series, test period included (leakage)"):
        checks.check_scaled_periods(scale_whole, *PARTS)
    with raises("scaled with statistics of the test period (leakage): test_scaled is"):
        checks.check_scaled_periods(scale_each, *PARTS)

    def val_only(train, val, test):
        out = list(scale_right(train, val, test))
        out[1] = (val - val.mean()) / val.std()
        return tuple(out)

    with raises("scaled with statistics of the validation period (leakage)"):
        checks.check_scaled_periods(val_only, *PARTS)


def test_scaled_periods_other_mistakes():
    def unscaled(train, val, test):
        out = list(scale_right(train, val, test))
        out[2] = test
        return tuple(out)

    with raises("test_scaled is test unchanged: it is not scaled"):
        checks.check_scaled_periods(unscaled, *PARTS)

    def inverted(train, val, test):
        mean, std = train.mean(), train.std()
        return train * std + mean, val * std + mean, test * std + mean, mean, std

    with raises("should be"):
        checks.check_scaled_periods(inverted, *PARTS)
    with raises("should return 5 values"):
        checks.check_scaled_periods(lambda tr, va, te: scale_right(tr, va, te)[:3], *PARTS)
    with raises("should have the test period's shape (8,), got (7,)"):
        checks.check_scaled_periods(lambda tr, va, te: scale_right(tr, va, te[:-1]), *PARTS)


# ---------------------------------------------------------------------------
# period_windows
# ---------------------------------------------------------------------------

def windows_right(series, window, start, stop):
    X = np.stack([series[t - window:t] for t in range(start, stop)])
    return X[..., None].astype("float32"), series[start:stop].astype("float32")


def test_period_windows_passes_the_right_windows():
    checks.check_period_windows(windows_right)


def test_period_windows_names_the_target_inside_the_window():
    def leaky(series, window, start, stop):
        X = np.stack([series[t - window + 1:t + 1] for t in range(start, stop)])
        return X[..., None].astype("float32"), series[start:stop].astype("float32")

    with raises("the target is inside its window (the target leaks into the input)"):
        checks.check_period_windows(leaky)


def test_period_windows_other_mistakes():
    with raises("the features axis is missing"):
        checks.check_period_windows(lambda *a: (windows_right(*a)[0][..., 0], windows_right(*a)[1]))
    with raises("has dtype float64: return float32 arrays"):
        checks.check_period_windows(lambda *a: tuple(x.astype("float64") for x in windows_right(*a)))

    def gap(series, window, start, stop):
        X = np.stack([series[t - window - 1:t - 1] for t in range(start, stop)])
        return X[..., None].astype("float32"), series[start:stop].astype("float32")

    with raises("off by one: X[i] ends two steps before y[i]"):
        checks.check_period_windows(gap)

    def late_targets(series, window, start, stop):
        X, _ = windows_right(series, window, start, stop)
        return X, series[start + 1:stop + 1].astype("float32")

    with raises("y from period_windows(np.arange(30.0), window=3, start=5, stop=9) should be the "
                "period's values"):
        checks.check_period_windows(late_targets)
    with raises("should have shape (n, window, 1) = (4, 3, 1)"):
        checks.check_period_windows(lambda s, w, a, b: (np.zeros((5, w, 1), "float32"), s[a:b]))
    with raises("X from period_windows(np.arange(30.0), window=3, start=5, stop=9) is a torch.Tensor"):
        checks.check_period_windows(lambda *a: (torch.from_numpy(windows_right(*a)[0]), windows_right(*a)[1]))


# ---------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------

def naive_right(series, start, stop, horizon=1):
    return series[start - horizon:stop - horizon]


def seasonal_right(series, start, stop, season=12):
    return series[start - season:stop - season]


def test_baselines_pass():
    checks.check_baselines(naive_right, seasonal_right)


@pytest.mark.parametrize("naive, seasonal, fragment", [
    (lambda s, a, b, horizon=1: s[a:b], seasonal_right, "returned the values it forecasts"),
    (lambda s, a, b, horizon=1: s[a - 1:b - 1], seasonal_right, "horizon is ignored"),
    (lambda s, a, b, horizon=1: s[a - horizon - 1:b - horizon - 1], seasonal_right,
     "should be series[start - horizon:stop - horizon] = [19.0, 20.0, 21.0, 22.0, 23.0]"),
    (naive_right, lambda s, a, b, season=12: s[a - 1:b - 1], "that is the naive forecast"),
    (naive_right, lambda s, a, b, season=12: s[a - season + 1:b - season + 1], "is one step off"),
    (naive_right, lambda s, a, b, season=12: s[a - season - 1:b - season - 1], "is one step off"),
    (naive_right, lambda s, a, b, season=12: s[a - 12:b - 12], "the season argument is ignored"),
    (naive_right, lambda s, a, b, season=12: s[a:b], "returned the values it forecasts"),
    (naive_right, lambda s, a, b, season=12: s[a - season:b - season + 1],
     "should return one forecast per step of series[start:stop], shape (5,), got (6,)"),
    (naive_right, lambda s, a, b, season=12: list(s[a - season:b - season]), "should be a NumPy array"),
])
def test_baselines_name_the_mistakes(naive, seasonal, fragment):
    with raises(fragment):
        checks.check_baselines(naive, seasonal)


# ---------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------

def score_right(forecast, series, start, stop, season=12):
    actual = series[start:stop]
    mae = float(np.mean(np.abs(forecast - actual)))
    base = float(np.mean(np.abs(series[start - season:stop - season] - actual)))
    return {"MAE": mae, "seasonal-naive MAE": base, "ratio": mae / base}


def test_scores_pass():
    checks.check_scores(score_right)


@pytest.mark.parametrize("change, fragment", [
    (lambda r, *a: {"MAE": r["MAE"]}, "comparing a forecaster with no baseline"),
    (lambda r, *a: {**r, "seasonal-naive MAE": None}, "comparing a forecaster with no baseline"),
    (lambda r, *a: {**r, "seasonal-naive MAE": float("nan")}, "comparing a forecaster with no baseline"),
    (lambda r, *a: {"MAE": r["MAE"], "seasonal-naive MAE": r["seasonal-naive MAE"]}, "lacks 'ratio'"),
    (lambda r, *a: {**r, "ratio": r["seasonal-naive MAE"] / r["MAE"]}, "It is inverted"),
    (lambda r, f, s, a, b: {**r, "MAE": float(np.sqrt(np.mean((f - s[a:b]) ** 2)))},
     "That is the root mean squared error"),
    (lambda r, f, s, a, b: {**r, "MAE": float(np.mean(f - s[a:b]))}, "That is the mean error"),
    (lambda r, f, s, a, b: {**r, "seasonal-naive MAE": float(np.mean(np.abs(s[a - 1:b - 1] - s[a:b])))},
     "That is the naive (previous value) error"),
    (lambda r, *a: {**r, "MAE": "small"}, "should be one number"),
    (lambda r, *a: [r["MAE"]], "should return a dict"),
])
def test_scores_name_the_mistakes(change, fragment):
    def score(forecast, series, start, stop, season=12):
        return change(score_right(forecast, series, start, stop, season), forecast, series, start, stop)

    with raises(fragment):
        checks.check_scores(score)


def test_scores_season_argument_is_used():
    with raises("['seasonal-naive MAE'] should be"):
        checks.check_scores(lambda f, s, a, b, season=12: score_right(f, s, a, b, 12))


# ---------------------------------------------------------------------------
# a causal forecaster
# ---------------------------------------------------------------------------

class TorchForecaster(nn.Module):
    def __init__(self, bidirectional=False):
        super().__init__()
        self.rnn = nn.GRU(1, 4, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(8 if bidirectional else 4, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def test_causal_passes_one_direction_and_names_a_bidirectional_layer():
    checks.check_causal(TorchForecaster())
    with raises("a bidirectional layer in a forecaster: nn.GRU 'rnn' also reads every window backwards"):
        checks.check_causal(TorchForecaster(bidirectional=True))
    with raises("the forecaster has no recurrent layer"):
        checks.check_causal(nn.Sequential(nn.Flatten(), nn.Linear(12, 1)))
    with pytest.raises(TypeError, match="model must be a keras.Model or a torch.nn.Module"):
        checks.check_causal("a model")


def test_causal_keras():
    keras = pytest.importorskip("keras")
    one_way = keras.Sequential([keras.Input(shape=(6, 1)), keras.layers.GRU(3), keras.layers.Dense(1)])
    checks.check_causal(one_way)
    two_way = keras.Sequential([keras.Input(shape=(6, 1)),
                                keras.layers.Bidirectional(keras.layers.GRU(3), name="both"),
                                keras.layers.Dense(1)])
    with raises("a bidirectional layer in a forecaster: Bidirectional(GRU) 'both'"):
        checks.check_causal(two_way)


# ---------------------------------------------------------------------------
# forecasts back in degrees
# ---------------------------------------------------------------------------

PROBE = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
with torch.no_grad():
    PROBE[1].weight.copy_(torch.tensor([[0.5, 0.25, 1.0], [-1.0, 2.0, 0.5]]))
    PROBE[1].bias.copy_(torch.tensor([0.1, -0.2]))
X_PROBE = np.random.default_rng(3).normal(size=(5, 3, 1)).astype("float32")


def raw_outputs(model, X):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(X)).numpy()


def test_in_degrees_passes():
    checks.check_in_degrees(lambda m, X, mean, std: raw_outputs(m, X) * std + mean, PROBE, X_PROBE, 23.1, 2.2)


@pytest.mark.parametrize("predict, fragment", [
    (lambda m, X, mean, std: raw_outputs(m, X), "errors reported in scaled units"),
    (lambda m, X, mean, std: (raw_outputs(m, X) - mean) / std, "it scaled the outputs again"),
    (lambda m, X, mean, std: raw_outputs(m, X) * std, "the mean is missing"),
    (lambda m, X, mean, std: raw_outputs(m, X) + mean, "the std is missing"),
    (lambda m, X, mean, std: raw_outputs(m, X) * mean + std, "mean and std are swapped"),
    (lambda m, X, mean, std: (raw_outputs(m, X) * std + mean).ravel(),
     "should have the model's output shape (5, 2), got (10,). Keep the model's (n, outputs) shape"),
    (lambda m, X, mean, std: torch.from_numpy(raw_outputs(m, X) * std + mean), "is a torch.Tensor"),
    (lambda m, X, mean, std: raw_outputs(m, X) * std + mean + 0.5, "(outputs * std + mean)"),
])
def test_in_degrees_names_the_mistakes(predict, fragment):
    with raises(fragment):
        checks.check_in_degrees(predict, PROBE, X_PROBE, 23.1, 2.2)


def test_in_degrees_keras():
    keras = pytest.importorskip("keras")
    probe = keras.Sequential([keras.Input(shape=(3, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    probe.set_weights([np.ones((3, 2), "float32"), np.zeros(2, "float32")])

    def predict(model, X, mean, std):
        return keras.ops.convert_to_numpy(model(X, training=False)) * std + mean

    checks.check_in_degrees(predict, probe, X_PROBE, 10.0, 2.0)
    with raises("errors reported in scaled units"):
        checks.check_in_degrees(lambda m, X, mean, std: keras.ops.convert_to_numpy(m(X)), probe, X_PROBE, 10.0, 2.0)


# ---------------------------------------------------------------------------
# recursive forecasts
# ---------------------------------------------------------------------------

class AnyLength(nn.Module):
    """A probe that reads windows of any length (as the notebooks' probes do)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.rnn, self.head = nn.RNN(1, 3, batch_first=True), nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[1][-1])


RECURSIVE_PROBE = AnyLength()
X_WINDOWS = np.random.default_rng(4).normal(size=(5, 6, 1)).astype("float32")


def recursive(model, X, steps, how="slide"):
    windows, out = torch.from_numpy(X), []
    with torch.no_grad():
        for _ in range(steps):
            step = model(windows)
            out.append(step[:, 0])
            if how == "slide":
                windows = torch.cat([windows[:, 1:], step[:, :, None]], dim=1)
            elif how == "grow":
                windows = torch.cat([windows, step[:, :, None]], dim=1)
            elif how == "front":
                windows = torch.cat([step[:, :, None], windows[:, :-1]], dim=1)
    return torch.stack(out, dim=1).numpy()


def test_recursive_forecast_passes():
    checks.check_recursive_forecast(recursive, RECURSIVE_PROBE, X_WINDOWS, steps=4)
    checks.check_recursive_forecast(recursive, RECURSIVE_PROBE, X_WINDOWS, steps=1)


def repeated(model, X, steps):
    return np.repeat(recursive(model, X, 1), steps, axis=1)


def in_place(model, X, steps):
    out = recursive(model, X.copy(), steps)
    X[:] = 0.0
    return out


@pytest.mark.parametrize("fn, fragment", [
    (repeated, "repeats the first forecast at every step: the forecasts are not fed back"),
    (lambda m, X, s: recursive(m, X, s, "grow"), "the window grows"),
    (lambda m, X, s: recursive(m, X, s, "front"), "each forecast is put at the start of the window"),
    (in_place, "changed the windows X it was given"),
    (lambda m, X, s: recursive(m, X, s)[..., None], "Drop the last axis"),
    (lambda m, X, s: recursive(m, X, s).T, "It looks transposed"),
    (lambda m, X, s: recursive(m, X, s) + 1.0, "the first column of"),
    (lambda m, X, s: np.concatenate([recursive(m, X, 1), recursive(m, X, s)[:, 1:] * 2], axis=1),
     "recursive_forecast(model, X, steps=4)"),
])
def test_recursive_forecast_names_the_mistakes(fn, fragment):
    with raises(fragment):
        checks.check_recursive_forecast(fn, RECURSIVE_PROBE, X_WINDOWS, steps=4)


def test_recursive_forecast_bad_windows():
    with pytest.raises(ValueError, match=r"X must have shape \(n, window, 1\)"):
        checks.check_recursive_forecast(recursive, RECURSIVE_PROBE, X_WINDOWS[..., 0])


# ---------------------------------------------------------------------------
# the trained forecaster on the test period
# ---------------------------------------------------------------------------

SST = load_elnino().to_numpy()
N_TRAIN = len(SST) - 240


class LinearForecaster(nn.Module):
    """A least-squares AR(12) on the scaled training windows: beats seasonal-naive without training."""

    def __init__(self):
        super().__init__()
        mean, std = SST[:N_TRAIN].mean(), SST[:N_TRAIN].std()
        scaled = (SST - mean) / std
        X = np.stack([scaled[t - 12:t] for t in range(12, N_TRAIN)])
        A = np.c_[X, np.ones(len(X))]
        w = np.linalg.lstsq(A, scaled[12:N_TRAIN], rcond=None)[0]
        self.linear = nn.Linear(12, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(w[:12], dtype=torch.float32)[None])
            self.linear.bias.fill_(float(w[12]))

    def forward(self, x):
        return self.linear(x[:, :, 0])


class SeasonalNaiveModel(nn.Module):
    def forward(self, x):
        return x[:, :1, 0]          # the window's first value: the same month last year


def test_forecaster_returns_its_scores_when_it_beats_the_baseline():
    scores = checks.check_forecaster(LinearForecaster(), SST, 120, 120, 12, max_mae=0.55)
    assert set(scores) == {"MAE", "seasonal-naive MAE", "ratio"}
    assert scores["seasonal-naive MAE"] == pytest.approx(0.9131, abs=1e-4)
    assert scores["MAE"] < 0.55 and scores["ratio"] == pytest.approx(scores["MAE"] / 0.91308, rel=1e-3)


def test_forecaster_failures_say_why():
    with raises("the forecaster's test MAE, 0.9131, is not below seasonal-naive's, 0.9131"):
        checks.check_forecaster(SeasonalNaiveModel(), SST, 120, 120, 12, max_mae=0.55)
    with raises("above the threshold 0.1 °C"):
        checks.check_forecaster(LinearForecaster(), SST, 120, 120, 12, max_mae=0.1, hint="Train longer.")
    with raises("Train longer."):
        checks.check_forecaster(LinearForecaster(), SST, 120, 120, 12, max_mae=0.1, hint="Train longer.")

    class PerStep(nn.Module):
        def forward(self, x):
            return x

    with raises("should give one forecast per window, shape (120, 1) for 120 windows, got (120, 12, 1)"):
        checks.check_forecaster(PerStep(), SST, 120, 120, 12, max_mae=0.55)


def test_a_failing_forecaster_points_to_the_mistake_its_pipeline_tests_named():
    """Downstream: a forecast that loses to seasonal-naive after the split test named a
    shuffle says so first; once the split passes, it no longer does (the control)."""
    with raises("shuffled before splitting"):
        checks.check_split_periods(split_shuffled)
    with raises("The split_series test named a mistake (shuffled before splitting: "):
        checks.check_forecaster(SeasonalNaiveModel(), SST, 120, 120, 12, max_mae=0.55)
    checks.check_split_periods(split_right)
    with pytest.raises(AssertionError) as caught:
        checks.check_forecaster(SeasonalNaiveModel(), SST, 120, 120, 12, max_mae=0.55)
    assert "split_series" not in str(caught.value), caught.value


@pytest.mark.parametrize("kwargs, pattern", [
    ({"n_val": 0}, r"^n_val must be a positive int"),
    ({"window": 2.5}, r"^window must be a positive int"),
    ({"n_test": 700}, r"too few for a training period"),
])
def test_forecaster_bad_arguments(kwargs, pattern):
    arguments = {"n_val": 120, "n_test": 120, "window": 12, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        checks.check_forecaster(LinearForecaster(), SST, max_mae=0.55, **arguments)


def test_messages_fit_the_failure_format():
    """Every message of these checks fits the course's failure format (15 lines of 100)."""
    from helpers.checks.core import MAX_LINES, failure_lines

    messages = []
    for fn, args in ((checks.check_split_periods, (split_shuffled,)),
                     (checks.check_scaled_periods, (scale_whole, *PARTS)),
                     (checks.check_scaled_periods, (scale_each, *PARTS)),
                     (checks.check_recursive_forecast, (repeated, RECURSIVE_PROBE, X_WINDOWS)),
                     (checks.check_in_degrees, (lambda m, X, mean, std: raw_outputs(m, X), PROBE, X_PROBE,
                                                1.0, 2.0))):
        with pytest.raises(AssertionError) as caught:
            fn(*args)
        messages.append(str(caught.value))
    for message in messages:
        assert len(failure_lines(message, "Failed at line 1 of the cell: checks.x(...)")) < MAX_LINES
