"""Measure chapter 06's tagger accuracy over training seeds, both tracks.

    nice -n 10 python tests/thresholds/06_bidirectional.py [keras] [pytorch] [--seeds N]

For each track this runs the code of source/06_bidirectional/<track>.ipynb
itself: the set-up cell, the cell that makes the tagging data, the answer cell
``build_bidirectional_tagger`` (solution markers removed), then for every seed
the notebook's training cell and its one-way comparison cell with
``set_seed(0)`` replaced by ``set_seed(seed)``, so the recipe is exactly the
notebook's. The graded number is what the hidden part of ``trained_tests``
computes (its own 1000 fresh sequences, accuracy on the words whose tag needs
the next word); the visible check's accuracy is printed too, and the one-way
GRU's accuracy on the same hidden positions, which must stay near chance (0.5).

The threshold written in ``trained_tests`` must sit below the worst seed of
both tracks; the test cell's comment states the worst seed and the margin.
"""

from __future__ import annotations

import contextlib
import io
import time

import shared
from shared import nbs

CHAPTER = shared.chapter("06_bidirectional")
TRAINING_MARK = "# Training run (tests/thresholds/06_bidirectional.py"
ONE_WAY_MARK = "forward_only = "
DATA_MARK = "x_tags, y_tags = postfix_negation_tagging("


def load_track(track: str) -> tuple[dict, dict]:
    """The notebook's namespace after set-up, data and builder; the code to run per seed."""
    nb = nbs.read(CHAPTER / f"{track}.ipynb")
    where = f"{track}.ipynb"
    by_id = nbs.cells_by_grade_id(nb)
    namespace: dict = {"__name__": f"chapter06_{track}"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(shared.setup_code(nb), namespace)      # imports and set_seed(0)
        exec(shared.code(shared.code_cell(nb, DATA_MARK, where).source), namespace)
        exec(nbs.solution_source(by_id["tagger_answer"]), namespace)
    steps = {"train": shared.seeded(shared.code_cell(nb, TRAINING_MARK, where).source),
             "one_way": shared.seeded(shared.code_cell(nb, ONE_WAY_MARK, where).source),
             "hidden": shared.hidden_tests(by_id["trained_tests"])}
    return namespace, steps


def measure(track: str, seeds: int) -> tuple[list[float], list[float]]:
    namespace, steps = load_track(track)
    np = namespace["np"]
    visible_ids, visible_tags = namespace["postfix_negation_tagging"](n=500, length=10, seed=1)
    visible_future = namespace["future_context_positions"](visible_ids)
    graded, one_way = [], []
    for seed in range(seeds):
        start = time.time()
        namespace["SEED"] = seed
        with contextlib.redirect_stdout(io.StringIO()):
            exec(steps["train"], namespace)
            exec(steps["one_way"], namespace)
        hidden_accuracy = shared.run_hidden(namespace, steps["hidden"], "_accuracy")
        ids, want, needs = namespace["_ids"], namespace["_want"], namespace["_needs_future"]
        one_way_accuracy = float((shared.predict_tags(namespace, track, namespace["forward_only"], ids) == want)[needs].mean())
        visible = float((shared.predict_tags(namespace, track, namespace["tagger"], visible_ids)
                         == visible_tags)[visible_future].mean())
        graded.append(hidden_accuracy)
        one_way.append(one_way_accuracy)
        print(f"{track:7} seed {seed}: hidden-test accuracy {hidden_accuracy:.4f}  visible check "
              f"{visible:.4f}  one-way GRU {one_way_accuracy:.4f}  ({time.time() - start:.1f} s)",
              flush=True)
    worst = min(range(seeds), key=graded.__getitem__)
    print(f"{track:7} worst: seed {worst}, accuracy {graded[worst]:.4f}; one-way GRU from "
          f"{min(one_way):.4f} to {max(one_way):.4f} (mean {np.mean(one_way):.4f})", flush=True)
    return graded, one_way


def main() -> None:
    results = shared.run(__doc__, measure)
    shared.report_worst({track: min(graded) for track, (graded, _) in results.items()})
    highest = max(max(one_way) for _, one_way in results.values())
    print(f"one-way GRU, highest over seeds and tracks: {highest:.4f} (chance is 0.5)")


if __name__ == "__main__":
    main()
