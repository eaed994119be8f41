"""The judge's parts on their own: test cells in parts, feedback, seeds, secret, red flags."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.checks import seeds
from helpers.course import notebooks as nbs
from helpers.course.grading.judge import cells, feedback, redflags, secret
from helpers.course.grading.judge.executor import is_judged, outputs_of, source_imports
from helpers.course.nbgrader_runner import REPO

CELL = """\
check(f)
print("f: visible tests passed")
### BEGIN HIDDEN TESTS
_rng = make(7)
# hidden check: the values
assert f(1) == 2, "f(1) should be 2"
# hidden check: the default
assert f() == 0
### END HIDDEN TESTS"""


def test_a_test_cell_splits_into_visible_setup_and_checks():
    cell = cells.split(CELL)
    assert cell.visible.code.splitlines() == ['check(f)', 'print("f: visible tests passed")']
    assert cell.setup.code == "_rng = make(7)" and cell.setup.first_line == 4
    assert [(c.what, c.first_line) for c in cell.checks] == [("the values", 6), ("the default", 8)]
    assert cells.split("x = 1").checks == ()
    assert [c.what for c in cells.split("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS").checks] \
        == [cells.DEFAULT_CHECK]


def test_a_part_keeps_its_line_numbers_in_the_cell():
    part = cells.split(CELL).checks[0]
    code = cells.compile_part(part, "<cell>")
    try:
        exec(code, {"f": lambda x=0: x})  # noqa: S102
    except AssertionError as error:
        assert error.__traceback__.tb_next.tb_lineno == 6
    else:
        pytest.fail("the check should fail")


def test_imports_come_from_the_source_notebooks_own_cells():
    source = nbs.read(REPO / "source" / "01_sequential_data" / "pytorch.ipynb")
    imports = source_imports(source)
    assert "from helpers import checks" in imports and "import torch" in imports
    assert not any("make_windows" in statement for statement in imports)


def test_feedback_keeps_the_visible_tests_and_one_line_for_the_hidden():
    shown = feedback.without_hidden(CELL)
    assert "check(f)" in shown and "f(1)" not in shown and "make(7)" not in shown
    assert shown.endswith(feedback.HIDDEN_NOTE.format(count=2))
    assert feedback.without_hidden("x = 1") == "x = 1"


def test_outputs_say_each_hidden_check_and_fail_on_any():
    passed = outputs_of({"stdout": "ok\n", "failure": None,
                         "hidden": [{"what": "a", "status": "passed", "message": ""}]})
    assert [o.output_type for o in passed] == ["stream"] and "hidden check 1/1, a: passed" in passed[0].text
    failed = outputs_of({"stdout": "", "failure": None,
                         "hidden": [{"what": "a", "status": "passed", "message": ""},
                                    {"what": "b", "status": "failed", "message": "AssertionError: no"}]})
    assert failed[-1].output_type == "error" and failed[-1].ename == "AssertionError"
    assert failed[-1].traceback == ["Hidden check 2/2 failed: b", "AssertionError: no"]


def test_hidden_seeds_depend_on_the_key():
    first = seeds.hidden_seed(2024)
    try:
        seeds.set_key(secret.seed_key("an instructor's secret", "01_sequential_data"))
        assert seeds.hidden_seed(2024) != first
        assert seeds.hidden_seed(2024) == seeds.hidden_seed(2024)
    finally:
        seeds.set_key(seeds.PUBLIC_KEY)
    assert seeds.hidden_seed(2024) == first and 0 <= first < 2 ** 32
    with pytest.raises(TypeError, match="number"):
        seeds.hidden_seed("2024")


def test_the_secret_comes_from_the_environment_or_the_course(tmp_path, monkeypatch):
    monkeypatch.delenv(secret.SECRET_ENV, raising=False)
    assert secret.course_secret(tmp_path) is None
    assert secret.seed_key(None, "01") == seeds.PUBLIC_KEY
    (tmp_path / secret.SECRET_FILE).write_text("from a file\n")
    assert secret.course_secret(tmp_path) == "from a file"
    monkeypatch.setenv(secret.SECRET_ENV, "from the environment")
    assert secret.course_secret(tmp_path) == "from the environment"
    assert secret.seed_key("s", "01") != secret.seed_key("s", "02") != seeds.PUBLIC_KEY


def test_the_secret_never_reaches_a_kernel(monkeypatch):
    from helpers.course.grading import caps
    monkeypatch.setenv(secret.SECRET_ENV, "hush")
    assert secret.SECRET_ENV not in caps.kernel_environment(caps.Limits(sandbox=False))


@pytest.mark.parametrize("code, what", [
    ("get_ipython().input_transformers_post.append(f)", "get_ipython()"),
    ("import sys\nsys.modules['numpy'] = None", "sys.modules"),
    ("import builtins\nbuiltins.print = None", "builtins"),
    ("exec('1')", "exec()"),
    ("from helpers import checks\nchecks.check_windows = None", "helpers.checks internals"),
    ("import helpers.bridge.agent", "the grading bridge"),
    ("from IPython.display import display", "IPython internals"),
])
def test_red_flags_name_what_reaches_into_the_kernel(code, what):
    assert what in redflags.reaches(code)


def test_ordinary_answers_raise_no_red_flag():
    assert redflags.reaches("def f(x):\n    return np.stack([x[i:i + 2] for i in range(3)])") == []
    assert redflags.reaches("model.eval()\nx = compile_and_fit(model)") == []


def _judged_notebooks():
    return [ref for ref in nbs.find_notebooks(REPO / "source") if is_judged(nbs.read(ref.path(REPO / "source")))]


# a hidden test's own seeds are 1000 or more (smaller ones seed what the student's code is handed)
LITERAL_SEED = re.compile(r"((default_rng|manual_seed|set_random_seed|set_seed|RandomState)\(|seed=)\s*\d{4}")


@pytest.mark.parametrize("ref", _judged_notebooks(), ids=str)
def test_judged_hidden_tests_take_their_seeds_from_the_course_key(ref):
    """A literal seed in a hidden test would let a student who reads it make the hidden data."""
    source = nbs.read(ref.path(REPO / "source"))
    for cell in source.cells:
        if nbs.is_autograded_test(cell):
            hidden = "\n".join(nbs.region_lines(cell.source, nbs.BEGIN_HIDDEN, nbs.END_HIDDEN))
            assert not LITERAL_SEED.search(hidden), f"{ref} {nbs.grade_id(cell)}: use checks.hidden_seed(...)"
            assert cells.split(cell.source).checks, f"{ref} {nbs.grade_id(cell)} has no hidden check"


def test_the_solutions_raise_no_red_flag():
    for ref in nbs.find_notebooks(REPO / "source"):
        solution = nbformat.writes(nbs.read(ref.path(REPO / "solutions"))).encode()
        sources = {ref.name: nbs.read(ref.path(REPO / "source"))}
        assert redflags.red_flags("perfect", {ref.name: solution}, sources) == [], ref
