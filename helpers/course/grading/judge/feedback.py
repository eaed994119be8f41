"""Feedback without the hidden tests' code (nbgrader#1363).

nbgrader's feedback shows each test cell as it was graded, hidden tests
included, so one grading would make a private course's hidden tests public.
:class:`HideHiddenTests` runs in ``generate_feedback`` (``nbgrader_config.py``)
and replaces each hidden block with one comment line; what each hidden check
found is in the cell's output, one line per check, written by the judge.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from helpers.course import notebooks as nbs
from helpers.course.grading.judge.cells import split

HIDDEN_NOTE = "# hidden tests: {count} check(s), run when graded; each one's result is in the output"


def without_hidden(source: str) -> str:
    """``source`` with its hidden block replaced by :data:`HIDDEN_NOTE`."""
    if nbs.BEGIN_HIDDEN not in source:
        return source
    cell = split(source)
    kept = [cell.visible.code.rstrip("\n"), HIDDEN_NOTE.format(count=len(cell.checks) or 1)]
    if cell.after is not None:
        kept.append(cell.after.code)
    return "\n".join(part for part in kept if part)


class HideHiddenTests(NbGraderPreprocessor):
    """Replace every test cell's hidden block with one line, before the HTML is made."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = without_hidden(cell.source)
        return cell, resources
