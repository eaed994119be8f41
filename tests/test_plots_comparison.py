"""Tests for helpers.plots.model_comparison: one bar panel per measure, bad input named."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers import plots  # noqa: E402

RESULTS = {"SimpleRNN": {"parameters": 785, "training time (s)": 1.5, "accuracy": 0.51},
           "LSTM": {"parameters": 1985, "training time (s)": 2.5, "accuracy": 1.0},
           "GRU": {"parameters": 1633, "training time (s)": 2.4, "accuracy": 0.99}}


def test_one_panel_per_measure_one_bar_per_model():
    fig = plots.model_comparison(RESULTS)
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["parameters", "training time (s)", "accuracy"]
    for ax, measure in zip(axes, ["parameters", "training time (s)", "accuracy"]):
        heights = [bar.get_height() for bar in ax.patches]
        np.testing.assert_allclose(heights, [RESULTS[m][measure] for m in RESULTS])
        assert [t.get_text() for t in ax.get_xticklabels()] == list(RESULTS)
    labels = [t.get_text() for t in axes[0].texts]
    assert labels == ["785", "1,985", "1,633"]


def test_measures_in_another_order_and_numpy_values():
    results = {"a": {"x": np.float32(1.0), "y": 2}, "b": {"y": 3, "x": 0.5}}
    fig = plots.model_comparison(results)
    assert [bar.get_height() for bar in fig.axes[0].patches] == [1.0, 0.5]


@pytest.mark.parametrize("results, error, fragment", [
    ([1, 2], TypeError, "results must be a dict"),
    ({}, ValueError, "results is empty"),
    ({"a": 3}, TypeError, r"results\['a'\] must be a non-empty dict"),
    ({"a": {}}, TypeError, r"results\['a'\] must be a non-empty dict"),
    ({"a": {"x": 1}, "b": {"y": 2}}, ValueError, "give every model the same"),
    ({"a": {"x": "big"}}, TypeError, "must be an array of numbers"),
    ({1: {"x": 1}}, TypeError, "results keys must be a str"),
])
def test_bad_results_are_named(results, error, fragment):
    with pytest.raises(error, match=fragment):
        plots.model_comparison(results)
