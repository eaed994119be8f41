"""How long the copy report of one assignment takes for a class (budget: 300 students, 60 s).

``python -m helpers.course.measuring.copies_scale [--students 300] [--assignment 08_generation]``

A synthetic class hands in both tracks of the assignment. Most students write
their own answers: each answer cell holds as many lines as the solution's,
drawn at random from the lines of every solution of the course (same track),
so independent answers share short pieces as real ones do. One student in ten
hands in the solution and one in ten the answers of the student before; every
name is renamed at random, per student. The measurement is everything
``grade`` does for the report after autograding: reading the notebooks,
fingerprinting, comparing every pair, writing the HTML.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import nbformat
from pygments import token

from helpers.course import notebooks as nbs
from helpers.course.grading import copies, copies_report
from helpers.course.nbgrader_runner import REPO

BUDGET_S = 60.0
COPIERS = 0.1


def renamed(code: str, released: set[str], rng: random.Random) -> str:
    """``code`` with every plain name outside the ``released`` lines replaced by a random one
    (the same name, the same new name)."""
    names: dict[str, str] = {}
    parts = []
    for _, kind, text in copies._PYTHON.get_tokens_unprocessed(code):
        if kind is token.Name:
            text = names.setdefault(text, f"{rng.choice('abcdefghxyz')}{len(names)}_{rng.randrange(99)}")
        parts.append(text)
    return "\n".join(old if old.strip() in released else new
                     for old, new in zip(code.splitlines(), "".join(parts).splitlines()))


def line_pool(track: str) -> list[str]:
    """Every line of every solution answer of ``track``, the released lines left out."""
    pool = []
    for ref in nbs.find_notebooks(REPO / "source"):
        if ref.name == track:
            for cell in nbs.read(ref.path(REPO / "source")).cells:
                if nbs.is_answer(cell) and cell.cell_type == "code":
                    code = copies.answer_code(nbs.solution_source(cell), copies.released_lines(cell))
                    pool += code.splitlines()
    return pool


def own_answer(solution: str, released: set[str], pool: list[str], rng: random.Random) -> str:
    """The released lines of ``solution`` and, for its other lines, as many random ones."""
    return "\n".join(line if line.strip() in released else rng.choice(pool)
                     for line in solution.splitlines())


def synthetic_class(assignment: str, students: int, seed: int = 0) -> dict[str, dict[str, bytes]]:
    """student -> track -> notebook content, as grade hands them to the report."""
    rng = random.Random(seed)
    tracks = sorted({r.name for r in nbs.find_notebooks(REPO / "source") if r.assignment == assignment})
    if not tracks:
        raise ValueError(f"assignment {assignment!r}: source/ has no such assignment")
    solution = {t: nbs.read(REPO / "solutions" / assignment / f"{t}.ipynb") for t in tracks}
    released = {t: copies.exercises_of(nbs.read(REPO / "source" / assignment / f"{t}.ipynb"))
                for t in tracks}
    pools = {t: line_pool(t) for t in tracks}
    answers: list[dict[str, dict[str, str]]] = []   # per student: track -> grade_id -> cell source
    for _ in range(students):
        kind = rng.random()
        mine = {}
        for track in tracks:
            cells = nbs.cells_by_grade_id(solution[track])
            if kind < COPIERS or (kind < 2 * COPIERS and not answers):
                mine[track] = {gid: cells[gid].source for gid in released[track]}
            elif kind < 2 * COPIERS:
                mine[track] = dict(answers[-1][track])
            else:
                mine[track] = {gid: own_answer(cells[gid].source, lines, pools[track], rng)
                               for gid, lines in released[track].items()}
        answers.append(mine)
    return {f"student-{n:03}": {
        track: nbformat.writes(nbs.fill_answers(solution[track], {
            gid: renamed(code, released[track][gid], rng) for gid, code in cells.items()})).encode()
        for track, cells in mine.items()} for n, mine in enumerate(answers)}


def measure(assignment: str = "08_generation", students: int = 300) -> float:
    """Seconds the copy report of a synthetic class takes; prints what it found."""
    sources = {t: nbs.read(REPO / "source" / assignment / f"{t}.ipynb")
               for t in ("keras", "pytorch") if (REPO / "source" / assignment / f"{t}.ipynb").exists()}
    submitted = synthetic_class(assignment, students)
    with tempfile.TemporaryDirectory(prefix="rnn-copies-") as course:
        start, cpu = time.perf_counter(), time.process_time()
        comparison, path = copies_report.write_report(Path(course), assignment, sources, submitted)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = path.stat().st_size
    pairs = sum(n * (n - 1) // 2 + n for n in comparison.compared.values())
    print(f"{students} students of {assignment} ({', '.join(f'{t} {n}' for t, n in comparison.compared.items())} "
          f"compared, {pairs} pairs with the solution included): {seconds:.1f} s ({cpu:.1f} s of CPU) "
          f"(budget {BUDGET_S:.0f} s); {len(comparison.against_solutions())} flagged against the "
          f"solutions, {len(comparison.between_students())} between students; report {size / 1e6:.1f} MB")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--assignment", default="08_generation")
    args = parser.parse_args(argv)
    if args.students < 2:
        parser.error(f"--students must be at least 2, got {args.students}")
    return 0 if measure(args.assignment, args.students) <= BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
