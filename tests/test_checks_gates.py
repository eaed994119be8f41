"""Unit tests for helpers.checks.gates (chapter 05): the LSTM step, the parameter
counts of gated layers and a model per cell, each mistake built and its message
asserted."""

import re

import keras
import numpy as np
import pytest
import torch
from torch import nn

from helpers import checks
from precision import assert_names_only_its_own

keras.utils.set_random_seed(0)
torch.manual_seed(0)


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def hard_sigmoid(a):       # keras.activations.hard_sigmoid in Keras 3
    return np.clip(a / 6 + 0.5, 0, 1)


def make_step(order="ifgo", forget=True, output_tanh=True, swap=False, bias=True,
              gate=sigmoid, plus=""):
    def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):
        z = x_t @ W_x + h_prev @ W_h + (b if bias else 0)
        blocks = dict(zip(order, np.split(z, 4, axis=1)))
        i, f, g, o = gate(blocks["i"]), gate(blocks["f"]), np.tanh(blocks["g"]), gate(blocks["o"])
        kept = f + c_prev if "f" in plus else f * c_prev
        c = (kept if forget else 0) + (i + g if "i" in plus else i * g)
        h = o * (np.tanh(c) if output_tanh else c)
        return (c, h) if swap else (h, c)
    return lstm_step


# --------------------------------------------------------------------------
# lstm_step
# --------------------------------------------------------------------------

@pytest.mark.parametrize("framework", [None, "keras", "torch"])
def test_lstm_step_passes(framework):
    checks.check_lstm_step(make_step(), framework=framework)


def test_float32_step_passes():
    step = make_step()
    checks.check_lstm_step(lambda *args: tuple(a.astype("float32") for a in step(
        *(np.asarray(a, dtype="float32") for a in args))), framework="keras")


@pytest.mark.parametrize("step, fragment", [
    (make_step(order="ifog"), "the gate blocks are read in the wrong order (i, f, o, g)"),
    (make_step(order="igfo"), "the gate blocks are read in the wrong order (i, g, f, o)"),
    (make_step(forget=False), "c_prev is ignored"),
    (make_step(output_tanh=False), "apply tanh to the new cell state"),
    (make_step(swap=True), "returned (c_t, h_t): return (h_t, c_t)"),
    (make_step(bias=False), "the bias b is missing"),
    (lambda x, h, c, W_x, W_h, b: make_step()(x, 0 * h, c, W_x, W_h, b), "recurrent term h_prev @ W_h"),
])
def test_lstm_step_mistakes_are_named(step, fragment):
    with raises(fragment):
        checks.check_lstm_step(step)


NAMED_STEPS = {"not a hard sigmoid": make_step(gate=hard_sigmoid),
               "multiplies the candidate (i * g)": make_step(plus="i"),
               "multiplies the old cell state (f * c_prev)": make_step(plus="f"),
               "they are not added": make_step(plus="fi"),
               "c_prev is ignored": make_step(forget=False),
               "the gates i, f, o take the sigmoid": make_step(gate=np.tanh),
               "the bias b is missing": make_step(bias=False)}


@pytest.mark.parametrize("says", list(NAMED_STEPS))
def test_each_lstm_step_diagnosis_names_only_its_own_mistake(says):
    assert_names_only_its_own(lambda: checks.check_lstm_step(NAMED_STEPS[says]), says, NAMED_STEPS)


def test_lstm_step_form():
    with raises("should return the pair (h_t, c_t), got a numpy.ndarray"):
        checks.check_lstm_step(lambda *args: make_step()(*args)[0])
    with raises("h_t should be a NumPy array, got a torch.Tensor"):
        checks.check_lstm_step(lambda *args: tuple(torch.from_numpy(a) for a in make_step()(*args)))
    with raises("transposed"):
        checks.check_lstm_step(lambda *args: tuple(a.T for a in make_step()(*args)))
    with raises("The row convention"):
        checks.check_lstm_step(lambda x, h, c, W_x, W_h, b: (W_x @ x, c))


def test_lstm_step_that_changes_its_inputs():
    def in_place(x_t, h_prev, c_prev, W_x, W_h, b):
        h, c = make_step()(x_t, h_prev, c_prev, W_x, W_h, b)
        c_prev *= 0
        return h, c
    with raises("changed its argument c_prev"):
        checks.check_lstm_step(in_place)


def test_unnamed_wrong_step_still_fails_with_values():
    with raises("c_t of lstm_step"):
        checks.check_lstm_step(lambda *args: tuple(a + 0.1 for a in make_step()(*args)))


def test_not_implemented_propagates():
    def blank(*args):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.check_lstm_step(blank)


def test_lstm_step_bad_arguments():
    with pytest.raises(TypeError, match="lstm_step must be a function"):
        checks.check_lstm_step(3)
    with pytest.raises(ValueError, match="framework must be one of"):
        checks.check_lstm_step(make_step(), framework="jax")


# --------------------------------------------------------------------------
# parameter counts
# --------------------------------------------------------------------------

def count(gates, biases):
    return lambda F, H: gates * (F * H + H * H + biases * H)


@pytest.mark.parametrize("fn, cell, framework", [
    (count(4, 1), "lstm", "keras"), (count(3, 2), "gru", "keras"),
    (count(4, 2), "lstm", "torch"), (count(3, 2), "gru", "torch"),
])
def test_right_counts_pass(fn, cell, framework):
    checks.check_gate_param_count(fn, cell, framework)


@pytest.mark.parametrize("fn, cell, framework, fragment", [
    (count(3, 1), "gru", "keras", "3 x SimpleRNN misses the second bias row"),
    (count(4, 2), "lstm", "keras", "two biases per gate is PyTorch's count"),
    (count(4, 1), "lstm", "torch", "one bias per gate is Keras' count; nn.LSTM keeps two"),
    (count(3, 1), "gru", "torch", "one bias per gate is Keras' count; nn.GRU keeps two"),
    (count(1, 1), "lstm", "keras", "that is a SimpleRNN's count"),
    (count(4, 0), "lstm", "keras", "the biases are missing"),
    (count(4, 1), "gru", "keras", "4 sets of weights is an LSTM's count; a GRU has 3"),
    (count(3, 2), "lstm", "keras", "3 sets of weights is a GRU's count; an LSTM has 4"),
    (lambda F, H: 7, "lstm", "torch", "count every gate's input kernel"),
])
def test_count_mistakes_are_named(fn, cell, framework, fragment):
    with raises(fragment):
        checks.check_gate_param_count(fn, cell, framework)


def test_count_must_be_an_int():
    with raises("should return an int, got a float"):
        checks.check_gate_param_count(lambda F, H: float(count(4, 1)(F, H)), "lstm", "keras")


def test_count_bad_arguments():
    with pytest.raises(ValueError, match="cell must be one of"):
        checks.check_gate_param_count(count(4, 1), "simple_rnn", "keras")
    with pytest.raises(ValueError, match="framework must be one of"):
        checks.check_gate_param_count(count(4, 1), "lstm", "tf")
    with pytest.raises(TypeError, match="count_params_fn must be a function"):
        checks.check_gate_param_count(None, "lstm", "keras")


# --------------------------------------------------------------------------
# a model per cell
# --------------------------------------------------------------------------

KERAS_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
TORCH_MODULES = {"simple_rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def keras_builder(init=2.0, kinds=KERAS_LAYERS, return_state=False):
    def build(cell, vocab_size, units=16):
        ids = keras.Input(shape=(None,), dtype="int64")
        vectors = keras.layers.Embedding(
            vocab_size, 8, embeddings_initializer=keras.initializers.RandomNormal(stddev=init))(ids)
        if return_state:
            _, state = kinds[cell](units, return_state=True)(vectors)
        else:
            state = kinds[cell](units)(vectors)
        return keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(state))
    return build


class TorchModel(nn.Module):
    def __init__(self, cell, vocab_size, units, forget_bias=True, unpack=True, read_c=False,
                 batch_first=True, like_lstm=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 8)
        self.rnn = TORCH_MODULES[cell](8, units, batch_first=batch_first)
        if cell == "lstm" and forget_bias:
            with torch.no_grad():
                self.rnn.bias_ih_l0[units:2 * units].fill_(1.0)
                self.rnn.bias_hh_l0[units:2 * units].fill_(0.0)
        self.head = nn.Linear(units, 1)
        self.unpack, self.read_c, self.like_lstm = unpack, read_c, like_lstm

    def forward(self, ids):
        if self.like_lstm:   # every cell unpacked as nn.LSTM's (h_n, c_n)
            output, (h_n, c_n) = self.rnn(self.embedding(ids))
            return self.head(h_n[-1])
        output, state = self.rnn(self.embedding(ids))
        if self.unpack and isinstance(state, tuple):
            state = state[1] if self.read_c else state[0]
        return self.head(state[-1])


def torch_builder(**options):
    return lambda cell, vocab_size, units=16: TorchModel(cell, vocab_size, units, **options)


@pytest.mark.parametrize("build", [keras_builder(), torch_builder()])
def test_right_models_pass(build):
    checks.check_cell_models(build, 20)


@pytest.mark.parametrize("build, fragment", [
    (keras_builder(return_state=True), "a Keras LSTM returns [output, h, c]"),
    (keras_builder(init=0.05), "the Embedding's vectors start with a standard deviation"),
    (keras_builder(init=1.0), "expected about 2: use embeddings_initializer"),
    (keras_builder(kinds={**KERAS_LAYERS, "gru": keras.layers.LSTM}),
     "should hold one GRU layer for cell='gru', found LSTM"),
    (torch_builder(unpack=False), "unpacking nn.LSTM's output as `output, h_n`"),
    (torch_builder(forget_bias=False), "the LSTM's forget-gate bias should start at 1"),
    (torch_builder(read_c=True), "the head reads c_n, the LSTM's cell state"),
    (torch_builder(batch_first=False), "forgetting batch_first=True"),
    (torch_builder(like_lstm=True), "unpacks the pair that only nn.LSTM returns: nn.RNN and nn.GRU"),
])
def test_model_mistakes_are_named(build, fragment):
    with raises(fragment):
        checks.check_cell_models(build, 20)


def test_builder_that_returns_nothing():
    with raises("should return a keras.Model or a torch.nn.Module, got NoneType"):
        checks.check_cell_models(lambda cell, vocab_size: None, 20)


def test_model_bad_arguments():
    with pytest.raises(TypeError, match="build must be a function"):
        checks.check_cell_models("build", 20)
    with pytest.raises(ValueError, match="vocab_size must be >= 2"):
        checks.check_cell_models(keras_builder(), 1)
