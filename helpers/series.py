"""Time series tools saved from the chapters, for the chapters after them.

``make_windows`` is chapter 01's windowing exercise (``X[i] = series[i:i + window]``,
the target ``horizon`` steps after the window's last value), extended with
``steps`` consecutive targets for direct multi-step forecasting (chapter 07).
The target is always strictly after its window: it never leaks into the input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from helpers.validation import positive_int


def _series(values, name: str) -> np.ndarray:
    """``values`` as a 1-D NumPy array of numbers, or an error naming ``name``."""
    if values is None or isinstance(values, (str, bytes, Mapping)):
        raise TypeError(f"{name} must be a 1-D array of numbers, got {type(values).__name__}")
    if hasattr(values, "to_numpy"):                # a pandas Series: its values, in order
        values = values.to_numpy()
    elif hasattr(values, "detach"):                # a torch tensor
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values)
    except ValueError:                              # a ragged list
        raise TypeError(f"{name} must be a 1-D array of numbers, got a ragged "
                        f"{type(values).__name__}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got {type(values).__name__} of {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per step), got shape {array.shape}")
    return array


def make_windows(series, window: int, horizon: int = 1, steps: int = 1):
    """Cut a 1-D ``series`` into input windows and the targets after them.

    ``X[i] = series[i:i + window]``, shape ``(n, window)``. With ``steps=1``
    the target is ``y[i] = series[i + window + horizon - 1]``, shape ``(n,)``;
    with ``steps > 1``, ``y[i]`` holds the ``steps`` consecutive values from
    there on, shape ``(n, steps)`` (one column per horizon, for a direct
    multi-step forecaster). ``n = len(series) - window - horizon - steps + 2``:
    the last target is the last value of the series. A pandas Series gives its
    values; the dtype is kept.
    """
    values = _series(series, "series")
    window = positive_int(window, "window")
    horizon = positive_int(horizon, "horizon")
    steps = positive_int(steps, "steps")
    n = len(values) - window - horizon - steps + 2
    if n < 1:
        raise ValueError(
            f"series has {len(values)} values, too few for one window: window={window}, "
            f"horizon={horizon} and steps={steps} need at least "
            f"{window + horizon + steps - 1}")
    first = window + horizon - 1                      # index of the first target
    X = np.stack([values[i:i + window] for i in range(n)])
    if steps == 1:
        return X, values[first:first + n].copy()
    y = np.stack([values[first + i:first + i + steps] for i in range(n)])
    return X, y
