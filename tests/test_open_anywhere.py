"""Open anywhere: a released chapter installs ``helpers`` itself where they are missing.

The end-to-end test runs a released chapter in a fresh virtualenv whose own site-packages
is empty. The course's third-party packages (Jupyter, TensorFlow, PyTorch, pip, setuptools)
are made visible to it by one ``.pth`` line naming the course venv's site-packages: Python
adds that folder to ``sys.path`` but does not run the ``.pth`` files inside it, so the
course venv's editable install of ``helpers`` stays invisible, and pip installs only into
the fresh venv (it never uninstalls outside the environment it runs in). With no network
(``PIP_NO_INDEX``), the first cell must install ``helpers`` from a copy of this checkout
(``RNN_COURSE_HELPERS``), and the chapter then runs to its first exercise. About 45 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from course_paths import CHAPTERS, REPO, SOURCE
from helpers.course import notebooks as nbs
from helpers.course.authoring import anywhere

RUN_TO_FIRST_EXERCISE = textwrap.dedent("""
    import sys, nbformat
    from nbclient import NotebookClient
    path, out, kernel = sys.argv[1:]
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, cell in enumerate(nb.cells) if cell.metadata.get("nbgrader", {}).get("solution"))
    nb.cells = nb.cells[:first] + [nbformat.v4.new_code_cell("import helpers; print(helpers.__file__)")]
    NotebookClient(nb, kernel_name=kernel, timeout=300).execute()
    nbformat.write(nb, out)
""")


def _first_code_cell(nb):
    return next(cell for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("folder", [SOURCE, CHAPTERS], ids=["source", "chapters"])
def test_every_notebook_starts_with_the_install_cell_of_its_track(folder):
    stale = [str(ref) for ref in nbs.find_notebooks(folder)
             if _first_code_cell(nbs.read(ref.path(folder))).source != anywhere.install_cell_source(ref.name)]
    assert not stale, f"run make build: these notebooks lack the current install cell: {stale}"


def test_the_install_cell_names_the_repository_and_the_versions():
    cell = anywhere.install_cell_source("keras")
    assert f"git+{anywhere.repository_url()}@main" in cell
    versions = anywhere.pinned_versions()
    assert f"TensorFlow {versions['tensorflow']} and Keras {versions['keras']}" in cell
    assert f"PyTorch {versions['torch']}" in anywhere.install_cell_source("pytorch")
    with pytest.raises(ValueError, match="track must be one of"):
        anywhere.install_cell_source("jax")


def test_the_install_cell_does_nothing_where_helpers_is_installed(tmp_path):
    env = {**os.environ, anywhere.INSTALL_FROM: str(tmp_path / "nowhere"), "PIP_NO_INDEX": "1"}
    done = subprocess.run([sys.executable, "-c", anywhere.install_cell_source("pytorch")], env=env,
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_a_missing_repository_address_is_named(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = []\n')
    with pytest.raises(ValueError, match=r"no \[project.urls\] Repository"):
        anywhere.repository_url(pyproject)


def test_a_released_chapter_installs_helpers_in_a_fresh_venv_and_runs_to_its_first_exercise(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    fresh_site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip()
    (Path(fresh_site) / "course_venv_view.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    checkout = tmp_path / "checkout"   # what the repository URL would give: helpers and its pins
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, checkout / name)
    shutil.copytree(REPO / "helpers", checkout / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update({anywhere.INSTALL_FROM: str(checkout), "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    work = tmp_path / "work"
    work.mkdir()
    missing = subprocess.run([python, "-c", "import helpers"], env=env, cwd=work, capture_output=True, text=True)
    assert "No module named 'helpers'" in missing.stderr, "the fresh venv sees helpers before the install"
    subprocess.run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "fresh"], env=env,
                   cwd=work, check=True, capture_output=True)
    chapter = work / "pytorch.ipynb"
    shutil.copy(CHAPTERS / "01_sequential_data" / "pytorch.ipynb", chapter)
    ran = subprocess.run([python, "-c", RUN_TO_FIRST_EXERCISE, chapter, work / "ran.ipynb", "fresh"],
                         env=env, cwd=work, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, f"the chapter stopped before its first exercise:\n{ran.stderr[-3000:]}"
    nb = nbs.read(work / "ran.ipynb")
    assert f"installing the course helpers from {checkout}" in nbs.output_text(_first_code_cell(nb))
    assert nbs.output_text(nb.cells[-1]).strip().startswith(str(venv)), "helpers came from elsewhere"
