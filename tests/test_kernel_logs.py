"""Library log lines never cost a student points (issue: TensorFlow's stderr in graded cells).

TensorFlow logs from its own threads straight to file descriptor 2. These tests
play that with a background thread that writes the lines seen in real grading
runs while a graded cell runs, and check both layers of the fix
(helpers/course/kernels.py): kernels keep C-level stderr out of cells, and
nbgrader's IgnorePattern drops an output made only of library log lines while
keeping everything a student or a test prints.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.preprocessors import IgnorePattern

from helpers.course import kernels
from helpers.course import notebooks as nbs
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader

# Lines TensorFlow 2.21 printed into graded cells of a perfect submission.
TF_LINES = (
    "E0000 00:00:1764612345.123456    4242 util.cc:131] oneDNN supports DT_BOOL only on "
    "platforms with AVX-512. Falling back to the default Eigen-based implementation if present.\n"
    "E0000 00:00:1764612345.223456    4243 node_def_util.cc:682] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset> This may be "
    "expected if your graph generating binary is newer  than this binary. Unknown attributes will "
    "be ignored. NodeDef: {{node ParallelMapDatasetV2/_14}}\n"
)
OTHER_LIBRARY_LINES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1796161841.626346    2211 port.cc:153] oneDNN custom operations are on.\n"
    "2025-09-01 00:48:58.900848: E tensorflow/core/util/util.cc:131] oneDNN supports DT_BOOL only\n"
)
STUDENT_LINE = "my debug value: 3\n"
PYTHON_WARNING = "/tmp/x.py:3: UserWarning: Do not pass an `input_shape` argument to a layer.\n"
TRACEBACK_TEXT = 'Traceback (most recent call last):\n  File "<stdin>", line 1\nValueError: bad\n'

# A noisy answer cell: a background thread writes TF_LINES to fd 2 one second
# later, while the graded cell below is running (as tf.data's threads do).
NOISY_ANSWER = f"""\
import os, threading, time

def _log_later():
    time.sleep(1.0)
    os.write(2, {TF_LINES.encode()!r})

threading.Thread(target=_log_later, daemon=True).start()

def answer():
    return 42"""
GRADED_TEST = "import time\ntime.sleep(3)\nassert answer() == 42, 'answer() should be 42'\nprint('passed')"
ANSWER_META = {"nbgrader": {"grade_id": "answer", "solution": True, "grade": False,
                            "locked": False, "schema_version": 3, "task": False}}
TEST_META = {"nbgrader": {"grade_id": "answer_tests", "solution": False, "grade": True,
                          "points": 1, "locked": True, "schema_version": 3, "task": False}}


def noisy_notebook(answer=NOISY_ANSWER, test=GRADED_TEST):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(answer, metadata=ANSWER_META),
                nbformat.v4.new_code_cell(test, metadata=TEST_META)]
    return nb


def stderr_of(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")


def run(nb, tmp_path, extra_arguments=()):
    """Execute ``nb`` in a kernel of this environment, started as outside pytest
    (ipykernel does not capture C-level output when it sees PYTEST_CURRENT_TEST)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    NotebookClient(nb, timeout=60, kernel_name="python3", extra_arguments=list(extra_arguments),
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    return nb


# --- the pattern -----------------------------------------------------------

def ignore(*texts):
    """The stderr outputs nbgrader's IgnorePattern keeps, with the course's pattern."""
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=t) for t in texts]
    IgnorePattern(enabled=True, pattern=kernels.LIBRARY_LOG_OUTPUT).preprocess_cell(cell, {}, 0)
    return [o.text for o in cell.outputs]


def test_ignore_pattern_drops_library_log_lines():
    assert ignore(TF_LINES, OTHER_LIBRARY_LINES, TF_LINES.splitlines()[0]) == []


@pytest.mark.parametrize("text", [STUDENT_LINE, PYTHON_WARNING, TRACEBACK_TEXT,
                                  TF_LINES + STUDENT_LINE, STUDENT_LINE + TF_LINES,
                                  "E0000 is my variable name\n", ""],
                         ids=["student", "warning", "traceback", "log-then-student",
                              "student-then-log", "lookalike", "empty"])
def test_ignore_pattern_keeps_what_a_student_or_a_test_prints(text):
    assert ignore(text) == [text], "only an output made of library log lines may be dropped"


def test_is_library_log_line():
    assert all(kernels.is_library_log_line(line) for line in (TF_LINES + OTHER_LIBRARY_LINES).splitlines())
    assert not any(kernels.is_library_log_line(line)
                   for line in (STUDENT_LINE + PYTHON_WARNING + TRACEBACK_TEXT).splitlines())


def test_nbgrader_config_enables_the_safety_net():
    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_file_paths.append(str(REPO))
    app.load_config_file()
    assert app.config.IgnorePattern.enabled is True
    assert app.config.IgnorePattern.pattern == kernels.LIBRARY_LOG_OUTPUT


# --- the kernel config -------------------------------------------------------

def test_kernel_config_is_installed_in_this_environment():
    assert kernels.is_installed(), (
        f"{kernels.config_path()} is missing: run `python -m helpers.course setup` (make install does)")


def test_install_is_idempotent_and_respects_other_settings(tmp_path):
    path = kernels.install(tmp_path)
    assert path == kernels.config_path(tmp_path) and kernels.is_installed(tmp_path)
    assert kernels.install(tmp_path) == path
    path.write_text(kernels.HEADER + " (an older version)\nc = get_config()\n")
    assert kernels.install(tmp_path) == path and kernels.is_installed(tmp_path)
    other = "c = get_config()\nc.IPKernelApp.capture_fd_output = False\nc.InteractiveShell.colors = 'nocolor'\n"
    path.write_text(other)
    with pytest.raises(FileExistsError, match="capture_fd_output"):
        kernels.install(tmp_path)
    assert path.read_text() == other, "install() overwrote someone else's settings"


def test_a_course_kernel_keeps_background_log_lines_out_of_the_cell(tmp_path):
    nb = run(noisy_notebook(), tmp_path)
    assert stderr_of(nb.cells[1]) == "", "C-level log lines reached the graded cell"
    assert "passed" in nbs.output_text(nb.cells[1])


def test_without_the_config_the_lines_land_in_the_graded_cell(tmp_path):
    """The control: the set-up really reproduces the fault the config fixes."""
    nb = run(noisy_notebook(), tmp_path, ["--IPKernelApp.capture_fd_output=True"])
    assert "oneDNN supports DT_BOOL" in stderr_of(nb.cells[1])


def test_a_course_kernel_still_shows_python_stderr(tmp_path):
    nb = run(noisy_notebook(test="import sys, warnings\nprint('mine', file=sys.stderr)\n"
                                 "warnings.warn('careful')"), tmp_path)
    assert "mine" in stderr_of(nb.cells[1]) and "UserWarning: careful" in stderr_of(nb.cells[1])


# --- through nbgrader ----------------------------------------------------------

@pytest.fixture(scope="module")
def log_course(tmp_path_factory):
    """A one-notebook course, graded for a quiet, a noisy and a stderr-printing student."""
    root = tmp_path_factory.mktemp("logs")
    nbs.write(noisy_notebook(), root / "source" / "logs" / "noisy.ipynb")
    course = make_course(root / "course", root / "source")
    nbgrader(course, "generate_assignment", "logs", "--force")
    prints = "import sys\n\ndef answer():\n    print('my debug line', file=sys.stderr)\n    return 42"
    students = {"quiet": noisy_notebook(answer="def answer():\n    return 42"),
                "noisy": noisy_notebook(), "prints": noisy_notebook(answer=prints)}
    for student, nb in students.items():
        nbs.write(nb, course / "submitted" / student / "logs" / "noisy.ipynb")
    nbgrader(course, "autograde", "logs", "--force", strict=False)
    return course


def score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("noisy", "logs", student)
        return {g.name: g.score for g in notebook.grades}["answer_tests"]


def test_autograde_gives_full_marks_despite_background_log_lines(log_course):
    assert score(log_course, "quiet") == 1
    assert score(log_course, "noisy") == 1


def test_a_students_own_stderr_still_costs_the_point(log_course):
    assert score(log_course, "prints") == 0


@pytest.mark.parametrize("safety_net, points", [(True, 1), (False, 0)],
                         ids=["ignore-pattern", "control-without-it"])
def test_the_safety_net_alone_rescues_a_noisy_cell(tmp_path, safety_net, points):
    """With fd capture forced back on, IgnorePattern still drops the log-only output;
    without it too (the control), the noisy perfect student loses the point."""
    nbs.write(noisy_notebook(), tmp_path / "source" / "logs" / "noisy.ipynb")
    course = make_course(tmp_path / "course", tmp_path / "source")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("c.Execute.extra_arguments = ['--IPKernelApp.capture_fd_output=True']\n"
                     f"c.IgnorePattern.enabled = {safety_net}\n")
    nbgrader(course, "generate_assignment", "logs", "--force")
    nbs.write(noisy_notebook(), course / "submitted" / "noisy" / "logs" / "noisy.ipynb")
    nbgrader(course, "autograde", "logs", "--force", strict=False)
    graded = nbs.read(course / "autograded" / "noisy" / "logs" / "noisy.ipynb")
    assert ("oneDNN supports DT_BOOL" in stderr_of(graded.cells[1])) is not safety_net
    assert score(course, "noisy") == points


def test_validate_reports_success_despite_background_log_lines(tmp_path):
    path = tmp_path / "noisy.ipynb"
    nbs.write(noisy_notebook(), path)
    output = nbgrader(REPO, "validate", str(path), strict=False)   # the Validate button's config
    assert "Success! Your notebook passes all the tests." in output, output[-2000:]

