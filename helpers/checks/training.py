"""Training checks: the loss matches what the model outputs, the loss stayed
finite, and gradients are clipped (a long SimpleRNN needs it): by the settings
(``check_gradient_clipping``) or measured on the gradient an optimizer or a
training step really applies (``check_clipped_optimizer``,
``check_clipped_train_step``)."""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

from helpers.checks.core import type_name
from helpers.checks.introspect import KERAS, framework_of, output_activation, output_units
from helpers.validation import real_number

CLIPPING_FIX = ("Keras: create the optimizer with global_clipnorm=1.0, e.g. "
                "keras.optimizers.Adam(global_clipnorm=1.0), which clips all gradients "
                "together (clipnorm clips each variable on its own); PyTorch: call "
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


def _output_kind(model, batch) -> tuple[str, str, str] | None:
    """("probabilities" | "log-probabilities" | "logits", why, the activation), or None
    when unknown."""
    activation = output_activation(model, batch)
    if activation is None:
        return None
    kind = _OUTPUT_KINDS.get(activation, "logits")
    if kind == "logits" and activation != "linear":
        return kind, f"its output comes from {activation}, which is not a probability", activation
    return kind, f"its output comes from {activation}", activation


def single_unit_softmax(framework: str) -> str:
    """What is wrong with a softmax over one output unit, and the fix in ``framework``."""
    fix = ("give the last Dense(1) activation='sigmoid'" if framework == KERAS else
           "remove the softmax: one logit per review and nn.BCEWithLogitsLoss (it applies "
           "the sigmoid itself)")
    return ("softmax over one unit: the model outputs 1.0 for every input (a softmax divides "
            "each unit by the sum over the units, and there is only one), so it predicts "
            f"class 1 every time and cannot learn. For one output unit, {fix}.")


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
    output, why, activation = found
    if family == "binary" and activation == "softmax" and output_units(model, batch) == 1:
        raise AssertionError(single_unit_softmax(framework))
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


# --------------------------------------------------------------------------
# clipping, measured on the gradient that is applied
# --------------------------------------------------------------------------
# The checks below do not trust the settings: they apply a known gradient with
# plain SGD and read the gradient that was applied from the change of the
# weights, (before - after) / learning_rate, then compare its global norm with
# the limit.

_GLOBAL_FIX = "create it with global_clipnorm=max_norm"
_STEP_FIX = ("call torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm) between "
             "loss.backward() and optimizer.step()")


def _global_norm(arrays) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(a, dtype="float64"))) for a in arrays)))


def _all_close(actual, expected, rtol: float = 1e-4) -> bool:
    scale = max(_global_norm(expected), 1e-12)
    return all(a.shape == e.shape and np.allclose(a, e, rtol=0, atol=rtol * scale)
               for a, e in zip(actual, expected))


def _known_gradients():
    """Gradients of two variables with global norm 5.5 (norms 3.5 and about 4.24)."""
    first = np.array([3.0, -1.5, 1.0], dtype="float32")
    second = np.array([[0.0, 3.0], [-3.0, 0.0]], dtype="float32")
    return [first, second]


def check_clipped_optimizer(make_optimizer, learning_rate: float = 0.1,
                            max_norm: float = 1.0) -> None:
    """Check ``make_optimizer(learning_rate, max_norm)``: a Keras SGD optimizer whose
    applied gradient has a global norm of at most ``max_norm``, in the direction of
    the raw gradient (``global_clipnorm``), and is unchanged when already smaller."""
    from helpers.checks.core import call_student, check_callable

    check_callable(make_optimizer, "make_optimizer")
    learning_rate = real_number(learning_rate, "learning_rate", minimum=0, inclusive=False)
    max_norm = real_number(max_norm, "max_norm", minimum=0, inclusive=False)
    keras = sys.modules.get("keras") or __import__("keras")
    name = getattr(make_optimizer, "__name__", "make_optimizer")
    call = f"{name}({learning_rate}, {max_norm})"
    optimizer = call_student(make_optimizer, call, learning_rate, max_norm)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise AssertionError(f"{call} should return a Keras optimizer, got {type_name(optimizer)}.")
    if not isinstance(optimizer, keras.optimizers.SGD) or float(optimizer.momentum) != 0:
        raise AssertionError(f"{call} returned {type(optimizer).__name__}: return "
                             "keras.optimizers.SGD(...) without momentum, as the exercise asks.")
    if abs(float(optimizer.learning_rate) - learning_rate) > 1e-6 * learning_rate:
        raise AssertionError(f"{call} has learning_rate={float(optimizer.learning_rate):g}, "
                             f"expected {learning_rate:g}: pass learning_rate on.")
    known = _known_gradients()
    variables = [keras.Variable(np.zeros_like(g), dtype="float32") for g in known]
    for factor in (max_norm, 0.5 * max_norm / 5.5):  # norm 5.5 * max_norm, then 0.5 * max_norm
        raw = [g * np.float32(factor) for g in known]
        _check_applied(optimizer, keras, variables, raw, call, learning_rate, max_norm)


def _check_applied(optimizer, keras, variables, raw, call, learning_rate, max_norm) -> None:
    before = [keras.ops.convert_to_numpy(v).astype("float64") for v in variables]
    optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in raw], variables))
    applied = [(b - keras.ops.convert_to_numpy(v).astype("float64")) / learning_rate
               for b, v in zip(before, variables)]
    norm, raw_norm = _global_norm(applied), _global_norm(raw)
    scale = min(1.0, max_norm / raw_norm)
    expected = [g.astype("float64") * scale for g in raw]
    if _all_close(applied, expected):
        return
    if _all_close(applied, raw):
        raise AssertionError(
            f"not clipping gradients in a long SimpleRNN: {call} applied a gradient of norm "
            f"{norm:.3g} > {max_norm:g} unchanged; {_GLOBAL_FIX}.")
    if getattr(optimizer, "clipnorm", None) is not None:
        raise AssertionError(
            f"clipnorm clips each variable's gradient on its own, so together they keep a "
            f"norm of {norm:.3g} > {max_norm:g}: use global_clipnorm=max_norm, which clips "
            "them all together.")
    if getattr(optimizer, "clipvalue", None) is not None:
        raise AssertionError(
            "clipvalue clips every value on its own, which turns the gradient's direction: "
            "use global_clipnorm=max_norm, which scales the whole gradient.")
    if raw_norm <= max_norm:
        raise AssertionError(f"{call} changed a gradient of norm {raw_norm:.3g}, below the "
                             f"limit {max_norm:g}: clipping must leave it unchanged.")
    raise AssertionError(f"{call} applied a gradient of norm {norm:.3g}, expected the raw "
                         f"gradient scaled to norm {max_norm:g}; {_GLOBAL_FIX}.")


def _probe_step_setup(seed: int):
    """A tiny recurrent model, a batch, the loss and the raw gradient of that batch."""
    import copy

    import torch
    from torch import nn

    from helpers.checks.torch_probes import TinyRegressor

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = TinyRegressor(seed)
        inputs = torch.randn(6, 5, 2)
        targets = 8.0 * torch.randn(6, 1)   # far from the outputs: a large gradient
    reference = copy.deepcopy(model)
    loss_fn = nn.MSELoss()
    loss = loss_fn(reference(inputs), targets)
    loss.backward()
    raw = [p.grad.detach().double().numpy().copy() for p in reference.parameters()]
    return model, (inputs, targets), loss_fn, loss.item(), raw


def run_clipped_step(train_step, seed: int, limit: float, learning_rate: float) -> dict:
    """Where the student's code runs: one ``train_step`` on the probe of ``seed`` with stale
    gradients left in it; what it returned, and each parameter's change and gradient after."""
    import torch

    model, batch, loss_fn, _, _ = _probe_step_setup(seed)
    for parameter in model.parameters():
        parameter.grad = torch.full_like(parameter, 10.0)   # left over from an earlier step
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    before = [p.detach().double().numpy().copy() for p in model.parameters()]
    result = train_step(model, batch, loss_fn, optimizer, limit)
    applied = [(b - p.detach().double().numpy()) / learning_rate
               for b, p in zip(before, model.parameters())]
    grads = [None if p.grad is None else p.grad.detach().double().numpy() for p in model.parameters()]
    return {"result": result, "applied": applied, "grads": grads}


def check_clipped_train_step(train_step, max_norm: float = 0.5,
                             learning_rate: float = 0.1, seeds: tuple[int, int] = (2053, 2054)) -> None:
    """Check ``train_step(model, batch, loss_fn, optimizer, max_norm) -> (loss, norm)``:
    the applied gradient (read from an SGD step) is the raw gradient scaled to a
    global norm of at most ``max_norm``, earlier gradients are cleared, and the
    returned norm is the one before clipping (what ``clip_grad_norm_`` returns).
    ``seeds`` make the probe model and batch of the clipped step and of a step below
    the limit.

    The step runs where the student's code does (:func:`run_clipped_step`); the
    raw gradient and the verdict are computed here."""
    from helpers.bridge import in_kernel
    from helpers.checks.core import call_student, check_callable

    check_callable(train_step, "train_step")
    max_norm = real_number(max_norm, "max_norm", minimum=0, inclusive=False)
    learning_rate = real_number(learning_rate, "learning_rate", minimum=0, inclusive=False)
    name = getattr(train_step, "__name__", "train_step")
    if len(seeds) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in seeds):
        raise TypeError(f"seeds must be two ints, got {seeds!r}")
    for limit, seed in ((max_norm, seeds[0]), (1e6, seeds[1])):   # clipped, then below the limit
        _, _, _, want_loss, raw = _probe_step_setup(seed)
        call = f"{name}(model, batch, loss_fn, optimizer, max_norm={limit:g})"
        ran = call_student(in_kernel, call, run_clipped_step, train_step, seed, limit, learning_rate,
                           name=name)
        loss, norm = _step_result(ran["result"], call)
        _diagnose_clipped_step(call, ran["applied"], raw, ran["grads"], norm, limit)
        if abs(loss - want_loss) > 1e-5 * max(1.0, abs(want_loss)):
            raise AssertionError(f"{call} returned the loss {loss:.6g}, expected {want_loss:.6g}: "
                                 "return loss.item() of loss_fn(model(inputs), targets).")
        raw_norm = _global_norm(raw)
        if abs(norm - raw_norm) > 1e-4 * raw_norm:
            hint = (" clip_grad_norm_ returns the norm before clipping: return what it returns."
                    if abs(norm - min(raw_norm, limit)) < 1e-4 * raw_norm else "")
            raise AssertionError(f"{call} returned the gradient norm {norm:.4g}, but the norm "
                                 f"before clipping is {raw_norm:.4g}.{hint}")


def _step_result(result, call: str) -> tuple[float, float]:
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{call} should return (loss, norm), two floats, got "
                             f"{type_name(result)}.")
    values = []
    for what, value in zip(("loss", "norm"), result):
        if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise AssertionError(f"{call}: the {what} should be a float (.item()), got "
                                 f"{type_name(value)}.")
        values.append(float(value))
    return values[0], values[1]


def _diagnose_clipped_step(call, applied, raw, grads, norm, limit) -> None:
    raw_norm = _global_norm(raw)
    expected = [g * min(1.0, limit / raw_norm) for g in raw]
    if _all_close(applied, expected):
        return
    if all(np.all(a == 0) for a in applied):
        raise AssertionError(f"{call} did not change the parameters: call optimizer.step().")
    if _all_close(applied, [g + 10.0 for g in raw]) or _all_close(
            applied, [(g + 10.0) * min(1.0, limit / _global_norm([g + 10.0 for g in raw]))
                      for g in raw]):
        raise AssertionError("gradients from earlier steps accumulate: call "
                             "optimizer.zero_grad() before loss.backward().")
    if _all_close(applied, raw):
        if all(g is not None for g in grads) and _all_close(grads, expected):
            raise AssertionError(f"clipping after optimizer.step() is too late: the step used "
                                 f"the raw gradient (norm {raw_norm:.3g}); {_STEP_FIX}.")
        if abs(norm) < 1e-12 or abs(norm - _global_norm([np.full_like(g, 10.0) for g in raw])) \
                < 1e-6 * raw_norm:
            raise AssertionError("clip_grad_norm_ ran before loss.backward(), when there was "
                                 f"no new gradient to clip; {_STEP_FIX}.")
        raise AssertionError(f"not clipping gradients in a long SimpleRNN: the step applied "
                             f"the raw gradient, norm {raw_norm:.3g} > {limit:g}; {_STEP_FIX}.")
    if _all_close(applied, [np.clip(g, -limit, limit) for g in raw]):
        raise AssertionError("clip_grad_value_ clips every value on its own, which turns the "
                             "gradient's direction: use clip_grad_norm_, which scales it whole.")
    if _all_close(applied, [g * min(1.0, limit / _global_norm([g])) for g in raw]):
        raise AssertionError("each parameter's gradient was clipped on its own: clip them all "
                             "together, clip_grad_norm_(model.parameters(), max_norm).")
    if raw_norm <= limit:
        raise AssertionError(f"{call} changed a gradient of norm {raw_norm:.3g}, below the "
                             f"limit {limit:g}: clipping must leave it unchanged.")
    raise AssertionError(f"{call} applied a gradient of norm {_global_norm(applied):.3g}; "
                         f"expected the raw gradient scaled to norm {limit:g}: {_STEP_FIX}.")
