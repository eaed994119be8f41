"""The judge: students who attack the grade from inside their kernel get what their answers earn.

One class of chapter 01 (both tracks, tests/judge_fixtures.py) is graded twice
in one run each: with the judge, as ``grade`` does, and the way grading worked
before it, every test cell in the student's kernel. Well-behaved students keep
their exact scores; each hostile one, a blank release plus an attack, gets 0
with the judge, while the attacks on the kernel score without it (so these
tests can fail). A correct answer that makes PyTorch print a warning keeps its
points with the judge and loses them without.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

import judge_fixtures as jf
from helpers.course.grading import caps, sandbox
from helpers.course import notebooks as nbs
from helpers.course.grading.classroom import grade_assignments
from helpers.course.nbgrader_runner import REPO, make_course

pytestmark = pytest.mark.skipif(
    sandbox.unavailable_reason() is not None and not os.environ.get("CI"),
    reason=f"no sandbox on this machine: {sandbox.unavailable_reason()}")

LIMITS = caps.Limits(cell_timeout=60, notebook_timeout=300)


def _grade(root, judged: bool, **only):
    course = make_course(root / "course", REPO / "source")
    expected = jf.write_class(course / "submitted", REPO / "chapters", REPO / "solutions", **only)
    limits = dataclasses.replace(LIMITS, judge=judged)
    runs = grade_assignments([jf.ASSIGNMENT], course, jobs=2, limits=limits, progress=False,
                             log=lambda *_: None)
    return course, runs[jf.ASSIGNMENT], expected


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    return _grade(tmp_path_factory.mktemp("judged"), judged=True)


@pytest.fixture(scope="module")
def in_kernel(tmp_path_factory):
    """The control, on the quicker track: each attack on the kernel, and the warning."""
    return _grade(tmp_path_factory.mktemp("in-kernel"), judged=False, tracks=("pytorch",),
                  students=(*jf.WORK_WITHOUT_JUDGE, "warning"))


def score(run, student: str, track: str) -> float:
    return run.total(student, track)[0]


@pytest.mark.parametrize("student", ["perfect", "blank", "warning", "flagged"])
def test_well_behaved_students_keep_their_exact_scores(judged, student):
    _, run, expected = judged
    for track, points in expected[student].items():
        assert score(run, student, track) == points, (student, track, run.results[student].faults)


@pytest.mark.parametrize("attack", list(jf.ATTACKS))
def test_each_attack_gets_what_its_answers_earn(judged, attack):
    _, run, expected = judged
    scores = {track: score(run, attack, track) for track in expected[attack]}
    assert scores == {track: 0 for track in expected[attack]}, run.results[attack].faults
    assert len(scores) == (2 if attack in jf.KERAS_ATTACKS else 1)


@pytest.mark.parametrize("attack", jf.WORK_WITHOUT_JUDGE)
def test_without_the_judge_the_attack_scores(in_kernel, attack):
    """The control: the same attack, test cells run in the student's kernel."""
    _, run, _ = in_kernel
    assert score(run, attack, "pytorch") > 0


def test_a_library_warning_costs_no_point_only_with_the_judge(judged, in_kernel):
    _, with_judge, expected = judged
    _, without, _ = in_kernel
    full = expected["warning"]["pytorch"]
    assert score(with_judge, "warning", "pytorch") == full
    assert score(without, "warning", "pytorch") < full   # stderr in the test cell scores 0 there


def _hidden_lines(track: str) -> set[str]:
    source = nbs.read(REPO / "source" / jf.ASSIGNMENT / f"{track}.ipynb")
    hidden = set()
    for cell in source.cells:
        if nbs.is_autograded_test(cell):
            hidden |= {line.strip() for line in nbs.region_lines(cell.source, nbs.BEGIN_HIDDEN, nbs.END_HIDDEN)
                       if len(line.strip()) > 12 and not line.strip().startswith("#")}
    return hidden


@pytest.mark.parametrize("student", ["perfect", "blank"])
@pytest.mark.parametrize("track", jf.TRACKS)
def test_feedback_shows_each_hidden_check_never_its_code(judged, student, track):
    import html
    course, _, _ = judged
    text = html.unescape((course / "feedback" / student / jf.ASSIGNMENT / f"{track}.html").read_text())
    shown = [line for line in _hidden_lines(track) if line in text]
    assert not shown, f"hidden test code in the feedback: {shown[:3]}"
    assert "hidden_seed" not in text and "default_rng(20" not in text
    if student == "perfect":
        assert re.search(r"hidden check 1/2, shapes and values of windows on 6 random series: passed", text)
        assert "hidden check 3/3, q3: passed" in text
    else:
        assert "hidden checks: not run" in text


def test_red_flags_name_the_attacks_and_no_well_behaved_student(judged):
    _, run, expected = judged
    flagged = {flag.student for flag in run.red_flags}
    assert flagged >= {"input-transformer", "ast-transformer", "quiet-errors", "no-ops", "fake-agent"}
    assert not flagged & {"perfect", "blank", "warning"}
    # information, never a score: a correct answer that reaches into builtins keeps its points
    assert "flagged" in flagged and score(run, "flagged", "pytorch") == expected["flagged"]["pytorch"]


# --- faults while the judge calls the student's code (the tiny assignment, judged) -----------

TINY_LIMITS = caps.Limits(cell_timeout=8, notebook_timeout=60, memory_bytes=400 * 2 ** 20, processes=64)
# double_tests, after_tests
FAULTY = {"good": ("def double(x):\n    return 2 * x", (1, 1)),
          "loops-when-called": ("def double(x):\n    while True:\n        pass", (0, 0)),
          "dies-when-called": ("def double(x):\n    import os\n    os._exit(3)", (0, 0)),
          "returns-a-handle": ("def double(x):\n    return object()", (0, 0))}


@pytest.fixture(scope="module")
def judged_faults(tmp_path_factory):
    import class_fixtures as cf
    root = tmp_path_factory.mktemp("judged-faults")
    source = cf.make_source(root / "source")
    path = source / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb"
    tiny = nbs.read(path)
    tiny.metadata["judge"] = True
    nbs.write(tiny, path)
    course = make_course(root / "course", source)
    release = cf.release(source, root / "release")
    for student, (double, _) in FAULTY.items():
        nbs.write(cf.answered(release, double=double),
                  course / "submitted" / student / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb")
    runs = grade_assignments([cf.ASSIGNMENT], course, jobs=2, limits=TINY_LIMITS, progress=False,
                             log=lambda *_: None)
    return runs[cf.ASSIGNMENT]


@pytest.mark.parametrize("student", FAULTY)
def test_a_fault_inside_a_judged_call_is_a_grade(judged_faults, student):
    import class_fixtures as cf
    got = judged_faults.results[student].scores[cf.NOTEBOOK]
    assert (got["double_tests"][0], got["after_tests"][0]) == FAULTY[student][1], \
        judged_faults.results[student].faults


def test_judged_faults_are_named(judged_faults):
    kinds = {s: {f.kind for f in r.faults} for s, r in judged_faults.results.items()}
    assert "timeout" in kinds["loops-when-called"] and "kernel died" in kinds["dies-when-called"]
    assert not kinds["good"] and not kinds["returns-a-handle"]


# --- the course's secret reaches the judge (the tiny assignment, one hidden check on seeds) --

SECRET = "an instructor's secret"


def _seed_under(key: str) -> int:
    from helpers.checks import seeds
    try:
        seeds.set_key(key)
        return seeds.hidden_seed(1)
    finally:
        seeds.set_key(seeds.PUBLIC_KEY)


def _grade_seeded(root, course_secret: str | None) -> float:
    """after_tests of a good student, whose hidden check passes only under SECRET's seeds."""
    import class_fixtures as cf
    from helpers.course.grading.judge import secret
    expected = _seed_under(secret.seed_key(SECRET, cf.ASSIGNMENT))
    source = cf.make_source(root / "source")
    path = source / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb"
    tiny = nbs.read(path)
    tiny.metadata["judge"] = True
    cell = next(c for c in tiny.cells if nbs.grade_id(c) == "after_tests")
    cell.source += ("\n### BEGIN HIDDEN TESTS\nfrom helpers import checks\n# hidden check: the course's seeds\n"
                    f"assert checks.hidden_seed(1) == {expected}, 'seeds not from the course secret'\n"
                    "### END HIDDEN TESTS")
    nbs.write(tiny, path)
    course = make_course(root / "course", source)
    if course_secret:
        (course / secret.SECRET_FILE).write_text(course_secret + "\n")
    nbs.write(cf.answered(cf.release(source, root / "release")),
              course / "submitted" / "good" / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb")
    runs = grade_assignments([cf.ASSIGNMENT], course, jobs=1, limits=TINY_LIMITS, progress=False,
                             log=lambda *_: None)
    return runs[cf.ASSIGNMENT].results["good"].scores[cf.NOTEBOOK]["after_tests"][0]


def test_the_course_secret_makes_the_hidden_seeds(tmp_path, monkeypatch):
    from helpers.checks.seeds import PUBLIC_KEY
    from helpers.course.grading.judge import secret
    monkeypatch.delenv(secret.SECRET_ENV, raising=False)
    assert _seed_under(secret.seed_key(SECRET, "00_faults")) != _seed_under(PUBLIC_KEY)
    assert _grade_seeded(tmp_path / "with", SECRET) == 1, "the judge did not get the course secret's key"
    # the control: the public course's seeds fail the same hidden check
    assert _grade_seeded(tmp_path / "without", None) == 0
