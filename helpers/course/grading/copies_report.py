"""The copy report of one assignment: ``copies-<assignment>.html`` in the course folder.

Every flagged pair in two tables (against the published solutions, between
students), then side by side with the matching lines highlighted (copydetect's
``highlight_overlap``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
from copydetect.utils import highlight_overlap
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from helpers.course.grading import copies

TEMPLATE = "copies_report.html.j2"
MAX_SIDE_BY_SIDE = 300   # more pairs than this are listed in the tables only


def report_path(course: Path, assignment: str) -> Path:
    return Path(course) / f"copies-{assignment}.html"


def whole_lines(code: str, slices) -> np.ndarray:
    """copydetect's matched (starts, ends) widened to whole lines of ``code``, overlaps merged."""
    merged: list[list[int]] = []
    for start, end in sorted(zip(*slices)):
        start = code.rfind("\n", 0, int(start)) + 1
        end = code.find("\n", max(int(end) - 1, start))
        end = len(code) if end == -1 else end
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged, dtype=int).T.reshape(2, -1)


def _row(pair: copies.Pair, number: int, side_by_side: bool) -> dict:
    """What the template shows of one pair; its code, highlighted, when ``side_by_side``."""
    row = {"anchor": f"pair-{number}", "track": pair.track,
           "first": pair.first.owner, "second": pair.second.owner,
           "first_share": f"{pair.similarity[0]:.0%}", "second_share": f"{pair.similarity[1]:.0%}"}
    if side_by_side:
        for side, answers, slices in (("first", pair.first, pair.slices[0]),
                                      ("second", pair.second, pair.slices[1])):
            marked, _ = highlight_overlap(answers.code, whole_lines(answers.code, slices),
                                          "<mark>", "</mark>", escape_html=True)
            row[f"{side}_code"] = Markup(marked)   # escaped by copydetect, then marked
    return row


def render(comparison: copies.Comparison) -> str:
    """The HTML of ``comparison``."""
    top = {id(p) for p in sorted(comparison.pairs, key=lambda p: -p.score)[:MAX_SIDE_BY_SIDE]}
    rows = [_row(p, n, id(p) in top) for n, p in enumerate(comparison.pairs, start=1)]
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=True)
    return environment.get_template(TEMPLATE).render(
        assignment=comparison.assignment, compared=comparison.compared,
        threshold=f"{copies.THRESHOLD:.0%}", min_tokens=copies.MIN_TOKENS,
        against=[r for r, p in zip(rows, comparison.pairs) if p.against_solution],
        between=[r for r, p in zip(rows, comparison.pairs) if not p.against_solution],
        shown=[r for r in rows if "first_code" in r], hidden=len(rows) - len(top))


def parse(content: bytes) -> nbformat.NotebookNode | None:
    """A submitted notebook, or None when it cannot be read (grading reports that fault)."""
    try:
        return nbformat.reads(content.decode("utf-8", errors="replace"), as_version=4)
    except Exception:  # broken JSON, not a notebook: nothing to compare
        return None


def write_report(course: Path, assignment: str, sources: dict[str, nbformat.NotebookNode],
                 submitted: dict[str, dict[str, bytes]]) -> tuple[copies.Comparison, Path]:
    """Compare the submissions (student -> notebook name -> content) and write the report."""
    notebooks = {student: {name: nb for name, content in files.items() if (nb := parse(content))}
                 for student, files in submitted.items()}
    comparison = copies.compare(assignment, sources, notebooks)
    path = report_path(course, assignment)
    path.write_text(render(comparison), encoding="utf-8")
    return comparison, path


def summary(comparison: copies.Comparison, path: Path) -> str:
    """One line for grade's summary."""
    against, between = len(comparison.against_solutions()), len(comparison.between_students())
    return (f"copies: {against} answer(s) flagged against the published solutions, {between} pair(s) "
            f"between students (at {copies.THRESHOLD:.0%} matched; information only, no score "
            f"changed): {path}")
