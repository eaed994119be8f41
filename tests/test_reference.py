"""Tests for helpers.reference: NumPy recurrent layers agree with Keras and PyTorch."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import torch

from helpers import reference as ref

TOLERANCE = 1e-5
CELLS = ("simple_rnn", "lstm", "gru")
KERAS_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
                "gru": keras.layers.GRU}
TORCH_MODULES = {"simple_rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
TORCH_CELLS = {"simple_rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell,
               "gru": torch.nn.GRUCell}
SIZES = [(1, 1), (3, 5), (7, 16)]
TIMES = (1, 9)


# --------------------------------------------------------------------------
# building and running the framework layers
# --------------------------------------------------------------------------

def keras_layer(cell, features, hidden, bidirectional=False, **options):
    """(layer, model) for a Keras layer built on keras.Input((None, features))."""
    layer = KERAS_LAYERS[cell](hidden, return_sequences=True, return_state=True, **options)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    inputs = keras.Input((None, features))
    return layer, keras.Model(inputs, layer(inputs))


def run_keras(model, x):
    """[outputs, *final states] as NumPy arrays."""
    return [np.asarray(value) for value in model(x.astype(np.float32))]


def torch_module(cell, features, hidden, **options):
    return TORCH_MODULES[cell](features, hidden, batch_first=True, **options)


def run_torch(module, x, initial=None):
    """(outputs, [h_n] or [h_n, c_n]), each state (layers*directions, batch, H)."""
    with torch.no_grad():
        outputs, state = module(torch.tensor(x, dtype=torch.float32), initial)
    states = state if isinstance(state, tuple) else (state,)
    return outputs.numpy(), [s.numpy() for s in states]


def flat(state):
    """A final state as a list: [h] or [h, c]."""
    return list(state) if isinstance(state, tuple) else [state]


def inputs(batch, time, features, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, time, features))


def assert_close(actual, expected, tolerance=TOLERANCE):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    assert np.max(np.abs(actual - expected), initial=0.0) <= tolerance


def assert_same_weights(first, second, tolerance=0.0):
    assert first.cell == second.cell
    for name in ("W_x", "W_h", "b_x", "b_h"):
        assert_close(getattr(first, name), getattr(second, name), tolerance)


# --------------------------------------------------------------------------
# one set of weights, three implementations
# --------------------------------------------------------------------------

@pytest.mark.parametrize("features, hidden", SIZES)
@pytest.mark.parametrize("cell", CELLS)
def test_numpy_keras_and_torch_agree(cell, features, hidden):
    weights = ref.random_weights(cell, features, hidden, seed=features)
    layer, model = keras_layer(cell, features, hidden)
    ref.load_into_keras(layer, weights)
    module = ref.load_into_torch(torch_module(cell, features, hidden), weights)
    for time in TIMES:
        x = inputs(3, time, features, seed=time)
        outputs, state = ref.forward(cell, x, weights)
        keras_outputs, *keras_state = run_keras(model, x)
        torch_outputs, torch_state = run_torch(module, x)
        assert outputs.shape == (3, time, hidden)
        assert_close(keras_outputs, outputs)
        assert_close(torch_outputs, outputs)
        assert_close(outputs[:, -1], flat(state)[0])
        for ours, theirs_keras, theirs_torch in zip(flat(state), keras_state, torch_state):
            assert_close(theirs_keras, ours)
            assert_close(theirs_torch[0], ours)


@pytest.mark.parametrize("cell", CELLS)
def test_initial_states_match_torch(cell):
    weights = ref.random_weights(cell, 3, 5, seed=1)
    module = ref.load_into_torch(torch_module(cell, 3, 5), weights)
    x = inputs(2, 4, 3)
    initial = [np.random.default_rng(i).uniform(-1, 1, (2, 5)) for i in range(2)]
    initial = initial if cell == "lstm" else initial[:1]
    outputs, state = ref.FORWARDS[cell](x, weights, *initial)
    torch_initial = tuple(torch.tensor(s[None], dtype=torch.float32) for s in initial)
    torch_outputs, torch_state = run_torch(
        module, x, torch_initial if cell == "lstm" else torch_initial[0])
    assert_close(torch_outputs, outputs)
    for ours, theirs in zip(flat(state), torch_state):
        assert_close(theirs[0], ours)


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_numpy_keras_and_torch_agree(cell):
    features, hidden = 3, 5
    forward_weights = ref.random_weights(cell, features, hidden, seed=1)
    backward_weights = ref.random_weights(cell, features, hidden, seed=2)
    layer, model = keras_layer(cell, features, hidden, bidirectional=True)
    ref.load_into_keras(layer, forward_weights)
    ref.load_into_keras(layer, backward_weights, direction="backward")
    module = torch_module(cell, features, hidden, bidirectional=True)
    ref.load_into_torch(module, forward_weights)
    ref.load_into_torch(module, backward_weights, direction="backward")
    for time in TIMES:
        x = inputs(2, time, features, seed=time)
        outputs, forward_state, backward_state = ref.bidirectional_forward(
            cell, x, forward_weights, backward_weights)
        assert outputs.shape == (2, time, 2 * hidden)
        keras_outputs, *keras_state = run_keras(model, x)
        torch_outputs, torch_state = run_torch(module, x)
        assert_close(keras_outputs, outputs)
        assert_close(torch_outputs, outputs)
        assert_close(outputs[:, 0, hidden:], flat(backward_state)[0])
        ours = flat(forward_state) + flat(backward_state)
        for mine, theirs in zip(ours, keras_state):
            assert_close(theirs, mine)
        for kind, theirs in enumerate(torch_state):
            assert_close(theirs[0], flat(forward_state)[kind])
            assert_close(theirs[1], flat(backward_state)[kind])


def test_stacked_bidirectional_torch_layers():
    module = torch_module("gru", 3, 4, bidirectional=True, num_layers=2)
    x = inputs(2, 6, 3)
    layer_input = x
    for layer in range(2):
        forward_weights, backward_weights = (
            ref.from_torch(module, "gru", direction, layer) for direction in ref.DIRECTIONS)
        layer_input, *_ = ref.bidirectional_forward("gru", layer_input, forward_weights,
                                                    backward_weights)
    assert forward_weights.input_size == 8
    assert_close(run_torch(module, x)[0], layer_input)


# --------------------------------------------------------------------------
# round trips between the frameworks
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_keras_to_numpy_to_torch(cell):
    layer, model = keras_layer(cell, 3, 5, bias_initializer="random_uniform")
    module = ref.load_into_torch(torch_module(cell, 3, 5), ref.from_keras(layer, cell))
    x = inputs(2, 7, 3)
    keras_outputs, *keras_state = run_keras(model, x)
    torch_outputs, torch_state = run_torch(module, x)
    assert_close(torch_outputs, keras_outputs)
    for theirs_keras, theirs_torch in zip(keras_state, torch_state):
        assert_close(theirs_torch[0], theirs_keras)


@pytest.mark.parametrize("cell", CELLS)
def test_torch_to_numpy_to_keras(cell):
    torch.manual_seed(0)
    module = torch_module(cell, 3, 5)  # both biases are random
    layer, model = keras_layer(cell, 3, 5)
    ref.load_into_keras(layer, ref.from_torch(module, cell))
    x = inputs(2, 7, 3)
    assert_close(run_keras(model, x)[0], run_torch(module, x)[0])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bidirectional_round_trips(cell):
    torch.manual_seed(1)
    module = torch_module(cell, 3, 4, bidirectional=True)
    layer, model = keras_layer(cell, 3, 4, bidirectional=True)
    for direction in ref.DIRECTIONS:
        ref.load_into_keras(layer, ref.from_torch(module, cell, direction), direction)
    x = inputs(2, 5, 3)
    assert_close(run_keras(model, x)[0], run_torch(module, x)[0])
    back = torch_module(cell, 3, 4, bidirectional=True)
    for direction in ref.DIRECTIONS:
        ref.load_into_torch(back, ref.from_keras(layer, cell, direction), direction)
    assert_close(run_torch(back, x)[0], run_torch(module, x)[0])


@pytest.mark.parametrize("cell", CELLS)
def test_torch_round_trip_is_exact(cell):
    torch.manual_seed(2)
    module = torch_module(cell, 3, 4, bidirectional=True, num_layers=2)
    state = module.state_dict()
    for direction in ref.DIRECTIONS:
        for layer in range(2):
            weights = ref.from_torch(state, cell, direction, layer)
            for key, tensor in ref.to_torch(weights, cell, direction, layer).items():
                assert tensor.dtype == torch.float32
                assert torch.equal(tensor, state[key])


@pytest.mark.parametrize("cell", CELLS)
def test_keras_round_trip(cell):
    weights = ref.random_weights(cell, 2, 3, seed=5)
    arrays = ref.to_keras(weights, cell)
    assert [a.dtype for a in arrays] == [np.float32] * 3
    back = ref.from_keras(arrays, cell)
    if cell == "gru":  # the two biases survive
        assert_same_weights(back, weights)
    else:  # Keras keeps only their sum
        assert_close(back.b_x, weights.b_x + weights.b_h, 1e-7)
        assert not back.b_h.any()
        assert_close(ref.forward(cell, inputs(1, 3, 2), back)[0],
                     ref.forward(cell, inputs(1, 3, 2), weights)[0], 1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_from_keras_layer_and_weight_list_agree(cell):
    layer, _ = keras_layer(cell, 3, 2, bidirectional=True)
    for direction in ref.DIRECTIONS:
        assert_same_weights(ref.from_keras(layer, cell, direction),
                            ref.from_keras(layer.get_weights(), cell, direction))
    assert_same_weights(ref.from_keras(layer.get_weights()[3:], cell),
                        ref.from_keras(layer, cell, "backward"))


def test_from_torch_module_and_state_dict_agree():
    module = torch_module("lstm", 3, 2, num_layers=2)
    assert_same_weights(ref.from_torch(module, "lstm", layer=1),
                        ref.from_torch(module.state_dict(), "lstm", layer=1))


def test_gru_gate_blocks_are_swapped_for_torch():
    weights = ref.random_weights("gru", 2, 3)
    state = ref.to_torch(weights, "gru")
    z, r, n = np.split(weights.W_x, 3, axis=1)
    assert_close(state["weight_ih_l0"].numpy(), np.concatenate([r, z, n], axis=1).T)
    b_z, b_r, b_n = np.split(weights.b_h, 3)
    assert_close(state["bias_hh_l0"].numpy(), np.concatenate([b_r, b_z, b_n]))


def test_keras_layer_wrapping_a_cell_is_accepted():
    layer = keras.layers.RNN(keras.layers.LSTMCell(3), return_sequences=True)
    inputs_ = keras.Input((None, 2))
    model = keras.Model(inputs_, layer(inputs_))
    x = inputs(2, 4, 2)
    outputs, _ = ref.lstm_forward(x, ref.from_keras(layer, "lstm"))
    assert_close(np.asarray(model(x.astype(np.float32))), outputs)


# --------------------------------------------------------------------------
# single steps and torch cells
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
def test_steps_match_torch_cells(cell):
    weights = ref.random_weights(cell, 3, 4, seed=3)
    module = ref.load_into_torch(TORCH_CELLS[cell](3, 4), weights)
    assert_same_weights(ref.from_torch(module, cell), weights)
    assert_same_weights(ref.from_torch(module.state_dict(), cell), weights)
    x_t = inputs(1, 2, 3)[0]
    state = tuple(np.random.default_rng(i).uniform(-1, 1, (2, 4)) for i in range(2))
    state = state if cell == "lstm" else state[:1]
    ours = flat(ref.STEPS[cell](x_t, *state, weights))
    with torch.no_grad():
        as_tensors = tuple(torch.tensor(s, dtype=torch.float32) for s in state)
        theirs = module(torch.tensor(x_t, dtype=torch.float32),
                        as_tensors if cell == "lstm" else as_tensors[0])
    for mine, other in zip(ours, flat(theirs)):
        assert_close(other.numpy(), mine)


@pytest.mark.parametrize("cell", CELLS)
def test_forward_of_one_step_is_the_step(cell):
    weights = ref.random_weights(cell, 2, 3)
    x = inputs(4, 1, 2)
    outputs, state = ref.forward(cell, x, weights)
    zeros = [np.zeros((4, 3))] * (2 if cell == "lstm" else 1)
    expected = flat(ref.STEPS[cell](x[:, 0], *zeros, weights))
    for mine, step in zip(flat(state), expected):
        assert_close(mine, step, 0.0)
    assert_close(outputs[:, 0], expected[0], 0.0)


@pytest.mark.parametrize("cell", CELLS)
def test_zero_time_steps_return_the_initial_state(cell):
    weights = ref.random_weights(cell, 2, 3)
    outputs, state = ref.forward(cell, np.zeros((4, 0, 2)), weights)
    assert outputs.shape == (4, 0, 3)
    for value in flat(state):
        assert_close(value, np.zeros((4, 3)), 0.0)


def test_forward_accepts_torch_tensors_and_large_inputs_quietly():
    weights = ref.random_weights("lstm", 2, 3, scale=100.0)
    x = torch.full((1, 3, 2), 1e3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outputs, (_, c) = ref.lstm_forward(x, weights)
    assert np.isfinite(outputs).all() and np.isfinite(c).all()


# --------------------------------------------------------------------------
# canonical weights
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cell, gates", [("simple_rnn", 1), ("lstm", 4), ("gru", 3)])
def test_random_weights_layout(cell, gates):
    weights = ref.random_weights(cell, 3, 5, seed=7)
    assert weights.W_x.shape == (3, gates * 5) and weights.W_h.shape == (5, gates * 5)
    assert weights.b_x.shape == weights.b_h.shape == (gates * 5,)
    assert (weights.input_size, weights.hidden_size) == (3, 5)
    assert repr(weights) == f"RNNWeights(cell={cell!r}, input_size=3, hidden_size=5)"
    assert weights.W_x.dtype == np.float64
    assert_close(weights.W_x.astype(np.float32), weights.W_x, 0.0)  # exact in float32
    assert np.abs(weights.W_h).max() <= 1 / np.sqrt(5)
    assert_same_weights(weights, ref.random_weights(cell, 3, 5, seed=7))
    assert not np.array_equal(weights.W_x, ref.random_weights(cell, 3, 5, seed=8).W_x)


def test_weights_are_read_only_copies():
    source = np.zeros((2, 3))
    weights = ref.RNNWeights("simple_rnn", source, np.zeros((3, 3)), [0, 0, 0], np.zeros(3))
    source[0, 0] = 1.0
    assert weights.W_x[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        weights.W_x[0, 0] = 1.0
    with pytest.raises(AttributeError):
        weights.cell = "lstm"


# --------------------------------------------------------------------------
# errors for people
# --------------------------------------------------------------------------

LSTM = ref.random_weights("lstm", 3, 5)
GRU = ref.random_weights("gru", 3, 5)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ref.lstm_forward(np.zeros((2, 3)), LSTM), ValueError,
     r"x must have shape \(batch, time, features\), got shape \(2, 3\)"),
    (lambda: ref.gru_forward(np.zeros((1, 2, 3, 4)), GRU), ValueError,
     r"x must have shape \(batch, time, features\)"),
    (lambda: ref.bidirectional_forward("gru", np.zeros(3), GRU, GRU), ValueError,
     r"x must have shape \(batch, time, features\)"),
    (lambda: ref.lstm_forward(np.zeros((2, 4, 4)), LSTM), ValueError,
     r"x has 4 features .* input_size=3"),
    (lambda: ref.lstm_forward(np.zeros((2, 4, 3)), LSTM, c0=np.zeros(5)), ValueError,
     r"c0 \(batch, hidden_size\): expected shape \(2, 5\), got \(5,\)"),
    (lambda: ref.gru_forward(np.zeros((2, 4, 3)), LSTM), ValueError,
     r"weights are for a 'lstm' cell but cell='gru'"),
    (lambda: ref.simple_rnn_forward(np.zeros((2, 4, 3)), [np.zeros(3)]), TypeError,
     r"weights must be RNNWeights .* got list"),
    (lambda: ref.bidirectional_forward("gru", np.zeros((1, 2, 3)), GRU, LSTM), ValueError,
     r"backward_weights are for a 'lstm' cell but cell='gru'"),
    (lambda: ref.forward("rnn", np.zeros((1, 2, 3)), GRU), ValueError,
     r"cell must be one of 'simple_rnn', 'lstm', 'gru', got 'rnn'"),
    (lambda: ref.RNNWeights("lstm", np.zeros((3, 6)), np.zeros((1, 4)), np.zeros(4),
                            np.zeros(4)), ValueError,
     r"W_x: expected a 2-D array with 4\*hidden_size columns .* got shape \(3, 6\)"),
    (lambda: ref.RNNWeights("gru", np.zeros((3, 6)), np.zeros((2, 3)), np.zeros(6),
                            np.zeros(6)), ValueError,
     r"W_h: expected shape \(2, 6\), got \(2, 3\)"),
    (lambda: ref.random_weights("gru", 0, 3), ValueError, r"input_size must be >= 1"),
    (lambda: ref.random_weights("gru", 2, 3, scale=0), ValueError, r"scale must be > 0"),
])
def test_forward_and_weight_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


KERAS_ARRAYS = ref.to_keras(LSTM, "lstm")  # kernel (3, 20), recurrent (5, 20), bias (20,)


@pytest.mark.parametrize("weights, cell, direction, error, message", [
    (KERAS_ARRAYS[:2], "lstm", "forward", ValueError,
     r"Keras LSTM weights: expected 3 arrays \(kernel, recurrent_kernel, bias\), "
     r"or 6 for a Bidirectional layer, got 2"),
    (KERAS_ARRAYS, "lstm", "backward", ValueError,
     r"direction='backward' needs the 6 arrays of a Bidirectional layer, got 3"),
    ([np.zeros((3, 10))] + KERAS_ARRAYS[1:], "lstm", "forward", ValueError,
     r"Keras LSTM kernel \(array 1 of 3\): expected a 2-D array with 4\*hidden_size "
     r"columns .* got shape \(3, 10\)"),
    ([KERAS_ARRAYS[0], np.zeros((4, 20)), KERAS_ARRAYS[2]], "lstm", "forward", ValueError,
     r"Keras LSTM recurrent_kernel \(array 2 of 3\): expected shape \(5, 20\), got \(4, 20\)"),
    (KERAS_ARRAYS[:2] + [np.zeros((2, 20))], "lstm", "forward", ValueError,
     r"Keras LSTM bias \(array 3 of 3\): expected shape \(20,\), got \(2, 20\)"),
    ([np.zeros((3, 15)), np.zeros((5, 15)), np.zeros(15)], "gru", "forward", ValueError,
     r"Keras GRU bias has shape \(15,\): that is a GRU with reset_after=False, which is "
     r"not supported"),
    ([np.zeros((3, 15)), np.zeros((5, 15)), np.zeros((3, 15))], "gru", "forward",
     ValueError, r"Keras GRU bias \(array 3 of 3\): expected shape \(2, 15\), got \(3, 15\)"),
    (KERAS_ARRAYS, "rnn", "forward", ValueError, r"cell must be one of"),
    (KERAS_ARRAYS, "lstm", "reverse", ValueError,
     r"direction must be one of 'forward', 'backward', got 'reverse'"),
    ({"kernel": 1}, "lstm", "forward", TypeError,
     r"expected a Keras layer or its get_weights\(\) list, got dict"),
])
def test_from_keras_weight_list_errors(weights, cell, direction, error, message):
    with pytest.raises(error, match=message):
        ref.from_keras(weights, cell, direction)


def built(layer, features=3):
    layer(keras.Input((None, features)))
    return layer


@pytest.mark.parametrize("make_layer, cell, direction, message", [
    (lambda: built(keras.layers.GRU(5, reset_after=False)), "gru", "forward",
     r"a Keras GRU with reset_after=False is not supported"),
    (lambda: built(keras.layers.Dense(5)), "gru", "forward",
     r"expected a Keras SimpleRNN, LSTM, GRU or Bidirectional layer .* got Dense"),
    (lambda: built(keras.layers.LSTM(5)), "gru", "forward",
     r"the layer is a Keras LSTM but cell='gru'"),
    (lambda: keras.layers.LSTM(5), "lstm", "forward",
     r"the Keras layer has no weights yet: build it first"),
    (lambda: built(keras.layers.SimpleRNN(5, use_bias=False)), "simple_rnn", "forward",
     r"a Keras SimpleRNN with use_bias=False is not supported"),
    (lambda: built(keras.layers.SimpleRNN(5, activation="relu")), "simple_rnn", "forward",
     r"a Keras SimpleRNN with activation='relu' is not supported: the reference uses "
     r"activation='tanh'"),
    (lambda: built(keras.layers.LSTM(5, recurrent_activation="hard_sigmoid")), "lstm",
     "forward", r"recurrent_activation='hard_sigmoid' is not supported"),
    (lambda: built(keras.layers.LSTM(5, go_backwards=True)), "lstm", "forward",
     r"go_backwards=True is not supported: wrap it in keras.layers.Bidirectional"),
    (lambda: built(keras.layers.LSTM(5)), "lstm", "backward",
     r"direction='backward' needs a Keras Bidirectional layer, got LSTM"),
    (lambda: built(keras.layers.Bidirectional(keras.layers.GRU(5, reset_after=False))),
     "gru", "backward", r"a Keras GRU with reset_after=False is not supported"),
])
def test_from_keras_layer_errors(make_layer, cell, direction, message):
    with pytest.raises(ValueError, match=message):
        ref.from_keras(make_layer(), cell, direction)


def test_load_into_keras_errors():
    layer = built(keras.layers.LSTM(5), features=4)
    with pytest.raises(ValueError, match=r"Keras LSTM kernel: the layer expects shape "
                                         r"\(4, 20\), the weights give \(3, 20\)"):
        ref.load_into_keras(layer, LSTM)
    with pytest.raises(ValueError, match=r"the layer is a Keras LSTM but cell='gru'"):
        ref.load_into_keras(layer, GRU)
    with pytest.raises(TypeError, match=r"layer must be a Keras layer, got Linear"):
        ref.load_into_keras(torch.nn.Linear(2, 2), LSTM)
    with pytest.raises(TypeError, match=r"weights must be RNNWeights"):
        ref.load_into_keras(layer, KERAS_ARRAYS)


@pytest.mark.parametrize("make_source, cell, direction, layer, error, message", [
    (lambda: torch.nn.RNN(3, 5, nonlinearity="relu"), "simple_rnn", "forward", 0,
     ValueError, r"the torch module has mode 'RNN_RELU' but cell='simple_rnn' needs mode "
     r"'RNN_TANH' \(nn.RNN with nonlinearity='relu' is not supported\)"),
    (lambda: torch.nn.RNNCell(3, 5, nonlinearity="relu"), "simple_rnn", "forward", 0,
     ValueError, r"mode 'RNN_RELU'"),
    (lambda: torch.nn.LSTM(3, 5), "gru", "forward", 0, ValueError,
     r"the torch module has mode 'LSTM' but cell='gru' needs mode 'GRU'"),
    (lambda: torch.nn.Linear(3, 5), "lstm", "forward", 0, ValueError,
     r"expected a torch.nn.RNN, LSTM or GRU module .* got Linear"),
    (lambda: torch.nn.GRU(3, 5, bias=False), "gru", "forward", 0, ValueError,
     r"a torch module with bias=False is not supported"),
    (lambda: torch.nn.LSTM(3, 5, proj_size=2), "lstm", "forward", 0, ValueError,
     r"a torch LSTM with proj_size > 0 is not supported"),
    (lambda: torch.nn.LSTM(3, 5, proj_size=2).state_dict(), "lstm", "forward", 0,
     ValueError, r"a torch LSTM with proj_size > 0 is not supported"),
    (lambda: torch.nn.GRU(3, 5), "gru", "backward", 0, ValueError,
     r"direction='backward' needs a torch module with bidirectional=True"),
    (lambda: torch.nn.GRU(3, 5, num_layers=2), "gru", "forward", 2, ValueError,
     r"layer=2 but the torch module has num_layers=2 \(layers 0 to 1\)"),
    (lambda: torch.nn.GRU(3, 5), "gru", "forward", -1, ValueError, r"layer must be >= 0"),
    (lambda: torch.nn.GRUCell(3, 5), "gru", "backward", 0, ValueError,
     r"a torch cell module has one direction and one layer"),
    (lambda: torch.nn.GRU(3, 5).state_dict(), "gru", "backward", 0, ValueError,
     r"the state dict has no 'weight_ih_l0_reverse' \(direction='backward', layer=0\); "
     r"its keys are \['bias_hh_l0'"),
    (lambda: {**torch.nn.GRU(3, 5).state_dict(), "weight_hh_l0": torch.zeros(15, 4)},
     "gru", "forward", 0, ValueError,
     r"torch GRU weight_hh_l0: expected shape \(15, 5\), got \(15, 4\)"),
    (lambda: {**torch.nn.GRU(3, 5).state_dict(), "weight_ih_l0": torch.zeros(14, 3)},
     "gru", "forward", 0, ValueError,
     r"torch GRU weight_ih_l0: expected a 2-D array with 3\*hidden_size rows .* "
     r"got shape \(14, 3\)"),
    (lambda: [np.zeros((15, 3))], "gru", "forward", 0, TypeError,
     r"expected a torch module or a state dict, got list"),
])
def test_from_torch_errors(make_source, cell, direction, layer, error, message):
    with pytest.raises(error, match=message):
        ref.from_torch(make_source(), cell, direction, layer)


def test_load_into_torch_errors():
    module = torch.nn.LSTM(4, 5)
    with pytest.raises(ValueError, match=r"torch LSTM weight_ih_l0: the module expects "
                                         r"shape \(20, 4\), the weights give \(20, 3\)"):
        ref.load_into_torch(module, LSTM)
    with pytest.raises(ValueError, match=r"mode 'LSTM' but cell='gru'"):
        ref.load_into_torch(module, GRU)
    with pytest.raises(TypeError, match=r"module must be a torch.nn.Module, got Dense"):
        ref.load_into_torch(keras.layers.Dense(2), LSTM)
    with pytest.raises(TypeError, match=r"weights must be RNNWeights"):
        ref.load_into_torch(module, module.state_dict())
    with pytest.raises(ValueError, match=r"direction must be one of"):
        ref.to_torch(LSTM, "lstm", direction="both")
