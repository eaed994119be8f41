"""Invariants 3 to 5 and 7, through real nbgrader autograde runs.

One grading run (session fixture) autogrades three kinds of students for every
notebook: perfect (solutions/), blank (chapters/) and the fixture mistakes in
tests/mistakes/; the perfect submission is graded a second time, as
"perfect-again", to check that two gradings agree.
"""

import pytest

from helpers.course import mistakes
from helpers.course import notebooks as nbs
from helpers.course.grading import failure_problem, grade, standard_students

from course_paths import NOTEBOOKS

IDS = [str(ref) for ref in NOTEBOOKS]
MISTAKES = [m for ref in NOTEBOOKS for m in mistakes.load(ref)]


def student_of(mistake):
    """The mistaken student whose submission carries ``mistake``."""
    for k, group in enumerate(mistakes.rounds(mistakes.load(mistake.notebook)), start=1):
        if mistake in group:
            return "mistakes" if k == 1 else f"mistakes-{k}"
    raise LookupError(mistake)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("grading") / "course"
    students = standard_students(NOTEBOOKS)
    students["perfect-again"] = students["perfect"]
    # one course folder per assignment, two graded at a time (2 cores)
    return grade(course, students, jobs=2, log=lambda *_: None)


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_solution_gets_full_marks(ref, graded):
    lost = {gid: c.output[-800:] for gid, c in graded.cells("perfect", ref).items()
            if c.score < c.max_score}
    assert not lost, f"{ref}: the solution loses points in {list(lost)}:\n{lost}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_blank_release_gets_zero(ref, graded):
    vacuous = [gid for gid, c in graded.cells("blank", ref).items() if c.score > 0]
    assert not vacuous, f"{ref}: these test cells pass on the blank release: {vacuous}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_every_notebook_has_mistake_fixtures(ref):
    assert mistakes.load(ref), f"tests/mistakes/{ref}.toml lists no common mistakes"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[str(m) for m in MISTAKES])
def test_mistake_is_caught_and_named(mistake, graded):
    cells = graded.cells(student_of(mistake), mistake.notebook)
    for gid in mistake.loses:
        assert gid in cells, f"{mistake}: no autograded test cell {gid!r}"
        assert cells[gid].score == 0, f"{mistake}: test cell {gid} still gives points"
        assert nbs.mentions(cells[gid].output, mistake.says), (
            f"{mistake}: test cell {gid} fails without naming the mistake "
            f"(expected {mistake.says!r} in):\n{cells[gid].output[-1500:]}")
    feedback = graded.feedback_text(student_of(mistake), mistake.notebook)
    assert nbs.mentions(feedback, mistake.says), f"{mistake}: the HTML feedback does not name the mistake"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[str(m) for m in MISTAKES])
def test_failure_reads_at_a_glance(mistake, graded):
    """What the student sees under a failing test: <= 15 lines of <= 100 characters, naming it."""
    cells = graded.cells(student_of(mistake), mistake.notebook)
    for gid in mistake.loses:
        problem = failure_problem(cells[gid].shown, mistake.says)
        assert problem is None, f"{mistake}: the failure of {gid} {problem}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_two_gradings_agree(ref, graded):
    """Invariant 7: the same submission graded twice gets the same score in every cell."""
    first = {gid: c.score for gid, c in graded.cells("perfect", ref).items()}
    second = {gid: c.score for gid, c in graded.cells("perfect-again", ref).items()}
    assert first == second, f"{ref}: two gradings of the solution differ: {first} vs {second}"


MISTAKEN = [(ref, k) for ref in NOTEBOOKS
            for k in range(1, len(mistakes.rounds(mistakes.load(ref))) + 1)]


@pytest.mark.parametrize("ref, k", MISTAKEN, ids=[f"{ref}-{k}" for ref, k in MISTAKEN])
def test_mistaken_students_score_in_between(ref, k, graded):
    student = "mistakes" if k == 1 else f"mistakes-{k}"
    score, max_score = graded.total(student, ref)
    assert 0 < score < max_score, f"{ref}: {student} scores {score}/{max_score}"


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_feedback_and_grades_are_written(ref, graded):
    course = graded.course_of(ref)
    assert (course / "grades.csv").exists(), f"{ref}: nbgrader export wrote no grades.csv"
    for student in ("perfect", "blank"):
        page = ref.path(course / "feedback" / student).with_suffix(".html")
        assert page.exists(), f"{ref}: no HTML feedback for {student}"
