"""The oldest supported versions (pyproject [tool.rnn-course.oldest]) that make oldest installs."""

import pytest

from helpers.course.authoring import versions

PYPROJECT = """
[project]
name = "x"
dependencies = ["torch==2.13.0", "tensorflow==2.21.0", "keras==3.15.1", "numpy==2.4.6", "jsonschema>=4"]
"""


def _pyproject(tmp_path, text):
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


def test_the_frameworks_are_swapped_for_their_oldest_and_nothing_else(tmp_path):
    path = _pyproject(tmp_path, PYPROJECT + '[tool.rnn-course.oldest]\ntensorflow = "2.20.0"\nkeras = "3.10.0"\n')
    assert versions.oldest_requirements(path) == [
        "torch==2.13.0", "tensorflow==2.20.0", "keras==3.10.0", "numpy==2.4.6", "jsonschema>=4"]


def test_the_course_names_an_oldest_version_for_each_framework():
    oldest, pinned = versions.oldest_versions(), versions.pinned_versions()
    assert set(oldest) == {"tensorflow", "keras", "torch"}
    for name, version in oldest.items():
        as_numbers = [tuple(int(part) for part in v.split("+")[0].split(".")) for v in (version, pinned[name])]
        assert as_numbers[0] <= as_numbers[1], f"the oldest {name} {version} is newer than the pin"


def test_a_missing_or_unknown_oldest_table_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"no \[tool.rnn-course.oldest\] table"):
        versions.oldest_versions(_pyproject(tmp_path, PYPROJECT))
    unknown = _pyproject(tmp_path, PYPROJECT + '[tool.rnn-course.oldest]\njax = "0.4"\n')
    with pytest.raises(ValueError, match=r"does not pin: \['jax'\]"):
        versions.oldest_versions(unknown)
