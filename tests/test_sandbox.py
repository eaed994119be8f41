"""Grading in a sandbox: no student can read, write or reach what is not theirs.

One class run (module fixture) grades hostile submissions of the tiny assignment
(tests/class_fixtures.py) beside well-behaved students, with the sandbox on, as
``grade`` runs by default. The hostile students try what works without a
sandbox: read the solutions from ``source/`` and ``solutions/`` and run them,
rewrite the stored test cells in the gradebooks, open a socket to a listener
this test runs on localhost, and write outside their folder. A second run
grades the same attacks with the sandbox off, to show each one would succeed
there (so these tests can fail).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

import class_fixtures as cf
from helpers.course.grading import caps, sandbox
from helpers.course.grading.classroom import grade_assignments
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader

pytestmark = pytest.mark.skipif(
    sandbox.unavailable_reason() is not None and not os.environ.get("CI"),
    reason=f"no sandbox on this machine: {sandbox.unavailable_reason()}")

LIMITS = caps.Limits(cell_timeout=20, notebook_timeout=60, memory_bytes=1024 * 2 ** 20, processes=64)
# what each student's answers earn on their own: (double_tests, after_tests)
EXPECTED = {"good": (1, 1), "partial": (1, 0), "blank": (0, 0), "reads-solutions": (0, 0),
            "rewrites-gradebook": (1, 1), "opens-socket": (1, 1), "writes-outside": (1, 1)}


def quiet(*_):
    pass


class Listener:
    """A TCP listener on localhost that counts the connections it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self):
        self.server.close()


def steal(roots: list[Path]) -> str:
    """Run the solution cells of every source or solution notebook it can find."""
    return (
        "import glob, json, os\n"
        "def _steal():\n"
        f"    roots = {[str(r) for r in roots]!r}\n"
        "    here = os.getcwd()\n"
        "    while here != '/':                      # every parent of the grading folder\n"
        "        roots.append(here)\n"
        "        here = os.path.dirname(here)\n"
        "    for root in roots:\n"
        "        for path in glob.glob(os.path.join(root, '*', '00_faults', '*.ipynb')):\n"
        "            try:\n"
        "                cells = json.load(open(path))['cells']\n"
        "            except (OSError, ValueError):\n"
        "                continue\n"
        "            for cell in cells:\n"
        "                if cell['metadata'].get('nbgrader', {}).get('solution') and cell['cell_type'] == 'code':\n"
        "                    exec(''.join(cell['source']).replace('### BEGIN SOLUTION', '')\n"
        "                         .replace('### END SOLUTION', ''), globals())\n"
        "            if 'raise NotImplementedError' not in open(path).read():\n"
        "                return path\n"
        "try:\n"
        "    print('read', _steal())\n"
        "except Exception as error:\n"
        "    print('could not read:', error)\n")


def tamper(gradebooks: list[Path]) -> str:
    """Rewrite the stored test cells of every gradebook it can find."""
    return (
        "import os, sqlite3\n"
        f"paths = {[str(p) for p in gradebooks]!r}\n"
        "here = os.getcwd()\n"
        "while here != '/':\n"
        "    paths.append(os.path.join(here, 'gradebook.db'))\n"
        "    here = os.path.dirname(here)\n"
        "for path in paths:\n"
        "    try:\n"
        "        con = sqlite3.connect(path, timeout=1)\n"
        "        con.execute(\"UPDATE source_cell SET source = 'pass', checksum = 'tampered'\")\n"
        "        con.commit()\n"
        "        print('tampered with', path)\n"
        "    except Exception as error:\n"
        "        print('could not tamper with', path, type(error).__name__)\n")


def connect(port: int) -> str:
    return (
        "import socket\n"
        "for host in ('127.0.0.1', 'localhost', socket.gethostname()):\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=2).close()\n"
        "        print('connected to', host)\n"
        "    except Exception as error:\n"
        "        print('no connection to', host, type(error).__name__)\n")


def write_outside(targets: list[Path]) -> str:
    return (
        f"for path in {[str(t) for t in targets]!r}:\n"
        "    try:\n"
        "        open(path, 'w').write('hacked')\n"
        "        print('wrote', path)\n"
        "    except OSError as error:\n"
        "        print('could not write', path, type(error).__name__)\n")


def write_submissions(release_nb, submitted: Path, hazards: dict[str, str]) -> None:
    import nbformat

    notebooks = {"good": cf.answered(release_nb, why="To test."),
                 "partial": cf.answered(release_nb, double="def double(x):\n    return x + 2"),
                 "blank": release_nb,
                 # its first answer cell, instead of an answer: run the instructor's solutions
                 "reads-solutions": cf.answered(release_nb, double=hazards["reads-solutions"])}
    for student in ("rewrites-gradebook", "opens-socket", "writes-outside"):
        notebooks[student] = cf.answered(release_nb, hazard=hazards[student])
    for student, nb in notebooks.items():
        folder = submitted / student / cf.ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{cf.NOTEBOOK}.ipynb").write_text(nbformat.writes(nb))


def source_checksums(gradebook: Path) -> list[tuple]:
    with sqlite3.connect(gradebook) as con:
        return sorted(con.execute("SELECT name, checksum, source FROM source_cell").fetchall())


def make_class(root: Path, tiny, listener: Listener, sandboxed: bool):
    source, release = tiny
    course = make_course(root / "course", source)
    solutions = course / "solutions" / cf.ASSIGNMENT
    solutions.mkdir(parents=True)
    (solutions / f"{cf.NOTEBOOK}.ipynb").write_text((source / cf.ASSIGNMENT / f"{cf.NOTEBOOK}.ipynb").read_text())
    nonce = uuid.uuid4().hex[:8]
    outside = [course / f"hacked-{nonce}.txt", Path("/tmp") / f"rnn-hacked-{nonce}.txt",
               Path.home() / f".rnn-hacked-{nonce}"]
    # (never the repository's own gradebook: the unsandboxed run would really rewrite it)
    hazards = {"reads-solutions": steal([course, REPO]),
               "rewrites-gradebook": tamper([course / "gradebook.db"]),
               "opens-socket": connect(listener.port),
               "writes-outside": write_outside(outside)}
    write_submissions(release, course / "submitted", hazards)
    limits = LIMITS if sandboxed else dataclasses.replace(LIMITS, sandbox=False)
    nbgrader(course, "generate_assignment", cf.ASSIGNMENT, "--force")  # the tamperer's target
    before = source_checksums(course / "gradebook.db")
    runs = grade_assignments([cf.ASSIGNMENT], course, jobs=2, limits=limits, progress=False, log=quiet)
    return course, runs[cf.ASSIGNMENT], before, outside


@pytest.fixture(scope="module")
def listener():
    served = Listener()
    yield served
    served.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-sandbox")
    source = cf.make_source(root / "source")
    return source, cf.release(source, root / "release")


def graded_class(root: Path, tiny, listener: Listener, sandboxed: bool):
    """Grade the class; yield (course, run, checksums before, outside paths, connections)."""
    accepted = listener.accepted
    course, run, before, outside = make_class(root, tiny, listener, sandboxed)
    yield course, run, before, outside, listener.accepted - accepted
    for path in outside:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory, tiny, listener):
    yield from graded_class(tmp_path_factory.mktemp("sandboxed"), tiny, listener, True)


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory, tiny, listener):
    yield from graded_class(tmp_path_factory.mktemp("open"), tiny, listener, False)


def scores(run, student):
    got = run.results[student].scores[cf.NOTEBOOK]
    return got["double_tests"][0], got["after_tests"][0]


@pytest.mark.parametrize("student", EXPECTED)
def test_each_student_gets_what_their_own_answers_earn(sandboxed, student):
    _, run, _, _, _ = sandboxed
    assert scores(run, student) == EXPECTED[student], run.results[student].faults


def test_no_solution_is_readable(sandboxed):
    _, run, _, _, _ = sandboxed
    assert scores(run, "reads-solutions") == (0, 0)


def test_the_gradebook_is_unchanged(sandboxed):
    course, _, before, _, _ = sandboxed
    assert source_checksums(course / "gradebook.db") == before


def test_no_connection_arrives(sandboxed):
    *_, accepted = sandboxed
    assert accepted == 0, f"{accepted} connection(s) from a sandboxed kernel reached the listener"


def test_nothing_is_written_outside_the_students_folder(sandboxed):
    _, _, _, outside, _ = sandboxed
    written = [str(p) for p in outside if p.exists()]
    assert not written, f"a sandboxed kernel wrote {written}"


def test_without_the_sandbox_every_attack_works(unsandboxed):
    """The attacks are real: the same class graded with the sandbox off."""
    course, run, before, outside, accepted = unsandboxed
    assert scores(run, "reads-solutions") == (1, 1), "the solution thief should pass unsandboxed"
    assert accepted > 0, "the socket student should reach the listener unsandboxed"
    assert any(p.exists() for p in outside), "the writer should write outside unsandboxed"
    assert source_checksums(course / "gradebook.db") != before, \
        "the tamperer should rewrite the gradebook unsandboxed"


# --- the sandbox on its own -----------------------------------------------------

PROBE = """
import json, os, socket, sys
report = {"cwd": os.getcwd(), "root": sorted(os.listdir("/")), "tmp": os.listdir("/tmp"),
          "env": sorted(os.environ), "uid": os.getuid()}
for path in sys.argv[1:]:
    report[path] = os.path.exists(path)
try:
    open(os.path.join(sys.prefix, "written-by-the-sandbox"), "w")
    report["venv writable"] = True
except OSError:
    report["venv writable"] = False
print(json.dumps(report))
"""


def test_a_sandboxed_process_sees_only_its_folder_and_the_python(tmp_path):
    import json

    work, runtime = tmp_path / "work", tmp_path / "runtime"
    work.mkdir(), runtime.mkdir()
    in_home = Path.home() / f".rnn-sandbox-probe-{uuid.uuid4().hex[:8]}"  # the instructor's home
    hidden = [REPO / "source", REPO / "solutions", REPO / "nbgrader_config.py", in_home,
              tmp_path / "elsewhere"]
    (tmp_path / "elsewhere").write_text("secret")
    in_home.write_text("secret")
    env = {**os.environ, "RNN_COURSE_DB": "postgresql+psycopg://grader:secret@db/course"}
    try:
        done = subprocess.run(sandbox.command([sys.executable, "-c", PROBE, *map(str, hidden)], work,
                                              runtime, env), capture_output=True, text=True, timeout=120)
    finally:
        in_home.unlink()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["cwd"] == sandbox.WORKDIR
    # empty, but for the way to the course's Python when the course itself lives below /tmp
    on_the_way = {root.relative_to("/tmp").parts[0] for root in sandbox.python_roots()
                  if root.is_relative_to("/tmp")}
    assert set(report["tmp"]) == on_the_way, "the sandbox's /tmp should start empty"
    assert not any(report[str(p)] for p in hidden), report
    assert "RNN_COURSE_DB" not in report["env"], "a database URL reached the kernel's environment"
    assert report["venv writable"] is False


def test_grade_refuses_to_run_unsandboxed_without_the_flag(monkeypatch, tmp_path):
    sandbox.unavailable_reason.cache_clear()
    monkeypatch.setattr(sandbox, "BWRAP", "bwrap-that-does-not-exist")
    (tmp_path / "submitted").mkdir()
    (tmp_path / "source" / cf.ASSIGNMENT).mkdir(parents=True)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap is not installed.*--no-sandbox"):
            grade_assignments([cf.ASSIGNMENT], tmp_path, progress=False, log=quiet)
    finally:
        sandbox.unavailable_reason.cache_clear()


def test_grading_unsandboxed_on_request_says_so_loudly():
    from helpers.course.grading.classroom import UNSANDBOXED_WARNING, check_sandbox

    said = []
    check_sandbox([caps.Limits(sandbox=False)], None, said.append)
    assert said == [UNSANDBOXED_WARNING] and "WITHOUT the sandbox" in said[0]
