"""Unit tests for chapter 08's checks (helpers.checks.generation): each check
passes on a correct answer and fails, naming it, on the mistake it is for."""

import re

import numpy as np
import pytest

from helpers import checks
from precision import assert_names_only_its_own
from helpers.checks import generation

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# ---------------------------------------------------------------------------
# teacher-forcing pairs
# ---------------------------------------------------------------------------

def pairs(stream, seq_len):
    n = (len(stream) - 1) // seq_len
    X = np.stack([stream[i * seq_len:(i + 1) * seq_len] for i in range(n)])
    Y = np.stack([stream[i * seq_len + 1:(i + 1) * seq_len + 1] for i in range(n)])
    return X, Y


def test_next_token_pairs():
    checks.check_next_token_pairs(pairs)
    with raises("targets not shifted: Y equals X"):
        checks.check_next_token_pairs(lambda s, L: (pairs(s, L)[0], pairs(s, L)[0]))
    with raises("has dtype float64: token ids are integers"):
        checks.check_next_token_pairs(lambda s, L: tuple(a.astype(float) for a in pairs(s, L)))
    with raises("should have shape (n, seq_len) = (4, 5)"):
        checks.check_next_token_pairs(lambda s, L: (s[:-1].reshape(-1, 1), s[1:].reshape(-1, 1)))
    with raises("should return two arrays, (X, Y)"):
        checks.check_next_token_pairs(lambda s, L: pairs(s, L)[0])
    with pytest.raises(TypeError, match="next_token_pairs must be a function"):
        checks.check_next_token_pairs(3)


PAIR_MISTAKES = {
    "targets not shifted": lambda s, L: (pairs(s, L)[0], pairs(s, L)[0]),
    "the targets wrap around (np.roll)": lambda s, L: (pairs(s, L)[0], np.roll(pairs(s, L)[0], -1, axis=1)),
    "shifted the wrong way": lambda s, L: (pairs(s, L)[0], pairs(s, L)[0] - 1),
}


@pytest.mark.parametrize("says", list(PAIR_MISTAKES))
def test_each_pairs_diagnosis_names_only_its_own_mistake(says):
    assert_names_only_its_own(lambda: checks.check_next_token_pairs(PAIR_MISTAKES[says]), says,
                              PAIR_MISTAKES)


# ---------------------------------------------------------------------------
# the language model
# ---------------------------------------------------------------------------

def keras_lm(vocab, return_sequences=True, activation=None):
    return keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                             keras.layers.Embedding(vocab, 4),
                             keras.layers.LSTM(6, return_sequences=return_sequences),
                             keras.layers.Dense(vocab, activation=activation)])


class TorchLM(torch.nn.Module):
    def __init__(self, vocab, head_on_last=False, ignore_state=False, batch_first=True, softmax=False):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, 4)
        self.rnn = torch.nn.LSTM(4, 6, batch_first=batch_first)
        self.head = torch.nn.Linear(6, vocab)
        self.head_on_last, self.ignore_state, self.softmax = head_on_last, ignore_state, softmax

    def forward(self, ids, state=None):
        output, state = self.rnn(self.embed(ids), None if self.ignore_state else state)
        logits = self.head(state[0][-1]) if self.head_on_last else self.head(output)
        return (logits.softmax(-1) if self.softmax else logits), state


def test_language_model_keras():
    checks.check_language_model(keras_lm(9), 9)
    with raises("return_sequences=True"):
        checks.check_language_model(keras_lm(9, return_sequences=False), 9)
    with raises("the model ends in a softmax"):
        checks.check_language_model(keras_lm(9, activation="softmax"), 9)
    with pytest.raises(ValueError, match="vocab_size must be >= 1"):
        checks.check_language_model(keras_lm(9), 0)


def test_language_model_torch():
    torch.manual_seed(0)
    checks.check_language_model(TorchLM(9), 9)
    with raises("one output per sequence"):
        checks.check_language_model(TorchLM(9, head_on_last=True), 9)
    with raises("the state is not carried into the LSTM"):
        checks.check_language_model(TorchLM(9, ignore_state=True), 9)
    with raises("batch_first"):
        checks.check_language_model(TorchLM(9, batch_first=False), 9)
    with pytest.raises(TypeError, match="model must be a keras.Model or a torch.nn.Module"):
        checks.check_language_model("model", 9)


# ---------------------------------------------------------------------------
# perplexity
# ---------------------------------------------------------------------------

def log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def numpy_perplexity(logits, targets, reduce=np.mean):
    picked = np.take_along_axis(log_softmax(np.asarray(logits, "float64")),
                                np.asarray(targets)[..., None], axis=-1)
    return float(np.exp(-reduce(picked)))


def torch_perplexity(logits, targets):
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             targets.reshape(-1))
    return float(loss.exp())


def test_perplexity():
    checks.check_perplexity(numpy_perplexity)
    checks.check_perplexity(torch_perplexity, framework="torch")
    with raises("perplexity of the summed loss"):
        checks.check_perplexity(lambda lg, t: numpy_perplexity(lg, t, reduce=np.sum))
    with raises("that is the cross-entropy itself, the loss"):
        checks.check_perplexity(lambda lg, t: float(np.log(numpy_perplexity(lg, t))))
    with raises("the logits were used as log-probabilities"):
        checks.check_perplexity(
            lambda lg, t: float(np.exp(-np.take_along_axis(lg, t[..., None], -1).mean())))
    with raises("should be one number (a float), got str"):
        checks.check_perplexity(lambda lg, t: "4.2")
    with pytest.raises(ValueError, match="framework must be 'keras' or 'torch'"):
        checks.check_perplexity(numpy_perplexity, framework="jax")


def _per_sequence_perplexity(lg, t):
    return float(np.mean([numpy_perplexity(lg[i:i + 1], t[i:i + 1]) for i in range(len(lg))]))


PERPLEXITY_MISTAKES = {
    "perplexity of the summed loss": lambda lg, t: numpy_perplexity(lg, t, reduce=np.sum),
    "that is the cross-entropy itself": lambda lg, t: float(np.log(numpy_perplexity(lg, t))),
    "the mean of each sequence's own perplexity": _per_sequence_perplexity,
    "the logits were used as log-probabilities":
        lambda lg, t: float(np.exp(-np.take_along_axis(lg, t[..., None], -1).mean())),
}


@pytest.mark.parametrize("says", list(PERPLEXITY_MISTAKES))
def test_each_perplexity_diagnosis_names_only_its_own_mistake(says):
    assert_names_only_its_own(lambda: checks.check_perplexity(PERPLEXITY_MISTAKES[says]), says,
                              PERPLEXITY_MISTAKES)


def test_trained_language_model():
    model = keras_lm(5)
    X = np.random.default_rng(0).integers(0, 5, size=(4, 6))
    value = checks.check_trained_language_model(model, X, X, max_perplexity=6.0)
    assert 1.0 <= value <= 6.0
    with raises("above the threshold 1.01"):
        checks.check_trained_language_model(model, X, X, max_perplexity=1.01)
    with pytest.raises(ValueError, match="max_perplexity must be a number >= 1"):
        checks.check_trained_language_model(model, X, X, max_perplexity=0.5)


def test_a_trained_language_model_that_ends_in_a_softmax_is_sent_to_its_builder():
    """The downstream cell names the cause the builder's test found, not only the symptom."""
    X = np.random.default_rng(0).integers(0, 9, size=(4, 6))
    torch.manual_seed(0)
    with raises("The model has a mistake its builder's test names: the model ends in a softmax"):
        checks.check_trained_language_model(TorchLM(9, softmax=True), X, X, max_perplexity=1.5)
    with pytest.raises(AssertionError) as caught:   # the same untrained model, logits out
        checks.check_trained_language_model(TorchLM(9), X, X, max_perplexity=1.5)
    assert "softmax" not in str(caught.value), caught.value


# ---------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------

def sample_next(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits, dtype="float64") / temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def test_sample_next_passes():
    checks.check_sample_next(sample_next)


def test_sample_next_mistakes():
    def times(logits, temperature, rng):              # the wrong way
        return sample_next(logits * temperature, 1.0, rng) if temperature else int(np.argmax(logits))

    with raises("temperature applied the wrong way"):
        checks.check_sample_next(times)

    def divides(logits, temperature, rng):
        z = np.asarray(logits, dtype="float64") / temperature
        p = np.exp(z - z.max())
        return int(rng.choice(len(p), p=p / p.sum()))

    with raises("temperature 0 is greedy"):
        checks.check_sample_next(divides)

    def overflows(logits, temperature, rng):
        if temperature == 0:
            return int(np.argmax(logits))
        p = np.exp(np.asarray(logits, dtype="float64") / temperature)
        return int(rng.choice(len(p), p=p / p.sum()))

    with raises("subtract the largest value first"):
        checks.check_sample_next(overflows)
    with raises("always the argmax"):
        checks.check_sample_next(lambda logits, t, rng: int(np.argmax(logits)))
    with raises("the temperature is ignored"):
        checks.check_sample_next(lambda logits, t, rng: sample_next(logits, 1.0 if t else 0, rng))
    with raises("use the rng you are given"):
        checks.check_sample_next(
            lambda logits, t, rng: sample_next(logits, t, np.random.default_rng()))
    with raises("return one token id, an int"):
        checks.check_sample_next(lambda logits, t, rng: np.array([np.argmax(logits)] * 2))


# ---------------------------------------------------------------------------
# generating with a carried state
# ---------------------------------------------------------------------------

def keras_generate(model, prompt, n_tokens, temperature, rng, carry=True, reset=True,
                   feed_back=True):
    if reset:
        generation.reset_stateful(model)
    last = keras.ops.convert_to_numpy(model(np.asarray(prompt)[None]))[0, -1]
    tokens, used = [], []
    for _ in range(n_tokens):
        token = sample_next(last, temperature, rng)
        tokens.append(token)
        used.append(last)
        if not carry:
            generation.reset_stateful(model)
        fed = token if feed_back else int(prompt[-1])
        last = keras.ops.convert_to_numpy(model(np.array([[fed]])))[0, -1]
    return np.array(tokens), np.stack(used)


def torch_generate(model, prompt, n_tokens, temperature, rng, carry=True, primed=None):
    """``primed``: the ids read before the first draw, instead of the prompt (a mistake)."""
    with torch.no_grad():
        logits, state = model(torch.as_tensor(prompt if primed is None else primed(prompt))[None])
        last, tokens, used = logits[0, -1], [], []
        for _ in range(n_tokens):
            token = sample_next(last.numpy(), temperature, rng)
            tokens.append(token)
            used.append(last.numpy())
            logits, state = model(torch.tensor([[token]]), state if carry else None)
            last = logits[0, -1]
    return np.array(tokens), np.stack(used)


PROMPT = np.array([1, 4, 2, 0])


def test_generate_keras():
    model = checks.language_model_probe("keras", vocab_size=7, units=5, seed=1)
    checks.check_generate(keras_generate, model, PROMPT)
    with raises("the state is not carried"):
        checks.check_generate(lambda *a: keras_generate(*a, carry=False), model, PROMPT)
    with raises("forgot to reset"):
        checks.check_generate(lambda *a: keras_generate(*a, reset=False), model, PROMPT)
    with raises("the sampled token is not fed back"):
        checks.check_generate(lambda *a: keras_generate(*a, feed_back=False), model, PROMPT)


PRIMING_MISTAKES = {
    "its first token twice and its last never": lambda p: np.concatenate([p[:-1], p[:1]]),
    "the last prompt token is never read": lambda p: p[:-1],
    "the last prompt token read alone": lambda p: p[-1:],
}


@pytest.mark.parametrize("says", list(PRIMING_MISTAKES))
def test_each_priming_diagnosis_names_only_its_own_mistake(says):
    model = checks.language_model_probe("torch", vocab_size=7, units=5, seed=1)
    mistaken = PRIMING_MISTAKES[says]
    assert_names_only_its_own(lambda: checks.check_generate(
        lambda *a: torch_generate(*a, primed=mistaken), model, PROMPT), says, PRIMING_MISTAKES)


def test_generate_torch():
    model = checks.language_model_probe("torch", vocab_size=7, units=5, seed=1)
    checks.check_generate(torch_generate, model, PROMPT)
    with raises("the state is not carried"):
        checks.check_generate(lambda *a: torch_generate(*a, carry=False), model, PROMPT)
    with raises("should return (tokens, logits)"):
        checks.check_generate(lambda *a: torch_generate(*a)[0], model, PROMPT)
    with pytest.raises(ValueError, match="prompt must be a non-empty 1-D array"):
        checks.check_generate(torch_generate, model, [])


# ---------------------------------------------------------------------------
# streaming: chunk by chunk == one pass
# ---------------------------------------------------------------------------

def keras_stream(model, streams, chunk_len, reset=True, every_chunk=False, whole=False):
    out = []
    for stream in streams:
        if reset:
            generation.reset_stateful(model)
        step = len(stream) if whole else chunk_len
        parts = []
        for k in range(0, len(stream), step):
            if every_chunk:
                generation.reset_stateful(model)
            parts.append(keras.ops.convert_to_numpy(model(stream[None, k:k + step]))[0])
        out.append(np.concatenate(parts))
    return out


def torch_stream(model, streams, chunk_len, detach=True, reset=True):
    out, state = [], None
    for stream in streams:
        if reset:
            state = None
        parts = []
        for k in range(0, len(stream), chunk_len):
            logits, state = model(torch.as_tensor(stream[k:k + chunk_len])[None], state)
            if detach:
                state = tuple(s.detach() for s in state)
            parts.append(logits[0])
        out.append(torch.cat(parts))
    return out


STREAMERS = {"keras": keras_stream, "torch": torch_stream}


@pytest.mark.parametrize("framework", STREAMERS)
def test_stream_passes_and_names_a_missing_reset(framework):
    record, stream = [], STREAMERS[framework]
    model = checks.language_model_probe(framework, seed=2, record=record)
    checks.check_stream_logits(stream, model, record=record)
    with raises("forgot to reset between independent streams: stream 2"):
        checks.check_stream_logits(lambda *a: stream(*a, reset=False), model)


def test_stream_keras_mistakes():
    record = []
    model = checks.language_model_probe("keras", seed=2, record=record)
    with raises("the state is not carried from chunk to chunk"):
        checks.check_stream_logits(lambda *a: keras_stream(*a, every_chunk=True), model)
    with raises("fed the model 29 tokens at once"):
        checks.check_stream_logits(lambda *a: keras_stream(*a, whole=True), model, record=record)
    with raises("The last, shorter chunk is missing"):
        checks.check_stream_logits(lambda *a: [o[:len(o) - len(o) % 6] for o in keras_stream(*a)],
                                   model)


def test_stream_torch_mistakes():
    model = checks.language_model_probe("torch", seed=2)
    with raises("the carried state is not detached between chunks"):
        checks.check_stream_logits(lambda *a: torch_stream(*a, detach=False), model)
    with torch.no_grad():                          # no graph: nothing to detach
        checks.check_stream_logits(lambda *a: torch_stream(*a, detach=False), model)
    with pytest.raises(ValueError, match="lengths must give at least two streams"):
        checks.check_stream_logits(torch_stream, model, lengths=(5,))
    with pytest.raises(TypeError, match="chunk_len must be an integer"):
        checks.check_stream_logits(torch_stream, model, chunk_len=2.5)


def test_probe_bad_arguments():
    with pytest.raises(ValueError, match="framework must be 'keras' or 'torch'"):
        checks.language_model_probe("jax")
    with pytest.raises(TypeError, match="record must be a list or None"):
        checks.language_model_probe("torch", record=())
