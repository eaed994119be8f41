"""Unit tests for the model checks of helpers.checks (models, params, introspect):
each named mistake is built as a tiny Keras model and/or PyTorch module and
its message asserted; correct models pass; bad arguments raise TypeError or
ValueError."""

import re

import keras
import numpy as np
import pytest
import torch
from torch import nn

from helpers import checks
from helpers.checks import introspect

keras.utils.set_random_seed(0)
torch.manual_seed(0)

B, T, F, H = 2, 7, 3, 4  # batch, time, features, hidden: all different, so swaps show
BATCH = np.random.default_rng(0).standard_normal((B, T, F)).astype("float32")
IDS = np.array([[3, 4, 5, 0, 0, 0, 0], [6, 7, 8, 9, 1, 2, 0]])


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------

def keras_stack(*recurrent, head=1, activation=None, features=F, inputs=True):
    layers = [keras.Input((None, features))] if inputs else []
    layers += list(recurrent)
    if head:
        layers.append(keras.layers.Dense(head, activation=activation))
    return keras.Sequential(layers)


def keras_text(vocab=10, mask_zero=False, units=H, bidirectional=False):
    rnn = keras.layers.LSTM(units)
    if bidirectional:
        rnn = keras.layers.Bidirectional(rnn)
    return keras.Sequential([keras.Input((None,), dtype="int64"),
                             keras.layers.Embedding(vocab, 3, mask_zero=mask_zero),
                             rnn, keras.layers.Dense(1)])


class TorchRNN(nn.Module):
    """A classifier over (batch, time, features) that can make each mistake."""

    def __init__(self, cell=nn.LSTM, batch_first=True, bidirectional=False, take="h_n",
                 head_in=None, num_layers=1, features=F):
        super().__init__()
        self.rnn = cell(features, H, batch_first=batch_first, bidirectional=bidirectional,
                        num_layers=num_layers)
        self.head = nn.Linear(head_in or H, 1)
        self.take = take

    def forward(self, x):
        output, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state
        if self.take == "raw":
            return output, state
        if self.take == "output":
            return self.head(output)
        if self.take == "last unit":     # the last step taken on the wrong axis
            return self.head(output[:, :, -1])
        if self.take == "both":
            return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1))
        return self.head(h_n[-1])


class TorchStacked(nn.Module):
    def __init__(self, feed="output"):
        super().__init__()
        self.lower = nn.GRU(F, H, batch_first=True)
        self.upper = nn.GRU(H, 5, batch_first=True)
        self.head = nn.Linear(5, 1)
        self.feed = feed

    def forward(self, x):
        output, h_n = self.lower(x)
        _, h_top = self.upper(output if self.feed == "output" else h_n[-1])
        return self.head(h_top[-1])


class TorchText(nn.Module):
    def __init__(self, vocab=10, padding_idx=0, pack=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, 3, padding_idx=padding_idx)
        self.rnn = nn.GRU(3, H, batch_first=True)
        self.head = nn.Linear(H, 1)
        self.pack = pack

    def forward(self, ids):
        x = self.embedding(ids)
        if self.pack:
            lengths = (ids != 0).sum(dim=1).cpu()
            x = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                  enforce_sorted=False)
        _, h_n = self.rnn(x)
        return self.head(h_n[-1])


# ---------------------------------------------------------------------------
# introspection
# ---------------------------------------------------------------------------

def test_recurrent_layers_describe_keras_and_torch_layers():
    model = keras_stack(keras.layers.LSTM(H, return_sequences=True),
                        keras.layers.Bidirectional(keras.layers.GRU(5), merge_mode="sum"))
    first, second = checks.recurrent_layers(model)
    assert (first.kind, first.units, first.input_size, first.return_sequences) == \
        ("LSTM", H, F, True)
    assert (second.kind, second.bidirectional, second.merge_mode, second.two_biases) == \
        ("GRU", True, "sum", True)
    assert second.label == f"Bidirectional(GRU) '{second.name}'"
    (layer,) = checks.recurrent_layers(TorchRNN(cell=nn.GRU, batch_first=False, num_layers=2))
    assert (layer.name, layer.kind, layer.batch_first, layer.num_layers) == ("rnn", "GRU", False, 2)
    assert layer.label == "nn.GRU 'rnn'"
    assert checks.recurrent_layers(nn.RNN(2, 3))[0].label == "nn.RNN"


def test_nested_keras_models_are_flattened():
    inner = keras.Sequential([keras.layers.LSTM(H)])
    model = keras.Sequential([keras.Input((None, F)), inner, keras.layers.Dense(1)])
    assert [layer.kind for layer in checks.recurrent_layers(model)] == ["LSTM"]


def test_param_counts_per_layer():
    counts = checks.param_counts(keras_text(vocab=10))
    assert list(counts.values()) == [30, 4 * (H * (3 + H) + H), H + 1]
    torch_counts = checks.param_counts(TorchText(vocab=10))
    assert torch_counts == {"embedding": 30, "rnn": 3 * (H * (3 + H) + 2 * H), "head": H + 1}
    assert checks.param_counts(nn.LSTM(2, 3)) == {"LSTM": 4 * (3 * 5 + 6)}


def test_run_model_puts_torch_back_in_its_mode_and_handles_tuples():
    module = TorchRNN(take="raw")
    module.train()
    output, (h_n, c_n) = checks.run_model(module, BATCH)
    assert module.training and output.shape == (B, T, H) and h_n.shape == (1, B, H)
    assert isinstance(checks.run_model(keras_stack(keras.layers.GRU(H)), BATCH), np.ndarray)


def test_output_activation():
    sigmoid = keras_stack(keras.layers.GRU(H), activation="sigmoid")
    assert introspect.output_activation(sigmoid) == "sigmoid"
    assert introspect.output_activation(keras_stack(keras.layers.GRU(H), head=0)) == "tanh"
    assert introspect.output_activation(nn.Sequential(nn.Linear(2, 1), nn.Dropout())) == "linear"
    assert introspect.output_activation(nn.Sequential(nn.Flatten())) is None
    assert introspect.output_activation(nn.LSTM(2, 3)) == "tanh"
    softmax = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.Softmax()])
    assert introspect.output_activation(softmax) == "softmax"
    lambda_end = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3),
                                   keras.layers.Lambda(lambda t: t * 2)])
    assert introspect.output_activation(lambda_end) is None
    embedding = keras.Sequential([keras.Input((2,)), keras.layers.Embedding(5, 2)])
    assert introspect.output_activation(embedding) is None
    assert introspect.output_activation(keras.Sequential([keras.layers.Flatten()])) is None
    assert introspect.output_activation(keras.layers.Dense(1, activation="relu")) == "relu"


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

def test_build_model_returns_the_model():
    model = checks.build_model(lambda units: keras_stack(keras.layers.LSTM(units)), H)
    assert isinstance(model, keras.Model)
    assert isinstance(checks.build_model(TorchRNN, cell=nn.GRU), TorchRNN)


def test_keras_stacking_without_return_sequences_is_named_at_build_time():
    def build_stacked():
        return keras_stack(keras.layers.LSTM(H, name="lower"), keras.layers.LSTM(5, name="upper"))
    with raises("stacking without return_sequences=True: LSTM 'lower' feeds 'upper'"):
        checks.build_model(build_stacked)


def test_keras_stacking_through_dropout_in_a_functional_model():
    def build_functional():
        inputs = keras.Input((None, F))
        x = keras.layers.GRU(H, name="first")(inputs)
        x = keras.layers.Dropout(0.2)(x)
        x = keras.layers.GRU(5, name="second")(x)
        return keras.Model(inputs, keras.layers.Dense(1)(x))
    with raises("stacking without return_sequences=True: GRU 'first' feeds 'second'"):
        checks.build_model(build_functional)


def test_keras_input_without_features_axis_is_named_at_build_time():
    def build_flat():
        return keras.Sequential([keras.Input((T,)), keras.layers.SimpleRNN(H),
                                 keras.layers.Dense(1)])
    with raises("2-D input to a recurrent layer (missing the features axis)"):
        checks.build_model(build_flat)


def test_keras_ndim_error_without_a_known_source_names_both_causes():
    error = ValueError("Input 0 of layer 'lstm' is incompatible with the layer: "
                       "expected ndim=3, found ndim=2. Full shape received: (None, 4)")
    message = checks.models._keras_ndim_diagnosis(error)
    assert "stacking without return_sequences=True" in message and "features axis" in message


def test_build_model_without_return_and_with_other_errors():
    with raises("should return a keras.Model or a torch.nn.Module, got NoneType. End the "
                "function with `return model`."):
        checks.build_model(lambda: None)

    def broken(units):
        raise KeyError("oops")
    with raises("broken(4) raised KeyError"):
        checks.build_model(broken, 4)
    with pytest.raises(TypeError, match="build must be a function"):
        checks.build_model(3)
    with pytest.raises(TypeError, match="build must be the function that builds the model"):
        checks.build_model(keras_stack(keras.layers.GRU(H)))


def test_build_model_keeps_not_implemented_error():
    def blank():
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.build_model(blank)


# ---------------------------------------------------------------------------
# output shapes
# ---------------------------------------------------------------------------

def test_correct_models_pass():
    keras_model = keras_stack(keras.layers.LSTM(H, return_sequences=True), keras.layers.LSTM(5))
    checks.check_output_shape(keras_model, BATCH, (B, 1))
    checks.check_output_shape(keras_model, BATCH, (None, 1))
    checks.check_output_shape(TorchRNN(), BATCH, (B, 1))
    checks.check_output_shape(TorchRNN(), torch.from_numpy(BATCH), [B, 1])
    checks.check_output_shape(TorchStacked(), BATCH, (B, 1))
    checks.check_output_shape(TorchText(), IDS, (B, 1))
    checks.check_output_shape(keras_text(), IDS.tolist(), (B, 1))


def test_keras_returning_sequences_into_a_dense_classifier():
    model = keras_stack(keras.layers.LSTM(H, return_sequences=True, name="last"))
    with raises("should have shape (2, 1), got (2, 7, 1) (the batch has shape (2, 7, 3)). "
                "returning sequences into a Dense classifier: the last recurrent layer, "
                "LSTM 'last', has return_sequences=True"):
        checks.check_output_shape(model, BATCH, (B, 1))


def test_torch_taking_output_instead_of_h_n():
    with raises("taking `output` instead of h_n"):
        checks.check_output_shape(TorchRNN(take="output"), BATCH, (B, 1))


def test_per_step_model_without_sequences():
    with raises("one prediction per time step needs return_sequences=True on the last "
                "recurrent layer"):
        checks.check_output_shape(keras_stack(keras.layers.GRU(H)), BATCH, (B, T, 1))
    with raises("one prediction per time step needs `output`"):
        checks.check_output_shape(TorchRNN(), BATCH, (B, T, 1))


def test_torch_forgetting_batch_first():
    with raises("forgetting batch_first=True: nn.LSTM 'rnn' was created without "
                "batch_first=True"):
        checks.check_output_shape(TorchRNN(batch_first=False), BATCH, (B, 1))


def test_torch_h_n_minus_one_of_a_bidirectional_layer():
    # a head sized for both directions fails at run time
    with raises("h_n[-1] of a bidirectional layer is only the backward direction"):
        checks.check_output_shape(TorchRNN(bidirectional=True, head_in=2 * H), BATCH, (B, 1))
    checks.check_output_shape(TorchRNN(bidirectional=True, take="both", head_in=2 * H),
                              BATCH, (B, 1))


def test_bidirectional_state_of_the_wrong_width():
    class Encoder(nn.Module):
        def __init__(self, take):
            super().__init__()
            self.rnn = nn.GRU(F, H, batch_first=True, bidirectional=True)
            self.take = take

        def forward(self, x):
            _, h_n = self.rnn(x)
            return h_n[-1] if self.take == "last" else torch.cat([h_n[-2], h_n[-1], h_n[-1]], 1)
    with raises("got (2, 4) (the batch has shape (2, 7, 3)). h_n[-1] of a bidirectional layer"):
        checks.check_output_shape(Encoder("last"), BATCH, (B, 2 * H))
    summed = keras_stack(keras.layers.Bidirectional(keras.layers.GRU(H), merge_mode="sum"), head=0)
    with raises("has merge_mode='sum', which combines the two directions into 4 features"):
        checks.check_output_shape(summed, BATCH, (B, 2 * H))
    joined = keras_stack(keras.layers.Bidirectional(keras.layers.GRU(H)), head=0)
    with raises("is bidirectional: its output joins both directions, 2 * 4 = 8 features"):
        checks.check_output_shape(joined, BATCH, (B, H))


def test_other_wrong_shapes_say_expected_and_got():
    with raises("model(batch) should have shape (2, 3), got (2, 1) (the batch has shape"):
        checks.check_output_shape(TorchRNN(), BATCH, (B, 3))
    with raises("encoder(batch) should have shape (any, 3), got (2, 1)"):
        checks.check_output_shape(TorchRNN(), BATCH, (None, 3), name="encoder")
    dense_only = keras.Sequential([keras.Input((None, F)), keras.layers.Dense(2)])
    with raises("should have shape (2, 2), got (2, 7, 2) (the batch has shape (2, 7, 3))."):
        checks.check_output_shape(dense_only, BATCH, (B, 2))


def test_missing_features_axis_in_the_batch():
    with raises("2-D input to a recurrent layer (missing the features axis): the model "
                "received shape (2, 7)"):
        checks.check_output_shape(keras_stack(keras.layers.GRU(H)), BATCH[..., 0], (B, 1))
    # Keras itself adds a missing features axis of size 1 to a model built on Input((time, 1))
    checks.check_output_shape(keras_stack(keras.layers.GRU(H), features=1), BATCH[..., 0], (B, 1))
    with raises("PyTorch reads a 2-D input as one unbatched sequence"):
        checks.check_output_shape(TorchRNN(features=1), BATCH[..., 0], (B, 1))


def test_models_that_add_the_features_axis_themselves_take_2d_batches():
    reshaping = keras.Sequential([keras.Input((T,)), keras.layers.Reshape((T, 1)),
                                  keras.layers.GRU(H), keras.layers.Dense(1)])
    checks.check_output_shape(reshaping, BATCH[..., 0], (B, 1))

    class Unsqueezer(TorchRNN):
        def forward(self, x):
            return super().forward(x.unsqueeze(-1))
    checks.check_output_shape(Unsqueezer(features=1), BATCH[..., 0], (B, 1))
    lazy = keras_stack(keras.layers.GRU(H), inputs=False)
    with raises("2-D input to a recurrent layer (missing the features axis): the model "
                "received shape (2, 7)"):
        checks.check_output_shape(lazy, BATCH[..., 0], (B, 1))


def test_torch_module_that_drops_the_features_axis_itself():
    class Squeezer(TorchRNN):
        def forward(self, x):
            return super().forward(x.squeeze(-1))
    with raises("2-D input to a recurrent layer (missing the features axis): nn.LSTM 'rnn' "
                "received shape (2, 7)"):
        checks.check_output_shape(Squeezer(features=T), BATCH[..., :1], (B, 1))


def test_torch_stacking_with_h_n_instead_of_output():
    with raises("stacking without the whole sequence: nn.GRU 'upper' received a 2-D tensor "
                "of shape (2, 4)"):
        checks.check_output_shape(TorchStacked(feed="h_n"), BATCH, (B, 1))


def test_keras_stacking_in_a_model_built_on_first_call():
    lazy = keras_stack(keras.layers.LSTM(H), keras.layers.LSTM(5), inputs=False)
    with raises("stacking without return_sequences=True"):
        checks.check_output_shape(lazy, BATCH, (B, 1))


def test_torch_module_returning_a_tuple():
    with raises("returned a tuple of 2 values with shapes (2, 7, 4) and ((1, 2, 4), (1, 2, 4)); "
                "it should return one tensor of shape (2, 1). This looks like the raw result "
                "of a recurrent module"):
        checks.check_output_shape(TorchRNN(take="raw"), BATCH, (B, 1))
    with raises("Value [0] has that shape: return it alone."):
        checks.check_output_shape(TorchRNN(take="raw"), BATCH, (B, T, H))


def test_keras_models_that_vectorize_text_take_strings():
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(["the movie was good", "the plot was bad but fun"])
    model = keras.Sequential([keras.Input((), dtype="string"), vectorize,
                              keras.layers.Embedding(20, 3),
                              keras.layers.GRU(H, return_sequences=True), keras.layers.Dense(1)])
    with raises("returning sequences into a Dense classifier"):
        checks.check_output_shape(model, ["the movie", "a bad plot"], (2, 1))
    with pytest.raises(TypeError, match="a PyTorch module takes tensors of numbers"):
        checks.check_output_shape(TorchText(), ["the movie", "a bad plot"], (2, 1))
    with pytest.raises(ValueError, match="must hold at least one text"):
        checks.check_output_shape(model, np.array("the movie"), (1, 1))


def test_unpadded_ragged_input():
    with raises("batch is unpadded ragged input"):
        checks.check_output_shape(TorchText(), [[1, 2, 3], [4, 5]], (2, 1))


def test_embedding_too_small_for_the_ids_at_run_time():
    ids = np.array([[1, 2, 10], [3, 4, 5]])
    with raises("Embedding sized to the vocabulary without the padding index: nn.Embedding "
                "'embedding' has num_embeddings=10, but the ids go from 0 (padding) to 10"):
        checks.check_output_shape(TorchText(vocab=10), ids, (2, 1))
    with raises("has input_dim=10, but the ids go from 0 (padding) to 10, so it needs "
                "input_dim=11"):
        checks.check_output_shape(keras_text(vocab=10), ids, (2, 1))


def test_a_linear_layer_of_the_wrong_size():
    with raises("a Linear layer expects in_features=5 but receives 4 features"):
        checks.check_output_shape(TorchRNN(head_in=5), BATCH, (B, 1))


def test_the_last_step_on_the_wrong_axis_is_named_not_the_linear_size():
    """Precision: output[:, :, -1] feeds T features to Linear(H, 1); changing in_features is
    the wrong fix, and a Linear of the wrong size is never told about the time axis."""
    with pytest.raises(AssertionError) as caught:
        checks.check_output_shape(TorchRNN(take="last unit"), BATCH, (B, 1))
    assert "taken on the wrong axis" in str(caught.value) and "in_features=" not in str(caught.value)
    with pytest.raises(AssertionError) as caught:
        checks.check_output_shape(TorchRNN(head_in=5), BATCH, (B, 1))
    assert "wrong axis" not in str(caught.value)


def test_other_errors_of_the_model_are_reported_with_the_call():
    class Broken(TorchRNN):
        def forward(self, x):
            raise ValueError("no")
    with raises("model(batch) with a batch of shape (2, 7, 3) raised ValueError: no"):
        checks.check_output_shape(Broken(), BATCH, (B, 1))


def test_check_outputs_close_checks_the_shape_then_names_the_first_difference():
    module = TorchRNN()
    reference = checks.run_model(module, BATCH)
    checks.check_outputs_close(module, BATCH, reference)
    checks.check_outputs_close(module, BATCH, torch.from_numpy(reference))
    shifted = reference.copy()
    shifted[1, 0] += 1
    with raises("model(batch)[1, 0] should be"):
        checks.check_outputs_close(module, BATCH, shifted)
    with raises("taking `output` instead of h_n"):
        checks.check_outputs_close(TorchRNN(take="output"), BATCH, reference)
    with pytest.raises(TypeError, match="reference must be an array of numbers"):
        checks.check_outputs_close(module, BATCH, np.array(["a", "b"]))


@pytest.mark.parametrize("batch, error, fragment", [
    (np.zeros((0, T, F)), ValueError, "batch is empty"),
    (np.zeros(T), ValueError, "batch must have a batch axis first"),
    ("abc", TypeError, "batch must be an array"),
    (np.array([[1 + 2j, 3j]]), TypeError, "batch must hold numbers"),
])
def test_bad_batches(batch, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        checks.check_output_shape(TorchRNN(), batch, (B, 1))


def test_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match=r"model must be a keras.Model or a torch.nn.Module, "
                                        r"got NoneType \(None: does the function"):
        checks.check_output_shape(None, BATCH, (B, 1))
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        checks.check_return_sequences("model")
    for expected in ((), 3, ("a",), (True, 1), (-1, 1)):
        with pytest.raises(TypeError, match="expected must be a non-empty tuple"):
            checks.check_output_shape(TorchRNN(), BATCH, expected)
    with pytest.raises(TypeError, match="name must be a str"):
        checks.check_output_shape(TorchRNN(), BATCH, (B, 1), name=3)


# ---------------------------------------------------------------------------
# return_sequences, batch_first, both directions
# ---------------------------------------------------------------------------

def test_check_return_sequences_keras():
    stacked = keras_stack(keras.layers.LSTM(H, return_sequences=True),
                          keras.layers.Dropout(0.1), keras.layers.LSTM(5))
    checks.check_return_sequences(stacked)
    tagger = keras_stack(keras.layers.GRU(H, return_sequences=True))
    checks.check_return_sequences(tagger, per_step=True)
    pooled = keras_stack(keras.layers.GRU(H, return_sequences=True),
                         keras.layers.GlobalAveragePooling1D())
    checks.check_return_sequences(pooled)
    with raises("returning sequences into a Dense classifier"):
        checks.check_return_sequences(tagger)
    with raises("one prediction per time step needs return_sequences=True on the last "
                "recurrent layer"):
        checks.check_return_sequences(stacked, per_step=True)
    lazy = keras_stack(keras.layers.LSTM(H, name="a"), keras.layers.LSTM(5, name="b"), inputs=False)
    with raises("stacking without return_sequences=True: LSTM 'a' feeds 'b'"):
        checks.check_return_sequences(lazy)


def test_check_return_sequences_torch():
    checks.check_return_sequences(TorchRNN(), batch=BATCH)
    checks.check_return_sequences(TorchStacked(), batch=BATCH)
    checks.check_return_sequences(TorchRNN(take="output"), per_step=True, batch=BATCH)
    with raises("taking `output` instead of h_n"):
        checks.check_return_sequences(TorchRNN(take="output"), batch=BATCH)
    with raises("one prediction per time step needs `output`"):
        checks.check_return_sequences(TorchRNN(), per_step=True, batch=BATCH)
    with raises("stacking without the whole sequence"):
        checks.check_return_sequences(TorchStacked(feed="h_n"), batch=BATCH)
    with raises("forgetting batch_first=True"):
        checks.check_return_sequences(TorchRNN(batch_first=False), batch=BATCH)
    with pytest.raises(ValueError, match="batch is needed for a PyTorch module"):
        checks.check_return_sequences(TorchRNN())
    with pytest.raises(TypeError, match="per_step must be True or False"):
        checks.check_return_sequences(TorchRNN(), per_step="yes", batch=BATCH)


def test_models_without_a_recurrent_layer():
    with raises("the model has no recurrent layer"):
        checks.check_return_sequences(nn.Linear(2, 1), batch=BATCH)
    with raises("the model has no bidirectional layer"):
        checks.check_both_directions(TorchRNN(), BATCH)


def test_check_batch_first():
    checks.check_batch_first(TorchStacked())
    with raises("forgetting batch_first=True: nn.GRU 'rnn' was created without "
                "batch_first=True, so it reads its input as (time, batch, features)"):
        checks.check_batch_first(TorchRNN(cell=nn.GRU, batch_first=False))
    with pytest.raises(TypeError, match="check_batch_first is for PyTorch modules"):
        checks.check_batch_first(keras_stack(keras.layers.GRU(H)))


def test_check_both_directions():
    checks.check_both_directions(TorchRNN(bidirectional=True, take="both", head_in=2 * H), BATCH)
    checks.check_both_directions(TorchRNN(bidirectional=True, num_layers=2, take="both",
                                          head_in=2 * H), BATCH)
    checks.check_both_directions(keras_stack(keras.layers.Bidirectional(keras.layers.LSTM(H))),
                                 BATCH)
    with raises("the output does not depend on the forward direction of nn.LSTM 'rnn'"):
        checks.check_both_directions(TorchRNN(bidirectional=True), BATCH)

    class ForwardOnly(TorchRNN):
        def forward(self, x):
            _, (h_n, _) = self.rnn(x)
            return self.head(h_n[-2])
    with raises("does not depend on the backward direction"):
        checks.check_both_directions(ForwardOnly(bidirectional=True), BATCH)


def test_check_both_directions_names_an_ignored_keras_direction():
    inputs = keras.Input((None, F))
    both = keras.layers.Bidirectional(keras.layers.GRU(H, return_sequences=True))(inputs)
    forward_half = keras.layers.Lambda(lambda x: x[:, -1, :H])(both)
    model = keras.Model(inputs, forward_half)
    with raises("does not depend on the backward direction of Bidirectional(GRU)"):
        checks.check_both_directions(model, BATCH)


# ---------------------------------------------------------------------------
# masking
# ---------------------------------------------------------------------------

SEQUENCES = [[3, 4, 5], [6, 7], [8, 9, 1, 2]]


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_masked_models_pass(padding):
    checks.check_masking(keras_text(mask_zero=True), SEQUENCES, padding=padding)
    checks.check_masking(keras_text(mask_zero=True, bidirectional=True), SEQUENCES, padding=padding)


def test_packed_torch_module_passes():
    checks.check_masking(TorchText(pack=True), SEQUENCES, padding="post")


def test_padding_the_wrong_side_without_masking():
    with raises("Padding the wrong side without masking: with padding='post' the zeros come "
                "after the words"):
        checks.check_masking(keras_text(), SEQUENCES)
    with raises("Mask the padding: pack the embedded batch with "
                "torch.nn.utils.rnn.pack_padded_sequence"):
        checks.check_masking(TorchText(), SEQUENCES)
    with raises("The padding is not masked: with padding='pre'"):
        checks.check_masking(keras_text(), SEQUENCES, padding="pre")


@pytest.mark.filterwarnings("ignore:Layer 'lambda:UserWarning")
def test_torch_pre_padding_without_packing():
    with raises("The padding is not masked: with padding='pre'"):
        checks.check_masking(TorchText(), SEQUENCES, padding="pre")
    with raises("pack_padded_sequence takes the first `length` steps: it needs padding='post'"):
        checks.check_masking(TorchText(pack=True), SEQUENCES, padding="pre")


@pytest.mark.filterwarnings("ignore:Layer 'lambda:UserWarning")
def test_a_lost_mask_is_named():
    inputs = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    x = keras.layers.Lambda(lambda t: t * 1.0)(x)  # a Lambda drops the mask
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(H)(x)))
    with raises("The Embedding has mask_zero=True, but the mask does not reach the recurrent "
                "layer"):
        checks.check_masking(model, SEQUENCES)


def test_per_step_outputs_are_compared_at_the_real_tokens():
    tagger = keras.Sequential([keras.Input((None,), dtype="int64"), keras.layers.Embedding(10, 3),
                               keras.layers.GRU(H, return_sequences=True)])
    checks.check_masking(tagger, SEQUENCES, padding="post")  # causal: post padding comes after
    with raises("padding changes the output: sequence 0, [3, 4, 5], zero-padded ('pre')"):
        checks.check_masking(tagger, SEQUENCES, padding="pre")


@pytest.mark.parametrize("sequences, error, fragment", [
    ([[1, 2, 3]], ValueError, "at least 2 sequences"),
    ([[1, 2], [3, 4]], ValueError, "different lengths"),
    ([[1, 2], [0, 3, 4]], ValueError, "sequences[1] holds id 0"),
    ([[1, 2], [1.5, 3, 4]], TypeError, "sequences[1] must be a non-empty 1-D sequence"),
    ([[1, 2], []], TypeError, "sequences[1] must be a non-empty"),
    (5, TypeError, "sequences must be a list of id sequences"),
])
def test_check_masking_bad_arguments(sequences, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        checks.check_masking(TorchText(), sequences)


def test_check_masking_bad_padding():
    with pytest.raises(ValueError, match="padding must be one of"):
        checks.check_masking(TorchText(), SEQUENCES, padding="left")


# ---------------------------------------------------------------------------
# parameter counts and embeddings
# ---------------------------------------------------------------------------

def lstm_count(n, h, biases=1):
    return 4 * (h * (n + h) + biases * h)


def test_check_param_count_passes_for_the_right_counts():
    model = keras_text(vocab=10)
    total = sum(checks.param_counts(model).values())
    checks.check_param_count(model, total)
    checks.check_param_count(model, list(checks.param_counts(model).values()))
    checks.check_param_count(TorchText(), {"rnn": 3 * (H * (3 + H) + 2 * H)})


def test_param_count_embedding_without_the_padding_index():
    model = keras_text(vocab=10)
    expected = 11 * 3 + lstm_count(3, H) + H + 1
    with raises(f"the model has {expected - 3} parameters, expected {expected}. Layer "):
        checks.check_param_count(model, expected)
    with raises("Embedding sized to the vocabulary without the padding index: Embedding"):
        checks.check_param_count(model, expected)


def test_param_count_pytorch_two_biases():
    module = nn.LSTM(F, H, batch_first=True)
    with raises("the expected count has one bias per gate, as Keras does, but PyTorch keeps "
                "two (b_ih and b_hh)"):
        checks.check_param_count(module, lstm_count(F, H))
    model = keras_stack(keras.layers.LSTM(H), head=0)
    with raises("the expected count has two biases per gate, as PyTorch does, but Keras' LSTM "
                "keeps one"):
        checks.check_param_count(model, lstm_count(F, H, biases=2))


def test_param_count_other_cell_direction_or_layers():
    model = keras_stack(keras.layers.SimpleRNN(H, name="rnn"))
    with raises("Layer 'rnn' has 32: the expected count fits an LSTM there, not a SimpleRNN"):
        checks.check_param_count(model, lstm_count(F, H) + H + 1)
    with raises("the expected count fits a bidirectional layer"):
        checks.check_param_count(model, 2 * 32 + H + 1)
    bidirectional = keras_stack(keras.layers.Bidirectional(keras.layers.GRU(H)), head=0)
    with raises("the expected count fits one direction"):
        checks.check_param_count(bidirectional, 3 * (H * (F + H) + 2 * H))
    with raises("the expected count fits the other GRU form"):
        checks.check_param_count(bidirectional, 2 * 3 * (H * (F + H) + H))
    with raises("the expected count fits num_layers=2, not 1"):
        checks.check_param_count(nn.GRU(F, H), 3 * (H * (F + H) + 2 * H) + 3 * (H * 2 * H + 2 * H))
    with raises("the expected count fits a GRU there, not an RNN"):
        checks.check_param_count(nn.RNN(F, H), 3 * (H * (F + H) + 2 * H))


def test_param_count_per_layer_names_the_layer():
    module = TorchText()
    with raises("layer 'rnn' has 108 parameters, expected 198. the expected count fits 6 units, "
                "not 4. Per layer: 'embedding' 30, 'rnn' 108, 'head' 5."):
        checks.check_param_count(module, {"rnn": 3 * (6 * (3 + 6) + 2 * 6)})
    with raises("layer 'head' has 5 parameters, expected 7. Per layer"):
        checks.check_param_count(module, [30, 108, 7])
    with raises("the model has 3 layers with parameters, expected 2"):
        checks.check_param_count(module, [30, 108])
    with raises("the model has no layer with parameters named 'lstm'"):
        checks.check_param_count(module, {"lstm": 10})
    with raises("the model has 143 parameters, expected 1,000. Per layer: 'embedding' 30"):
        checks.check_param_count(module, 1000)


def test_param_count_of_an_unbuilt_keras_model():
    lazy = keras.Sequential([keras.layers.LSTM(H), keras.layers.Dense(1)])
    with raises("the Keras model has no weights yet"):
        checks.check_param_count(lazy, 10)


@pytest.mark.parametrize("expected", ["12", 1.5, True, -1, [1, "a"], {"rnn": None}])
def test_check_param_count_bad_expected(expected):
    with pytest.raises(TypeError, match="expected"):
        checks.check_param_count(TorchText(), expected)


def test_check_embedding_size():
    checks.check_embedding_size(keras_text(vocab=10), 10)
    checks.check_embedding_size(TorchText(vocab=10), 9)
    checks.check_embedding_size(TorchText(vocab=10, padding_idx=None), 10)
    with raises("Embedding sized to the vocabulary without the padding index: Embedding "):
        checks.check_embedding_size(keras_text(vocab=9), 10)
    with raises("needs num_embeddings=10: num_embeddings must be len(vocab), counting the "
                "padding id 0"):
        checks.check_embedding_size(TorchText(vocab=9), 10)
    with raises("nn.Embedding 'embedding' has padding_idx=1, but id 0 is the padding"):
        checks.check_embedding_size(TorchText(vocab=10, padding_idx=1), 10)
    checks.check_embedding_size(TorchText(vocab=10, padding_idx=1), 10, padding_idx=None)
    with raises("the model has no Embedding layer"):
        checks.check_embedding_size(TorchRNN(), 10)
    with pytest.raises(ValueError, match="vocab_size must be >= 2"):
        checks.check_embedding_size(TorchText(), 1)
    with pytest.raises(TypeError, match="padding_idx must be an integer"):
        checks.check_embedding_size(TorchText(), 10, padding_idx="0")
