"""Copies: every student's answers compared with the published solutions and with each other.

Information for the instructor only: nothing here reads or changes a score.

The comparison is copydetect's (PyPI ``copydetect``): Pygments tokenizes the code,
names become ``V``/``F``/``O``, strings ``S``, comments and whitespace go; the
k-grams of what is left are hashed and winnowed (MOSS's algorithm) and two
answers are as similar as the share of their code their common fingerprints
cover. Number literals are normalised here first (copydetect keeps them), so
changing ``0.5`` to ``0.25`` hides nothing either.

What an answer is: the lines of its answer cells (nbgrader ``solution: true`` code
cells) that the release does not already hold (the def line, the docstring, the
stub, code given around the answer), one notebook (track) at a time. Exercises
whose answer has fewer than ``MIN_TOKENS`` tokens (a one-liner, the quiz letters)
say nothing and are left out. Between students, code the solution also holds is
not counted: a copy of the solution is reported against the solution.
"""

from __future__ import annotations

import copy
import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

import nbformat
import copydetect.utils
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage
from pygments import lexers, token

from helpers.course import notebooks as nbs

SOLUTION = "published solution"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader_config.py's stub
MIN_TOKENS = 20     # an exercise answer with fewer Pygments tokens says nothing
NOISE = 20          # k: matches shorter than this many normalised characters are noise
GUARANTEE = 24      # matches this long are always found (winnowing window = GUARANTEE - NOISE + 1)
THRESHOLD = 0.5     # flagged when this share of an answer's code is matched
MIN_OVERLAP = 40    # ... and at least this many normalised characters of it

_PYTHON = lexers.get_lexer_by_name("python")


@dataclass
class Answers:
    """One person's answers in one notebook: the code, its fingerprint, the exercises kept."""

    owner: str
    track: str
    code: str
    exercises: list[str]
    fingerprint: CodeFingerprint


@dataclass(frozen=True)
class Pair:
    """Two answers whose fingerprints match above the threshold."""

    track: str
    first: Answers
    second: Answers
    similarity: tuple[float, float]   # share of each side's code the match covers
    slices: tuple                      # copydetect's matched (starts, ends) in each side's code
    against_solution: bool             # first is the published solution, second a student

    @property
    def score(self) -> float:
        """The student's share for a pair with the solution; the larger share between students."""
        return self.similarity[1] if self.against_solution else max(self.similarity)


@dataclass
class Comparison:
    """The flagged pairs of one assignment, and how many answers each track compared."""

    assignment: str
    pairs: list[Pair] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)   # track -> students with an answer

    def against_solutions(self) -> list[Pair]:
        return [p for p in self.pairs if p.against_solution]

    def between_students(self) -> list[Pair]:
        return [p for p in self.pairs if not p.against_solution]


# --- what an answer is -------------------------------------------------------------

def released_lines(source_cell) -> set[str]:
    """Stripped lines of an answer cell that its release already holds."""
    _, public = nbs.split_secret(source_cell)
    return public | set(CODE_STUB)


def answer_code(cell_source: str, released: set[str]) -> str:
    """The lines of a cell that are the student's own (not in the release, not blank)."""
    return "\n".join(line for line in cell_source.splitlines()
                     if line.strip() and line.strip() not in released)


def exercises_of(source: nbformat.NotebookNode) -> dict[str, set[str]]:
    """grade_id -> released lines, for every code answer cell of a source notebook."""
    return {nbs.grade_id(c): released_lines(c) for c in source.cells
            if nbs.is_answer(c) and c.cell_type == "code"}


def solution_of(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source notebook as published in solutions/: answer cells without the markers."""
    solved = copy.deepcopy(source)
    for cell in solved.cells:
        if nbs.is_answer(cell) and cell.cell_type == "code":
            cell.source = nbs.solution_source(cell)
    return solved


def lex(code: str) -> tuple[int, str]:
    """(how many tokens ``code`` has besides whitespace and comments, ``code`` with every
    number literal turned into ``0`` padded to its length, so offsets still fit ``code``)."""
    count, parts = 0, []
    for _, kind, text in _PYTHON.get_tokens_unprocessed(code):
        if kind in token.Number:
            text = "0".ljust(len(text))
        count += bool(text.strip()) and kind not in token.Comment and kind not in token.Text
        parts.append(text)
    return count, "".join(parts)


def stable_hash(kgram: str) -> int:
    """A signed 64-bit hash of ``kgram`` that is the same in every process."""
    return int.from_bytes(hashlib.blake2b(kgram.encode(), digest_size=8).digest(), "little", signed=True)


@contextmanager
def stable_hashes():
    """copydetect hashes its k-grams with hash(), which changes with each process
    (PYTHONHASHSEED): inside this block it uses stable_hash, so scores repeat from run to run."""
    with mock.patch.object(copydetect.utils, "hash", stable_hash, create=True):
        yield


def fingerprint(code: str, normalised: str) -> CodeFingerprint:
    """copydetect's winnowed fingerprint of ``normalised`` (see lex); its raw_code is ``code``."""
    with stable_hashes():
        fp = CodeFingerprint("answers.py", NOISE, GUARANTEE - NOISE + 1, language="python",
                             fp=io.StringIO(normalised))
    fp.raw_code = code
    return fp


def answers_in(nb: nbformat.NotebookNode | None, exercises: dict[str, set[str]], owner: str,
               track: str) -> Answers | None:
    """The answers of ``nb`` worth comparing, or None when no exercise has enough tokens."""
    if nb is None:
        return None
    cells = nbs.cells_by_grade_id(nb)
    blocks, normalised, kept = [], [], []
    for gid, released in exercises.items():
        cell = cells.get(gid)
        if cell is None or cell.cell_type != "code":
            continue
        code = answer_code(cell.source, released)
        tokens, numbers_as_0 = lex(code)
        if tokens >= MIN_TOKENS:
            blocks.append(f"# --- {gid}\n{code}")
            normalised.append(f"# --- {gid}\n{numbers_as_0}")
            kept.append(gid)
    if not blocks:
        return None
    code = "\n\n".join(blocks) + "\n"
    return Answers(owner, track, code, kept, fingerprint(code, "\n\n".join(normalised) + "\n"))


# --- comparing ---------------------------------------------------------------------

def without(fp: CodeFingerprint, hashes: set) -> CodeFingerprint:
    """A copy of ``fp`` without the fingerprints in ``hashes`` (copydetect's boilerplate removal)."""
    kept = copy.copy(fp)
    kept.hashes = fp.hashes - hashes
    kept.hash_idx = {h: i for h, i in fp.hash_idx.items() if h in kept.hashes}
    kept.token_coverage = get_token_coverage(kept.hash_idx, fp.k, len(fp.filtered_code))
    return kept


def most_covered(shared: set, fp: CodeFingerprint) -> int:
    """At most how many characters of ``fp`` the fingerprints ``shared`` cover: each of their
    places covers k characters at most (copydetect's get_copied_slices)."""
    return fp.k * sum(len(fp.hash_idx[h]) for h in shared)


def could_be_flagged(shared: set, fp: CodeFingerprint) -> bool:
    """Can the fingerprints ``shared`` cover enough of ``fp`` to flag it?"""
    covered = most_covered(shared, fp)
    return covered >= MIN_OVERLAP and covered >= THRESHOLD * fp.token_coverage


def _pair(track: str, first: Answers, second: Answers, fp1, fp2, against_solution: bool) -> Pair | None:
    """The pair when the match covers enough of the student's side (against the solution)
    or of either side (between students)."""
    shared, fps, sides = fp1.hashes & fp2.hashes, (fp1, fp2), (1,) if against_solution else (0, 1)
    if not any(could_be_flagged(shared, fps[side]) for side in sides):
        return None   # compare_files could find nothing above the threshold: skip its work
    _, similarity, slices = compare_files(fp1, fp2)
    if not any(similarity[side] >= THRESHOLD
               and similarity[side] * fps[side].token_coverage >= MIN_OVERLAP for side in sides):
        return None
    return Pair(track, first, second, (float(similarity[0]), float(similarity[1])), slices,
                against_solution)


def compare_track(track: str, solution: Answers | None, students: list[Answers]) -> list[Pair]:
    """Flagged pairs of one track: each student against the solution, then every two students."""
    pairs = []
    if solution is not None:
        pairs += [p for s in students
                  if (p := _pair(track, solution, s, solution.fingerprint, s.fingerprint, True))]
    solution_hashes = solution.fingerprint.hashes if solution is not None else set()
    own = [without(s.fingerprint, solution_hashes) for s in students]
    for i, first in enumerate(students):
        for j in range(i + 1, len(students)):
            pair = _pair(track, first, students[j], own[i], own[j], False)
            if pair:
                pairs.append(pair)
    return pairs


def compare(assignment: str, sources: dict[str, nbformat.NotebookNode],
            submissions: dict[str, dict[str, nbformat.NotebookNode]]) -> Comparison:
    """Compare ``submissions`` (student -> track -> notebook) of one assignment.

    ``sources`` maps each track (notebook name) to its source notebook, which
    gives the answer cells, what the release holds and the published solution.
    """
    if not sources:
        raise ValueError(f"sources: no source notebook for assignment {assignment!r}")
    result = Comparison(assignment)
    for track, source in sources.items():
        exercises = exercises_of(source)
        solution = answers_in(solution_of(source), exercises, SOLUTION, track)
        students = [a for student, notebooks in sorted(submissions.items())
                    if (a := answers_in(notebooks.get(track), exercises, student, track))]
        result.compared[track] = len(students)
        result.pairs += compare_track(track, solution, students)
    result.pairs.sort(key=lambda p: (not p.against_solution, -p.score, p.track))
    return result
