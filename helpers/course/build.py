"""Build the student release (chapters/) and the solved notebooks (solutions/) from source/.

chapters/ is exactly what ``nbgrader generate_assignment`` releases.
solutions/ is that release with every answer cell filled in from source/,
executed top to bottom with its outputs kept.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from helpers.course import notebooks as nbs
from helpers.course.execute import drop_log_noise, execute
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader


def release(source_dir: Path, release_dir: Path, workdir: Path) -> list[nbs.NotebookRef]:
    """Run nbgrader generate_assignment for every assignment into ``release_dir``."""
    refs = nbs.find_notebooks(source_dir)
    course = make_course(workdir, source_dir)
    for assignment in nbs.assignments(refs):
        nbgrader(course, "generate_assignment", assignment, "--force")
    if Path(release_dir).exists():
        shutil.rmtree(release_dir)
    shutil.copytree(course / "chapters", release_dir)
    return refs


def build_solution(ref: nbs.NotebookRef, source_dir: Path, release_dir: Path,
                   solutions_dir: Path, run: bool = True) -> float:
    """Write ``solutions/<ref>``; execute it when ``run``. Returns seconds taken."""
    solution = nbs.solved(nbs.read(ref.path(release_dir)), nbs.read(ref.path(source_dir)))
    target = ref.path(solutions_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    seconds = execute(solution, target.parent) if run else 0.0
    nbs.write(drop_log_noise(solution), target)
    return seconds


def build(source_dir: Path = REPO / "source", release_dir: Path = REPO / "chapters",
          solutions_dir: Path = REPO / "solutions", run: bool = True, log=print) -> dict:
    """Regenerate ``release_dir`` and ``solutions_dir`` from ``source_dir``."""
    with tempfile.TemporaryDirectory(prefix="rnn-build-") as tmp:
        refs = release(source_dir, release_dir, Path(tmp) / "course")
    if Path(solutions_dir).exists():
        shutil.rmtree(solutions_dir)
    shutil.copytree(release_dir, solutions_dir)  # data files a chapter ships come along
    timings = {}
    for ref in refs:
        timings[str(ref)] = build_solution(ref, source_dir, release_dir, solutions_dir, run)
        log(f"built {ref}" + (f"  (executed in {timings[str(ref)]:.1f} s)" if run else ""))
    return timings
