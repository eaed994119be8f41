"""The library versions the course runs on: the pins of pyproject.toml and the oldest supported.

``[project] dependencies`` pins what ``make install`` gives; ``[tool.rnn-course.oldest]`` names
the oldest TensorFlow, Keras and PyTorch the notebooks support, which ``make oldest`` installs
in a second virtualenv (the other pins unchanged) to run nbval on every solution.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from helpers.course.nbgrader_runner import REPO

PYPROJECT = REPO / "pyproject.toml"
PIN = re.compile(r"([A-Za-z0-9_.-]+)==([^;\s]+)")


def _pyproject(pyproject: Path) -> dict:
    return tomllib.loads(Path(pyproject).read_text())


def pinned_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """``{"torch": "2.13.0", ...}``: every ``name==version`` dependency of pyproject.toml."""
    pins = (PIN.fullmatch(spec.strip()) for spec in _pyproject(pyproject)["project"]["dependencies"])
    return {match.group(1).lower(): match.group(2) for match in pins if match}


def oldest_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """``[tool.rnn-course.oldest]``: the oldest supported version of each framework."""
    oldest = _pyproject(pyproject).get("tool", {}).get("rnn-course", {}).get("oldest")
    if not oldest:
        raise ValueError(f"{pyproject} has no [tool.rnn-course.oldest] table of the oldest supported versions")
    unknown = sorted(set(oldest) - set(pinned_versions(pyproject)))
    if unknown:
        raise ValueError(f"[tool.rnn-course.oldest] names packages the project does not pin: {unknown}")
    return dict(oldest)


def oldest_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The project's dependencies with the frameworks at their oldest supported versions."""
    oldest = oldest_versions(pyproject)
    requirements = []
    for spec in _pyproject(pyproject)["project"]["dependencies"]:
        match = PIN.fullmatch(spec.strip())
        name = match.group(1).lower() if match else None
        requirements.append(f"{name}=={oldest[name]}" if name in oldest else spec)
    return requirements
