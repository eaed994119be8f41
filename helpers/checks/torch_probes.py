"""PyTorch models with known behaviour, handed by test cells to a student's function.

A test of ``train_step`` or ``evaluate_accuracy`` needs a model whose outputs the
test knows and that records how it was called. They live here, importable by
name, so that when the judge grades, ``checks.in_kernel(torch_probes.Tiny,
seed=3)`` makes one where the student's function runs, while the judge makes
its own copy from the same seed to compute what the answer should be.
"""

from __future__ import annotations

import torch
from torch import nn


def _seeded(seed: int):
    """The weights made inside come from ``seed``; the global generator is left as it was."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    return torch.random.fork_rng(devices=[])


class Tiny(nn.Module):
    """Mean of the word vectors -> Linear: (batch, 1) logits for ids below 10.

    Records the mode of every call in ``modes``. ``stale_grad`` leaves that
    gradient in every parameter, as an earlier step that was not cleared would.
    """

    def __init__(self, seed: int = 0, stale_grad: float | None = None):
        super().__init__()
        with _seeded(seed):
            torch.manual_seed(seed)
            self.embedding = nn.Embedding(10, 3)
            self.out = nn.Linear(3, 1)
        self.modes: list[bool] = []
        if stale_grad is not None:
            for parameter in self.parameters():
                parameter.grad = torch.full_like(parameter, float(stale_grad))

    def forward(self, ids):
        self.modes.append(self.training)
        return self.out(self.embedding(ids).mean(dim=1))


class KnownLogits(nn.Module):
    """logit = scale * (ids[:, 0] - 3.5), shape (batch, 1); records (training, grad enabled) per call."""

    def __init__(self, scale: float = 0.2):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, ids):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.scale * (ids[:, :1].float() - 3.5)


class SentimentProbe(nn.Module):
    """Embedding -> nn.RNN -> Linear on h_n[-1], from ``seed``; the output bias starts at
    ``out_bias`` so that its logits cannot pass for probabilities."""

    def __init__(self, vocab_size: int, embed_dim: int, units: int, seed: int, out_bias: float = 2.0):
        super().__init__()
        with _seeded(seed):
            torch.manual_seed(seed)
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.rnn = nn.RNN(embed_dim, units, batch_first=True)
            self.out = nn.Linear(units, 1)
        with torch.no_grad():
            self.out.bias.fill_(out_bias)

    def forward(self, ids):
        return self.out(self.rnn(self.embedding(ids))[1][-1])


class TinyRegressor(nn.Module):
    """nn.RNN(2, 3) -> Linear on h_n[-1]: one value per sequence, from ``seed``."""

    def __init__(self, seed: int = 0):
        super().__init__()
        with _seeded(seed):
            torch.manual_seed(seed)
            self.rnn = nn.RNN(2, 3, batch_first=True)
            self.head = nn.Linear(3, 1)

    def forward(self, x):
        _, h_n = self.rnn(x)
        return self.head(h_n[-1])
