"""Measure chapter 05's long-range accuracy over training seeds, both tracks.

    python tests/thresholds/05_lstm_gru.py [keras] [pytorch] [--seeds N]

For each track this runs the solution code of source/05_lstm_gru/<track>.ipynb
itself: the set-up cell, the data cell, the answer cell ``build_long_range_model``
(solution markers removed), the cell that defines ``train_long_range``, and then
the training cell ("# Training runs ...") once per seed, with its ``set_seed(0)``
replaced by ``set_seed(seed)``: it trains the SimpleRNN (PyTorch: nn.RNN), the
LSTM and the GRU exactly as the notebook does. Seed 0 is the notebook's own run.

Each trained model is then measured by the hidden part of the ``long_range_tests``
cell itself (1000 fresh 100-word reviews, the opinion 50-99 words from the end,
generated there), and by the visible check's data (``long_range_reviews(n=500,
length=100, seed=3, min_distance=50)``). The test cell grades the LSTM and the
GRU; the SimpleRNN is measured to show that it stays near chance.

The threshold written in ``long_range_tests`` must sit below the worst LSTM/GRU
seed of both tracks; the test cell's comment states the worst seed and the margin.
"""

from __future__ import annotations

import contextlib
import io
import time

import shared
from shared import nbs

CHAPTER = shared.chapter("05_lstm_gru")
CELLS = ("simple_rnn", "lstm", "gru")
TRAINING_CELL = "# Training runs"
VISIBLE = {"n": 500, "length": 100, "seed": 3, "min_distance": 50}


def load_track(track: str) -> tuple[dict, str, str]:
    """The notebook's namespace after its set-up, data and model cells; the training cell;
    the hidden test code of ``long_range_tests``."""
    nb = nbs.read(CHAPTER / f"{track}.ipynb")
    where = f"{track}.ipynb"
    by_id = nbs.cells_by_grade_id(nb)
    training = shared.seeded(shared.code_cell(nb, TRAINING_CELL, where).source)
    namespace: dict = {"__name__": f"chapter05_{track}"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(shared.setup_code(nb), namespace)      # imports and set_seed(0)
        exec(shared.code(shared.code_cell(nb, "train = long_range_reviews(", where).source), namespace)
        exec(nbs.solution_source(by_id["model_answer"]), namespace)
        exec(shared.code(shared.code_cell(nb, "def train_long_range(", where).source), namespace)
    return namespace, training, shared.hidden_tests(by_id["long_range_tests"])


def hidden_accuracy(namespace: dict, hidden: str, model) -> float:
    """The accuracy the hidden test computes for ``model`` (it loops over "lstm" and "gru")."""
    namespace["trained"] = {"lstm": model, "gru": model}
    return float(shared.run_hidden(namespace, hidden, "_accuracy"))


def measure(track: str, seeds: int) -> dict[str, list[float]]:
    namespace, training, hidden = load_track(track)
    visible = namespace["long_range_reviews"](**VISIBLE)
    results: dict[str, list[float]] = {cell: [] for cell in CELLS}
    for seed in range(seeds):
        start = time.time()
        namespace["SEED"] = seed
        with contextlib.redirect_stdout(io.StringIO()):
            exec(training, namespace)
        trained = namespace["trained"]
        line = []
        for cell in CELLS:
            accuracy = hidden_accuracy(namespace, hidden, trained[cell])
            seen = float((namespace["predictions"](trained[cell], visible.ids) == visible.labels).mean())
            results[cell].append(accuracy)
            line.append(f"{cell} {accuracy:.3f} (visible {seen:.3f})")
        print(f"{track:7} seed {seed}: " + "  ".join(line) + f"  ({time.time() - start:.0f} s)",
              flush=True)
    for cell in CELLS:
        values = results[cell]
        worst = min(range(seeds), key=values.__getitem__)
        print(f"{track:7} {cell:10} min {min(values):.3f} (seed {worst})  max {max(values):.3f}",
              flush=True)
    return results


def main() -> None:
    results = shared.run(__doc__, measure)
    shared.report_worst({track: min(min(r["lstm"]), min(r["gru"])) for track, r in results.items()})
    simple = [v for r in results.values() for v in r["simple_rnn"]]
    print(f"SimpleRNN / nn.RNN (not graded): {min(simple):.3f} to {max(simple):.3f}")


if __name__ == "__main__":
    main()
