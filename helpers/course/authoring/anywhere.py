"""Notebooks that open anywhere: the install cell every chapter starts with, and the course's address.

Opened outside the repository (Colab, Binder, a download), a chapter has no ``helpers`` to
import; its first code cell installs them, with the versions ``pyproject.toml`` pins, from the
repository. Where ``helpers`` is importable (the course's own environment, Binder, grading) the
cell does nothing. The repository's address is written once, in ``pyproject.toml``
(``[project.urls] Repository``); ``make build`` writes the cell into every ``source/`` notebook
from it, so ``chapters/`` and ``solutions/`` carry it too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import nbformat

from helpers.course import notebooks as nbs
from helpers.course.authoring.versions import pinned_versions
from helpers.course.nbgrader_runner import REPO

PYPROJECT = REPO / "pyproject.toml"
MARKER = "# Open anywhere:"
INSTALL_FROM = "RNN_COURSE_HELPERS"   # a pip requirement or folder to install helpers from instead
TRACK_LIBRARIES = {"keras": ("tensorflow", "keras"), "pytorch": ("torch",)}
LIBRARY_NAMES = {"tensorflow": "TensorFlow", "keras": "Keras", "torch": "PyTorch"}


def _project(pyproject: Path) -> dict:
    return tomllib.loads(Path(pyproject).read_text())["project"]


def repository_url(pyproject: Path = PYPROJECT) -> str:
    """The course's public repository: ``[project.urls] Repository`` of pyproject.toml."""
    urls = _project(pyproject).get("urls", {})
    if "Repository" not in urls:
        raise ValueError(f"{pyproject} has no [project.urls] Repository: the site and notebooks link to it")
    return urls["Repository"].rstrip("/")


def install_cell_source(track: str, pyproject: Path = PYPROJECT) -> str:
    """The first code cell of a ``track`` notebook: install ``helpers`` when it is missing."""
    if track not in TRACK_LIBRARIES:
        raise ValueError(f"track must be one of {sorted(TRACK_LIBRARIES)}, not {track!r}")
    versions = pinned_versions(pyproject)
    runs_on = " and ".join(f"{LIBRARY_NAMES[name]} {versions[name]}" for name in TRACK_LIBRARIES[track])
    requirement = f"rnn-course-helpers @ git+{repository_url(pyproject)}@main"
    return "\n".join([
        f"{MARKER} outside the course's environment (Colab, Binder, a download) this cell installs",
        "# the course's helpers and the versions they pin (a few minutes, once); where helpers is",
        f"# installed it does nothing. This notebook runs on {runs_on}.",
        "import importlib.util, os, subprocess, sys",
        'if importlib.util.find_spec("helpers") is None:',
        f'    _helpers = os.environ.get("{INSTALL_FROM}",',
        f'                              "{requirement}")',
        '    print(f"installing the course helpers from {_helpers} ...")',
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", _helpers], check=True)',
    ])


def is_install_cell(cell) -> bool:
    """Whether ``cell`` is the install cell (every notebook's first code cell)."""
    return cell.cell_type == "code" and cell.source.startswith(MARKER)


def with_install_cell(nb, track: str, pyproject: Path = PYPROJECT) -> bool:
    """Put the install cell first among ``nb``'s code cells (or bring it up to date); True if changed."""
    source = install_cell_source(track, pyproject)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if code and is_install_cell(code[0]):
        if code[0].source == source:
            return False
        code[0].source = source
        return True
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "open-anywhere"
    nb.cells.insert(nb.cells.index(code[0]) if code else len(nb.cells), cell)
    return True


def refresh_install_cells(source_dir: Path = REPO / "source", pyproject: Path = PYPROJECT) -> list[str]:
    """Write the install cell into every notebook of ``source_dir``; returns those it changed."""
    changed = []
    for ref in nbs.find_notebooks(source_dir):
        nb = nbs.read(ref.path(source_dir))
        if with_install_cell(nb, ref.name, pyproject):
            nbs.write(nb, ref.path(source_dir))
            changed.append(str(ref))
    return changed
