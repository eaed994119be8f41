"""Measure the accuracy threshold of chapter 03's trained-model test over training seeds.

    python tests/thresholds/03_simple_rnn.py [n_seeds] [keras|pytorch]

For each track (both by default, each in its own process, as a notebook runs),
the script runs the solution notebook's own code, taken from
source/03_simple_rnn/<track>.ipynb: the imports, the data cell, the solutions of
the answer cells, the course's training-loop cells, and then the training cell
("# Training run ...") once per seed, with its ``set_seed(0)`` replaced by
``set_seed(seed)``. Seed 0 is the run the notebook itself makes.

Each trained model is measured the way the test cell ``accuracy_tests`` measures
it: the hidden test (1000 fresh reviews, ``course_reviews(seed=2042)``) and the
visible ``checks.check_accuracy`` (500 fresh reviews, its default seed 12345).
The worst seed over both tracks backs the threshold written in the test cell.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TRACKS = {"keras": "keras", "pytorch": "pytorch"}
HIDDEN_SEED, HIDDEN_N = 2042, 1000       # the hidden test's fresh reviews
VISIBLE_SEED, VISIBLE_N = 12345, 500     # checks.check_accuracy's default seed, the visible test's size
TRAINING_CELL = "# Training run"


def notebook_code(track: str) -> tuple[str, str]:
    """(setup code, training cell) of the solution notebook of ``track``."""
    from helpers.course import notebooks as nbs
    from helpers.course.authoring.anywhere import is_install_cell

    nb = nbs.read(REPO / "source" / "03_simple_rnn" / f"{track}.ipynb")
    # the code cells after the Open-anywhere install cell: code[0] is the set-up cell
    code = [c for c in nb.cells if c.cell_type == "code" and not is_install_cell(c)]
    imports = "\n".join(line for line in code[0].source.splitlines() if not line.startswith("%"))
    wanted = ("def encode(", "def make_loader(", "def fit_with_early_stopping(")
    course = [c.source for c in code if any(w in c.source for w in wanted)]
    answers = [nbs.solution_source(c) for c in code
               if nbs.grade_id(c) in ("model_answer", "training_answer", "evaluate_answer")]
    training = [c.source for c in code if c.source.startswith(TRAINING_CELL)]
    if len(training) != 1 or "set_seed(0)" not in training[0] or len(answers) != 3:
        raise RuntimeError(f"{track}.ipynb: expected one '{TRAINING_CELL}' cell with set_seed(0) "
                           "and the three answer cells")
    return "\n\n".join([imports, *course, *answers]), training[0]


def accuracy(namespace: dict, track: str, texts, labels) -> float:
    """The trained ``model``'s accuracy on ``texts``, computed as accuracy_tests does."""
    import numpy as np

    from helpers.text import Vocabulary, pad_ids

    vocab = Vocabulary(namespace["train"].texts)
    x = pad_ids([vocab.encode(t) for t in texts], max_len=16, padding="pre")
    model = namespace["model"]
    if track == "keras":
        import keras

        out = keras.ops.convert_to_numpy(model(x, training=False))
        predicted = out[:, 0] > 0.5
    else:
        import torch

        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(x)).numpy()
        predicted = out[:, 0] > 0
    return float(np.mean(predicted == np.asarray(labels)))


def measure(track: str, n_seeds: int) -> None:
    """Train ``track``'s classifier with seeds 0 .. n_seeds - 1 and print one line per seed."""
    from helpers.data import course_reviews

    setup, training = notebook_code(track)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(setup, f"{track}.ipynb setup", "exec"), namespace)
    hidden = course_reviews(n=HIDDEN_N, seed=HIDDEN_SEED)
    visible = course_reviews(n=VISIBLE_N, seed=VISIBLE_SEED)
    for seed in range(n_seeds):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            exec(training.replace("set_seed(0)", f"set_seed({seed})"), namespace)
        history = namespace["history"]
        history = getattr(history, "history", history)
        hidden_accuracy = accuracy(namespace, track, hidden.texts, hidden.labels)
        visible_accuracy = accuracy(namespace, track, visible.texts, visible.labels)
        print(f"{track} seed {seed}: hidden {hidden_accuracy:.4f}  visible {visible_accuracy:.4f}  "
              f"epochs {len(history['loss'])}  best val {max(history['val_accuracy']):.3f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)


def main(n_seeds: int = 10, tracks=tuple(TRACKS)) -> None:
    lines = []
    for track in tracks:
        result = subprocess.run([sys.executable, __file__, str(n_seeds), track, "--child"],
                                capture_output=True, text=True, cwd=REPO)
        if result.returncode != 0:
            raise RuntimeError(f"{track} failed:\n{result.stderr[-3000:]}")
        track_lines = [line for line in result.stdout.splitlines() if line.startswith(track)]
        print("\n".join(track_lines), flush=True)
        lines += track_lines
    scores = [(float(line.split("hidden ")[1].split()[0]), float(line.split("visible ")[1].split()[0]), line)
              for line in lines]
    worst = min(scores, key=lambda s: min(s[0], s[1]))
    print(f"worst: {min(worst[0], worst[1]):.4f} ({worst[2].split(':')[0]})")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--child"]
    seeds = int(args[0]) if args else 10
    chosen = tuple(args[1:]) or tuple(TRACKS)
    unknown = [t for t in chosen if t not in TRACKS]
    if unknown:
        raise SystemExit(f"unknown track {unknown[0]!r}: use one of {', '.join(TRACKS)}")
    if "--child" in sys.argv:
        measure(chosen[0], seeds)
    else:
        main(seeds, chosen)
