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
from helpers.course.authoring.execute import drop_log_noise, execute
from helpers.course.nbgrader_runner import REPO, make_course, nbgrader


def replace_folder(source: Path, target: Path) -> None:
    """Make ``target`` an exact copy of ``source``."""
    if Path(target).exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)


def release(source_dir: Path, release_dir: Path, workdir: Path,
            assignments: list[str]) -> None:
    """Run nbgrader generate_assignment for ``assignments`` into ``release_dir``."""
    course = make_course(workdir, source_dir)
    whole_course = sorted(assignments) == nbs.assignments(nbs.find_notebooks(course / "source"))
    # the whole course in one nbgrader run (each run starts nbgrader and a gradebook anew)
    for pattern in ["*"] if whole_course else assignments:
        nbgrader(course, "generate_assignment", pattern, "--force")
    for assignment in assignments:
        replace_folder(course / "chapters" / assignment, Path(release_dir) / assignment)


def build_solution(ref: nbs.NotebookRef, source_dir: Path, release_dir: Path,
                   solutions_dir: Path, run: bool = True) -> float:
    """Write ``solutions/<ref>``; execute it when ``run``. Returns seconds taken."""
    solution = nbs.solved(nbs.read(ref.path(release_dir)), nbs.read(ref.path(source_dir)))
    target = ref.path(solutions_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    seconds = execute(solution, target.parent) if run else 0.0
    nbs.write(drop_log_noise(solution), target)
    return seconds


def remove_stale(folder: Path, assignments: list[str]) -> None:
    """Delete assignment folders whose source is gone."""
    if Path(folder).is_dir():
        for child in Path(folder).iterdir():
            if child.is_dir() and child.name not in assignments:
                shutil.rmtree(child)


def build(source_dir: Path = REPO / "source", release_dir: Path = REPO / "chapters",
          solutions_dir: Path = REPO / "solutions", run: bool = True,
          only: list[str] | None = None, log=print) -> dict:
    """Regenerate ``release_dir`` and ``solutions_dir`` from ``source_dir``.

    ``only`` limits the build to some assignments and leaves the others as they are.
    """
    refs = nbs.find_notebooks(source_dir)
    everything = nbs.assignments(refs)
    unknown = sorted(set(only or []) - set(everything))
    if unknown:
        raise ValueError(f"only names assignments that source/ lacks: {unknown}")
    chosen = only or everything
    if not only:
        remove_stale(release_dir, everything)
        remove_stale(solutions_dir, everything)
    with tempfile.TemporaryDirectory(prefix="rnn-build-") as tmp:
        release(source_dir, release_dir, Path(tmp) / "course", chosen)
    timings = {}
    for assignment in chosen:
        # data files a chapter ships come along with the release
        replace_folder(Path(release_dir) / assignment, Path(solutions_dir) / assignment)
        for ref in (r for r in refs if r.assignment == assignment):
            timings[str(ref)] = build_solution(ref, source_dir, release_dir, solutions_dir, run)
            log(f"built {ref}" + (f"  (executed in {timings[str(ref)]:.1f} s)" if run else ""))
    return timings
