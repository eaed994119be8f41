"""Measure chapter 04's tagger accuracy over training seeds, both tracks.

    python tests/thresholds/04_stacking.py [keras] [pytorch] [--seeds N]

For each track this runs the solution code of source/04_stacking/<track>.ipynb
itself: the set-up cell, the cell that makes the tagging data, and the answer
cells ``build_tagger`` and ``train_tagger`` (solution markers removed). For
every seed it trains ``build_tagger(len(TAGGING_WORDS), n_tags=2)`` with
``train_tagger`` after ``set_seed(seed)``, exactly as the notebook does, then
runs the hidden part of the ``trained_tests`` cell on it (its own fresh
sequences and accuracy) and reads the accuracy it computed. The visible check's
accuracy (``negation_tagging(n=500, length=16, seed=1)``) is printed too.

The threshold written in ``trained_tests`` must sit below the worst seed of
both tracks; the test cell's comment states the worst seed and the margin.
"""

from __future__ import annotations

import contextlib
import io
import time

import shared
from shared import nbs

CHAPTER = shared.chapter("04_stacking")


def load_track(track: str) -> tuple[dict, str]:
    """The notebook's namespace after its set-up, data and answer cells; the hidden test code."""
    nb = nbs.read(CHAPTER / f"{track}.ipynb")
    by_id = nbs.cells_by_grade_id(nb)
    data_cell = shared.code_cell(nb, "x_tags, y_tags = negation_tagging(", f"{track}.ipynb")
    namespace: dict = {"__name__": f"chapter04_{track}"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(shared.setup_code(nb), namespace)
        exec(shared.code(data_cell.source), namespace)
        for grade_id in ("tagger_answer", "train_answer"):
            exec(nbs.solution_source(by_id[grade_id]), namespace)
    return namespace, shared.hidden_tests(by_id["trained_tests"])


def measure(track: str, seeds: int) -> list[float]:
    namespace, hidden = load_track(track)
    set_seed, negation_tagging = namespace["set_seed"], namespace["negation_tagging"]
    visible_ids, visible_tags = negation_tagging(n=500, length=16, seed=1)
    results = []
    for seed in range(seeds):
        start = time.time()
        set_seed(seed)
        tagger = namespace["build_tagger"](len(namespace["TAGGING_WORDS"]), n_tags=2)
        namespace["train_tagger"](tagger, namespace["x_tags"], namespace["y_tags"])
        namespace["tagger"] = tagger
        hidden_accuracy = shared.run_hidden(namespace, hidden, "_accuracy")
        visible_accuracy = float((shared.predict_tags(namespace, track, tagger, visible_ids) == visible_tags).mean())
        results.append(hidden_accuracy)
        print(f"{track:7} seed {seed}: hidden-test accuracy {hidden_accuracy:.4f}  "
              f"visible check {visible_accuracy:.4f}  ({time.time() - start:.1f} s)", flush=True)
    worst = min(range(seeds), key=results.__getitem__)
    print(f"{track:7} worst: seed {worst}, accuracy {results[worst]:.4f}", flush=True)
    return results


def main() -> None:
    results = shared.run(__doc__, measure)
    shared.report_worst({track: min(values) for track, values in results.items()})


if __name__ == "__main__":
    main()
