"""``make demo``: build a throwaway course, grade three students, print the table."""

from __future__ import annotations

from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.grading import GradingRun, grade, standard_students
from helpers.course.nbgrader_runner import REPO

DEMO_STUDENTS = ("perfect", "blank", "mistakes")


def score_table(run: GradingRun, students, refs) -> str:
    """A plain-text table: one row per student, one column per notebook."""
    header = ["student", *[str(r) for r in refs], "total"]
    rows = [header]
    for student in students:
        row, got, out_of = [student], 0.0, 0.0
        for ref in refs:
            if (student, str(ref)) not in run.grades:  # no submission for this notebook
                row.append("-")
                continue
            score, max_score = run.total(student, ref)
            got, out_of = got + score, out_of + max_score
            row.append(f"{score:g}/{max_score:g}")
        rows.append([*row, f"{got:g}/{out_of:g}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_demo(course: Path = REPO / "demo-course") -> GradingRun:
    """Grade the perfect, blank and mistaken students; print where everything is."""
    refs = nbs.find_notebooks(REPO / "source")
    everyone = standard_students(refs)
    students = {name: everyone[name] for name in DEMO_STUDENTS if name in everyone}
    run = grade(course, students)
    print("\nAutograded points per notebook (manually graded answers not included):\n")
    print(score_table(run, students, refs))
    print(f"\nfeedback HTML : {run.feedback_dir}/<student>/<assignment>/<notebook>.html")
    print(f"grades        : {run.grades_csv}")
    print(f"gradebook     : {run.course / 'gradebook.db'}")
    return run
