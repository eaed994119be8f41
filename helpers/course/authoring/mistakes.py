"""Fixture submissions that make the common mistakes (tests/mistakes/<assignment>/<notebook>.toml).

Each entry replaces one answer cell (``cell``) with mistaken ``code``; the test
cells in ``loses`` must then score 0, and their error output must contain
``says``. Mistakes on different answer cells share a submission (see
:func:`rounds`), so a notebook needs about as many autograde runs as its
answer cell with the most mistakes (two per notebook in this course, three for
01, where every test cell has a mistake).
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


def rounds(mistakes: list[Mistake], tests=()) -> list[list[Mistake]]:
    """Group mistakes into as few submissions as possible, each a plausible student's.

    A submission holds at most one mistake per answer cell (so at least as
    many submissions as the cell with the most mistakes), its mistakes lose
    different test cells (each failure is the work of one mistake), and it
    keeps at least one autograded test cell (of ``tests``, the notebook's, or
    else of the cells the mistakes lose) that none of its mistakes loses, so it
    scores in between.
    Each cell's mistakes, those losing the most test cells first, go to the emptiest
    submissions that can take them; when no grouping fits, one more submission is tried.
    """
    by_cell: dict[str, list[Mistake]] = {}
    for mistake in mistakes:
        by_cell.setdefault(mistake.cell, []).append(mistake)
    every_test = set(tests).union(*(m.loses for m in mistakes))
    fewest = max((len(found) for found in by_cell.values()), default=0)
    for count in range(fewest, len(mistakes) + 1):
        groups = _fill(by_cell, count, every_test)
        if groups is not None:
            order = {m: i for i, m in enumerate(mistakes)}
            return sorted((sorted(g, key=order.get) for g in groups if g), key=lambda g: order[g[0]])
    return [[m] for m in mistakes]  # a mistake that loses every test cell is a submission of its own


def _fill(by_cell: dict[str, list[Mistake]], count: int, every_test: set[str]):
    """``count`` submissions holding every mistake under the rules of :func:`rounds`, or None."""
    def fits(group, mistake):
        lost = [t for m in group for t in m.loses]
        return (all(m.cell != mistake.cell for m in group) and not set(lost) & set(mistake.loses)
                and bool(every_test.difference(lost, mistake.loses)))

    groups: list[list[Mistake]] = [[] for _ in range(count)]
    for cell in sorted(by_cell, key=lambda c: -len(by_cell[c])):  # the busiest cells first
        for mistake in sorted(by_cell[cell], key=lambda m: -len(m.loses)):  # the hardest to place first
            open_groups = [g for g in groups if fits(g, mistake)]
            if not open_groups:
                return None
            min(open_groups, key=len).append(mistake)
    return groups


def rounds_of(ref: nbs.NotebookRef, mistakes_dir: Path = MISTAKES_DIR,
              source_dir: Path = REPO / "source") -> list[list[Mistake]]:
    """The rounds of ``ref``'s mistakes, with the autograded test cells of its source notebook."""
    source = Path(source_dir) / ref.assignment / f"{ref.name}.ipynb"
    tests = [nbs.grade_id(c) for c in nbs.read(source).cells if nbs.is_autograded_test(c)] \
        if source.exists() else []
    return rounds(load(ref, mistakes_dir), tests)


def apply(solution, group: list[Mistake]):
    """A copy of the solved notebook with each mistake's answer cell replaced."""
    answers = {m.cell: m.code for m in group}
    unknown = set(answers) - {nbs.grade_id(c) for c in solution.cells if nbs.is_answer(c)}
    if unknown:
        raise ValueError(f"no answer cell with grade_id {sorted(unknown)} in {group[0].notebook}")
    return nbs.fill_answers(solution, answers)
