"""Invariants 3 to 5 and 7, through real nbgrader autograde runs.

One grading run (session fixture) autogrades three kinds of students for every
notebook: perfect (solutions/), blank (chapters/) and the fixture mistakes in
tests/mistakes/. The perfect submission of one assignment (REGRADED) is graded a
second time, as "perfect-again", to check that two gradings agree; ``make stress``
(run by .ci/run after ``make test``) regrades every solution notebook three times
under load and checks the same. Each check is a function of
helpers.course.authoring.invariants, the same one ``python -m helpers.course preview`` runs.
"""

import pytest

from helpers.course.authoring import invariants
from helpers.course.authoring import mistakes
from helpers.course.authoring.students import grade, standard_students

from course_paths import NOTEBOOKS

IDS = [str(ref) for ref in NOTEBOOKS]
MISTAKES = [m for ref in NOTEBOOKS for m in mistakes.load(ref)]
# trains with early stopping and has accuracy thresholds on both tracks, in 28 s of grading;
# regrading all 16 notebooks here would cost 5 minutes of make test's 20 (make stress does it);
# with COURSE_ONLY set and 03 left out, the first chapter it names
_ASSIGNMENTS = [ref.assignment for ref in NOTEBOOKS]
_REGRADED = "03_simple_rnn" if "03_simple_rnn" in _ASSIGNMENTS else _ASSIGNMENTS[0]
REGRADED = [ref for ref in NOTEBOOKS if ref.assignment == _REGRADED]
assert len(REGRADED) == 2, "the regraded assignment must be a chapter with both tracks"


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("grading") / "course"
    students = standard_students(NOTEBOOKS)
    # a whole assignment (both notebooks), or the class run would report a missing notebook
    students["perfect-again"] = {ref: students["perfect"][ref] for ref in REGRADED}
    # one task per student and assignment, two graded at a time (2 cores), one gradebook
    return grade(course, students, jobs=2, log=lambda *_: None)


def holds(problems):
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_solution_gets_full_marks(ref, graded):
    holds(invariants.solution_full_marks(graded, ref))


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_blank_release_gets_zero(ref, graded):
    holds(invariants.blank_scores_zero(graded, ref))


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_every_notebook_has_mistake_fixtures(ref):
    holds(invariants.has_mistakes(ref))


@pytest.mark.parametrize("mistake", MISTAKES, ids=[str(m) for m in MISTAKES])
def test_mistake_is_caught_and_named(mistake, graded):
    holds(invariants.mistake_named(graded, mistake))


@pytest.mark.parametrize("mistake", MISTAKES, ids=[str(m) for m in MISTAKES])
def test_failure_reads_at_a_glance(mistake, graded):
    """What the student sees under a failing test: <= 15 lines of <= 100 characters, naming it."""
    holds(invariants.failure_reads_at_a_glance(graded, mistake))


@pytest.mark.parametrize("mistake", MISTAKES, ids=[str(m) for m in MISTAKES])
def test_no_failure_names_another_mistake_of_its_exercise(mistake, graded):
    """Precision: the fixtures of one answer cell are each other's controls."""
    holds(invariants.diagnosis_precise(graded, mistake))


@pytest.mark.parametrize("ref", REGRADED, ids=str)
def test_two_gradings_agree(ref, graded):
    """Invariant 7: the same submission graded twice gets the same score in every cell."""
    holds(invariants.gradings_agree(graded, ref, "perfect", "perfect-again"))


MISTAKEN = [(ref, k) for ref in NOTEBOOKS for k in range(1, len(mistakes.rounds_of(ref)) + 1)]


@pytest.mark.parametrize("ref, k", MISTAKEN, ids=[f"{ref}-{k}" for ref, k in MISTAKEN])
def test_mistaken_students_score_in_between(ref, k, graded):
    holds(invariants.mistaken_in_between(graded, ref, k))


@pytest.mark.parametrize("ref", NOTEBOOKS, ids=IDS)
def test_feedback_and_grades_are_written(ref, graded):
    holds(invariants.feedback_written(graded, ref))


def test_the_run_met_no_fault(graded):
    """Well-behaved students: no kernel died, no cell timed out, nothing was unreadable."""
    assert graded.classes, "the run did not go through the class grading"
    holds([str(f) for run in graded.classes.values() for f in run.faults])
