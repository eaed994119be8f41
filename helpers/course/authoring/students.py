"""Autograde submissions in a throwaway nbgrader course and read the scores back.

The invariant tests, ``preview`` and ``make demo`` share this: students'
notebooks go into ``submitted/`` of a fresh course, then the class grading of
``python -m helpers.course grade`` (nbgrader autograde and generate_feedback per
student, one gradebook, ``grades.csv``) runs as an instructor would run it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from helpers.course import notebooks as nbs
from helpers.course.authoring import mistakes as mistakes_mod
from helpers.course.grading.classroom import ClassRun, grade_assignments, limits_from
from helpers.course.nbgrader_runner import REPO, make_course

Submissions = dict[str, dict[nbs.NotebookRef, object]]  # student -> notebook -> nb


@dataclass(frozen=True)
class CellGrade:
    """The autograded score of one test cell, with what the cell printed."""

    grade_id: str
    score: float
    max_score: float
    output: str       # every text the cell printed or raised (nbs.output_text)
    shown: str = ""   # what the student sees under the cell (nbs.shown_text)


@dataclass
class GradingRun:
    """Everything one grading run produced.

    ``courses`` maps an assignment to the course folder that graded it when it
    is not ``course`` (runs read back from older layouts); ``classes`` holds the
    class run of each assignment, faults included.
    """

    course: Path
    grades: dict[tuple[str, str], dict[str, CellGrade]] = field(default_factory=dict)
    courses: dict[str, Path] = field(default_factory=dict)
    classes: dict[str, ClassRun] = field(default_factory=dict)

    def course_of(self, ref: nbs.NotebookRef) -> Path:
        return self.courses.get(ref.assignment, self.course)

    def cells(self, student: str, ref: nbs.NotebookRef) -> dict[str, CellGrade]:
        """The autograded test cells of one student's notebook, by grade_id."""
        return self.grades[(student, str(ref))]

    def total(self, student: str, ref: nbs.NotebookRef) -> tuple[float, float]:
        cells = self.cells(student, ref).values()
        return sum(c.score for c in cells), sum(c.max_score for c in cells)

    def feedback_text(self, student: str, ref: nbs.NotebookRef) -> str:
        """The text a student reads in the HTML feedback, tags removed."""
        page = ref.path(self.course_of(ref) / "feedback" / student).with_suffix(".html").read_text()
        return html.unescape(re.sub(r"<[^>]+>", "", page))

    @property
    def feedback_dir(self) -> Path:
        return self.course / "feedback"

    @property
    def grades_csv(self) -> Path:
        return self.course / "grades.csv"


def failure_problem(shown: str, says: str) -> str | None:
    """Why a failing test cell's output is not readable at a glance, or None.

    It must fit MAX_LINES lines of at most WIDTH characters and still name the
    mistake (``says``), as helpers.checks.core formats every failure.
    """
    from helpers.checks.core import MAX_LINES, WIDTH

    lines = shown.splitlines()
    longest = max(lines, key=len, default="")
    if len(lines) > MAX_LINES:
        return f"shows {len(lines)} lines, more than {MAX_LINES}:\n{shown[:3000]}"
    if len(longest) > WIDTH:
        return f"has a line of {len(longest)} characters, more than {WIDTH}: {longest[:300]!r}"
    if not nbs.mentions(shown, says):
        return f"does not show {says!r}:\n{shown[:3000]}"
    return None


def standard_students(refs: list[nbs.NotebookRef], release_dir: Path = REPO / "chapters",
                      solutions_dir: Path = REPO / "solutions",
                      mistakes_dir: Path = mistakes_mod.MISTAKES_DIR) -> Submissions:
    """The perfect (solutions), blank (release) and mistaken students.

    Mistaken students are ``mistakes`` (first round of fixture mistakes), then
    ``mistakes-2`` and so on when one answer cell has several mistakes. A track with
    fewer rounds than the other hands in its blank release in the extra rounds (quick to
    grade), so that every submission is a whole assignment (nothing is missing).
    """
    students: Submissions = {"perfect": {}, "blank": {}}
    for ref in refs:
        solution = nbs.read(ref.path(solutions_dir))
        students["perfect"][ref] = solution
        students["blank"][ref] = nbs.read(ref.path(release_dir))
        for k, group in enumerate(mistakes_mod.rounds_of(ref, mistakes_dir), start=1):
            name = "mistakes" if k == 1 else f"mistakes-{k}"
            students.setdefault(name, {})[ref] = nbs.clear_outputs(mistakes_mod.apply(solution, group))
    for name, notebooks in students.items():
        handed_in = {ref.assignment for ref in notebooks}
        for ref in refs:
            if ref.assignment in handed_in and ref not in notebooks:
                notebooks[ref] = students["blank"][ref]
    return students


def submit(course: Path, submissions: Submissions) -> None:
    """Write the submissions into ``course/submitted``, cleaned of repeated grade_ids."""
    for student, notebooks in submissions.items():
        for ref, nb in notebooks.items():
            nb = nbs.clear_outputs(nb)
            nbs.deduplicate_grade_ids(nb)
            nbs.write(nb, ref.path(course / "submitted" / student))


def read_grades(course: Path, submissions: Submissions, source_dir: Path) -> dict:
    """Scores of every autograded test cell, from the gradebook and autograded notebooks."""
    grades, tests_of = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, notebooks in submissions.items():
            for ref in notebooks:
                if ref not in tests_of:  # the source's autograded test cells, read once
                    tests_of[ref] = [nbs.grade_id(c) for c in nbs.read(ref.path(source_dir)).cells
                                     if nbs.is_autograded_test(c)]
                tests = tests_of[ref]
                graded = nbs.cells_by_grade_id(nbs.read(ref.path(course / "autograded" / student)))
                notebook = gradebook.find_submission_notebook(ref.name, ref.assignment, student)
                scores = {g.name: g for g in notebook.grades}
                grades[(student, str(ref))] = {
                    gid: CellGrade(gid, float(scores[gid].score), float(scores[gid].max_score),
                                   nbs.output_text(graded[gid]), nbs.shown_text(graded[gid]))
                    for gid in tests}
    return grades


def grade(course: Path, submissions: Submissions, source_dir: Path = REPO / "source",
          feedback: bool = True, jobs: int = 1, log=print,
          unsandboxed: str | None = None) -> GradingRun:
    """Autograde ``submissions`` in a fresh course at ``course``.

    The class grading of ``python -m helpers.course grade`` underneath
    (helpers.course.grading.classroom): one task per student and assignment, ``jobs``
    at a time, every result written into the course's one gradebook. Every kernel is
    sandboxed, unless ``unsandboxed`` says why not (the line printed instead).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    course = make_course(course, source_dir)
    refs = sorted({ref for notebooks in submissions.values() for ref in notebooks}, key=str)
    submit(course, submissions)
    assignments = nbs.assignments(refs)
    log(f"autograding {', '.join(assignments)} for {len(submissions)} students, {jobs} at a time ...")
    extra = {} if unsandboxed is None else {
        "limits": limits_from(jobs, sandbox=False), "unsandboxed_warning": unsandboxed}
    classes = grade_assignments(assignments, course, jobs=jobs, feedback=feedback,
                                progress=False, log=log, **extra)
    return GradingRun(course, read_grades(course, submissions, source_dir), classes=classes)
