"""Reference NumPy recurrent layers and weight converters Keras <-> NumPy <-> PyTorch.

Hidden tests use this module to check a student's layer against an exact
forward pass: load one set of weights into Keras, PyTorch and NumPy, and
compare the outputs.

Canonical layout
----------------
``RNNWeights(cell, W_x, W_h, b_x, b_h)`` holds one direction of one layer,
as read-only float64 arrays, for all three cells (``k`` gates):

=============  ==  =====================  ============================
cell           k   gate blocks, in order  step
=============  ==  =====================  ============================
"simple_rnn"   1   h                      h' = tanh(a_x + a_h)
"lstm"         4   i, f, g, o             c' = s(f) c + s(i) tanh(g),
                                          h' = s(o) tanh(c')
"gru"          3   z, r, n                n = tanh(a_x[n] + s(r) a_h[n]),
                                          h' = z h + (1 - z) n
=============  ==  =====================  ============================

- ``W_x`` (input_size, k*H), ``W_h`` (H, k*H): inputs are rows, ``x @ W_x``;
- ``b_x`` (k*H,) is added to ``x @ W_x`` and ``b_h`` (k*H,) to ``h @ W_h``,
  so ``a_x = x @ W_x + b_x`` and ``a_h = h @ W_h + b_h``;
- ``s`` is the logistic sigmoid; in the GRU ``z`` and ``r`` are
  ``s(a_x + a_h)`` of their blocks, and ``r`` multiplies ``h @ W_hn + b_hn``
  (the ``reset_after=True`` form of Keras 3 and of PyTorch).

Two biases for every cell keep PyTorch weights exact; for SimpleRNN and LSTM
only their sum matters, and a Keras layer gives ``b_h = 0``.

Framework layouts (checked against Keras 3.15 and PyTorch 2.13)
---------------------------------------------------------------
- Keras ``get_weights()``: ``kernel`` (F, kH) = W_x, ``recurrent_kernel``
  (H, kH) = W_h, ``bias`` (kH,) = b_x + b_h; for GRU ``bias`` is (2, kH) with
  rows b_x, b_h. Gate orders i,f,c,o and z,r,h: the canonical ones.
  A ``Bidirectional`` layer lists the forward layer's arrays, then the
  backward layer's.
- PyTorch ``state_dict()``: ``weight_ih_l{n}`` (kH, F) = W_x.T,
  ``weight_hh_l{n}`` (kH, H) = W_h.T, ``bias_ih_l{n}`` = b_x,
  ``bias_hh_l{n}`` = b_h, with the suffix ``_reverse`` for the backward
  direction; cells (``nn.LSTMCell``...) drop the ``_l{n}``. The GRU gate order
  is r, z, n: the first two blocks are swapped against the canonical order.

Bidirectional layers are two ``RNNWeights``; every converter takes
``direction="forward"|"backward"`` to pick one.

API
---
- weights: ``RNNWeights``, ``random_weights(cell, input_size, hidden_size, seed)``
- steps: ``simple_rnn_step(x_t, h, w)``, ``lstm_step(x_t, h, c, w)``, ``gru_step(x_t, h, w)``
- forward passes over x (batch, time, features), returning every hidden state:
  ``simple_rnn_forward``, ``lstm_forward``, ``gru_forward``, ``forward(cell, x, w)``,
  ``bidirectional_forward(cell, x, forward_weights, backward_weights)``
- Keras: ``from_keras``, ``to_keras``, ``load_into_keras``
- PyTorch: ``from_torch``, ``to_torch``, ``load_into_torch``
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from helpers.validation import one_of, positive_int, real_number

__all__ = [
    "CELLS", "DIRECTIONS", "RNNWeights", "random_weights",
    "simple_rnn_step", "lstm_step", "gru_step",
    "simple_rnn_forward", "lstm_forward", "gru_forward", "forward",
    "bidirectional_forward",
    "from_keras", "to_keras", "load_into_keras",
    "from_torch", "to_torch", "load_into_torch",
]

CELLS = ("simple_rnn", "lstm", "gru")
DIRECTIONS = ("forward", "backward")
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
STATE_NAMES = {"simple_rnn": ("h0",), "lstm": ("h0", "c0"), "gru": ("h0",)}
KERAS_NAMES = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
KERAS_ARRAYS = ("kernel", "recurrent_kernel", "bias")
TORCH_MODES = {"simple_rnn": "RNN_TANH", "lstm": "LSTM", "gru": "GRU"}
TORCH_ROLES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


# --------------------------------------------------------------------------
# arrays and argument checks
# --------------------------------------------------------------------------

def _as_float_array(value) -> np.ndarray:
    """``value`` (array, list, torch tensor, Keras variable) as a float64 array."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _check_cell(cell) -> str:
    return one_of(cell, "cell", CELLS)


def _check_direction(direction) -> str:
    return one_of(direction, "direction", DIRECTIONS)


def _expect_shape(source: str, array, expected: tuple) -> np.ndarray:
    """``array`` as float64, or a ValueError saying which shape was expected."""
    array = _as_float_array(array)
    if array.shape != tuple(expected):
        raise ValueError(f"{source}: expected shape {tuple(expected)}, got {array.shape}")
    return array


def _sizes_from_kernel(source: str, kernel, cell: str, gate_axis: int):
    """(input_size, hidden_size) read off an input kernel whose ``gate_axis`` holds k*H."""
    kernel = _as_float_array(kernel)
    gates = GATES[cell]
    side = "columns" if gate_axis == 1 else "rows"
    if kernel.ndim != 2 or kernel.shape[gate_axis] == 0 or kernel.shape[gate_axis] % gates:
        raise ValueError(f"{source}: expected a 2-D array with {gates}*hidden_size {side} "
                         f"for a {cell!r} cell, got shape {kernel.shape}")
    return kernel.shape[1 - gate_axis], kernel.shape[gate_axis] // gates


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64)  # a private copy
    array.setflags(write=False)
    return array


# --------------------------------------------------------------------------
# canonical weights
# --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RNNWeights:
    """One direction of one recurrent layer in the canonical layout (module docstring)."""

    cell: str
    W_x: np.ndarray
    W_h: np.ndarray
    b_x: np.ndarray
    b_h: np.ndarray

    def __post_init__(self):
        cell = _check_cell(self.cell)
        features, hidden = _sizes_from_kernel("W_x", self.W_x, cell, gate_axis=1)
        width = GATES[cell] * hidden
        expected = {"W_x": (features, width), "W_h": (hidden, width),
                    "b_x": (width,), "b_h": (width,)}
        for name, shape in expected.items():
            array = _expect_shape(name, getattr(self, name), shape)
            object.__setattr__(self, name, _readonly(array))

    @property
    def input_size(self) -> int:
        return self.W_x.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.W_h.shape[0]

    def __repr__(self):
        return (f"RNNWeights(cell={self.cell!r}, input_size={self.input_size}, "
                f"hidden_size={self.hidden_size})")


def random_weights(cell: str, input_size: int, hidden_size: int, seed: int = 0,
                   scale: float | None = None) -> RNNWeights:
    """Uniform(-scale, scale) weights (scale 1/sqrt(hidden_size)), exact in float32."""
    cell = _check_cell(cell)
    features = positive_int(input_size, "input_size")
    hidden = positive_int(hidden_size, "hidden_size")
    scale = 1.0 / np.sqrt(hidden) if scale is None else real_number(
        scale, "scale", minimum=0, inclusive=False)
    rng = np.random.default_rng(seed)
    width = GATES[cell] * hidden

    def draw(*shape):
        return rng.uniform(-scale, scale, shape).astype(np.float32)

    return RNNWeights(cell, draw(features, width), draw(hidden, width), draw(width), draw(width))


def _check_weights(weights, cell: str, name: str = "weights") -> RNNWeights:
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"{name} must be RNNWeights (see from_keras, from_torch, "
                        f"random_weights), got {type(weights).__name__}")
    cell = _check_cell(cell)
    if weights.cell != cell:
        raise ValueError(f"{name} are for a {weights.cell!r} cell but cell={cell!r}")
    return weights


# --------------------------------------------------------------------------
# single steps
# --------------------------------------------------------------------------

def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # no overflow for large |a|


def _pre_activations(x_t, h, weights: RNNWeights):
    """(x_t @ W_x + b_x, h @ W_h + b_h)."""
    return x_t @ weights.W_x + weights.b_x, h @ weights.W_h + weights.b_h


def simple_rnn_step(x_t, h, weights: RNNWeights) -> np.ndarray:
    """One SimpleRNN step: x_t (batch, F), h (batch, H) -> new h."""
    _check_weights(weights, "simple_rnn")
    a_x, a_h = _pre_activations(x_t, h, weights)
    return np.tanh(a_x + a_h)


def lstm_step(x_t, h, c, weights: RNNWeights):
    """One LSTM step: x_t (batch, F), h and c (batch, H) -> (new h, new c)."""
    _check_weights(weights, "lstm")
    a_x, a_h = _pre_activations(x_t, h, weights)
    i, f, g, o = np.split(a_x + a_h, 4, axis=-1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def gru_step(x_t, h, weights: RNNWeights) -> np.ndarray:
    """One GRU step (reset_after=True): x_t (batch, F), h (batch, H) -> new h."""
    _check_weights(weights, "gru")
    a_x, a_h = _pre_activations(x_t, h, weights)
    x_z, x_r, x_n = np.split(a_x, 3, axis=-1)
    h_z, h_r, h_n = np.split(a_h, 3, axis=-1)
    z = _sigmoid(x_z + h_z)
    r = _sigmoid(x_r + h_r)
    n = np.tanh(x_n + r * h_n)
    return z * h + (1.0 - z) * n


STEPS = {"simple_rnn": simple_rnn_step, "lstm": lstm_step, "gru": gru_step}


# --------------------------------------------------------------------------
# forward passes
# --------------------------------------------------------------------------

def _check_inputs(x, weights: RNNWeights) -> np.ndarray:
    x = _as_float_array(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (batch, time, features), got shape {x.shape}")
    if x.shape[2] != weights.input_size:
        raise ValueError(f"x has {x.shape[2]} features (shape {x.shape}) but the weights "
                         f"expect input_size={weights.input_size}")
    return x


def _initial_state(cell: str, initial, batch: int, hidden: int) -> tuple:
    """The initial state tuple: zeros where ``initial`` holds None."""
    return tuple(
        np.zeros((batch, hidden)) if value is None
        else _expect_shape(f"{name} (batch, hidden_size)", value, (batch, hidden))
        for name, value in zip(STATE_NAMES[cell], initial))


def _scan(cell: str, x, weights: RNNWeights, initial: tuple):
    """Run ``cell`` over time: (outputs (batch, time, H), final state tuple)."""
    weights = _check_weights(weights, cell)
    x = _check_inputs(x, weights)
    batch, time, _ = x.shape
    state = _initial_state(cell, initial, batch, weights.hidden_size)
    outputs = np.empty((batch, time, weights.hidden_size))
    step = STEPS[cell]
    for t in range(time):
        new = step(x[:, t], *state, weights)
        state = new if isinstance(new, tuple) else (new,)
        outputs[:, t] = state[0]
    return outputs, state


def simple_rnn_forward(x, weights: RNNWeights, h0=None):
    """SimpleRNN over x (batch, time, F): (outputs (batch, time, H), h_T)."""
    outputs, (h,) = _scan("simple_rnn", x, weights, (h0,))
    return outputs, h


def lstm_forward(x, weights: RNNWeights, h0=None, c0=None):
    """LSTM over x (batch, time, F): (outputs (batch, time, H), (h_T, c_T))."""
    outputs, (h, c) = _scan("lstm", x, weights, (h0, c0))
    return outputs, (h, c)


def gru_forward(x, weights: RNNWeights, h0=None):
    """GRU (reset_after=True) over x (batch, time, F): (outputs (batch, time, H), h_T)."""
    outputs, (h,) = _scan("gru", x, weights, (h0,))
    return outputs, h


FORWARDS = {"simple_rnn": simple_rnn_forward, "lstm": lstm_forward, "gru": gru_forward}


def forward(cell: str, x, weights: RNNWeights):
    """The forward pass of ``cell`` from zero states: ``lstm_forward`` etc."""
    return FORWARDS[_check_cell(cell)](x, weights)


def bidirectional_forward(cell: str, x, forward_weights: RNNWeights,
                          backward_weights: RNNWeights):
    """Bidirectional ``cell`` with merge_mode="concat": (outputs (batch, time, 2H),
    forward final state, backward final state).

    The backward direction reads x from the last step to the first; its outputs
    are put back in input order, so ``outputs[:, t]`` is [forward h_t, backward h_t],
    and its final state is the one after reading ``x[:, 0]``.
    """
    cell = _check_cell(cell)
    _check_weights(forward_weights, cell, "forward_weights")
    _check_weights(backward_weights, cell, "backward_weights")
    x = _check_inputs(x, forward_weights)
    forward_outputs, forward_state = forward(cell, x, forward_weights)
    backward_outputs, backward_state = forward(cell, x[:, ::-1], backward_weights)
    outputs = np.concatenate([forward_outputs, backward_outputs[:, ::-1]], axis=-1)
    return outputs, forward_state, backward_state


# --------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------

def _keras_cell_name(layer, keras) -> str | None:
    """The cell name of a Keras RNN layer, or None for anything else."""
    if not isinstance(layer, keras.layers.RNN):
        return None
    cells = {"simple_rnn": keras.layers.SimpleRNNCell, "lstm": keras.layers.LSTMCell,
             "gru": keras.layers.GRUCell}
    return next((name for name, kind in cells.items() if isinstance(layer.cell, kind)), None)


def _check_keras_config(layer, cell: str) -> None:
    """Refuse settings the reference cells do not compute."""
    config = layer.cell.get_config()
    name = f"a Keras {KERAS_NAMES[cell]}"
    if cell == "gru" and not config.get("reset_after", True):
        raise ValueError(f"{name} with reset_after=False is not supported: the reference GRU "
                         f"is the reset_after=True form (the Keras 3 and PyTorch default)")
    if not config.get("use_bias", True):
        raise ValueError(f"{name} with use_bias=False is not supported")
    wanted = {"activation": "tanh", "recurrent_activation": "sigmoid"}
    for key, value in wanted.items():
        if config.get(key, value) != value:
            raise ValueError(f"{name} with {key}={config[key]!r} is not supported: "
                             f"the reference uses {key}={value!r}")


def _keras_layer(layer, cell: str, direction: str):
    """The RNN layer of ``layer`` holding ``direction``, checked against ``cell``."""
    keras = sys.modules["keras"]
    if isinstance(layer, keras.layers.Bidirectional):
        target = layer.forward_layer if direction == "forward" else layer.backward_layer
    elif direction == "backward":
        raise ValueError(f"direction='backward' needs a Keras Bidirectional layer, "
                         f"got {type(layer).__name__}")
    elif getattr(layer, "go_backwards", False):
        raise ValueError("a Keras layer with go_backwards=True is not supported: wrap it in "
                         "keras.layers.Bidirectional or reverse x yourself")
    else:
        target = layer
    found = _keras_cell_name(target, keras)
    if found is None:
        raise ValueError(f"expected a Keras SimpleRNN, LSTM, GRU or Bidirectional layer "
                         f"(or its get_weights() list), got {type(target).__name__}")
    if found != cell:
        raise ValueError(f"the layer is a Keras {KERAS_NAMES[found]} but cell={cell!r}")
    _check_keras_config(target, cell)
    if not target.weights:
        raise ValueError("the Keras layer has no weights yet: build it first, "
                         "e.g. call it on keras.Input((None, features))")
    return target


def _is_keras_layer(value) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.layers.Layer)


def _keras_arrays_of(weight_list, cell: str, direction: str) -> list:
    """The 3 arrays of one direction in a get_weights() list of 3 or 6 arrays."""
    source = f"Keras {KERAS_NAMES[cell]} weights"
    if isinstance(weight_list, (str, bytes, Mapping)) or not hasattr(weight_list, "__len__"):
        raise TypeError(f"expected a Keras layer or its get_weights() list, "
                        f"got {type(weight_list).__name__}")
    count = len(weight_list)
    if count not in (3, 6):
        raise ValueError(f"{source}: expected 3 arrays (kernel, recurrent_kernel, bias), "
                         f"or 6 for a Bidirectional layer, got {count}")
    if count == 3 and direction == "backward":
        raise ValueError(f"{source}: direction='backward' needs the 6 arrays of a "
                         f"Bidirectional layer, got 3")
    start = 3 if direction == "backward" else 0
    return list(weight_list[start:start + 3])


def _from_keras_arrays(arrays: list, cell: str) -> RNNWeights:
    source = f"Keras {KERAS_NAMES[cell]}"
    kernel, recurrent, bias = (_as_float_array(a) for a in arrays)
    features, hidden = _sizes_from_kernel(f"{source} kernel (array 1 of 3)", kernel, cell, 1)
    width = GATES[cell] * hidden
    _expect_shape(f"{source} recurrent_kernel (array 2 of 3)", recurrent, (hidden, width))
    if cell == "gru" and bias.shape == (width,):
        raise ValueError(f"{source} bias has shape {bias.shape}: that is a GRU with "
                         f"reset_after=False, which is not supported (expected shape "
                         f"(2, {width}) from reset_after=True, the default)")
    bias_shape = (2, width) if cell == "gru" else (width,)
    _expect_shape(f"{source} bias (array 3 of 3)", bias, bias_shape)
    b_x, b_h = (bias[0], bias[1]) if cell == "gru" else (bias, np.zeros(width))
    return RNNWeights(cell, kernel, recurrent, b_x, b_h)


def from_keras(layer_or_weights, cell: str, direction: str = "forward") -> RNNWeights:
    """Canonical weights from a built Keras layer or its ``get_weights()`` list.

    For a ``Bidirectional`` layer (or its list of 6 arrays), ``direction``
    picks the forward or the backward layer.
    """
    cell, direction = _check_cell(cell), _check_direction(direction)
    if _is_keras_layer(layer_or_weights):
        arrays = _keras_layer(layer_or_weights, cell, direction).get_weights()
    else:
        arrays = _keras_arrays_of(layer_or_weights, cell, direction)
    return _from_keras_arrays(arrays, cell)


def to_keras(weights: RNNWeights, cell: str) -> list:
    """The float32 arrays for ``layer.set_weights`` of a Keras SimpleRNN/LSTM/GRU.

    For a Bidirectional layer: ``to_keras(forward, cell) + to_keras(backward, cell)``.
    """
    weights = _check_weights(weights, cell)
    if cell == "gru":
        bias = np.stack([weights.b_x, weights.b_h])
    else:
        bias = weights.b_x + weights.b_h
    return [a.astype(np.float32) for a in (weights.W_x, weights.W_h, bias)]


def load_into_keras(layer, weights: RNNWeights, direction: str = "forward"):
    """Set a built Keras layer's weights (one direction of a Bidirectional) and return it."""
    cell = weights.cell if isinstance(weights, RNNWeights) else None
    arrays = to_keras(weights, cell)
    if not _is_keras_layer(layer):
        raise TypeError(f"layer must be a Keras layer, got {type(layer).__name__}")
    target = _keras_layer(layer, cell, _check_direction(direction))
    for name, current, new in zip(KERAS_ARRAYS, target.get_weights(), arrays):
        if current.shape != new.shape:
            raise ValueError(f"Keras {KERAS_NAMES[cell]} {name}: the layer expects shape "
                             f"{current.shape}, the weights give {new.shape}")
    target.set_weights(arrays)
    return layer


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------

def _torch_mode(module, nn) -> str | None:
    """The RNN mode of a torch module ('LSTM', 'RNN_TANH'...), or None for other modules."""
    if isinstance(module, nn.RNNBase):
        return module.mode
    if isinstance(module, nn.RNNCell):
        return "RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU"
    return {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU"}.get(type(module))


def _check_torch_module(module, cell: str, direction: str, layer: int) -> bool:
    """Refuse modules the reference cells do not compute; True for a cell module."""
    nn = sys.modules["torch"].nn
    mode = _torch_mode(module, nn)
    if mode is None:
        raise ValueError(f"expected a torch.nn.RNN, LSTM or GRU module (or a cell, or a "
                         f"state dict), got {type(module).__name__}")
    if mode != TORCH_MODES[cell]:
        hint = " (nn.RNN with nonlinearity='relu' is not supported)" if mode == "RNN_RELU" else ""
        raise ValueError(f"the torch module has mode {mode!r} but cell={cell!r} needs mode "
                         f"{TORCH_MODES[cell]!r}{hint}")
    if not module.bias:
        raise ValueError("a torch module with bias=False is not supported")
    if getattr(module, "proj_size", 0):
        raise ValueError("a torch LSTM with proj_size > 0 is not supported")
    is_cell = not isinstance(module, nn.RNNBase)
    if not is_cell and direction == "backward" and not module.bidirectional:
        raise ValueError("direction='backward' needs a torch module with bidirectional=True")
    if not is_cell and layer >= module.num_layers:
        raise ValueError(f"layer={layer} but the torch module has num_layers="
                         f"{module.num_layers} (layers 0 to {module.num_layers - 1})")
    return is_cell


def _torch_keys(direction: str, layer: int, is_cell: bool) -> dict:
    """role ('weight_ih'...) -> state dict key ('weight_ih_l0_reverse'...)."""
    if is_cell:
        if direction != "forward" or layer != 0:
            raise ValueError("a torch cell module has one direction and one layer: use "
                             "direction='forward' and layer=0")
        suffix = ""
    else:
        suffix = f"_l{layer}" + ("_reverse" if direction == "backward" else "")
    return {role: role + suffix for role in TORCH_ROLES}


def _swap_gru_gates(array: np.ndarray) -> np.ndarray:
    """Swap the first two gate blocks of the last axis: z,r,n <-> r,z,n."""
    first, second, rest = np.split(array, [array.shape[-1] // 3, 2 * array.shape[-1] // 3],
                                   axis=-1)
    return np.concatenate([second, first, rest], axis=-1)


def _switch_gate_order(cell: str, array: np.ndarray) -> np.ndarray:
    """Canonical <-> PyTorch gate order along the last axis (only the GRU differs)."""
    return _swap_gru_gates(array) if cell == "gru" else array


def _torch_arrays(weights: RNNWeights) -> dict:
    """role -> writable array in the PyTorch layout (transposed, GRU gates r,z,n)."""
    def convert(array, transpose=False):
        array = _switch_gate_order(weights.cell, array)
        return np.array(array.T if transpose else array)

    return {"weight_ih": convert(weights.W_x, True), "weight_hh": convert(weights.W_h, True),
            "bias_ih": convert(weights.b_x), "bias_hh": convert(weights.b_h)}


def _from_torch_arrays(arrays: dict, keys: dict, cell: str) -> RNNWeights:
    source = f"torch {KERAS_NAMES[cell]}"
    features, hidden = _sizes_from_kernel(f"{source} {keys['weight_ih']}",
                                          arrays["weight_ih"], cell, gate_axis=0)
    width = GATES[cell] * hidden
    expected = {"weight_ih": (width, features), "weight_hh": (width, hidden),
                "bias_ih": (width,), "bias_hh": (width,)}
    checked = {role: _expect_shape(f"{source} {keys[role]}", arrays[role], shape)
               for role, shape in expected.items()}
    canonical = {role: _switch_gate_order(cell, array.T if role.startswith("weight") else array)
                 for role, array in checked.items()}
    return RNNWeights(cell, canonical["weight_ih"], canonical["weight_hh"],
                      canonical["bias_ih"], canonical["bias_hh"])


def _state_dict_of(module_or_state_dict, cell: str, direction: str, layer: int):
    """(state dict, is_cell) of a torch module or a state dict."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(module_or_state_dict, torch.nn.Module):
        is_cell = _check_torch_module(module_or_state_dict, cell, direction, layer)
        return module_or_state_dict.state_dict(), is_cell
    if isinstance(module_or_state_dict, Mapping):
        return module_or_state_dict, "weight_ih" in module_or_state_dict
    raise TypeError(f"expected a torch module or a state dict, "
                    f"got {type(module_or_state_dict).__name__}")


def from_torch(module_or_state_dict, cell: str, direction: str = "forward",
               layer: int = 0) -> RNNWeights:
    """Canonical weights of one direction of one layer of a torch RNN/LSTM/GRU
    (or cell), or of its ``state_dict()``."""
    cell, direction = _check_cell(cell), _check_direction(direction)
    layer = positive_int(layer, "layer", minimum=0)
    state, is_cell = _state_dict_of(module_or_state_dict, cell, direction, layer)
    keys = _torch_keys(direction, layer, is_cell)
    missing = [key for key in keys.values() if key not in state]
    if missing:
        raise ValueError(f"the state dict has no {missing[0]!r} (direction={direction!r}, "
                         f"layer={layer}); its keys are {sorted(state)}")
    if any(key.startswith("weight_hr") for key in state):
        raise ValueError("a torch LSTM with proj_size > 0 is not supported")
    return _from_torch_arrays({role: state[key] for role, key in keys.items()}, keys, cell)


def to_torch(weights: RNNWeights, cell: str, direction: str = "forward", layer: int = 0):
    """A float32 tensor dict for ``module.load_state_dict(..., strict=False)``:
    ``weight_ih_l{layer}``, ``weight_hh_l{layer}``, ``bias_ih_l{layer}``,
    ``bias_hh_l{layer}``, with ``_reverse`` for direction="backward"."""
    import torch

    weights = _check_weights(weights, cell)
    keys = _torch_keys(_check_direction(direction), positive_int(layer, "layer", minimum=0),
                       is_cell=False)
    return {keys[role]: torch.tensor(array, dtype=torch.float32)
            for role, array in _torch_arrays(weights).items()}


def load_into_torch(module, weights: RNNWeights, direction: str = "forward", layer: int = 0):
    """Copy ``weights`` into one direction of one layer of a torch RNN/LSTM/GRU (or cell)."""
    import torch

    cell = weights.cell if isinstance(weights, RNNWeights) else None
    arrays = _torch_arrays(_check_weights(weights, cell))
    direction, layer = _check_direction(direction), positive_int(layer, "layer", minimum=0)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    keys = _torch_keys(direction, layer, _check_torch_module(module, cell, direction, layer))
    parameters = {role: getattr(module, key) for role, key in keys.items()}
    for role, parameter in parameters.items():
        if tuple(parameter.shape) != arrays[role].shape:
            raise ValueError(f"torch {KERAS_NAMES[cell]} {keys[role]}: the module expects shape "
                             f"{tuple(parameter.shape)}, the weights give {arrays[role].shape}")
    with torch.no_grad():
        for role, parameter in parameters.items():
            parameter.copy_(torch.as_tensor(arrays[role]))
    return module
