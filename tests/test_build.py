"""Invariants 1 and 2: chapters/ and solutions/ equal a fresh build, and the release leaks nothing."""

import pytest

from helpers.course import notebooks as nbs
from helpers.course.authoring.build import build

from course_paths import CHAPTERS, NOTEBOOKS, ONLY, SOLUTIONS, SOURCE

IDS = [str(ref) for ref in NOTEBOOKS]


def cell_view(nb):
    """What must match between builds: cell types, sources and metadata (not outputs)."""
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("fresh")
    build(SOURCE, out / "chapters", out / "solutions", run=False, only=ONLY or None,
          log=lambda *_: None)
    return out


def test_the_course_has_notebooks():
    assert NOTEBOOKS, "source/ holds no <assignment>/<notebook>.ipynb"


def files_below(folder):
    """Relative paths of the files of the tested assignments below ``folder``."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and (not ONLY or p.relative_to(folder).parts[0] in ONLY))


def test_same_files_as_a_fresh_build(fresh):
    for committed, rebuilt in ((CHAPTERS, fresh / "chapters"), (SOLUTIONS, fresh / "solutions")):
        assert files_below(committed) == files_below(rebuilt), (
            f"{committed.name}/ is out of date: run `make build`")


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
@pytest.mark.parametrize("folder", ["chapters", "solutions"])
def test_in_sync_with_source(ref, folder, fresh):
    committed = nbs.read(ref.path({"chapters": CHAPTERS, "solutions": SOLUTIONS}[folder]))
    rebuilt = nbs.read(ref.path(fresh / folder))
    assert cell_view(committed) == cell_view(rebuilt), (
        f"{folder}/{ref}.ipynb differs from a fresh build of source/: run `make build`")


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_release_leaks_nothing(ref):
    released = nbs.read(ref.path(CHAPTERS))
    text = "\n".join(c.source for c in released.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{ref}: the release still holds a '{marker}' marker"
    leaked = nbs.leaked_lines(nbs.read(ref.path(SOURCE)), released)
    assert not leaked, f"{ref}: solution or hidden-test lines leaked into the release: {leaked}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_release_has_no_outputs(ref):
    released = nbs.read(ref.path(CHAPTERS))
    with_output = [i for i, c in enumerate(released.cells)
                   if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_output, f"{ref}: released cells {with_output} carry outputs"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_solution_is_executed_without_errors(ref):
    solution = nbs.read(ref.path(SOLUTIONS))
    code = [c for c in solution.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), f"{ref}: solutions/ holds unexecuted cells"
    errors = [c.source.splitlines()[0] for c in code
              if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"{ref}: solution cells raised: {errors}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_source_has_no_outputs_and_unique_grade_ids(ref):
    source = nbs.read(ref.path(SOURCE))
    assert not any(c.get("outputs") for c in source.cells), f"source/{ref} has outputs: clear them"
    ids = [nbs.grade_id(c) for c in source.cells if nbs.grade_id(c)]
    assert len(ids) == len(set(ids)), f"source/{ref} repeats a grade_id: {ids}"
    assert any(nbs.is_autograded_test(c) for c in source.cells), f"source/{ref} has no test cell"
