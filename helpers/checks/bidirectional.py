"""Chapter 06 checks: the two final states of a bidirectional layer, and
padding that changes nothing (masked == unpadded) in both directions.

- ``check_join_final_states(join_final_states, framework)`` runs the student's
  function on the result of a bidirectional layer with fresh random weights
  (one layer, then two stacked) and compares it with the layer's own final
  states, naming the usual mix-ups: Keras ``sequence[:, -1]``, PyTorch
  ``h_n[-1]`` alone or ``h_n[0]``/``h_n[1]`` of the bottom layer.
- ``check_masked_states(model, sequences)`` runs an encoder whose output is the
  two final states ``(batch, 2 * units)`` on a post-padded batch and on each
  sequence alone, and compares each direction separately; packing errors of
  ``pack_padded_sequence`` are named.

Neither check touches the global random state of NumPy, Keras or PyTorch.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from helpers.checks.core import call_student, check_callable, to_numpy, type_name
from helpers.checks.introspect import (
    KERAS,
    TORCH,
    embedding_layers,
    framework_of,
    keras_layers,
    prepare_batch,
    recurrent_layers,
    run_model,
    where_it_lives,
)
from helpers.checks.models import _error_diagnosis, _id_sequences
from helpers.text import pad_ids
from helpers.validation import real_number

_JOIN_FRAMEWORKS = (KERAS, TORCH)
_BATCH, _TIME, _FEATURES, _UNITS = 3, 7, 4, 5       # all different, so that swaps show


# --------------------------------------------------------------------------
# joining the two final states
# --------------------------------------------------------------------------

def _random_values(rng, arrays):
    return [rng.uniform(-0.6, 0.6, np.shape(a)).astype("float32") for a in arrays]


def _keras_case(num_layers: int, rng):
    """(sequence of the top layer, its forward final state, its backward final state)."""
    keras = sys.modules["keras"]
    inputs = keras.Input((None, _FEATURES))
    x = inputs
    for _ in range(num_layers - 1):
        x = keras.layers.Bidirectional(keras.layers.GRU(_UNITS, return_sequences=True))(x)
    top = keras.layers.Bidirectional(
        keras.layers.GRU(_UNITS, return_sequences=True, return_state=True))
    model = keras.Model(inputs, top(x))
    model.set_weights(_random_values(rng, model.get_weights()))
    batch = rng.normal(size=(_BATCH, _TIME, _FEATURES)).astype("float32")
    sequence, forward, backward = model(batch)
    return sequence, keras.ops.convert_to_numpy(forward), keras.ops.convert_to_numpy(backward)


def _torch_case(num_layers: int, rng):
    """(h_n, output) of an nn.GRU(bidirectional=True) with random weights."""
    torch = sys.modules["torch"]
    with torch.random.fork_rng():                  # the student's random state stays as it was
        gru = torch.nn.GRU(_FEATURES, _UNITS, num_layers=num_layers, batch_first=True,
                           bidirectional=True)
    with torch.no_grad():
        for parameter in gru.parameters():
            parameter.copy_(torch.from_numpy(_random_values(rng, [parameter])[0]))
        batch = torch.from_numpy(rng.normal(size=(_BATCH, _TIME, _FEATURES)).astype("float32"))
        output, h_n = gru(batch)
    return h_n, output


def _as_array(result, framework: str, call: str) -> np.ndarray:
    if framework == TORCH:
        torch = sys.modules["torch"]
        if not isinstance(result, torch.Tensor):
            raise AssertionError(f"{call} should return a torch.Tensor, got {type_name(result)}.")
        return to_numpy(result).astype("float64")
    if result is None or isinstance(result, (tuple, list, dict, str)):
        raise AssertionError(f"{call} should return one tensor (batch, 2 * units), "
                             f"got {type_name(result)}.")
    keras = sys.modules["keras"]
    return np.asarray(keras.ops.convert_to_numpy(result), dtype="float64")


def _same(a, b) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-5)


def _keras_diagnosis(got, sequence, units: int) -> str | None:
    last, first = sequence[:, -1], sequence[:, 0]
    if _same(got, last):
        return ("output[:, -1] of a bidirectional layer is not its final state: at the last "
                "step the backward half has read only the last token (it reads from the end). "
                f"Its final state is at the first step: join sequence[:, -1, :{units}] "
                f"(forward) with sequence[:, 0, {units}:] (backward).")
    if _same(got, np.concatenate([first[:, :units], last[:, units:]], axis=-1)):
        return ("the two ends are swapped: the forward direction ends at the LAST step, "
                f"sequence[:, -1, :{units}], the backward direction at the FIRST, "
                f"sequence[:, 0, {units}:].")
    if _same(got, first):
        return ("sequence[:, 0] holds the backward final state but the forward state after "
                f"ONE token: take the forward half at the last step, sequence[:, -1, :{units}].")
    if got.shape == (len(sequence), units):
        return (f"that is one direction only ({units} features): join both, "
                "keras.ops.concatenate([forward, backward], axis=-1).")
    return None


def _torch_diagnosis(got, h_n, num_layers: int) -> str | None:
    batch, units = h_n.shape[1], h_n.shape[2]
    if _same(got, h_n[-1]):
        return ("h_n[-1] alone is only the backward direction of the top layer: join it with "
                "the forward one, torch.cat([h_n[-2], h_n[-1]], dim=1).")
    if _same(got, h_n[-2]):
        return ("h_n[-2] alone is only the forward direction of the top layer: join both, "
                "torch.cat([h_n[-2], h_n[-1]], dim=1).")
    if num_layers > 1 and _same(got, np.concatenate([h_n[0], h_n[1]], axis=1)):
        return (f"with num_layers={num_layers}, h_n[0] and h_n[1] are the BOTTOM layer's two "
                "directions: the top layer's are h_n[-2] (forward) and h_n[-1] (backward), or "
                "h_n.view(num_layers, 2, batch, hidden)[-1].")
    if _same(got, np.concatenate([h_n[-1], h_n[-2]], axis=1)):
        return ("the directions are in the wrong order: forward first, as in `output`: "
                "torch.cat([h_n[-2], h_n[-1]], dim=1).")
    if _same(got, h_n[-2:].reshape(batch, 2 * units)):
        return ("reshape mixes up the examples: h_n[-2:] is (2, batch, hidden), and reshaping "
                "it to (batch, 2 * hidden) puts two examples in one row. Use "
                "torch.cat([h_n[-2], h_n[-1]], dim=1).")
    if got.shape == (2, batch, units):
        return ("that is the two states still stacked, (2, batch, hidden): join them side by "
                "side, torch.cat([h_n[-2], h_n[-1]], dim=1).")
    return None


def check_join_final_states(join_final_states, framework: str, seed: int = 0) -> None:
    """Assert that ``join_final_states`` joins the top layer's two final states.

    Keras: ``join_final_states(sequence)`` gets the ``(batch, time, 2 * units)``
    output of ``Bidirectional(GRU(units, return_sequences=True))`` and must
    return the forward final state then the backward one, ``(batch, 2 * units)``,
    compared with what ``return_state=True`` gives. PyTorch:
    ``join_final_states(h_n)`` gets ``h_n`` of ``nn.GRU(..., bidirectional=True)``
    and must return ``(batch, 2 * hidden)``, compared with the forward half of
    ``output`` at the last step and the backward half at the first. Both with
    one layer, then two (fresh random weights from ``seed``).
    """
    check_callable(join_final_states, "join_final_states")
    if framework not in _JOIN_FRAMEWORKS:
        raise ValueError(f"framework must be 'keras' or 'torch', got {framework!r}")
    rng = np.random.default_rng(seed)
    for num_layers in (1, 2):
        layers = "one bidirectional layer" if num_layers == 1 else "two stacked ones"
        if framework == KERAS:
            sequence, forward, backward = _keras_case(num_layers, rng)
            call = f"join_final_states(sequence) ({layers}, sequence {tuple(sequence.shape)})"
            argument = sequence
            want = np.concatenate([forward, backward], axis=-1)
        else:
            h_n, output = _torch_case(num_layers, rng)
            call = f"join_final_states(h_n) ({layers}, h_n {tuple(h_n.shape)})"
            argument = h_n
            out = to_numpy(output)
            want = np.concatenate([out[:, -1, :_UNITS], out[:, 0, _UNITS:]], axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call_student(join_final_states, call, argument)
        got = _as_array(result, framework, call)
        if _same(got, want):
            continue
        if framework == KERAS:
            hint = _keras_diagnosis(got, _keras_numpy(sequence), _UNITS)
        else:
            hint = _torch_diagnosis(got, to_numpy(h_n), num_layers)
        if got.shape != want.shape:
            message = f"{call} should have shape {want.shape}, got {got.shape}"
        else:
            message = (f"{call} has the right shape {want.shape} but not the layer's final "
                       "states (forward, then backward)")
        raise AssertionError(f"{message}: {hint}" if hint else f"{message}.")


def _keras_numpy(tensor) -> np.ndarray:
    keras = sys.modules["keras"]
    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype="float64")


# --------------------------------------------------------------------------
# masked == unpadded
# --------------------------------------------------------------------------

def _packing_diagnosis(error) -> str | None:
    text = str(error)
    if "must be sorted in decreasing order" in text:
        return ("pack_padded_sequence without enforce_sorted=False: the sequences of a batch "
                "come in any order of length, and it wants them longest first unless you pass "
                "enforce_sorted=False.")
    if "'lengths' argument should be a 1D CPU int64 tensor" in text:
        return ("pack_padded_sequence lengths on the wrong device (or of the wrong shape): they "
                "must be a 1-D int64 tensor on the CPU, even for a model on a GPU: "
                "lengths = (ids != 0).sum(dim=1).cpu().")
    if "PackedSequence" in text:
        return ("the recurrent module was given a PackedSequence, so its `output` is one too: "
                "take the final states from h_n, or unpack per-step outputs with "
                "pad_packed_sequence(output, batch_first=True).")
    if "Length of all samples has to be greater than 0" in text:
        return ("a length is 0: count the real tokens of each row, "
                "lengths = (ids != 0).sum(dim=1).cpu().")
    return None


class _PackWatch:
    """PyTorch: did the recurrent modules receive a PackedSequence?"""

    def __init__(self, model, framework: str):
        self.packed, self.hooks = [], []
        if framework == TORCH:
            for layer in recurrent_layers(model):
                self.hooks.append(layer.layer.register_forward_pre_hook(self._record))

    def _record(self, module, args):
        self.packed.append(bool(args) and type(args[0]).__name__ == "PackedSequence")

    def remove(self):
        for hook in self.hooks:
            hook.remove()


def _run(model, framework: str, ids: np.ndarray, what: str):
    x = prepare_batch(ids, framework)
    trace = []

    def diagnose(error):
        return _packing_diagnosis(error) or _error_diagnosis(error, model, x, trace)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call_student(run_model, f"model({what})", model, x, trace, diagnose=diagnose)
    if isinstance(out, tuple):
        shapes = ", ".join(str(getattr(part, "shape", "?")) for part in out)
        raise AssertionError(f"model({what}) returned {len(out)} values ({shapes}); it should "
                             "return one tensor (batch, 2 * units), the two final states joined.")
    return np.asarray(out, dtype="float64")


def _unmasked_cause(model, framework: str, packed: list) -> str:
    if framework == KERAS:
        masked = (any(e.mask_zero for e in embedding_layers(model))
                  or any(type(layer).__name__ == "Masking" for layer in keras_layers(model)))
        if masked:
            return ("The Embedding has mask_zero=True, but the mask does not reach the "
                    "Bidirectional layer: a layer between them drops it.")
        return ("Padding without a mask: create the Embedding with mask_zero=True, so that both "
                "directions skip the zeros.")
    if not any(packed):
        return ("Padding without a mask: pack the embedded batch, pack_padded_sequence(x, "
                "lengths, batch_first=True, enforce_sorted=False) with lengths = "
                "(ids != 0).sum(dim=1).cpu(), and return the final states from h_n.")
    return ("The batch is packed, so take the final states from h_n, torch.cat([h_n[-2], "
            "h_n[-1]], dim=1): after pad_packed_sequence, `output` holds zeros at the padded "
            "steps, and the backward final state is at step 0.")


def check_masked_states(model, sequences, atol: float = 1e-5) -> None:
    """Assert masked == unpadded in both directions: each sequence, zero-padded at
    the end ("post") in one batch, gives the same final states as alone.

    ``model`` maps ids ``(batch, time)`` to the two final states of its last
    bidirectional layer, ``(batch, 2 * units)``, forward then backward; each
    half is compared on its own (to ``atol``). ``sequences`` are lists of ids
    >= 1 of different lengths, best not sorted by length, so that PyTorch's
    ``pack_padded_sequence`` needs ``enforce_sorted=False``.
    """
    framework = framework_of(model)
    rows = _id_sequences(sequences)
    atol = real_number(atol, "atol", minimum=0, inclusive=False)
    layers = [layer for layer in recurrent_layers(model) if layer.bidirectional]
    if not layers:
        raise AssertionError("the model has no bidirectional layer: wrap the recurrent layer in "
                             "keras.layers.Bidirectional, or create it with bidirectional=True.")
    units = layers[-1].units
    max_len = max(len(row) for row in rows) + 3
    padded = pad_ids(rows, max_len, padding="post")
    watch = where_it_lives(_PackWatch, model, framework)   # hooks where the model lives
    try:
        out = _run(model, framework, padded, f"a post-padded batch of shape {padded.shape}")
    finally:
        watch.remove()
    if out.shape != (len(rows), 2 * units):
        raise AssertionError(
            f"model(batch) should return the two final states joined, (batch, 2 * units) = "
            f"({len(rows)}, {2 * units}), got {out.shape}.")
    for i, row in enumerate(rows):
        alone = _run(model, framework, np.array([row]), f"sequence {i} alone")[0]
        for name, half in (("forward", slice(0, units)), ("backward", slice(units, None))):
            gap = float(np.max(np.abs(out[i, half] - alone[half])))
            if gap > atol:
                start = ("the backward direction started on the padding"
                         if name == "backward" else "the forward direction read the padding")
                raise AssertionError(
                    f"padding changes the {name} final state: sequence {i} ({len(row)} ids), "
                    f"padded to {max_len}, differs from the same sequence alone by {gap:.2g} "
                    f"(more than atol={atol:g}): {start}. "
                    + _unmasked_cause(model, framework, list(watch.packed)))
