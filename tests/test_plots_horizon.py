"""Tests for helpers.plots.errors_by_horizon (chapter 07's error per horizon)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers import plots  # noqa: E402

ERRORS = {"naive": [1.0, 1.8, 2.5], "seasonal-naive": [0.9, 0.9, 0.9], "GRU": np.array([0.4, 0.6, 0.7])}


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a plot function left a figure open in pyplot"


def test_one_line_per_forecaster_over_horizons_from_one():
    fig = plots.errors_by_horizon(ERRORS, unit="°C", title="MAE per horizon")
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(ERRORS)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), ERRORS["GRU"])
    assert ax.get_ylabel() == "error (°C)" and ax.get_xlabel() == "horizon (steps ahead)"
    assert ax.get_title() == "MAE per horizon" and ax.get_ylim()[0] == 0
    assert [int(t) for t in ax.get_xticks()] == [1, 2, 3]


def test_no_unit_and_tensors():
    (ax,) = plots.errors_by_horizon({"model": torch.tensor([0.5, 0.25])}).axes
    assert ax.get_ylabel() == "error" and ax.get_title() == "Error per horizon"


@pytest.mark.parametrize("errors, kwargs, error, pattern", [
    ([0.1, 0.2], {}, TypeError, r"^errors must be a dict name -> one error per horizon"),
    ({}, {}, ValueError, r"^errors is empty"),
    ({"a": [0.1, 0.2], "b": [0.1]}, {}, ValueError, r"^errors\['b'\] has 1 values but errors\['a'\] has 2"),
    ({"a": [0.1, -0.2]}, {}, ValueError, r"^errors\['a'\] must be >= 0"),
    ({"a": [[0.1, 0.2], [0.3, 0.4]]}, {}, ValueError, r"^errors\['a'\] must be 1-D"),
    ({"a": "high"}, {}, TypeError, r"^errors\['a'\] must be an array of numbers"),
    ({1: [0.1]}, {}, TypeError, r"^errors keys must be a str"),
    ({"a": [0.1]}, {"unit": 3}, TypeError, r"^unit must be a str"),
    ({"a": [0.1]}, {"title": None}, TypeError, r"^title must be a str"),
])
def test_bad_input_names_the_argument(errors, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        plots.errors_by_horizon(errors, **kwargs)
