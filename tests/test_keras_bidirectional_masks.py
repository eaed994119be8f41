"""What chapter 06 teaches about Keras' Bidirectional layer, checked in the installed Keras.

Keras 3.15 propagates a padding mask through ``Bidirectional``: the mask of
``Embedding(mask_zero=True)`` reaches both directions, and with
``return_sequences=True`` the layer passes it on to the layers after it (and to
the loss), with zeros at the padded steps. Without ``return_sequences`` nothing
is passed on. Chapter 06 shows these facts (``layer.compute_mask``) and says
that a per-step loss skips the padded steps; its graded exercises do not
depend on a mask *after* the recurrent layer. If a Keras upgrade changes any
of this, a test here fails and the chapter's text must change with it.
"""

import keras
import numpy as np
import pytest

keras.utils.set_random_seed(0)

IDS = np.array([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 2, 0]])   # post-padded
MASK = IDS != 0
UNITS = 4


def embedding():
    return keras.layers.Embedding(12, 3, mask_zero=True,
                                  embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_installed_version():
    major, minor = (int(part) for part in keras.__version__.split(".")[:2])
    assert (major, minor) >= (3, 15), keras.__version__


@pytest.mark.parametrize("cell", [keras.layers.GRU, keras.layers.LSTM, keras.layers.SimpleRNN])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_masked_equals_unpadded_in_both_directions(cell, padding):
    inputs = keras.Input((None,), dtype="int64")
    outputs = keras.layers.Bidirectional(cell(UNITS))(embedding()(inputs))
    model = keras.Model(inputs, outputs)
    sequences = [[3, 4, 5], [6, 7, 8, 9, 2], [8, 9]]
    padded = keras.utils.pad_sequences(sequences, maxlen=8, padding=padding)
    batch = numpy(model(padded))
    for row, sequence in zip(batch, sequences):
        alone = numpy(model(np.array([sequence])))[0]
        np.testing.assert_allclose(row[:UNITS], alone[:UNITS], atol=1e-5)   # forward
        np.testing.assert_allclose(row[UNITS:], alone[UNITS:], atol=1e-5)   # backward


def test_without_a_mask_the_padding_changes_both_directions():
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(12, 3, embeddings_initializer="ones"),
                              keras.layers.Bidirectional(keras.layers.GRU(UNITS))])
    alone = numpy(model(np.array([[3, 4, 5]])))[0]
    more = [numpy(model(np.array([[3, 4, 5] + [0] * pad])))[0] for pad in (1, 4)]
    for padded in more:
        assert not np.allclose(padded[:UNITS], alone[:UNITS], atol=1e-3)
        assert not np.allclose(padded[UNITS:], alone[UNITS:], atol=1e-3)
    assert not np.allclose(more[0], more[1], atol=1e-3), "the result depends on how much padding"


def test_compute_mask_passes_the_mask_on_only_with_return_sequences():
    emb = embedding()
    embedded = emb(IDS)
    mask = emb.compute_mask(IDS)
    np.testing.assert_array_equal(numpy(mask), MASK)
    per_step = keras.layers.Bidirectional(keras.layers.GRU(UNITS, return_sequences=True))
    np.testing.assert_array_equal(numpy(per_step.compute_mask(embedded, mask)), MASK)
    last = keras.layers.Bidirectional(keras.layers.GRU(UNITS))
    assert last.compute_mask(embedded, mask) is None


def test_the_mask_reaches_the_layers_after_a_bidirectional_layer():
    inputs = keras.Input((None,), dtype="int64")
    sequence = keras.layers.Bidirectional(
        keras.layers.GRU(UNITS, return_sequences=True))(embedding()(inputs))
    scores = keras.layers.Dense(2)(sequence)
    assert getattr(sequence, "_keras_mask", None) is not None, "Bidirectional drops the mask"
    assert getattr(scores, "_keras_mask", None) is not None, "the Dense after it gets no mask"
    final = keras.layers.Bidirectional(keras.layers.GRU(UNITS))(embedding()(inputs))
    assert getattr(final, "_keras_mask", None) is None


def test_padded_steps_are_zero_and_the_backward_final_state_is_at_the_first_step():
    inputs = keras.Input((None,), dtype="int64")
    outputs = keras.layers.Bidirectional(
        keras.layers.GRU(UNITS, return_sequences=True, return_state=True))(embedding()(inputs))
    sequence, forward, backward = (numpy(x) for x in keras.Model(inputs, outputs)(IDS))
    assert sequence.shape == (2, 6, 2 * UNITS)
    assert np.all(sequence[~MASK] == 0), "masked steps of a Bidirectional output are zeros"
    lengths = MASK.sum(axis=1)
    for i, length in enumerate(lengths):
        np.testing.assert_allclose(sequence[i, length - 1, :UNITS], forward[i], atol=1e-6)
        np.testing.assert_allclose(sequence[i, 0, UNITS:], backward[i], atol=1e-6)


def test_return_state_order():
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    gru = keras.layers.Bidirectional(keras.layers.GRU(UNITS, return_state=True))(x)
    assert [tuple(t.shape) for t in gru] == [(2, 2 * UNITS), (2, UNITS), (2, UNITS)]
    output, forward, backward = (numpy(t) for t in gru)
    np.testing.assert_allclose(output, np.concatenate([forward, backward], axis=1), atol=1e-6)
    lstm = keras.layers.Bidirectional(keras.layers.LSTM(UNITS, return_state=True))(x)
    output, h_forward, c_forward, h_backward, c_backward = (numpy(t) for t in lstm)
    np.testing.assert_allclose(output, np.concatenate([h_forward, h_backward], axis=1), atol=1e-6)
    assert not np.allclose(c_forward, h_forward)


@pytest.mark.parametrize("merge_mode, width", [("concat", 2 * UNITS), ("sum", UNITS),
                                               ("mul", UNITS), ("ave", UNITS)])
def test_merge_modes(merge_mode, width):
    x = np.ones((2, 5, 3), dtype="float32")
    out = keras.layers.Bidirectional(keras.layers.GRU(UNITS), merge_mode=merge_mode)(x)
    assert tuple(out.shape) == (2, width)
    both = keras.layers.Bidirectional(keras.layers.GRU(UNITS), merge_mode=None)(x)
    assert [tuple(t.shape) for t in both] == [(2, UNITS), (2, UNITS)]


def test_a_per_step_loss_skips_the_masked_steps():
    """The taught consequence: the padded steps' targets do not change the loss."""
    model = keras.Sequential([keras.Input((None,), dtype="int64"), embedding(),
                              keras.layers.Bidirectional(
                                  keras.layers.GRU(UNITS, return_sequences=True)),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    targets = np.zeros_like(IDS)
    other = targets.copy()
    other[~MASK] = 1                        # change only the targets at the padding
    first = model.evaluate(IDS, targets, verbose=0)
    second = model.evaluate(IDS, other, verbose=0)
    assert abs(first - second) < 1e-6, (first, second)
