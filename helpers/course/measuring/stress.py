"""``make stress``: grade the solutions again and again while the other cores are busy.

A perfect submission must get full marks every time, whatever the machine is
doing (library log lines printed by background threads must not cost points,
helpers/course/kernels.py), and every grading of it must score each cell the
same (invariant 7). This grades each chosen solution notebook
``rounds`` times (one "student" per round) with the course's own config while
busy-loop processes keep the other cores loaded, then runs nbgrader's
``validate`` (what the student's Validate button runs) on each under the same
load. It reports every lost point, every stderr output left in a graded cell,
and every cell whose score differs between rounds.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.authoring.students import grade
from helpers.course.nbgrader_runner import REPO, nbgrader

VALIDATE_OK = "Success! Your notebook passes all the tests."


# spins until its parent is gone, so a killed `make stress` leaves no core busy behind it
SPINNER = ("import os\nparent = os.getppid()\n"
           "while os.getppid() == parent:\n    for _ in range(1_000_000): pass\n")


@contextlib.contextmanager
def busy_cores(count: int):
    """Keep ``count`` cores busy with spinning processes while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPINNER]) for _ in range(max(0, count))]
    try:
        yield len(spinners)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def chosen_notebooks(track: str | None, only: list[str] | None = None,
                     source_dir: Path = REPO / "source") -> list[nbs.NotebookRef]:
    """The notebooks of ``track`` (all tracks when None), of the ``only`` assignments if given."""
    refs = nbs.find_notebooks(source_dir)
    names = sorted({ref.name for ref in refs})
    if track is not None and track not in names:
        raise ValueError(f"track must be one of {names} or None, got {track!r}")
    unknown = sorted(set(only or []) - set(nbs.assignments(refs)))
    if unknown:
        raise ValueError(f"only names assignments that source/ lacks: {unknown}")
    return [ref for ref in refs if (track is None or ref.name == track)
            and (not only or ref.assignment in only)]


def stderr_in(cell) -> str:
    return "".join(out.text for out in cell.get("outputs", [])
                   if out.output_type == "stream" and out.name == "stderr")


def grading_problems(run, refs, students) -> list[str]:
    """Lost points, stderr in graded cells, and scores that differ between rounds."""
    found = []
    for ref in refs:
        scores = {}
        for student in students:
            graded = nbs.cells_by_grade_id(
                nbs.read(ref.path(run.course_of(ref) / "autograded" / student)))
            for gid, cell in run.cells(student, ref).items():
                scores.setdefault(gid, []).append(cell.score)
                if cell.score < cell.max_score:
                    found.append(f"{ref} {student}: {gid} lost {cell.max_score - cell.score:g} "
                                 f"point(s):\n{cell.output[-400:]}")
                if stderr_in(graded[gid]):
                    found.append(f"{ref} {student}: stderr in {gid}: {stderr_in(graded[gid])[:300]!r}")
        found += [f"{ref}: {gid} scored differently between rounds: {values}"
                  for gid, values in scores.items() if len(set(values)) > 1]
    return found


def validate_problems(refs, solutions_dir: Path) -> list[str]:
    """nbgrader validate, run as the Validate button runs it (from the course root)."""
    found = []
    for ref in refs:
        output = nbgrader(REPO, "validate", str(ref.path(solutions_dir)), strict=False)
        if VALIDATE_OK not in output:
            found.append(f"{ref}: Validate does not report success:\n{output[-800:]}")
    return found


def run_stress(rounds: int = 3, track: str | None = None, busy: int | None = None,
               solutions_dir: Path = REPO / "solutions", only: list[str] | None = None,
               log=print) -> list[str]:
    """Grade and validate under load; return the problems found (none means it held)."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an int >= 1, got {rounds!r}")
    busy = (os.cpu_count() or 2) - 1 if busy is None else busy
    refs = chosen_notebooks(track, only)
    students = [f"round-{k}" for k in range(1, rounds + 1)]
    submissions = {s: {ref: nbs.read(ref.path(solutions_dir)) for ref in refs} for s in students}
    start = time.perf_counter()
    with busy_cores(busy) as spinning, tempfile.TemporaryDirectory(prefix="rnn-stress-") as tmp:
        log(f"grading {len(refs)} notebook(s) x {rounds} rounds with {spinning} core(s) kept busy ...")
        run = grade(Path(tmp) / "course", submissions, feedback=False, log=log)
        found = grading_problems(run, refs, students)
        graded = sum(run.total(s, ref)[0] for s in students for ref in refs)
        possible = sum(run.total(s, ref)[1] for s in students for ref in refs)
        log(f"autograded points: {graded:g}/{possible:g}; validating under the same load ...")
        found += validate_problems(refs, solutions_dir)
    log(f"{len(refs)} notebook(s), {rounds} rounds, {time.perf_counter() - start:.0f} s: "
        + (f"{len(found)} problem(s)" if found else "no point lost, every round graded the same, "
           "Validate reports success"))
    for problem in found:
        log(f"PROBLEM {problem}")
    return found
