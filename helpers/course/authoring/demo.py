"""``make demo``: build a throwaway course, grade three students, print the table."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.authoring.students import GradingRun, grade, standard_students
from helpers.course.grading import sandbox
from helpers.course.nbgrader_runner import REPO

DEMO_STUDENTS = ("perfect", "blank", "mistakes")


def score_table(run: GradingRun, students, refs) -> str:
    """A plain-text table: one row per notebook, one column per student, and a total."""
    def cell(student, ref):
        if (student, str(ref)) not in run.grades:  # no submission for this notebook
            return "-"
        score, max_score = run.total(student, ref)
        return f"{score:g}/{max_score:g}"

    def total(student):
        graded = [run.total(student, r) for r in refs if (student, str(r)) in run.grades]
        return f"{sum(s for s, _ in graded):g}/{sum(m for _, m in graded):g}"

    rows = [["notebook", *students]]
    rows += [[str(ref), *[cell(s, ref) for s in students]] for ref in refs]
    rows.append(["total", *[total(s) for s in students]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def unsandboxed_note() -> str | None:
    """Why the demo grades without the sandbox on this machine (one line), or None.

    The demo grades the course's own example students, so it runs anyway where no
    sandbox can be made; ``grade`` (a real class) still refuses to."""
    reason = sandbox.unavailable_reason()
    if reason is None:
        return None
    return (f"make demo: grading WITHOUT the sandbox, {' '.join(reason.split())}; fine for the "
            "course's own example students, but `grade` refuses a real class without it")


def run_demo(course: Path = REPO / "demo-course", refs: list[nbs.NotebookRef] | None = None) -> GradingRun:
    """Grade the perfect, blank and mistaken students on ``refs`` (default: every notebook);
    print where everything is."""
    refs = nbs.find_notebooks(REPO / "source") if refs is None else refs
    everyone = standard_students(refs)
    students = {name: everyone[name] for name in DEMO_STUDENTS if name in everyone}
    run = grade(course, students, jobs=os.cpu_count() or 1,  # the class grading of `grade`
                unsandboxed=unsandboxed_note())
    print("\nAutograded points per notebook (manually graded answers not included):\n")
    print(score_table(run, students, refs))
    print(f"\nfeedback HTML : {run.feedback_dir}/<student>/<assignment>/<notebook>.html")
    print(f"grades        : {run.grades_csv}")
    print(f"gradebook     : {run.course / 'gradebook.db'}")
    print(copies_line(run))
    return run


def copies_line(run: GradingRun) -> str:
    """Where the copy reports are, and why the demo's students are flagged in them."""
    compared = [c.copies for c in run.classes.values() if c.copies is not None]
    against = sum(len(c.against_solutions()) for c in compared)
    between = sum(len(c.between_students()) for c in compared)
    return (f"copies        : {run.course}/copies-<assignment>.html ({len(compared)} report(s): "
            f"{against} answer(s) flagged against the published solutions, {between} pair(s) between "
            "students; expected, as 'perfect' hands in the solutions and 'mistakes' the solutions "
            "with a mistake each, 'blank' nothing)")
