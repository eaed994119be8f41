"""Tests for the PyTorch loop in helpers.training: fit, evaluate and count_params."""

from __future__ import annotations

import copy
import io

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers import training
from helpers.training import count_params, evaluate, fit


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """The models are tiny: a second thread only adds synchronisation (3x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def blobs(n: int, classes: int = 2, seed: int = 0):
    """Well separated 2-D clusters: (inputs (n, 2), class ids (n,))."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % classes
    centres = 3.0 * torch.stack([torch.cos(labels * 2.1), torch.sin(labels * 2.1)], dim=1)
    return centres + 0.5 * torch.randn(n, 2, generator=generator), labels


def binary_loaders(flip_validation: bool = False):
    """Train and validation loaders of a separable binary problem, float (n, 1) targets.

    With ``flip_validation`` the validation labels are the opposite of what
    training teaches, so val_loss rises while the training loss falls.
    """
    x, y = blobs(240)
    y = y.float()[:, None]
    val_y = 1 - y[160:] if flip_validation else y[160:]
    return (DataLoader(TensorDataset(x[:160], y[:160]), batch_size=32),
            DataLoader(TensorDataset(x[160:], val_y), batch_size=80))


def binary_fit(model, epochs=5, lr=0.1, **kwargs):
    train_loader, val_loader = kwargs.pop("loaders", binary_loaders())
    optimizer = kwargs.pop("optimizer", torch.optim.SGD(model.parameters(), lr))
    kwargs.setdefault("progress", False)
    return fit(model, train_loader, val_loader, epochs=epochs, loss_fn=nn.BCEWithLogitsLoss(),
               optimizer=optimizer, **kwargs)


# --------------------------------------------------------------------------
# fit learns
# --------------------------------------------------------------------------

def test_fit_learns_a_separable_binary_problem():
    model = nn.Linear(2, 1)
    history = binary_fit(model, epochs=8)
    assert history["val_accuracy"][-1] >= 0.95 and history["accuracy"][-1] >= 0.95
    assert history["loss"][-1] < history["loss"][0]


def test_fit_learns_a_multiclass_problem_from_a_list_of_batches():
    x, y = blobs(300, classes=3)
    batches = [(x[i:i + 50], y[i:i + 50]) for i in range(0, 300, 50)]
    model = nn.Linear(2, 3)
    history = fit(model, batches, epochs=15, loss_fn=nn.CrossEntropyLoss(),
                  optimizer=torch.optim.Adam(model.parameters(), 0.1), progress=False)
    assert history["accuracy"][-1] >= 0.95


def test_fit_measures_per_step_accuracy_for_sequence_outputs():
    # each step's class is the sign of its input: (batch, time, classes) logits
    x = torch.randn(64, 7, 1)
    y = (x[..., 0] > 0).long()
    model = nn.Linear(1, 2)

    def per_step_loss(outputs, targets):
        return nn.functional.cross_entropy(outputs.transpose(1, 2), targets)

    history = fit(model, [(x[:32], y[:32]), (x[32:], y[32:])], [(x, y)], epochs=20,
                  loss_fn=per_step_loss, optimizer=torch.optim.Adam(model.parameters(), 0.1),
                  progress=False)
    assert history["val_accuracy"][-1] >= 0.95


# --------------------------------------------------------------------------
# history
# --------------------------------------------------------------------------

@pytest.mark.parametrize("with_val, metric, keys", [
    (True, "accuracy", ["loss", "accuracy", "val_loss", "val_accuracy"]),
    (True, None, ["loss", "val_loss"]),
    (False, "accuracy", ["loss", "accuracy"]),
    (False, None, ["loss"]),
])
def test_history_keys_and_one_value_per_epoch(with_val, metric, keys):
    train_loader, val_loader = binary_loaders()
    history = binary_fit(nn.Linear(2, 1), epochs=3, metric=metric,
                         loaders=(train_loader, val_loader if with_val else None))
    assert list(history) == keys
    assert all(len(values) == 3 and all(isinstance(v, float) for v in values)
               for values in history.values())


def test_history_plots_with_training_curves():
    from helpers import plots

    history = binary_fit(nn.Linear(2, 1), epochs=2)
    fig = plots.training_curves(history, metrics=("loss", "accuracy"))
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]


def test_last_val_loss_is_what_evaluate_reports():
    model = nn.Linear(2, 1)
    history = binary_fit(model, epochs=2)
    scores = evaluate(model, binary_loaders()[1], nn.BCEWithLogitsLoss())
    assert scores["loss"] == pytest.approx(history["val_loss"][-1])
    assert scores["accuracy"] == pytest.approx(history["val_accuracy"][-1])


# --------------------------------------------------------------------------
# early stopping
# --------------------------------------------------------------------------

def test_early_stopping_stops_and_restores_the_best_weights():
    loaders = binary_loaders(flip_validation=True)
    model = nn.Linear(2, 1)
    after_one_epoch = copy.deepcopy(model)
    binary_fit(after_one_epoch, epochs=1, loaders=loaders)  # plain SGD: same steps

    history = binary_fit(model, epochs=20, patience=2, loaders=loaders)

    assert len(history["loss"]) == 3  # the best epoch, then 2 without improvement
    assert history["val_loss"][0] < history["val_loss"][1] < history["val_loss"][2]
    for restored, best in zip(model.parameters(), after_one_epoch.parameters()):
        torch.testing.assert_close(restored, best, rtol=0, atol=0)
    val_loss = evaluate(model, loaders[1], nn.BCEWithLogitsLoss())["loss"]
    assert val_loss == pytest.approx(history["val_loss"][0])


def test_patience_does_not_stop_while_val_loss_improves():
    model = nn.Linear(2, 1)
    plain = copy.deepcopy(model)
    history = binary_fit(model, epochs=5, patience=1)
    binary_fit(plain, epochs=5)
    assert len(history["loss"]) == 5
    assert history["val_loss"] == sorted(history["val_loss"], reverse=True)
    for a, b in zip(model.parameters(), plain.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


# --------------------------------------------------------------------------
# gradient clipping
# --------------------------------------------------------------------------

def gradient_norms_at_each_step(clip_norm):
    """Train a model whose gradients are huge; return the norm seen by every step."""
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    norms = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for p in model.parameters()]
        norms.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

    optimizer.register_step_pre_hook(record)
    x = torch.full((8, 2), 1e3)
    fit(model, [(x, torch.zeros(8, 1))] * 3, epochs=2, loss_fn=nn.MSELoss(), optimizer=optimizer,
        metric=None, clip_norm=clip_norm, progress=False)
    return norms


def test_clip_norm_bounds_the_gradient_norm_at_every_step():
    unclipped = gradient_norms_at_each_step(None)
    clipped = gradient_norms_at_each_step(1.0)
    assert len(clipped) == 6 and min(unclipped) > 1e3
    assert max(clipped) == pytest.approx(1.0, rel=1e-4)


# --------------------------------------------------------------------------
# progress bar
# --------------------------------------------------------------------------

@pytest.mark.parametrize("progress", [False, None])  # None: capsys' stdout is no terminal
def test_progress_false_or_default_when_not_interactive_prints_nothing(progress, capsys):
    binary_fit(nn.Linear(2, 1), epochs=2, progress=progress)
    assert capsys.readouterr() == ("", "")


def test_progress_true_draws_a_bar_with_the_scores(capsys):
    binary_fit(nn.Linear(2, 1), epochs=2, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "2/2" in err and "val_loss=" in err


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_default_progress_shows_in_a_terminal_unless_tqdm_is_disabled(monkeypatch):
    monkeypatch.setattr("sys.stdout", FakeTerminal())
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert training._show_progress(None) is True
    monkeypatch.setenv("TQDM_DISABLE", "1")  # how unattended notebook runs silence it
    assert training._show_progress(None) is False
    assert training._show_progress(True) is True  # an explicit choice wins


def test_default_progress_shows_in_a_jupyter_kernel(monkeypatch):
    import IPython

    class ZMQInteractiveShell:  # the class name ipykernel's shell has
        pass

    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    assert training._show_progress(None) is True
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)  # plain python
    assert training._show_progress(None) is False


# --------------------------------------------------------------------------
# evaluate and accuracy
# --------------------------------------------------------------------------

def test_evaluate_matches_a_hand_computation_without_touching_gradients():
    x, y = blobs(50, classes=3)
    model = nn.Linear(2, 3)
    loader = DataLoader(TensorDataset(x, y), batch_size=20)  # batches of 20, 20, 10
    scores = evaluate(model, loader, nn.CrossEntropyLoss())
    with torch.no_grad():
        outputs = model(x)
    assert scores["loss"] == pytest.approx(nn.functional.cross_entropy(outputs, y).item())
    assert scores["accuracy"] == pytest.approx((outputs.argmax(1) == y).float().mean().item())
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("training_mode", [True, False])
def test_evaluate_uses_eval_mode_and_restores_the_mode(training_mode):
    model = nn.Sequential(nn.Dropout(0.9), nn.Linear(2, 1)).train(training_mode)
    modes = []
    model.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    scores = evaluate(model, [(torch.ones(4, 2), torch.ones(4, 1))], nn.BCEWithLogitsLoss(),
                      metric=None)
    assert list(scores) == ["loss"] and modes == [False] and model.training is training_mode


@pytest.mark.parametrize("outputs, targets, expected", [
    # binary logits, one column, float targets of the same shape
    ([[2.0], [-1.0], [0.5], [-3.0]], [[1.0], [0.0], [0.0], [0.0]], (3, 4)),
    # binary logits (n, 1) with integer targets (n,)
    ([[2.0], [-1.0], [0.5]], [1, 1, 1], (2, 3)),
    # binary logits without the column
    ([2.0, -1.0], [1, 0], (2, 2)),
    # multi-class logits (n, classes): argmax
    ([[0.1, 0.9, 0.0], [2.0, 0.0, 1.0]], [1, 2], (1, 2)),
    # per-step logits (batch, time, classes) with targets (batch, time)
    ([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]], [[0, 1, 0]], (2, 3)),
    # per-step targets of -100 (padding, ignored by CrossEntropyLoss) are not counted
    ([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]], [[0, 1, -100]], (2, 2)),
])
def test_accuracy_counts(outputs, targets, expected):
    assert training._accuracy_counts(torch.tensor(outputs), torch.tensor(targets)) == expected


def test_accuracy_rejects_shapes_it_cannot_match():
    with pytest.raises(ValueError, match=r"^accuracy needs outputs \(\.\.\., classes\)"):
        training._accuracy_counts(torch.zeros(4, 3), torch.zeros(5, dtype=torch.long))


# --------------------------------------------------------------------------
# count_params
# --------------------------------------------------------------------------

VOCAB, EMBED, UNITS, N_IN = 100, 8, 16, 8
EMBEDDING, DENSE = VOCAB * EMBED, UNITS + 1
KERAS_SIMPLE_RNN = UNITS * (N_IN + UNITS) + UNITS  # one bias
TORCH_RNN = UNITS * (N_IN + UNITS) + 2 * UNITS  # b_ih and b_hh
GRU_BOTH = 3 * UNITS * (N_IN + UNITS) + 2 * 3 * UNITS  # Keras reset_after=True: two biases too


class TorchClassifier(nn.Module):
    def __init__(self, layer=nn.RNN):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.rnn = layer(EMBED, UNITS, batch_first=True)
        self.dense = nn.Linear(UNITS, 1)

    def forward(self, ids):
        _, h = self.rnn(self.embedding(ids))
        return self.dense(h[-1])


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def keras_classifier(keras, layer):
    return keras.Sequential([keras.Input((None,), dtype="int32"),
                             keras.layers.Embedding(VOCAB, EMBED), layer(UNITS),
                             keras.layers.Dense(1)])


def test_count_params_torch_matches_the_formula():
    assert count_params(TorchClassifier()) == EMBEDDING + TORCH_RNN + DENSE == 1233


def test_count_params_keras_matches_the_formula_and_keras(keras):
    model = keras_classifier(keras, keras.layers.SimpleRNN)
    assert count_params(model) == model.count_params() == EMBEDDING + KERAS_SIMPLE_RNN + DENSE
    assert count_params(model) == 1217


def test_torch_rnn_has_one_more_bias_vector_than_keras(keras):
    torch_count = count_params(TorchClassifier())
    keras_count = count_params(keras_classifier(keras, keras.layers.SimpleRNN))
    assert torch_count - keras_count == UNITS


def test_gru_counts_agree_between_keras_and_torch(keras):
    keras_model = keras_classifier(keras, keras.layers.GRU)
    assert count_params(TorchClassifier(nn.GRU)) == count_params(keras_model)
    assert count_params(keras_model) == EMBEDDING + GRU_BOTH + DENSE


def test_count_params_skips_frozen_weights(keras):
    model = TorchClassifier()
    model.embedding.weight.requires_grad_(False)
    assert count_params(model) == TORCH_RNN + DENSE
    keras_model = keras_classifier(keras, keras.layers.SimpleRNN)
    keras_model.layers[0].trainable = False
    assert count_params(keras_model) == KERAS_SIMPLE_RNN + DENSE


def test_count_params_needs_a_built_keras_model(keras):
    model = keras.Sequential([keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"^model is not built"):
        count_params(model)


@pytest.mark.parametrize("bad", [None, "model", [nn.Linear(2, 1)]])
def test_count_params_rejects_other_objects(bad):
    with pytest.raises(TypeError, match=r"^model must be a torch.nn.Module or a Keras model"):
        count_params(bad)


# --------------------------------------------------------------------------
# bad arguments
# --------------------------------------------------------------------------

def fit_arguments(**changes):
    model = nn.Linear(2, 1)
    train_loader, val_loader = binary_loaders()
    arguments = {"model": model, "train_loader": train_loader, "val_loader": val_loader,
                 "epochs": 2, "loss_fn": nn.BCEWithLogitsLoss(),
                 "optimizer": torch.optim.SGD(model.parameters(), 0.1), "progress": False}
    return {**arguments, **changes}


def batches():
    yield torch.zeros(2, 2), torch.zeros(2, 1)


@pytest.mark.parametrize("changes, error, pattern", [
    ({"epochs": 0}, ValueError, r"^epochs must be >= 1"),
    ({"epochs": 2.0}, TypeError, r"^epochs must be an integer"),
    ({"patience": 0}, ValueError, r"^patience must be >= 1"),
    ({"patience": 2, "val_loader": None}, ValueError, r"^patience needs val_loader"),
    ({"clip_norm": 0}, ValueError, r"^clip_norm must be > 0"),
    ({"clip_norm": -1.0}, ValueError, r"^clip_norm must be > 0"),
    ({"clip_norm": "1"}, TypeError, r"^clip_norm must be a number"),
    ({"metric": "f1"}, ValueError, r"^metric must be one of 'accuracy', None"),
    ({"train_loader": 5}, TypeError, r"^train_loader must be iterable"),
    ({"val_loader": 5}, TypeError, r"^val_loader must be iterable"),
    ({"train_loader": batches()}, TypeError, r"^train_loader is an iterator"),
    ({"model": lambda x: x}, TypeError, r"^model must be a torch.nn.Module"),
    ({"loss_fn": "bce"}, TypeError, r"^loss_fn must be callable"),
    ({"optimizer": "adam"}, TypeError, r"^optimizer must be a torch.optim.Optimizer"),
    ({"progress": "yes"}, TypeError, r"^progress must be True, False or None"),
    ({"train_loader": []}, ValueError, r"^train_loader yielded no batches"),
    ({"val_loader": []}, ValueError, r"^val_loader yielded no batches"),
    ({"train_loader": [torch.zeros(2, 2)]}, ValueError,
     r"^each batch of train_loader must be a pair \(inputs, targets\)"),
    ({"loss_fn": nn.BCEWithLogitsLoss(reduction="none")}, ValueError,
     r"^loss_fn must return a scalar"),
])
def test_fit_rejects_bad_arguments(changes, error, pattern):
    with pytest.raises(error, match=pattern):
        fit(**fit_arguments(**changes))


@pytest.mark.parametrize("arguments, error, pattern", [
    ({"loader": None}, TypeError, r"^loader must be iterable"),
    ({"metric": "auc"}, ValueError, r"^metric must be one of"),
    ({"loader": []}, ValueError, r"^loader yielded no batches"),
])
def test_evaluate_rejects_bad_arguments(arguments, error, pattern):
    given = {"model": nn.Linear(2, 1), "loader": [(torch.zeros(2, 2), torch.zeros(2, 1))],
             "loss_fn": nn.BCEWithLogitsLoss(), **arguments}
    with pytest.raises(error, match=pattern):
        evaluate(**given)
