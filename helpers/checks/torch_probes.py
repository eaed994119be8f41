"""PyTorch probes: models with known behaviour, and runs that need the live model.

A test of ``train_step`` or ``recursive_forecast`` hands the student's function a
model whose outputs the test knows and that records how it was called. The
probe models live here, importable by name:

- the judge sends a probe by value (its class, its ``settings``, its weights and
  the lists named in ``RECORDED``), rebuilt where the student's code runs; what
  the call changed (weights, mode, records) comes back into the judge's copy;
- ``checks.in_kernel(torch_probes.Tiny, seed=3)`` makes one that stays where the
  student's code runs, for a test that must see it changed in place (stale
  gradients, an optimizer over its parameters).

The functions at the end run a student's model with hooks or in place; the
checks call them where the model lives (``introspect.where_it_lives`` /
``checks.in_kernel``) and get their results as data.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _seeded(seed: int):
    """The weights made inside come from ``seed``; the global generator is left as it was."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    return torch.random.fork_rng(devices=[])


class Probe(nn.Module):
    """A probe model: ``settings`` rebuild it, ``RECORDED`` names the lists it fills."""

    RECORDED: tuple[str, ...] = ()

    def __init__(self, **settings):
        super().__init__()
        self.settings = settings


class Tiny(Probe):
    """Mean of the word vectors -> Linear: (batch, 1) logits for ids below 10.

    Records the mode of every call in ``modes``. ``stale_grad`` leaves that
    gradient in every parameter, as an earlier step that was not cleared would.
    """

    RECORDED = ("modes",)

    def __init__(self, seed: int = 0, stale_grad: float | None = None):
        super().__init__(seed=seed)
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


class KnownLogits(Probe):
    """logit = scale * (ids[:, 0] - 3.5), shape (batch, 1); records (training, grad enabled) per call."""

    RECORDED = ("calls",)

    def __init__(self, scale: float = 0.2):
        super().__init__(scale=scale)
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, ids):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.scale * (ids[:, :1].float() - 3.5)


class SentimentProbe(Probe):
    """Embedding -> nn.RNN -> Linear on h_n[-1], from ``seed``; the output bias starts at
    ``out_bias`` so that its logits cannot pass for probabilities."""

    def __init__(self, vocab_size: int, embed_dim: int, units: int, seed: int, out_bias: float = 2.0):
        super().__init__(vocab_size=vocab_size, embed_dim=embed_dim, units=units, seed=seed,
                         out_bias=out_bias)
        with _seeded(seed):
            torch.manual_seed(seed)
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.rnn = nn.RNN(embed_dim, units, batch_first=True)
            self.out = nn.Linear(units, 1)
        with torch.no_grad():
            self.out.bias.fill_(out_bias)

    def forward(self, ids):
        return self.out(self.rnn(self.embedding(ids))[1][-1])


class TinyRegressor(Probe):
    """nn.RNN(2, 3) -> Linear on h_n[-1]: one value per sequence, from ``seed``."""

    def __init__(self, seed: int = 0):
        super().__init__(seed=seed)
        with _seeded(seed):
            torch.manual_seed(seed)
            self.rnn = nn.RNN(2, 3, batch_first=True)
            self.head = nn.Linear(3, 1)

    def forward(self, x):
        _, h_n = self.rnn(x)
        return self.head(h_n[-1])


class ForecastProbe(Probe):
    """nn.RNN(1, 3) -> Linear on h_n[-1], weights drawn from ``seed`` with NumPy (the same
    as the Keras track's probe): reads windows (batch, time, 1) of any length."""

    def __init__(self, seed: int):
        super().__init__(seed=seed)
        rng = np.random.default_rng(seed)
        self.rnn, self.head = nn.RNN(1, 3, batch_first=True), nn.Linear(3, 1)
        weights = [rng.normal(scale=0.8, size=shape).astype("float32")
                   for shape in ((1, 3), (3, 3), (3,), (3, 1), (1,))]
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(torch.from_numpy(weights[0].T))
            self.rnn.weight_hh_l0.copy_(torch.from_numpy(weights[1].T))
            self.rnn.bias_ih_l0.copy_(torch.from_numpy(weights[2]))
            self.rnn.bias_hh_l0.zero_()
            self.head.weight.copy_(torch.from_numpy(weights[3].T))
            self.head.bias.copy_(torch.from_numpy(weights[4]))

    def forward(self, x):
        return self.head(self.rnn(x)[1][-1])


class LanguageModelProbe(Probe):
    """Embedding -> LSTM -> Linear with weights drawn from ``seed`` (normal, ``scale``);
    ``forward(ids, state=None)`` returns ``(logits, state)``. With a list as ``record``,
    the length of every piece of ids it reads is appended to it."""

    RECORDED = ("record",)

    def __init__(self, vocab_size: int = 7, units: int = 5, seed: int = 0, embed_dim: int = 3,
                 scale: float = 0.9, record: list | None = None):
        super().__init__(vocab_size=vocab_size, units=units, seed=seed, embed_dim=embed_dim, scale=scale)
        self.record = record
        rng = np.random.default_rng(seed)
        with _seeded(seed):
            self.embed = nn.Embedding(vocab_size, embed_dim)
            self.rnn = nn.LSTM(embed_dim, units, batch_first=True)
            self.head = nn.Linear(units, vocab_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.from_numpy(
                    rng.normal(scale=scale, size=tuple(parameter.shape)).astype("float32")))

    def forward(self, ids, state=None):
        if self.record is not None:
            self.record.append(int(ids.shape[1]))
        output, state = self.rnn(self.embed(ids), state)
        return self.head(output), state


PROBES = (Tiny, KnownLogits, SentimentProbe, TinyRegressor, ForecastProbe, LanguageModelProbe)


# --------------------------------------------------------------------------
# runs that need the live model
# --------------------------------------------------------------------------

def last_recurrent_result(model, x, name: str | None = None):
    """The model's output on ``x`` (eval mode, no gradients) and what its last recurrent
    module (or the one at path ``name``) returned on the way: ``(output, h_n)``, or
    ``(output, (h_n, c_n))`` for an LSTM."""
    recurrent = [m for path, m in model.named_modules()
                 if isinstance(m, nn.RNNBase) and name in (None, path)]
    if not recurrent:
        raise AssertionError("the model has no recurrent module (nn.RNN, nn.LSTM, nn.GRU)")
    seen = []
    hook = recurrent[-1].register_forward_hook(lambda _module, _args, result: seen.append(result))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        hook.remove()
        model.train(was_training)
    return out, seen[-1]


def randomize(model, seed: int, scale: float = 0.8) -> None:
    """Give every parameter of ``model`` fresh normal(0, ``scale``) values from ``seed``, in place."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.from_numpy(
                rng.normal(0, scale, tuple(parameter.shape)).astype("float32")))
