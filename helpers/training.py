"""Training utilities: one place that seeds every random number generator, and a
PyTorch training loop (``fit``, ``evaluate``) with a parameter counter for both
frameworks."""

from __future__ import annotations

import math
import os
import random
import sys
from collections.abc import Iterable, Iterator

import numpy as np

from helpers.validation import one_of, positive_int, real_number


def set_seed(seed: int = 0) -> int:
    """Seed Python, NumPy and the imported frameworks, with deterministic ops.

    Keras/TensorFlow and PyTorch are seeded when they have been imported, so
    call ``set_seed`` after your imports (a PyTorch notebook then never pays
    for importing TensorFlow). Returns the seed.
    """
    seed = positive_int(seed, "seed", minimum=0)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True)
    return seed


# --------------------------------------------------------------------------
# a PyTorch training loop
# --------------------------------------------------------------------------
#
# torch is imported inside the functions, so importing helpers.training (for
# set_seed) never pulls in a framework.

METRICS = ("accuracy", None)
IGNORE_INDEX = -100  # targets equal to this are skipped, as in nn.CrossEntropyLoss


def fit(model, train_loader, val_loader=None, *, epochs: int, loss_fn, optimizer,
        metric: str | None = "accuracy", clip_norm: float | None = None,
        patience: int | None = None, progress: bool | None = None) -> dict[str, list[float]]:
    """Train a PyTorch ``model`` for ``epochs`` and return its history.

    Each loader yields ``(inputs, targets)`` batches and must be re-iterable
    (a ``DataLoader`` or a list, not a generator). The history maps "loss",
    the ``metric`` and, with ``val_loader``, "val_loss" and "val_<metric>"
    to one value per epoch, like ``keras.callbacks.History.history``.

    ``clip_norm`` clips the gradients' global norm before each step.
    ``patience`` stops training once val_loss has not improved for that many
    epochs and then restores the weights of the best epoch. ``progress``
    shows a tqdm bar over epochs; None shows it only in a terminal or a
    Jupyter kernel, unless the environment variable TQDM_DISABLE is set
    (set it where notebooks run unattended, or pass False).
    """
    _check_module(model)
    _check_loader(train_loader, "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader")
    epochs = positive_int(epochs, "epochs")
    _check_callable(loss_fn, "loss_fn")
    _check_optimizer(optimizer)
    one_of(metric, "metric", METRICS)
    if clip_norm is not None:
        clip_norm = real_number(clip_norm, "clip_norm", minimum=0, inclusive=False)
    if patience is not None:
        patience = positive_int(patience, "patience")
        if val_loader is None:
            raise ValueError("patience needs val_loader: early stopping watches val_loss")
    show = _show_progress(progress)

    from tqdm import tqdm

    history = {key: [] for key in _history_keys(metric, val_loader is not None)}
    stopper = _EarlyStopping(model, patience) if patience is not None else None
    with tqdm(range(epochs), desc="training", unit="epoch", disable=not show) as bar:
        for _ in bar:
            scores = _train_epoch(model, train_loader, loss_fn, optimizer, metric, clip_norm)
            if val_loader is not None:
                val = evaluate(model, val_loader, loss_fn, metric, name="val_loader")
                scores.update({f"val_{key}": value for key, value in val.items()})
            for key, value in scores.items():
                history[key].append(value)
            bar.set_postfix({key: f"{value:.4f}" for key, value in scores.items()})
            if stopper is not None and stopper.should_stop(scores["val_loss"]):
                break
    if stopper is not None:
        stopper.restore_best()
    return history


def evaluate(model, loader, loss_fn, metric: str | None = "accuracy", *,
             name: str = "loader") -> dict[str, float]:
    """Mean loss (and ``metric``) of ``model`` over ``loader``, without gradients.

    The model is put in eval mode and then back in the mode it was in;
    ``name`` is how error messages call ``loader``.
    """
    import torch

    _check_module(model)
    _check_loader(loader, name)
    _check_callable(loss_fn, "loss_fn")
    one_of(metric, "metric", METRICS)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return _run_epoch(model, loader, loss_fn, metric, name)
    finally:
        model.train(was_training)


def count_params(model) -> int:
    """Number of trainable parameters of a ``torch.nn.Module`` or a built Keras model.

    The counts of the same architecture differ between the frameworks where
    PyTorch keeps two bias vectors (input-hidden and hidden-hidden) and Keras
    one: an RNN layer with ``n`` inputs and ``h`` units has
    ``h*(n + h) + h`` weights in Keras' ``SimpleRNN`` and ``h*(n + h) + 2*h``
    in ``nn.RNN``; ``LSTM`` has 4 times the kernels, with 4*h biases in Keras
    and 8*h in PyTorch. Keras' ``GRU`` (with the default ``reset_after=True``)
    has two biases too, so both give ``3*h*(n + h) + 6*h``. Embedding and
    dense layers count the same in both.
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.layers.Layer):
        if not model.built:
            raise ValueError("model is not built: give it a keras.Input or call it on a "
                             "batch before counting its parameters")
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    raise TypeError("model must be a torch.nn.Module or a Keras model, "
                    f"got {type(model).__name__}")


# --------------------------------------------------------------------------
# the pieces of fit
# --------------------------------------------------------------------------

def _check_module(model) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_optimizer(optimizer) -> None:
    import torch

    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError("optimizer must be a torch.optim.Optimizer, e.g. "
                        f"torch.optim.Adam(model.parameters()), got {type(optimizer).__name__}")


def _check_callable(fn, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, e.g. torch.nn.CrossEntropyLoss(), "
                        f"got {type(fn).__name__}")


def _check_loader(loader, name: str) -> None:
    if not isinstance(loader, Iterable):
        raise TypeError(f"{name} must be iterable, e.g. a torch DataLoader or a list of "
                        f"(inputs, targets) batches, got {type(loader).__name__}")
    if isinstance(loader, Iterator):
        raise TypeError(f"{name} is an iterator (e.g. a generator) that runs out after one "
                        "epoch: pass a DataLoader or a list of batches")


def _show_progress(progress) -> bool:
    """``progress`` itself, or when None: is stdout a terminal or a Jupyter kernel
    (and tqdm's own switch, the environment variable TQDM_DISABLE, unset)?"""
    if progress is None:
        interactive = sys.stdout.isatty() or _in_jupyter_kernel()
        return interactive and not os.environ.get("TQDM_DISABLE")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}")
    return progress


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _history_keys(metric: str | None, validation: bool) -> list[str]:
    keys = ["loss"] + ([metric] if metric else [])
    return keys + [f"val_{key}" for key in keys] if validation else keys


def _train_epoch(model, loader, loss_fn, optimizer, metric, clip_norm) -> dict[str, float]:
    import torch

    def step(loss):
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()

    model.train()
    return _run_epoch(model, loader, loss_fn, metric, "train_loader", step)


def _run_epoch(model, loader, loss_fn, metric, name, step=None) -> dict[str, float]:
    """One pass over ``loader``: the sample-weighted mean loss and the metric."""
    device = _device(model)
    loss_sum, samples, correct, counted = 0.0, 0, 0, 0
    for batch in loader:
        inputs, targets = _split_batch(batch, name, device)
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        if loss.ndim != 0:
            raise ValueError(f"loss_fn must return a scalar, got shape {tuple(loss.shape)}: "
                             "use a loss with reduction='mean'")
        if step is not None:
            step(loss)
        loss_sum += loss.item() * len(targets)
        samples += len(targets)
        if metric == "accuracy":
            hits, total = _accuracy_counts(outputs.detach(), targets)
            correct, counted = correct + hits, counted + total
    if samples == 0:
        raise ValueError(f"{name} yielded no batches")
    scores = {"loss": loss_sum / samples}
    if metric == "accuracy":
        scores["accuracy"] = correct / counted if counted else float("nan")
    return scores


class _EarlyStopping:
    """Keep the weights of the best val_loss; say when ``patience`` epochs passed without one."""

    def __init__(self, model, patience: int):
        self.model, self.patience = model, patience
        self.best_loss, self.best_state, self.waited = math.inf, None, 0

    def should_stop(self, val_loss: float) -> bool:
        if val_loss < self.best_loss:
            self.best_loss, self.waited = val_loss, 0
            self.best_state = {key: value.detach().clone()
                               for key, value in self.model.state_dict().items()}
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore_best(self) -> None:
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)


def _device(model):
    import torch

    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _split_batch(batch, name: str, device):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(f"each batch of {name} must be a pair (inputs, targets), "
                         f"got {type(batch).__name__}")
    return tuple(part.to(device) if hasattr(part, "to") else part for part in batch)


def _accuracy_counts(outputs, targets) -> tuple[int, int]:
    """(correct, counted) predictions for logits ``outputs`` and class ``targets``.

    Binary: one logit per example, ``(..., 1)`` or the targets' shape, positive
    when > 0. Multi-class: ``(..., classes)`` with targets ``(...)``, the
    prediction is the argmax; this covers per-step outputs (batch, time,
    classes) with targets (batch, time). Targets equal to -100 are skipped.
    """
    if outputs.ndim == targets.ndim + 1 and outputs.shape[-1] == 1:
        outputs = outputs[..., 0]
    if outputs.shape == targets.shape:
        predictions = (outputs > 0).long()
    elif outputs.ndim == targets.ndim + 1 and outputs.shape[:-1] == targets.shape:
        predictions = outputs.argmax(dim=-1)
    else:
        raise ValueError(
            f"accuracy needs outputs (..., classes) with targets (...), or binary logits "
            f"(..., 1); got outputs {tuple(outputs.shape)} and targets {tuple(targets.shape)}")
    targets = targets.long()
    counted = targets != IGNORE_INDEX
    return int(((predictions == targets) & counted).sum()), int(counted.sum())
