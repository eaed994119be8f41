"""The grading invariants (COURSE_DESIGN.md section 3), one function each.

Each returns the problems it finds as sentences (an empty list when the
invariant holds). ``python -m helpers.course preview`` and tests/test_grading.py
both call these, so a chapter author sees exactly what the tests will check.
"""

from __future__ import annotations

from helpers.course.authoring import mistakes as mistakes_mod
from helpers.course import notebooks as nbs
from helpers.course.authoring.students import GradingRun, failure_problem


def mistaken_student(mistake: mistakes_mod.Mistake, mistakes_dir=mistakes_mod.MISTAKES_DIR) -> str:
    """The mistaken student whose submission carries ``mistake``."""
    for k, group in enumerate(mistakes_mod.rounds_of(mistake.notebook, mistakes_dir), start=1):
        if mistake in group:
            return "mistakes" if k == 1 else f"mistakes-{k}"
    raise LookupError(mistake)


def no_leaks(ref: nbs.NotebookRef, source, release) -> list[str]:
    leaked = nbs.leaked_lines(source, release)
    return [f"{ref}: solution or hidden-test lines leak into the release: {leaked}"] if leaked else []


def solution_full_marks(run: GradingRun, ref: nbs.NotebookRef, student: str = "perfect") -> list[str]:
    return [f"{ref}: the solution loses {gid}:\n{cell.output[-800:]}"
            for gid, cell in run.cells(student, ref).items() if cell.score < cell.max_score]


def blank_scores_zero(run: GradingRun, ref: nbs.NotebookRef) -> list[str]:
    return [f"{ref}: {gid} passes on the blank release"
            for gid, cell in run.cells("blank", ref).items() if cell.score > 0]


def has_mistakes(ref: nbs.NotebookRef) -> list[str]:
    return [] if mistakes_mod.load(ref) else [f"{ref}: tests/mistakes/{ref}.toml lists no mistakes"]


def mistake_named(run: GradingRun, mistake: mistakes_mod.Mistake) -> list[str]:
    """The test cells of ``mistake`` score 0 and name it, in the output and in the feedback."""
    student = mistaken_student(mistake)
    cells, found = run.cells(student, mistake.notebook), []
    for gid in mistake.loses:
        cell = cells.get(gid)
        if cell is None:
            found.append(f"{mistake}: no autograded test cell {gid!r}")
        elif cell.score > 0:
            found.append(f"{mistake}: test cell {gid} still gives points")
        elif not nbs.mentions(cell.output, mistake.says):
            found.append(f"{mistake}: test cell {gid} fails without naming the mistake "
                         f"(expected {mistake.says!r} in):\n{cell.output[-1500:]}")
    if not found and not nbs.mentions(run.feedback_text(student, mistake.notebook), mistake.says):
        found.append(f"{mistake}: the HTML feedback does not name the mistake")
    return found


def failure_reads_at_a_glance(run: GradingRun, mistake: mistakes_mod.Mistake) -> list[str]:
    cells = run.cells(mistaken_student(mistake), mistake.notebook)
    return [f"{mistake}: the failure of {gid} {problem}" for gid in mistake.loses if gid in cells
            for problem in [failure_problem(cells[gid].shown, mistake.says)] if problem]


def diagnosis_precise(run: GradingRun, mistake: mistakes_mod.Mistake,
                      mistakes_dir=mistakes_mod.MISTAKES_DIR) -> list[str]:
    """No cell that ``mistake`` fails names another mistake of the same exercise (answer cell)."""
    others = sorted({m.says for m in mistakes_mod.load(mistake.notebook, mistakes_dir)
                     if m.cell == mistake.cell and not nbs.mentions(m.says, mistake.says)
                     and not nbs.mentions(mistake.says, m.says)})
    cells = run.cells(mistaken_student(mistake, mistakes_dir), mistake.notebook)
    return [f"{mistake}: {gid} names another mistake of {mistake.cell}: {says!r}"
            for gid in mistake.loses if gid in cells for says in others
            if nbs.mentions(cells[gid].shown, says)]


def mistaken_in_between(run: GradingRun, ref: nbs.NotebookRef, k: int) -> list[str]:
    student = "mistakes" if k == 1 else f"mistakes-{k}"
    score, max_score = run.total(student, ref)
    return [] if 0 < score < max_score else [f"{ref}: {student} scores {score:g}/{max_score:g}, "
                                             "not in between"]


def gradings_agree(run: GradingRun, ref: nbs.NotebookRef, first: str, second: str) -> list[str]:
    a = {gid: c.score for gid, c in run.cells(first, ref).items()}
    b = {gid: c.score for gid, c in run.cells(second, ref).items()}
    return [] if a == b else [f"{ref}: two gradings of the same submission differ: {a} vs {b}"]


def feedback_written(run: GradingRun, ref: nbs.NotebookRef, students=("perfect", "blank")) -> list[str]:
    course = run.course_of(ref)
    found = [] if (course / "grades.csv").exists() else [f"{ref}: no grades.csv was exported"]
    return found + [f"{ref}: no HTML feedback for {s}" for s in students
                    if not ref.path(course / "feedback" / s).with_suffix(".html").exists()]


def all_problems(run: GradingRun, refs, source_dir, release_dir) -> list[str]:
    """Every invariant over ``refs`` (what ``preview`` reports)."""
    found = []
    for ref in refs:
        found += no_leaks(ref, nbs.read(ref.path(source_dir)), nbs.read(ref.path(release_dir)))
        found += solution_full_marks(run, ref) + blank_scores_zero(run, ref) + has_mistakes(ref)
        found += feedback_written(run, ref)
        for k in range(1, len(mistakes_mod.rounds_of(ref)) + 1):
            found += mistaken_in_between(run, ref, k)
        for mistake in mistakes_mod.load(ref):
            found += mistake_named(run, mistake) + failure_reads_at_a_glance(run, mistake)
            found += diagnosis_precise(run, mistake)
    return found
