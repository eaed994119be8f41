"""Tests for helpers.data.load_elnino: the real series of chapter 07, read offline
from the copy inside statsmodels."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import elnino

from helpers.data import ELNINO_MONTHS, ELNINO_NAME, load_elnino


def test_a_monthly_series_of_732_values_in_time_order():
    series = load_elnino()
    assert isinstance(series, pd.Series) and series.dtype == np.float64
    assert len(series) == 732 and series.name == ELNINO_NAME
    assert isinstance(series.index, pd.DatetimeIndex) and series.index.freqstr == "MS"
    assert series.index[0] == pd.Timestamp("1950-01-01")
    assert series.index[-1] == pd.Timestamp("2010-12-01")
    assert series.index.is_monotonic_increasing and series.index.is_unique


def test_values_are_statsmodels_rows_read_month_by_month():
    series = load_elnino()
    frame = elnino.load_pandas().data
    np.testing.assert_array_equal(series.to_numpy(), frame[list(ELNINO_MONTHS)].to_numpy().ravel())
    np.testing.assert_allclose(series.iloc[:3], [23.11, 24.20, 25.37])
    assert series["1997-12-01"] == frame.loc[frame.YEAR == 1997, "DEC"].item()
    assert series.iloc[-1] == pytest.approx(22.07)


def test_plausible_sea_temperatures_with_an_annual_cycle():
    series = load_elnino()
    assert not series.isna().any()
    assert 18.0 < series.min() < series.max() < 30.0
    by_month = series.groupby(series.index.month).mean()
    assert by_month.idxmax() == 3 and by_month.idxmin() == 9     # warm in March, cold in September


def test_reads_the_local_copy_never_get_rdataset(monkeypatch):
    import statsmodels.datasets as datasets

    def refuse(*args, **kwargs):
        raise AssertionError("get_rdataset downloads: load_elnino must never call it")

    monkeypatch.setattr(datasets, "get_rdataset", refuse)
    assert len(load_elnino()) == 732        # the offline guard (conftest) refuses any connection too


def test_two_loads_are_equal_and_independent():
    a, b = load_elnino(), load_elnino()
    pd.testing.assert_series_equal(a, b)
    a.iloc[0] = 0.0
    assert b.iloc[0] == pytest.approx(23.11)


def _fake_data(monkeypatch, frame):
    class Fake:
        data = frame

    monkeypatch.setattr(elnino, "load_pandas", lambda: Fake())


def test_a_changed_data_file_is_refused_clearly(monkeypatch):
    frame = elnino.load_pandas().data.copy()
    _fake_data(monkeypatch, frame.drop(columns=["MAR"]))
    with pytest.raises(ValueError, match=r"lacks the columns \['MAR'\]"):
        load_elnino()
    _fake_data(monkeypatch, frame.iloc[[0, 2, 3]])
    with pytest.raises(ValueError, match="one row per year, in order"):
        load_elnino()
    broken = frame.copy()
    broken.loc[3, "JUL"] = np.nan
    _fake_data(monkeypatch, broken)
    with pytest.raises(ValueError, match="missing values"):
        load_elnino()
