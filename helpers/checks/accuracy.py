"""Accuracy of a trained model on fresh data the check generates itself.

The check computes the accuracy itself, so a student cannot pass by
reporting a number: binary outputs (one logit or one sigmoid probability
per example), class scores (argmax), and per-step outputs of a tagger.
"""

from __future__ import annotations

import numpy as np

from helpers.checks.core import check_callable, fix_first, to_numpy, type_name, with_hint
from helpers.checks.introspect import (TORCH, framework_of, output_activation, prepare_batch,
                                       recurrent_layers)
from helpers.checks.models import batch_first_message, run_checked, shape_diagnosis, single_output
from helpers.checks.training import check_loss_matches_output, single_unit_softmax
from helpers.validation import positive_int, real_number

IGNORE_INDEX = -100  # targets equal to this are not counted, as in nn.CrossEntropyLoss


def _fresh_data(make_data, seed: int):
    data = make_data(seed)
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"make_data(seed) must return a pair (x, y), got {type_name(data)}")
    x, y = data
    y = to_numpy(y)
    if len(x) != len(y) or len(y) == 0:
        raise ValueError(f"make_data(seed) must return as many targets as inputs, at least "
                         f"one: got {len(x)} inputs and {len(y)} targets")
    if y.dtype.kind not in "biuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise ValueError("the targets of make_data(seed) must be class ids (integers)")
    return x, y.astype("int64")


def _outputs(model, framework: str, x, batch_size: int, expected) -> np.ndarray:
    parts = []
    for start in range(0, len(x), batch_size):
        chunk = prepare_batch(x[start:start + batch_size], framework, "x")
        parts.append(single_output(run_checked(model, framework, chunk, "model"),
                                   expected, "model", framework))
    return np.concatenate(parts)


def _is_one_hot(y: np.ndarray) -> bool:
    return y.ndim >= 2 and y.shape[-1] >= 2 and set(np.unique(y)) <= {0, 1} \
        and bool(np.all(y.sum(axis=-1) == 1))


def _predictions(model, x, out: np.ndarray, y: np.ndarray):
    """(predicted classes, targets, how the outputs were read); None when the shapes do not fit."""
    if _is_one_hot(y) and out.shape == y.shape:
        return out.argmax(-1), y.argmax(-1), "the predicted class is the argmax of the last axis"
    if out.ndim == y.ndim + 1 and out.shape[-1] == 1:
        out = out[..., 0]
    if out.shape == y.shape:
        activation = output_activation(model, prepare_batch(x[:8], framework_of(model), "x"))
        probabilities = activation == "sigmoid" or (
            activation != "linear" and bool(np.all((out >= 0) & (out <= 1))))
        if probabilities:
            return ((out > 0.5).astype("int64"), y,
                    "outputs read as probabilities, class 1 when > 0.5")
        return (out > 0).astype("int64"), y, "outputs read as logits, class 1 when > 0"
    if out.ndim == y.ndim + 1 and out.shape[:-1] == y.shape:
        return out.argmax(-1), y, "the predicted class is the argmax of the last axis"
    return None


def _single_unit_softmax(model, x, out: np.ndarray) -> bool:
    """Does the model end with a softmax over a single output unit (always 1.0)?"""
    return out.ndim >= 1 and out.shape[-1] == 1 and output_activation(
        model, prepare_batch(x[:8], framework_of(model), "x")) == "softmax"


def _squashed_twice(model, x, out: np.ndarray) -> str | None:
    """A PyTorch model with one output unit that ends with a sigmoid: this course trains
    those with nn.BCEWithLogitsLoss, which applies the sigmoid again (the builder's check)."""
    if not (out.ndim >= 1 and out.shape[-1] == 1):
        return None
    import torch
    try:
        check_loss_matches_output(model, torch.nn.BCEWithLogitsLoss(), prepare_batch(x[:8], TORCH, "x"))
    except AssertionError as mistake:
        return str(mistake)
    return None


def _known_cause(model, x, out: np.ndarray) -> str | None:
    """A mistake in the model itself that the model builder's checks name, or None."""
    if _single_unit_softmax(model, x, out):
        return single_unit_softmax(framework_of(model))
    if framework_of(model) == TORCH:
        unbatched = [layer for layer in recurrent_layers(model) if not layer.batch_first]
        if unbatched:
            return batch_first_message(unbatched[0])
        return _squashed_twice(model, x, out)
    return None


def check_accuracy(model, make_data, threshold: float, seed: int = 12345,
                   what: str = "examples", hint: str | None = None,
                   batch_size: int = 256) -> None:
    """Assert that ``model`` reaches ``threshold`` accuracy on ``make_data(seed)``.

    ``make_data(seed)`` returns fresh ``(x, y)`` the model has never seen,
    with class ids as targets ((n,) per sequence, (n, time) per step; -100
    is not counted). ``what`` names the examples in the message ("reviews"),
    ``hint`` is added to it on failure.
    """
    framework = framework_of(model)
    check_callable(make_data, "make_data")
    threshold = real_number(threshold, "threshold", minimum=0)
    if threshold > 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    seed = positive_int(seed, "seed", minimum=0)
    batch_size = positive_int(batch_size, "batch_size")
    if not isinstance(what, str):
        raise TypeError(f"what must be a str, got {type_name(what)}")
    x, y = _fresh_data(make_data, seed)
    out = _outputs(model, framework, x, batch_size, (None,) * (y.ndim + 1))
    found = _predictions(model, x, out, y)
    cause = _known_cause(model, x, out)
    cause = fix_first(cause) if cause else None
    if found is None:
        batch_shape = tuple(prepare_batch(x[:1], framework, "x").shape)
        wanted = (len(y), *y.shape[1:], None)
        raise AssertionError(with_hint(
            f"the model's outputs have shape {tuple(out.shape)}, which does not fit targets of "
            f"shape {y.shape}.", cause or shape_diagnosis(
                model, framework, (len(y), *batch_shape[1:]), tuple(out.shape), wanted)))
    predicted, targets, reading = found
    counted = targets != IGNORE_INDEX
    accuracy = float((predicted == targets)[counted].mean()) if counted.any() else 0.0
    if accuracy >= threshold:
        return
    steps = f" ({int(counted.sum())} steps)" if y.ndim > 1 else ""
    digits = 2 if round(threshold, 2) == threshold and round(accuracy, 2) < threshold else 4
    fresh = what if what.startswith("fresh ") else f"fresh {what}"
    message = (f"accuracy {accuracy:.{digits}f} on {len(y)} {fresh}{steps}, below the "
               f"{threshold:.{digits}f} threshold ({reading}).")
    classes = np.unique(predicted[counted])
    if cause:
        message += f" {cause}"
    elif classes.size == 1:
        message += (f" The model predicts class {int(classes[0])} every time: it has not "
                    "learnt the task (was it trained? do its output and its loss match?).")
    elif accuracy < 0.5 and np.unique(targets[counted]).size == 2:
        message += " That is below chance: are the labels flipped?"
    raise AssertionError(with_hint(message, hint))
