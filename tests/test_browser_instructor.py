"""The instructor's JupyterLab (``make formgrader``) in a real browser, on a demo's gradebook.

``make demo``'s grading (perfect, blank and mistaken students, graded by the
course's class grading) runs on one notebook; the formgrader must list those
students with the scores the grading stored, and a written answer graded by hand
in the page must change the student's total.
"""

from __future__ import annotations

import re

import pytest

import browser
from helpers.course.labs import profiles as labs
from helpers.course import notebooks as nbs
from helpers.course.authoring.demo import run_demo
from nbgrader.api import Gradebook

REF = nbs.NotebookRef("01_sequential_data", "pytorch")
WRITTEN = "written_answer"     # the chapter's answer graded by hand (1 point)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's grading, on one notebook, in a course of its own."""
    browser.require_browser()
    return run_demo(tmp_path_factory.mktemp("formgrader") / "demo-course", refs=[REF])


@pytest.fixture(scope="module")
def instructor(demo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instructor-lab")
    with browser.jupyter_lab(labs.INSTRUCTOR, demo.course, tmp / "config", tmp / "lab.log") as url, \
            browser.chromium_page() as page:
        page.goto(f"{url}/lab?token={browser.TOKEN}")      # logs in: the formgrader pages need it
        page.wait_for_selector(".jp-LabShell")
        yield url, page


def assignment_max(course) -> float:
    """The assignment's points, from its source notebooks (every notebook of it counts)."""
    return sum(float(cell.metadata["nbgrader"].get("points", 0))
               for path in sorted((course / "source" / REF.assignment).glob("*.ipynb"))
               for cell in nbs.read(path).cells
               if cell.metadata.get("nbgrader", {}).get("grade"))


def student_rows(page, url: str) -> dict[str, str]:
    """Manage Students, as shown: each student's id -> its "Overall Score" cell."""
    page.goto(f"{url}/formgrader/manage_students")
    page.wait_for_selector("#main-table tr td:nth-child(4)")
    rows = {}
    for row in page.locator("#main-table tr").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) >= 4:
            rows[cells[1].strip()] = " ".join(cells[3].split())
    return rows


def manual_score(course, student: str):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "rnn-course") as gradebook:
        return gradebook.find_grade(WRITTEN, REF.name, REF.assignment, student).manual_score


def test_the_instructor_lab(demo, instructor):
    (url, page), shots = instructor, browser.Screenshots("instructor")
    maximum = assignment_max(demo.course)

    with shots.step(page, "formgrader opens from the nbgrader menu"):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
        items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
        assert "Assignment List" not in items and "Course List" not in items, items
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Formgrader$")).click()
        frame = page.frame_locator("iframe[src*='formgrader']")
        frame.get_by_text(REF.assignment).first.wait_for()
        assert "Manage Assignments" in frame.locator("body").inner_text()

    with shots.step(page, "manage students lists the demo's scores"):
        rows = student_rows(page, url)
        for student in ("perfect", "blank", "mistakes"):
            score, _ = demo.total(student, REF)
            assert rows.get(student) == f"{score:g} / {maximum:g}", (student, rows)
        before, _ = demo.total("perfect", REF)

    with shots.step(page, "a written answer graded by hand"):
        page.goto(f"{url}/formgrader/gradebook/{REF.assignment}/{REF.name}")
        page.locator("#main-table a").first.wait_for()       # the submissions have loaded
        page.get_by_text("Show All Names").click()
        page.locator("#main-table a.name-shown", has_text=re.compile("^perfect$")).click()
        score = page.locator(f"input#{WRITTEN}")
        score.wait_for()
        # the formgrader binds its inputs after loading the grades: a value typed before
        # that is dropped (seen under load), so wait until the page is quiet first
        page.wait_for_load_state("networkidle")
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
            score.fill("1")
            score.press("Tab")
        score.scroll_into_view_if_needed()
        assert manual_score(demo.course, "perfect") == 1

    with shots.step(page, "the student's total changed"):
        rows = student_rows(page, url)
        assert rows["perfect"] == f"{before + 1:g} / {maximum:g}", rows
        score, _ = demo.total("blank", REF)
        assert rows["blank"] == f"{score:g} / {maximum:g}", rows
