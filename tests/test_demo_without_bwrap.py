"""``make demo`` on a machine without bubblewrap: it grades anyway and says why in one line.

The demo grades the course's own example students, so a missing sandbox is no reason
to stop there; ``grade`` (a real class) still refuses to run unsandboxed unless asked
with ``--no-sandbox`` (the control). Both run as the commands do, in a process whose
PATH holds everything of this machine's PATH except ``bwrap``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course import notebooks as nbs

REPO = Path(__file__).resolve().parents[1]
REF = nbs.NotebookRef("01_sequential_data", "pytorch")
DEMO = ("import sys; from pathlib import Path; from helpers.course import notebooks as nbs; "
        "from helpers.course.authoring.demo import run_demo; "
        "run_demo(Path(sys.argv[1]), refs=[nbs.NotebookRef('01_sequential_data', 'pytorch')])")


def path_without_bwrap(farm: Path) -> str:
    """A PATH with this one's programs but no ``bwrap``: the venv's bin as it is (its python
    must stay in the venv), every other program as a link in ``farm``."""
    venv_bin = Path(sys.executable).parent
    farm.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not folder or Path(folder) == venv_bin or not Path(folder).is_dir():
            continue
        for program in Path(folder).iterdir():
            link = farm / program.name
            if program.name != "bwrap" and not link.exists() and not link.is_symlink():
                link.symlink_to(program)
    return f"{venv_bin}{os.pathsep}{farm}"


@pytest.fixture(scope="module")
def no_bwrap(tmp_path_factory):
    """The environment of a machine without bubblewrap, and a scratch folder."""
    tmp = tmp_path_factory.mktemp("no-bwrap")
    env = {**os.environ, "PATH": path_without_bwrap(tmp / "bin"), "PYTHONPATH": str(REPO)}
    found = subprocess.run(["sh", "-c", "command -v bwrap"], env=env, capture_output=True, text=True)
    assert found.stdout == "", f"bwrap is still on the stripped PATH: {found.stdout}"
    return env, tmp


@pytest.fixture(scope="module")
def demo(no_bwrap):
    env, tmp = no_bwrap
    done = subprocess.run([sys.executable, "-c", DEMO, str(tmp / "demo-course")], env=env,
                          capture_output=True, text=True, timeout=900, cwd=REPO)
    return done, tmp / "demo-course"


def test_the_demo_grades_without_bwrap_and_says_why_in_one_line(demo):
    done, course = demo
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    said = [line for line in done.stdout.splitlines() if "WITHOUT the sandbox" in line]
    assert len(said) == 1, done.stdout
    assert "bubblewrap is not installed" in said[0]
    table = done.stdout.split("Autograded points")[1]
    row = next(line.split() for line in table.splitlines() if line.startswith(str(REF)))
    perfect, blank = row[1], row[2]
    assert perfect.split("/")[0] == perfect.split("/")[1] != "0", table   # full marks
    assert blank.startswith("0/"), table
    assert (course / "gradebook.db").is_file()


def test_grade_still_refuses_to_grade_a_class_unsandboxed(demo, no_bwrap):
    """The control: the same machine, the real class command, no --no-sandbox."""
    env, _ = no_bwrap
    _, course = demo
    done = subprocess.run([sys.executable, "-m", "helpers.course", "grade", REF.assignment,
                           "--course", str(course)], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot sandbox the kernels" in done.stderr and "--no-sandbox" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
