"""Run nbgrader in a course folder built from this repository's configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# the course's nbgrader settings: this checkout's, or, where helpers is installed as a package
# (make course-env), the copy the environment keeps
ENV_CONFIG = Path(sys.prefix) / "etc" / "rnn-course" / "nbgrader_config.py"
ROOT_CONFIG = REPO / "nbgrader_config.py" if (REPO / "nbgrader_config.py").exists() else ENV_CONFIG


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


def ensure_bin_on_path() -> None:
    """Put this Python's bin first on PATH: nbgrader runs ``alembic`` for a new gradebook."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def environment() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin first (nbgrader calls alembic)."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TQDM_DISABLE", "1")  # graded notebooks print no progress bars
    # ipykernel stops capturing C-level output when it sees pytest's variable, so
    # kernels graded inside the test suite would be quieter than a real grading run.
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def make_course(root: Path, source_dir: Path = REPO / "source") -> Path:
    """A fresh course folder at ``root`` with its own gradebook and a copy of source/."""
    root = Path(root).resolve()
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(source_dir, root / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(ROOT_CONFIG)!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}\n")
    return root


def nbgrader(course: Path, *args: str, strict: bool = True) -> str:
    """Run ``nbgrader *args`` in ``course``; return its output or raise NbgraderError.

    ``strict`` also fails on logged errors; autograde logs one for every
    notebook that raised, which a blank submission does by design.
    """
    cmd = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(cmd, cwd=course, env=environment(), capture_output=True, text=True)
    output = done.stdout + done.stderr
    if done.returncode != 0 or (strict and "[ERROR]" in output):
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed in {course}:\n{output[-6000:]}")
    return output
