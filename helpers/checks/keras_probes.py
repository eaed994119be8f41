"""Keras probes: what a student's training function did, and a layer that records what it reads.

``record_fit(compile_and_fit, model, ...)`` calls the student's function with a
model whose ``fit`` is watched, and returns how ``fit`` was called (epochs,
batch size, verbosity, validation data, each callback's settings), the model
as it was left (compiled) and the history it returned. When the judge grades,
``checks.in_kernel(keras_probes.record_fit, ...)`` runs it in the student's
kernel and only this report comes back: the checks are made on it by the judge.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np

@keras.saving.register_keras_serializable(package="rnn_course")
class ChunkRecorder(keras.layers.Layer):
    """Passes its input through; appends the length of each piece it reads to ``record``
    (a list, or None to record nothing)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.use(None)

    def use(self, record: list | None) -> None:
        """Append to ``record`` from now on (the list itself: Keras does not wrap it)."""
        object.__setattr__(self, "record", record)

    def call(self, ids):
        if self.record is not None and ids.shape[1] is not None:
            self.record.append(int(ids.shape[1]))
        return ids


PROBE_LAYERS = (ChunkRecorder,)

CALLBACK_SETTINGS = ("monitor", "patience", "restore_best_weights", "min_delta", "mode",
                     "baseline", "start_from_epoch")


def describe_callback(callback) -> dict:
    """A callback's class name and its early-stopping settings, as plain values."""
    described = {"class": type(callback).__name__}
    for name in CALLBACK_SETTINGS:
        value = getattr(callback, name, None)
        if value is None or isinstance(value, (bool, int, float, str)):
            described[name] = value
    return described


def _as_data(value):
    if isinstance(value, (tuple, list)):
        return tuple(np.asarray(keras.ops.convert_to_numpy(v)) for v in value)
    return None if value is None else type(value).__name__


def describe_fit_call(arguments: dict) -> dict:
    """The settings of one ``fit`` call (its bound arguments, defaults applied)."""
    x = arguments.get("x")
    return {"epochs": arguments.get("epochs"), "batch_size": arguments.get("batch_size"),
            "verbose": arguments.get("verbose"), "x_shape": tuple(np.shape(x)) if x is not None else None,
            "validation_data": _as_data(arguments.get("validation_data")),
            "validation_split": arguments.get("validation_split"),
            "callbacks": [describe_callback(c) for c in (arguments.get("callbacks") or [])]}


def record_fit(train, model, *args, **kwargs) -> dict:
    """Call ``train(model, *args, **kwargs)`` and report what it did with ``model.fit``."""
    calls = []
    fit = model.fit
    signature = inspect.signature(keras.Model.fit)

    def watched_fit(*fit_args, **fit_kwargs):
        bound = signature.bind(model, *fit_args, **fit_kwargs)
        bound.apply_defaults()
        calls.append(describe_fit_call(dict(bound.arguments)))
        return fit(*fit_args, **fit_kwargs)

    model.fit = watched_fit
    try:
        returned = train(model, *args, **kwargs)
    finally:
        del model.fit
    history = getattr(returned, "history", None)
    return {"calls": calls, "model": model, "returned": type(returned).__name__,
            "history": {k: [float(v) for v in vs] for k, vs in history.items()}
            if isinstance(history, dict) else None}
