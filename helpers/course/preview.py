"""``python -m helpers.course preview NN_name``: try one chapter end to end, away from the repo.

For chapter authors: builds the chapter's release and solutions into a
scratch folder, autogrades the perfect, blank and mistaken students, and
reports every invariant the tests will check, without touching chapters/,
solutions/ or the repository's gradebook.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from helpers.course import mistakes
from helpers.course import notebooks as nbs
from helpers.course.build import build
from helpers.course.demo import score_table
from helpers.course.grading import failure_problem, grade, standard_students
from helpers.course.nbgrader_runner import REPO


def problems(run, refs, out: Path) -> list[str]:
    """Each broken invariant of a preview build and its grading run, as a sentence."""
    found = []
    for ref in refs:
        leaked = nbs.leaked_lines(nbs.read(ref.path(out / "source")),
                                  nbs.read(ref.path(out / "chapters")))
        if leaked:
            found.append(f"{ref}: solution or hidden-test lines leak into the release: {leaked}")
        for gid, cell in run.cells("perfect", ref).items():
            if cell.score < cell.max_score:
                found.append(f"{ref}: the solution loses {gid}:\n{cell.output[-600:]}")
        for gid, cell in run.cells("blank", ref).items():
            if cell.score > 0:
                found.append(f"{ref}: {gid} passes on the blank release")
        for k, group in enumerate(mistakes.rounds(mistakes.load(ref)), start=1):
            student = "mistakes" if k == 1 else f"mistakes-{k}"
            score, max_score = run.total(student, ref)
            if not 0 < score < max_score:
                found.append(f"{ref}: {student} scores {score:g}/{max_score:g}, not in between")
            for mistake in group:
                for gid in mistake.loses:
                    cell = run.cells(student, ref).get(gid)
                    if cell is None or cell.score > 0 or not nbs.mentions(cell.output, mistake.says):
                        found.append(f"{mistake}: {gid} does not fail naming {mistake.says!r}")
                    elif failure_problem(cell.shown, mistake.says):
                        found.append(f"{mistake}: {gid} {failure_problem(cell.shown, mistake.says)}")
        if not mistakes.load(ref):
            found.append(f"{ref}: tests/mistakes/{ref}.toml lists no mistakes")
    return found


def preview(assignment: str, out: Path | None = None) -> list[str]:
    """Build and grade ``assignment`` in ``out`` (a temp folder by default)."""
    source = REPO / "source" / assignment
    if not source.is_dir():
        raise FileNotFoundError(f"assignment {assignment!r}: no folder {source}")
    out = Path(out or tempfile.mkdtemp(prefix=f"preview-{assignment}-"))
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out / "source" / assignment)
    timings = build(out / "source", out / "chapters", out / "solutions")
    refs = nbs.find_notebooks(out / "source")
    students = standard_students(refs, out / "chapters", out / "solutions")
    run = grade(out / "course", students, out / "source")
    print("\n" + score_table(run, list(students), refs))
    print("\n" + "\n".join(f"{ref}: executes in {seconds:.1f} s" for ref, seconds in timings.items()))
    found = problems(run, refs, out)
    print("\n" + ("\n".join(f"PROBLEM {p}" for p in found) if found else "all invariants hold"))
    print(f"\nscratch folder: {out}")
    return found
