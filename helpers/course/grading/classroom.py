"""``python -m helpers.course grade ASSIGNMENT``: grade a whole class into one gradebook.

The coordinator (this module, one process) does every step an instructor would
do with plain nbgrader, and runs the autograding itself as one task per
student submission (:mod:`helpers.course.grading.task`), ``--jobs N`` at a time in
local worker processes or on a Dask distributed cluster (``--scheduler``):

1. register the assignment in the course gradebook (nbgrader's
   ``generate_assignment``, into a scratch release folder, only when the
   gradebook lacks it or its cells differ from ``source/``);
2. collect and clean each submission (:mod:`helpers.course.grading.submissions`);
3. grade the tasks; as each result comes back, write it into the ONE course
   gradebook: nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties``
   over the returned autograded notebooks, exactly what ``nbgrader autograde``
   runs, so formgrader, manual grading and ``nbgrader export`` keep working.
   Only this process writes (a single writer: parallel tasks never touch the
   gradebook), with a SQLite busy timeout for the formgrader running beside it;
4. place ``autograded/`` and ``feedback/`` files where plain nbgrader puts them;
5. export ``grades.csv`` (nbgrader's ``CsvExportPlugin``) and print a summary
   table and every fault;
6. compare the answers with the published solutions and between students and
   write ``copies-<assignment>.html`` (:mod:`helpers.course.grading.copies`;
   information only, after grading, no score changed).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from helpers.course.grading import caps, copies_report, sandbox
from helpers.course.grading.copies import Comparison
from helpers.course import notebooks as nbs
from helpers.course.grading.judge import secret as secrets
from helpers.course.grading.judge.redflags import RedFlag, red_flags
from helpers.course.nbgrader_runner import REPO, ROOT_CONFIG, ensure_bin_on_path
from helpers.course.grading.submissions import Submission, collect, students_of
from helpers.course.grading.task import (Fault, Task, TaskResult, grade_task, nbgrader_api, read_folder,
                                 read_scores)

SQLITE_BUSY_TIMEOUT_MS = 60_000
WRITE_ATTEMPTS = 5
AUTOGRADED_PERMISSIONS, FEEDBACK_PERMISSIONS = 0o444, 0o644


@event.listens_for(Engine, "connect")
def _sqlite_busy_timeout(connection, _record):
    """Every SQLite connection of this process waits up to 60 s for a lock (nbgrader's: 5 s)."""
    if type(connection).__module__.startswith("sqlite3"):
        connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


@dataclass
class ClassRun:
    """What grading one assignment for a class produced."""

    course: Path
    assignment: str
    db_url: str
    notebooks: list[str]
    results: dict[str, TaskResult] = field(default_factory=dict)   # student -> result
    faults: list[Fault] = field(default_factory=list)
    red_flags: list[RedFlag] = field(default_factory=list)   # information only, never scored
    seconds: float = 0.0
    copies: Comparison | None = None       # information only, never scored
    copies_report: Path | None = None

    def total(self, student: str, notebook: str) -> tuple[float, float]:
        return self.results[student].notebook_total(notebook)

    def scores(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """student -> notebook -> grade_id -> auto score (what two gradings must agree on)."""
        return {s: {nb: {gid: v[0] for gid, v in cells.items()} for nb, cells in r.scores.items()}
                for s, r in self.results.items()}


# --- the course ------------------------------------------------------------------

def course_config(course: Path):
    """The traitlets config of the nbgrader course at ``course`` (its nbgrader_config.py,
    or this repository's when it has none)."""
    from traitlets.config.loader import PyFileConfigLoader

    course = Path(course)
    folder = course if (course / "nbgrader_config.py").exists() else ROOT_CONFIG.parent
    return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()


def course_settings(course: Path, db: str | None = None, config=None) -> tuple[str, str]:
    """(db_url, course_id) of the course at ``course``: --db, RNN_COURSE_DB, its config, gradebook.db."""
    config = config if config is not None else course_config(course)
    db_url = db or os.environ.get("RNN_COURSE_DB") or (
        config.CourseDirectory.db_url if "db_url" in config.CourseDirectory else "")
    course_id = config.CourseDirectory.course_id if "course_id" in config.CourseDirectory else "default_course"
    return db_url or f"sqlite:///{Path(course).resolve() / 'gradebook.db'}", course_id


def source_notebooks(course: Path, assignment: str) -> dict[str, nbformat.NotebookNode]:
    folder = Path(course) / "source" / assignment
    return {p.stem: nbs.read(p) for p in sorted(folder.glob("*.ipynb"))}


def gradebook_matches(db_url: str, course_id: str, assignment: str, sources: dict) -> bool:
    """Does the gradebook hold ``assignment`` with the notebooks and graded cells of ``sources``?"""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gradebook:
        try:
            registered = gradebook.find_assignment(assignment)
        except MissingEntry:
            return False
        have = {nb.name: {c.name: float(c.max_score) for c in nb.grade_cells}
                for nb in registered.notebooks}
    want = {name: {nbs.grade_id(c): float(nbs.nbgrader_meta(c).get("points", 0))
                   for c in nb.cells if nbs.nbgrader_meta(c).get("grade")}
            for name, nb in sources.items()}
    return have == want


def register(course: Path, assignment: str, db_url: str, course_id: str, sources: dict, log=print) -> bool:
    """Make sure the course gradebook knows ``assignment``; True when it had to generate it.

    nbgrader's ``generate_assignment`` writes the gradebook entries; its release
    goes to a scratch folder, so the course's own release (``chapters/``) is left alone.
    """
    if gradebook_matches(db_url, course_id, assignment, sources):
        return False
    log(f"registering {assignment} in the gradebook (nbgrader generate_assignment) ...")
    with tempfile.TemporaryDirectory(prefix="rnn-release-") as release:
        config = course_config(course)
        config.CourseDirectory.root = str(Path(course).resolve())
        config.CourseDirectory.db_url = db_url
        config.CourseDirectory.course_id = course_id
        config.CourseDirectory.release_directory = release  # absolute: outside the course
        outcome = nbgrader_api(config, "rnn-course.register").generate_assignment(assignment, force=True)
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{outcome.get('error', '')}\n{outcome.get('log', '')[-3000:]}")
    return True


# --- writing results -------------------------------------------------------------

def _replace_files(files: dict[str, bytes], folder: Path, mode: int) -> None:
    """Make ``folder`` hold exactly ``files`` (nbgrader's permissions)."""
    if folder.exists():
        shutil.rmtree(folder)
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)


def record(result: TaskResult, submission: Submission, course: Path, db_url: str, course_id: str,
           notebooks: list[str], config) -> None:
    """Write one task's result into the course gradebook and folders, as nbgrader autograde does."""
    assignment, student = result.assignment, result.student
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbgrader")  # its own SQLAlchemy warnings
        _record_grades(result, submission, db_url, course_id, notebooks, config)
    # nothing gradable still leaves the folder the formgrader looks for
    autograded = result.autograded or submission.other_files or {"timestamp.txt": b""}
    _replace_files(autograded, course / "autograded" / student / assignment, AUTOGRADED_PERMISSIONS)
    if result.feedback:
        _replace_files(result.feedback, course / "feedback" / student / assignment, FEEDBACK_PERMISSIONS)


def _record_grades(result, submission, db_url, course_id, notebooks, config) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    assignment, student = result.assignment, result.student
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with Gradebook(db_url, course_id) as gradebook:
                gradebook.update_or_create_student(student)
                if submission.timestamp:
                    gradebook.update_or_create_submission(assignment, student,
                                                          timestamp=submission.timestamp)
                else:
                    gradebook.update_or_create_submission(assignment, student)
            for name in notebooks:
                content = result.autograded.get(f"{name}.ipynb")
                resources = {"nbgrader": {"notebook": name, "assignment": assignment,
                                          "student": student, "db_url": db_url}}
                if content is None:  # not submitted or unreadable: 0, as nbgrader gives
                    with Gradebook(db_url, course_id) as gradebook:
                        graded = gradebook.find_submission_notebook(name, assignment, student)
                        for grade in graded.grades:
                            grade.auto_score, grade.needs_manual_grade = 0, False
                        gradebook.db.commit()
                    continue
                nb = nbformat.reads(content.decode(), as_version=4)
                SaveAutoGrades(config=config).preprocess(nb, resources)
                AssignLatePenalties(config=config).preprocess(nb, resources)
            return
        except OperationalError:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(2 ** attempt)


def export_grades(db_url: str, course_id: str, to: Path) -> Path:
    """``nbgrader export`` (its CsvExportPlugin) of the whole gradebook to ``to``."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(db_url, course_id) as gradebook:
        CsvExportPlugin(to=str(to)).export(gradebook)
    return Path(to)


# --- running the tasks -----------------------------------------------------------

def _failed(task: Task, error: BaseException) -> TaskResult:
    result = TaskResult(task.assignment, task.student)
    result.faults.append(Fault(task.student, "", "grading error",
                               f"the grading process died ({type(error).__name__}: {error})"))
    return result


def run_local(tasks: list[Task], jobs: int):
    """Yield each task's result as it finishes, ``jobs`` worker processes at a time.

    A worker process that dies breaks the pool: the tasks it took down with it
    are run again one by one, each in a fresh process, so only the one that
    really kills its process is reported as such.
    """
    context = get_context("spawn")  # no forking of this process's threads
    retry: list[Task] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(grade_task, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                retry.append(futures[future])
    for task in retry:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            try:
                yield pool.submit(grade_task, task).result()
            except BrokenProcessPool as error:
                yield _failed(task, error)


def run_dask(tasks: list[Task], scheduler: str):
    """Yield each task's result as it finishes on the Dask cluster at ``scheduler``."""
    from distributed import Client, as_completed as dask_completed

    with Client(scheduler, timeout="30s") as client:
        futures = {client.submit(grade_task, task, pure=False,
                                 key=f"grade-{task.assignment}-{task.student}-{time.time_ns()}"): task
                   for task in tasks}
        for future in dask_completed(list(futures)):
            try:
                yield future.result()
            except Exception as error:  # the worker died (KilledWorker) or the task failed
                yield _failed(futures[future], error)


def check_options(jobs: int | None, scheduler: str | None) -> int:
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int >= 1, got {jobs!r}")
    if scheduler is not None and "://" not in scheduler:
        raise ValueError(f"scheduler must be an address like tcp://host:8786, got {scheduler!r}")
    return jobs


# --- the command -----------------------------------------------------------------

def limits_from(jobs: int | None = None, scheduler: str | None = None, cell_timeout: int | None = None,
                notebook_timeout: int | None = None, memory_gib: float | None = None,
                processes: int | None = None, sandbox: bool = True) -> caps.Limits:
    """The caps of a run: the defaults of helpers.course.grading.caps unless given."""
    jobs = check_options(jobs, scheduler)
    threads = int(os.environ.get("RNN_COURSE_KERNEL_THREADS", 0)) or (
        1 if scheduler else caps.threads_for(jobs))
    cell = cell_timeout or caps.CELL_TIMEOUT_S
    return caps.Limits(cell_timeout=cell,
                       notebook_timeout=notebook_timeout or max(caps.NOTEBOOK_TIMEOUT_S, cell),
                       memory_bytes=int((memory_gib or caps.MEMORY_CAP_BYTES / caps.GIB) * caps.GIB),
                       processes=processes or caps.PROCESS_CAP, threads=threads, sandbox=sandbox)


UNSANDBOXED_WARNING = (
    "WARNING: grading WITHOUT the sandbox (--no-sandbox): student code runs as you, can read "
    "source/ and solutions/, rewrite the gradebook, reach the network and write anywhere you can.")


def check_sandbox(limits: list[caps.Limits], scheduler: str | None, log=print,
                  warning: str = UNSANDBOXED_WARNING) -> None:
    """Refuse to grade unsandboxed unless asked; say it loudly (``warning``) when asked.

    With a Dask scheduler each worker checks its own machine (a task there that
    cannot be sandboxed is a "grading error", never graded unsandboxed)."""
    if not all(l.sandbox for l in limits):
        log(warning)
        return
    if scheduler is None:
        reason = sandbox.unavailable_reason()
        if reason:
            raise sandbox.SandboxUnavailable(
                f"cannot sandbox the kernels on this machine: {reason}. Install bubblewrap "
                "(and enable user namespaces), or grade without the sandbox with --no-sandbox "
                "(unsafe: student code then runs as you, with your files and network).")


def grade_assignments(assignments: list[str], course: Path = REPO, submitted: Path | None = None,
                      jobs: int | None = None, scheduler: str | None = None, db: str | None = None,
                      limits: caps.Limits | dict[str, caps.Limits] | None = None, feedback: bool = True,
                      export: bool = True, progress: bool = True, report_copies: bool = True,
                      log=print, unsandboxed_warning: str = UNSANDBOXED_WARNING) -> dict[str, ClassRun]:
    """Grade every submission of ``assignments`` into the course's one gradebook.

    ``limits`` caps every kernel (helpers.course.grading.caps); a dict gives each
    assignment its own; limits without the sandbox print ``unsandboxed_warning``. All
    tasks of all assignments share one pool of workers. ``report_copies`` writes each
    assignment's copy report after grading.
    """
    from tqdm import tqdm

    course = Path(course).resolve()
    jobs = check_options(jobs, scheduler)
    default = limits_from(jobs, scheduler)
    limits_of = {a: (limits.get(a, default) if isinstance(limits, dict) else limits or default)
                 for a in assignments}
    submitted = Path(submitted) if submitted else course / "submitted"
    if not submitted.is_dir():
        raise ValueError(f"submitted: {submitted} is not a folder of <student>/<assignment>/ "
                         "submissions (pass --submitted)")
    for assignment in assignments:
        if not (course / "source" / assignment).is_dir():
            raise ValueError(f"assignment {assignment!r}: the course {course} has no folder "
                             f"source/{assignment} (pass --course)")
    check_sandbox(list(limits_of.values()), scheduler, log, unsandboxed_warning)
    ensure_bin_on_path()
    caps.remove_stale_cgroups()
    config = course_config(course)  # the course's own settings for SaveAutoGrades, late penalties
    db_url, course_id = course_settings(course, db, config)
    start = time.perf_counter()
    secret = secrets.course_secret(course)
    runs, tasks, cleaned, sources_of = {}, [], {}, {}
    for assignment in assignments:
        sources = sources_of[assignment] = source_notebooks(course, assignment)
        register(course, assignment, db_url, course_id, sources, log)
        source = read_folder(course / "source" / assignment)
        runs[assignment] = ClassRun(course, assignment, db_url, list(sources))
        for student in students_of(submitted, assignment):
            sub = collect(submitted / student / assignment, student, sources)
            cleaned[(assignment, student)] = sub
            runs[assignment].red_flags += red_flags(student, sub.notebooks, sources)
            tasks.append(Task(assignment, student, sub.notebooks, source, sub.other_files,
                              limits_of[assignment], feedback, secrets.seed_key(secret, assignment)))
    where = f"on {scheduler}" if scheduler else f"{jobs} at a time"
    log(f"grading {len(tasks)} submission(s) of {', '.join(assignments)} {where}")
    for assignment in assignments:
        log(f"  {assignment}: {limits_of[assignment].describe()}")
    log(f"  {secrets.describe(secret)}")
    results = run_dask(tasks, scheduler) if scheduler else run_local(tasks, jobs)
    bar = tqdm(total=len(tasks), unit="submission", disable=not progress, file=sys.stderr,
               dynamic_ncols=True)
    with bar:
        for result in results:
            run, sub = runs[result.assignment], cleaned[(result.assignment, result.student)]
            try:
                record(result, sub, course, db_url, course_id, run.notebooks, config)
            except OperationalError:
                raise  # the gradebook itself is unreachable: nothing more can be recorded
            except Exception as error:  # this result only
                result.faults.append(Fault(result.student, "", "recording error",
                                           f"{type(error).__name__}: {str(error)[:500]}"))
            result.scores = read_scores(db_url, result.assignment, result.student, course_id)
            result.faults = sub.faults + result.faults
            run.results[result.student] = result
            run.faults += result.faults
            bar.set_postfix_str(f"{result.student} {result.seconds:.0f} s", refresh=False)
            bar.update()
    seconds = time.perf_counter() - start
    for run in runs.values():
        run.seconds = seconds
        run.results = dict(sorted(run.results.items()))
        run.faults = [f for s in run.results for f in run.results[s].faults]
    if export:
        export_grades(db_url, course_id, course / "grades.csv")
    if report_copies:
        for assignment, run in runs.items():
            submitted_notebooks = {s: sub.notebooks for (a, s), sub in cleaned.items() if a == assignment}
            try:
                run.copies, run.copies_report = copies_report.write_report(
                    course, assignment, sources_of[assignment], submitted_notebooks)
            except Exception as error:  # the grades are written; the report is information only
                log(f"copies: no report for {assignment} ({type(error).__name__}: {error})")
    return runs


def summary_table(run: ClassRun) -> str:
    """One row per student: points per notebook, total and the number of faults."""
    rows = [["student", *run.notebooks, "total", "faults"]]
    for student, result in run.results.items():
        totals = [run.total(student, nb) for nb in run.notebooks]
        rows.append([student, *[f"{s:g}/{m:g}" for s, m in totals],
                     f"{sum(s for s, _ in totals):g}/{sum(m for _, m in totals):g}",
                     str(len(result.faults)) if result.faults else "-"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(run: ClassRun) -> str:
    """The summary table, then every fault case."""
    text = [f"{run.assignment}: {len(run.results)} submission(s) graded in {run.seconds:.0f} s "
            "(autograded points; written answers are graded by hand in the formgrader)", "",
            summary_table(run), ""]
    if run.faults:
        text.append(f"{len(run.faults)} fault(s), each graded (the run went on):")
        text += [f"  {fault}" for fault in run.faults]
    else:
        text.append("no faults")
    if run.red_flags:
        text.append(f"{len(run.red_flags)} red flag(s), cells that reach into the kernel's machinery "
                    "(information only, no score changed):")
        text += [f"  {flag}" for flag in run.red_flags]
    if run.copies is not None:
        text.append(copies_report.summary(run.copies, run.copies_report))
    return "\n".join(text)


def run_grade(assignment: str, course: Path = REPO, submitted: Path | None = None,
              jobs: int | None = None, scheduler: str | None = None, db: str | None = None,
              limits: caps.Limits | None = None) -> ClassRun:
    """The command: grade, then print the summary and where everything is."""
    run = grade_assignments([assignment], course, submitted, jobs, scheduler, db, limits)[assignment]
    print("\n" + report(run))
    course = Path(course).resolve()
    print(f"\ngradebook : {run.db_url}")
    print(f"autograded: {course / 'autograded'}/<student>/{assignment}/")
    print(f"feedback  : {course / 'feedback'}/<student>/{assignment}/<notebook>.html")
    print(f"grades    : {course / 'grades.csv'}")
    if run.copies_report:
        print(f"copies    : {run.copies_report}")
    return run
