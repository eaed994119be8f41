"""``make bench``: time each solution notebook and its autograde (COURSE_DESIGN.md section 6).

Then the class measurement: a class of CLASS_SIZE submissions of one assignment
graded with plain serial ``nbgrader autograde`` + ``generate_feedback`` and with
``grade --jobs 2`` in the same run (the speed-up, goal >= 1.8x on 2 cores); the
time one grading task takes per notebook over a plain execution of it; what the
sandbox adds to a grading task; and the slowest solution cell, the basis of the
per-cell timeout (helpers/course/grading/caps.py).
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.grading import caps
from helpers.course.authoring.execute import cell_seconds, execute
from helpers.course.authoring.students import submit
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader

NOTEBOOK_BUDGET_S = 30.0
COURSE_BUDGET_S = 6 * 60.0
AUTOGRADE_RATIO_BUDGET = 1.5
CLASS_SIZE = 20
SPEEDUP_GOAL = 1.8
README_BLOCK = re.compile(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)", re.S)


def time_execution(ref: nbs.NotebookRef, solutions_dir: Path, repeats: int) -> tuple[float, float]:
    """(median seconds to execute the solution notebook in a fresh kernel, its slowest cell)."""
    path = ref.path(solutions_dir)
    runs, slowest = [], 0.0
    for _ in range(repeats):
        nb = nbs.clear_outputs(nbs.read(path))
        runs.append(execute(nb, path.parent, record_timing=True))
        slowest = max([slowest, *cell_seconds(nb)])
    return statistics.median(runs), slowest


def time_task(ref: nbs.NotebookRef, solutions_dir: Path) -> float:
    """Seconds one grading task (helpers.course.grading.task) takes for the notebook alone:
    nbgrader autograde and generate_feedback in a scratch course, under the kernel caps, in a
    warm worker. A class run's worker builds its scratch template and starts its judge's
    runner once, for its first submission; the task after that one is what is timed here."""
    from helpers.course.grading.task import Task, grade_task, read_folder

    limits = caps.Limits(threads=os.cpu_count() or 1)  # one kernel at a time, as execute() runs
    source = read_folder(REPO / "source" / ref.assignment)
    task = Task(ref.assignment, "perfect", {ref.name: ref.path(solutions_dir).read_bytes()},
                source, limits=limits)
    grade_task(task)  # the worker's first submission: its template, its judge's runner
    result = grade_task(task)
    lost = [g for g, (s, m, _) in result.scores.get(ref.name, {}).items() if s is not None and s < m]
    print(f"{ref}: one grading task {result.seconds:.1f} s, kernel peak memory "
          f"{result.peak_memory.get(ref.name, 0) / caps.GIB:.2f} GiB"
          + (f", LOST POINTS under the caps in {lost}" if lost else "")
          + (f", faults {[str(f) for f in result.faults]}" if result.faults else ""), flush=True)
    return result.seconds


def time_sandbox_cost(ref: nbs.NotebookRef, solutions_dir: Path, pairs: int = 3) -> dict:
    """Seconds the sandbox adds to one grading task of ``ref``: tasks with and without it,
    alternated, ``pairs`` times; the median difference."""
    from helpers.course.grading.task import Task, grade_task, read_folder

    source = read_folder(REPO / "source" / ref.assignment)
    notebook = {ref.name: ref.path(solutions_dir).read_bytes()}
    grade_task(Task(ref.assignment, "warm-up", notebook, source))  # a warm worker, as in time_task
    seconds = {True: [], False: []}
    for _ in range(pairs):
        for sandboxed in (True, False):
            limits = caps.Limits(threads=os.cpu_count() or 1, sandbox=sandboxed)
            result = grade_task(Task(ref.assignment, "perfect", notebook, source, limits=limits))
            if result.faults:
                raise RuntimeError(f"{ref} (sandbox={sandboxed}): {[str(f) for f in result.faults]}")
            seconds[sandboxed].append(result.seconds)
    differences = [a - b for a, b in zip(seconds[True], seconds[False])]
    return {"notebook": str(ref), "sandboxed": statistics.median(seconds[True]),
            "open": statistics.median(seconds[False]), "cost": statistics.median(differences)}


def time_class(assignment: str, solutions_dir: Path, workdir: Path, size: int = CLASS_SIZE,
               jobs: int = 2, log=print) -> dict:
    """Seconds to grade ``size`` perfect submissions: plain serial nbgrader vs ``grade --jobs``,
    each twice, in the order serial, parallel, parallel, serial, so that a drift of the
    machine's speed during the measurement weighs on both alike."""
    from helpers.course.grading.classroom import grade_assignments

    refs = [r for r in nbs.find_notebooks(REPO / "source") if r.assignment == assignment]
    if not all(r.path(solutions_dir).exists() for r in refs):
        raise ValueError(f"assignment {assignment!r} has no built solutions: run make build")
    students = {f"student-{k:02d}": {r: nbs.read(r.path(solutions_dir)) for r in refs}
                for k in range(1, size + 1)}

    def serial(folder: Path) -> float:
        plain = make_course(folder)
        nbgrader(plain, "generate_assignment", assignment, "--force")
        submit(plain, students)
        log(f"class of {size} x {assignment}: plain serial nbgrader autograde + generate_feedback ...")
        start = time.perf_counter()
        nbgrader(plain, "autograde", assignment, "--force", strict=False)
        nbgrader(plain, "generate_feedback", assignment, "--force", strict=False)
        return time.perf_counter() - start

    def parallel(folder: Path) -> tuple[float, list[str]]:
        course = make_course(folder)
        submit(course, students)
        log(f"class of {size} x {assignment}: grade --jobs {jobs} ...")
        start = time.perf_counter()
        runs = grade_assignments([assignment], course, jobs=jobs, progress=True, log=log)
        return time.perf_counter() - start, [str(f) for f in runs[assignment].faults]

    serials, parallels, lost = [serial(workdir / "plain-1")], [], []
    for k in (1, 2):
        seconds, faults = parallel(workdir / f"parallel-{k}")
        parallels.append(seconds)
        lost += faults
    serials.append(serial(workdir / "plain-2"))
    return {"assignment": assignment, "size": size, "jobs": jobs, "serial": statistics.mean(serials),
            "parallel": statistics.mean(parallels), "serial_runs": serials, "parallel_runs": parallels,
            "speedup": sum(serials) / sum(parallels), "faults": lost}


def class_table(measured: dict, executions: dict, tasks: dict, slowest_cell: float,
                sandbox_cost: dict | None = None) -> str:
    """The class measurement, the per-notebook overhead of grading, the sandbox's cost,
    and the timeout's basis."""
    m = measured

    def runs(key: str) -> str:
        """Each run in brackets, " (305 and 311)", when there were several."""
        return f" ({' and '.join(f'{s:.0f}' for s in m[key])})" if len(m.get(key, ())) > 1 else ""

    lines = [f"| class of {m['size']} submissions of {m['assignment']} | graded in (mean) | per submission |",
             "|---|---:|---:|",
             f"| plain serial `nbgrader autograde` + `generate_feedback` | {m['serial']:.0f} s"
             f"{runs('serial_runs')} | {m['serial'] / m['size']:.1f} s |",
             f"| `grade --jobs {m['jobs']}` | {m['parallel']:.0f} s{runs('parallel_runs')} | "
             f"{m['parallel'] / m['size']:.1f} s |",
             f"| **speed-up** | **{m['speedup']:.2f}x** (goal >= {SPEEDUP_GOAL}x) | |",
             "",
             "Measured serial, parallel, parallel, serial, so that a drift of the machine's speed "
             "weighs on both alike.",
             "",
             "| notebook | executes in | one grading task (warm worker) | overhead | ratio | within budget |",
             "|---|---:|---:|---:|---:|---|"]
    for name, run in executions.items():
        task = tasks[name]
        lines.append(f"| {name} | {run:.1f} s | {task:.1f} s | {task - run:+.1f} s | {task / run:.2f} | "
                     f"{'yes' if task <= AUTOGRADE_RATIO_BUDGET * run else '**no**'} |")
    if sandbox_cost:
        c = sandbox_cost
        lines += ["", f"The sandbox costs {c['cost']:+.2f} s per notebook (goal: under 1 s): one "
                      f"grading task of {c['notebook']} took {c['sandboxed']:.1f} s sandboxed and "
                      f"{c['open']:.1f} s without it (medians of 3 alternated pairs)."]
    lines += ["", f"Slowest solution cell: {slowest_cell:.1f} s; the per-cell timeout is "
                  f"{caps.CELL_TIMEOUT_S} s ({caps.CELL_TIMEOUT_S / slowest_cell:.1f}x it), the "
                  f"notebook cap {caps.NOTEBOOK_TIMEOUT_S} s (helpers/course/grading/caps.py)."]
    if m["faults"]:
        lines.append(f"Faults in the class run (a perfect class should have none): {m['faults']}")
    return "\n".join(lines)


def time_autograde(refs: list[nbs.NotebookRef], solutions_dir: Path, workdir: Path) -> dict:
    """Seconds nbgrader takes to autograde each solution notebook on its own."""
    course = make_course(workdir)
    for assignment in nbs.assignments(refs):
        nbgrader(course, "generate_assignment", assignment, "--force")
    submit(course, {"perfect": {ref: nbs.read(ref.path(solutions_dir)) for ref in refs}})
    seconds = {}
    for ref in refs:
        start = time.perf_counter()
        nbgrader(course, "autograde", ref.assignment, "--student", "perfect",
                 "--notebook", ref.name, "--force", strict=False)
        seconds[str(ref)] = time.perf_counter() - start
    return seconds


def table(executions: dict, autogrades: dict) -> str:
    """The Markdown budget table."""
    lines = ["| solution notebook | executes in (median) | autogrades in | ratio | within budget |",
             "|---|---:|---:|---:|---|"]
    for name, run in executions.items():
        grade_s = autogrades[name]
        ok = run <= NOTEBOOK_BUDGET_S and grade_s <= AUTOGRADE_RATIO_BUDGET * run
        lines.append(f"| {name} | {run:.1f} s | {grade_s:.1f} s | {grade_s / run:.2f} | "
                     f"{'yes' if ok else '**no**'} |")
    total = sum(executions.values())
    lines.append(f"| **whole course** | {total:.1f} s | {sum(autogrades.values()):.1f} s | | "
                 f"{'yes' if total <= COURSE_BUDGET_S else '**no**'} |")
    lines.append("")
    lines.append(f"Budgets: a notebook <= {NOTEBOOK_BUDGET_S:.0f} s, the course <= "
                 f"{COURSE_BUDGET_S / 60:.0f} min, autograde <= {AUTOGRADE_RATIO_BUDGET} x execution. "
                 f"Measured by `make bench` on {platform.machine()}, "
                 f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}.")
    return "\n".join(lines)


def update_readme(text: str, readme: Path = REPO / "README.md") -> None:
    content = readme.read_text()
    if not README_BLOCK.search(content):
        raise ValueError(f"{readme} has no <!-- bench:begin --> ... <!-- bench:end --> block")
    readme.write_text(README_BLOCK.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content))


def run_bench(repeats: int = 3, write_readme: bool = False,
              solutions_dir: Path = REPO / "solutions", class_size: int = CLASS_SIZE) -> str:
    """Measure, print the tables, and optionally write them into the README."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if class_size < 1:
        raise ValueError(f"class_size must be >= 1, got {class_size}")
    refs = [ref for ref in nbs.find_notebooks(REPO / "source") if ref.path(solutions_dir).exists()]
    skipped = sorted({str(r) for r in nbs.find_notebooks(REPO / "source")} - {str(r) for r in refs})
    if skipped:
        print(f"not built yet (no solution notebook), left out: {', '.join(skipped)}")
    executions, slowest, tasks = {}, {}, {}
    for ref in refs:  # each execution and its grading task back to back: the same machine load
        executions[str(ref)], slowest[str(ref)] = time_execution(ref, solutions_dir, repeats)
        print(f"{ref}: {executions[str(ref)]:.1f} s (median of {repeats}), slowest cell "
              f"{slowest[str(ref)]:.1f} s", flush=True)
        tasks[str(ref)] = time_task(ref, solutions_dir)
    # the class: the assignment that executes fastest, so the measurement stays short
    complete = [a for a in nbs.assignments(refs) if a not in {s.split("/")[0] for s in skipped}]
    per_assignment = {a: sum(v for k, v in executions.items() if k.startswith(f"{a}/"))
                      for a in complete}
    with tempfile.TemporaryDirectory(prefix="rnn-bench-") as tmp:
        autogrades = time_autograde(refs, solutions_dir, Path(tmp) / "course")
        measured = time_class(min(per_assignment, key=per_assignment.get), solutions_dir,
                              Path(tmp) / "class", class_size)
    fastest = min(refs, key=lambda r: executions[str(r)])
    cost = time_sandbox_cost(fastest, solutions_dir)
    print(f"sandbox: {cost['cost']:+.2f} s per notebook ({fastest})", flush=True)
    text = table(executions, autogrades) + "\n\n" + class_table(measured, executions, tasks,
                                                                 max(slowest.values()), cost)
    print("\n" + text)
    if write_readme:
        update_readme(text)
        print("\nREADME.md updated.")
    return text
