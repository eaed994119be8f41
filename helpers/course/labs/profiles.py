"""The course's two JupyterLabs: the student's (``make lab``) and the instructor's (``make formgrader``).

nbgrader installs all its tools into every JupyterLab of the environment: the
"Create Assignment" panel, the Nbgrader menu (Formgrader, Course List,
Assignment List) and their server extensions. A student then sees the
instructor's tools and exchange errors; an instructor on one machine sees the
student's Assignment List. Each lab runs with its own Jupyter config folder
(``JUPYTER_CONFIG_DIR``) that turns off what its user does not need, and
JupyterLab's news popup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
_PLUGIN = "@jupyter/nbgrader:"
_SERVER_EXTENSION = "nbgrader.server_extensions."


@dataclass(frozen=True)
class Lab:
    """One JupyterLab of the course: which nbgrader plugins and server extensions it turns off."""

    name: str                                   # its config folder under <prefix>/etc/rnn-course
    disabled_plugins: tuple[str, ...]           # lab plugins, by id
    disabled_server_extensions: tuple[str, ...]  # server extensions, by module

    def config_dir(self, prefix: Path | str = sys.prefix) -> Path:
        """Where this lab's Jupyter config lives in the environment at ``prefix``."""
        return Path(prefix) / "etc" / "rnn-course" / self.name

    def write_config(self, folder: Path | str | None = None) -> Path:
        """Write this lab's Jupyter config into ``folder`` (default: :meth:`config_dir`)."""
        folder = Path(folder) if folder is not None else self.config_dir()
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        disabled = {plugin: True for plugin in self.disabled_plugins}
        (folder / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": disabled}, indent=2) + "\n")
        extensions = {name: False for name in self.disabled_server_extensions}
        (folder / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": extensions}}, indent=2) + "\n")
        return folder

    def command(self, root: Path, port: int | None = None, token: str | None = None,
                open_browser: bool = True) -> list[str]:
        """The ``jupyter lab`` command serving ``root``; run it with ``cwd=root`` and
        :meth:`environment` (the formgrader reads ``nbgrader_config.py`` from the cwd)."""
        jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
        cmd = [jupyter, "lab", f"--ServerApp.root_dir={Path(root).resolve()}"]
        if port is not None:
            cmd += ["--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0"]
        if token is not None:
            cmd.append(f"--IdentityProvider.token={token}")
        if not open_browser:
            cmd.append("--no-browser")
        if hasattr(os, "getuid") and os.getuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def environment(self, config_dir: Path | None = None, base: dict | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with this lab's config folder."""
        folder = config_dir if config_dir is not None else self.config_dir()
        return {**(os.environ if base is None else base), "JUPYTER_CONFIG_DIR": str(folder)}


# The student keeps notebooks and Validate (":validate-assignment" and its server extension).
STUDENT = Lab(
    "student-lab",
    disabled_plugins=(*(_PLUGIN + p for p in ("create-assignment", "formgrader", "course-list",
                                              "assignment-list", "menu")), NEWS_PLUGIN),
    disabled_server_extensions=tuple(_SERVER_EXTENSION + e for e in ("formgrader", "course_list",
                                                                     "assignment_list")))

# A student on a JupyterHub also fetches, submits and fetches feedback in the browser: the
# student lab plus the Assignment List (its panel, the Nbgrader menu that opens it, its server
# extension). Without a hub the exchange is not set up, so ``make lab`` keeps it off.
HUB_STUDENT = Lab(
    "hub-student-lab",
    disabled_plugins=(*(_PLUGIN + p for p in ("create-assignment", "formgrader", "course-list")),
                      NEWS_PLUGIN),
    disabled_server_extensions=tuple(_SERVER_EXTENSION + e for e in ("formgrader", "course_list")))

# The instructor keeps the formgrader, Create Assignment, the menu and Validate; the
# Assignment List (a student's tool) and the Course List (JupyterHub's many courses) go.
INSTRUCTOR = Lab(
    "instructor-lab",
    disabled_plugins=(*(_PLUGIN + p for p in ("course-list", "assignment-list")), NEWS_PLUGIN),
    disabled_server_extensions=tuple(_SERVER_EXTENSION + e for e in ("course_list", "assignment_list")))


def nbgrader_plugins(lab: Lab) -> tuple[str, ...]:
    """The nbgrader plugin ids ``lab`` disables."""
    return tuple(p for p in lab.disabled_plugins if p.startswith(_PLUGIN))


def check_course(course: Path) -> Path:
    """``course`` resolved, if it is an nbgrader course folder; else a ValueError that says
    how to get one. Warns (on stdout) when it has no gradebook yet."""
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ValueError(f"course {course} has no nbgrader_config.py: give the course folder "
                         "(this repository, or demo-course/ after `make demo`)")
    if not (course / "gradebook.db").exists() and not os.environ.get("RNN_COURSE_DB"):
        print(f"note: {course} has no gradebook.db yet, so the formgrader lists no submissions: "
              "grade a class first (make grade ASSIGNMENT=...), or run `make demo` and then "
              "`make formgrader COURSE=demo-course`")
    return course


def run(lab: Lab, root: Path, port: int | None = None) -> int:
    """Write ``lab``'s config and run its JupyterLab on ``root`` until it stops."""
    config = lab.write_config()
    print(f"{lab.name}: JupyterLab on {root}, config {config}")
    return subprocess.call(lab.command(root, port), cwd=root, env=lab.environment(config))
