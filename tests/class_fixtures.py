"""A tiny synthetic assignment and a class of students who do everything wrong.

``00_faults/tiny.ipynb`` has an answer cell, a test cell (1 point), a "hazard"
answer cell where the fault students put what breaks things, a second test
cell (1 point) and a written answer (graded by hand). Each student below is a
submission folder; EXPECTED gives the autograded score of each test cell.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from helpers.course import notebooks as nbs
from helpers.course.nbgrader_runner import make_course, nbgrader

ASSIGNMENT, NOTEBOOK = "00_faults", "tiny"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    data = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
            "schema_version": 3, "task": False}
    if points is not None:
        data["points"] = points
    return {"nbgrader": data}


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.cells = [
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                  "    ### END SOLUTION", metadata=meta("double", solution=True)),
        nbformat.v4.new_code_cell("assert double(2) == 4, 'double(2) should be 4'",
                                  metadata=meta("double_tests", grade=True, locked=True, points=1)),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nvalue = 1\n### END SOLUTION",
                                  metadata=meta("hazard", solution=True)),
        nbformat.v4.new_code_cell("assert double(3) == 6, 'double(3) should be 6'",
                                  metadata=meta("after_tests", grade=True, locked=True, points=1)),
        nbformat.v4.new_markdown_cell("Why double?\n\n=== BEGIN MARK SCHEME ===\nany\n"
                                      "=== END MARK SCHEME ===",
                                      metadata=meta("why", solution=True, grade=True, points=1)),
    ]
    return nb


def make_source(folder: Path) -> Path:
    """``folder/00_faults/tiny.ipynb``; returns ``folder``."""
    nbs.write(source_notebook(), Path(folder) / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    return Path(folder)


def release(source_dir: Path, workdir: Path):
    """The student version of tiny.ipynb, made by nbgrader generate_assignment."""
    course = make_course(workdir, source_dir)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return nbs.read(course / "chapters" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")


GOOD = "def double(x):\n    return 2 * x"
HAZARDS = {
    "exit": "import os\nos._exit(3)",
    "segfault": "import ctypes\nctypes.string_at(0)",
    # touches each page; stops at 4 x 400 MiB, far below the machine's memory
    "memory-bomb": "chunks = []\nfor _ in range(32):\n    chunks.append(bytearray(b'\\x01') * (50 * 2**20))",
    "endless-loop": "while True:\n    pass",
    "fork-bomb": ("import os, time\nwhile True:\n    if os.fork() == 0:\n"
                  "        time.sleep(60)\n        os._exit(0)"),
    "thread-bomb": ("import threading, time\nthreads = []\nwhile True:\n"
                    "    t = threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
                    "    t.start()\n    threads.append(t)"),
}
# test cell scores (double_tests, after_tests) each student must get
EXPECTED = {
    "good": (1, 1), "partial": (1, 0),
    "exit": (1, 0), "segfault": (1, 0), "memory-bomb": (1, 0), "endless-loop": (1, 1),
    "fork-bomb": (1, 1), "thread-bomb": (1, 1), "duplicated": (1, 1), "deleted-test": (1, 1),
    "edited-test": (0, 0), "renamed": (1, 1), "missing": (0, 0), "invalid-json": (0, 0),
}
FAULT_KINDS = {  # the fault each student must be named with in the summary
    "exit": "kernel died", "segfault": "kernel died", "memory-bomb": "memory cap",
    "endless-loop": "timeout", "fork-bomb": "process cap", "thread-bomb": "process cap", "duplicated": "duplicated grade_id",
    "deleted-test": "deleted cell", "edited-test": "edited locked cell",
    "renamed": "renamed notebook", "missing": "missing notebook", "invalid-json": "invalid notebook",
}


def answered(release_nb, double=GOOD, hazard="value = 1", why=None):
    answers = {"double": double, "hazard": hazard, **({"why": why} if why else {})}
    return nbs.fill_answers(release_nb, answers)


def write_class(release_nb, submitted: Path, students=None) -> list[str]:
    """Write the fault class into ``submitted/<student>/00_faults/``; returns the students."""
    folder = {s: Path(submitted) / s / ASSIGNMENT for s in EXPECTED}
    files = {}
    for student in EXPECTED:
        nb = answered(release_nb, hazard=HAZARDS.get(student, "value = 1"))
        files[student] = {f"{NOTEBOOK}.ipynb": nbformat.writes(nb)}
    files["good"] = {f"{NOTEBOOK}.ipynb": nbformat.writes(answered(release_nb, why="To test."))}
    files["partial"] = {f"{NOTEBOOK}.ipynb": nbformat.writes(
        answered(release_nb, double="def double(x):\n    return x + 2"))}
    duplicated = answered(release_nb)
    duplicated.cells.insert(1, copy.deepcopy(duplicated.cells[1]))  # a copied test cell
    files["duplicated"] = {f"{NOTEBOOK}.ipynb": nbformat.writes(duplicated)}
    deleted = answered(release_nb)
    deleted.cells = [c for c in deleted.cells if nbs.grade_id(c) != "after_tests"]
    files["deleted-test"] = {f"{NOTEBOOK}.ipynb": nbformat.writes(deleted)}
    edited = answered(release_nb, double="def double(x):\n    return 0")
    for cell in edited.cells:
        if nbs.grade_id(cell) in ("double_tests", "after_tests"):
            cell.source = "pass  # tests? what tests?"
    files["edited-test"] = {f"{NOTEBOOK}.ipynb": nbformat.writes(edited)}
    files["renamed"] = {f"{NOTEBOOK} (1).ipynb": files["good"][f"{NOTEBOOK}.ipynb"]}
    files["missing"] = {"notes.txt": "I could not do it\n"}
    broken = json.dumps(nbformat.v4.new_notebook())[:-20]  # cut off mid-way
    files["invalid-json"] = {f"{NOTEBOOK}.ipynb": broken}
    chosen = list(students or EXPECTED)
    for student in chosen:
        folder[student].mkdir(parents=True, exist_ok=True)
        for name, text in files[student].items():
            (folder[student] / name).write_text(text)
        (folder[student] / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")
    return chosen
