"""What the threshold scripts of chapters 04-08 share: reading a source notebook's
code, running its hidden test on a trained model, and the command line.

Each script runs the solution code of ``source/<chapter>/<track>.ipynb`` itself,
trains once per seed exactly as the notebook does, and measures the model with
the hidden part of the graded test cell (which makes its own fresh data). The
threshold written in that cell must sit on the safe side of the worst seed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "agg")
os.environ.setdefault("TQDM_DISABLE", "1")

from helpers.course import notebooks as nbs  # noqa: E402
from helpers.course.authoring.anywhere import is_install_cell  # noqa: E402

TRACKS = ("keras", "pytorch")


def chapter(name: str) -> Path:
    return REPO / "source" / name


def code(source: str) -> str:
    """Cell source without IPython magics."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def hidden_tests(cell) -> str:
    """The hidden part of a test cell."""
    return "\n".join(nbs.region_lines(cell.source, nbs.BEGIN_HIDDEN, nbs.END_HIDDEN))


def setup_code(nb) -> str:
    """The code of the notebook's set-up cell, its imports and ``set_seed(0)``: the first code
    cell after the "Open anywhere" install cell."""
    return code(next(cell for cell in nb.cells
                     if cell.cell_type == "code" and not is_install_cell(cell)).source)


def code_cell(nb, mark: str, where: str):
    """The one code cell of ``nb`` that contains ``mark``."""
    found = [cell for cell in nb.cells if cell.cell_type == "code" and mark in cell.source]
    if len(found) != 1:
        raise RuntimeError(f"{where}: expected one code cell containing {mark!r}, found {len(found)}")
    return found[0]


def seeded(source: str, name: str = "SEED") -> str:
    """A cell's code with its one ``set_seed(0)`` replaced by ``set_seed(<name>)``."""
    if source.count("set_seed(0)") != 1:
        raise RuntimeError("expected exactly one set_seed(0) in the cell:\n" + source)
    return code(source).replace("set_seed(0)", f"set_seed({name})")


def _only_plots(source: str) -> bool:
    return "plt.subplots" in source or source.lstrip().startswith("fig = ")


def load_track(chapter_dir: Path, track: str, training_cell: str, test_id: str) -> tuple[dict, str]:
    """Run a notebook's solution code up to its graded test cell ``test_id``: every code cell
    before the cell containing ``training_cell`` that is neither a test cell nor a plot,
    then only the answer cells (solution markers removed). Returns the namespace and the
    hidden part of the test cell."""
    nb = nbs.read(chapter_dir / f"{track}.ipynb")
    namespace: dict = {"__name__": f"{chapter_dir.name}_{track}"}
    hidden, trained = None, False
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if nbs.grade_id(cell) == test_id:
                hidden = hidden_tests(cell)
                break
            if training_cell in cell.source:
                trained = True
            if (trained and not nbs.is_answer(cell)) or nbs.is_autograded_test(cell) \
                    or _only_plots(cell.source):
                continue                            # after training: only the answer cells
            source = nbs.solution_source(cell) if nbs.is_answer(cell) else cell.source
            exec(code(source), namespace)
    if hidden is None:
        raise RuntimeError(f"{track}: no {test_id} cell in {chapter_dir}")
    return namespace, hidden


def train_seed(namespace: dict, seed: int, training: str) -> int:
    """Run the notebook's ``training`` code after ``set_seed(seed)``, quietly; return the
    number of epochs it trained (its ``history``: a Keras History or a dict of lists)."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(f"set_seed({seed})\n{training}", namespace)
    history = namespace["history"]
    return len(getattr(history, "history", history)["loss"])


def run_hidden(namespace: dict, hidden: str, result: str):
    """Run the hidden test code in ``namespace`` and return the variable ``result`` it
    computed, also when the model misses the current threshold (it is still measured)."""
    namespace.pop(result, None)
    try:
        exec(hidden, namespace)
    except AssertionError:
        pass
    if result not in namespace:
        raise RuntimeError(f"the hidden test did not compute {result}: has the cell changed?")
    return namespace[result]


def run(description: str, measure: Callable[[str, int], object]) -> dict[str, object]:
    """Parse ``[keras] [pytorch] [--seeds N]`` and return {track: measure(track, seeds)}."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("tracks", nargs="*", help="keras and/or pytorch (default: both)")
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    unknown = sorted(set(args.tracks) - set(TRACKS))
    if unknown:
        parser.error(f"unknown track {', '.join(unknown)}: choose from {', '.join(TRACKS)}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    return {track: measure(track, args.seeds) for track in args.tracks or TRACKS}


def predict_tags(namespace: dict, track: str, model, ids):
    """Predicted tags (n, time) of a per-step tagger of the notebook for NumPy ids."""
    if track == "keras":
        keras = namespace["keras"]
        return keras.ops.convert_to_numpy(model(ids, training=False)).argmax(axis=-1)
    torch = namespace["torch"]
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(ids)).numpy().argmax(axis=-1)


def report_worst(worst: dict[str, float], unit: str = "", higher_is_worse: bool = False) -> None:
    """One line with each track's worst seed and the worst over all tracks."""
    overall = max(worst.values()) if higher_is_worse else min(worst.values())
    print("worst over both tracks:" if len(worst) > 1 else "worst:",
          ", ".join(f"{track} {value:.4f}{unit}" for track, value in worst.items()),
          f"-> {overall:.4f}{unit}")
