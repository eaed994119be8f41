"""pyproject.toml and environment.yml install the same pinned versions."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    # the hub extra is the JupyterHub server's (make course-env), not a student's environment:
    # Binder's repo2docker brings its own JupyterHub
    requirements = project["dependencies"] + [
        req for name, extra in project["optional-dependencies"].items() if name != "hub"
        for req in extra]
    return dict(req.split("==") for req in requirements)


def conda_pins() -> tuple[str, dict[str, str]]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return python.split("=")[1], dict(r.split("==") for r in pip if "==" in r)


def test_every_requirement_is_pinned_exactly():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    loose = [r for r in project["dependencies"] if not re.fullmatch(r"[\w.-]+==[\w.+]+", r)]
    assert not loose, f"pin these with ==: {loose}"


def test_environment_yml_pins_match_pyproject():
    python, pins = conda_pins()
    assert pins == pyproject_pins(), (
        "environment.yml and pyproject.toml disagree: "
        f"{set(pins.items()) ^ set(pyproject_pins().items())}")


def test_python_versions_agree():
    python, _ = conda_pins()
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={python}", f"requires-python {requires} vs environment.yml python={python}"


def test_torch_is_the_cpu_build_on_disk():
    assert pyproject_pins()["torch"] == "2.13.0", "torch must stay pinned to 2.13.0 (CPU build)"


def test_jupyter_processes_do_not_compile_iri_grammars_at_import():
    """jsonschema 4.25+ imports rfc3987_syntax, which compiles 39 lark grammars (4-8 s here)
    in every process that validates a notebook: every grading worker and nbgrader command."""
    import subprocess
    import sys

    code = "import sys, nbformat.validator; print('rfc3987_syntax' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", "pin jsonschema below 4.25 (pyproject.toml says why)"


def test_the_longest_first_modules_exist():
    """make test starts these first (conftest.py): a renamed one would silently start last."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", REPO / "conftest.py")
    root_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root_conftest)
    missing = [module for module in root_conftest.LONGEST_FIRST if not (REPO / module).is_file()]
    assert not missing, f"conftest.LONGEST_FIRST names modules that do not exist: {missing}"
