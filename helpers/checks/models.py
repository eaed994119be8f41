"""Model checks: building, output shapes, which recurrent layers return
sequences, ``batch_first``, both directions of a bidirectional layer, masking.

They take a Keras model or a PyTorch module alike, run it on a batch the
test cell gives (Keras with ``training=False``, PyTorch in eval mode without
gradients) and name the common mistake behind a wrong shape or an error.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from helpers.checks.core import (
    call_student,
    check_callable,
    check_close,
    to_numpy,
    type_name,
    with_hint,
)
from helpers.checks.introspect import (
    KERAS,
    TORCH,
    RecurrentLayer,
    embedding_layers,
    framework_of,
    is_keras_pass_through,
    is_model,
    keras_input_source,
    keras_layers,
    keras_recurrent,
    prepare_batch,
    recurrent_layers,
    run_model,
    named_recurrent,
    shifted_direction,
    where_it_lives,
)
from helpers.validation import one_of

_KERAS_HEADS = ("Dense", "EinsumDense", "TimeDistributed")


# --------------------------------------------------------------------------
# the sentences that name a mistake
# --------------------------------------------------------------------------

def stacking_message(layer: RecurrentLayer, consumer: str) -> str:
    """Keras: ``layer`` returns only its last output but feeds another recurrent layer."""
    return (f"stacking without return_sequences=True: {layer.label} feeds {consumer}, which "
            f"needs (batch, time, features), but {layer.label} returns only its last output, "
            f"(batch, {layer.units * (2 if layer.bidirectional else 1)}). Give every recurrent "
            "layer that feeds another recurrent layer return_sequences=True.")


def _torch_stacking_message(label: str, shape) -> str:
    return (f"stacking without the whole sequence: {label} received a 2-D tensor of shape "
            f"{shape}, which PyTorch reads as ONE unbatched sequence of {shape[0]} steps. "
            "Pass the layer below its `output` (batch, time, hidden), every step, not h_n[-1] "
            "(or use a single recurrent module with num_layers=2).")


def features_axis_message(where: str, shape, framework: str) -> str:
    """A recurrent layer got (batch, time) where it needs (batch, time, features)."""
    fix = ("build the model on keras.Input((time, 1)), not keras.Input((time,)), and give it "
           "x[..., None]" if framework == KERAS else
           "give it x.unsqueeze(-1); PyTorch reads a 2-D input as one unbatched sequence "
           "(time, features), so it may not even fail")
    return (f"2-D input to a recurrent layer (missing the features axis): {where} received "
            f"shape {shape}, but a recurrent layer reads (batch, time, features). Add a "
            f"features axis of size 1: {fix}.")


def _sequences_into_dense_message(framework: str, last: RecurrentLayer, got) -> str:
    if framework == KERAS:
        return (f"returning sequences into a Dense classifier: the last recurrent layer, "
                f"{last.label}, has return_sequences=True, so everything after it runs at "
                f"every time step and the output is {got}, one prediction per step instead "
                "of one per sequence. Remove return_sequences=True from the last recurrent "
                "layer (keep it only on layers that feed another recurrent layer).")
    return (f"taking `output` instead of h_n: the module returns one value per time step, "
            f"{got}. `output` holds the top layer's state at every step; one prediction per "
            "sequence needs the final state, h_n[-1] (from `output, h_n = self.rnn(x)`, or "
            "`output, (h_n, c_n) = self.lstm(x)` for an LSTM).")


def _per_step_message(framework: str, last: RecurrentLayer, got) -> str:
    if framework == KERAS:
        return (f"one prediction per time step needs return_sequences=True on the last "
                f"recurrent layer, {last.label}; without it only the final step comes out, "
                f"hence {got}.")
    return (f"one prediction per time step needs `output` (batch, time, hidden), every step; "
            f"h_n holds only the final step, hence {got}.")


def batch_first_message(layer: RecurrentLayer, detail: str = "") -> str:
    """PyTorch: a recurrent module created without ``batch_first=True``."""
    return (f"forgetting batch_first=True: {layer.label} was created without "
            f"batch_first=True, so it reads its input as (time, batch, features) and mixes "
            f"up the examples of a (batch, time, features) batch{detail}. Create it with "
            f"nn.{layer.kind}(..., batch_first=True).")


def _half_bidirectional_message(layer: RecurrentLayer) -> str:
    if layer.framework == KERAS:
        return (f"{layer.label} has merge_mode={layer.merge_mode!r}, which combines the two "
                f"directions into {layer.units} features; merge_mode='concat' (the default) "
                f"keeps both, 2 * units = {2 * layer.units}.")
    return (f"h_n[-1] of a bidirectional layer is only the backward direction of the top "
            f"layer ({layer.units} features), not both directions: join them, "
            "torch.cat([h_n[-2], h_n[-1]], dim=1), which gives (batch, 2 * hidden_size) = "
            f"(batch, {2 * layer.units}).")


def embedding_message(rows: int, label: str, argument: str, vocab_size: int) -> str:
    """An Embedding with fewer rows than the ids it is given."""
    return (f"Embedding sized to the vocabulary without the padding index: {label} has "
            f"{argument}={rows}, but the ids go from 0 (padding) to {vocab_size - 1}, so it "
            f"needs {argument}={vocab_size}: {argument} must be len(vocab), counting the "
            "padding id 0 (+1 if the word ids start at 1 because 0 is padding).")


# --------------------------------------------------------------------------
# reading errors
# --------------------------------------------------------------------------

def _keras_ndim_diagnosis(error) -> str | None:
    """Keras: "expected ndim=3, found ndim=2" while building or calling a model."""
    text = str(error)
    if "expected ndim=3, found ndim=2" not in text:
        return None
    found = re.search(r"of layer '([^']+)'", text)
    layer_name = found.group(1) if found else "the recurrent layer"
    shape = re.search(r"Full shape received: (\([^)]*\))", text)
    shape = shape.group(1) if shape else "(batch, time)"
    source = keras_input_source(error)
    recurrent = keras_recurrent(source) if source is not None else None
    if recurrent is not None:
        return stacking_message(recurrent, f"'{layer_name}'")
    if type(source).__name__ == "InputLayer":
        return features_axis_message(f"'{layer_name}'", shape, KERAS)
    return (f"'{layer_name}' received a 2-D input {shape}, but a recurrent layer needs "
            "(batch, time, features). If the layer before it is recurrent, it must return "
            "sequences (stacking without return_sequences=True); if it is the first layer, "
            "the input is missing its features axis: keras.Input((time, 1)).")


def _trace_diagnosis(model, trace) -> str | None:
    """PyTorch: a recurrent module that received a 2-D tensor."""
    layers = {layer.name: layer for layer in recurrent_layers(model)}
    for position, (name, shape) in enumerate(trace):
        if shape is not None and len(shape) == 2:
            label = layers[name].label
            if position > 0:
                return _torch_stacking_message(label, shape)
            return features_axis_message(label, shape, TORCH)
    return None


def _linear_diagnosis(model, text: str, time_steps: int | None = None) -> str | None:
    """PyTorch: "mat1 and mat2 shapes cannot be multiplied (BxF and GxO)"."""
    found = re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", text)
    if not found:
        return None
    given, wanted = int(found.group(2)), int(found.group(3))
    layers = recurrent_layers(model)
    for layer in reversed(layers):
        if layer.bidirectional and given == layer.units and wanted == 2 * layer.units:
            return _half_bidirectional_message(layer)
    last = layers[-1] if layers else None
    width = last.units * (2 if last.bidirectional else 1) if last else None
    if given == time_steps and wanted == width and given != width:
        return (f"the Linear layer receives {given} features, one per time step: the last step "
                "was taken on the wrong axis (output[:, :, -1] is the last unit of every step). "
                "With batch_first=True the last step is output[:, -1, :], or use h_n[-1].")
    return (f"a Linear layer expects in_features={wanted} but receives {given} features: "
            "make its in_features the size of what you pass to it.")


def _embedding_diagnosis(model, x) -> str | None:
    ids = to_numpy(x)
    if ids.dtype.kind not in "biuf" or not np.all(ids == np.round(ids)):
        return None
    top = int(ids.max())
    for embedding in embedding_layers(model):
        if embedding.rows <= top:
            return embedding_message(embedding.rows, embedding.label,
                                     embedding.rows_argument, top + 1)
    return None


def _is_float_batch(x) -> bool:
    return to_numpy(x[:1]).dtype.kind == "f"


def _error_diagnosis(error, model, x, trace) -> str | None:
    text = str(error)
    found = _trace_diagnosis(model, trace)
    if found:
        return found
    shape = tuple(x.shape)
    if (len(shape) == 2 and _is_float_batch(x) and recurrent_layers(model)
            and ("ndim=3" in text or "incompatible shape" in text)):
        return features_axis_message("the model", shape, framework_of(model))
    found = _keras_ndim_diagnosis(error)
    if found:
        return found
    if "index out of range" in text or re.search(r"is not in \[0, \d+\)", text):
        return _embedding_diagnosis(model, x)
    if "mat1 and mat2" in text:
        return _linear_diagnosis(model, text, shape[1] if len(shape) >= 2 else None)
    return None


# --------------------------------------------------------------------------
# building and running
# --------------------------------------------------------------------------

def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"<{type_name(value)}>"


def build_model(build, *args, **kwargs):
    """Call the student's builder, ``build(*args, **kwargs)``, and return the model.

    A builder that fails names the mistake (Keras refuses to stack a layer
    without ``return_sequences=True`` at build time); one that returns no
    model fails too.
    """
    check_callable(build, "build")
    if is_model(build):
        raise TypeError("build must be the function that builds the model, got the model "
                        f"itself ({type_name(build)})")
    shown = [_short_repr(a) for a in args] + [f"{k}={_short_repr(v)}" for k, v in kwargs.items()]
    call = f"{getattr(build, '__name__', 'build')}({', '.join(shown)})"
    model = call_student(build, call, *args, diagnose=_keras_ndim_diagnosis, **kwargs)
    if not is_model(model):
        end = " End the function with `return model`." if model is None else ""
        raise AssertionError(f"{call} should return a keras.Model or a torch.nn.Module, "
                             f"got {type_name(model)}.{end}")
    return model


def run_checked(model, framework: str, x, name: str):
    """Run ``model`` on the prepared batch ``x``; any error, or a recurrent layer
    fed a 2-D tensor, fails with the mistake named."""
    shape = tuple(x.shape)
    trace = []
    out = call_student(run_model, f"{name}(batch) with a batch of shape {shape}", model, x,
                       trace, diagnose=lambda error: _error_diagnosis(error, model, x, trace))
    found = _trace_diagnosis(model, trace)
    if found:
        raise AssertionError(found)
    return out


def _shape_text(out) -> str:
    if isinstance(out, tuple):
        return "(" + ", ".join(_shape_text(part) for part in out) + ")"
    return str(tuple(out.shape))


def _expected_text(expected) -> str:
    """An expected shape as a student reads it: (any, 3) for (None, 3)."""
    sizes = ["any" if d is None else str(d) for d in expected]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def _matches(shape, expected) -> bool:
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def single_output(out, expected, name: str, framework: str) -> np.ndarray:
    """The one output array; a tuple (a raw ``(output, h_n)`` included) fails."""
    if not isinstance(out, tuple):
        return out
    shapes = " and ".join(_shape_text(part) for part in out)
    kind = "tensor" if framework == TORCH else "output"
    shape = "" if all(d is None for d in expected) else f" of shape {_expected_text(expected)}"
    message = (f"{name}(batch) returned a tuple of {len(out)} values with shapes {shapes}; "
               f"it should return one {kind}{shape}.")
    matching = [i for i, part in enumerate(out)
                if not isinstance(part, tuple) and _matches(part.shape, expected)]
    if matching:
        message += f" Value [{matching[0]}] has that shape: return it alone."
    elif (framework == TORCH and len(out) == 2 and not isinstance(out[0], tuple)
          and out[0].ndim == 3):
        message += (" This looks like the raw result of a recurrent module, (output, h_n) or "
                    "(output, (h_n, c_n)): unpack it, `output, h_n = self.rnn(x)`, and return "
                    "what the task needs (for one prediction per sequence, the head applied "
                    "to h_n[-1]).")
    raise AssertionError(message)


def shape_diagnosis(model, framework: str, batch_shape, got, expected) -> str | None:
    """Name the mistake behind output shape ``got`` where ``expected`` was wanted."""
    layers = recurrent_layers(model)
    if not layers:
        return None
    batch, time = batch_shape[0], (batch_shape[1] if len(batch_shape) > 1 else None)
    if time is None and len(got) == len(expected) + 1:  # texts: the model made the time axis
        time = got[1]
    if framework == TORCH and batch != time and got and got[0] == time:
        unset = [layer for layer in layers if not layer.batch_first]
        if unset and expected[0] in (batch, None):
            return batch_first_message(unset[0], (
                f": it took the {time} time steps of the batch for {time} examples, "
                f"hence the output {got} instead of {_expected_text(expected)}"))
    last = layers[-1]
    if len(got) == len(expected) + 1 and got[:2] == (batch, time):
        return _sequences_into_dense_message(framework, last, got)
    if (len(got) + 1 == len(expected) and len(expected) >= 2 and got[:1] == (batch,)
            and expected[1] in (time, None)):
        return _per_step_message(framework, last, got)
    if len(got) == len(expected) and _matches(got[:-1], expected[:-1]) and expected[-1]:
        for layer in reversed(layers):
            if layer.bidirectional and got[-1] == layer.units and expected[-1] == 2 * layer.units:
                return _half_bidirectional_message(layer)
            if layer.bidirectional and got[-1] == 2 * layer.units and 2 * expected[-1] == got[-1]:
                return (f"{layer.label} is bidirectional: its output joins both directions, "
                        f"2 * {layer.units} = {got[-1]} features. Use half the units, or one "
                        "direction if the task does not need the future context.")
    return None


def _expected_shape(expected) -> tuple:
    if not isinstance(expected, (tuple, list)) or not expected or not all(
            d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0)
            for d in expected):
        raise TypeError("expected must be a non-empty tuple of sizes (ints or None), "
                        f"got {expected!r}")
    return tuple(None if d is None else int(d) for d in expected)


def _checked_output(model, batch, expected, name: str) -> np.ndarray:
    framework = framework_of(model)
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type_name(name)}")
    expected = _expected_shape(expected)
    x = prepare_batch(batch, framework)
    out = single_output(run_checked(model, framework, x, name), expected, name, framework)
    got = tuple(out.shape)
    if not _matches(got, expected):
        batch_shape = tuple(x.shape)
        raise AssertionError(with_hint(
            f"{name}(batch) should have shape {_expected_text(expected)}, got {got} (the batch "
            f"has shape {batch_shape}).",
            shape_diagnosis(model, framework, batch_shape, got, expected)))
    return out


# --------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------

def check_output_shape(model, batch, expected, name: str = "model") -> None:
    """Assert that ``model(batch)`` has shape ``expected`` (None matches any size).

    A wrong shape names its likely cause: returning sequences (or ``output``)
    where one prediction per sequence is wanted, ``batch_first`` missing,
    half of a bidirectional state, a missing features axis, stacking
    without sequences, an Embedding too small for the ids.
    """
    _checked_output(model, batch, expected, name)


def check_outputs_close(model, batch, reference, atol: float = 1e-5, name: str = "model") -> None:
    """Assert that ``model(batch)`` matches ``reference``: the shape first (with
    the diagnoses of ``check_output_shape``), then the values, naming the first
    differing index."""
    reference = to_numpy(reference)
    if reference.dtype.kind not in "biuf":
        raise TypeError(f"reference must be an array of numbers, got dtype {reference.dtype}")
    out = _checked_output(model, batch, reference.shape, name)
    check_close(out, reference, f"{name}(batch)", atol=atol)


def _keras_consumer(layers: list, index: int):
    """The layer that reads layer ``index``'s output, pass-through layers skipped."""
    for layer in layers[index + 1:]:
        if not is_keras_pass_through(layer):
            return layer
    return None


def _require_recurrent(model, what: str = "recurrent layer") -> list[RecurrentLayer]:
    layers = recurrent_layers(model)
    if not layers:
        raise AssertionError(f"the model has no {what} (SimpleRNN, LSTM, GRU in Keras; "
                             "nn.RNN, nn.LSTM, nn.GRU in PyTorch).")
    return layers


def check_return_sequences(model, per_step: bool = False, batch=None) -> None:
    """Assert that exactly the right recurrent layers return sequences: every layer
    that feeds another recurrent layer, and the last one only when the model
    predicts per time step (``per_step=True``, a tagger).

    Keras: read from the layers' settings. PyTorch decides in ``forward``, so a
    ``batch`` is needed: the module runs on it and the check watches what each
    recurrent module receives and what comes out.
    """
    framework = framework_of(model)
    if not isinstance(per_step, bool):
        raise TypeError(f"per_step must be True or False, got {per_step!r}")
    layers = _require_recurrent(model)
    last = layers[-1]
    if framework == KERAS:
        flat = keras_layers(model)
        consumer = None
        for index, layer in enumerate(flat):
            recurrent = keras_recurrent(layer)
            if recurrent is None:
                continue
            consumer = _keras_consumer(flat, index)
            if keras_recurrent(consumer) is not None and not recurrent.return_sequences:
                raise AssertionError(stacking_message(recurrent, f"'{consumer.name}'"))
        if per_step and not last.return_sequences:
            raise AssertionError(_per_step_message(framework, last, "(batch, ...)"))
        if (not per_step and last.return_sequences
                and (consumer is None or type(consumer).__name__ in _KERAS_HEADS)):
            raise AssertionError(
                _sequences_into_dense_message(framework, last, "(batch, time, ...)"))
        return
    if batch is None:
        raise ValueError("batch is needed for a PyTorch module: whether a layer returns "
                         "sequences is decided in forward, so the check runs the module")
    unset = [layer for layer in layers if not layer.batch_first]
    if unset:
        raise AssertionError(batch_first_message(unset[0]))
    x = prepare_batch(batch, framework)
    shape = tuple(x.shape)
    out = run_checked(model, framework, x, "model")
    out = single_output(out, (shape[0], shape[1], None) if per_step else (shape[0], None),
                         "model", framework)
    sequences = out.ndim >= 2 and tuple(out.shape[:2]) == shape[:2]
    if per_step and not sequences:
        raise AssertionError(_per_step_message(framework, last, tuple(out.shape)))
    if not per_step and sequences and out.ndim >= 3:
        raise AssertionError(_sequences_into_dense_message(framework, last, tuple(out.shape)))


def check_batch_first(model) -> None:
    """Assert that every nn.RNN/LSTM/GRU of a PyTorch module has ``batch_first=True``."""
    if framework_of(model) != TORCH:
        raise TypeError("check_batch_first is for PyTorch modules: Keras layers always read "
                        "(batch, time, features)")
    for layer in _require_recurrent(model):
        if not layer.batch_first:
            raise AssertionError(batch_first_message(layer))


def _flat_arrays(out) -> list[np.ndarray]:
    if isinstance(out, tuple):
        return [a for part in out for a in _flat_arrays(part)]
    return [out]


def check_both_directions(model, batch) -> None:
    """Assert that the output depends on both directions of every bidirectional layer.

    Each direction's weights are disturbed in turn (then restored); an output
    that does not change ignores that direction, which is what taking
    ``h_n[-1]`` of a bidirectional PyTorch layer as if it were both does.
    """
    framework = framework_of(model)
    layers = [layer for layer in _require_recurrent(model) if layer.bidirectional]
    if not layers:
        raise AssertionError("the model has no bidirectional layer: wrap the recurrent layer "
                             "in keras.layers.Bidirectional, or create it with bidirectional=True.")
    x = prepare_batch(batch, framework)
    before = _flat_arrays(run_checked(model, framework, x, "model"))
    for layer in layers:
        for direction in ("forward", "backward"):
            after = _flat_arrays(where_it_lives(run_shifted, model, layer.name, direction, x))
            if all(np.allclose(a, b, rtol=0, atol=1e-7) for a, b in zip(before, after)):
                raise AssertionError(_ignored_direction_message(layer, direction))


def run_shifted(model, layer_name: str, direction: str, x):
    """The model's output with one direction of its layer ``layer_name`` disturbed."""
    with shifted_direction(named_recurrent(model, layer_name), direction):
        return run_model(model, x)


def _ignored_direction_message(layer: RecurrentLayer, direction: str) -> str:
    message = (f"the output does not depend on the {direction} direction of {layer.label}: "
               "a bidirectional layer's state is two states, one per direction.")
    if layer.framework == KERAS:
        return f"{message} Use the layer's whole output (merge_mode='concat') or both states."
    used = ("h_n[-1] is only the backward" if direction == "forward"
            else "h_n[-2] is only the forward")
    return (f"{message} {used} direction of the top layer: join both, "
            "torch.cat([h_n[-2], h_n[-1]], dim=1), and give the next layer "
            "2 * hidden_size inputs.")


# --------------------------------------------------------------------------
# masking
# --------------------------------------------------------------------------

def _id_sequences(sequences) -> list[list[int]]:
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"sequences must be a list of id sequences, got {type_name(sequences)}")
    rows = [to_numpy(seq) for seq in sequences]
    if len(rows) < 2:
        raise ValueError("sequences must hold at least 2 sequences of different lengths")
    for i, row in enumerate(rows):
        if row.ndim != 1 or row.size == 0 or row.dtype.kind not in "iu":
            raise TypeError(f"sequences[{i}] must be a non-empty 1-D sequence of integer ids")
        if row.min() < 1:
            raise ValueError(f"sequences[{i}] holds id {int(row.min())}: ids must be >= 1, "
                             "0 is the padding")
    if len({len(row) for row in rows}) < 2:
        raise ValueError("sequences must have different lengths, or padding changes nothing")
    return [row.tolist() for row in rows]


def _masking_diagnosis(model, framework: str, padding: str) -> str:
    if framework == KERAS:
        masked = (any(e.mask_zero for e in embedding_layers(model))
                  or any(type(layer).__name__ == "Masking" for layer in keras_layers(model)))
        if masked:
            return ("The Embedding has mask_zero=True, but the mask does not reach the recurrent "
                    "layer: a layer between them (a Lambda or a custom layer) drops it.")
        fix = "keras.layers.Embedding(..., mask_zero=True)"
    else:
        fix = ("pack the embedded batch with torch.nn.utils.rnn.pack_padded_sequence(x, "
               "lengths, batch_first=True, enforce_sorted=False), lengths = (ids != 0).sum(dim=1)"
               ".cpu(), and use h_n (the padded `output`'s last step is a padding step)")
    if padding == "post":
        return ("Padding the wrong side without masking: with padding='post' the zeros come "
                "after the words, so the recurrent layer runs over them and its final state is "
                f"no longer the state after the last word. Mask the padding: {fix} (without a "
                "mask, padding='pre' at least keeps the words last).")
    if framework == TORCH:
        fix += " (pack_padded_sequence takes the first `length` steps: it needs padding='post')"
    return ("The padding is not masked: with padding='pre' the recurrent layer runs over the "
            f"zeros before the first word, which changes its state. Mask the padding: {fix}.")


def check_masking(model, sequences, padding: str = "post", atol: float = 1e-5) -> None:
    """Assert that padding does not change the model's output: each sequence,
    zero-padded in a batch (``padding`` side), gives the same output as alone.

    Per-step outputs (batch, time, ...) are compared at the real tokens only.
    Keras masks with ``Embedding(mask_zero=True)``, PyTorch with
    ``pack_padded_sequence``.
    """
    from helpers.text import pad_ids

    framework = framework_of(model)
    rows = _id_sequences(sequences)
    one_of(padding, "padding", ("pre", "post"))
    max_len = max(len(row) for row in rows) + 2
    padded = pad_ids(rows, max_len, padding=padding)
    out = single_output(run_checked(model, framework, prepare_batch(padded, framework), "model"),
                         (len(rows), None), "model", framework)
    per_step = out.ndim >= 3 and out.shape[1] == max_len
    for i, row in enumerate(rows):
        alone = single_output(
            run_checked(model, framework, prepare_batch(np.array([row]), framework), "model"),
            (1, None), "model", framework)[0]
        start = 0 if padding == "post" else max_len - len(row)
        got = out[i, start:start + len(row)] if per_step else out[i]
        try:
            check_close(got, alone, "output", atol=atol)
        except AssertionError as error:
            raise AssertionError(
                f"padding changes the output: sequence {i}, {row}, zero-padded ({padding!r}) "
                f"to length {max_len} gives a different output than alone ({error}) "
                f"{_masking_diagnosis(model, framework, padding)}") from None
