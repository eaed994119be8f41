"""A class on ``make hub``, in a real browser: release, fetch, submit, grade, feedback.

The instructor releases chapter 01 from the formgrader (its own tab); two students log
in (PAM), fetch it from the Assignment List, answer (one with the solutions' answers,
one with a single answer), submit; the instructor collects, root grades with ``grade``
(parallel, judged, sandboxed) into the PostgreSQL gradebook, the instructor releases
feedback; each student fetches it in the browser and reads their
own score. Files one student wrote are not readable by the other (checked as that Unix
user; the control reads them as their owner). Runs as root (it adds Unix users).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

import browser
from course_paths import REPO, SOLUTIONS
from helpers.course import notebooks as nbs
from helpers.course.labs import hub as hubs

ROOT = Path("/srv/rnn-course-hub-test")   # below /srv: every user can reach the exchange
ENV = Path(os.environ.get("COURSE_ENV", "/opt/rnn-course/venv"))
ASSIGNMENT = "01_sequential_data"
ROSTER = hubs.read_roster(REPO / "hub" / "roster.csv")
INSTRUCTOR, GRADER = ROSTER.instructors[0], ROSTER.graders[0]
FULL, PARTLY = ROSTER.students[:2]   # the first answers everything, the second one cell


def home(user: str) -> Path:
    return Path(os.path.expanduser(f"~{user}"))


def as_user(user: str, *cmd: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["/usr/sbin/runuser", "-u", user, "--", *cmd], capture_output=True, text=True, **kwargs)


def free_ports() -> int:
    """A free port whose next two (the hub's API, the proxy's API) are free too."""
    while True:
        port = browser.free_port()
        try:
            for other in (port + 1, port + 2):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", other))
            return port
        except OSError:
            continue


def stop_proxy() -> None:
    """The proxy runs in a session of its own: a hub that failed to start leaves it behind."""
    pid_file = hubs.HubPaths(ROOT).state / "proxy.pid"
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text()), 15)


def stop_postgres() -> None:
    if (hubs.HubPaths(ROOT).postgres / "postmaster.pid").exists():
        as_user("postgres", str(hubs.PG_BIN / "pg_ctl"), "-D", str(hubs.HubPaths(ROOT).postgres),
                "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def hub():
    """``make hub`` on a free port, from nothing (its folder and the students' work removed)."""
    browser.require_browser()
    if os.geteuid() != 0:
        message = "the hub test runs as root: it adds Unix users and spawns their servers"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    stop_postgres()
    shutil.rmtree(ROOT, ignore_errors=True)
    for student in ROSTER.students:   # an earlier run's fetched copy and nbgrader cache
        for old in (home(student) / "rnn-course", home(student) / ".local/share/jupyter/nbgrader_cache"):
            shutil.rmtree(old, ignore_errors=True)
    port = free_ports()
    (REPO / "screenshots").mkdir(exist_ok=True)
    log = REPO / "screenshots" / "hub.log"
    with open(log, "w") as out:
        server = subprocess.Popen(["make", "hub", f"HUB_ROOT={ROOT}", f"HUB_PORT={port}"], cwd=REPO,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        # a fresh clone first makes the course environment (about 3 minutes)
        browser.wait_until_up(f"{url}/hub/api", server, log, 900, "make hub")
        with open(hubs.HubPaths(ROOT).passwords, newline="") as handle:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(handle)}
        yield url, passwords
    finally:
        try:
            browser.stop(server, 60)   # the hub stops the users' servers first
        finally:
            stop_proxy()
            stop_postgres()


def log_in(page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    page.wait_for_selector(".jp-LabShell", timeout=120_000)


def call(page, url: str, user: str, method: str, path: str, data=None) -> dict:
    """A request of the user's own server, with their browser session (cookies, xsrf)."""
    xsrf = next(c["value"] for c in page.context.cookies(f"{url}/user/{user}/")
                if c["name"] == "_xsrf")
    response = page.request.fetch(f"{url}/user/{user}/{path}", method=method, timeout=600_000,
                                  headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"},
                                  data=json.dumps(data) if data is not None else None)
    assert response.ok, f"{method} {path}: {response.status} {response.text()[:500]}"
    return response.json() if response.text() else {}


def formgrader(page, url: str, action: str) -> None:
    result = call(page, url, INSTRUCTOR, "POST", f"formgrader/api/assignment/{ASSIGNMENT}/{action}")
    assert result.get("success"), f"formgrader {action}: {result}"


def assignment_list(page):
    """The student's Assignment List panel (Nbgrader menu), refreshed."""
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
    page.click(".lm-Menu-item:has-text('Assignment List')")
    panel = page.locator(".lm-DockPanel-widget:has-text('Released assignments')").last
    panel.wait_for()
    return panel


def answer(page, url: str, student: str, everything: bool) -> None:
    """Write answers into the fetched notebooks through the student's own server."""
    for ref in nbs.find_notebooks(SOLUTIONS):
        if ref.assignment != ASSIGNMENT:
            continue
        path = f"api/contents/rnn-course/{ASSIGNMENT}/{ref.name}.ipynb"
        nb = call(page, url, student, "GET", path)["content"]
        solved = nbs.cells_by_grade_id(nbs.read(ref.path(SOLUTIONS)))
        answered = 0
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and gid in solved and (everything or answered == 0):
                cell["source"] = "".join(solved[gid].source)
                answered += 1
        call(page, url, student, "PUT", path, {"type": "notebook", "format": "json", "content": nb})


def notebook_score(page) -> float:
    """The notebook's score in a feedback page's heading, '<notebook> (Score: x / y)'."""
    heading = page.locator("h4").first.inner_text()
    found = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", heading)
    assert found, f"no score in the feedback heading {heading!r}"
    return float(found.group(1))


def autograded_points() -> float:
    """The chapter's autograded points (the written answers are graded by hand)."""
    return sum(float(cell.metadata.nbgrader.points)
               for ref in nbs.find_notebooks(SOLUTIONS) if ref.assignment == ASSIGNMENT
               for cell in nbs.read(ref.path(SOLUTIONS)).cells if nbs.is_autograded_test(cell))


def gradebook_totals() -> dict[str, float]:
    """Each student's total for the assignment, read from the PostgreSQL gradebook as the grader."""
    course = hubs.HubPaths(ROOT).course
    code = ("import json, sys; from nbgrader.api import Gradebook\n"
            "with Gradebook(sys.argv[1]) as gb:\n"
            f"    print(json.dumps({{s.student.id: s.score for s in gb.assignment_submissions({ASSIGNMENT!r})}}))")
    done = as_user(GRADER, str(ENV / "bin" / "python"), "-c", code, hubs.gradebook_url(hubs.HubPaths(ROOT)),
                   cwd=str(course))
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_class_on_the_hub(hub):
    url, passwords = hub
    shots = browser.Screenshots("hub")
    with browser.chromium_page() as page:
        with shots.step(page, "the instructor opens the formgrader in its own tab and releases 01"):
            log_in(page, url, INSTRUCTOR, passwords[INSTRUCTOR])
            # the formgrader panel inside the lab is not blank (nbgrader#1870) ...
            page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
            page.click(".lm-Menu-item:has-text('Formgrader')")
            page.frame_locator("iframe").first.locator("text=Manage Assignments").first.wait_for()
            # ... and it opens in its own tab
            page.goto(f"{url}/user/{INSTRUCTOR}/formgrader/manage_assignments")
            page.wait_for_selector("text=Manage Assignments")
            formgrader(page, url, "assign")
            formgrader(page, url, "release")
            page.reload()
            page.wait_for_selector(f"text={ASSIGNMENT}")
    for student, everything in ((FULL, True), (PARTLY, False)):
        with browser.chromium_page() as page:
            with shots.step(page, f"{student} fetches, answers and submits"):
                log_in(page, url, student, passwords[student])
                panel = assignment_list(page)
                panel.locator("button:text-is('Fetch')").click()
                submit = panel.locator("button:text-is('Submit')")
                submit.wait_for()
                answer(page, url, student, everything)
                submit.click()
                panel.locator("button:text-is('Fetch Feedback')").wait_for()   # listed as submitted
    with browser.chromium_page() as page:
        with shots.step(page, "the instructor collects"):
            log_in(page, url, INSTRUCTOR, passwords[INSTRUCTOR])
            formgrader(page, url, "collect")
        course = hubs.HubPaths(ROOT).course
        # root grades, as on the course's machines: kernels sandboxed, caps in cgroups (a
        # non-root grader falls back to per-user rlimits, too tight for two TensorFlow kernels)
        graded = subprocess.run([str(ENV / "bin" / "python"), "-m", "helpers.course", "grade",
                                 ASSIGNMENT, "--course", str(course)], cwd=str(course), timeout=900,
                                capture_output=True, text=True,
                                env={**os.environ, "PATH": f"{ENV / 'bin'}:/usr/sbin:/usr/bin:/bin",
                                     "PYTHONPATH": ""})
        assert graded.returncode == 0, (graded.stdout + graded.stderr)[-3000:]
        assert "NOT SANDBOXED" not in graded.stdout
        totals = gradebook_totals()
        assert totals[FULL] == autograded_points() > totals[PARTLY] > 0, totals
        with shots.step(page, "the instructor releases the feedback"):
            formgrader(page, url, "release_feedback")
    for student in (FULL, PARTLY):
        with browser.chromium_page() as page:
            with shots.step(page, f"{student} fetches the feedback and reads their score"):
                log_in(page, url, student, passwords[student])
                panel = assignment_list(page)
                panel.locator("button:text-is('Fetch Feedback')").click()
                panel.get_by_text("view feedback").first.wait_for(timeout=60_000)
                folder = home(student) / "rnn-course" / ASSIGNMENT / "feedback"
                pages = sorted(folder.rglob("*.html"))
                assert len(pages) == 2, pages
                read = 0.0
                for html in pages:
                    page.goto(f"{url}/user/{student}/files/{html.relative_to(home(student))}")
                    read += notebook_score(page)
                assert read == pytest.approx(totals[student]), (student, read, totals)
    # one student's files are out of the other's reach; their owner reads them (the control)
    work = home(FULL) / "rnn-course" / ASSIGNMENT / "keras.ipynb"
    assert as_user(FULL, "cat", str(work)).returncode == 0
    assert as_user(PARTLY, "cat", str(work)).returncode != 0
    assert as_user(PARTLY, "ls", str(home(FULL))).returncode != 0
    inbound = hubs.HubPaths(ROOT).exchange / "rnn-course" / "inbound"
    assert as_user(PARTLY, "ls", str(inbound)).returncode != 0       # submissions' names hidden
    assert len(os.listdir(inbound)) == 2                             # (root sees both)


def test_the_roster_names_a_bad_row(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("username,role\nada,instructor\nbob,student\neve,teacher\n")
    with pytest.raises(ValueError, match=r"roster.csv:4: role 'teacher' must be one of"):
        hubs.read_roster(roster)
    roster.write_text("username,role\nada,instructor\nbob,student\nEve Smith,student\n")
    with pytest.raises(ValueError, match=r"roster.csv:4: username 'Eve Smith'"):
        hubs.read_roster(roster)
    roster.write_text("username,role\nada,instructor\nbob,student\n")
    assert hubs.read_roster(roster) == hubs.Roster(("ada",), (), ("bob",))
