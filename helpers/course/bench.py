"""``make bench``: time each solution notebook and its autograde (COURSE_DESIGN.md section 6)."""

from __future__ import annotations

import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.execute import execute
from helpers.course.grading import submit
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader

NOTEBOOK_BUDGET_S = 30.0
COURSE_BUDGET_S = 6 * 60.0
AUTOGRADE_RATIO_BUDGET = 1.5
README_BLOCK = re.compile(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)", re.S)


def time_execution(ref: nbs.NotebookRef, solutions_dir: Path, repeats: int) -> float:
    """Median seconds to execute the solution notebook in a fresh kernel."""
    path = ref.path(solutions_dir)
    runs = [execute(nbs.clear_outputs(nbs.read(path)), path.parent) for _ in range(repeats)]
    return statistics.median(runs)


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
              solutions_dir: Path = REPO / "solutions") -> str:
    """Measure, print the table, and optionally write it into the README."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    refs = nbs.find_notebooks(REPO / "source")
    executions = {}
    for ref in refs:
        executions[str(ref)] = time_execution(ref, solutions_dir, repeats)
        print(f"{ref}: {executions[str(ref)]:.1f} s (median of {repeats})", flush=True)
    with tempfile.TemporaryDirectory(prefix="rnn-bench-") as tmp:
        autogrades = time_autograde(refs, solutions_dir, Path(tmp) / "course")
    text = table(executions, autogrades)
    print("\n" + text)
    if write_readme:
        update_readme(text)
        print("\nREADME.md updated.")
    return text
