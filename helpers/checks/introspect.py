"""What the model checks need to know about a Keras model or a PyTorch module.

All framework-specific introspection lives here, so the check modules never
ask "Keras or PyTorch?" themselves: which framework a model comes from, its
recurrent and embedding layers, parameter counts, its output activation, and
running it on a batch. Neither framework is imported unless the model comes
from it.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from helpers.bridge import in_kernel
from helpers.bridge.remote import handle_of, is_remote
from helpers.checks.core import is_tensor, to_numpy, type_name

KERAS, TORCH = "keras", "torch"

# Keras layers that pass their input's shape through unchanged.
_KERAS_PASS_THROUGH = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                       "AlphaDropout", "LayerNormalization", "BatchNormalization",
                       "Activation", "Masking", "ActivityRegularization")
_KERAS_CELLS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}
_TORCH_MODES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
GATES = {"SimpleRNN": 1, "RNN": 1, "LSTM": 4, "GRU": 3}
_TORCH_ACTIVATIONS = {"Sigmoid": "sigmoid", "Softmax": "softmax", "LogSoftmax": "log_softmax",
                      "Linear": "linear", "Tanh": "tanh", "ReLU": "relu"}
_SQUASHES = ("sigmoid", "softmax", "log_softmax", "tanh", "relu")
# operations that keep the values, so the activation behind them stays the same
_SAME_VALUES = ("squeeze", "unsqueeze", "view", "reshape", "flatten", "__getitem__",
                "contiguous", "clone", "float", "to", "cpu", "select", "narrow", "detach")


class RecurrentLayer(NamedTuple):
    """One recurrent layer (Keras) or module (PyTorch) and its settings."""

    name: str
    kind: str                     # Keras: SimpleRNN, LSTM, GRU; PyTorch: RNN, LSTM, GRU
    framework: str
    input_size: int | None        # None while a Keras layer is not built
    units: int
    bidirectional: bool
    num_layers: int               # PyTorch's num_layers; 1 in Keras
    two_biases: bool              # PyTorch, and Keras' GRU with reset_after=True
    return_sequences: bool | None  # Keras only
    batch_first: bool | None      # PyTorch only
    merge_mode: str | None        # Keras Bidirectional only
    layer: object

    @property
    def label(self) -> str:
        """How a message names the layer: "LSTM 'lstm_1'", "nn.GRU 'encoder.rnn'"."""
        if self.framework == TORCH:
            return f"nn.{self.kind} '{self.name}'" if self.name else f"nn.{self.kind}"
        kind = f"Bidirectional({self.kind})" if self.bidirectional else self.kind
        return f"{kind} '{self.name}'"


class EmbeddingLayer(NamedTuple):
    """One Embedding layer: Keras ``input_dim`` / PyTorch ``num_embeddings`` rows."""

    name: str
    framework: str
    rows: int
    dim: int
    mask_zero: bool | None        # Keras only
    padding_idx: int | None       # PyTorch only
    layer: object

    @property
    def label(self) -> str:
        kind = "nn.Embedding" if self.framework == TORCH else "Embedding"
        return f"{kind} '{self.name}'"

    @property
    def rows_argument(self) -> str:
        return "num_embeddings" if self.framework == TORCH else "input_dim"


# --------------------------------------------------------------------------
# which framework
# --------------------------------------------------------------------------

def framework_of(model, name: str = "model") -> str:
    """"keras" for a Keras model or layer, "torch" for a ``torch.nn.Module``; else a TypeError.

    When the judge grades, a model of the student's own class stays in the kernel
    (a :class:`~helpers.bridge.remote.Remote`): its class's bases tell."""
    if is_remote(model):
        if handle_of(model).derives_from("keras.src.layers.layer.Layer"):
            return KERAS
        if handle_of(model).derives_from("torch.nn.modules.module.Module"):
            return TORCH
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.layers.Layer):
        return KERAS
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return TORCH
    hint = (" (None: does the function that builds it end with `return model`?)"
            if model is None else "")
    raise TypeError(f"{name} must be a keras.Model or a torch.nn.Module, "
                    f"got {type_name(model)}{hint}")


def is_torch_module(value) -> bool:
    """Is ``value`` a ``torch.nn.Module`` (also one that stays in the student's kernel)?"""
    try:
        return framework_of(value) == TORCH
    except TypeError:
        return False


def is_keras_model(value) -> bool:
    """Is ``value`` a ``keras.Model`` (also one that stays in the student's kernel)?"""
    if is_remote(value):
        return handle_of(value).derives_from("keras.src.models.model.Model")
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def where_it_lives(function, model, *args):
    """``function(model, *args)``, run where ``model`` is.

    When the judge grades, a model of the student's own class stays in the kernel;
    what needs the live model (hooks, weights changed for a moment, a trace) runs
    there, and only its result, as data, comes back. Otherwise it runs here."""
    return in_kernel(function, model, *args) if is_remote(model) else function(model, *args)


def named_recurrent(model, name: str) -> RecurrentLayer:
    """The recurrent layer of ``model`` called ``name`` (as :func:`recurrent_layers` names it)."""
    for layer in recurrent_layers(model):
        if layer.name == name:
            return layer
    raise LookupError(f"the model has no recurrent layer {name!r}")


def is_model(value) -> bool:
    """Is ``value`` a Keras model/layer or a torch module?"""
    try:
        framework_of(value)
    except TypeError:
        return False
    return True


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------

def keras_layers(model) -> list:
    """The layers of a Keras model in order, nested models flattened and input layers
    left out; a Bidirectional wrapper counts as one layer."""
    keras = sys.modules["keras"]
    if not isinstance(model, keras.Model):
        return [model]
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        layers.extend(keras_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return layers


def is_keras_pass_through(layer) -> bool:
    """Does this Keras layer keep its input's shape (dropout, normalization, activation)?"""
    return type(layer).__name__ in _KERAS_PASS_THROUGH


def keras_recurrent(layer) -> RecurrentLayer | None:
    """The settings of a Keras recurrent (or Bidirectional) layer; None for other layers."""
    keras = sys.modules["keras"]
    bidirectional = isinstance(layer, keras.layers.Bidirectional)
    inner = layer.forward_layer if bidirectional else layer
    if not isinstance(inner, keras.layers.RNN):
        return None
    cell = inner.cell
    kind = _KERAS_CELLS.get(type(cell).__name__, type(inner).__name__)
    kernel = getattr(cell, "kernel", None) if cell.built else None
    return RecurrentLayer(
        name=layer.name, kind=kind, framework=KERAS,
        input_size=None if kernel is None else int(kernel.shape[0]),
        units=int(cell.units), bidirectional=bidirectional, num_layers=1,
        two_biases=bool(getattr(cell, "reset_after", False)),
        return_sequences=bool(layer.return_sequences), batch_first=None,
        merge_mode=layer.merge_mode if bidirectional else None, layer=layer)


def _torch_recurrent(name: str, module) -> RecurrentLayer | None:
    """The settings of an nn.RNN/LSTM/GRU; None for other modules."""
    nn = sys.modules["torch"].nn
    if not isinstance(module, nn.RNNBase):
        return None
    return RecurrentLayer(
        name=name, kind=_TORCH_MODES.get(module.mode, type(module).__name__), framework=TORCH,
        input_size=int(module.input_size), units=int(module.hidden_size),
        bidirectional=bool(module.bidirectional), num_layers=int(module.num_layers),
        two_biases=bool(module.bias), return_sequences=None,
        batch_first=bool(module.batch_first), merge_mode=None, layer=module)


def recurrent_layers(model) -> list[RecurrentLayer]:
    """Every recurrent layer of ``model`` (SimpleRNN/LSTM/GRU/Bidirectional in Keras,
    nn.RNN/LSTM/GRU in PyTorch), in order, with its settings."""
    if framework_of(model) == KERAS:
        found = (keras_recurrent(layer) for layer in keras_layers(model))
    else:
        found = (_torch_recurrent(name, module) for name, module in model.named_modules())
    return [layer for layer in found if layer is not None]


def embedding_layers(model) -> list[EmbeddingLayer]:
    """Every Embedding layer of ``model``, in order."""
    if framework_of(model) == KERAS:
        keras = sys.modules["keras"]
        return [EmbeddingLayer(layer.name, KERAS, int(layer.input_dim), int(layer.output_dim),
                               bool(layer.mask_zero), None, layer)
                for layer in keras_layers(model) if isinstance(layer, keras.layers.Embedding)]
    nn = sys.modules["torch"].nn
    return [EmbeddingLayer(name, TORCH, int(module.num_embeddings), int(module.embedding_dim),
                           None, module.padding_idx, module)
            for name, module in model.named_modules() if isinstance(module, nn.Embedding)]


def param_counts(model) -> dict[str, int]:
    """Number of parameters (trainable or not) of each layer that has any, in order.

    Keras layers are keyed by name, PyTorch modules by their path in the
    model ("rnn", "encoder.embedding"). A Keras model must be built.
    """
    if framework_of(model) == KERAS:
        if not model.built:
            raise AssertionError(
                "the Keras model has no weights yet, so its parameters cannot be counted: "
                "start it with keras.Input(shape=...) so that Keras builds every layer.")
        counts = {layer.name: int(layer.count_params()) for layer in keras_layers(model)}
    else:
        counts = {name or type(module).__name__:
                  sum(int(p.numel()) for p in module.parameters(recurse=False))
                  for name, module in model.named_modules()}
    return {name: count for name, count in counts.items() if count}


def output_activation(model, batch=None) -> str | None:
    """The activation the model's output comes out of: "sigmoid", "softmax",
    "log_softmax", "linear", "tanh"... or None when it cannot be told.

    Keras: the last layer with an activation (dropout and reshaping layers are
    skipped). PyTorch without ``batch``: the last submodule registered (where
    a plain model's output comes from); with ``batch``: the module runs and
    the last torch operation behind the output is read, so a
    ``torch.sigmoid`` inside ``forward`` is seen too.
    """
    if framework_of(model) == KERAS:
        keras = sys.modules["keras"]
        for layer in reversed(keras_layers(model)):
            inner = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
            if isinstance(inner, keras.layers.Softmax):
                return "softmax"
            activation = getattr(inner, "activation", None)
            if activation is not None:
                return getattr(activation, "__name__", None)
            if layer.weights or type(layer).__name__ == "Lambda":
                return None
        return None
    if batch is not None:
        return _traced_activation(model, batch)
    nn = sys.modules["torch"].nn
    leaves = [m for m in model.modules() if not list(m.children())
              and not isinstance(m, nn.modules.dropout._DropoutNd)]
    last = leaves[-1] if leaves else None
    if isinstance(last, nn.RNNBase):
        return "tanh"
    return _TORCH_ACTIVATIONS.get(type(last).__name__)


def output_units(model, batch=None) -> int | None:
    """The size of the output's last axis (its units), or None when it cannot be told.

    Keras: from the model's symbolic output (or the last layer with ``units``).
    PyTorch: the model runs on ``batch``; without one, None.
    """
    if framework_of(model) == KERAS:
        try:
            return int(model.outputs[0].shape[-1])
        except (AttributeError, IndexError, TypeError, ValueError):
            units = [layer.units for layer in keras_layers(model) if hasattr(layer, "units")]
            return int(units[-1]) if units else None
    if batch is None:
        return None
    out = run_model(model, batch)
    out = out[0] if isinstance(out, tuple) else out
    return int(out.shape[-1]) if getattr(out, "ndim", 0) >= 1 else None


def _traced_activation(model, batch) -> str | None:
    """PyTorch: run ``model`` and follow its output back through value-keeping
    operations to the operation that made it."""
    if is_remote(model):  # only where the model lives can its operations be watched
        return in_kernel(_traced_activation, model, batch)
    from torch.overrides import TorchFunctionMode

    class Watch(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.made_by, self.keep = {}, []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = getattr(func, "__name__", "")
            if name in _SQUASHES:
                kind = name
            elif name in _SAME_VALUES and args and is_tensor(args[0]):
                kind = self.made_by.get(id(args[0]), "linear")
            else:
                kind = "linear"
            if is_tensor(out):
                self.made_by[id(out)] = kind
                self.keep.append(out)  # keeps ids unique while watching
            return out

    watch = Watch()
    with watch:
        out = _torch_forward(model, prepare_batch(batch, TORCH))
    return watch.made_by.get(id(out)) if is_tensor(out) else None


@contextmanager
def shifted_direction(layer: RecurrentLayer, direction: str, scale: float = 0.5):
    """Within the block, add fixed noise to the weights of one direction
    ("forward" or "backward") of a bidirectional layer (its top layer in PyTorch)."""
    if layer.framework == KERAS:
        keras = sys.modules["keras"]
        inner = layer.layer.forward_layer if direction == "forward" else layer.layer.backward_layer
        variables = list(inner.weights)
        saved = [keras.ops.convert_to_numpy(v) for v in variables]
        assign = [lambda value, v=v: v.assign(value) for v in variables]
    else:
        torch = sys.modules["torch"]
        suffix = f"_l{layer.num_layers - 1}" + ("_reverse" if direction == "backward" else "")
        variables = [p for name, p in layer.layer.named_parameters() if name.endswith(suffix)]
        saved = [to_numpy(p).copy() for p in variables]

        def setter(p):
            def assign_one(value):
                with torch.no_grad():
                    p.copy_(torch.from_numpy(value))
            return assign_one
        assign = [setter(p) for p in variables]
    rng = np.random.default_rng(0)
    try:
        for set_value, value in zip(assign, saved):
            set_value((value + scale * rng.standard_normal(value.shape)).astype(value.dtype))
        yield
    finally:
        for set_value, value in zip(assign, saved):
            set_value(value)


# --------------------------------------------------------------------------
# running a model
# --------------------------------------------------------------------------

def prepare_batch(batch, framework: str, name: str = "batch"):
    """``batch`` as ``framework`` takes it: a float32/int64 NumPy array for Keras,
    a tensor for PyTorch (float32 or long from NumPy, float64 tensors as float32).

    Strings pass unchanged for Keras (a model that vectorizes text itself).
    A list of rows of different lengths fails as unpadded ragged input
    (AssertionError); an empty batch or one without a batch axis is a
    ValueError, any other non-numeric one a TypeError.
    """
    if is_tensor(batch):
        array = batch.float() if batch.dtype == sys.modules["torch"].float64 else batch
        shape, kind = tuple(batch.shape), "f" if batch.is_floating_point() else "i"
    else:
        if isinstance(batch, (str, bytes)) or not hasattr(batch, "__len__"):
            raise TypeError(f"{name} must be an array, a tensor or a list of rows, "
                            f"got {type_name(batch)}")
        try:
            array = np.asarray(batch)
        except ValueError:
            array = np.asarray(batch, dtype=object)
        if array.dtype == object and array.size and all(isinstance(v, str) for v in array.flat):
            array = array.astype(str)
        if array.dtype.kind == "U":
            return _text_batch(array, framework, name)
        if array.dtype == object:
            raise AssertionError(
                f"{name} is unpadded ragged input: its rows have different lengths, so they "
                "do not form one (batch, time) array. Pad every sequence to one length first "
                "(keras.utils.pad_sequences, torch.nn.utils.rnn.pad_sequence).")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
        shape, kind = array.shape, array.dtype.kind
    if len(shape) < 2:
        raise ValueError(f"{name} must have a batch axis first, (batch, time) or "
                         f"(batch, time, features), got shape {shape}")
    if 0 in shape:
        raise ValueError(f"{name} is empty (shape {shape}): give at least one example")
    if framework == TORCH:
        torch = sys.modules["torch"]
        if not is_tensor(array):
            array = torch.from_numpy(np.ascontiguousarray(
                array, dtype="float32" if kind == "f" else "int64"))
        return array
    array = to_numpy(array)
    return array.astype("float32" if kind == "f" else "int64", copy=False)


def _text_batch(array: np.ndarray, framework: str, name: str) -> np.ndarray:
    """A batch of strings, for a Keras model that vectorizes text itself."""
    if framework == TORCH:
        raise TypeError(f"{name} holds strings, but a PyTorch module takes tensors of numbers: "
                        "encode the texts into padded token ids first")
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one text, got shape {array.shape}")
    return array


def _as_numpy_outputs(out):
    """Framework outputs as NumPy arrays; tuples/lists (and dicts) as tuples."""
    if isinstance(out, dict):
        out = tuple(out.values())
    if isinstance(out, (tuple, list)):
        return tuple(_as_numpy_outputs(part) for part in out)
    if is_tensor(out):
        return to_numpy(out)
    keras = sys.modules.get("keras")
    if keras is not None and not isinstance(out, np.ndarray):
        return keras.ops.convert_to_numpy(out)
    return np.asarray(out)


def run_model(model, batch, trace: list | None = None):
    """``model``'s output on ``batch`` as NumPy (a tuple of arrays when it returns several).

    Keras runs with ``training=False``; PyTorch in eval mode under
    ``torch.no_grad()`` (the training mode is restored after). With a list as
    ``trace``, PyTorch appends ``(module path, input shape)`` for every
    recurrent module called, in call order. Errors of the model propagate.
    """
    framework = framework_of(model)
    x = prepare_batch(batch, framework)
    if framework == KERAS:
        return _as_numpy_outputs(model(x, training=False))
    return _as_numpy_outputs(_torch_forward(model, x, trace))


def _torch_forward(model, x, trace: list | None = None):
    """The raw output of a PyTorch module, in eval mode and without gradients."""
    if is_remote(model):  # hooks are set where the model lives; ``trace`` comes back filled
        return in_kernel(_torch_forward, model, x, trace)
    torch = sys.modules["torch"]
    parameter = next(model.parameters(), None)
    if parameter is not None:
        x = x.to(parameter.device)
    hooks = []
    if trace is not None:
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.RNNBase):
                hooks.append(module.register_forward_pre_hook(_recorder(trace, name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()


def _recorder(trace: list, name: str):
    def record(module, args):
        first = args[0] if args else None
        trace.append((name, tuple(first.shape) if is_tensor(first) else None))
    return record


# --------------------------------------------------------------------------
# reading Keras' errors
# --------------------------------------------------------------------------

def keras_input_source(error):
    """For Keras' "expected ndim=3, found ndim=2": the layer that produced the
    wrong input (dropout and the like skipped), read from the error's traceback;
    None when it cannot be found."""
    tb, tensor = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "assert_input_compatibility":
            tensor = tb.tb_frame.f_locals.get("x", tensor)
        tb = tb.tb_next
    for _ in range(100):  # walk back through pass-through layers
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return None
        layer = history.operation
        if not is_keras_pass_through(layer):
            return layer
        try:
            tensor = layer._inbound_nodes[history.node_index].input_tensors[0]
        except (AttributeError, IndexError):
            return None
    return None
