"""The student's JupyterLab (``make lab``): only what a student uses.

nbgrader installs its instructor tools into every JupyterLab of the environment:
the "Create Assignment" panel, the Nbgrader menu (Formgrader, Course List,
Assignment List) and their server extensions, which a student sees with errors
("The exchange directory does not exist"). The student lab runs with its own
Jupyter config folder (``JUPYTER_CONFIG_DIR``) that turns them off, keeps the
Validate button, and turns off JupyterLab's news popup.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# lab plugins of @jupyter/nbgrader a student must not see (":validate-assignment" stays)
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                      "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list",
                      "@jupyter/nbgrader:menu")
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
# server extensions behind them ("validate_assignment" stays, for the Validate button)
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list",
                                "nbgrader.server_extensions.assignment_list")


def config_dir(prefix: Path | str = sys.prefix) -> Path:
    """Where the student lab's Jupyter config lives in the environment at ``prefix``."""
    return Path(prefix) / "etc" / "rnn-course" / "student-lab"


def write_config(folder: Path | str | None = None) -> Path:
    """Write the student lab's Jupyter config into ``folder`` (default: :func:`config_dir`)."""
    folder = Path(folder) if folder is not None else config_dir()
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    disabled = {plugin: True for plugin in (*INSTRUCTOR_PLUGINS, NEWS_PLUGIN)}
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": disabled}, indent=2) + "\n")
    extensions = {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}
    (folder / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": extensions}}, indent=2) + "\n")
    return folder
