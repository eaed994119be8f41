"""``python -m helpers.course preview NN_name``: try one chapter end to end, away from the repo.

For chapter authors: builds the chapter's release and solutions into a
scratch folder, autogrades the perfect, blank and mistaken students, and
reports every invariant the tests will check, without touching chapters/,
solutions/ or the repository's gradebook.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from helpers.course.authoring import invariants
from helpers.course import notebooks as nbs
from helpers.course.authoring.build import build
from helpers.course.authoring.demo import score_table
from helpers.course.authoring.students import grade, standard_students
from helpers.course.nbgrader_runner import REPO


def problems(run, refs, out: Path) -> list[str]:
    """Each broken invariant of a preview build and its grading run, as a sentence
    (the checks tests/test_grading.py runs: helpers.course.authoring.invariants)."""
    return invariants.all_problems(run, refs, out / "source", out / "chapters")


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
    run = grade(out / "course", students, out / "source", jobs=os.cpu_count() or 1)
    print("\n" + score_table(run, list(students), refs))
    print("\n" + "\n".join(f"{ref}: executes in {seconds:.1f} s" for ref, seconds in timings.items()))
    found = problems(run, refs, out)
    found += [f"grading fault: {fault}" for cls in run.classes.values() for fault in cls.faults]
    print("\n" + ("\n".join(f"PROBLEM {p}" for p in found) if found else "all invariants hold"))
    print(f"\nscratch folder: {out}")
    return found
