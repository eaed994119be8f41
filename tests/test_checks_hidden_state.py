"""Unit tests for helpers.checks.hidden_state (chapter 02): correct functions pass,
every named mistake is recognised and named, and bad arguments raise clear errors."""

import re

import numpy as np
import pytest
import torch

from helpers.checks import hidden_state as hs
from precision import assert_names_only_its_own


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# rnn_step
# ---------------------------------------------------------------------------

def step_ok(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


STEP_MISTAKES = {
    "the bias b is missing": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh),
    "W_h is transposed": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),
    "use np.tanh, not a sigmoid": lambda x, h, Wx, Wh, b: 1 / (1 + np.exp(-(x @ Wx + h @ Wh + b))),
    "use np.tanh, not ReLU": lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0),
    "the activation is missing": lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b,
    "h_prev is ignored": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b),
    "the input term x_t @ W_x is missing": lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b),
    "not W_x @ x_t": lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + Wh @ h + b),
    "applied tanh to each term separately":
        lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + np.tanh(b),
    "the result is transposed": lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T,
    "Return a NumPy array": lambda x, h, Wx, Wh, b: torch.tanh(torch.from_numpy(x @ Wx + h @ Wh + b)),
}


def test_check_rnn_step_accepts_a_correct_step():
    hs.check_rnn_step(step_ok)


@pytest.mark.parametrize("says", list(STEP_MISTAKES))
def test_check_rnn_step_names_each_mistake(says):
    with raises(says):
        hs.check_rnn_step(STEP_MISTAKES[says])


def test_check_rnn_step_rejects_in_place_updates():
    def in_place(x_t, h_prev, W_x, W_h, b):
        h_prev *= 1.0
        h_prev += 1.0
        return np.tanh(x_t @ W_x + (h_prev - 1.0) @ W_h + b)

    with raises("changed its argument h_prev"):
        hs.check_rnn_step(in_place)


def test_check_rnn_step_lets_not_implemented_through():
    def blank(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        hs.check_rnn_step(blank)


# ---------------------------------------------------------------------------
# rnn_forward
# ---------------------------------------------------------------------------

def forward_ok(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = step_ok(x[:, t], h, W_x, W_h, b)
        states.append(h)
    return np.stack(states, axis=1), h


def forward_always_h0(x, h0, W_x, W_h, b):
    states = [step_ok(x[:, t], h0, W_x, W_h, b) for t in range(x.shape[1])]
    return np.stack(states, axis=1), states[-1]


def forward_last_only(x, h0, W_x, W_h, b):
    return forward_ok(x, h0, W_x, W_h, b)[1]


def forward_last_twice(x, h0, W_x, W_h, b):
    h = forward_ok(x, h0, W_x, W_h, b)[1]
    return h, h


def forward_axis0(x, h0, W_x, W_h, b):
    states, h = forward_ok(x, h0, W_x, W_h, b)
    return np.swapaxes(states, 0, 1), h


def forward_with_h0(x, h0, W_x, W_h, b):
    states, h = forward_ok(x, h0, W_x, W_h, b)
    return np.concatenate([h0[:, None], states], axis=1), h


def forward_shifted(x, h0, W_x, W_h, b):
    states, h = forward_ok(x, h0, W_x, W_h, b)
    return np.concatenate([h0[:, None], states[:, :-1]], axis=1), h


def forward_x_t_indexing(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = step_ok(x[t], h, W_x, W_h, b)
        states.append(h)
    return np.stack(states, axis=1), h


def forward_wrong_h_T(x, h0, W_x, W_h, b):
    states, _ = forward_ok(x, h0, W_x, W_h, b)
    return states, states[:, 0]


def forward_from_zeros(x, h0, W_x, W_h, b):
    return forward_ok(x, np.zeros_like(h0), W_x, W_h, b)


FORWARD_MISTAKES = {
    "every step starts from h0": forward_always_h0,
    "start from zeros, not from h0": forward_from_zeros,
    "only the last state": forward_last_only,
    "axis=1": forward_axis0,
    "it includes h0": forward_with_h0,
    "shifted by one step": forward_shifted,
    "not x[t]": forward_x_t_indexing,
    "h_T from": forward_wrong_h_T,
}


def test_check_rnn_forward_accepts_a_correct_forward_pass():
    hs.check_rnn_forward(forward_ok)


@pytest.mark.parametrize("says", list(FORWARD_MISTAKES))
def test_check_rnn_forward_names_each_mistake(says):
    with raises(says):
        hs.check_rnn_forward(FORWARD_MISTAKES[says])


def test_each_forward_diagnosis_names_only_its_own_mistake():
    """Precision: no message names a mistake the answer does not make."""
    for says, mistaken in FORWARD_MISTAKES.items():
        assert_names_only_its_own(lambda: hs.check_rnn_forward(mistaken), says, FORWARD_MISTAKES)


def test_check_rnn_forward_names_states_holding_only_the_last_state():
    with raises("only the last state"):
        hs.check_rnn_forward(forward_last_twice)


# ---------------------------------------------------------------------------
# weight transfer: Keras
# ---------------------------------------------------------------------------

def keras_ok(layer, W_x, W_h, b):
    layer.set_weights([W_x, W_h, b])


KERAS_MISTAKES = {
    "in the order of layer.weights": lambda layer, W_x, W_h, b: layer.set_weights([W_h, W_x, b]),
    "the recurrent_kernel is W_h itself": lambda layer, W_x, W_h, b: layer.set_weights([W_x, W_h.T, b]),
    "the bias was not loaded":
        lambda layer, W_x, W_h, b: layer.set_weights([W_x, W_h, np.zeros_like(b)]),
    "did not change the layer's weights": lambda layer, W_x, W_h, b: None,
}


def test_check_weight_transfer_accepts_a_correct_keras_load():
    hs.check_weight_transfer(keras_ok, framework="keras")


@pytest.mark.parametrize("says", list(KERAS_MISTAKES))
def test_check_weight_transfer_names_each_keras_mistake(says):
    with raises(says):
        hs.check_weight_transfer(KERAS_MISTAKES[says], framework="keras")


# ---------------------------------------------------------------------------
# weight transfer: PyTorch
# ---------------------------------------------------------------------------

def torch_ok(module, W_x, W_h, b):
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(W_x.T))
        module.weight_hh_l0.copy_(torch.from_numpy(W_h.T))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()


def torch_split_bias(module, W_x, W_h, b):
    torch_ok(module, W_x, W_h, b)
    with torch.no_grad():
        module.bias_ih_l0.copy_(torch.from_numpy(b / 2))
        module.bias_hh_l0.copy_(torch.from_numpy(b / 2))


def torch_not_transposed(module, W_x, W_h, b):
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(W_x))
        module.weight_hh_l0.copy_(torch.from_numpy(W_h))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()


def torch_bias_twice(module, W_x, W_h, b):
    torch_ok(module, W_x, W_h, b)
    with torch.no_grad():
        module.bias_hh_l0.copy_(torch.from_numpy(b))


def torch_w_h_untransposed(module, W_x, W_h, b):
    torch_ok(module, W_x, W_h, b)
    with torch.no_grad():
        module.weight_hh_l0.copy_(torch.from_numpy(W_h))


def torch_without_no_grad(module, W_x, W_h, b):
    module.weight_ih_l0.copy_(torch.from_numpy(W_x.T))


def torch_replaced_by_tensor(module, W_x, W_h, b):
    del module.weight_ih_l0
    module.weight_ih_l0 = torch.from_numpy(W_x.T.copy())


def torch_parameter_wrong_shape(module, W_x, W_h, b):
    torch_ok(module, W_x, W_h, b)
    module.weight_ih_l0 = torch.nn.Parameter(torch.from_numpy(W_x.copy()))


def torch_float64_parameter(module, W_x, W_h, b):
    torch_ok(module, W_x, W_h, b)
    module.weight_ih_l0 = torch.nn.Parameter(torch.from_numpy(W_x.T.astype("float64")))


TORCH_MISTAKES = {
    "copy W_x.T and W_h.T": torch_not_transposed,
    "the bias is counted twice": torch_bias_twice,
    "weight_hh_l0 must hold W_h.T": torch_w_h_untransposed,
    "torch.no_grad()": torch_without_no_grad,
    "not a torch.nn.Parameter": torch_replaced_by_tensor,
    "It holds the matrix untransposed": torch_parameter_wrong_shape,
    "nn.RNN computes in float32": torch_float64_parameter,
}


@pytest.mark.parametrize("load", [torch_ok, torch_split_bias])
def test_check_weight_transfer_accepts_a_correct_torch_load(load):
    hs.check_weight_transfer(load, framework="torch")


@pytest.mark.parametrize("says", list(TORCH_MISTAKES))
def test_check_weight_transfer_names_each_torch_mistake(says):
    with raises(says):
        hs.check_weight_transfer(TORCH_MISTAKES[says], framework="torch")


def test_check_weight_transfer_rejects_an_unknown_framework():
    with pytest.raises(ValueError, match="framework must be 'keras' or 'torch'"):
        hs.check_weight_transfer(keras_ok, framework="numpy")


# ---------------------------------------------------------------------------
# step_jacobian
# ---------------------------------------------------------------------------

def jacobian_ok(h_t, W_h):
    return (1 - h_t**2)[:, None] * W_h.T


JACOBIAN_MISTAKES = {
    "J is transposed": lambda h, W: (1 - h**2)[:, None] * W,
    "the derivative of tanh is missing": lambda h, W: W.T.copy(),
    "it is 1 - h_t**2": lambda h, W: (1 - h)[:, None] * W.T,
    "applied tanh to h_t again": lambda h, W: (1 - np.tanh(h) ** 2)[:, None] * W.T,
    "scaled the columns": lambda h, W: W.T * (1 - h**2)[None, :],
    "should return the (H, H)": lambda h, W: 1 - h**2,
}


def test_check_step_jacobian_accepts_a_correct_jacobian():
    hs.check_step_jacobian(jacobian_ok)
    hs.check_step_jacobian(lambda h, W: np.diag(1 - h**2) @ W.T)


@pytest.mark.parametrize("says", list(JACOBIAN_MISTAKES))
def test_check_step_jacobian_names_each_mistake(says):
    with raises(says):
        hs.check_step_jacobian(JACOBIAN_MISTAKES[says])


# ---------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("check", [hs.check_rnn_step, hs.check_rnn_forward,
                                   hs.check_step_jacobian])
def test_a_called_function_is_a_clear_type_error(check):
    with pytest.raises(TypeError, match="without calling it"):
        check(np.zeros(3))


def test_the_checks_are_exported_by_the_package():
    from helpers import checks

    for name in ("check_rnn_step", "check_rnn_forward", "check_weight_transfer",
                 "check_step_jacobian"):
        assert getattr(checks, name) is getattr(hs, name)


def test_check_rnn_forward_names_h0_at_every_step_even_with_a_wrong_step():
    def wrong_step(x_t, h_prev, W_x, W_h, b):   # W_h transposed: wrong values, right shapes
        return np.tanh(x_t @ W_x + h_prev @ W_h.T + b)

    def always_h0(x, h0, W_x, W_h, b):
        states = [wrong_step(x[:, t], h0, W_x, W_h, b) for t in range(x.shape[1])]
        return np.stack(states, axis=1), states[-1]

    with raises("every step starts from h0"):
        hs.check_rnn_forward(always_h0)
