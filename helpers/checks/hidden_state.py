"""Chapter 02 checks: the recurrence step, the forward pass over time, loading
NumPy weights into a framework layer, and the Jacobian of one step.

Each check calls the student's function on controlled inputs that isolate one
term of ``h_t = tanh(x_t @ W_x + h_prev @ W_h + b)`` (zero weights except one
term, a non-symmetric ``W_h``, sizes F=3, H=4, batch=2, time=5 that are all
different) so that a missing bias, a transposed matrix or a wrong activation
leaves a recognisable result, and the message says which term is wrong. The
expected values are computed here only for these controlled inputs.
"""

from __future__ import annotations

import numpy as np

from helpers.checks.core import (call_student, check_callable, check_close, check_type, one_line,
                                 type_name)

# Only the public names of helpers.checks.core are used here; the few private
# pieces below (calling the student's function, type names) are local.

FEATURES, HIDDEN, BATCH, TIME = 3, 4, 2, 5
TRANSFER_FRAMEWORKS = ("keras", "torch")
_ATOL = 1e-5

# --------------------------------------------------------------------------
# controlled inputs (float32, exact small values)
# --------------------------------------------------------------------------

_X_T = np.array([[1.0, 0.0, 0.5],
                 [0.0, -1.0, 2.0]], dtype="float32")             # (batch, F)
_H_PREV = np.array([[0.5, -0.25, 0.0, 1.0],
                    [-1.0, 0.5, 0.25, 0.0]], dtype="float32")    # (batch, H)
_W_X = np.array([[0.5, -0.25, 0.0, 0.75],
                 [0.25, 0.5, -0.5, 0.0],
                 [0.0, 0.25, 0.5, -0.25]], dtype="float32")      # (F, H)
_W_H = np.array([[0.0, 0.5, 0.0, 0.0],
                 [0.0, 0.0, -0.75, 0.0],
                 [0.25, 0.0, 0.0, 0.5],
                 [0.0, 0.0, 0.0, 0.25]], dtype="float32")        # (H, H), not symmetric
_B = np.array([0.5, -1.0, 0.25, 1.5], dtype="float32")           # (H,)
_ZERO_X = np.zeros_like(_W_X)
_ZERO_H = np.zeros_like(_W_H)
_ZERO_B = np.zeros_like(_B)


def _check_numpy(x, name: str) -> None:
    tensor = hasattr(x, "numpy") or hasattr(x, "detach")
    check_type(x, np.ndarray, name, "Return a NumPy array (np.tanh, np.stack, np.zeros ...)"
               + (", not a tensor." if tensor else "."))


def _sequence() -> np.ndarray:
    """A fixed (batch, time, F) input with distinct, small values."""
    values = np.linspace(-1.0, 1.0, BATCH * TIME * FEATURES, dtype="float32")
    return np.round(values.reshape(BATCH, TIME, FEATURES) * 4) / 4


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _close(actual, expected) -> bool:
    actual, expected = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    return actual.shape == expected.shape and bool(np.allclose(actual, expected, rtol=0, atol=_ATOL))


def _controlled_states(x, h0, W_x, W_h, b, carry=True) -> np.ndarray:
    """Plain expected states for the controlled inputs (not a student-facing helper)."""
    h, states = np.asarray(h0, dtype="float64"), []
    for t in range(x.shape[1]):
        start = h if carry else h0
        h = np.tanh(x[:, t] @ W_x + start @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def _matmul_advice(error) -> str | None:
    text = str(error)
    if "matmul" in text or "shapes" in text and "not aligned" in text or "mismatch" in text:
        return ("The row convention is used throughout: x_t is (batch, F) and W_x is (F, H), so "
                "the input term is x_t @ W_x and the recurrent term h_prev @ W_h (batch, H), "
                "not W_x @ x_t or W_h @ h_prev.")
    return None


# --------------------------------------------------------------------------
# rnn_step
# --------------------------------------------------------------------------

def _step_call(W_x_name="W_x", W_h_name="W_h", b_name="b") -> str:
    return f"rnn_step(x_t, h_prev, {W_x_name}, {W_h_name}, {b_name})"


def _run_step(rnn_step, call, W_x, W_h, b):
    args = [a.copy() for a in (_X_T, _H_PREV, W_x, W_h, b)]
    out = call_student(rnn_step, call, *args, diagnose=_matmul_advice)
    _check_numpy(out, f"the result of {call}")
    shape = tuple(out.shape)
    want = (BATCH, HIDDEN)
    if shape == (HIDDEN, BATCH):
        raise AssertionError(
            f"{call} returned shape {shape} = (H, batch): the result is transposed. With "
            f"x_t (batch, F) = {_X_T.shape}, h_prev (batch, H) = {_H_PREV.shape} and the row "
            f"convention x_t @ W_x + h_prev @ W_h + b, h_t has shape (batch, H) = {want}.")
    if shape != want:
        raise AssertionError(
            f"{call} should return h_t with shape (batch, H) = {want} (x_t {_X_T.shape}, "
            f"h_prev {_H_PREV.shape}, W_x {W_x.shape}, W_h {W_h.shape}, b {b.shape}), "
            f"got {shape}.")
    for name, given, original in zip(("x_t", "h_prev", "W_x", "W_h", "b"), args,
                                     (_X_T, _H_PREV, W_x, W_h, b)):
        if not np.array_equal(given, original):
            raise AssertionError(f"{call} changed its argument {name}: compute a new array "
                                 "instead of updating the inputs in place.")
    return np.asarray(out, dtype="float64")


def check_rnn_step(rnn_step) -> None:
    """Check ``rnn_step(x_t, h_prev, W_x, W_h, b) -> h_t`` (NumPy, row convention).

    Three calls isolate one term each (only b, only x_t @ W_x, only
    h_prev @ W_h), then one call uses all of them.
    """
    check_callable(rnn_step, "rnn_step")
    # 1. only the bias: W_x = 0 and W_h = 0, so h_t = tanh(b) in every row
    call = _step_call("W_x=0", "W_h=0", "b") + " (only the bias term is non-zero)"
    out = _run_step(rnn_step, call, _ZERO_X, _ZERO_H, _B)
    want = np.tanh(np.broadcast_to(_B, (BATCH, HIDDEN)).astype("float64"))
    if not _close(out, want):
        got = np.round(out[0], 4).tolist()
        if _close(out, 0 * want):
            raise AssertionError(
                f"{call} returned zeros, but it should be tanh(b) = "
                f"{np.round(want[0], 4).tolist()} in every row: the bias b is missing. "
                "Add it inside the tanh: np.tanh(x_t @ W_x + h_prev @ W_h + b).")
        if _close(out, _sigmoid(want * 0 + _B)):
            raise AssertionError(
                f"{call} returned sigmoid(b) = {got}, values in (0, 1): use np.tanh, not a "
                "sigmoid. The simple RNN's activation is tanh, whose values lie in (-1, 1).")
        if _close(out, np.maximum(_B, 0) + 0 * want):
            raise AssertionError(
                f"{call} returned ReLU(b) = {got}: use np.tanh, not ReLU. The simple RNN's "
                "activation is tanh, which keeps every state in (-1, 1).")
        if _close(out, _B + 0 * want):
            raise AssertionError(
                f"{call} returned b itself, {got}: the activation is missing. "
                "Apply np.tanh to the sum x_t @ W_x + h_prev @ W_h + b.")
        if _close(out, np.tanh(2 * _B) + 0 * want):
            raise AssertionError(
                f"{call} returned tanh(2 b) = {got}: the bias is added twice; add b once.")
        check_close(out, want, f"h_t from {call} (it must be tanh(b) in every row)")
    # 2. only the input term
    call = _step_call("W_x", "W_h=0", "b=0") + " (only the input term is non-zero)"
    out = _run_step(rnn_step, call, _W_X, _ZERO_H, _ZERO_B)
    want = np.tanh(_X_T.astype("float64") @ _W_X)
    if not _close(out, want):
        if _close(out, 0 * want):
            raise AssertionError(
                f"{call} returned zeros: the input term x_t @ W_x is missing.")
        check_close(out, want, f"h_t from {call} (it must be tanh(x_t @ W_x))")
    # 3. only the recurrent term
    call = _step_call("W_x=0", "W_h", "b=0") + " (only the recurrent term is non-zero)"
    out = _run_step(rnn_step, call, _ZERO_X, _W_H, _ZERO_B)
    want = np.tanh(_H_PREV.astype("float64") @ _W_H)
    if not _close(out, want):
        if _close(out, np.tanh(_H_PREV.astype("float64") @ _W_H.T)):
            raise AssertionError(
                f"{call} returned tanh(h_prev @ W_h.T): W_h is transposed. In the row "
                "convention the recurrent term is h_prev @ W_h, where W_h[j, i] is the "
                "weight from unit j at step t-1 to unit i at step t (not W_h.T, and not "
                "W_h @ h_prev).")
        if _close(out, 0 * want):
            raise AssertionError(
                f"{call} returned zeros: h_prev is ignored, the recurrent term "
                "h_prev @ W_h is missing. It is what carries memory from step to step.")
        check_close(out, want, f"h_t from {call} (it must be tanh(h_prev @ W_h))")
    # 4. all terms together
    call = _step_call() + " (all terms non-zero)"
    out = _run_step(rnn_step, call, _W_X, _W_H, _B)
    a_x = _X_T.astype("float64") @ _W_X
    a_h = _H_PREV.astype("float64") @ _W_H
    want = np.tanh(a_x + a_h + _B)
    if not _close(out, want):
        if _close(out, np.tanh(a_x) + np.tanh(a_h) + np.tanh(_B)):
            raise AssertionError(
                f"{call} applied tanh to each term separately: add the three terms first, "
                "then apply tanh once to the sum.")
        check_close(out, want, f"h_t from {call} (it must be tanh(x_t @ W_x + h_prev @ W_h + b))")


# --------------------------------------------------------------------------
# rnn_forward
# --------------------------------------------------------------------------

def _index_advice(error) -> str | None:
    advice = _matmul_advice(error)
    if advice:
        return advice + " (rnn_forward calls your rnn_step: if the error comes from there, fix Exercise 1 first.)"
    if isinstance(error, IndexError) or "broadcast" in str(error):
        return ("x has shape (batch, time, features): the inputs of step t are x[:, t] "
                "(batch, features), not x[t] (which is sequence number t, (time, features)).")
    return None


def check_rnn_forward(rnn_forward) -> None:
    """Check ``rnn_forward(x, h0, W_x, W_h, b) -> (states, h_T)``.

    ``states`` is (batch, time, H) with states[:, t] = h_{t+1}; h_T = states[:, -1].
    The first call has W_x = 0 and b = 0 with a non-zero h0, so the states change
    over time only if each step starts from the previous state.
    """
    check_callable(rnn_forward, "rnn_forward")
    x = _sequence()
    cases = [
        ("W_x=0", "W_h", "b=0", _ZERO_X, _W_H + 0.75 * np.eye(HIDDEN, dtype="float32"), _ZERO_B,
         " (only h0 and the recurrent term are non-zero)"),
        ("W_x", "W_h", "b", _W_X, _W_H, _B, " (all terms non-zero)"),
    ]
    for W_x_name, W_h_name, b_name, W_x, W_h, b, note in cases:
        call = f"rnn_forward(x, h0, {W_x_name}, {W_h_name}, {b_name}){note}, x {x.shape}, h0 {_H_PREV.shape}"
        out = call_student(rnn_forward, call, x.copy(), _H_PREV.copy(), W_x.copy(), W_h.copy(), b.copy(),
                    diagnose=_index_advice)
        want = _controlled_states(x, _H_PREV, W_x, W_h, b)
        _check_forward_result(out, call, x, W_x, W_h, b, want)


def _check_forward_result(out, call, x, W_x, W_h, b, want) -> None:
    batch, time, hidden = want.shape
    shape_text = f"(batch, time, H) = {want.shape}"
    if not isinstance(out, (tuple, list)):
        if getattr(out, "shape", None) is not None and tuple(out.shape) == (batch, hidden):
            raise AssertionError(
                f"{call} returned one array of shape {tuple(out.shape)}: only the last state. "
                f"Return the pair (states, h_T): states holds every step, {shape_text}, "
                "and h_T = states[:, -1].")
        raise AssertionError(
            f"{call} should return a pair (states, h_T), got a {type_name(out)}. "
            "End the function with `return states, h`.")
    if len(out) != 2:
        raise AssertionError(
            f"{call} should return a pair (states, h_T), got a {type(out).__name__} of length "
            f"{len(out)}.")
    states, h_T = out
    _check_numpy(states, f"states returned by {call}")
    _check_numpy(h_T, f"h_T returned by {call}")
    shape = tuple(states.shape)
    if shape != want.shape:
        if shape == (batch, hidden):
            raise AssertionError(
                f"states from {call} has shape {shape}: only the last state. Collect the "
                f"state of every step and stack them: states should be {shape_text}.")
        if shape == (time, batch, hidden):
            raise AssertionError(
                f"states from {call} has shape {shape} = (time, batch, H): the states are "
                "stacked along the wrong axis. Use np.stack(list_of_states, axis=1) so that "
                f"states is {shape_text}.")
        if shape == (batch, time + 1, hidden):
            raise AssertionError(
                f"states from {call} has shape {shape}: one step too many, it includes h0. "
                f"states holds h_1 ... h_T, {shape_text}.")
        if shape == (batch * time, hidden):
            raise AssertionError(
                f"states from {call} has shape {shape}: the states were concatenated, not "
                f"stacked. Use np.stack(list_of_states, axis=1): {shape_text}.")
        raise AssertionError(f"states from {call} should have shape {shape_text}, got {shape}.")
    if tuple(h_T.shape) != (batch, hidden):
        raise AssertionError(
            f"h_T from {call} should be the last state, shape (batch, H) = {(batch, hidden)}, "
            f"got {tuple(h_T.shape)}.")
    states = np.asarray(states, dtype="float64")
    from_zeros = _controlled_states(x, np.zeros_like(_H_PREV), W_x, W_h, b)
    if not _close(want, from_zeros) and _close(states, from_zeros):
        raise AssertionError(
            f"states from {call} start from zeros, not from h0: h0 is ignored. Start the "
            "loop from the h0 you are given (h = h0 before the loop), not np.zeros.")
    constant = _close(states, np.broadcast_to(states[:, :1], states.shape))
    if constant and not _close(want, np.broadcast_to(want[:, :1], want.shape)) and not W_x.any():
        # with W_x = 0 the inputs are ignored: states that never change mean the same h0
        # went into every step, whatever rnn_step computes
        raise AssertionError(
            f"states from {call} are the same at every step: every step starts from h0. "
            "Carry the state: the new h of step t is the h_prev of step t+1 "
            "(h = rnn_step(x[:, t], h, W_x, W_h, b) inside the loop).")
    if _close(states, want):
        if not _close(h_T, want[:, -1]):
            raise AssertionError(
                f"h_T from {call} is not the last state: it must equal states[:, -1] "
                "(the state after the last step).")
        return
    if _close(states, _controlled_states(x, _H_PREV, W_x, W_h, b, carry=False)):
        raise AssertionError(
            f"states from {call} are wrong after the first step: every step starts from h0. "
            "Carry the state: the new h of step t is the h_prev of step t+1 "
            "(h = rnn_step(x[:, t], h, W_x, W_h, b) inside the loop).")
    if _close(states[:, 1:], want[:, :-1]):
        raise AssertionError(
            f"states from {call} are shifted by one step: states[:, 0] must be h_1, the state "
            "after reading x[:, 0], not h0.")
    check_close(states, want, f"states from {call}")


# --------------------------------------------------------------------------
# loading the weights into keras.layers.SimpleRNN / torch.nn.RNN
# --------------------------------------------------------------------------

def _transfer_advice(framework):
    def advice(error) -> str | None:
        text = str(error)
        if framework == "keras":
            if "not compatible" in text or "expecting" in text:
                return ("Keras' set_weights takes a list in the order of layer.weights: "
                        "[kernel (F, H) = W_x, recurrent_kernel (H, H) = W_h, bias (H,) = b], "
                        "with the arrays as they are (Keras uses the same row layout as "
                        "our NumPy code, so nothing is transposed).")
            return None
        if "leaf Variable" in text:
            return ("Copy into the parameters inside `with torch.no_grad():` (a parameter "
                    "that requires grad cannot be changed in place while autograd records).")
        if "must match the size" in text or "size mismatch" in text or "shape" in text:
            return ("PyTorch stores the matrices transposed: weight_ih_l0 has shape (H, F) "
                    "and must hold W_x.T, weight_hh_l0 (H, H) must hold W_h.T; copy W_x.T and "
                    "W_h.T (bias_ih_l0 = b, bias_hh_l0 = 0).")
        return None
    return advice


def _new_layer(framework, features, hidden):
    if framework == "keras":
        import keras

        layer = keras.layers.SimpleRNN(hidden, return_sequences=True)
        layer(np.zeros((1, 1, features), dtype="float32"))  # build the weights
        return layer
    import torch

    return torch.nn.RNN(features, hidden, batch_first=True)


def _layer_arrays(framework, layer) -> list:
    if framework == "keras":
        return [np.array(w) for w in layer.get_weights()]
    return [p.detach().cpu().numpy().copy() for p in layer.parameters()]


def _run_layer(framework, layer, x) -> np.ndarray:
    if framework == "keras":
        import keras

        return np.asarray(keras.ops.convert_to_numpy(layer(x)), dtype="float64")
    import torch

    with torch.no_grad():
        output, _ = layer(torch.from_numpy(x))
    return output.detach().cpu().numpy().astype("float64")


def _check_torch_parameters(layer, call) -> None:
    import torch

    expected = {"weight_ih_l0": (HIDDEN, FEATURES), "weight_hh_l0": (HIDDEN, HIDDEN),
                "bias_ih_l0": (HIDDEN,), "bias_hh_l0": (HIDDEN,)}
    for name, shape in expected.items():
        param = getattr(layer, name, None)
        if not isinstance(param, torch.nn.Parameter):
            raise AssertionError(
                f"after {call}, module.{name} is a {type_name(param)}, not a "
                "torch.nn.Parameter: copy the values into the existing parameter "
                f"(module.{name}.copy_(...) inside torch.no_grad()) instead of replacing it.")
        got = tuple(param.shape)
        if got != shape:
            transposed = " It holds the matrix untransposed: PyTorch stores W_x.T and W_h.T." \
                if got == shape[::-1] else ""
            raise AssertionError(
                f"after {call}, module.{name} has shape {got}, but nn.RNN needs {shape}.{transposed}")
        if param.dtype != torch.float32:
            raise AssertionError(
                f"after {call}, module.{name} has dtype {param.dtype}; nn.RNN computes in "
                "float32: copy_ into the existing parameter, which keeps its dtype.")


def check_weight_transfer(load_weights, framework: str) -> None:
    """Check ``load_weights(layer, W_x, W_h, b)`` for ``framework`` "keras"
    (a built ``keras.layers.SimpleRNN(H, return_sequences=True)``) or "torch"
    (``torch.nn.RNN(F, H, batch_first=True)``).

    The layer is run on a fixed input after loading controlled weights: only
    the bias, only the input term, then only the recurrent term (the input is
    non-zero at the first step only, so step 2 is tanh(h_1 @ W_h)), then all.
    """
    check_callable(load_weights, "the load function")
    if framework not in TRANSFER_FRAMEWORKS:
        raise ValueError(f"framework must be 'keras' or 'torch', got {framework!r}")
    name = "load_into_simple_rnn" if framework == "keras" else "load_into_rnn"
    what = ("a built SimpleRNN(4, return_sequences=True) for F=3 inputs" if framework == "keras"
            else "nn.RNN(3, 4, batch_first=True)")
    x = _sequence()
    x_first = np.zeros_like(x)
    x_first[:, 0] = x[:, 0]
    cases = [
        ("W_x", "W_h", "b", _W_X, _W_H, _B, x, "all terms non-zero"),
        ("W_x=0", "W_h=0", "b", _ZERO_X, _ZERO_H, _B, x, "only the bias"),
        ("W_x", "W_h=0", "b=0", _W_X, _ZERO_H, _ZERO_B, x, "only the input term"),
        ("W_x", "W_h", "b=0", _W_X, _W_H, _ZERO_B, x_first,
         "no bias, input at the first step only"),
        ("W_x", "W_h", "b", _W_X, _W_H, _B, x, "all terms non-zero"),
    ]
    for step, (W_x_name, W_h_name, b_name, W_x, W_h, b, inputs, note) in enumerate(cases):
        layer = _new_layer(framework, FEATURES, HIDDEN)
        before = _layer_arrays(framework, layer)
        arg = "layer" if framework == "keras" else "module"
        call = f"{name}({arg}, {W_x_name}, {W_h_name}, {b_name}) ({note}; {arg} = {what})"
        call_student(load_weights, call, layer, W_x.copy(), W_h.copy(), b.copy(),
              diagnose=_transfer_advice(framework))
        if framework == "torch":
            _check_torch_parameters(layer, call)
        after = _layer_arrays(framework, layer)
        if step == 0 and all(np.array_equal(p, q) for p, q in zip(before, after)):
            raise AssertionError(
                f"{call} did not change the {arg}'s weights: load the arrays into the {arg} "
                "you are given (modify it in place).")
        try:
            out = _run_layer(framework, layer, inputs)
        except Exception as error:  # the student's loading broke the layer
            raise AssertionError(
                f"after {call}, running the layer raised {one_line(error)}") from None
        if step == 0:
            continue  # the first call only catches errors; the isolated terms come next
        want = _controlled_states(inputs.astype("float64"), np.zeros((BATCH, HIDDEN)), W_x, W_h, b)
        if _close(out, want):
            continue
        _diagnose_transfer(framework, call, out, want, inputs, W_x, W_h, b, note)


def _diagnose_transfer(framework, call, out, want, x, W_x, W_h, b, note) -> None:
    zeros = np.zeros((BATCH, HIDDEN))
    if note == "only the bias":
        if _close(out, _controlled_states(x, zeros, W_x, W_h, 2 * b)):
            raise AssertionError(
                f"after {call} the layer outputs tanh(2 b): the bias is counted twice. "
                "PyTorch adds bias_ih_l0 and bias_hh_l0, so set bias_ih_l0 = b and "
                "bias_hh_l0 = 0 (zeros), or split b between them.")
        if _close(out, 0 * want):
            raise AssertionError(
                f"after {call} the layer outputs zeros instead of tanh(b): the bias was not "
                "loaded.")
    if note.startswith("no bias") and _close(out, _controlled_states(x, zeros, W_x, W_h.T, b)):
        fix = ("weight_hh_l0 must hold W_h.T (PyTorch computes h_prev @ weight_hh_l0.T)"
               if framework == "torch" else
               "the recurrent_kernel is W_h itself (Keras computes h_prev @ recurrent_kernel, "
               "the same row layout as our NumPy code)")
        raise AssertionError(
            f"after {call} the second step is tanh(h_1 @ W_h.T): the recurrent matrix is "
            f"transposed; {fix}.")
    check_close(out, want, f"the layer's output after {call}, (batch, time, H)")


# --------------------------------------------------------------------------
# the Jacobian of one step
# --------------------------------------------------------------------------

_H_T = np.array([0.5, -0.75, 0.0, 0.25], dtype="float32")


def check_step_jacobian(step_jacobian) -> None:
    """Check ``step_jacobian(h_t, W_h) -> J`` with J[i, j] = dh_t[i] / dh_{t-1}[j],
    that is ``J = diag(1 - h_t**2) @ W_h.T``, for one sequence (h_t of shape (H,)).

    h_t = 0 first (then J = W_h.T exactly, so a transposition shows), then a
    non-zero h_t (so a missing tanh derivative shows).
    """
    check_callable(step_jacobian, "step_jacobian")
    for h_t, shown in ((np.zeros(HIDDEN, dtype="float32"), "h_t=np.zeros(4)"),
                       (_H_T, f"h_t={_H_T.tolist()}")):
        call = f"step_jacobian({shown}, W_h) with a non-symmetric W_h of shape {_W_H.shape}"
        out = call_student(step_jacobian, call, h_t.copy(), _W_H.copy())
        _check_numpy(out, f"the result of {call}")
        if tuple(out.shape) != (HIDDEN, HIDDEN):
            raise AssertionError(
                f"{call} should return the (H, H) = {(HIDDEN, HIDDEN)} matrix "
                f"J[i, j] = dh_t[i] / dh_(t-1)[j], got shape {tuple(out.shape)}.")
        out = np.asarray(out, dtype="float64")
        h = h_t.astype("float64")
        W_h = _W_H.astype("float64")
        want = (1 - h**2)[:, None] * W_h.T
        if _close(out, want):
            continue
        if _close(out, (1 - h**2)[:, None] * W_h) or _close(out, W_h) \
                or _close(out, (1 - h**2)[None, :] * W_h):
            raise AssertionError(
                f"{call} returned a matrix built from W_h, not W_h.T: J is transposed. "
                "h_t[i] = tanh(... + sum_j h_(t-1)[j] W_h[j, i]), so J[i, j] = "
                "(1 - h_t[i]**2) * W_h[j, i]: J = diag(1 - h_t**2) @ W_h.T.")
        if _close(out, W_h.T):
            raise AssertionError(
                f"{call} returned W_h.T: the derivative of tanh is missing. "
                "tanh'(a) = 1 - tanh(a)**2 = 1 - h_t**2, so row i of W_h.T is multiplied "
                "by 1 - h_t[i]**2: J = diag(1 - h_t**2) @ W_h.T.")
        if _close(out, (1 - h)[:, None] * W_h.T):
            raise AssertionError(
                f"{call} used 1 - h_t as the derivative of tanh: it is 1 - h_t**2.")
        if _close(out, (1 - np.tanh(h) ** 2)[:, None] * W_h.T):
            raise AssertionError(
                f"{call} applied tanh to h_t again: h_t is already tanh(a_t), so the "
                "derivative is 1 - h_t**2.")
        if _close(out, (1 - h**2)[None, :] * W_h.T):
            raise AssertionError(
                f"{call} scaled the columns of W_h.T: the derivative belongs to the output "
                "unit i, so scale row i by 1 - h_t[i]**2: J = diag(1 - h_t**2) @ W_h.T.")
        check_close(out, want, f"J from {call}")
