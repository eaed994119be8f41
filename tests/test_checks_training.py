"""Unit tests for the training checks of helpers.checks (training, accuracy):
loss vs output activation, accuracy on generated data, exploding losses and
gradient clipping, each mistake built and its message asserted."""

import re

import keras
import numpy as np
import pytest
import torch
from torch import nn

from helpers import checks

keras.utils.set_random_seed(0)
torch.manual_seed(0)

T = 5
BATCH = np.random.default_rng(1).standard_normal((8, T, 1)).astype("float32")


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# loss vs output
# ---------------------------------------------------------------------------

def keras_head(activation=None, units=1):
    return keras.Sequential([keras.Input((None, 1)), keras.layers.GRU(3),
                             keras.layers.Dropout(0.1),
                             keras.layers.Dense(units, activation=activation)])


class TorchHead(nn.Module):
    def __init__(self, end=None, units=1, functional=None):
        super().__init__()
        self.rnn = nn.GRU(1, 3, batch_first=True)
        self.head = nn.Linear(3, units)
        self.end = end
        self.functional = functional

    def forward(self, x):
        _, h_n = self.rnn(x)
        out = self.head(h_n[-1])
        if self.end is not None:
            out = self.end(out)
        if self.functional == "sigmoid":
            out = torch.sigmoid(out).squeeze(-1)
        return out


def test_matching_losses_pass():
    logits_loss = keras.losses.BinaryCrossentropy(from_logits=True)
    checks.check_loss_matches_output(keras_head(), logits_loss)
    checks.check_loss_matches_output(keras_head("sigmoid"), "binary_crossentropy")
    checks.check_loss_matches_output(keras_head("softmax", 3), "sparse_categorical_crossentropy")
    checks.check_loss_matches_output(keras_head(), "mse")  # not a classification loss
    checks.check_loss_matches_output(TorchHead(), nn.BCEWithLogitsLoss())
    checks.check_loss_matches_output(TorchHead(nn.Sigmoid()), nn.BCELoss())
    checks.check_loss_matches_output(TorchHead(units=3), nn.CrossEntropyLoss(), batch=BATCH)
    checks.check_loss_matches_output(TorchHead(nn.LogSoftmax(dim=-1), 3), nn.NLLLoss())
    checks.check_loss_matches_output(TorchHead(functional="sigmoid"), nn.BCELoss(), batch=BATCH)
    checks.check_loss_matches_output(nn.Sequential(nn.Flatten()), nn.BCELoss())  # unknown output


def test_sigmoid_applied_twice():
    with raises("sigmoid applied twice: nn.BCEWithLogitsLoss applies the sigmoid itself, but "
                "the model already outputs probabilities (its output comes from sigmoid)"):
        checks.check_loss_matches_output(TorchHead(nn.Sigmoid()), nn.BCEWithLogitsLoss())
    with raises("sigmoid applied twice"):  # a torch.sigmoid inside forward, seen by running it
        checks.check_loss_matches_output(TorchHead(functional="sigmoid"),
                                         nn.BCEWithLogitsLoss(), batch=BATCH)
    with raises("sigmoid applied twice: BinaryCrossentropy(from_logits=True) applies the "
                "sigmoid itself"):
        checks.check_loss_matches_output(keras_head("sigmoid"),
                                         keras.losses.BinaryCrossentropy(from_logits=True))
    with raises("remove activation='softmax' from the last layer"):
        checks.check_loss_matches_output(
            keras_head("softmax", 3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with raises("softmax applied twice: nn.CrossEntropyLoss applies the softmax itself"):
        checks.check_loss_matches_output(TorchHead(nn.Softmax(dim=-1), 3), nn.CrossEntropyLoss)


SINGLE_UNIT_SOFTMAX = "softmax over one unit: the model outputs 1.0 for every input"


@pytest.mark.parametrize("model, loss, batch", [
    (lambda: TorchHead(nn.Softmax(dim=-1)), nn.BCEWithLogitsLoss(), BATCH),
    (lambda: TorchHead(nn.Softmax(dim=-1)), nn.BCELoss(), BATCH),
    (lambda: keras_head("softmax"), "binary_crossentropy", None),
    (lambda: keras_head("softmax"), keras.losses.BinaryCrossentropy(from_logits=True), None),
], ids=["torch-logits-loss", "torch-probability-loss", "keras", "keras-from-logits"])
def test_a_softmax_over_one_unit_is_named_and_nothing_else(model, loss, batch):
    """Precision: not 'sigmoid applied twice', whatever the loss expects."""
    with pytest.raises(AssertionError) as caught:
        checks.check_loss_matches_output(model(), loss, batch=batch)
    assert SINGLE_UNIT_SOFTMAX in str(caught.value) and "twice" not in str(caught.value)


def test_the_double_squash_diagnoses_never_name_a_single_unit_softmax():
    for model, loss in [(TorchHead(nn.Sigmoid()), nn.BCEWithLogitsLoss()),
                        (TorchHead(nn.Softmax(dim=-1), 3), nn.CrossEntropyLoss())]:
        with pytest.raises(AssertionError) as caught:
            checks.check_loss_matches_output(model, loss, batch=BATCH)
        assert "twice" in str(caught.value) and "one unit" not in str(caught.value)


def test_logits_into_a_loss_that_needs_probabilities():
    with raises("nn.BCELoss needs probabilities in [0, 1], but the model outputs raw logits "
                "(its output comes from linear): use nn.BCEWithLogitsLoss"):
        checks.check_loss_matches_output(TorchHead(), nn.BCELoss())
    with raises("loss='binary_crossentropy' needs probabilities in [0, 1], but the model "
                "outputs raw logits"):
        checks.check_loss_matches_output(keras_head(), "binary_crossentropy")
    with raises("use keras.losses.SparseCategoricalCrossentropy(from_logits=True)"):
        checks.check_loss_matches_output(keras_head(units=3), "SparseCategoricalCrossentropy")
    with raises("its output comes from tanh, which is not a probability"):
        checks.check_loss_matches_output(
            keras.Sequential([keras.Input((None, 1)), keras.layers.GRU(1)]),
            keras.losses.binary_crossentropy)
    with raises("nn.NLLLoss needs log-probabilities, but the model outputs logits"):
        checks.check_loss_matches_output(TorchHead(units=3), nn.NLLLoss())


def test_the_compiled_keras_loss_is_used():
    model = keras_head("sigmoid")
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    with raises("sigmoid applied twice"):
        checks.check_loss_matches_output(model)
    with pytest.raises(ValueError, match="loss is needed"):
        checks.check_loss_matches_output(keras_head())
    with pytest.raises(ValueError, match="loss is needed"):
        checks.check_loss_matches_output(TorchHead())
    with pytest.raises(TypeError, match="loss must be a loss"):
        checks.check_loss_matches_output(TorchHead(), 42)


# ---------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------

def last_step_data(n=200, per_step=False, classes=2, one_hot=False):
    """x ~ N(0, 1) of shape (n, T, 1); the class of the last step (or of every step)."""
    def make_data(seed):
        x = np.random.default_rng(seed).standard_normal((n, T, 1)).astype("float32")
        s = x[..., 0] if per_step else x[:, -1, 0]
        y = (s > 0).astype("int64") if classes == 2 else np.digitize(s, [-0.5, 0.5])
        return x, (np.eye(classes, dtype="int64")[y] if one_hot else y)
    return make_data


# weights of a Dense head on the last value s: binary logit s; three classes by bins
BINARY = [np.array([[1.0]]), np.array([0.0])]
THREE = [np.array([[-1.0, 0.0, 1.0]]), np.array([-0.5, 0.0, -0.5])]


def keras_last_step(head=BINARY, activation=None, sign=1.0, per_step=False):
    """Outputs a function of the last input value (of every value with per_step)."""
    model = keras.Sequential([
        keras.Input((None, 1)),
        keras.layers.SimpleRNN(1, activation="linear", return_sequences=per_step),
        keras.layers.Dense(head[0].shape[1], activation=activation)])
    model.layers[0].set_weights([np.array([[sign]]), np.zeros((1, 1)), np.zeros(1)])
    model.layers[1].set_weights(head)
    return model


class TorchLastStep(nn.Module):
    def __init__(self, head=BINARY, sigmoid=False, per_step=False):
        super().__init__()
        self.head = nn.Linear(1, head[0].shape[1])
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor(head[0].T, dtype=torch.float32))
            self.head.bias.copy_(torch.tensor(head[1], dtype=torch.float32))
        self.sigmoid, self.per_step = sigmoid, per_step

    def forward(self, x):
        out = self.head(x if self.per_step else x[:, -1, :])
        return torch.sigmoid(out) if self.sigmoid else out


def test_accurate_models_pass():
    checks.check_accuracy(keras_last_step(), last_step_data(), 0.99)
    checks.check_accuracy(keras_last_step(activation="sigmoid"), last_step_data(), 0.99)
    checks.check_accuracy(keras_last_step(THREE), last_step_data(classes=3), 0.99)
    checks.check_accuracy(keras_last_step(THREE, activation="softmax"),
                          last_step_data(classes=3, one_hot=True), 0.99)
    checks.check_accuracy(keras_last_step(per_step=True), last_step_data(per_step=True), 0.99)
    checks.check_accuracy(TorchLastStep(), last_step_data(), 0.99, batch_size=64)
    checks.check_accuracy(TorchLastStep(sigmoid=True), last_step_data(), 0.99)
    checks.check_accuracy(TorchLastStep(THREE, per_step=True),
                          last_step_data(per_step=True, classes=3), 0.99)


def test_ignored_targets_are_not_counted():
    def make_data(seed):
        x, y = last_step_data(per_step=True)(seed)
        y[:, 0] = 1 - y[:, 0]
        y[:, 0] = -100  # first steps are padding
        return x, y
    checks.check_accuracy(TorchLastStep(per_step=True), make_data, 0.99)


def test_accuracy_below_the_threshold_is_reported_with_how_outputs_were_read():
    def noisy(seed):
        x, y = last_step_data()(seed)
        flip = np.random.default_rng(seed + 1).random(len(y)) < 0.3
        return x, np.where(flip, 1 - y, y)
    with raises("on 200 fresh reviews, below the 0.90 threshold (outputs read as logits, "
                "class 1 when > 0). Train longer."):
        checks.check_accuracy(keras_last_step(), noisy, 0.9, what="reviews", hint="Train longer.")
    with raises("(outputs read as probabilities, class 1 when > 0.5)"):
        checks.check_accuracy(TorchLastStep(sigmoid=True), noisy, 0.9)
    with raises("(the predicted class is the argmax of the last axis)"):
        checks.check_accuracy(keras_last_step(THREE), lambda s: noisy(s), 0.99)
    with raises("on 200 fresh examples (800 steps)"):
        def per_step(seed):
            x, y = last_step_data(per_step=True)(seed)
            y[:, 0] = -100
            y[:, 1] = 1 - y[:, 1]
            return x, y
        checks.check_accuracy(TorchLastStep(per_step=True), per_step, 0.9)


def test_accuracy_close_to_the_threshold_shows_more_digits():
    def noisy(seed):
        x, y = last_step_data(n=1000)(seed)
        flip = np.random.default_rng(seed + 1).random(len(y)) < 0.15
        return x, np.where(flip, 1 - y, y)
    with raises("below the 0.8750 threshold"):
        checks.check_accuracy(keras_last_step(), noisy, 0.875)
    with raises("below the 0.90 threshold"):
        checks.check_accuracy(keras_last_step(), noisy, 0.9)


def test_accuracy_names_a_constant_or_flipped_model():
    with raises("accuracy 0.00 on 200 fresh examples, below the 0.50 threshold"):
        checks.check_accuracy(keras_last_step(sign=-1.0), last_step_data(), 0.5)
    with raises("That is below chance: are the labels flipped?"):
        checks.check_accuracy(keras_last_step(sign=-1.0), last_step_data(), 0.5)
    constant = keras_last_step(head=[np.zeros((1, 1)), np.array([5.0])])
    with raises("The model predicts class 1 every time: it has not learnt the task"):
        checks.check_accuracy(constant, last_step_data(), 0.9)


class TorchSoftmaxHead(TorchLastStep):
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=-1)


@pytest.mark.parametrize("model", [lambda: keras_last_step(activation="softmax"), TorchSoftmaxHead],
                         ids=["keras", "pytorch"])
def test_accuracy_says_where_to_look_for_a_softmax_over_one_unit(model):
    """The downstream cell names the cause the builder's test found, not only the symptom."""
    with pytest.raises(AssertionError) as caught:
        checks.check_accuracy(model(), last_step_data(), 0.9)
    assert "softmax over one unit" in str(caught.value), caught.value
    assert "has not learnt the task" not in str(caught.value)
    constant = keras_last_step(head=[np.zeros((1, 1)), np.array([5.0])])   # one unit, no softmax
    with pytest.raises(AssertionError) as caught:
        checks.check_accuracy(constant, last_step_data(), 0.9)
    assert "softmax" not in str(caught.value), caught.value


def test_accuracy_says_where_to_look_for_a_sigmoid_before_bce_with_logits():
    """A PyTorch classifier of one unit ends with a sigmoid: trained with BCEWithLogitsLoss,
    as every one of the course's, it squashes twice (the builder's loss check names it)."""
    untrained = [np.zeros((1, 1)), np.array([5.0])]   # predicts class 1 every time
    with pytest.raises(AssertionError) as caught:
        checks.check_accuracy(TorchLastStep(head=untrained, sigmoid=True), last_step_data(), 0.9)
    assert "builder's test names: sigmoid applied twice" in str(caught.value), caught.value
    with pytest.raises(AssertionError) as caught:   # the same model with no sigmoid
        checks.check_accuracy(TorchLastStep(head=untrained), last_step_data(), 0.9)
    assert "sigmoid" not in str(caught.value), caught.value


class TorchTimeMajor(nn.Module):
    """An nn.GRU without batch_first=True: it reads (batch, time, 1) as (time, batch, 1)."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(1, 3)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        output, _ = self.rnn(x)            # read as (time, batch): shapes fit, examples mix
        return self.head(output[:, -1])


class TorchTimeMajorLastState(TorchTimeMajor):
    def forward(self, x):
        _, h_n = self.rnn(x)               # (1, time, 3): one output per time step, not per example
        return self.head(h_n[-1])


@pytest.mark.parametrize("model", [TorchTimeMajor, TorchTimeMajorLastState],
                         ids=["shapes-fit", "shapes-do-not-fit"])
def test_accuracy_says_where_to_look_for_a_forgotten_batch_first(model):
    with pytest.raises(AssertionError) as caught:
        checks.check_accuracy(model(), last_step_data(), 0.9)
    assert "builder's test names: forgetting batch_first=True" in str(caught.value), caught.value
    with pytest.raises(AssertionError) as caught:   # batch_first=True, simply untrained
        checks.check_accuracy(TorchLastStep(head=[np.zeros((1, 1)), np.array([5.0])]),
                              last_step_data(), 0.9)
    assert "batch_first" not in str(caught.value), caught.value


def test_accuracy_with_outputs_that_do_not_fit_the_targets():
    with raises("the model's outputs have shape (200, 5, 1), which does not fit targets of "
                "shape (200,). returning sequences into a Dense classifier"):
        checks.check_accuracy(keras_last_step(per_step=True), last_step_data(), 0.9)
    with raises("one prediction per time step needs `output`"):
        checks.check_accuracy(TorchHead(units=2), last_step_data(per_step=True), 0.9)
    with raises("returned a tuple of 2 values with shapes (200, 5, 2) and (1, 200, 2); it "
                "should return one tensor."):
        checks.check_accuracy(nn.Sequential(nn.GRU(1, 2, batch_first=True)),
                              last_step_data(per_step=True), 0.9)


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"threshold": 1.5}, ValueError, "threshold must be in [0, 1]"),
    ({"threshold": -0.1}, ValueError, "threshold must be >= 0"),
    ({"threshold": "0.9"}, TypeError, "threshold must be a number"),
    ({"make_data": 3}, TypeError, "make_data must be a function"),
    ({"make_data": lambda seed: np.zeros(3)}, TypeError, "must return a pair (x, y)"),
    ({"make_data": lambda seed: (np.zeros((2, T, 1)), np.zeros(3))}, ValueError,
     "as many targets as inputs"),
    ({"make_data": lambda seed: (np.zeros((2, T, 1)), np.array([0.5, 1]))}, ValueError,
     "must be class ids"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"what": 3}, TypeError, "what must be a str"),
    ({"model": "model"}, TypeError, "model must be a keras.Model"),
])
def test_check_accuracy_bad_arguments(kwargs, error, fragment):
    arguments = {"model": TorchLastStep(), "make_data": last_step_data(), "threshold": 0.9}
    arguments.update(kwargs)
    with pytest.raises(error, match=re.escape(fragment)):
        checks.check_accuracy(**arguments)


# ---------------------------------------------------------------------------
# exploding losses and clipping
# ---------------------------------------------------------------------------

def test_finite_history_passes():
    checks.check_finite_history({"loss": [0.7, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.5],
                                 "accuracy": [0.5, 0.7, 0.8]})
    checks.check_finite_history([0.7, 0.6])
    checks.check_finite_history(np.array([0.0, 0.1]))


def test_finite_history_of_a_real_keras_fit():
    model = keras_head("sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = last_step_data(n=16)(0)
    history = model.fit(x, y, epochs=2, verbose=0)
    checks.check_finite_history(history)


def test_the_loss_exploded():
    with raises("the loss exploded to nan at epoch 3 of 4 ('loss'): exploding gradients. Not "
                "clipping gradients in a long SimpleRNN lets them blow up; clip them. Keras: "
                "create the optimizer with global_clipnorm=1.0"):
        checks.check_finite_history({"loss": [0.7, 5.0, float("nan"), float("nan")]})
    with raises("the loss exploded to inf at epoch 2 of 2 ('val_loss')"):
        checks.check_finite_history({"loss": [0.7, 0.6], "val_loss": [0.7, float("inf")]})
    with raises("the loss exploded from 0.7 to 1000 at epoch 2"):
        checks.check_finite_history([0.7, 1000.0])
    checks.check_finite_history([0.7, 1000.0], max_growth=2000)


def test_history_problems():
    with raises("the history has no 'loss' entry"):
        checks.check_finite_history({"accuracy": [0.5]})
    with raises("the history has no 'val_loss' entry"):
        checks.check_finite_history({"loss": [0.5]}, key="val_loss")
    with raises("the history's 'loss' is empty: did training run?"):
        checks.check_finite_history({"loss": []})
    with pytest.raises(TypeError, match="history must be a keras History"):
        checks.check_finite_history("loss")
    with pytest.raises(TypeError, match=re.escape("history['loss'] must hold numbers")):
        checks.check_finite_history({"loss": ["a"]})
    with pytest.raises(ValueError, match="max_growth must be >= 1"):
        checks.check_finite_history([0.5], max_growth=0.5)


def test_gradient_clipping_is_set():
    checks.check_gradient_clipping(keras.optimizers.Adam(clipnorm=1.0))
    checks.check_gradient_clipping(keras.optimizers.SGD(global_clipnorm=0.5))
    checks.check_gradient_clipping(keras.optimizers.RMSprop(clipvalue=0.5))
    model = keras_head()
    model.compile(optimizer=keras.optimizers.Adam(clipnorm=1.0), loss="mse")
    checks.check_gradient_clipping(model)
    checks.check_gradient_clipping({"epochs": 3, "clip_norm": 1.0})
    checks.check_gradient_clipping(1.0)


def test_not_clipping_gradients():
    with raises("not clipping gradients in a long SimpleRNN: Adam() sets no clipping, so the "
                "gradients can explode"):
        checks.check_gradient_clipping(keras.optimizers.Adam())
    model = keras_head()
    model.compile(optimizer="adam", loss="mse")
    with raises("not clipping gradients in a long SimpleRNN"):
        checks.check_gradient_clipping(model)
    with raises("the model is not compiled"):
        checks.check_gradient_clipping(keras_head())
    with raises("PyTorch: call torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"):
        checks.check_gradient_clipping({"epochs": 3})
    with raises("not clipping gradients"):
        checks.check_gradient_clipping(None)
    with raises("must be a number > 0, such as 1.0, got 0"):
        checks.check_gradient_clipping({"clip_norm": 0})


def test_check_gradient_clipping_bad_arguments():
    with pytest.raises(TypeError, match="a PyTorch optimizer does not clip"):
        checks.check_gradient_clipping(torch.optim.Adam(TorchHead().parameters()))
    with pytest.raises(TypeError, match="setting must be a Keras optimizer"):
        checks.check_gradient_clipping("clip")
