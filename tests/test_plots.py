"""Tests for helpers.plots: every figure renders headless and bad input is named."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers import plots  # noqa: E402

HISTORY = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.5, 0.8, 0.9],
           "val_loss": [1.0, 0.6, 0.5], "val_accuracy": [0.4, 0.7, 0.8]}


class FakeKerasHistory:
    """What keras.callbacks.History offers the plots: a ``history`` dict."""

    def __init__(self, history):
        self.history = history


def render(fig) -> Figure:
    """Draw ``fig`` to PNG, as a notebook would, and return it."""
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png")
    return fig


def labels_of(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a plot function left a figure open in pyplot"


# --------------------------------------------------------------------------
# training_curves
# --------------------------------------------------------------------------

def test_training_curves_one_panel_with_train_and_validation_lines():
    fig = render(plots.training_curves(HISTORY))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2 and labels_of(ax) == ["training", "validation"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss" and ax.get_title()
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), HISTORY["val_loss"])


def test_training_curves_one_panel_per_metric_from_a_keras_history():
    fig = render(plots.training_curves(FakeKerasHistory(HISTORY), metrics=("loss", "accuracy")))
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)


def test_training_curves_from_a_real_keras_history():
    keras = pytest.importorskip("keras")
    history = keras.callbacks.History()
    history.history = {"loss": [1.0, 0.5]}
    (ax,) = render(plots.training_curves(history)).axes
    assert len(ax.get_lines()) == 1


def test_training_curves_without_validation_and_with_a_single_metric_name():
    fig = render(plots.training_curves({"loss": np.array([1.0, 0.5]),
                                        "accuracy": torch.tensor([0.5, 0.9])}, "accuracy"))
    (ax,) = fig.axes
    assert labels_of(ax) == ["training"] and ax.get_ylabel() == "accuracy"


@pytest.mark.parametrize("history, metrics, error, pattern", [
    ([0.1, 0.2], ("loss",), TypeError, r"^history must be a Keras History or a dict"),
    (None, ("loss",), TypeError, r"^history must be"),
    (HISTORY, ("auc",), ValueError, r"^metrics: 'auc' is not in history"),
    ({}, ("loss",), ValueError, r"^metrics: 'loss' is not in history; it holds nothing"),
    (HISTORY, (), ValueError, r"^metrics is empty"),
    (HISTORY, 3, TypeError, r"^metrics must be a list of str"),
    (HISTORY, ("loss", 1), TypeError, r"^metrics must contain only str"),
    ({"loss": []}, ("loss",), ValueError, r"^history\['loss'\] is empty"),
    ({"loss": ["a", "b"]}, ("loss",), TypeError,
     r"^history\['loss'\] must be an array of numbers"),
    ({"loss": [[1, 2], [3, 4]]}, ("loss",), ValueError, r"^history\['loss'\] must be 1-D"),
    ({"loss": [1, 2, 3], "val_loss": [1, 2]}, ("loss",), ValueError,
     r"^history\['val_loss'\] has 2 values but history\['loss'\] has 3"),
])
def test_training_curves_rejects_bad_input(history, metrics, error, pattern):
    with pytest.raises(error, match=pattern):
        plots.training_curves(history, metrics)


# --------------------------------------------------------------------------
# hidden_state_heatmap
# --------------------------------------------------------------------------

TOKENS = ["the", "movie", "was", "not", "good"]


def test_hidden_state_heatmap_tokens_on_x_units_on_y_centred_on_zero():
    states = np.tanh(np.random.default_rng(0).normal(size=(5, 8)))
    fig = render(plots.hidden_state_heatmap(states, TOKENS, title="Review 1"))
    ax, colorbar = fig.axes
    (image,) = ax.get_images()
    assert image.get_array().shape == (8, 5)  # units x time
    assert [t.get_text() for t in ax.get_xticklabels()] == TOKENS
    assert ax.get_xlabel() == "token" and ax.get_ylabel() == "hidden unit"
    assert ax.get_title() == "Review 1" and colorbar.get_ylabel() == "activation"
    assert image.get_clim() == (-1.0, 1.0)
    assert image.get_cmap().name == plots.DIVERGING_CMAP


def test_hidden_state_heatmap_accepts_tensors_and_widens_the_scale_symmetrically():
    states = torch.zeros(3, 2)
    states[1, 0] = -2.5  # an LSTM cell state can leave the tanh range
    fig = render(plots.hidden_state_heatmap(states.requires_grad_(), ["a", "b", "c"]))
    assert fig.axes[0].get_images()[0].get_clim() == (-2.5, 2.5)
    assert fig.axes[0].get_title() == "Hidden state at each token"


@pytest.mark.parametrize("states, tokens, title, error, pattern", [
    (np.zeros(5), TOKENS, "t", ValueError, r"^states must be 2-D \(time, hidden units\)"),
    (np.zeros((1, 5, 8)), TOKENS, "t", ValueError, r"^states must be 2-D.*pick one sequence"),
    (np.zeros((0, 8)), [], "t", ValueError, r"^states is empty"),
    ("states", TOKENS, "t", TypeError, r"^states must be an array of numbers"),
    (np.zeros((5, 8)), TOKENS[:4], "t", ValueError,
     r"^tokens has 4 entries but states has 5 time steps"),
    (np.zeros((5, 8)), "the movie was not good", "t", TypeError, r"^tokens must be a list of str"),
    (np.zeros((5, 8)), [1, 2, 3, 4, 5], "t", TypeError, r"^tokens must contain only str"),
    (np.zeros((5, 8)), TOKENS, 3, TypeError, r"^title must be a str"),
])
def test_hidden_state_heatmap_rejects_bad_input(states, tokens, title, error, pattern):
    with pytest.raises(error, match=pattern):
        plots.hidden_state_heatmap(states, tokens, title=title)


# --------------------------------------------------------------------------
# gradient_norms
# --------------------------------------------------------------------------

DISTANCES = [1, 2, 4, 8, 16]


def test_gradient_norms_one_series_on_a_log_scale():
    fig = render(plots.gradient_norms(DISTANCES, 0.5 ** np.arange(5)))
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 1
    assert ax.get_legend() is None
    assert "distance" in ax.get_xlabel() and "gradient norm" in ax.get_ylabel()
    assert ax.get_title() == "Gradient norm vs distance"


def test_gradient_norms_compares_several_layers_from_a_dict():
    norms = {"SimpleRNN": 0.3 ** np.arange(5), "LSTM": 0.9 ** np.arange(5),
             "GRU": torch.tensor(0.8 ** np.arange(5))}
    (ax,) = render(plots.gradient_norms(DISTANCES, norms)).axes
    assert len(ax.get_lines()) == 3 and labels_of(ax) == ["SimpleRNN", "LSTM", "GRU"]


@pytest.mark.parametrize("norms, labels, expected", [
    (np.ones((2, 5)), ["a", "b"], ["a", "b"]),
    (np.ones(5), "LSTM", ["LSTM"]),
    (np.ones(5), ["LSTM"], ["LSTM"]),
])
def test_gradient_norms_rows_and_single_series_take_labels(norms, labels, expected):
    (ax,) = render(plots.gradient_norms(DISTANCES, norms, labels=labels)).axes
    assert labels_of(ax) == expected


@pytest.mark.parametrize("distances, norms, labels, error, pattern", [
    (DISTANCES, np.ones(4), None, ValueError, r"^norms has 4 values but distances has 5"),
    (DISTANCES, {"LSTM": np.ones(3)}, None, ValueError,
     r"^norms\['LSTM'\] has 3 values but distances has 5"),
    (DISTANCES, np.ones((2, 4)), None, ValueError, r"^norms\[0\] has 4 values"),
    (DISTANCES, -np.ones(5), None, ValueError, r"^norms must be >= 0"),
    (DISTANCES, {}, None, ValueError, r"^norms is empty"),
    (DISTANCES, [], None, ValueError, r"^norms is empty"),
    (DISTANCES, {"a": np.ones(5)}, ["a"], ValueError,
     r"^labels must be None when norms is a dict"),
    (DISTANCES, {1: np.ones(5)}, None, TypeError, r"^norms keys must be a str"),
    (DISTANCES, np.ones((2, 2, 5)), None, ValueError, r"^norms must be 1-D .* 2-D"),
    (DISTANCES, np.ones((2, 5)), ["a"], ValueError, r"^labels has 1 names but norms has 2"),
    (DISTANCES, np.ones(5), ["a", "b"], ValueError, r"^labels has 2 names but norms has 1"),
    (DISTANCES, np.ones(5), 3, TypeError, r"^labels must be a list of str"),
    (DISTANCES, None, None, TypeError, r"^norms must be an array of numbers"),
    ([], np.ones(5), None, ValueError, r"^distances is empty"),
    (np.ones((5, 2)), np.ones(5), None, ValueError, r"^distances must be 1-D"),
    ("12345", np.ones(5), None, TypeError, r"^distances must be an array of numbers"),
])
def test_gradient_norms_rejects_bad_input(distances, norms, labels, error, pattern):
    with pytest.raises(error, match=pattern):
        plots.gradient_norms(distances, norms, labels=labels)


# --------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------

def test_forecast_with_a_dashed_baseline_starting_at_start():
    actual = np.sin(np.arange(10.0))
    fig = render(plots.forecast(actual, actual + 0.1, baseline=np.roll(actual, 1), start=90,
                                title="Next month"))
    (ax,) = fig.axes
    actual_line, predicted_line, baseline_line = ax.get_lines()
    assert labels_of(ax) == ["actual", "predicted", "baseline"]
    assert baseline_line.get_linestyle() == "--" and predicted_line.get_linestyle() == "-"
    np.testing.assert_array_equal(actual_line.get_xdata(), np.arange(90, 100))
    assert ax.get_xlabel() == "time step" and ax.get_ylabel() == "value"
    assert ax.get_title() == "Next month"


def test_forecast_without_baseline_accepts_column_vectors_and_tensors():
    predicted = torch.arange(6.0).reshape(6, 1)  # what a model with one output returns
    (ax,) = render(plots.forecast(np.arange(6.0), predicted)).axes
    assert labels_of(ax) == ["actual", "predicted"] and ax.get_title() == "Forecast vs actual"
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), np.arange(6.0))


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"predicted": np.ones(4)}, ValueError, r"^predicted has 4 values but actual has 5"),
    ({"baseline": np.ones(6)}, ValueError, r"^baseline has 6 values but actual has 5"),
    ({"actual": np.ones((5, 2))}, ValueError, r"^actual must be 1-D"),
    ({"actual": np.ones(0), "predicted": np.ones(0)}, ValueError, r"^actual is empty"),
    ({"predicted": None}, TypeError, r"^predicted must be an array of numbers"),
    ({"predicted": [1, 2, "x", 4, 5]}, TypeError, r"^predicted must be an array of numbers"),
    ({"predicted": [[1, 2], [3]]}, TypeError, r"^predicted must be an array of numbers"),
    ({"start": -1}, ValueError, r"^start must be >= 0"),
    ({"start": 1.5}, TypeError, r"^start must be an integer"),
    ({"title": None}, TypeError, r"^title must be a str"),
])
def test_forecast_rejects_bad_input(kwargs, error, pattern):
    arguments = {"actual": np.ones(5), "predicted": np.ones(5), **kwargs}
    with pytest.raises(error, match=pattern):
        plots.forecast(**arguments)


def test_plots_never_call_show(monkeypatch):
    def fail():
        raise AssertionError("plt.show() called")

    monkeypatch.setattr(plt, "show", lambda *a, **k: fail())
    plots.training_curves(HISTORY)
    plots.hidden_state_heatmap(np.zeros((2, 2)), ["a", "b"])
    plots.gradient_norms([1, 2], [1.0, 0.5])
    plots.forecast([1.0, 2.0], [1.0, 2.0])
