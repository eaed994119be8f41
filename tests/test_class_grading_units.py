"""The parts of class grading that need no class run: caps, cleaning, options, the table."""

import json
import os

import nbformat
import pytest

import class_fixtures as cf
from helpers.course.grading import caps
from helpers.course import notebooks as nbs
from helpers.course.grading.classroom import (ClassRun, check_options, grade_assignments, limits_from,
                                      summary_table)
from helpers.course.grading.guarded import GuardedExecute
from helpers.course.grading.submissions import collect, students_of
from helpers.course.grading.task import Fault, TaskResult


@pytest.mark.parametrize("field, value", [("cell_timeout", 0), ("memory_bytes", -1),
                                          ("processes", 1.5), ("threads", True)])
def test_limits_name_the_bad_argument(field, value):
    with pytest.raises(ValueError, match=field):
        caps.Limits(**{field: value})


def test_the_notebook_cap_covers_a_cell():
    with pytest.raises(ValueError, match="notebook_timeout"):
        caps.Limits(cell_timeout=60, notebook_timeout=30)


def test_the_cell_timeout_keeps_its_stated_margin():
    assert caps.CELL_TIMEOUT_S >= 5 * caps.SLOWEST_SOLUTION_CELL_S
    assert caps.CELL_TIMEOUT_S < 600, "not nbgrader's 600 s"
    assert caps.NOTEBOOK_TIMEOUT_S >= 6 * caps.SLOWEST_SOLUTION_NOTEBOOK_S


def test_threads_are_shared_between_kernels():
    assert caps.threads_for(2, cores=2) == 1 and caps.threads_for(1, cores=8) == 8
    assert caps.threads_for(16, cores=2) == 1
    env = caps.kernel_environment(caps.Limits(threads=3), {"PYTEST_CURRENT_TEST": "x", "A": "b"})
    assert "PYTEST_CURRENT_TEST" not in env and env["A"] == "b"
    assert all(env[name] == "3" for name in caps.THREAD_VARIABLES)


@pytest.mark.parametrize("jobs, scheduler, says", [(0, None, "jobs"), ("2", None, "jobs"),
                                                    (2, "localhost:8786", "scheduler")])
def test_options_name_the_bad_argument(jobs, scheduler, says):
    with pytest.raises(ValueError, match=says):
        check_options(jobs, scheduler)
    with pytest.raises(ValueError, match=says):
        limits_from(jobs, scheduler)


def test_an_unknown_assignment_is_refused(tmp_path):
    with pytest.raises(ValueError, match="submitted"):
        grade_assignments(["99_none"], tmp_path, progress=False)
    (tmp_path / "submitted").mkdir()
    with pytest.raises(ValueError, match="source/99_none"):
        grade_assignments(["99_none"], tmp_path, progress=False)
    with pytest.raises(ValueError, match="submitted"):
        students_of(tmp_path / "nowhere", "01_a")


def test_a_stale_cgroup_of_a_live_process_is_kept():
    if caps.mechanisms() == ("RLIMIT_AS", "RLIMIT_NPROC"):
        pytest.skip("no writable cgroup v1 controllers here")
    cgroups = caps.KernelCgroups(caps.Limits())
    try:
        assert cgroups.folders and os.getpid() == int(cgroups.name.split("-")[2])
        caps.remove_stale_cgroups()
        assert all(folder.is_dir() for folder in cgroups.folders.values())
    finally:
        cgroups.remove()
    assert not any(folder.exists() for folder in cgroups.folders.values())


# --- cleaning a submission -------------------------------------------------------------

@pytest.fixture
def sources():
    return {cf.NOTEBOOK: cf.source_notebook(), "other": cf.source_notebook()}


def test_collect_names_what_it_finds(tmp_path, sources):
    folder = tmp_path / "ann" / cf.ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "Copy of notes.ipynb").write_text(nbformat.writes(cf.source_notebook()))
    (folder / "other.ipynb").write_text('{"cells": [')
    (folder / "timestamp.txt").write_text("not a date")
    (folder / "data.csv").write_text("a,b\n")
    found = collect(folder, "ann", sources)
    kinds = {(f.notebook, f.kind) for f in found.faults}
    assert ("other", "invalid notebook") in kinds
    assert (cf.NOTEBOOK, "renamed notebook") in kinds, "the only missing notebook that matches"
    assert ("", "invalid timestamp") in kinds and found.timestamp is None
    assert list(found.notebooks) == [cf.NOTEBOOK] and "data.csv" in found.other_files
    assert "line 1" in next(f.detail for f in found.faults if f.kind == "invalid notebook")


def test_an_ambiguous_notebook_is_not_guessed(tmp_path, sources):
    folder = tmp_path / "bo" / cf.ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "mine.ipynb").write_text(nbformat.writes(cf.source_notebook()))
    found = collect(folder, "bo", sources)
    kinds = sorted(f.kind for f in found.faults)
    assert kinds == ["missing notebook", "missing notebook", "unexpected notebook"], kinds
    assert found.notebooks == {}


def test_repeated_ids_are_dropped_and_named(tmp_path, sources):
    nb = cf.source_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("copy", metadata=cf.meta("double_tests", grade=True,
                                                                       locked=True, points=1)))
    folder = tmp_path / "cy" / cf.ASSIGNMENT
    nbs.write(nb, folder / f"{cf.NOTEBOOK}.ipynb")
    found = collect(folder, "cy", {cf.NOTEBOOK: cf.source_notebook()})
    assert [f.kind for f in found.faults] == ["duplicated grade_id"]
    cleaned = nbformat.reads(found.notebooks[cf.NOTEBOOK].decode(), as_version=4)
    assert [nbs.grade_id(c) for c in cleaned.cells].count("double_tests") == 1


# --- the summary -------------------------------------------------------------------------

def test_summary_table():
    run = ClassRun(course=None, assignment="00_faults", db_url="sqlite://", notebooks=["tiny"])
    good, bad = TaskResult("00_faults", "ann"), TaskResult("00_faults", "bo")
    good.scores = {"tiny": {"t": (2.0, 2.0, False), "w": (None, 1.0, True)}}
    bad.scores = {"tiny": {"t": (0.0, 2.0, False), "w": (0.0, 1.0, False)}}
    bad.faults = [Fault("bo", "tiny", "kernel died", "hazard: it exited with code 3")]
    run.results = {"ann": good, "bo": bad}
    lines = summary_table(run).splitlines()
    assert lines[0].split() == ["student", "tiny", "total", "faults"]
    assert lines[2].split() == ["ann", "2/3", "2/3", "-"]
    assert lines[3].split() == ["bo", "0/3", "0/3", "1"]
    assert str(bad.faults[0]) == "bo tiny: kernel died: hazard: it exited with code 3"


# --- a capped kernel ---------------------------------------------------------------------

def test_a_graded_kernel_runs_with_the_thread_caps(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = cf.KERNELSPEC
    nb.cells = [nbformat.v4.new_code_cell(
        "import json, os, torch\n"
        f"print(json.dumps([os.environ.get(v) for v in {list(caps.THREAD_VARIABLES)!r}]"
        " + [torch.get_num_threads()]))")]
    from traitlets.config import Config
    config = Config()
    config.CappedKernelManager.threads = 1
    GuardedExecute(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    printed = json.loads(nb.cells[0].outputs[0].text)
    assert printed == ["1"] * len(caps.THREAD_VARIABLES) + [1], printed


def guarded_run(tmp_path, *sources, timeout=5, notebook_timeout=60):
    from traitlets.config import Config

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = cf.KERNELSPEC
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    config = Config()
    config.GuardedExecute.timeout = timeout
    config.GuardedExecute.notebook_timeout = notebook_timeout
    config.GuardedExecute.fault_log = str(tmp_path / "faults.jsonl")
    GuardedExecute(config=config).preprocess(nb, {"nbgrader": {"notebook": "nb"},
                                                 "metadata": {"path": str(tmp_path)}})
    enames = [[o.get("ename") for o in cell.outputs if o.output_type == "error"] for cell in nb.cells]
    faults = [json.loads(line) for line in (tmp_path / "faults.jsonl").read_text().splitlines()]
    return enames, [f["kind"] for f in faults if f["kind"] != "stats"]


def test_the_notebook_cap_stops_the_notebook(tmp_path):
    enames, kinds = guarded_run(tmp_path, "import time\ntime.sleep(3)", "time.sleep(30)", "print(1)",
                                timeout=20, notebook_timeout=6)
    assert enames == [[], ["KeyboardInterrupt", "NotebookTimeoutError"], ["NotRunError"]], enames
    assert kinds == ["notebook cap"]


def test_a_kernel_that_ignores_the_interrupt_is_stopped(tmp_path):
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(10)\n"
                "    except KeyboardInterrupt:\n        pass")
    enames, kinds = guarded_run(tmp_path, "x = 1", stubborn, "print(x)", timeout=3)
    assert enames == [[], ["CellTimeoutError"], ["NotRunError"]], enames
    assert kinds == ["timeout"]
