"""Training checks: the loss matches what the model outputs, the loss stayed
finite, and gradients are clipped (a long SimpleRNN needs it)."""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

from helpers.checks.core import type_name
from helpers.checks.introspect import KERAS, framework_of, output_activation
from helpers.validation import real_number

CLIPPING_FIX = ("Keras: create the optimizer with clipnorm=1.0, e.g. "
                "keras.optimizers.Adam(clipnorm=1.0); PyTorch: call "
                "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) between "
                "loss.backward() and optimizer.step() (helpers.training.fit(..., clip_norm=1.0)).")


# --------------------------------------------------------------------------
# loss and output
# --------------------------------------------------------------------------

_TORCH_LOSSES = {"BCEWithLogitsLoss": ("binary", True), "BCELoss": ("binary", False),
                 "CrossEntropyLoss": ("categorical", True), "NLLLoss": ("nll", None)}
_KERAS_LOSSES = {"binary_crossentropy": "binary", "bce": "binary",
                 "binary_focal_crossentropy": "binary",
                 "categorical_crossentropy": "categorical", "cce": "categorical",
                 "sparse_categorical_crossentropy": "categorical",
                 "categorical_focal_crossentropy": "categorical"}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _loss_kind(loss, framework: str):
    """(family, from_logits, how to call it) for a known classification loss, else None."""
    if framework == KERAS:
        if isinstance(loss, str):
            family = _KERAS_LOSSES.get(loss.lower()) or _KERAS_LOSSES.get(_snake(loss))
            return (family, False, f"loss={loss!r}") if family else None
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        name = getattr(loss, "name", None) or getattr(loss, "__name__", "")
        family = _KERAS_LOSSES.get(name) or _KERAS_LOSSES.get(_snake(type(loss).__name__))
        if family is None:
            return None
        from_logits = bool(config.get("from_logits", False))
        return family, from_logits, f"{type(loss).__name__}(from_logits={from_logits})"
    cls = loss if isinstance(loss, type) else type(loss)
    found = _TORCH_LOSSES.get(cls.__name__)
    return (*found, f"nn.{cls.__name__}") if found else None


_OUTPUT_KINDS = {"sigmoid": "probabilities", "softmax": "probabilities",
                 "log_softmax": "log-probabilities"}


def _output_kind(model, batch) -> tuple[str, str] | None:
    """("probabilities" | "log-probabilities" | "logits", why), or None when unknown."""
    activation = output_activation(model, batch)
    if activation is None:
        return None
    kind = _OUTPUT_KINDS.get(activation, "logits")
    if kind == "logits" and activation != "linear":
        return kind, f"its output comes from {activation}, which is not a probability"
    return kind, f"its output comes from {activation}"


def check_loss_matches_output(model, loss=None, batch=None) -> None:
    """Assert that the loss expects what the model outputs: logits for
    BCEWithLogitsLoss / CrossEntropyLoss / ``from_logits=True``, probabilities
    for BCELoss / ``from_logits=False``, log-probabilities for NLLLoss.

    The output is read from the model's last layer; with a ``batch`` the
    model also runs, which sees a sigmoid applied inside ``forward``. A Keras
    model's compiled loss is used when ``loss`` is None.
    """
    framework = framework_of(model)
    if loss is None and framework == KERAS:
        loss = getattr(model, "loss", None)
    if loss is None:
        raise ValueError("loss is needed: pass the loss (e.g. nn.BCEWithLogitsLoss(), "
                         "'binary_crossentropy'), or compile the Keras model first")
    if not (callable(loss) or isinstance(loss, str)):
        raise TypeError(f"loss must be a loss (a loss object, class or function, or a Keras "
                        f"loss name), got {type_name(loss)}")
    kind = _loss_kind(loss, framework)
    if kind is None:
        return
    family, from_logits, shown = kind
    found = _output_kind(model, batch)
    if found is None:
        return
    output, why = found
    squash = "softmax" if family == "categorical" else "sigmoid"
    if from_logits and output == "probabilities":
        if framework == KERAS:
            fix = (f"remove activation='{squash}' from the last layer (it then outputs logits), "
                   "or use from_logits=False")
        else:
            fix = (f"remove the {squash} at the end of the model (nn.{squash.capitalize()} or "
                   f"torch.{squash}) and keep {shown}")
        raise AssertionError(
            f"{squash} applied twice: {shown} applies the {squash} itself, but the model "
            f"already outputs probabilities ({why}), so they are squashed twice and the "
            f"model learns badly. Either {fix}.")
    if from_logits is False and output == "logits":
        if framework == KERAS:
            loss_class = ("BinaryCrossentropy" if family == "binary"
                          else "SparseCategoricalCrossentropy")
            fix = (f"use keras.losses.{loss_class}(from_logits=True), or give the last Dense "
                   f"activation='{squash}'")
        else:
            fix = ("use nn.BCEWithLogitsLoss (it applies the sigmoid itself, more stably), "
                   "or end the model with nn.Sigmoid")
        raise AssertionError(
            f"{shown} needs probabilities in [0, 1], but the model outputs raw logits "
            f"({why}): {fix}.")
    if family == "nll" and output in ("logits", "probabilities"):
        raise AssertionError(
            f"nn.NLLLoss needs log-probabilities, but the model outputs {output} ({why}): "
            "end it with nn.LogSoftmax(dim=-1), or use nn.CrossEntropyLoss on raw logits.")


# --------------------------------------------------------------------------
# the loss history
# --------------------------------------------------------------------------

def _history_curves(history, key) -> dict[str, np.ndarray]:
    if hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history  # a keras.callbacks.History
    if isinstance(history, dict):
        keys = [key] if key is not None else [k for k in history if str(k).endswith("loss")]
        if not keys or any(k not in history for k in keys):
            wanted = key if key is not None else "loss"
            raise AssertionError(f"the history has no {wanted!r} entry (it has "
                                 f"{sorted(map(str, history))}): pass what fit returned.")
        curves = {k: history[k] for k in keys}
    elif isinstance(history, (list, tuple, np.ndarray)):
        curves = {key or "loss": history}
    else:
        raise TypeError("history must be a keras History, a dict of lists (helpers.training.fit) "
                        f"or a list of losses, got {type_name(history)}")
    result = {}
    for name, values in curves.items():
        try:
            array = np.asarray(values, dtype="float64").ravel()
        except (TypeError, ValueError):
            raise TypeError(f"history[{name!r}] must hold numbers") from None
        if array.size == 0:
            raise AssertionError(f"the history's {name!r} is empty: did training run?")
        result[name] = array
    return result


def check_finite_history(history, key: str | None = None, max_growth: float = 100.0) -> None:
    """Assert that the loss stayed finite and did not explode (grow more than
    ``max_growth`` times its first value) during training.

    ``history``: a Keras History, the dict ``helpers.training.fit`` returns, or
    a list of losses; ``key`` picks one curve (default: every "...loss" entry).
    """
    max_growth = real_number(max_growth, "max_growth", minimum=1)
    for name, values in _history_curves(history, key).items():
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            epoch = int(bad[0])
            raise AssertionError(
                f"the loss exploded to {values[epoch]} at epoch {epoch + 1} of {values.size} "
                f"({name!r}): exploding gradients. Not clipping gradients in a long SimpleRNN "
                f"lets them blow up; clip them. {CLIPPING_FIX}")
        first = values[0]
        grown = np.flatnonzero(values > max_growth * first) if first > 0 else np.array([])
        if grown.size:
            epoch = int(grown[0])
            raise AssertionError(
                f"the loss exploded from {first:.4g} to {values[epoch]:.4g} at epoch "
                f"{epoch + 1} ({name!r}): exploding gradients. Not clipping gradients in a "
                f"long SimpleRNN lets them blow up; clip them. {CLIPPING_FIX}")


# --------------------------------------------------------------------------
# clipping
# --------------------------------------------------------------------------

_CLIP_KEYS = ("clip_norm", "clipnorm", "global_clipnorm", "clipvalue", "max_norm")


def _clip_setting(setting):
    """(value, where it was read) of the clipping in ``setting``."""
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(setting, keras.Model):
        optimizer = getattr(setting, "optimizer", None)
        if optimizer is None:
            raise AssertionError("the model is not compiled, so it has no optimizer to clip "
                                 f"with. {CLIPPING_FIX}")
        setting = optimizer
    if keras is not None and isinstance(setting, keras.optimizers.Optimizer):
        for key in ("clipnorm", "global_clipnorm", "clipvalue"):
            value = getattr(setting, key, None)
            if value is not None:
                return value, f"{type(setting).__name__}({key}=...)"
        return None, f"{type(setting).__name__}()"
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(setting, torch.optim.Optimizer):
        raise TypeError("a PyTorch optimizer does not clip: clipping happens in the training "
                        "loop. Pass the fit keyword arguments (e.g. {'clip_norm': 1.0}) or "
                        "the max_norm given to clip_grad_norm_")
    if isinstance(setting, dict):
        found = [k for k in _CLIP_KEYS if setting.get(k) is not None]
        return (setting[found[0]], found[0]) if found else (None, "the training settings")
    if setting is None or (isinstance(setting, numbers.Real) and not isinstance(setting, bool)):
        return setting, "the clipping value"
    raise TypeError("setting must be a Keras optimizer or compiled model, a dict of fit keyword "
                    f"arguments, or the clip norm (a number or None), got {type_name(setting)}")


def check_gradient_clipping(setting) -> None:
    """Assert that training clips gradients: a Keras optimizer (or compiled
    model) with ``clipnorm``/``global_clipnorm``/``clipvalue``, fit keyword
    arguments with ``clip_norm`` (``helpers.training.fit``), or a clip norm."""
    value, where = _clip_setting(setting)
    if value is None:
        raise AssertionError(
            f"not clipping gradients in a long SimpleRNN: {where} sets no clipping, so the "
            f"gradients can explode (the loss jumps to nan or inf). {CLIPPING_FIX}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value > 0):
        raise AssertionError(f"the gradient clipping in {where} must be a number > 0, such "
                             f"as 1.0, got {value!r}.")
