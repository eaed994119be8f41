"""Copies (helpers/course/grading/copies.py): the comparison on notebooks directly.

tests/copies/<track>/ holds answers to 01_sequential_data written as a student's
answer cells: the solution disguised (names, comments, formatting, strings
changed), two students sharing most of their answers (pair-a, pair-b), and
three more independently written correct solutions (independent-1..3; pair-a
is the fourth). Each is checked correct here with the chapter's own visible
and hidden tests.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re

import nbformat
import numpy as np
import pytest

from helpers import checks
from helpers.course import notebooks as nbs
from helpers.course.grading import copies
from helpers.course.nbgrader_runner import REPO

FIXTURES = REPO / "tests" / "copies"
ASSIGNMENT = "01_sequential_data"
TRACKS = ("keras", "pytorch")
INDEPENDENT = (copies.SOLUTION, "independent-1", "independent-2", "independent-3", "pair-a")
README_RATE = re.compile(r"(\d+) of (\d+) pairs of independently written answers")


def fixture_names(track: str) -> list[str]:
    return sorted(p.stem for p in (FIXTURES / track).glob("*.py"))


def sources() -> dict:
    return {track: nbs.read(REPO / "source" / ASSIGNMENT / f"{track}.ipynb") for track in TRACKS}


def submissions(names=None) -> dict:
    """student -> track -> the release with the fixture's answers filled in; blank and perfect too."""
    students = {"blank": {}, "perfect": {}}
    for track in TRACKS:
        release = nbs.read(REPO / "chapters" / ASSIGNMENT / f"{track}.ipynb")
        students["blank"][track] = release
        students["perfect"][track] = nbs.read(REPO / "solutions" / ASSIGNMENT / f"{track}.ipynb")
        for name in names or fixture_names(track):
            answers = nbs.read_answers(FIXTURES / track / f"{name}.py")
            students.setdefault(name, {})[track] = nbs.fill_answers(release, answers)
    return students


@pytest.fixture(scope="module")
def comparison():
    return copies.compare(ASSIGNMENT, sources(), submissions())


def flagged(comparison, track: str) -> set[frozenset]:
    return {frozenset((p.first.owner, p.second.owner)) for p in comparison.pairs if p.track == track}


@pytest.mark.parametrize("track", TRACKS)
def test_every_fixture_passes_the_chapter_s_visible_and_hidden_tests(track):
    import torch

    tests = [c.source for c in sources()[track].cells if nbs.is_autograded_test(c)]
    assert len(tests) == 4
    for name in fixture_names(track):
        namespace = {"np": np, "torch": torch, "checks": checks}
        for code in nbs.read_answers(FIXTURES / track / f"{name}.py").values():
            exec(code, namespace)
        with contextlib.redirect_stdout(io.StringIO()):
            for test in tests:
                exec(test, namespace)   # raises on a wrong answer


@pytest.mark.parametrize("track", TRACKS)
def test_the_disguised_solution_is_flagged_against_the_solution(comparison, track):
    pairs = {p.second.owner: p for p in comparison.against_solutions() if p.track == track}
    assert "disguised-solution" in pairs
    assert pairs["disguised-solution"].score >= copies.THRESHOLD


@pytest.mark.parametrize("track", TRACKS)
def test_two_students_sharing_answers_are_flagged_as_a_pair(comparison, track):
    pairs = {frozenset((p.first.owner, p.second.owner)): p
             for p in comparison.between_students() if p.track == track}
    assert frozenset(("pair-a", "pair-b")) in pairs
    assert pairs[frozenset(("pair-a", "pair-b"))].score >= copies.THRESHOLD


def test_independent_answers_are_not_flagged_at_the_readme_s_rate(comparison):
    independent = [frozenset(pair) for pair in itertools.combinations(INDEPENDENT, 2)]
    false_positives = sum(pair in flagged(comparison, track) for track in TRACKS for pair in independent)
    stated = README_RATE.search((REPO / "README.md").read_text())
    assert stated, "README.md states no false-positive rate for the copy report"
    assert (false_positives, len(independent) * len(TRACKS)) == tuple(map(int, stated.groups()))


def test_copies_of_the_solution_are_reported_against_it_not_as_pairs(comparison):
    for track in TRACKS:
        scores = {p.second.owner: p.score for p in comparison.against_solutions() if p.track == track}
        assert scores["perfect"] == 1.0
        assert frozenset(("disguised-solution", "perfect")) not in flagged(comparison, track)
        # control: with the solution's code counted, the two copies are a pair
        both = [a for a in (copies.answers_in(submissions()[name][track], copies.exercises_of(
            sources()[track]), name, track) for name in ("disguised-solution", "perfect"))]
        assert len(copies.compare_track(track, None, both)) == 1


def test_blank_notebooks_short_answers_and_release_code_are_left_out(comparison):
    assert comparison.compared == {"keras": 7, "pytorch": 7}   # the blank student has no answer
    solution = comparison.against_solutions()[0].first
    assert solution.exercises == ["windows_answer", "padding_answer"]   # features, quiz: too short
    assert "def make_windows" not in solution.code and '"""' not in solution.code
    assert "n = len(series) - window - horizon + 1" in solution.code


def test_number_literals_do_not_hide_a_copy(monkeypatch):
    source = sources()["pytorch"]
    exercises = copies.exercises_of(source)
    solution = copies.answers_in(copies.solution_of(source), exercises, copies.SOLUTION, "pytorch")
    renumbered = copies.solution_of(source)
    for cell in renumbered.cells:
        if nbs.is_answer(cell):
            cell.source = re.sub(r"([+-] )1\b", r"\g<1>7", cell.source)   # the def lines kept
    assert renumbered.cells != copies.solution_of(source).cells

    def share():
        copy = copies.answers_in(renumbered, exercises, "renumbered", "pytorch")
        reference = copies.answers_in(copies.solution_of(source), exercises, copies.SOLUTION, "pytorch")
        pairs = copies.compare_track("pytorch", reference, [copy])
        return pairs[0].score if pairs else 0.0

    assert solution is not None and share() == 1.0
    lex = copies.lex
    monkeypatch.setattr(copies, "lex", lambda code: (lex(code)[0], code))   # control: numbers kept
    assert share() < 0.95   # two changed numbers already cost copydetect alone 9 % of the match


def test_compare_names_a_missing_source():
    with pytest.raises(ValueError, match="sources"):
        copies.compare(ASSIGNMENT, {}, {})


@pytest.fixture(scope="module")
def synthetic():
    """30 students of 08_generation (helpers/course/measuring/copies_scale.py) and the sources."""
    from helpers.course.grading.copies_report import parse
    from helpers.course.measuring.copies_scale import synthetic_class

    assignment = "08_generation"
    students = {s: {t: parse(c) for t, c in notebooks.items()}
                for s, notebooks in synthetic_class(assignment, 30, seed=1).items()}
    return assignment, {t: nbs.read(REPO / "source" / assignment / f"{t}.ipynb") for t in TRACKS}, students


def test_the_bound_that_skips_pairs_is_never_below_what_compare_files_finds(synthetic):
    from copydetect import compare_files

    assignment, source, students = synthetic
    checked = 0
    for track in TRACKS:
        exercises = copies.exercises_of(source[track])
        answers = [a for s, nb in students.items() if (a := copies.answers_in(nb[track], exercises, s, track))]
        for first, second in itertools.combinations(answers, 2):
            fp1, fp2 = first.fingerprint, second.fingerprint
            shared = fp1.hashes & fp2.hashes
            _, similarity, _ = compare_files(fp1, fp2)
            for fp, share in ((fp1, similarity[0]), (fp2, similarity[1])):
                assert share * fp.token_coverage <= copies.most_covered(shared, fp) + 1e-9
            checked += bool(shared)
    assert checked > 500


def test_skipping_pairs_below_the_bound_loses_no_flagged_pair(synthetic, monkeypatch):
    assignment, source, students = synthetic
    bounded = copies.compare(assignment, source, students)
    monkeypatch.setattr(copies, "could_be_flagged", lambda shared, fp: True)   # every pair compared
    exhaustive = copies.compare(assignment, source, students)

    def found(comparison):
        return [(p.track, p.first.owner, p.second.owner, p.similarity) for p in comparison.pairs]

    assert found(bounded) == found(exhaustive)
    assert bounded.against_solutions() and bounded.between_students()


def test_the_report_shows_each_pair_side_by_side_with_whole_matching_lines(tmp_path):
    from helpers.course.grading import copies_report

    class_ = submissions()
    class_["<b>mallory</b>"] = class_.pop("pair-b")   # a name is text, never markup
    files = {s: {t: nbformat.writes(nb).encode() for t, nb in notebooks.items()}
             for s, notebooks in class_.items()}
    comparison, path = copies_report.write_report(tmp_path, ASSIGNMENT, sources(), files)
    page = path.read_text()
    assert path == tmp_path / f"copies-{ASSIGNMENT}.html"
    assert page.count('<div class="pair"') == len(comparison.pairs) == 6
    assert "&lt;b&gt;mallory&lt;/b&gt;" in page and "<b>mallory" not in page
    for block in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S):
        assert "<mark>" in block
        for start in (m.start() for m in re.finditer("<mark>", block)):
            assert start == 0 or block[start - 1] == "\n"   # a highlight starts a line
    line = copies_report.summary(comparison, path)
    assert "4 answer(s) flagged against the published solutions, 2 pair(s) between students" in line
