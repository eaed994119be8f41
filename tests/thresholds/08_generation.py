"""Measure chapter 08's graded metric, the trained language model's perplexity on fresh
reviews, over seeds, both tracks.

    nice -n 10 python tests/thresholds/08_generation.py [keras] [pytorch] [--seeds N]

For each track this runs the solution code of source/08_generation/<track>.ipynb
itself: every code cell before the training cell that is not a test cell (imports,
the text, the vocabulary and the stream, the answer cells with their solution
markers removed, and the given ``train`` function), then the answer cells between
the training cell and ``trained_tests``. For every seed it trains the language
model exactly as the notebook does,

    set_seed(seed); model = build_language_model(VOCAB_SIZE); train(model, ...)

then runs the hidden part of the ``trained_tests`` cell on it, which makes 400 fresh
reviews, rebuilds the vocabulary from the course's own modules and computes the
perplexity itself, and reads the number it computed.

The threshold written in ``trained_tests`` (an upper bound on the perplexity) must
sit above the worst seed of both tracks; the test cell's comment states the worst
seed and the margin.
"""

from __future__ import annotations

import time

import shared

CHAPTER = shared.chapter("08_generation")
TRAINING_CELL = "model = build_language_model(VOCAB_SIZE)"


def measure(track: str, seeds: int) -> list[float]:
    namespace, hidden = shared.load_track(CHAPTER, track, TRAINING_CELL, "trained_tests")
    results = []
    for seed in range(seeds):
        start = time.time()
        epochs = shared.train_seed(namespace, seed, f"{TRAINING_CELL}\n"
                                   "history = train(model, X_train, Y_train, X_val, Y_val)")
        results.append(shared.run_hidden(namespace, hidden, "_fresh_ppl"))
        print(f"{track:7} seed {seed}: perplexity on fresh reviews {results[-1]:.4f}  "
              f"({epochs} epochs, {time.time() - start:.1f} s)", flush=True)
    worst = max(range(seeds), key=results.__getitem__)
    best = min(range(seeds), key=results.__getitem__)
    print(f"{track:7} worst: seed {worst}, perplexity {results[worst]:.4f}; best: seed {best}, "
          f"{results[best]:.4f}", flush=True)
    return results


def main() -> None:
    results = shared.run(__doc__, measure)
    shared.report_worst({track: max(runs) for track, runs in results.items()},
                        higher_is_worse=True)


if __name__ == "__main__":
    main()
