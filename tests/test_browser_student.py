"""The student's JupyterLab (``make lab``) in a real browser, as a student sees it.

The lab runs on a work folder made by the same command as ``make lab``; a chapter
is opened, run, partly answered and validated through the page, never through
the server's API.
"""

from __future__ import annotations

import re

import pytest

import browser
from course_paths import CHAPTERS, SOLUTIONS
from helpers.course.labs import profiles as labs
from helpers.course import notebooks as nbs
from helpers.course.labs.workspace import sync_workspace

REF = nbs.NotebookRef("01_sequential_data", "pytorch")   # the quickest chapter to run
ANSWER, TEST, NEXT_TEST = "windows_answer", "windows_tests", "features_tests"
ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
# Run All starts PyTorch and the chapter's cells; under make test the other worker grades
# notebooks on both cores, and the first error took more than 60 s to show in CI
RUN_ALL_TIMEOUT = 300_000


@pytest.fixture(scope="module")
def student_page(tmp_path_factory):
    """A student's page on their own JupyterLab, with the chapter open."""
    browser.require_browser()
    tmp = tmp_path_factory.mktemp("student-lab")
    work = tmp / "work"
    sync_workspace(CHAPTERS, work)
    with browser.jupyter_lab(labs.STUDENT, work, tmp / "config", tmp / "lab.log") as url, \
            browser.chromium_page() as page:
        page.goto(f"{url}/lab/tree/{REF.assignment}/{REF.filename}?token={browser.TOKEN}")
        wait_idle(page)
        yield page


def wait_idle(page, timeout: float = 120_000) -> None:
    """Wait until the notebook's kernel is connected and idle."""
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


def cell_with(page, text: str):
    """The notebook cell whose code contains ``text``."""
    return page.locator(".jp-Notebook .jp-Cell").filter(has=page.locator(".jp-InputArea", has_text=text))


def solution_source(grade_id: str) -> str:
    return nbs.cells_by_grade_id(nbs.read(REF.path(SOLUTIONS)))[grade_id].source


def first_line(grade_id: str) -> str:
    """The first code line of a cell of the chapter, as the page shows it."""
    return nbs.cells_by_grade_id(nbs.read(REF.path(CHAPTERS)))[grade_id].source.splitlines()[0]


def show(locator) -> None:
    """Scroll the notebook so that ``locator`` is in the middle of the screen (twice: cells
    above it are laid out, and grow, as they come into view)."""
    for _ in range(2):
        locator.evaluate("element => element.scrollIntoView({block: 'center'})")
        locator.page.wait_for_timeout(400)


def menu(page, title: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{title}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def run_all(page) -> None:
    """Run All Cells from the menu, once the notebook has started running.

    The menu item does nothing while the notebook is not the current widget, which a page
    still settling under load can leave it; so the notebook is clicked first, and the item
    is clicked again if no cell started within 30 s."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    page.locator(".jp-Notebook .jp-Cell").first.click()
    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]")).first
    for _ in range(3):
        menu(page, "Run", "Run All Cells")
        try:
            started.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("Run All Cells started no cell")


def test_the_student_lab(student_page):
    page, shots = student_page, browser.Screenshots("student")
    shots(page, "chapter opened")

    with shots.step(page, "run all stops at the first test"):
        run_all(page)
        page.wait_for_selector(ERROR_OUTPUT, timeout=RUN_ALL_TIMEOUT)
        wait_idle(page, RUN_ALL_TIMEOUT)
        first_error = page.locator(".jp-Notebook .jp-Cell").filter(has=page.locator(ERROR_OUTPUT)).first
        show(first_error.locator(ERROR_OUTPUT))
        assert first_line(TEST) in first_error.locator(".jp-InputArea").inner_text(), \
            "Run All did not stop at the chapter's first test cell"
        shown = " ".join(first_error.locator(ERROR_OUTPUT).inner_text().split())
        assert "make_windows is not answered yet" in shown and "helpers/checks" not in shown, shown

    with shots.step(page, "the answered exercise passes its test"):
        cell_with(page, "def make_windows").locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(solution_source(ANSWER))
        page.keyboard.press("Shift+Enter")        # runs the answer, moves to its test
        page.keyboard.press("Shift+Enter")        # runs the test
        wait_idle(page)
        test = cell_with(page, first_line(TEST)).first
        show(test)
        assert test.locator(ERROR_OUTPUT).count() == 0, test.locator(ERROR_OUTPUT).first.inner_text()
        passed = nbs.output_text(nbs.cells_by_grade_id(nbs.read(REF.path(SOLUTIONS)))[TEST]).strip()
        assert passed and passed in test.locator(".jp-OutputArea").inner_text()

    with shots.step(page, "validate names the failing cells"):
        page.keyboard.press("Control+s")           # Validate checks the saved notebook
        page.wait_for_selector(".jp-mod-dirty", state="detached")
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_text("The following cell failed").first.wait_for(timeout=180_000)
        report = dialog.inner_text()
        assert first_line(NEXT_TEST) in report, report[:2000]
        assert first_line(TEST) not in report, "Validate reports the test the student just passed"
        assert "features_axis is not answered yet" in " ".join(report.split()), report[:2000]

    with shots.step(page, "no instructor tool and no banner"):
        dialog.get_by_role("button", name="Ok").click()
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" not in menus, menus
        body = page.locator("body").inner_text()
        for unwanted in ("Create Assignment", "Formgrader", "exchange directory", "Error fetching",
                         "official Jupyter news"):
            assert unwanted not in body, f"the student lab shows {unwanted!r}"
        toasts = page.locator(".Toastify__toast")
        assert toasts.count() == 0, toasts.all_inner_texts()
