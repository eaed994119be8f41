"""Parameter checks: counts per layer, and the size of an Embedding.

A count that differs is explained when one layer, changed in one
recognisable way, accounts for the difference: another cell type, one
direction more or less, PyTorch's two biases against Keras' one, an
Embedding without the padding row.
"""

from __future__ import annotations

import numbers

from helpers.checks.core import type_name
from helpers.checks.introspect import (
    GATES,
    KERAS,
    TORCH,
    RecurrentLayer,
    embedding_layers,
    param_counts,
    recurrent_layers,
)
from helpers.checks.models import embedding_message
from helpers.validation import positive_int

_FAMILIES = {KERAS: ("SimpleRNN", "LSTM", "GRU"), TORCH: ("RNN", "LSTM", "GRU")}
_GATE_NAMES = ("an LSTM has 4 sets of weights (input, forget, cell and output gates), a GRU 3 "
               "(update, reset, candidate), a plain RNN 1")


def recurrent_param_count(kind: str, input_size: int, units: int, two_biases: bool,
                          bidirectional: bool = False, num_layers: int = 1) -> int:
    """Parameters of a recurrent layer: per gate, an input kernel, a recurrent
    kernel and one bias (two with ``two_biases``), for each direction and layer."""
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        n = input_size if layer == 0 else units * directions
        total += directions * GATES[kind] * (units * (n + units) + units * (2 if two_biases else 1))
    return total


def _count(layer: RecurrentLayer, **changes) -> int:
    settings = {"kind": layer.kind, "input_size": layer.input_size, "units": layer.units,
                "two_biases": layer.two_biases, "bidirectional": layer.bidirectional,
                "num_layers": layer.num_layers}
    settings.update(changes)
    return recurrent_param_count(**settings)


def _recurrent_variants(layer: RecurrentLayer, per_layer: bool):
    """(count, explanation) for each recognisable change of ``layer``."""
    if layer.input_size is None:
        return
    article = {"LSTM": "an", "RNN": "an"}
    for kind in _FAMILIES[layer.framework]:
        if kind != layer.kind:
            two = layer.framework == TORCH or kind == "GRU"
            yield (_count(layer, kind=kind, two_biases=two),
                   f"the expected count fits {article.get(kind, 'a')} {kind} there, not "
                   f"{article.get(layer.kind, 'a')} {layer.kind}: {_GATE_NAMES}.")
    wanted = "one direction" if layer.bidirectional else "a bidirectional layer"
    yield (_count(layer, bidirectional=not layer.bidirectional),
           f"the expected count fits {wanted}: a bidirectional layer has twice the "
           "parameters, one independent set per direction.")
    gates = GATES[layer.kind]
    if layer.framework == TORCH:
        yield (_count(layer, two_biases=False),
               f"the expected count has one bias per gate, as Keras does, but PyTorch keeps two "
               f"(b_ih and b_hh), so nn.{layer.kind} has {gates} * hidden_size more per "
               "direction and layer.")
        for num_layers in (layer.num_layers - 1, layer.num_layers + 1):
            if num_layers >= 1:
                yield (_count(layer, num_layers=num_layers),
                       f"the expected count fits num_layers={num_layers}, not {layer.num_layers}.")
    elif layer.kind == "GRU":
        yield (_count(layer, two_biases=not layer.two_biases),
               "the expected count fits the other GRU form: reset_after=True (the Keras 3 "
               "default, like PyTorch) has two biases per gate, reset_after=False one.")
    else:
        yield (_count(layer, two_biases=True),
               f"the expected count has two biases per gate, as PyTorch does, but Keras' "
               f"{layer.kind} keeps one, so it has {gates} * units fewer.")
    if per_layer:
        for units in range(1, 1025):
            if units != layer.units:
                yield (_count(layer, units=units),
                       f"the expected count fits {units} units, not {layer.units}.")


def _variants(name: str, model, per_layer: bool):
    for layer in recurrent_layers(model):
        if (layer.name or type(layer.layer).__name__) == name:
            yield from _recurrent_variants(layer, per_layer)
    for embedding in embedding_layers(model):
        if embedding.name == name:
            yield ((embedding.rows + 1) * embedding.dim,
                   embedding_message(embedding.rows, embedding.label, embedding.rows_argument,
                                     embedding.rows + 1))


def _explain(model, counts: dict, name: str | None, expected: int):
    """(layer, explanation) for the first layer change that turns the count (of
    layer ``name``, or the total) into ``expected``; None when none does."""
    names = [name] if name is not None else list(counts)
    for candidate in names:
        rest = 0 if name is not None else sum(counts.values()) - counts[candidate]
        for count, explanation in _variants(candidate, model, per_layer=name is not None):
            if rest + count == expected:
                return candidate, explanation
    return None


def _table(counts: dict) -> str:
    return "Per layer: " + ", ".join(f"'{n}' {c:,}" for n, c in counts.items()) + "."


def _count_argument(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise TypeError(f"{name} must be a count, an int >= 0, got {value!r}")
    return int(value)


def check_param_count(model, expected) -> None:
    """Assert the model's parameter count: ``expected`` is the total (an int),
    a dict {layer name: count}, or a list of counts, one per layer that has
    parameters, in order. Layers are named as in ``param_counts(model)``."""
    counts = param_counts(model)
    if isinstance(expected, (dict, list, tuple)):
        if isinstance(expected, dict):
            wanted = {str(k): _count_argument(v, f"expected[{k!r}]") for k, v in expected.items()}
            missing = [n for n in wanted if n not in counts]
            if missing:
                raise AssertionError("the model has no layer with parameters named "
                                     f"'{missing[0]}'. " + _table(counts))
        else:
            values = [_count_argument(v, f"expected[{i}]") for i, v in enumerate(expected)]
            if len(values) != len(counts):
                raise AssertionError(f"the model has {len(counts)} layers with parameters, "
                                     f"expected {len(values)}. " + _table(counts))
            wanted = dict(zip(counts, values))
        for name, count in wanted.items():
            if counts[name] != count:
                found = _explain(model, counts, name, count)
                raise AssertionError(
                    f"layer '{name}' has {counts[name]:,} parameters, expected {count:,}. "
                    + (f"{found[1]} " if found else "") + _table(counts))
        return
    if isinstance(expected, bool) or not isinstance(expected, numbers.Integral):
        raise TypeError("expected must be an int (the total), a dict {layer name: count} or a "
                        f"list of counts, got {type_name(expected)}")
    expected = _count_argument(expected, "expected")
    total = sum(counts.values())
    if total != expected:
        found = _explain(model, counts, None, expected)
        why = f"Layer '{found[0]}' has {counts[found[0]]:,}: {found[1]} " if found else ""
        raise AssertionError(f"the model has {total:,} parameters, expected {expected:,}. "
                             + why + _table(counts))


def check_embedding_size(model, vocab_size: int, padding_idx: int | None = 0) -> None:
    """Assert that the model's (first) Embedding has a row for every id 0..vocab_size - 1,
    the padding id included; PyTorch: that its ``padding_idx`` is ``padding_idx``
    (None skips that part; an Embedding without padding_idx passes)."""
    vocab_size = positive_int(vocab_size, "vocab_size", minimum=2)
    if padding_idx is not None:
        padding_idx = positive_int(padding_idx, "padding_idx", minimum=0)
    embeddings = embedding_layers(model)
    if not embeddings:
        raise AssertionError("the model has no Embedding layer: token ids need one "
                             "(keras.layers.Embedding, nn.Embedding) to become vectors.")
    embedding = embeddings[0]
    if embedding.rows < vocab_size:
        raise AssertionError(embedding_message(embedding.rows, embedding.label,
                                               embedding.rows_argument, vocab_size))
    if (embedding.framework == TORCH and padding_idx is not None
            and embedding.padding_idx is not None and embedding.padding_idx != padding_idx):
        raise AssertionError(
            f"{embedding.label} has padding_idx={embedding.padding_idx}, but id {padding_idx} "
            f"is the padding: create it with padding_idx={padding_idx}, so that the padding's "
            "vector stays zero and gets no gradient.")
