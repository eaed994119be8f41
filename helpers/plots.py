"""The course's figures: training curves, hidden states, gradient norms, model
comparisons, forecasts.

Every function returns a matplotlib ``Figure`` and never calls ``plt.show()``.
The figure is closed in pyplot before it is returned, so a notebook shows it
once, as the cell's value (or with ``display(fig)``), and scripts and tests
do not pile up open figures.

Arrays may be NumPy arrays, lists or PyTorch tensors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers.checks import to_numpy
from helpers.validation import positive_int

DIVERGING_CMAP = "RdBu_r"  # red positive, blue negative, white at 0


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------

def _numbers(values, name: str) -> np.ndarray:
    """``values`` as a float array, or a TypeError naming ``name``."""
    if values is None or isinstance(values, (str, bytes, Mapping)):
        raise TypeError(f"{name} must be an array of numbers, got {type(values).__name__}")
    try:
        array = to_numpy(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got {type(values).__name__} "
                        f"of {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    return array.astype("float64")


def _series(values, name: str) -> np.ndarray:
    """A non-empty 1-D float array; a trailing axis of size 1, as in (n, 1), is dropped."""
    array = _numbers(values, name)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per step), got shape {array.shape}")
    return array


def _same_length(array: np.ndarray, name: str, reference: np.ndarray, reference_name: str):
    if len(array) != len(reference):
        raise ValueError(f"{name} has {len(array)} values but {reference_name} has "
                         f"{len(reference)}: they must have the same length")


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _texts(values, name: str) -> list[str]:
    """A non-empty list of strings (not one string)."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of str, got {type(values).__name__}")
    for position, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(f"{name} must contain only str, got {type(value).__name__} "
                            f"at position {position}")
    if not values:
        raise ValueError(f"{name} is empty")
    return list(values)


def _figure(n_panels: int = 1, width: float = 6.0, height: float = 4.0):
    """A figure with ``n_panels`` side by side, already closed in pyplot."""
    fig, axes = plt.subplots(1, n_panels, figsize=(width * n_panels, height), squeeze=False)
    plt.close(fig)
    return fig, list(axes[0])


# --------------------------------------------------------------------------
# training curves
# --------------------------------------------------------------------------

def _history_dict(history) -> Mapping:
    """The per-epoch dict of a Keras ``History`` or of ``helpers.training.fit``."""
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError("history must be a Keras History or a dict of per-epoch lists "
                        f"(the one fit returns), got {type(history).__name__}")
    return values


def _curves(values: Mapping, metric: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The training values of ``metric`` and its validation values (or None)."""
    if metric not in values:
        raise ValueError(f"metrics: {metric!r} is not in history; it holds "
                         f"{', '.join(map(repr, values)) or 'nothing'}")
    train = _series(values[metric], f"history[{metric!r}]")
    val_key = f"val_{metric}"
    if val_key not in values:
        return train, None
    val = _series(values[val_key], f"history[{val_key!r}]")
    _same_length(val, f"history[{val_key!r}]", train, f"history[{metric!r}]")
    return train, val


def training_curves(history, metrics=("loss",)):
    """One panel per metric: its training and (if recorded) validation values per epoch.

    ``history`` is a Keras ``History`` or the dict ``helpers.training.fit``
    returns; ``metrics`` names keys such as "loss" or "accuracy" (a single
    str is accepted); the validation line is drawn from "val_<metric>".
    """
    values = _history_dict(history)
    metrics = [metrics] if isinstance(metrics, str) else _texts(metrics, "metrics")
    curves = {metric: _curves(values, metric) for metric in metrics}
    fig, axes = _figure(len(curves), width=5.0, height=3.5)
    for ax, (metric, (train, val)) in zip(axes, curves.items()):
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, marker="o", label="training")
        if val is not None:
            ax.plot(epochs, val, marker="o", label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=f"{metric} per epoch")
        ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# hidden states
# --------------------------------------------------------------------------

def hidden_state_heatmap(states, tokens, title: str = "Hidden state at each token"):
    """Heatmap of ``states`` (time, hidden units): tokens along x, units along y.

    The diverging colour scale is centred on 0 and spans at least [-1, 1], the
    range of tanh, so figures of different sequences compare directly.
    """
    states = _numbers(states, "states")
    if states.ndim != 2:
        hint = ": pick one sequence, e.g. states[0]" if states.ndim == 3 else ""
        raise ValueError(f"states must be 2-D (time, hidden units), got shape "
                         f"{states.shape}{hint}")
    tokens = _texts(tokens, "tokens")
    if len(tokens) != len(states):
        raise ValueError(f"tokens has {len(tokens)} entries but states has {len(states)} "
                         "time steps: give one token per step")
    title = _text(title, "title")
    limit = max(1.0, float(np.nanmax(np.abs(states))))
    fig, (ax,) = _figure(width=max(6.0, 0.35 * len(tokens)), height=4.0)
    image = ax.imshow(states.T, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit,
                      aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(len(tokens)), tokens, rotation=90)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # units are whole numbers
    ax.set(xlabel="token", ylabel="hidden unit", title=title)
    fig.colorbar(image, ax=ax, label="activation")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# gradient norms
# --------------------------------------------------------------------------

def _named_norms(norms, labels) -> dict[str, tuple[str | None, np.ndarray]]:
    """The accepted forms of ``norms`` as {argument name: (legend label, 1-D norms)}."""
    if isinstance(norms, Mapping):
        if labels is not None:
            raise ValueError("labels must be None when norms is a dict: its keys are the labels")
        if not norms:
            raise ValueError("norms is empty")
        return {f"norms[{label!r}]": (_text(label, "norms keys"),
                                      _series(values, f"norms[{label!r}]"))
                for label, values in norms.items()}
    rows = _numbers(norms, "norms")
    if rows.ndim == 1:
        rows, labels = rows[None, :], [labels] if isinstance(labels, str) else labels
    if rows.ndim != 2:
        raise ValueError("norms must be 1-D (one series), 2-D (one row per series) or a "
                         f"dict label -> norms, got shape {rows.shape}")
    labels = [None] * len(rows) if labels is None else _texts(labels, "labels")
    if len(labels) != len(rows):
        raise ValueError(f"labels has {len(labels)} names but norms has {len(rows)} series")
    names = ["norms"] if len(rows) == 1 else [f"norms[{i}]" for i in range(len(rows))]
    return {name: (label, row) for name, label, row in zip(names, labels, rows)}


def gradient_norms(distances, norms, labels=None):
    """Gradient norm with respect to early inputs against their distance, log-scale y.

    ``norms`` is one series (1-D), several rows (2-D, named by ``labels``) or a
    dict such as ``{"SimpleRNN": [...], "LSTM": [...], "GRU": [...]}``; every
    series has one norm per distance.
    """
    distances = _series(distances, "distances")
    series = _named_norms(norms, labels)
    for name, (_, values) in series.items():
        _same_length(values, name, distances, "distances")
        if np.any(values < 0):
            raise ValueError(f"{name} must be >= 0 (they are norms), got {values.min()}")
    fig, (ax,) = _figure()
    for label, values in series.values():
        ax.plot(distances, values, marker="o", label=label)
    ax.set_yscale("log")
    ax.set(xlabel="distance (time steps between input and output)",
           ylabel="gradient norm (log scale)", title="Gradient norm vs distance")
    if any(label is not None for label, _ in series.values()):
        ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# comparing models
# --------------------------------------------------------------------------

def model_comparison(results):
    """One bar panel per measure, one bar per model, each bar labelled with its value.

    ``results`` maps each model's name to its measures, every model with the
    same ones: ``{"SimpleRNN": {"parameters": 1201, "test accuracy": 0.51}, ...}``.
    """
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a dict model name -> dict of measures, "
                        f"got {type(results).__name__}")
    if not results:
        raise ValueError("results is empty")
    names = [_text(name, "results keys") for name in results]
    measures = None
    for name, row in results.items():
        if not isinstance(row, Mapping) or not row:
            raise TypeError(f"results[{name!r}] must be a non-empty dict measure -> number, "
                            f"got {type(row).__name__}")
        keys = [_text(key, f"results[{name!r}] keys") for key in row]
        if measures is None:
            measures = keys
        elif set(keys) != set(measures):
            raise ValueError(f"results[{name!r}] has the measures {keys}, but "
                             f"results[{names[0]!r}] has {measures}: give every model the same")
    values = {measure: _series([results[name][measure] for name in names],
                               f"results[...][{measure!r}]") for measure in measures}
    fig, axes = _figure(len(measures), width=3.6, height=3.2)
    for ax, (measure, row) in zip(axes, values.items()):
        bars = ax.bar(names, row, color=[f"C{i}" for i in range(len(names))])
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:.3g}" for v in row],
                     padding=2)
        ax.set(title=measure, ylim=(0, 1.15 * max(float(row.max()), 1e-12)))
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# forecasts
# --------------------------------------------------------------------------

def forecast(actual, predicted, baseline=None, start: int = 0,
             title: str = "Forecast vs actual"):
    """Plot ``predicted`` against ``actual``, with an optional dashed ``baseline``
    (e.g. the seasonal naive forecast); x counts time steps from ``start``."""
    actual = _series(actual, "actual")
    lines = {"actual": actual, "predicted": _series(predicted, "predicted")}
    if baseline is not None:
        lines["baseline"] = _series(baseline, "baseline")
    for name, values in lines.items():
        _same_length(values, name, actual, "actual")
    start = positive_int(start, "start", minimum=0)
    title = _text(title, "title")
    steps = np.arange(start, start + len(actual))
    fig, (ax,) = _figure(width=8.0)
    styles = {"actual": {"color": "black"}, "predicted": {},
              "baseline": {"linestyle": "--", "color": "gray"}}
    for name, values in lines.items():
        ax.plot(steps, values, label=name, **styles[name])
    ax.set(xlabel="time step", ylabel="value", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# multi-step forecasts: error per horizon
# --------------------------------------------------------------------------

def errors_by_horizon(errors, unit: str = "", title: str = "Error per horizon"):
    """One line per forecaster: its error (e.g. the MAE) at each horizon 1, 2, ...

    ``errors`` is a dict such as ``{"naive": [...], "seasonal-naive": [...],
    "recursive": [...], "direct": [...]}``, every entry one error per horizon
    (all of the same length, >= 0); ``unit`` labels the y axis, e.g. "°C".
    """
    if not isinstance(errors, Mapping):
        raise TypeError("errors must be a dict name -> one error per horizon, "
                        f"got {type(errors).__name__}")
    if not errors:
        raise ValueError("errors is empty: give at least one forecaster")
    lines = {_text(name, "errors keys"): _series(values, f"errors[{name!r}]")
             for name, values in errors.items()}
    first_name, first = next(iter(lines.items()))
    for name, values in lines.items():
        _same_length(values, f"errors[{name!r}]", first, f"errors[{first_name!r}]")
        if np.any(values < 0):
            raise ValueError(f"errors[{name!r}] must be >= 0 (they are errors), "
                             f"got {values.min()}")
    unit, title = _text(unit, "unit"), _text(title, "title")
    horizons = np.arange(1, len(first) + 1)
    fig, (ax,) = _figure(width=7.0)
    for name, values in lines.items():
        ax.plot(horizons, values, marker="o", label=name)
    ax.set_xticks(horizons)
    ax.set(xlabel="horizon (steps ahead)", ylabel=f"error ({unit})" if unit else "error",
           title=title)
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    return fig
