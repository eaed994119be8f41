"""The exchange round trip of a class on one shared machine, both sides played here.

The instructor and the student are two Jupyter config folders and homes on this
machine, and the exchange's system-wide config (``/etc/jupyter`` on a real
machine) is a folder both read through ``JUPYTER_CONFIG_PATH``. Every step runs
the command the README gives.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from course_paths import CHAPTERS, REPO, SOLUTIONS
from helpers.course import notebooks as nbs
from helpers.course.grading.classroom import course_settings
from helpers.course.nbgrader_runner import environment, make_course
from nbgrader.api import Gradebook

ASSIGNMENT, STUDENT = "02_hidden_state", "ada"   # the quickest chapter to grade
WORKED = nbs.NotebookRef(ASSIGNMENT, "pytorch")     # the student answers this one, not keras


def run(cwd, *args, env) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"`{' '.join(args)}` failed in {cwd}:\n{output[-4000:]}"
    return output


def person(home, system_config) -> dict[str, str]:
    """The environment of one user: their home and Jupyter config, and the machine's config."""
    (home / ".jupyter").mkdir(parents=True, exist_ok=True)
    return {**environment(), "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_CONFIG_PATH": str(system_config)}


def answered(ref) -> nbs.NotebookNode:
    """The released notebook with the student's answers written in (the solutions' answer cells)."""
    nb, solved = nbs.read(ref.path(CHAPTERS)), nbs.cells_by_grade_id(nbs.read(ref.path(SOLUTIONS)))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = solved[meta["grade_id"]].source
    return nb


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exchange")
    course = make_course(tmp / "course")
    shutil.copytree(CHAPTERS / ASSIGNMENT, course / "chapters" / ASSIGNMENT)
    exchange, system = tmp / "exchange", tmp / "etc-jupyter"
    instructor, student = person(tmp / "instructor", system), person(tmp / STUDENT, system)
    home = tmp / STUDENT

    run(REPO, "helpers.course", "exchange", str(exchange), "--config", str(system), env=instructor)
    run(course, "nbgrader", "release_assignment", ASSIGNMENT, env=instructor)
    listed = run(home, "nbgrader", "list", env=student)
    run(home, "nbgrader", "fetch_assignment", ASSIGNMENT, env=student)
    nbs.write(answered(WORKED), WORKED.path(home))                       # the student works
    run(home, "nbgrader", "submit", ASSIGNMENT, f"--student={STUDENT}", env=student)
    run(course, "nbgrader", "collect", ASSIGNMENT, env=instructor)
    run(REPO, "helpers.course", "grade", ASSIGNMENT, "--course", str(course), "--jobs", "2", env=instructor)
    return course, exchange, home, listed


def test_the_exchange_folder_is_shared(round_trip):
    _, exchange, _, _ = round_trip
    assert stat.S_IMODE(os.stat(exchange).st_mode) == 0o777, "every user must be able to write into it"


def test_the_student_sees_and_fetches_the_released_assignment(round_trip):
    _, _, home, listed = round_trip
    assert f"{course_id()} {ASSIGNMENT}" in listed, listed
    assert sorted(p.name for p in (home / ASSIGNMENT).glob("*.ipynb")) == \
        sorted(p.name for p in (CHAPTERS / ASSIGNMENT).glob("*.ipynb"))


def test_the_collected_submission_is_graded_into_the_gradebook(round_trip):
    course, _, _, _ = round_trip
    assert (course / "submitted" / STUDENT / ASSIGNMENT / WORKED.filename).is_file()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id()) as gradebook:
        for ref in nbs.find_notebooks(course / "source"):
            if ref.assignment != ASSIGNMENT:
                continue
            notebook = gradebook.find_submission_notebook(ref.name, ASSIGNMENT, STUDENT)
            expected = notebook.max_code_score if ref == WORKED else 0   # answered, and left blank
            assert notebook.max_code_score > 0 and notebook.code_score == expected, \
                (str(ref), notebook.code_score, notebook.max_code_score)


def course_id() -> str:
    return course_settings(REPO)[1]
