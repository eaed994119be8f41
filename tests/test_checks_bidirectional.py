"""Unit tests for helpers.checks.bidirectional (chapter 06): joining the two final
states of a bidirectional layer, and masked == unpadded in both directions. Each
named mistake is made by a tiny Keras model or PyTorch module and its message
asserted; the right answers pass; bad arguments raise TypeError/ValueError."""

import re

import keras
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from helpers import checks

keras.utils.set_random_seed(0)
torch.manual_seed(0)


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# join_final_states
# ---------------------------------------------------------------------------

def keras_join(sequence):
    units = sequence.shape[-1] // 2
    return keras.ops.concatenate([sequence[:, -1, :units], sequence[:, 0, units:]], axis=-1)


def torch_join(h_n):
    return torch.cat([h_n[-2], h_n[-1]], dim=1)


def test_right_joins_pass():
    checks.check_join_final_states(keras_join, "keras")
    checks.check_join_final_states(torch_join, "torch")
    checks.check_join_final_states(lambda h_n: h_n.view(-1, 2, *h_n.shape[1:])[-1]
                                   .permute(1, 0, 2).reshape(h_n.shape[1], -1), "torch")


@pytest.mark.parametrize("join, fragment", [
    (lambda s: s[:, -1], "output[:, -1] of a bidirectional layer is not its final state"),
    (lambda s: keras.ops.concatenate([s[:, 0, :5], s[:, -1, 5:]], axis=-1),
     "the two ends are swapped"),
    (lambda s: s[:, 0], "sequence[:, 0] holds the backward final state"),
    (lambda s: s[:, -1, :5], "that is one direction only (5 features)"),
    (lambda s: (s[:, -1], s[:, 0]), "should return one tensor"),
])
def test_keras_join_mistakes_are_named(join, fragment):
    with raises(fragment):
        checks.check_join_final_states(join, "keras")


@pytest.mark.parametrize("join, fragment", [
    (lambda h: h[-1], "h_n[-1] alone is only the backward direction of the top layer"),
    (lambda h: h[-2], "h_n[-2] alone is only the forward direction"),
    (lambda h: torch.cat([h[0], h[1]], dim=1), "h_n[0] and h_n[1] are the BOTTOM layer's"),
    (lambda h: torch.cat([h[-1], h[-2]], dim=1), "the directions are in the wrong order"),
    (lambda h: h[-2:].reshape(h.shape[1], -1), "reshape mixes up the examples"),
    (lambda h: h[-2:], "the two states still stacked"),
    (lambda h: h[-1].numpy(), "should return a torch.Tensor, got numpy.ndarray"),
])
def test_torch_join_mistakes_are_named(join, fragment):
    with raises(fragment):
        checks.check_join_final_states(join, "torch")


def test_join_with_two_layers_only_fails_on_two_layers():
    with raises("(two stacked ones, h_n (4, 3, 5))"):
        checks.check_join_final_states(lambda h: torch.cat([h[0], h[1]], dim=1), "torch")


def test_join_leaves_the_random_state_alone():
    before = torch.random.get_rng_state()
    checks.check_join_final_states(torch_join, "torch")
    assert torch.equal(before, torch.random.get_rng_state())


def test_join_bad_arguments():
    with pytest.raises(TypeError, match="join_final_states must be a function"):
        checks.check_join_final_states(3, "torch")
    with pytest.raises(ValueError, match="framework must be 'keras' or 'torch'"):
        checks.check_join_final_states(torch_join, "numpy")


def test_join_errors_are_quoted():
    def broken(h_n):
        raise KeyError("oops")
    with raises("join_final_states(h_n) (one bidirectional layer, h_n (2, 3, 5)) raised KeyError"):
        checks.check_join_final_states(broken, "torch")


# ---------------------------------------------------------------------------
# masked == unpadded
# ---------------------------------------------------------------------------

SEQUENCES = [[3, 4, 5], [6, 7, 8, 9, 2], [8, 9]]   # lengths 3, 5, 2: not sorted


def keras_encoder(mask_zero=True, vocab=12, units=4):
    return keras.Sequential([
        keras.Input((None,), dtype="int64"),
        keras.layers.Embedding(vocab, 3, mask_zero=mask_zero,
                               embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0)),
        keras.layers.Bidirectional(keras.layers.GRU(units)),
    ])


class TorchEncoder(nn.Module):
    def __init__(self, take="h_n", pack=True, enforce_sorted=False, lengths_device="cpu"):
        super().__init__()
        self.embedding = nn.Embedding(12, 3, padding_idx=0)
        self.rnn = nn.GRU(3, 4, batch_first=True, bidirectional=True)
        self.take, self.pack = take, pack
        self.enforce_sorted, self.lengths_device = enforce_sorted, lengths_device

    def forward(self, ids):
        x = self.embedding(ids)
        if self.pack:
            lengths = (ids != 0).sum(dim=1).to(self.lengths_device)
            x = pack_padded_sequence(x, lengths, batch_first=True,
                                     enforce_sorted=self.enforce_sorted)
        output, h_n = self.rnn(x)
        if self.take == "output":
            output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True)
            return output[:, -1]
        if self.take == "raw":
            return output
        return torch.cat([h_n[-2], h_n[-1]], dim=1)


def test_masked_encoders_pass():
    checks.check_masked_states(keras_encoder(), SEQUENCES)
    checks.check_masked_states(TorchEncoder(), SEQUENCES)


def test_padding_without_a_mask_is_named():
    with raises("Padding without a mask: create the Embedding with mask_zero=True"):
        checks.check_masked_states(keras_encoder(mask_zero=False), SEQUENCES)
    with raises("Padding without a mask: pack the embedded batch"):
        checks.check_masked_states(TorchEncoder(pack=False), SEQUENCES)


def test_the_direction_that_differs_is_named():
    # without a mask, post padding: the forward direction reads the padding at the end
    with raises("padding changes the forward final state: sequence 0 (3 ids), padded to 8"):
        checks.check_masked_states(TorchEncoder(pack=False), SEQUENCES)


def test_packed_but_the_padded_output_is_used():
    with raises("The batch is packed, so take the final states from h_n"):
        checks.check_masked_states(TorchEncoder(take="output"), SEQUENCES)


def test_packing_errors_are_named():
    with raises("pack_padded_sequence without enforce_sorted=False"):
        checks.check_masked_states(TorchEncoder(enforce_sorted=True), SEQUENCES)
    with raises("pack_padded_sequence lengths on the wrong device"):
        # no GPU here: a tensor on the meta device fails the same device check as CUDA
        checks.check_masked_states(TorchEncoder(enforce_sorted=True, lengths_device="meta"),
                                   SEQUENCES)
    with raises("should return one tensor"):
        checks.check_masked_states(TorchEncoder(take="raw"), SEQUENCES)


def test_a_wrong_output_shape_is_named():
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(12, 3, mask_zero=True),
                              keras.layers.Bidirectional(keras.layers.GRU(4), merge_mode="sum")])
    with raises("should return the two final states joined, (batch, 2 * units) = (3, 8), got (3, 4)"):
        checks.check_masked_states(model, SEQUENCES)


def test_a_model_without_a_bidirectional_layer():
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(12, 3, mask_zero=True), keras.layers.GRU(4)])
    with raises("the model has no bidirectional layer"):
        checks.check_masked_states(model, SEQUENCES)


def test_an_embedding_too_small_is_named():
    with raises("Embedding sized to the vocabulary without the padding index"):
        checks.check_masked_states(keras_encoder(vocab=9), SEQUENCES)


@pytest.mark.parametrize("sequences, atol, error, fragment", [
    ([[1, 2, 3]], 1e-5, ValueError, "at least 2 sequences"),
    ([[1, 2], [3, 4]], 1e-5, ValueError, "different lengths"),
    ([[1, 2], [0, 3, 4]], 1e-5, ValueError, "sequences[1] holds id 0"),
    (5, 1e-5, TypeError, "sequences must be a list of id sequences"),
    (SEQUENCES, 0, ValueError, "atol must be > 0"),
    (SEQUENCES, "small", TypeError, "atol must be a number"),
])
def test_check_masked_states_bad_arguments(sequences, atol, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        checks.check_masked_states(TorchEncoder(), sequences, atol=atol)


def test_check_masked_states_needs_a_model():
    with pytest.raises(TypeError, match="model must be a keras.Model or a torch.nn.Module"):
        checks.check_masked_states(lambda ids: ids, SEQUENCES)
