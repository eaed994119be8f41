"""One grading task: one student's submission of one assignment, graded on its own.

A task runs anywhere the course environment is installed (this venv, or
``environment.yml`` + ``pip install -e .`` of this repository, and the kernel
config from ``python -m helpers.course setup``): in a local worker process or
on a Dask worker. No shared file system: a :class:`Task` carries the student's
(cleaned) notebooks and the assignment's source files as bytes, and
:func:`grade_task` returns a plain picklable :class:`TaskResult` with the
scores per cell, the autograded notebooks and the feedback HTML as bytes, and
the faults it met. It never raises: a failure is a fault of the result.

Underneath it is plain nbgrader (``generate_assignment``, ``autograde``,
``generate_feedback`` through :class:`nbgrader.apps.NbGraderAPI`, the API the
formgrader uses) in a private scratch course with its own SQLite gradebook,
configured from the repository's ``nbgrader_config.py`` with
:class:`helpers.course.grading.guarded.GuardedExecute` as the executing preprocessor.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from helpers.course.grading import sandbox
from helpers.course.grading.caps import Limits
from helpers.checks.seeds import PUBLIC_KEY
from helpers.course.nbgrader_runner import ROOT_CONFIG, ensure_bin_on_path

# nbgrader's converters chdir and set environment variables: one task at a time
# per process (start Dask workers with --nthreads 1 and as many --nworkers as cores).
_LOCK = threading.Lock()
_TEMPLATES: dict[str, Path] = {}
_TEMPLATE_ROOT: list[Path] = []


@dataclass(frozen=True)
class Fault:
    """Something that went wrong with one student's submission, graded anyway."""

    student: str
    notebook: str  # "" for the submission as a whole
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.student} {self.notebook}" if self.notebook else self.student
        return f"{where}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class Task:
    """What travels to a worker: the submission and the assignment's source."""

    assignment: str
    student: str
    notebooks: dict[str, bytes]          # notebook name -> cleaned notebook JSON
    source: dict[str, bytes]             # path below source/<assignment>/ -> content
    other_files: dict[str, bytes] = field(default_factory=dict)  # the student's other files
    limits: Limits = Limits()
    feedback: bool = True
    seed_key: str = PUBLIC_KEY            # the hidden tests' seeds (helpers.course.grading.judge.secret)


@dataclass
class TaskResult:
    """What comes back: scores, files and faults (plain data, picklable)."""

    assignment: str
    student: str
    # notebook -> grade_id -> (auto_score or None, max_score, needs_manual_grade)
    scores: dict[str, dict[str, tuple[float | None, float, bool]]] = field(default_factory=dict)
    autograded: dict[str, bytes] = field(default_factory=dict)  # path below autograded/<student>/<assignment>/
    feedback: dict[str, bytes] = field(default_factory=dict)    # path below feedback/<student>/<assignment>/
    faults: list[Fault] = field(default_factory=list)
    peak_memory: dict[str, int] = field(default_factory=dict)   # notebook -> bytes
    seconds: float = 0.0
    host: str = ""

    def notebook_total(self, notebook: str) -> tuple[float, float]:
        cells = self.scores.get(notebook, {}).values()
        return sum(s or 0.0 for s, _, _ in cells), sum(m for _, m, _ in cells)


def source_digest(source: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(source):
        digest.update(path.encode() + b"\0" + source[path] + b"\0")
    return digest.hexdigest()


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (checkpoints and caches left out), by relative path."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts}


def write_folder(files: dict[str, bytes], folder: Path) -> None:
    for rel, content in files.items():
        target = Path(folder) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def scratch_config(root: Path, limits: Limits | None = None, fault_log: Path | None = None,
                   db_url: str | None = None, kernel_log: Path | None = None,
                   seed_key: str = PUBLIC_KEY):
    """The traitlets config of a course at ``root``: the repository's, plus the guards."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                        LimitOutput, SaveAutoGrades)
    from traitlets.config.loader import PyFileConfigLoader

    from helpers.course.grading.judge.executor import JudgedExecute
    from helpers.course.grading.judge.feedback import HideHiddenTests

    config = PyFileConfigLoader(ROOT_CONFIG.name, path=str(ROOT_CONFIG.parent)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    if limits is not None:
        config.Autograde.autograde_preprocessors = [
            JudgedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
            SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
        config.JudgedExecute.timeout = limits.cell_timeout
        config.JudgedExecute.notebook_timeout = limits.notebook_timeout
        config.JudgedExecute.fault_log = str(fault_log or "")
        config.JudgedExecute.judge = limits.judge
        config.JudgedExecute.source_root = str(root / "source")
        config.JudgedExecute.seed_key = seed_key
        config.JudgedExecute.judge_threads = limits.threads
        config.JudgedExecute.judge_log = str(kernel_log or "")
        config.CappedKernelManager.memory_bytes = limits.memory_bytes
        config.CappedKernelManager.processes = limits.processes
        config.CappedKernelManager.threads = limits.threads
        config.CappedKernelManager.kernel_log = str(kernel_log or "")
        config.CappedKernelManager.sandbox = limits.sandbox
    return config


def nbgrader_api(config, log_name: str = "rnn-course.task"):
    """nbgrader's own high-level API (the formgrader's) for the course in ``config``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    log = logging.getLogger(log_name)
    log.propagate = False
    log.setLevel(logging.INFO)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log = log
    return api


def _template(assignment: str, source: dict[str, bytes]) -> Path:
    """A scratch course with the assignment generated into its gradebook, made once per process."""
    key = f"{assignment}-{source_digest(source)}"
    if key in _TEMPLATES and _TEMPLATES[key].is_dir():
        return _TEMPLATES[key]
    if not _TEMPLATE_ROOT:
        _TEMPLATE_ROOT.append(Path(tempfile.mkdtemp(prefix="rnn-grading-templates-")))
        atexit.register(shutil.rmtree, _TEMPLATE_ROOT[0], True)
    root = _TEMPLATE_ROOT[0] / key
    if root.exists():
        shutil.rmtree(root)
    write_folder(source, root / "source" / assignment)
    outcome = nbgrader_api(scratch_config(root)).generate_assignment(assignment, force=True)
    if not outcome["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{outcome.get('error', '')}"
                           f"\n{outcome.get('log', '')[-3000:]}")
    _TEMPLATES[key] = root
    return root


def _faults_logged(path: Path, student: str, result: TaskResult) -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry["kind"] == "stats":
            result.peak_memory[entry["notebook"]] = entry["peak_memory"]
        else:
            result.faults.append(Fault(student, entry["notebook"], entry["kind"],
                                       f"{entry['cell']}: {entry['detail']}"))


def read_scores(db_url: str, assignment: str, student: str, course_id: str = "default_course") -> dict:
    """notebook -> grade_id -> (auto_score, max_score, needs_manual_grade) from a gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(db_url, course_id) as gradebook:
        for notebook in gradebook.find_assignment(assignment).notebooks:
            try:
                submitted = gradebook.find_submission_notebook(notebook.name, assignment, student)
            except MissingEntry:
                continue
            scores[notebook.name] = {
                g.name: (None if g.auto_score is None else float(g.auto_score),
                         float(g.max_score), bool(g.needs_manual_grade))
                for g in submitted.grades}
    return scores


def grade_task(task: Task) -> TaskResult:
    """Autograde one submission in a scratch course; never raises."""
    result = TaskResult(task.assignment, task.student, host=f"{socket.gethostname()}:{os.getpid()}")
    start = time.perf_counter()
    ensure_bin_on_path()
    with _LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbgrader")  # its own SQLAlchemy warnings
        warnings.filterwarnings("ignore", module="nbformat")  # cell ids it repairs
        try:
            if task.limits is not None and task.limits.sandbox:
                sandbox.require()   # never grade unsandboxed unless the run asked for it
            _grade(task, result)
        except Exception as error:  # a fault of this submission, never of the class run
            result.faults.append(Fault(task.student, "", "grading error",
                                       f"{type(error).__name__}: {str(error)[-2000:]}"))
    result.seconds = time.perf_counter() - start
    return result


def _grade(task: Task, result: TaskResult) -> None:
    with tempfile.TemporaryDirectory(prefix="rnn-task-") as tmp:
        root = Path(tmp) / "course"
        shutil.copytree(_template(task.assignment, task.source), root)
        submitted = root / "submitted" / task.student / task.assignment
        write_folder(task.other_files, submitted)
        write_folder({f"{name}.ipynb": nb for name, nb in task.notebooks.items()}, submitted)
        fault_log = Path(tmp) / "faults.jsonl"
        config = scratch_config(root, task.limits, fault_log, kernel_log=Path(tmp) / "kernels.log",
                                seed_key=task.seed_key)
        api = nbgrader_api(config)
        if task.notebooks:
            outcome = api.autograde(task.assignment, task.student, force=True, create=True)
            if not outcome["success"]:
                result.faults.append(Fault(task.student, "", "grading error",
                                           (outcome.get("error") or outcome.get("log", ""))[-3000:]))
            _faults_logged(fault_log, task.student, result)
            autograded = root / "autograded" / task.student / task.assignment
            if autograded.is_dir():
                result.autograded = read_folder(autograded)
                if task.feedback:
                    outcome = api.generate_feedback(task.assignment, task.student, force=True)
                    if not outcome["success"]:
                        result.faults.append(Fault(task.student, "", "feedback error",
                                                   (outcome.get("error") or "")[-3000:]))
                    feedback = root / "feedback" / task.student / task.assignment
                    if feedback.is_dir():
                        result.feedback = read_folder(feedback)
            result.scores = read_scores(config.CourseDirectory.db_url, task.assignment, task.student)
