"""Each lab's config turns off the nbgrader tools its user does not need, and keeps the rest."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course.labs import profiles as labs

LABEXTENSION = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"


def server_extensions(config_dir: Path) -> dict[str, bool]:
    """Whether each nbgrader server extension is on under ``config_dir``. `jupyter server
    extension list` lists every config folder, the user's (``JUPYTER_CONFIG_DIR``) first,
    and the first one that names an extension decides (as the server itself does)."""
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "server", "extension", "list"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir)})
    states = {}
    for line in (done.stdout + done.stderr).splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].startswith("nbgrader.server_extensions."):
            if words[0] in states:
                continue
            if "disabled" in words[1]:      # (the validation lines say "OK")
                states[words[0]] = False
            elif "enabled" in words[1]:
                states[words[0]] = True
    return states


def test_the_student_lab_has_no_instructor_server_extensions(tmp_path):
    states = server_extensions(labs.STUDENT.write_config(tmp_path))
    assert states, "jupyter server extension list shows no nbgrader extension at all"
    for name in labs.STUDENT.disabled_server_extensions:
        assert states.get(name) is False, f"{name} is still enabled in the student lab: {states}"
    assert states.get("nbgrader.server_extensions.validate_assignment") is True, states
    assert "nbgrader.server_extensions.formgrader" in labs.STUDENT.disabled_server_extensions


def test_the_instructor_lab_keeps_the_formgrader_and_drops_the_student_tools(tmp_path):
    states = server_extensions(labs.INSTRUCTOR.write_config(tmp_path))
    assert states.get("nbgrader.server_extensions.formgrader") is True, states
    assert states.get("nbgrader.server_extensions.assignment_list") is False, states


def test_without_it_the_instructor_tools_are_on(tmp_path):
    """The control: nbgrader enables them for every server of the environment."""
    states = server_extensions(tmp_path / "empty")
    assert all(states.get(name) for name in labs.STUDENT.disabled_server_extensions), states


@pytest.mark.parametrize("lab", [labs.STUDENT, labs.INSTRUCTOR], ids=lambda lab: lab.name)
def test_the_disabled_plugins_exist_in_the_installed_nbgrader(lab, tmp_path):
    """A renamed plugin would silently stay on: each disabled id must be nbgrader's."""
    bundled = "\n".join(p.read_text(errors="ignore") for p in (LABEXTENSION / "static").glob("*.js"))
    for plugin in labs.nbgrader_plugins(lab):
        assert f'"{plugin}"' in bundled or f"'{plugin}'" in bundled, f"{plugin} is not in {LABEXTENSION}"
    page = json.loads((lab.write_config(tmp_path) / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(lab.disabled_plugins)
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]
