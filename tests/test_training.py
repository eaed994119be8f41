"""Tests for helpers.training.set_seed."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers.training import set_seed


@pytest.fixture
def restore_torch_determinism():
    """set_seed turns on deterministic algorithms globally: put the flag back."""
    before = torch.are_deterministic_algorithms_enabled()
    yield
    torch.use_deterministic_algorithms(before)


def _draws():
    return (random.random(), random.randint(0, 10**9),
            np.random.rand(3).tolist(), np.random.randint(0, 10**9, 3).tolist(),
            torch.rand(3).tolist(), torch.randint(0, 10**9, (3,)).tolist())


@pytest.mark.parametrize("seed", [0, 1, 2**31 - 1])
def test_set_seed_returns_the_seed(seed, restore_torch_determinism):
    result = set_seed(seed)
    assert result == seed and type(result) is int


def test_set_seed_default_is_zero(restore_torch_determinism):
    assert set_seed() == 0


def test_set_seed_accepts_numpy_integers(restore_torch_determinism):
    result = set_seed(np.int64(5))
    assert result == 5 and type(result) is int


def test_same_seed_same_random_numpy_torch_draws(restore_torch_determinism):
    set_seed(123)
    first = _draws()
    random.random(), np.random.rand(), torch.rand(1)  # move every generator on
    set_seed(123)
    assert _draws() == first


def test_different_seeds_different_draws(restore_torch_determinism):
    set_seed(1)
    a = _draws()
    set_seed(2)
    b = _draws()
    for x, y in zip(a, b):
        assert x != y


def test_each_generator_is_seeded_on_its_own(restore_torch_determinism):
    set_seed(7)
    expected_random = random.Random(7).random()
    expected_numpy = np.random.RandomState(7).rand()
    expected_torch = torch.Generator().manual_seed(7)
    expected_torch = torch.rand(1, generator=expected_torch).item()
    set_seed(7)
    assert random.random() == expected_random
    assert np.random.rand() == expected_numpy
    assert torch.rand(1).item() == expected_torch


def test_set_seed_makes_torch_init_and_training_reproducible(restore_torch_determinism):
    def train():
        set_seed(3)
        model = torch.nn.GRU(4, 8, batch_first=True)
        opt = torch.optim.Adam(model.parameters(), 1e-2)
        x = torch.randn(16, 5, 4)
        for _ in range(3):
            opt.zero_grad()
            model(x)[0].pow(2).mean().backward()
            opt.step()
        return [p.detach().clone() for p in model.parameters()]

    for p, q in zip(train(), train()):
        assert torch.equal(p, q)


def test_set_seed_turns_on_deterministic_torch_ops(restore_torch_determinism):
    torch.use_deterministic_algorithms(False)
    set_seed(0)
    assert torch.are_deterministic_algorithms_enabled()


def test_set_seed_sets_pythonhashseed(restore_torch_determinism, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "999")
    set_seed(42)
    assert os.environ["PYTHONHASHSEED"] == "42"


def test_set_seed_seeds_keras_and_tensorflow_when_imported(restore_torch_determinism):
    import keras  # imported here: the other tests do not pay for TensorFlow
    import tensorflow as tf

    def keras_draws():
        set_seed(11)
        layer = keras.layers.Dense(4)
        layer.build((None, 3))
        return (keras.ops.convert_to_numpy(keras.random.normal((5,))),
                keras.ops.convert_to_numpy(layer.kernel),
                tf.random.uniform((3,)).numpy())

    first, second = keras_draws(), keras_draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    set_seed(12)
    assert not np.array_equal(keras.ops.convert_to_numpy(keras.random.normal((5,))), first[0])


def test_set_seed_does_not_import_frameworks():
    # a PyTorch (or NumPy-only) notebook never pays for importing TensorFlow
    code = ("import sys; from helpers.training import set_seed; set_seed(1); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("seed, error", [
    (-1, ValueError), (-100, ValueError),
    (1.0, TypeError), (0.5, TypeError), ("0", TypeError), (None, TypeError),
    (True, TypeError), (False, TypeError),
])
def test_set_seed_validation_names_the_argument(seed, error):
    with pytest.raises(error, match=r"^seed must be"):
        set_seed(seed)
