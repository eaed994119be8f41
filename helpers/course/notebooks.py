"""Reading nbgrader notebooks: where the chapters are, which cells are what."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class NotebookRef:
    """One notebook of one assignment, e.g. ``01_sequential_data/keras``."""

    assignment: str
    name: str

    @property
    def filename(self) -> str:
        return f"{self.name}.ipynb"

    def path(self, folder: Path) -> Path:
        return Path(folder) / self.assignment / self.filename

    def __str__(self) -> str:
        return f"{self.assignment}/{self.name}"


def find_notebooks(source_dir: Path) -> list[NotebookRef]:
    """Every ``<assignment>/<name>.ipynb`` below ``source_dir``, sorted."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise FileNotFoundError(f"source_dir {source_dir} is not a folder")
    return [NotebookRef(p.parent.name, p.stem)
            for p in sorted(source_dir.glob("*/*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts]


def assignments(refs: list[NotebookRef]) -> list[str]:
    """The assignment names of ``refs``, in order, without repeats."""
    return list(dict.fromkeys(ref.assignment for ref in refs))


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_autograded_test(cell) -> bool:
    """A locked code cell with points and no solution: nbgrader runs it to grade."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def cells_by_grade_id(nb) -> dict:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def without_lines(source: str, markers: tuple[str, ...]) -> str:
    """``source`` without the lines that are exactly one of ``markers``."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)


def region_lines(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between ``begin`` and ``end`` marker lines."""
    inside, found = False, []
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            found.append(line)
    return found


def split_secret(cell) -> tuple[set[str], set[str]]:
    """(secret, public) stripped lines of a source cell.

    Secret lines sit inside solution or hidden-test regions, or make up a
    written answer's model text; public lines are all the others.
    """
    secret, public, inside = set(), set(), False
    begins, ends = (BEGIN_SOLUTION, BEGIN_HIDDEN), (END_SOLUTION, END_HIDDEN)
    model_answer = is_answer(cell) and cell.cell_type == "markdown"
    for line in cell.source.splitlines():
        text = line.strip()
        if text in begins:
            inside = True
        elif text in ends:
            inside = False
        elif inside or model_answer:
            secret.add(text)
        else:
            public.add(text)
    return secret, public


def leaked_lines(source: nbformat.NotebookNode, release: nbformat.NotebookNode) -> set[str]:
    """Lines of the release that only the source's secret regions hold.

    Short lines and comments are ignored: ``return x`` or ``# check`` may
    legitimately appear in both.
    """
    secret, public = set(), set()
    for cell in source.cells:
        cell_secret, cell_public = split_secret(cell)
        secret |= cell_secret
        public |= cell_public
    released = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    return {line for line in (secret - public) & released
            if len(line) > 3 and not line.startswith("#")}


def solution_source(cell) -> str:
    """What a perfect student writes in an answer cell of the source notebook."""
    return without_lines(cell.source, (BEGIN_SOLUTION, END_SOLUTION))


def read_answers(path: Path) -> dict[str, str]:
    """Answer cells written as a script: each ``# %% <grade_id>`` line starts one cell's source."""
    parts = re.split(r"^# %% (\S+)\n", Path(path).read_text(), flags=re.M)
    if len(parts) < 3:
        raise ValueError(f"{path}: no '# %% <grade_id>' line starts an answer cell")
    return {parts[i]: parts[i + 1].rstrip() + "\n" for i in range(1, len(parts), 2)}


def fill_answers(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``release`` whose answer cells (by grade_id) hold ``answers``."""
    filled = copy.deepcopy(release)
    for cell in filled.cells:
        if is_answer(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return filled


def solved(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The release with every answer cell replaced by the source's solution."""
    answers = {gid: solution_source(cell) for gid, cell in cells_by_grade_id(source).items()
               if is_answer(cell)}
    return fill_answers(release, answers)


def clear_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with no outputs and no execution counts."""
    blank = copy.deepcopy(nb)
    for cell in blank.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return blank


def deduplicate_grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Drop nbgrader metadata from repeated grade_ids (copied cells), in place.

    nbgrader 0.9 aborts a whole autograde run on a duplicated grade_id, so
    submissions are cleaned first. The first cell with an id keeps it.
    Returns the ids that were repeated.
    """
    seen, repeated = set(), []
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in seen:
            cell.metadata.pop("nbgrader")
            repeated.append(gid)
        seen.add(gid)
    return repeated


def shown_text(cell) -> str:
    """What a student sees under a code cell: printed text, then each error as
    Jupyter shows it (its traceback lines, colours removed)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text.rstrip("\n"))
        elif out.output_type == "error":
            parts.append("\n".join(out.get("traceback") or [f"{out.ename}: {out.evalue}"]))
        elif "data" in out:
            parts.append(str(out.data.get("text/plain", "")))
    return ANSI_ESCAPE.sub("", "\n".join(parts))


def mentions(text: str, phrase: str) -> bool:
    """Does ``text`` contain ``phrase``, however either is wrapped over lines?"""
    return " ".join(phrase.split()) in " ".join(text.split())


def output_text(cell) -> str:
    """All text a code cell printed or raised, tracebacks included."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.extend([f"{out.ename}: {out.evalue}", *out.get("traceback", [])])
        elif "data" in out:
            parts.append(str(out.data.get("text/plain", "")))
    return ANSI_ESCAPE.sub("", "\n".join(parts))
