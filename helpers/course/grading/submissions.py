"""Collecting one student's submission and cleaning it before grading.

Every problem a student's files can have is handled here and named as a
:class:`~helpers.course.grading.task.Fault`, so that the class run never stops on it:

- invalid JSON (the notebook scores 0; the error says where the JSON breaks);
- a missing notebook (0 points, as plain nbgrader gives);
- a renamed notebook (``Keras (1).ipynb``): graded as the notebook whose grade_ids
  it holds, when exactly one missing notebook matches;
- repeated grade_ids (copied cells; nbgrader 0.9 aborts a whole run on them): the
  first keeps its id (:func:`helpers.course.notebooks.deduplicate_grade_ids`);
- deleted cells and edited locked cells: named; nbgrader restores test cells
  (``OverwriteCells``, ``add_missing_cells``) and the source of locked cells.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

from helpers.course import notebooks as nbs
from helpers.course.grading.task import Fault

MAX_OTHER_FILE_BYTES = 20 * 2 ** 20


@dataclass
class Submission:
    """A cleaned submission, ready to travel with a task."""

    student: str
    notebooks: dict[str, bytes] = field(default_factory=dict)
    other_files: dict[str, bytes] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    timestamp: str | None = None


def students_of(submitted: Path, assignment: str) -> list[str]:
    """The students with a folder ``submitted/<student>/<assignment>``, sorted."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        raise ValueError(f"submitted: {submitted} is not a folder")
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def _parse(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"invalid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    try:
        return nbformat.reads(text, as_version=4), ""
    except Exception as error:  # valid JSON, but not a notebook nbformat can read
        return None, f"not a notebook nbformat can read ({type(error).__name__}: {str(error)[:200]})"


def _grade_ids(nb) -> set[str]:
    return {gid for gid in (nbs.grade_id(c) for c in nb.cells) if gid}


def cell_faults(student: str, name: str, nb, source) -> list[Fault]:
    """Deleted cells and edited locked cells of a submitted notebook, against its source."""
    faults = []
    submitted = nbs.cells_by_grade_id(nb)
    for cell in source.cells:
        gid = nbs.grade_id(cell)
        if not gid:
            continue
        meta = nbs.nbgrader_meta(cell)
        if gid not in submitted:
            restored = ("nbgrader restores it from the source" if meta.get("grade") or meta.get("task")
                        else "not restored")
            faults.append(Fault(student, name, "deleted cell", f"{gid} ({restored})"))
        elif meta.get("locked") and not meta.get("solution"):
            mine = submitted[gid]
            checksum = nbs.nbgrader_meta(mine).get("checksum")
            if checksum and nbgrader_utils.compute_checksum(mine) != checksum:
                faults.append(Fault(student, name, "edited locked cell",
                                    f"{gid} (graded with the source's version)"))
    return faults


def collect(folder: Path, student: str, sources: dict[str, nbformat.NotebookNode]) -> Submission:
    """Read and clean ``folder`` (``submitted/<student>/<assignment>``) against ``sources``."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbformat")  # repaired cell ids: named below
        return _collect(Path(folder), student, sources)


def _collect(folder: Path, student: str, sources: dict) -> Submission:
    found = Submission(student)
    parsed: dict[str, nbformat.NotebookNode] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            continue
        if path.suffix != ".ipynb":
            if path.name == "timestamp.txt":
                found.timestamp = path.read_text().strip() or None
                try:
                    nbgrader_utils.parse_utc(found.timestamp)
                except (ValueError, OverflowError):
                    found.faults.append(Fault(student, "", "invalid timestamp",
                                              f"timestamp.txt holds {found.timestamp[:40]!r}; ignored"))
                    found.timestamp = None
                    continue
            if path.stat().st_size > MAX_OTHER_FILE_BYTES:
                found.faults.append(Fault(student, "", "large file left out",
                                          f"{path.name} ({path.stat().st_size / 2**20:.0f} MiB)"))
            else:
                found.other_files[path.name] = path.read_bytes()
            continue
        nb, problem = _parse(path)
        if nb is None:
            found.faults.append(Fault(student, path.stem, "invalid notebook",
                                      f"{path.name}: {problem}; it scores 0"))
        else:
            parsed[path.stem] = nb
    broken = {f.notebook for f in found.faults if f.kind == "invalid notebook"}
    unknown = [name for name in parsed if name not in sources]
    for name in unknown:
        nb = parsed.pop(name)
        missing = [s for s in sources if s not in parsed and s not in broken]
        overlap = {s: len(_grade_ids(nb) & _grade_ids(sources[s])) for s in missing}
        best = [s for s, n in overlap.items() if n and n == max(overlap.values())]
        if len(best) == 1:
            parsed[best[0]] = nb
            found.faults.append(Fault(student, best[0], "renamed notebook",
                                      f"{name}.ipynb graded as {best[0]}.ipynb"))
        else:
            found.faults.append(Fault(student, "", "unexpected notebook",
                                      f"{name}.ipynb matches no notebook of the assignment; ignored"))
    for name in sources:
        if name not in parsed and name not in broken:
            found.faults.append(Fault(student, name, "missing notebook",
                                      f"{name}.ipynb was not submitted; it scores 0"))
    for name, nb in sorted(parsed.items()):
        repeated = nbs.deduplicate_grade_ids(nb)
        if repeated:
            found.faults.append(Fault(student, name, "duplicated grade_id",
                                      f"{', '.join(repeated)} (the first cell keeps the id; "
                                      "copies are graded as ordinary cells)"))
        found.faults += cell_faults(student, name, nb, sources[name])
        found.notebooks[name] = nbformat.writes(nb).encode()
    return found
