"""Grading a whole class (python -m helpers.course grade): faults are grades.

One class run (module fixture) grades, into ONE course gradebook, the fault
students of the tiny synthetic assignment (tests/class_fixtures.py: kernel
death, segfault, memory bomb, endless loop, fork and thread bombs, duplicated
grade_ids, deleted and edited locked cells, a renamed, a missing and a broken
notebook) beside well-behaved students: two of the tiny assignment and the
perfect and blank students of chapter 02, who must keep their exact scores.
The fault class is then graded a second time, which must give identical scores.
"""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import class_fixtures as cf
from helpers.course.grading import caps
from helpers.course import notebooks as nbs
from helpers.course.grading.classroom import grade_assignments, report
from helpers.course.authoring.students import submit
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader
from helpers.course.grading.task import read_scores

CHAPTER = "02_hidden_state"   # the quickest chapter to grade, both tracks
TINY_LIMITS = caps.Limits(cell_timeout=8, notebook_timeout=40, memory_bytes=400 * 2 ** 20,
                          processes=64)
PROCESS_CAP_ENFORCED = caps.mechanisms()[1] != "RLIMIT_NPROC" or os.geteuid() != 0
FAULT_STUDENTS = [s for s in cf.EXPECTED
                  if PROCESS_CAP_ENFORCED or s not in ("fork-bomb", "thread-bomb")]
WELL_BEHAVED = ("good", "partial")


def quiet(*_):
    pass


def tiny_scores(run, student):
    scores = run.results[student].scores[cf.NOTEBOOK]
    return scores["double_tests"][0], scores["after_tests"][0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(source folder with 00_faults, its released notebook)."""
    root = tmp_path_factory.mktemp("tiny")
    source = cf.make_source(root / "source")
    return source, cf.release(source, root / "release")


@pytest.fixture(scope="module")
def class_run(tmp_path_factory, tiny):
    source, release = tiny
    root = tmp_path_factory.mktemp("class")
    shutil.copytree(REPO / "source" / CHAPTER, source / CHAPTER, dirs_exist_ok=True)
    course = make_course(root / "course", source)
    cf.write_class(release, course / "submitted", FAULT_STUDENTS)
    refs = [r for r in nbs.find_notebooks(REPO / "source") if r.assignment == CHAPTER]
    submit(course, {"perfect": {r: nbs.read(r.path(REPO / "solutions")) for r in refs},
                    "blank": {r: nbs.read(r.path(REPO / "chapters")) for r in refs}})
    start = time.perf_counter()
    first = grade_assignments([cf.ASSIGNMENT, CHAPTER], course, jobs=2,
                              limits={cf.ASSIGNMENT: TINY_LIMITS}, progress=False, log=quiet)
    print(f"\nclass run: {time.perf_counter() - start:.0f} s")
    again = grade_assignments([cf.ASSIGNMENT], course, jobs=2, limits=TINY_LIMITS,
                              progress=False, log=quiet)
    return course, first, again


@pytest.mark.parametrize("student", FAULT_STUDENTS)
def test_each_student_gets_exactly_the_expected_scores(class_run, student):
    _, first, _ = class_run
    expected = cf.EXPECTED[student]
    if student == "memory-bomb" and caps.mechanisms()[0] == "RLIMIT_AS":
        expected = (1, 1)  # MemoryError in the cell: the kernel lives on
    assert tiny_scores(first[cf.ASSIGNMENT], student) == expected, report(first[cf.ASSIGNMENT])


@pytest.mark.parametrize("student", [s for s in FAULT_STUDENTS if s in cf.FAULT_KINDS])
def test_each_fault_is_named_in_the_summary(class_run, student):
    _, first, _ = class_run
    run = first[cf.ASSIGNMENT]
    kinds = [f.kind for f in run.results[student].faults]
    assert cf.FAULT_KINDS[student] in kinds, f"{student}: faults {kinds}"
    assert f"{student} " in report(run).split("fault(s)")[1], report(run)


def test_the_real_chapter_keeps_its_exact_scores(class_run):
    _, first, _ = class_run
    run = first[CHAPTER]
    for notebook in run.notebooks:
        cells = run.results["perfect"].scores[notebook]
        autograded = {g: v for g, v in cells.items() if v[0] is not None}
        assert autograded and all(s == m for s, m, _ in autograded.values()), (notebook, cells)
        assert all(s == 0 for s, _, _ in run.results["blank"].scores[notebook].values()
                   if s is not None), notebook
    assert not run.faults, [str(f) for f in run.faults]


def test_grade_writes_the_copy_report_and_changes_no_score(class_run):
    course, first, _ = class_run
    run = first[CHAPTER]
    flagged = {(p.track, p.second.owner) for p in run.copies.against_solutions()}
    assert flagged == {(notebook, "perfect") for notebook in run.notebooks}   # blank: nothing
    assert run.copies_report == course / f"copies-{CHAPTER}.html"
    page = run.copies_report.read_text()
    assert "perfect" in page and "<mark>" in page and "blank" not in page
    assert f"{len(run.notebooks)} answer(s) flagged against the published solutions" in report(run)
    for notebook in run.notebooks:   # flagged, and still every point
        cells = run.results["perfect"].scores[notebook]
        assert all(s == m for s, m, _ in cells.values() if s is not None), (notebook, cells)


def test_well_behaved_students_meet_no_fault(class_run):
    _, first, _ = class_run
    for student in WELL_BEHAVED:
        assert not first[cf.ASSIGNMENT].results[student].faults


def test_grading_the_class_twice_gives_identical_scores(class_run):
    _, first, again = class_run
    assert again[cf.ASSIGNMENT].scores() == first[cf.ASSIGNMENT].scores()


@pytest.mark.parametrize("student, says", [
    ("exit", "the kernel died while this cell ran: it exited with code 3"),
    ("segfault", "SIGSEGV"),
    ("memory-bomb", "memory"),
    ("endless-loop", "ran longer than 8 s"),
])
def test_feedback_says_what_happened(class_run, student, says):
    course, _, _ = class_run
    page = course / "feedback" / student / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.html"
    assert says in page.read_text(), f"{page} does not say {says!r}"


def test_files_land_where_plain_nbgrader_puts_them(class_run):
    course, first, _ = class_run
    for student in ("good", "exit", "renamed", "duplicated"):
        assert (course / "autograded" / student / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb").is_file()
        assert (course / "feedback" / student / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.html").is_file()
    for student in ("perfect", "blank"):
        for notebook in first[CHAPTER].notebooks:
            assert (course / "autograded" / student / CHAPTER / f"{notebook}.ipynb").is_file()
    rows = (course / "grades.csv").read_text().splitlines()  # nbgrader export: every student x assignment
    assert len(rows) == 1 + 2 * (len(FAULT_STUDENTS) + 2), rows[:3]
    assert f"{cf.ASSIGNMENT},,2026-11-30 12:00:00,good,,,,2.0,0.0,2.0,3.0" in rows


def test_formgrader_sees_every_submission_graded(class_run):
    """What the formgrader shows (nbgrader's NbGraderAPI): autograded, scores, manual grading."""
    from helpers.course.grading.task import nbgrader_api, scratch_config

    course, _, _ = class_run
    api = nbgrader_api(scratch_config(course, db_url=f"sqlite:///{course / 'gradebook.db'}"))
    api.course_id = "rnn-course"
    submissions = {s["student"]: s for s in api.get_submissions(cf.ASSIGNMENT)}
    assert set(submissions) == set(FAULT_STUDENTS)
    assert all(s["autograded"] for s in submissions.values()), "formgrader would say 'needs autograding'"
    assert submissions["good"]["max_score"] == 3 and submissions["good"]["score"] == 2
    assert submissions["good"]["needs_manual_grade"], "a written answer waits for the grader"
    assert not submissions["missing"]["needs_manual_grade"]
    notebook = {n["student"]: n for n in api.get_notebook_submissions(cf.ASSIGNMENT, cf.NOTEBOOK)}
    assert notebook["exit"]["code_score"] == 1 and notebook["exit"]["max_code_score"] == 2


def test_manual_grades_and_plain_nbgrader_export_keep_working(class_run, tmp_path):
    from nbgrader.api import Gradebook

    course, _, _ = class_run
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "rnn-course") as gradebook:
        grade = gradebook.find_grade("why", cf.NOTEBOOK, cf.ASSIGNMENT, "good")
        grade.manual_score = 1  # what the formgrader stores when the grader gives the point
        gradebook.db.commit()
    nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"))
    row = next(r for r in (tmp_path / "grades.csv").read_text().splitlines()
               if r.startswith(f"{cf.ASSIGNMENT},") and ",good," in r)
    assert row.endswith(",good,,,,3.0,0.0,3.0,3.0"), row  # raw score, penalty, score, max score


def test_no_kernel_cgroup_is_left_behind(class_run):
    """The run's worker processes are gone: no cgroup of theirs may remain (another grading
    run on this machine may have live ones: a cgroup names the process that made it)."""
    for controller in ("memory", "pids"):
        parent = caps.own_cgroup(controller)
        if parent is not None:
            left = [f for f in parent.glob(f"{caps.CGROUP_PREFIX}*") if not caps.creator_alive(f)]
            assert not left, f"{controller}: {left}"


# --- the gradebook under contention ---------------------------------------------

FORMGRADER = textwrap.dedent('''
    import sqlite3, sys, time
    from pathlib import Path
    from nbgrader.api import Gradebook
    db, stop = sys.argv[1], Path(sys.argv[2])
    errors, reads = [], 0
    con = sqlite3.connect(db, timeout=60)
    con.execute("BEGIN IMMEDIATE")     # a writer holds the lock longer than nbgrader's 5 s
    time.sleep(7)
    con.commit()
    while not stop.exists():
        try:
            with Gradebook("sqlite:///" + db, "rnn-course") as gb:
                reads += len(gb.submission_dicts("00_faults"))
        except Exception as error:
            errors.append(repr(error))
        time.sleep(0.2)
    print(reads, len(errors), errors[:3])
''')


def test_the_coordinator_writes_while_a_formgrader_reads(tmp_path, tiny):
    source, release = tiny
    course = make_course(tmp_path / "course", source)
    students = cf.write_class(release, course / "submitted", ["good", "partial", "exit", "renamed"])
    db = course / "gradebook.db"
    nbgrader(course, "generate_assignment", cf.ASSIGNMENT, "--force")  # the gradebook exists
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", FORMGRADER, str(db), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # the reader holds its lock now
        runs = grade_assignments([cf.ASSIGNMENT], course, jobs=2, limits=TINY_LIMITS,
                                 progress=False, log=quiet)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    reads, errors = out.split()[:2]
    assert int(errors) == 0, out
    assert sorted(runs[cf.ASSIGNMENT].results) == sorted(students)
    assert tiny_scores(runs[cf.ASSIGNMENT], "partial") == cf.EXPECTED["partial"]


def test_plain_nbgrader_times_out_where_the_coordinator_waits(tmp_path):
    """The control: nbgrader's own 5 s SQLite timeout fails under the same lock."""
    import sqlite3

    from nbgrader.api import Gradebook

    db = tmp_path / "gradebook.db"
    Gradebook(f"sqlite:///{db}").close()
    plain = ("import sys\nfrom nbgrader.api import Gradebook\n"
             "with Gradebook('sqlite:///' + sys.argv[1]) as gb:\n    gb.add_student('late')\n")
    lock = sqlite3.connect(db)
    lock.execute("BEGIN IMMEDIATE")
    try:
        done = subprocess.run([sys.executable, "-c", plain, str(db)], capture_output=True, text=True,
                              env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    finally:
        lock.commit()
    assert done.returncode != 0 and "database is locked" in done.stderr, done.stderr[-500:]


# --- Dask distributed and PostgreSQL -------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not come up in {seconds} s")


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes on localhost, stopped afterwards."""
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], stdout=open(logs / "scheduler.log", "w"),
                                  stderr=subprocess.STDOUT, env=env)]
    for k in range(2):
        processes.append(subprocess.Popen(
            [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--name", f"grader-{k}"], stdout=open(logs / f"worker-{k}.log", "w"),
            stderr=subprocess.STDOUT, env=env))
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_class_graded_on_a_dask_cluster(tmp_path, tiny, dask_cluster):
    source, release = tiny
    course = make_course(tmp_path / "course", source)
    students = cf.write_class(release, course / "submitted", ["good", "partial", "exit", "duplicated"])
    runs = grade_assignments([cf.ASSIGNMENT], course, scheduler=dask_cluster, limits=TINY_LIMITS,
                             progress=False, log=quiet)
    run = runs[cf.ASSIGNMENT]
    assert {s: tiny_scores(run, s) for s in students} == {s: cf.EXPECTED[s] for s in students}
    hosts = {r.host for r in run.results.values()}
    assert len(hosts) == 2, f"both workers should have graded: {hosts}"
    assert (course / "feedback" / "exit" / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.html").is_file()
    assert read_scores(f"sqlite:///{course / 'gradebook.db'}", cf.ASSIGNMENT, "good", "rnn-course")


PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL 15 cluster on a local port, owned by the postgres user."""
    if not (PG_BIN / "initdb").exists():
        missing = f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing)"
        if os.environ.get("CI"):
            pytest.fail(missing + ": CI must test against a real server")
        pytest.skip(missing)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rnn-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    data = folder / "data"

    def run(*cmd):
        subprocess.run([*as_postgres, *cmd], check=True, capture_output=True, text=True)

    try:
        run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")
        run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_class_graded_into_postgresql(tmp_path, tiny, postgres):
    from nbgrader.api import Gradebook

    source, release = tiny
    course = make_course(tmp_path / "course", source)
    students = cf.write_class(release, course / "submitted", ["good", "partial", "exit"])
    runs = grade_assignments([cf.ASSIGNMENT], course, jobs=2, db=postgres, limits=TINY_LIMITS,
                             progress=False, log=quiet)
    run = runs[cf.ASSIGNMENT]
    assert run.db_url == postgres
    assert {s: tiny_scores(run, s) for s in students} == {s: cf.EXPECTED[s] for s in students}
    with Gradebook(postgres, "rnn-course") as gradebook:
        assert sorted(s.id for s in gradebook.students) == sorted(students)
        assert gradebook.find_submission(cf.ASSIGNMENT, "good").score == 2
    assert not (course / "gradebook.db").exists(), "nothing may go to SQLite when --db is given"
    assert ",exit," in (course / "grades.csv").read_text()
