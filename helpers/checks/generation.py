"""Generation checks (chapter 08): teacher-forcing pairs, a per-step language
model, perplexity, sampling with a temperature, generating with a carried
state, and a stream fed chunk by chunk.

Each check calls the student's function on controlled inputs (token ids equal
to their own positions, logits whose softmax is known, small probe models with
fixed weights), computes the right answer itself and names the mistake it sees:
targets not shifted, one output per sequence, a softmax before a from-logits
loss, the summed loss in a perplexity, the temperature applied the wrong way,
greedy decoding that divides by zero, a state that is not carried, a sampled
token that is not fed back, forgetting to reset between independent streams,
and (PyTorch) a carried state that is not detached between chunks.

The language models are a Keras model (a stateful one, batch size 1, where
the state must be carried from call to call) or a PyTorch module whose
``forward(ids, state=None)`` returns ``(logits, state)``.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings

import numpy as np

from helpers.bridge import in_kernel
from helpers.checks.core import (
    call_student,
    check_callable,
    check_close,
    fix_first,
    is_tensor,
    one_line,
    repeat,
    to_numpy,
    type_name,
    with_hint,
)
from helpers.checks.introspect import KERAS, TORCH, framework_of, keras_layers
from helpers.validation import positive_int

NOT_SHIFTED = "targets not shifted"
NOT_CARRIED = "the state is not carried"
NOT_FED_BACK = "the sampled token is not fed back"
NOT_RESET = "forgot to reset between independent streams"
NOT_DETACHED = "the carried state is not detached"
WRONG_WAY = "temperature applied the wrong way"
GREEDY = "temperature 0 is greedy"
RESET_FIX = {KERAS: "call reset_state(model) (layer.reset_state() on each stateful layer) "
                    "before each new stream",
             TORCH: "start each new stream from state = None"}
CARRY_FIX = {KERAS: "use the stateful model as it is: each call starts from the state the "
                    "last call ended in, so reset it only before a new sequence",
             TORCH: "pass the state the last call returned into the next call, "
                    "model(ids, state)"}
CHUNK_FIX = {KERAS: "Reset once per stream, then feed its chunks one after the other: the "
                    "stateful model carries the state itself.",
             TORCH: "Start each stream from state = None, then pass the state each call "
                    "returns into the next call."}


# --------------------------------------------------------------------------
# small pieces
# --------------------------------------------------------------------------

def _ids(value, name: str) -> np.ndarray:
    """1-D integer token ids (a list, an array or a tensor)."""
    array = to_numpy(value)
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a non-empty 1-D array of int token ids, got "
                         f"{type_name(value)} of shape {array.shape} and dtype {array.dtype}")
    return array.astype("int64")


def _array(value, what: str, kinds: str = "biuf") -> np.ndarray:
    """A NumPy array or a tensor as a NumPy array; anything else fails."""
    if not (isinstance(value, np.ndarray) or is_tensor(value)):
        if isinstance(value, (list, tuple)):
            try:
                value = np.asarray(value)
            except ValueError:
                raise AssertionError(f"{what} is a ragged list: return an array.") from None
        else:
            raise AssertionError(f"{what} should be an array, got {type_name(value)}.")
    array = to_numpy(value)
    if array.dtype.kind not in kinds:
        raise AssertionError(f"{what} should hold numbers, got dtype {array.dtype}.")
    return array


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _equal(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=0.0, atol=atol))


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _framework_arg(framework) -> str:
    if framework not in (KERAS, TORCH):
        raise ValueError(f"framework must be 'keras' or 'torch', got {framework!r}")
    return framework


# --------------------------------------------------------------------------
# running a language model (both frameworks)
# --------------------------------------------------------------------------

def reset_stateful(model) -> None:
    """Reset every stateful layer of a Keras model (a PyTorch module has none)."""
    if framework_of(model) == KERAS:
        for layer in keras_layers(model):
            if getattr(layer, "stateful", False):
                layer.reset_state()


def _torch_run(model, ids: np.ndarray, state=None):
    """(logits (time, vocab) as NumPy, state) of a PyTorch language model, no gradients."""
    torch = sys.modules["torch"]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.from_numpy(ids[None]), state)
    finally:
        model.train(was_training)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise AssertionError("the model should return (logits, state), got "
                             f"{type_name(out)}: forward(ids, state=None) returns both.")
    return to_numpy(out[0])[0].astype("float64"), out[1]


def _run(model, pieces, fresh_each: bool = False) -> np.ndarray:
    """Logits (time, vocab) of ``model`` over the 1-D id arrays ``pieces``, read one after
    the other from a fresh state, carrying the state between them (or, with
    ``fresh_each``, from a fresh state each)."""
    framework = framework_of(model)
    out, state = [], None
    if framework == KERAS:
        keras = sys.modules["keras"]
        reset_stateful(model)
        try:
            for piece in pieces:
                if fresh_each:
                    reset_stateful(model)
                logits = model(piece[None].astype("int32"), training=False)
                out.append(keras.ops.convert_to_numpy(logits)[0].astype("float64"))
        finally:
            reset_stateful(model)
        return np.concatenate(out)
    for piece in pieces:
        logits, state = _torch_run(model, piece, None if fresh_each else state)
        out.append(logits)
    return np.concatenate(out)


def _chunks(ids: np.ndarray, chunk_len: int) -> list[np.ndarray]:
    return [ids[k:k + chunk_len] for k in range(0, len(ids), chunk_len)]


def language_model_probe(framework: str, vocab_size: int = 7, units: int = 5,
                         seed: int = 0, record: list | None = None):
    """A small language model with fixed random weights, for the checks.

    Keras: a stateful Sequential model of batch size 1 (``keras.Input(batch_shape=(1,
    None))``), Embedding -> LSTM(stateful=True, return_sequences=True) -> Dense.
    PyTorch: a module whose ``forward(ids, state=None)`` returns ``(logits, state)``.
    With a list as ``record``, the length of every piece of ids it reads is
    appended to it (Keras: when called directly, ``model(ids)``).
    """
    framework = _framework_arg(framework)
    vocab_size, units = positive_int(vocab_size, "vocab_size"), positive_int(units, "units")
    if record is not None and not isinstance(record, list):
        raise TypeError(f"record must be a list or None, got {type_name(record)}")
    rng = np.random.default_rng(positive_int(seed, "seed", minimum=0))
    embed_dim = 3
    if framework == KERAS:
        import keras

        from helpers.checks.keras_probes import ChunkRecorder

        recorder = ChunkRecorder()
        recorder.use(record)
        model = keras.Sequential([
            keras.Input(batch_shape=(1, None), dtype="int32"), recorder,
            keras.layers.Embedding(vocab_size, embed_dim),
            keras.layers.LSTM(units, stateful=True, return_sequences=True),
            keras.layers.Dense(vocab_size)])
        model.set_weights([rng.normal(scale=0.9, size=w.shape).astype("float32")
                           for w in model.get_weights()])
        return model
    from helpers.checks.torch_probes import LanguageModelProbe

    return LanguageModelProbe(vocab_size, units, seed=int(seed), embed_dim=embed_dim, scale=0.9,
                              record=record)


# --------------------------------------------------------------------------
# teacher forcing: inputs and targets
# --------------------------------------------------------------------------

_PAIRS_RULE = ("X[i] = stream[i * seq_len:(i + 1) * seq_len] and Y[i] = stream[i * seq_len + 1:"
               "(i + 1) * seq_len + 1]: each target is the token after its input (x[:-1] -> x[1:]).")


def check_next_token_pairs(next_token_pairs) -> None:
    """Check ``next_token_pairs(stream, seq_len) -> (X, Y)``: ``n = (len(stream) - 1) //
    seq_len`` consecutive pieces of ``seq_len`` tokens, and the same pieces shifted one
    step as targets. The stream is ``np.arange(100, 100 + length)``: every token is its
    own position plus 100."""
    check_callable(next_token_pairs, "next_token_pairs")
    for length, seq_len in ((23, 5), (21, 4), (9, 1)):
        stream = np.arange(100, 100 + length)
        call = f"next_token_pairs(np.arange(100, {100 + length}), seq_len={seq_len})"
        out = call_student(next_token_pairs, call, stream.copy(), seq_len)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise AssertionError(f"{call} should return two arrays, (X, Y); got "
                                 f"{type_name(out)}.")
        X, Y = (_array(part, f"{name} from {call}") for part, name in zip(out, "XY"))
        n = (length - 1) // seq_len
        for array, name in ((X, "X"), (Y, "Y")):
            if array.dtype.kind not in "iu":
                raise AssertionError(f"{name} from {call} has dtype {array.dtype}: token ids "
                                     "are integers (an Embedding looks them up by index); "
                                     "keep the stream's integer dtype.")
            if array.shape == (n, seq_len + 1):
                raise AssertionError(f"{name} from {call} has shape {array.shape}: X and Y hold "
                                     f"seq_len = {seq_len} tokens each. " + _PAIRS_RULE)
            if array.shape != (n, seq_len):
                raise AssertionError(f"{name} from {call} should have shape (n, seq_len) = "
                                     f"{(n, seq_len)} with n = (len(stream) - 1) // seq_len, "
                                     f"got {array.shape}. " + _PAIRS_RULE)
        want_x = (100 + np.arange(n)[:, None] * seq_len + np.arange(seq_len)).astype("int64")
        if np.array_equal(Y, X):
            raise AssertionError(
                f"{NOT_SHIFTED}: Y equals X for {call}, so the model learns to copy the token it "
                "reads (its loss goes to 0) and never learns what comes next. Teacher forcing: "
                "the targets are the inputs shifted one step, Y[i, t] = X[i, t + 1]. "
                + _PAIRS_RULE)
        if np.array_equal(Y, X - 1):
            raise AssertionError(f"shifted the wrong way: Y[i, t] is the token before X[i, t] "
                                 f"for {call}; the target is the next token. " + _PAIRS_RULE)
        if seq_len > 1 and np.array_equal(X, want_x) and np.array_equal(Y, np.roll(X, -1, axis=1)):
            raise AssertionError(
                f"the targets wrap around (np.roll) for {call}: the last target of each row is "
                "that row's first token, but the token after X[i, -1] is the next one of the "
                "stream, stream[(i + 1) * seq_len]. Slice Y from the stream shifted by one "
                "instead of rolling X. " + _PAIRS_RULE)
        check_close(X, want_x, f"X (from {call}, where stream[k] == 100 + k)", atol=0)
        check_close(Y, want_x + 1, f"Y (from {call}, where stream[k] == 100 + k)", atol=0)


# --------------------------------------------------------------------------
# the language model
# --------------------------------------------------------------------------

def check_language_model(model, vocab_size: int, batch_size: int = 3, time: int = 6) -> None:
    """Assert that ``model`` predicts the next token at every step: ids (batch, time) ->
    logits (batch, time, vocab_size), no softmax at the end.

    PyTorch: ``forward(ids, state=None)`` returns ``(logits, state)`` with ``batch_first``
    set, and reading the ids in two calls, the state of the first passed to the
    second, gives the logits of one call.
    """
    from helpers.checks.models import check_batch_first, check_output_shape, check_return_sequences

    framework = framework_of(model)
    vocab_size = positive_int(vocab_size, "vocab_size")
    batch_size, time = positive_int(batch_size, "batch_size"), positive_int(time, "time")
    if time < 2:
        raise ValueError(f"time must be at least 2, got {time}")
    ids = np.random.default_rng(8).integers(0, vocab_size, size=(batch_size, time))
    expected = (batch_size, time, vocab_size)
    if framework == KERAS:
        check_return_sequences(model, per_step=True)
        check_output_shape(model, ids, expected)
        logits = _keras_logits(model, ids)
    else:
        check_batch_first(model)
        logits = _check_torch_language_model(model, ids, expected)
    if _are_probabilities(logits):
        raise AssertionError(ENDS_IN_SOFTMAX)


ENDS_IN_SOFTMAX = (
    "the model ends in a softmax: its outputs are probabilities, but the loss below is "
    "computed from logits (from_logits=True / nn.CrossEntropyLoss applies the softmax "
    "itself), and sampling divides logits by the temperature. End with a Dense / "
    "nn.Linear layer of vocab_size units and no activation.")


def _are_probabilities(outputs: np.ndarray) -> bool:
    """Are a language model's outputs probabilities (a softmax's), not logits?"""
    return bool(np.all(outputs >= 0) and np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-4))


def _keras_logits(model, ids: np.ndarray) -> np.ndarray:
    keras = sys.modules["keras"]
    return keras.ops.convert_to_numpy(model(ids.astype("int32"), training=False))


def _check_torch_language_model(model, ids: np.ndarray, expected: tuple) -> np.ndarray:
    torch = sys.modules["torch"]
    call = f"model(ids) with ids of shape {ids.shape}"
    x = torch.from_numpy(ids)

    def forward(*args):
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                return model(*args)
        finally:
            model.train(was_training)

    out = call_student(forward, call, x)
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not is_tensor(out[0]):
        raise AssertionError(f"{call} should return (logits, state), the logits of every step "
                             f"and the LSTM's (h_n, c_n); got {type_name(out)}.")
    logits = to_numpy(out[0])
    if logits.shape == (expected[0], expected[2]):
        raise AssertionError(
            f"{call} gave logits of shape {logits.shape}: one output per sequence. A language "
            "model predicts the next token at every step: apply the head to the LSTM's "
            f"`output` (batch, time, units), not to h_n[-1], for logits {expected}.")
    if logits.shape != expected:
        raise AssertionError(f"{call} should give logits of shape {expected} (batch, time, "
                             f"vocab_size), got {logits.shape}.")
    k = expected[1] // 2
    first = call_student(forward, f"model(ids[:, :{k}])", x[:, :k])
    try:
        second = forward(x[:, k:], first[1])
    except Exception as error:  # noqa: BLE001 - the student's forward failed on a state
        raise AssertionError(f"model(ids[:, {k}:], state) with the state returned by "
                             f"model(ids[:, :{k}]) raised {one_line(error)}") from None
    if not _equal(to_numpy(second[0]), logits[:, k:], atol=1e-5):
        raise AssertionError(
            f"{NOT_CARRIED} into the LSTM: model(ids[:, {k}:], state), given the state that "
            f"model(ids[:, :{k}]) returned, should continue where the first call stopped "
            "(the same logits as one call over ids), but it starts afresh. In forward, pass "
            "the state on: output, state = self.rnn(self.embed(ids), state).")
    return logits.astype("float64")


# --------------------------------------------------------------------------
# perplexity
# --------------------------------------------------------------------------

def _as_input(array: np.ndarray, framework: str):
    if framework == TORCH:
        import torch

        return torch.from_numpy(array.copy())
    return array.copy()


def _number(value, what: str) -> float:
    if isinstance(value, bool):
        raise AssertionError(f"{what} should be a number, got a bool.")
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "shape"):
        array = to_numpy(value)
        if array.size == 1 and array.dtype.kind in "iuf":
            return float(array.reshape(()))
    raise AssertionError(f"{what} should be one number (a float), got {type_name(value)}.")


def check_perplexity(perplexity, framework: str = "keras") -> None:
    """Check ``perplexity(logits, targets)``: exp of the mean cross-entropy of the
    targets under the softmax of the logits, over every predicted token. The logits
    are (n, time, vocab) and the targets (n, time): NumPy arrays (``framework="keras"``)
    or torch tensors (``"torch"``)."""
    check_callable(perplexity, "perplexity")
    framework = _framework_arg(framework)
    rng = np.random.default_rng(80)
    for n, time, vocab in ((1, 4, 5), (3, 7, 11)):
        logits = rng.normal(scale=2.0, size=(n, time, vocab)).astype("float32")
        targets = rng.integers(0, vocab, size=(n, time)).astype("int64")
        call = f"perplexity(logits, targets) with logits {logits.shape}"
        got = _number(call_student(perplexity, call, _as_input(logits, framework),
                                   _as_input(targets, framework)), f"the result of {call}")
        log_p = _log_softmax(logits.astype("float64"))
        picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
        loss = float(-picked.mean())
        want = math.exp(loss)
        if math.isclose(got, want, rel_tol=1e-4):
            continue
        raw = float(-np.take_along_axis(logits, targets[..., None], axis=-1).mean())
        per_row = float(np.exp(-picked.mean(axis=1)).mean())
        diagnoses = (
            (per_row if n > 1 else math.nan, "that is the mean of each sequence's own "
             "perplexity; the perplexity is exp of the cross-entropy averaged over every "
             "predicted token of every sequence: average the loss first, take exp once."),
            (math.exp(min(-picked.sum(), 700.0)), "perplexity of the summed loss: that is exp of "
             "the loss summed over every token; average the cross-entropy over the tokens "
             "first (the mean), then take exp."),
            (loss, "that is the cross-entropy itself, the loss; the perplexity is exp(loss)."),
            (2.0 ** loss, "with the natural-log cross-entropy, the perplexity is exp(loss), "
             "not 2 ** loss."),
            (math.exp(raw) if raw < 700 else math.inf, "the logits were used as log-"
             "probabilities: take the log-softmax of the logits first (or use the "
             "cross-entropy loss, which does it)."))
        for wrong, why in diagnoses:
            if math.isclose(got, wrong, rel_tol=1e-4):
                raise AssertionError(f"{call} gave {got:.4g}, expected {want:.4g}: {why}")
        raise AssertionError(f"{call} should be exp(mean cross-entropy) = {want:.4g}, got "
                             f"{got:.4g}.")
    uniform = np.zeros((2, 3, 6), dtype="float32")
    got = _number(call_student(perplexity, "perplexity(zeros, targets)",
                               _as_input(uniform, framework),
                               _as_input(np.zeros((2, 3), dtype="int64"), framework)),
                  "perplexity(zeros, targets)")
    if not math.isclose(got, 6.0, rel_tol=1e-4):
        raise AssertionError(f"with all logits equal over 6 tokens the perplexity is 6 (a "
                             f"uniform choice among 6), got {got:.4g}.")


def check_trained_language_model(model, X, Y, max_perplexity: float,
                                 hint: str | None = None) -> float:
    """Measure a trained language model's perplexity on the inputs ``X`` (n, time) and
    targets ``Y`` (n, time) and assert that it is at most ``max_perplexity``; returns it."""
    framework = framework_of(model)
    X, Y = _array(X, "X", "iu").astype("int64"), _array(Y, "Y", "iu").astype("int64")
    if X.ndim != 2 or X.shape != Y.shape:
        raise ValueError(f"X and Y must be (n, time) arrays of one shape, got {X.shape} and "
                         f"{Y.shape}")
    if isinstance(max_perplexity, bool) or not isinstance(max_perplexity, numbers.Real) \
            or not max_perplexity >= 1:
        raise ValueError(f"max_perplexity must be a number >= 1, got {max_perplexity!r}")
    if framework == KERAS:
        logits = _keras_logits(model, X)
    else:
        torch = sys.modules["torch"]
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(torch.from_numpy(X))
        finally:
            model.train(was_training)
        logits = to_numpy(out[0] if isinstance(out, (tuple, list)) else out)
    logits = logits.astype("float64")
    if logits.shape[:2] != X.shape:
        raise AssertionError(f"the model should give logits (n, time, vocab) for ids {X.shape}, "
                             f"got {logits.shape}.")
    vocab = logits.shape[-1]
    if int(Y.max()) >= vocab:
        raise AssertionError(f"the model gives {vocab} logits per step, but the targets "
                             f"include id {int(Y.max())}: size the output to the vocabulary.")
    picked = np.take_along_axis(_log_softmax(logits), Y[..., None], axis=-1)
    value = float(np.exp(-picked.mean()))
    if not value <= max_perplexity:
        message = (f"the model's perplexity is {value:.3f} on these texts, above the threshold "
                   f"{max_perplexity} (a uniform guess over the {vocab} tokens scores {vocab}).")
        if _are_probabilities(logits):   # the builder's check names it: say where to look
            message += " " + fix_first(ENDS_IN_SOFTMAX)
        raise AssertionError(with_hint(message, hint))
    return value


# --------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------

_LOGITS = np.array([1.0, 3.0, 0.5, 2.0, -1.0])
_DRAWS = 3000
_SAMPLE_FIX = ("probabilities = softmax(logits / temperature) (subtract the largest value "
               "before np.exp), then rng.choice(len(probabilities), p=probabilities); "
               "temperature 0 means greedy: np.argmax(logits).")


def _one_id(value, call: str, vocab: int) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise AssertionError(f"{call} returned a bool: return a token id, an int.")
    array = to_numpy(value) if hasattr(value, "shape") else None
    if array is not None:
        if array.size != 1:
            raise AssertionError(f"{call} returned an array of shape {array.shape}: return one "
                                 "token id, an int (int(...) of the index drawn).")
        value = array.reshape(()).item()
    if not isinstance(value, numbers.Integral):
        raise AssertionError(f"{call} returned {type_name(value)} {value!r}: return one token "
                             "id, an int.")
    if not 0 <= int(value) < vocab:
        raise AssertionError(f"{call} returned {int(value)}, not a token id of a vocabulary of "
                             f"{vocab} (0 to {vocab - 1}).")
    return int(value)


def _greedy_diagnosis(error) -> str:
    return (f"{GREEDY}: at temperature 0, return the index of the largest logit, "
            "np.argmax(logits), without dividing by the temperature (logits / 0 is inf or nan).")


def _overflow_diagnosis(error) -> str | None:
    text = str(error).lower()
    if "nan" in text or "inf" in text or "sum to 1" in text or "negative" in text:
        return ("the probabilities are not finite or do not sum to 1: a low temperature makes "
                "logits / temperature large and np.exp overflows; subtract the largest value "
                "first (softmax(z) = softmax(z - z.max())), then normalise. " + _SAMPLE_FIX)
    return None


def _frequencies(sample_next, logits, temperature, seed: int, draws: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    call = f"sample_next(logits, temperature={temperature}, rng)"
    counts = np.zeros(len(logits))
    # all the draws in one go where the student's code runs (one request when judged)
    drawn = call_student(in_kernel, call, repeat, sample_next, draws, logits, temperature, rng,
                         diagnose=_overflow_diagnosis, name=getattr(sample_next, "__name__", None))
    for got in drawn:
        counts[_one_id(got, call, len(logits))] += 1
    return counts / draws


def check_sample_next(sample_next) -> None:
    """See :func:`_check_sample_next`; NumPy's warnings about a division by zero or an
    overflow in the student's code stay out of the cell (the check names the mistake)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        _check_sample_next(sample_next)


def _check_sample_next(sample_next) -> None:
    """Check ``sample_next(logits, temperature, rng) -> int`` on 1-D NumPy logits:
    greedy (the argmax) at temperature 0 and as the temperature goes to 0, draws whose
    frequencies match softmax(logits / temperature) at 0.5, 1 and 2 (3000 draws each,
    a fixed seed), nearly uniform at a high temperature, and reproducible with the
    ``rng`` it is given."""
    check_callable(sample_next, "sample_next")
    for logits in (_LOGITS, np.array([0.2, -0.4, 0.1, 0.9], dtype="float32"),
                   np.array([5.0, 1.0, 4.9])):
        call = f"sample_next(np.array({logits.tolist()}), temperature=0, rng)"
        kept = logits.copy()
        got = call_student(sample_next, call, logits, 0.0, np.random.default_rng(0),
                           diagnose=_greedy_diagnosis)
        if not np.array_equal(logits, kept):
            raise AssertionError(f"{call} changed the logits it was given: compute new arrays "
                                 "(logits / temperature makes one) instead of writing into them.")
        if _one_id(got, call, len(logits)) != int(np.argmax(logits)):
            raise AssertionError(f"{GREEDY}: {call} should return the index of the largest "
                                 f"logit, {int(np.argmax(logits))}, got {got}. At temperature "
                                 "0 sampling is greedy: np.argmax(logits).")
    for temperature in (1.0, 0.5, 2.0):
        freq = _frequencies(sample_next, _LOGITS, temperature, 2, _DRAWS)
        want = _softmax(_LOGITS / temperature)
        if np.abs(freq - want).max() < 0.035:
            continue
        shown = (f"sample_next at temperature {temperature} drew the tokens with frequencies "
                 f"{np.round(freq, 2).tolist()} over {_DRAWS} draws; softmax(logits / "
                 f"temperature) is {np.round(want, 2).tolist()}")
        if temperature != 1.0 and np.abs(freq - _softmax(_LOGITS * temperature)).max() < 0.035:
            raise AssertionError(f"{WRONG_WAY}: {shown}, and the draws follow softmax(logits * "
                                 "temperature). Divide the logits by the temperature: below 1 "
                                 "it sharpens the distribution, above 1 it flattens it.")
        if freq[1] > 0.99:
            raise AssertionError(f"{shown}: always the argmax. Draw from the probabilities "
                                 "instead. " + _SAMPLE_FIX)
        if np.abs(freq - _softmax(_LOGITS)).max() < 0.035:
            raise AssertionError(f"{shown}: the temperature is ignored. " + _SAMPLE_FIX)
        raise AssertionError(f"{shown}. " + _SAMPLE_FIX)
    tiny = _frequencies(sample_next, _LOGITS, 0.001, 1, 200)
    if tiny[1] != 1.0:
        raise AssertionError("as the temperature goes to 0 the draws should all be the argmax: "
                             f"at temperature 0.001, {int(round((1 - tiny[1]) * 200))} of 200 "
                             "draws were another token. " + _SAMPLE_FIX)
    hot = _frequencies(sample_next, _LOGITS, 100.0, 3, _DRAWS)
    if np.abs(hot - 1 / len(_LOGITS)).max() > 0.04:
        raise AssertionError(f"a high temperature flattens the distribution: at temperature 100 "
                             f"the draws should be nearly uniform (0.2 each), got "
                             f"{np.round(hot, 2).tolist()}. " + _SAMPLE_FIX)
    runs = [[_one_id(got, "sample_next", 5) for got in in_kernel(repeat, sample_next, 40, _LOGITS, 1.0, rng)]
            for rng in (np.random.default_rng(5), np.random.default_rng(5))]
    if runs[0] != runs[1]:
        raise AssertionError("two generators with the same seed gave different draws: use the "
                             "rng you are given (rng.choice or rng.random), not np.random or "
                             "random, so that a seed makes generation reproducible.")


# --------------------------------------------------------------------------
# generating with a carried state
# --------------------------------------------------------------------------

def _generated(out, call: str, n_tokens: int, vocab: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise AssertionError(f"{call} should return (tokens, logits): the generated ids and the "
                             f"logits each was drawn from; got {type_name(out)}.")
    tokens = _array(out[0], f"tokens from {call}", "iu").astype("int64")
    logits = _array(out[1], f"logits from {call}", "f").astype("float64")
    if tokens.shape != (n_tokens,):
        raise AssertionError(f"tokens from {call} should have shape ({n_tokens},), one id per "
                             f"generated token (the prompt left out), got {tokens.shape}.")
    if logits.shape != (n_tokens, vocab):
        raise AssertionError(f"logits from {call} should have shape (n_tokens, vocab) = "
                             f"{(n_tokens, vocab)}, the logits each token was drawn from, got "
                             f"{logits.shape}.")
    if tokens.min() < 0 or tokens.max() >= vocab:
        raise AssertionError(f"tokens from {call} hold ids outside 0..{vocab - 1}.")
    return tokens, logits


def _vocab_of(model, prompt: np.ndarray) -> int:
    return int(_run(model, [prompt[:1]]).shape[-1])


def check_generate(generate, model, prompt, n_tokens: int = 6) -> None:
    """Check ``generate(model, prompt, n_tokens, temperature, rng) -> (tokens, logits)``.

    Generating one token at a time with the carried state must give, to 1e-5, the
    logits of one pass of the model over the prompt followed by the tokens generated
    before each one, and a second call must read the prompt from zeros again (the
    state reset). The check samples at temperatures 1 and 0.5 only, so that a
    ``sample_next`` without its greedy case does not hide what ``generate`` does.
    """
    check_callable(generate, "generate")
    framework = framework_of(model)
    prompt = _ids(prompt, "prompt")
    n_tokens = positive_int(n_tokens, "n_tokens")
    if n_tokens < 2:
        raise ValueError(f"n_tokens must be at least 2, got {n_tokens}")
    vocab = _vocab_of(model, prompt)
    runs = []
    for temperature, seed in ((1.0, 0), (1.0, 0), (0.5, 3)):   # the first two back to back
        call = f"generate(model, prompt, n_tokens={n_tokens}, temperature={temperature}, rng)"
        out = call_student(generate, call, model, prompt.copy(), n_tokens, temperature,
                           np.random.default_rng(seed))
        runs.append((call, *_generated(out, call, n_tokens, vocab)))
    _check_generated(model, framework, prompt, *runs[0])
    after_prompt, again = runs[0][2][0], runs[1][2][0]     # what the prompt alone gives
    if not _equal(again, after_prompt, 1e-5):
        raise AssertionError(
            f"{NOT_RESET}: the same call a second time read the prompt from the state the "
            "first generation ended in, so its first logits differ. Each generation is a new "
            "sequence: " + RESET_FIX[framework] + ", then read the prompt.")
    _check_generated(model, framework, prompt, *runs[2])


def _check_generated(model, framework, prompt, call, tokens, logits) -> None:
    """One pass over the prompt and the tokens must give the logits generate used."""
    whole = _run(model, [np.concatenate([prompt, tokens[:-1]])])
    expected = whole[len(prompt) - 1:]
    if not _equal(logits, expected, atol=1e-5):
        _generate_diagnosis(model, framework, prompt, tokens, logits, expected, call)


def _priming_diagnosis(model, prompt: np.ndarray, first: np.ndarray) -> str:
    """What the first logits of a generation read instead of the whole prompt ('' if unknown)."""
    read = {" They are the logits of the last prompt token read alone, from a fresh state: "
            "read the whole prompt first.": prompt[-1:]}
    if len(prompt) >= 2 and prompt[0] != prompt[-1]:
        read[" The prompt was read as prompt[:-1] and then prompt[0]: its first token twice "
             "and its last never. After priming with prompt[:-1], feed prompt[-1] (or read the "
             "whole prompt in one call)."] = np.concatenate([prompt[:-1], prompt[:1]])
        read[" They are the logits after prompt[:-1]: the last prompt token is never read. "
             "Read the whole prompt before the first draw."] = prompt[:-1]
    return next((why for why, ids in read.items() if _equal(first, _run(model, [ids])[-1], 1e-5)), "")


def _generate_diagnosis(model, framework, prompt, tokens, logits, expected, call) -> None:
    after_prompt = expected[0]
    if not _equal(logits[0], after_prompt, atol=1e-5):
        why = _priming_diagnosis(model, prompt, logits[0])
        raise AssertionError(f"the first logits from {call} should be the model's prediction "
                             "after reading the whole prompt (the last step of one pass over "
                             f"the prompt).{why}")
    fresh = np.stack([_run(model, [tokens[k - 1:k]])[-1] for k in range(1, len(tokens))])
    if _equal(logits[1:], fresh, atol=1e-5):
        raise AssertionError(
            f"{NOT_CARRIED}: from step 2 on, {call} gave the logits of the last token read "
            "alone, from a fresh state, so the model forgets the prompt and everything "
            "generated before. " + _sentence(CARRY_FIX[framework]))
    step = int(np.argmax(~np.isclose(logits, expected, rtol=0, atol=1e-5).all(axis=1)))
    raise AssertionError(
        f"{NOT_FED_BACK} (or the state is not the one the last call ended in): at step "
        f"{step + 1} the logits from {call} are not the model's prediction after the prompt "
        "and the tokens generated so far. After each draw, feed the token just sampled into "
        "the model, with the state carried over, and use the logits it gives.")


# --------------------------------------------------------------------------
# streaming: chunk by chunk == one pass
# --------------------------------------------------------------------------

def _stream_out(out, call: str, lengths: list[int], vocab: int, chunk_len: int) -> list:
    if not isinstance(out, (tuple, list)) or len(out) != len(lengths):
        raise AssertionError(f"{call} should return a list with one array of logits per "
                             f"stream ({len(lengths)} streams); got {type_name(out)}"
                             + (f" of {len(out)}" if isinstance(out, (tuple, list)) else "")
                             + ".")
    for i, (part, length) in enumerate(zip(out, lengths)):
        shape = tuple(_array(part, f"the logits of stream {i + 1} from {call}", "f").shape)
        if shape != (length, vocab):
            cut = length - length % chunk_len
            hint = (" The last, shorter chunk is missing: a stream whose length is not a "
                    "multiple of chunk_len ends with a shorter chunk." if shape and
                    shape[0] == cut < length else "")
            raise AssertionError(f"the logits of stream {i + 1} from {call} should have shape "
                                 f"(len(stream), vocab) = {(length, vocab)}, got {shape}.{hint}")
    return list(out)


def check_stream_logits(stream_logits, model, chunk_len: int = 6, lengths=(29, 17),
                        record: list | None = None) -> None:
    """Check ``stream_logits(model, streams, chunk_len) -> [logits per stream]``.

    Each stream fed chunk by chunk (chunks of at most ``chunk_len`` ids, the state
    carried between them) must give the logits of one pass over the whole stream, to
    1e-5, from a fresh state for every stream. With the ``record`` list a probe from
    :func:`language_model_probe` fills, the check also sees that the chunks were
    fed one by one. PyTorch, when the logits carry gradients: the gradient of the
    last chunk must stop at the chunk's start (the state detached between chunks).
    """
    check_callable(stream_logits, "stream_logits")
    framework = framework_of(model)
    chunk_len = positive_int(chunk_len, "chunk_len")
    lengths = [positive_int(n, "each of lengths") for n in lengths]
    if len(lengths) < 2:
        raise ValueError("lengths must give at least two streams, so that a reset shows")
    rng = np.random.default_rng(81)
    vocab = _vocab_of(model, np.zeros(1, dtype="int64"))
    streams = [rng.integers(0, vocab, size=n).astype("int64") for n in lengths]
    call = (f"stream_logits(model, streams, chunk_len={chunk_len}) with {len(streams)} streams "
            f"of {', '.join(map(str, lengths))} tokens")
    if record is not None:
        record.clear()
    ran = call_student(in_kernel, call, run_stream, stream_logits, model, [s.copy() for s in streams],
                       chunk_len, name=getattr(stream_logits, "__name__", "stream_logits"))
    out = _stream_out(ran["logits"], call, lengths, vocab, chunk_len)
    if record and max(record) > chunk_len:
        raise AssertionError(f"{call} fed the model {max(record)} tokens at once: feed each "
                             f"stream in chunks of at most chunk_len = {chunk_len} tokens, the "
                             "way a stream arrives, carrying the state from chunk to chunk.")
    got = [_array(part, "logits").astype("float64") for part in out]
    for i, stream in enumerate(streams):
        expected = _run(model, [stream])
        if _equal(got[i], expected, atol=1e-5):
            continue
        if i > 0 and _equal(got[i], _run(model, streams[:i + 1])[-len(stream):], atol=1e-5):
            raise AssertionError(
                f"{NOT_RESET}: stream {i + 1} from {call} starts from the state stream {i} "
                "ended in, so the end of one stream changes the start of the next. "
                + _sentence(RESET_FIX[framework]))
        if _equal(got[i], _run(model, _chunks(stream, chunk_len), fresh_each=True), 1e-5):
            raise AssertionError(
                f"{NOT_CARRIED} from chunk to chunk: every chunk of stream {i + 1} from {call} "
                "starts from a fresh state, so each chunk forgets the ones before it. "
                + CHUNK_FIX[framework])
        check_close(got[i], expected, f"the logits of stream {i + 1} from {call} (one pass "
                    "over the stream)", atol=1e-5)
    if framework == TORCH:
        _check_detached(model, ran["last_chunk_gradient"], streams[0], chunk_len, call)


def _last_chunk_start(length: int, chunk_len: int) -> int:
    return length - ((length - 1) % chunk_len + 1)


def run_stream(stream_logits, model, streams, chunk_len: int) -> dict:
    """Where the student's code runs: ``stream_logits(model, streams, chunk_len)``, and for a
    PyTorch model whose first stream's logits carry gradients, the gradient of that stream's
    last chunk with respect to each parameter (None without a graph). Gradients do not cross
    to the judge; this is what it needs of them."""
    logits = stream_logits(model, streams, chunk_len)
    gradient = None
    torch = sys.modules.get("torch")
    first = logits[0] if isinstance(logits, (list, tuple)) and logits else None
    if torch is not None and isinstance(model, torch.nn.Module) and is_tensor(first) \
            and first.requires_grad:
        last = _last_chunk_start(len(streams[0]), chunk_len)
        parameters = [p for p in model.parameters() if p.requires_grad]
        grads = torch.autograd.grad(first[last:].sum(), parameters, allow_unused=True)
        gradient = [torch.zeros_like(p) if g is None else g.detach() for p, g in zip(parameters, grads)]
    return {"logits": logits, "last_chunk_gradient": gradient}


def _check_detached(model, got, stream: np.ndarray, chunk_len: int, call: str) -> None:
    """The gradient of the last chunk's logits must not reach the earlier chunks."""
    torch = sys.modules["torch"]
    if got is None:
        return                                  # no graph at all: nothing can grow
    parameters = [p for p in model.parameters() if p.requires_grad]
    state = None
    with torch.enable_grad():
        for piece in _chunks(stream, chunk_len):
            out, state = model(torch.from_numpy(piece[None]), state)
            state = tuple(s.detach() for s in state)
    want = torch.autograd.grad(out[0].sum(), parameters, allow_unused=True)
    for g, w in zip(got, want):
        g = torch.zeros_like(w) if g is None else g
        if not torch.allclose(g, w, atol=1e-5):
            raise AssertionError(
                f"{NOT_DETACHED} between chunks: the gradient of the last chunk's logits from "
                f"{call} flows back through every earlier chunk, so the graph (and the time "
                "of each backward) grows with the stream. Carry the values, not the graph: "
                "state = tuple(s.detach() for s in state) after each chunk.")
