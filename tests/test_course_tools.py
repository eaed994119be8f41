"""Unit tests for helpers.course: notebook surgery, mistakes, workspace, tables."""

import nbformat
import pytest

from helpers.course.measuring import bench
from helpers.course.authoring import mistakes
from helpers.course import notebooks as nbs
from helpers.course.authoring.demo import score_table
from helpers.course.authoring.students import CellGrade, GradingRun
from helpers.course.nbgrader_runner import REPO
from helpers.course.labs.workspace import clean_submissions, sync_workspace

ANSWER = {"nbgrader": {"grade_id": "f_answer", "solution": True, "grade": False,
                       "locked": False, "schema_version": 3, "task": False}}
TESTS = {"nbgrader": {"grade_id": "f_tests", "solution": False, "grade": True, "points": 2,
                      "locked": True, "schema_version": 3, "task": False}}


def notebook(answer="def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
                nbformat.v4.new_code_cell(answer, metadata=ANSWER),
                nbformat.v4.new_code_cell("assert f(1) == 2", metadata=TESTS)]
    return nb


def test_solution_source_drops_only_the_markers():
    assert nbs.solution_source(notebook().cells[1]) == "def f(x):\n    return x + 1"


def test_region_lines():
    src = "a\n### BEGIN HIDDEN TESTS\nb\nc\n### END HIDDEN TESTS\nd"
    assert nbs.region_lines(src, nbs.BEGIN_HIDDEN, nbs.END_HIDDEN) == ["b", "c"]


def test_solved_fills_answer_cells_from_source():
    release = notebook("def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()")
    solved = nbs.solved(release, notebook())
    assert solved.cells[1].source == "def f(x):\n    return x + 1"
    assert "NotImplementedError" in release.cells[1].source, "the release must not change"


def test_cell_kinds():
    nb = notebook()
    assert nbs.is_answer(nb.cells[1]) and not nbs.is_autograded_test(nb.cells[1])
    assert nbs.is_autograded_test(nb.cells[2]) and not nbs.is_answer(nb.cells[2])
    assert nbs.grade_id(nb.cells[0]) is None


def test_deduplicate_grade_ids_keeps_the_first():
    nb = notebook()
    nb.cells.append(nbformat.v4.new_code_cell("copy", metadata=dict(TESTS)))
    assert nbs.deduplicate_grade_ids(nb) == ["f_tests"]
    assert nbs.grade_id(nb.cells[2]) == "f_tests" and nbs.grade_id(nb.cells[3]) is None


def test_output_text_strips_colours():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="bad shape",
                                           traceback=["\x1b[31mAssertionError\x1b[39m: bad shape"])]
    assert "\x1b" not in nbs.output_text(cell) and "AssertionError: bad shape" in nbs.output_text(cell)


def test_clear_outputs_copies():
    nb = notebook()
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[2].execution_count = 3
    blank = nbs.clear_outputs(nb)
    assert blank.cells[2].outputs == [] and blank.cells[2].execution_count is None
    assert nb.cells[2].outputs, "the original keeps its outputs"


def test_find_notebooks(tmp_path):
    (tmp_path / "02_b").mkdir()
    (tmp_path / "01_a").mkdir()
    for path in ("02_b/keras.ipynb", "01_a/torch.ipynb", "01_a/keras.ipynb"):
        nbformat.write(notebook(), str(tmp_path / path))
    refs = nbs.find_notebooks(tmp_path)
    assert [str(r) for r in refs] == ["01_a/keras", "01_a/torch", "02_b/keras"]
    assert nbs.assignments(refs) == ["01_a", "02_b"]
    with pytest.raises(FileNotFoundError, match="source_dir"):
        nbs.find_notebooks(tmp_path / "missing")


MISTAKES_TOML = '''
[[mistakes]]
name = "adds two"
cell = "f_answer"
loses = ["f_tests"]
says = "add one"
code = """
def f(x):
    return x + 2
"""

[[mistakes]]
name = "returns x"
cell = "f_answer"
loses = ["f_tests"]
says = "add one"
code = "def f(x):\\n    return x"
'''


def write_mistakes(tmp_path, text=MISTAKES_TOML):
    (tmp_path / "01_a").mkdir(parents=True, exist_ok=True)
    (tmp_path / "01_a" / "keras.toml").write_text(text)
    return nbs.NotebookRef("01_a", "keras")


def test_mistakes_on_one_cell_go_to_separate_rounds(tmp_path):
    ref = write_mistakes(tmp_path)
    found = mistakes.load(ref, tmp_path)
    assert [m.name for m in found] == ["adds two", "returns x"]
    assert [[m.name for m in group] for group in mistakes.rounds(found)] == [["adds two"], ["returns x"]]
    applied = mistakes.apply(nbs.solved(notebook(), notebook()), [found[0]])
    assert applied.cells[1].source == "def f(x):\n    return x + 2"


def test_mistakes_file_errors(tmp_path):
    ref = write_mistakes(tmp_path, '[[mistakes]]\nname = "x"\n')
    with pytest.raises(ValueError, match="lacks cell, loses, says, code"):
        mistakes.load(ref, tmp_path)
    assert mistakes.load(nbs.NotebookRef("09_none", "keras"), tmp_path) == []
    wrong = mistakes.Mistake(ref, "n", "nope_answer", ("f_tests",), "s", "pass")
    with pytest.raises(ValueError, match="nope_answer"):
        mistakes.apply(notebook(), [wrong])


def test_workspace_never_overwrites_student_work(tmp_path, capsys):
    release, work = tmp_path / "chapters", tmp_path / "work"
    (release / "01_a").mkdir(parents=True)
    (release / "01_a" / "keras.ipynb").write_text("released")
    assert len(sync_workspace(release, work)) == 1
    (work / "01_a" / "keras.ipynb").write_text("my answers")
    (release / "01_a" / "torch.ipynb").write_text("new chapter")
    assert sync_workspace(release, work) == [work / "01_a" / "torch.ipynb"]
    assert (work / "01_a" / "keras.ipynb").read_text() == "my answers"
    with pytest.raises(FileNotFoundError, match="make build"):
        sync_workspace(tmp_path / "nothing", work)


def test_clean_submissions(tmp_path):
    nb = notebook()
    nb.cells.append(nbformat.v4.new_code_cell("copied", metadata=dict(TESTS)))
    path = tmp_path / "alice" / "01_a" / "keras.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, str(path))
    assert clean_submissions(tmp_path) == {path: ["f_tests"]}
    assert clean_submissions(tmp_path) == {}
    with pytest.raises(FileNotFoundError, match="folder"):
        clean_submissions(tmp_path / "missing")


def test_score_table():
    ref = nbs.NotebookRef("01_a", "keras")
    run = GradingRun(course=None)
    run.grades = {("perfect", "01_a/keras"): {"t": CellGrade("t", 2.0, 2.0, "")},
                  ("blank", "01_a/keras"): {"t": CellGrade("t", 0.0, 2.0, "")}}
    text = score_table(run, ["perfect", "blank", "mistakes-3"], [ref])
    assert text.splitlines()[0].split() == ["notebook", "perfect", "blank", "mistakes-3"]
    assert text.splitlines()[2].split() == ["01_a/keras", "2/2", "0/2", "-"], (
        "a student without this notebook shows a dash")
    assert text.splitlines()[3].split() == ["total", "2/2", "0/2", "0/0"]


def test_bench_table_and_readme(tmp_path):
    text = bench.table({"01_a/keras": 10.0, "01_a/torch": 40.0}, {"01_a/keras": 12.0, "01_a/torch": 41.0})
    assert "| 01_a/keras | 10.0 s | 12.0 s | 1.20 | yes |" in text
    assert "| 01_a/torch | 40.0 s | 41.0 s | 1.02 | **no** |" in text
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nend\n")
    bench.update_readme("new table", readme)
    assert readme.read_text() == "intro\n<!-- bench:begin -->\nnew table\n<!-- bench:end -->\nend\n"
    readme.write_text("no block")
    with pytest.raises(ValueError, match="bench:begin"):
        bench.update_readme("x", readme)


def mistake_set(*specs):
    """Mistakes named by cell and number, each losing the test cells given."""
    ref = nbs.NotebookRef("01_a", "keras")
    return [mistakes.Mistake(ref, f"{cell}{k}", cell, tuple(loses), "s", "pass")
            for cell, k, loses in specs]


def cells_of(groups):
    return [[m.name for m in group] for group in groups]


THREE_CELLS = [(cell, k, [f"{cell}_tests"]) for cell in ("a", "b", "c") for k in (1, 2)]


def test_rounds_are_as_few_as_the_busiest_cell_allows():
    found = mistake_set(*THREE_CELLS)
    groups = mistakes.rounds(found, tests=["a_tests", "b_tests", "c_tests", "quiz_tests"])
    assert cells_of(groups) == [["a1", "b1", "c1"], ["a2", "b2", "c2"]], (
        "two mistakes per cell and a quiz nobody gets wrong: two submissions")


def test_each_round_keeps_a_test_cell_that_still_scores():
    found = mistake_set(*THREE_CELLS)
    groups = mistakes.rounds(found, tests=["a_tests", "b_tests", "c_tests"])
    assert sorted(m.name for g in groups for m in g) == sorted(m.name for m in found)
    for group in groups:
        cells = [m.cell for m in group]
        assert len(cells) == len(set(cells)) and len(cells) <= 2, cells
    assert len(groups) == 3


def test_mistakes_that_lose_the_same_test_cell_never_share_a_round():
    found = mistake_set(("model", 1, ["model_tests", "trained_tests"]), ("train", 1, ["trained_tests"]),
                        ("params", 1, ["params_tests"]))
    groups = mistakes.rounds(found, tests=["model_tests", "trained_tests", "params_tests", "quiz_tests"])
    assert cells_of(groups) == [["model1", "params1"], ["train1"]]


def test_a_mistake_that_loses_every_test_is_a_round_of_its_own():
    found = mistake_set(("a", 1, ["t"]), ("b", 1, ["t"]))
    assert cells_of(mistakes.rounds(found)) == [["a1"], ["b1"]]
    assert mistakes.rounds([]) == []


# Mistaken students graded by make test, over all assignments (an assignment's count is its
# busier track's): 20 until chapter 03's PyTorch track gained two mistakes that also fail its
# accuracy test (five there need a submission each). Each one more is about 20 s of make test.
MAX_MISTAKEN_SUBMISSIONS = 22


def test_the_mistaken_students_stay_within_make_tests_budget():
    """Each mistaken student is one more autograde run of a whole assignment in make test."""
    counts: dict[str, int] = {}
    for ref in nbs.find_notebooks(REPO / "source"):
        counts[ref.assignment] = max(counts.get(ref.assignment, 0), len(mistakes.rounds_of(ref)))
    assert counts and sum(counts.values()) <= MAX_MISTAKEN_SUBMISSIONS, counts


def test_jobs_must_be_positive(tmp_path):
    from helpers.course.authoring.students import grade

    a = nbs.NotebookRef("01_a", "keras")
    for jobs in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="jobs"):
            grade(tmp_path, {"perfect": {a: "nb-a"}}, jobs=jobs)


def test_command_line(tmp_path, capsys):
    from helpers.course.__main__ import main

    (tmp_path / "sub").mkdir()
    assert main(["clean", str(tmp_path / "sub")]) == 0
    assert "no repeated grade_ids" in capsys.readouterr().out
    assert main(["workspace", "--folder", str(tmp_path / "work")]) == 0
    assert (tmp_path / "work").is_dir()
    with pytest.raises(SystemExit):
        main(["no-such-command"])
    with pytest.raises(ValueError, match="only names assignments"):
        main(["build", "--no-execute", "99_missing"])


def test_leaked_lines_ignore_lines_also_public():
    source = notebook("def f(x):\n    ### BEGIN SOLUTION\n    result = x + 1\n    return result\n"
                      "    ### END SOLUTION")
    source.cells[2].source = ("value = f(1)\nassert value == 2\n### BEGIN HIDDEN TESTS\n"
                              "value = f(5)\nassert value == 6, 'hidden'\n### END HIDDEN TESTS")
    release = notebook("def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()")
    release.cells[2].source = "value = f(1)\nassert value == 2"
    assert nbs.leaked_lines(source, release) == set()
    release.cells[2].source += "\nassert value == 6, 'hidden'\nresult = x + 1"
    assert nbs.leaked_lines(source, release) == {"assert value == 6, 'hidden'", "result = x + 1"}


def test_bench_class_table():
    measured = {"assignment": "02_b", "size": 20, "jobs": 2, "serial": 400.0, "parallel": 200.0,
                "speedup": 2.0, "faults": []}
    text = bench.class_table(measured, {"02_b/keras": 10.0}, {"02_b/keras": 12.5}, 20.0)
    assert "| class of 20 submissions of 02_b | graded in (mean) | per submission |" in text
    assert "| plain serial `nbgrader autograde` + `generate_feedback` | 400 s | 20.0 s |" in text
    measured.update(serial_runs=[390.0, 410.0], parallel_runs=[195.0, 205.0])
    text = bench.class_table(measured, {"02_b/keras": 10.0}, {"02_b/keras": 12.5}, 20.0)
    assert "| plain serial `nbgrader autograde` + `generate_feedback` | 400 s (390 and 410) | 20.0 s |" in text
    assert "| `grade --jobs 2` | 200 s (195 and 205) | 10.0 s |" in text
    assert "| **speed-up** | **2.00x** (goal >= 1.8x) | |" in text
    assert "| 02_b/keras | 10.0 s | 12.5 s | +2.5 s | 1.25 | yes |" in text
    assert "Slowest solution cell: 20.0 s" in text


def test_bench_class_table_states_the_sandbox_cost():
    measured = {"assignment": "02_b", "size": 20, "jobs": 2, "serial": 400.0, "parallel": 200.0,
                "speedup": 2.0, "faults": []}
    cost = {"notebook": "02_b/torch", "sandboxed": 10.4, "open": 10.0, "cost": 0.4}
    text = bench.class_table(measured, {"02_b/keras": 10.0}, {"02_b/keras": 12.5}, 20.0, cost)
    assert ("The sandbox costs +0.40 s per notebook (goal: under 1 s): one grading task of "
            "02_b/torch took 10.4 s sandboxed and 10.0 s without it") in text


# --- the tools' layout: one subpackage per job, each import arrow pointing down -------------

COURSE_TOOLS = REPO / "helpers" / "course"
BASE_MODULES = ("notebooks", "kernels", "nbgrader_runner")
# what each job may import besides itself; the base modules import none of the jobs
MAY_IMPORT = {"base": set(), "grading": {"base"}, "labs": {"base", "grading"},
              "authoring": {"base", "grading"}, "measuring": {"base", "grading", "authoring"},
              "__main__": {"base", "grading", "labs", "authoring", "measuring"}}


def _job(module: str) -> str:
    """The job of ``helpers.course.<job>...``: a subpackage, ``__main__`` or ``base``."""
    part = module.split(".")[2]
    return "base" if part in BASE_MODULES else part


def _course_imports(path):
    """Every ``helpers.course`` module that ``path`` imports, function-level imports included."""
    import ast
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers.course"):
            if node.module == "helpers.course":
                yield from (f"helpers.course.{alias.name}" for alias in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("helpers.course."))


def test_each_import_arrow_of_the_tools_points_down():
    assert set(MAY_IMPORT) - {"base", "__main__"} == {
        p.name for p in COURSE_TOOLS.iterdir() if (p / "__init__.py").exists()}, "a job without a rule"
    upward = []
    for path in sorted(COURSE_TOOLS.rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        if module == "helpers.course.__init__":
            continue
        for imported in _course_imports(path):
            mine, theirs = _job(module), _job(imported)
            if theirs != mine and theirs not in MAY_IMPORT[mine]:
                upward.append(f"{module} ({mine}) imports {imported} ({theirs})")
    assert not upward, "\n".join(upward)
