"""Fixture submissions that make the common mistakes (tests/mistakes/<assignment>/<notebook>.toml).

Each entry replaces one answer cell (``cell``) with mistaken ``code``; the test
cells in ``loses`` must then score 0, and their error output must contain
``says``. Mistakes on different answer cells share a submission (see
:func:`rounds`), so a handful of autograde runs covers them all.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.nbgrader_runner import REPO

MISTAKES_DIR = REPO / "tests" / "mistakes"
FIELDS = ("name", "cell", "loses", "says", "code")


@dataclass(frozen=True)
class Mistake:
    notebook: nbs.NotebookRef
    name: str
    cell: str
    loses: tuple[str, ...]
    says: str
    code: str

    def __str__(self) -> str:
        return f"{self.notebook}: {self.name}"


def load(ref: nbs.NotebookRef, mistakes_dir: Path = MISTAKES_DIR) -> list[Mistake]:
    """The mistakes listed for ``ref`` (none when it has no file)."""
    path = Path(mistakes_dir) / ref.assignment / f"{ref.name}.toml"
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("mistakes", [])
    found = []
    for i, entry in enumerate(entries):
        missing = [f for f in FIELDS if f not in entry]
        if missing:
            raise ValueError(f"{path}: mistake #{i + 1} lacks {', '.join(missing)}")
        found.append(Mistake(ref, entry["name"], entry["cell"], tuple(entry["loses"]),
                             entry["says"], entry["code"].strip("\n")))
    return found


def rounds(mistakes: list[Mistake]) -> list[list[Mistake]]:
    """Group mistakes into submissions, each a plausible student's.

    A submission holds at most one mistake per answer cell, and leaves at least
    one of the cells that have mistakes correct, so it scores in between.
    """
    cells = {m.cell for m in mistakes}
    limit = max(1, len(cells) - 1)
    groups: list[list[Mistake]] = []
    for mistake in mistakes:
        for group in groups:
            if len(group) < limit and all(m.cell != mistake.cell for m in group):
                group.append(mistake)
                break
        else:
            groups.append([mistake])
    return groups


def apply(solution, group: list[Mistake]):
    """A copy of the solved notebook with each mistake's answer cell replaced."""
    answers = {m.cell: m.code for m in group}
    unknown = set(answers) - {nbs.grade_id(c) for c in solution.cells if nbs.is_answer(c)}
    if unknown:
        raise ValueError(f"no answer cell with grade_id {sorted(unknown)} in {group[0].notebook}")
    return nbs.fill_answers(solution, answers)
