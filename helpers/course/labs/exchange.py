"""The nbgrader exchange for a class on one shared machine or JupyterHub.

The instructor releases an assignment into the exchange folder, each student
fetches it, works and submits it back, and the instructor collects the
submissions into ``submitted/`` and grades them (``make grade``). Every user's
nbgrader must know the folder and the course id: :func:`setup_exchange` makes the
folder and writes a system-wide ``nbgrader_config.py`` that says both
(``/etc/jupyter`` is read by every user's Jupyter).
"""

from __future__ import annotations

import os
from pathlib import Path

HEADER = "# nbgrader exchange of the RNN course, written by `python -m helpers.course exchange`\n"
# nbgrader's release_assignment wants exactly rwxrwxrwx on the exchange root (it resets other modes)
EXCHANGE_MODE = 0o777


def student_config(root: Path, course_id: str, extra: str = "") -> str:
    """The ``nbgrader_config.py`` every user of the machine reads (``extra``: more lines)."""
    return (HEADER + "c = get_config()  # noqa: F821\n"
            f"c.Exchange.root = {str(root)!r}\n"
            f"c.CourseDirectory.course_id = {course_id!r}\n" + extra)


def setup_exchange(root: Path, config_folder: Path | None = None, course_id: str | None = None,
                   extra: str = "") -> str:
    """Make the exchange folder ``root`` (world-writable, as nbgrader wants it) and write the
    config into ``config_folder``; returns the config text.

    An existing ``nbgrader_config.py`` there is replaced only if this command wrote it.
    """
    if course_id is None:
        from helpers.course.grading.classroom import course_settings
        from helpers.course.nbgrader_runner import REPO
        course_id = course_settings(REPO)[1]
    if not course_id or "+" in course_id or "/" in course_id:
        raise ValueError(f"course_id must be a plain name (no '+' or '/'), got {course_id!r}")
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, EXCHANGE_MODE)
    text = student_config(root, course_id, extra)
    if config_folder is not None:
        target = Path(config_folder) / "nbgrader_config.py"
        if target.exists() and not target.read_text().startswith(HEADER):
            raise FileExistsError(f"{target} exists and was not written by this command: add these "
                                  f"lines to it yourself:\n{text}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return text
