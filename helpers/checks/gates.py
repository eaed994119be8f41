"""Chapter 05 checks: the LSTM step, parameter counts of gated layers, and the
models a builder makes for each cell (SimpleRNN, LSTM, GRU).

The LSTM step is checked on one controlled call with fixed random weights
(sizes F=3, H=4, batch=2, all different). When the result is wrong, the
check recomputes the step with each common mistake (the gate blocks read in
another order, a missing gate, a missing tanh, ...) and names the one that
matches. Weights are in the row convention of chapter 02 with the gate
blocks in the order the frameworks store them: i, f, g, o (Keras calls g "c").
"""

from __future__ import annotations

import itertools
import numbers
import sys

import numpy as np

from helpers.checks.core import call_student, check_callable, check_close, type_name, with_hint
from helpers.checks.introspect import (KERAS, TORCH, framework_of, is_model, recurrent_layers,
                                      where_it_lives)
from helpers.checks.models import check_batch_first, check_output_shape
from helpers.validation import one_of, positive_int

FEATURES, HIDDEN, BATCH = 3, 4, 2
GATE_ORDER = ("i", "f", "g", "o")
CELLS = ("simple_rnn", "lstm", "gru")
FRAMEWORKS = (KERAS, TORCH)
_ATOL = 1e-5
_KINDS = {KERAS: {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"},
          TORCH: {"simple_rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}}
_STORED = "i, f, g, o (Keras names them i, f, c, o)"


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _exact(rng, shape, scale):
    """Random float32 values on a 1/16 grid: exact in float32 and float64 alike."""
    return (np.round(rng.normal(scale=scale, size=shape) * 16) / 16).astype("float32")


def _hard_sigmoid(a):
    """Keras 3's hard_sigmoid: relu6(a + 3) / 6, a piecewise-linear sigmoid."""
    return np.clip(a / 6.0 + 0.5, 0.0, 1.0)


def _hard_sigmoid_keras2(a):
    """Keras 2's hard_sigmoid (the old LSTM default): clip(0.2 a + 0.5, 0, 1)."""
    return np.clip(0.2 * a + 0.5, 0.0, 1.0)


def _controlled_inputs():
    rng = np.random.default_rng(2050)
    width = 4 * HIDDEN
    return {"x_t": _exact(rng, (BATCH, FEATURES), 1.0),
            "h_prev": _exact(rng, (BATCH, HIDDEN), 0.5),
            "c_prev": _exact(rng, (BATCH, HIDDEN), 1.0),
            "W_x": _exact(rng, (FEATURES, width), 0.7),
            "W_h": _exact(rng, (HIDDEN, width), 0.7),
            "b": _exact(rng, (width,), 0.7)}


def _step(args, order=GATE_ORDER, bias=True, inputs=True, recurrent=True, forget=True,
          input_gate=True, output_tanh=True, output_gate=True, new_cell_in_h=True,
          gate=_sigmoid, candidate=np.tanh, forget_times=True, input_times=True):
    """The LSTM step on ``args`` (float64), with the mistakes the flags switch on."""
    a = {name: np.asarray(value, dtype="float64") for name, value in args.items()}
    z = np.zeros((BATCH, 4 * HIDDEN))
    if inputs:
        z = z + a["x_t"] @ a["W_x"]
    if recurrent:
        z = z + a["h_prev"] @ a["W_h"]
    if bias:
        z = z + a["b"]
    blocks = dict(zip(order, np.split(z, 4, axis=1)))
    i, f, o = gate(blocks["i"]), gate(blocks["f"]), gate(blocks["o"])
    g = candidate(blocks["g"])
    kept = (f * a["c_prev"] if forget_times else f + a["c_prev"]) if forget else 0.0
    added = (i * g if input_times else i + g) if input_gate else g
    c = kept + added
    shown = c if new_cell_in_h else a["c_prev"]
    squashed = np.tanh(shown) if output_tanh else shown
    h = o * squashed if output_gate else squashed
    return h, c


_ROW = ("The row convention: x_t (batch, F) @ W_x (F, 4H) and h_prev (batch, H) @ W_h "
        "(H, 4H), then + b (4H,).")
_HARD = ("the gates i, f, o take the exact sigmoid 1 / (1 + exp(-z)), not a hard sigmoid (a "
         "piecewise-linear approximation, the LSTM default of old Keras): Keras 3's and "
         "PyTorch's LSTM layers use the exact one.")
_MISTAKES = {
    "forget": (dict(forget=False), "c_prev is ignored: the cell state keeps f * c_prev, "
               "so c_t = f * c_prev + i * g."),
    "input_gate": (dict(input_gate=False), "the input gate is missing: c_t = f * c_prev + i * g."),
    "output_tanh": (dict(output_tanh=False), "h_t = o * tanh(c_t): apply tanh to the new "
                    "cell state before the output gate."),
    "output_gate": (dict(output_gate=False), "the output gate is missing: h_t = o * tanh(c_t)."),
    "old_cell": (dict(new_cell_in_h=False), "h_t uses c_prev: compute c_t first, then "
                 "h_t = o * tanh(c_t)."),
    "sigmoid_candidate": (dict(candidate=_sigmoid), "the candidate g takes tanh, not the "
                          "sigmoid: only the gates i, f, o take the sigmoid."),
    "tanh_gates": (dict(gate=np.tanh), "the gates i, f, o take the sigmoid (values in (0, 1)), "
                   "not tanh: they are fractions of what passes."),
    "hard_sigmoid": (dict(gate=_hard_sigmoid), _HARD),
    "hard_sigmoid_keras2": (dict(gate=_hard_sigmoid_keras2), _HARD),
    "input_plus": (dict(input_times=False), "c_t = f * c_prev + i * g: the input gate "
                   "multiplies the candidate (i * g), it is not added to it (i + g)."),
    "forget_plus": (dict(forget_times=False), "c_t = f * c_prev + i * g: the forget gate "
                    "multiplies the old cell state (f * c_prev), it is not added to it."),
    "both_plus": (dict(forget_times=False, input_times=False), "c_t = f * c_prev + i * g: "
                  "the gates multiply what they let through (f * c_prev, i * g), they are not "
                  "added."),
    "bias": (dict(bias=False), "the bias b is missing: add it to x_t @ W_x + h_prev @ W_h."),
    "inputs": (dict(inputs=False), "the input term x_t @ W_x is missing."),
    "recurrent": (dict(recurrent=False), "the recurrent term h_prev @ W_h is missing: it is "
                  "how the gates see the previous state."),
}


def _close(actual, expected) -> bool:
    actual, expected = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    return actual.shape == expected.shape and bool(np.allclose(actual, expected, rtol=0,
                                                               atol=_ATOL))


def _matmul_advice(error) -> str | None:
    text = str(error)
    if "matmul" in text or "not aligned" in text or "mismatch" in text or "broadcast" in text:
        return _ROW
    return None


def _result_pair(out, call: str):
    """The student's (h_t, c_t) as float64 arrays, checked for form and shape."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = (f"a {type_name(out)} of {len(out)} values" if isinstance(out, (tuple, list))
               else f"a {type_name(out)}")
        raise AssertionError(f"{call} should return the pair (h_t, c_t), got {got}.")
    arrays = []
    for name, value in zip(("h_t", "c_t"), out):
        if not isinstance(value, np.ndarray):
            raise AssertionError(f"{call}: {name} should be a NumPy array, got a "
                                 f"{type_name(value)}.")
        if value.shape == (HIDDEN, BATCH):
            raise AssertionError(f"{call}: {name} has shape {value.shape} = (H, batch), "
                                 f"transposed. {_ROW}")
        if value.shape != (BATCH, HIDDEN):
            raise AssertionError(f"{call}: {name} should have shape (batch, H) = "
                                 f"{(BATCH, HIDDEN)}, got {value.shape}.")
        arrays.append(value.astype("float64"))
    return arrays


def _diagnose_step(h, c, args) -> str | None:
    want_h, want_c = _step(args)
    if _close(h, want_c) and _close(c, want_h):
        return "lstm_step returned (c_t, h_t): return (h_t, c_t), in this order."
    for order in itertools.permutations(GATE_ORDER):
        if order != GATE_ORDER and all(map(_close, (h, c), _step(args, order=order))):
            return (f"the gate blocks are read in the wrong order ({', '.join(order)}): the "
                    f"weights hold them as {_STORED}, block k = [:, k*H:(k+1)*H].")
    for flags, message in _MISTAKES.values():
        if all(map(_close, (h, c), _step(args, **flags))):
            return message
    return None


def _framework_layer_check(lstm_step, framework: str) -> None:
    """Load random weights into the framework's LSTM and compare one step with it."""
    rng = np.random.default_rng(2051)
    h0 = rng.uniform(-0.9, 0.9, (BATCH, HIDDEN)).astype("float32")
    c0 = rng.uniform(-2.0, 2.0, (BATCH, HIDDEN)).astype("float32")
    x = rng.normal(size=(BATCH, 1, FEATURES)).astype("float32")
    if framework == KERAS:
        keras = sys.modules.get("keras") or __import__("keras")
        layer = keras.layers.LSTM(HIDDEN, return_state=True)
        layer.build((None, None, FEATURES))
        kernel, recurrent, bias = (rng.normal(scale=0.5, size=w.shape).astype("float32")
                                   for w in layer.get_weights())
        layer.set_weights([kernel, recurrent, bias])
        _, h_want, c_want = (keras.ops.convert_to_numpy(v)
                             for v in layer(x, initial_state=[h0, c0]))
        read = "kernel, recurrent_kernel, bias = layer.get_weights()"
    else:
        import torch

        layer = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        with torch.no_grad():
            for parameter in layer.parameters():
                parameter.copy_(torch.from_numpy(
                    rng.normal(scale=0.5, size=tuple(parameter.shape)).astype("float32")))
            _, (h_n, c_n) = layer(torch.from_numpy(x), (torch.from_numpy(h0)[None],
                                                         torch.from_numpy(c0)[None]))
        h_want, c_want = h_n[0].numpy(), c_n[0].numpy()
        kernel, recurrent = (layer.weight_ih_l0.detach().numpy().T,
                             layer.weight_hh_l0.detach().numpy().T)
        bias = (layer.bias_ih_l0 + layer.bias_hh_l0).detach().numpy()
        read = "W_x = weight_ih_l0.T, W_h = weight_hh_l0.T, b = bias_ih_l0 + bias_hh_l0"
    call = f"lstm_step on the weights of a {'Keras' if framework == KERAS else 'PyTorch'} LSTM"
    out = call_student(lstm_step, call, x[:, 0].copy(), h0.copy(), c0.copy(), kernel, recurrent,
                       bias, diagnose=_matmul_advice)
    h, c = _result_pair(out, call)
    check_close(h, h_want, f"h_t of {call} ({read})")
    check_close(c, c_want, f"c_t of {call} ({read})")


def check_lstm_step(lstm_step, framework: str | None = None) -> None:
    """Check ``lstm_step(x_t, h_prev, c_prev, W_x, W_h, b) -> (h_t, c_t)`` (NumPy).

    One controlled call with fixed random weights names the common mistakes;
    with ``framework`` ("keras" or "torch") the step is then compared with that
    framework's LSTM layer, loaded with random weights, to 1e-5.
    """
    check_callable(lstm_step, "lstm_step")
    if framework is not None:
        one_of(framework, "framework", FRAMEWORKS)
    args = _controlled_inputs()
    call = "lstm_step(x_t, h_prev, c_prev, W_x, W_h, b)"
    given = {name: value.copy() for name, value in args.items()}
    out = call_student(lstm_step, call, *given.values(), diagnose=_matmul_advice)
    h, c = _result_pair(out, call)
    for name, value in given.items():
        if not np.array_equal(value, args[name]):
            raise AssertionError(f"{call} changed its argument {name}: compute new arrays "
                                 "instead of updating the inputs in place.")
    want_h, want_c = _step(args)
    if not (_close(h, want_h) and _close(c, want_c)):
        found = _diagnose_step(h, c, args)
        if found:
            raise AssertionError(f"{call}: {found}")
        check_close(c, want_c, f"c_t of {call} (c_t = f * c_prev + i * g)")
        check_close(h, want_h, f"h_t of {call} (h_t = o * tanh(c_t))")
    if framework is not None:
        _framework_layer_check(lstm_step, framework)


# --------------------------------------------------------------------------
# parameter counts
# --------------------------------------------------------------------------

def _layer_count(cell: str, framework: str, input_size: int, units: int) -> int:
    """The parameters of the framework's own layer: the truth the formula must match."""
    if framework == KERAS:
        keras = sys.modules.get("keras") or __import__("keras")
        layer = getattr(keras.layers, _KINDS[KERAS][cell])(units)
        layer.build((None, None, input_size))
        return int(layer.count_params())
    import torch

    module = getattr(torch.nn, _KINDS[TORCH][cell])(input_size, units)
    return sum(int(p.numel()) for p in module.parameters())


def _count_mistakes(cell: str, framework: str, F: int, H: int) -> dict[int, str]:
    """Wrong counts -> the sentence that explains them."""
    kernels = F * H + H * H
    plain, two = kernels + H, kernels + 2 * H
    module = f"nn.{_KINDS[TORCH][cell]}" if framework == TORCH else f"Keras' {_KINDS[KERAS][cell]}"
    gates = {"lstm": 4, "gru": 3}[cell]
    other, this = {"lstm": ("a GRU", "an LSTM"), "gru": ("an LSTM", "a GRU")}[cell]
    mistakes = {
        plain: "that is a SimpleRNN's count: each gate has its own kernel, recurrent kernel "
               "and bias.",
        two: "that is nn.RNN's count: each gate has its own kernel, recurrent kernel and biases.",
        gates * kernels: f"the biases are missing: {module} adds them to every gate.",
    }
    for biases in (plain, two):
        mistakes[(7 - gates) * biases] = (f"{7 - gates} sets of weights is {other}'s count; "
                                          f"{this} has {gates}.")
    if framework == TORCH:
        mistakes[gates * plain] = (f"one bias per gate is Keras' count; {module} keeps two, "
                                   f"bias_ih and bias_hh: {gates} * 2 * hidden_size biases.")
    elif cell == "gru":
        mistakes[gates * plain] = (
            "3 x SimpleRNN misses the second bias row: with reset_after=True (the default) the "
            "GRU's bias has shape (2, 3 * units), one row added to x_t @ W_x and one to "
            "h @ W_h, so 3 * units more.")
    else:
        mistakes[gates * two] = (f"two biases per gate is PyTorch's count; {module} keeps one: "
                                 f"{gates} * units biases.")
    return mistakes


def check_gate_param_count(count_params_fn, cell: str, framework: str) -> None:
    """Check a student's ``count_params_fn(input_dim, units)`` against the parameter
    count of the framework's own LSTM or GRU layer, naming the common mistakes
    (a SimpleRNN's count, one bias instead of two, Keras' GRU bias row)."""
    check_callable(count_params_fn, "count_params_fn")
    one_of(cell, "cell", ("lstm", "gru"))
    one_of(framework, "framework", FRAMEWORKS)
    name = getattr(count_params_fn, "__name__", "count_params_fn")
    for F, H in ((3, 5), (16, 32)):
        call = f"{name}({F}, {H})"
        got = call_student(count_params_fn, call, F, H)
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            raise AssertionError(f"{call} should return an int, got a {type_name(got)}.")
        want = _layer_count(cell, framework, F, H)
        if got != want:
            layer = (f"nn.{_KINDS[TORCH][cell]}({F}, {H})" if framework == TORCH
                     else f"keras.layers.{_KINDS[KERAS][cell]}({H}) on {F} features")
            why = _count_mistakes(cell, framework, F, H).get(int(got))
            raise AssertionError(with_hint(f"{call} returned {got}, but {layer} has {want} "
                                           "parameters:", why or "count every gate's input "
                                           "kernel, recurrent kernel and bias(es)."))


# --------------------------------------------------------------------------
# a model for each cell
# --------------------------------------------------------------------------

def _return_state_advice(error) -> str | None:
    text = str(error)
    if "values to unpack" in text:
        return ("With return_state=True a Keras LSTM returns [output, h, c], three values (its "
                "two states), but a GRU or SimpleRNN [output, h]: unpack by cell type, or "
                "keep the default, the final h only.")
    return None


def _lstm_unpacking_message(shape) -> str:
    return ("unpacking nn.LSTM's output as `output, h_n`: nn.LSTM returns output, (h_n, c_n), "
            f"so that h_n is the pair and h_n[-1] is c_n, hence {shape}. Write "
            "`output, (h_n, c_n) = self.rnn(x)`.")


def _lstm_tuple_advice(cell: str, error: BaseException) -> str | None:
    """An LSTM whose (h_n, c_n) pair reached a layer as if it were h_n."""
    if cell == "lstm" and isinstance(error, TypeError) and "tuple" in str(error):
        return _lstm_unpacking_message("a tuple")
    return None


def _torch_lstm_checks(model, layer, batch, cell_call: str) -> None:
    """The output comes from h_n[-1], not c_n; the forget gate's bias starts at 1."""
    import torch

    lstm = layer.layer
    units = layer.units
    forget = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()[units:2 * units]
    if not torch.allclose(forget, torch.ones_like(forget)):
        raise AssertionError(
            f"{cell_call}: the LSTM's forget-gate bias should start at 1, as in Keras: the "
            f"blocks are i, f, g, o, so fill bias_ih_l0[{units}:{2 * units}] with 1 and "
            f"bias_hh_l0[{units}:{2 * units}] with 0.")
    heads = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if not heads:
        return
    from helpers.checks.torch_probes import last_recurrent_result
    out, (_, (h_n, c_n)) = where_it_lives(last_recurrent_result, model, batch, layer.name)
    with torch.no_grad():
        from_h, from_c = heads[-1](h_n[-1]), heads[-1](c_n[-1])
    if (isinstance(out, torch.Tensor) and out.shape == from_c.shape
            and torch.allclose(out, from_c, atol=1e-6)
            and not torch.allclose(out, from_h, atol=1e-6)):
        raise AssertionError(f"{cell_call}: the head reads c_n, the LSTM's cell state; "
                             "one prediction per review reads h_n[-1], the hidden state.")


def check_cell_models(build, vocab_size: int) -> None:
    """Check ``build(cell, vocab_size)`` for cell "simple_rnn", "lstm" and "gru": one
    recurrent layer of that kind, an Embedding started from N(0, 1), one output per
    review (batch, 1), and for an LSTM the state read right and a forget-gate bias of 1."""
    check_callable(build, "build")
    vocab_size = positive_int(vocab_size, "vocab_size", minimum=2)
    name = getattr(build, "__name__", "build")
    rng = np.random.default_rng(2052)
    ids = rng.integers(1, vocab_size, size=(4, 9))
    for cell in CELLS:
        cell_call = f"{name}({cell!r}, {vocab_size})"
        model = call_student(build, cell_call, cell, vocab_size, diagnose=_return_state_advice)
        if not is_model(model):
            end = " End the function with `return model`." if model is None else ""
            raise AssertionError(f"{cell_call} should return a keras.Model or a "
                                 f"torch.nn.Module, got {type_name(model)}.{end}")
        framework = framework_of(model)
        layers = recurrent_layers(model)
        want = _KINDS[framework][cell]
        if len(layers) != 1 or layers[0].kind != want:
            found = ", ".join(layer.label for layer in layers) or "no recurrent layer"
            raise AssertionError(f"{cell_call} should hold one {want} layer for cell={cell!r}, "
                                 f"found {found}.")
        layer = layers[0]
        _check_embedding_start(model, framework, cell_call)
        if framework == KERAS:
            if cell == "lstm" and not layer.layer.cell.unit_forget_bias:
                raise AssertionError(f"{cell_call}: keep unit_forget_bias=True (the default), "
                                     "which starts the forget gate's bias at 1.")
            check_output_shape(model, ids, (4, 1), name=cell_call)
            continue
        import torch

        check_batch_first(model)
        batch = torch.from_numpy(ids)
        with torch.no_grad():
            was_training = model.training
            model.eval()
            try:
                out = call_student(model, f"{cell_call}(batch)", batch,
                                   diagnose=lambda error: _lstm_tuple_advice(cell, error))
            finally:
                model.train(was_training)
        if cell == "lstm" and isinstance(out, torch.Tensor) and tuple(out.shape) == (1, 4, 1):
            raise AssertionError(_lstm_unpacking_message(f"the output shape {tuple(out.shape)}"
                                                         " instead of (4, 1)"))
        check_output_shape(model, batch, (4, 1), name=cell_call)
        if cell == "lstm":
            _torch_lstm_checks(model, layer, batch, cell_call)


def _check_embedding_start(model, framework: str, cell_call: str) -> None:
    from helpers.checks.introspect import embedding_layers

    embeddings = embedding_layers(model)
    if not embeddings:
        raise AssertionError(f"{cell_call} has no Embedding layer: the word ids need one.")
    layer = embeddings[0].layer
    if framework == KERAS:
        vectors = np.asarray(sys.modules["keras"].ops.convert_to_numpy(layer.embeddings))
        expected, fix = 2, "embeddings_initializer=keras.initializers.RandomNormal(stddev=2.0)"
    else:
        vectors = layer.weight.detach().cpu().numpy()
        expected, fix = 1, "nn.Embedding's default initialisation"
    if vectors.std() < 0.75 * expected:   # a sample of a few hundred values: far from both sides
        raise AssertionError(f"{cell_call}: the Embedding's vectors start with a standard "
                             f"deviation of {vectors.std():.3f}, expected about {expected}: use {fix}.")
