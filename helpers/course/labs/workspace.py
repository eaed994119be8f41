"""A student's personal working copy of the chapters, and submission clean-up."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.course import notebooks as nbs


def sync_workspace(release_dir: Path, folder: Path) -> list[Path]:
    """Copy released files that ``folder`` lacks; never overwrite the student's work.

    Returns the files copied.
    """
    release_dir, folder = Path(release_dir), Path(folder)
    if not release_dir.is_dir():
        raise FileNotFoundError(f"release_dir {release_dir} does not exist: run `make build`")
    copied = []
    for src in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        target = folder / src.relative_to(release_dir)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
            copied.append(target)
    print(f"{len(copied)} new file(s) copied into {folder}" if copied
          else f"{folder} is up to date")
    return copied


def clean_submissions(folder: Path) -> dict[Path, list[str]]:
    """Drop repeated grade_ids in every notebook below ``folder`` (nbgrader 0.9 aborts on them)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {folder} does not exist")
    cleaned = {}
    for path in sorted(folder.rglob("*.ipynb")):
        nb = nbs.read(path)
        repeated = nbs.deduplicate_grade_ids(nb)
        if repeated:
            nbs.write(nb, path)
            cleaned[path] = repeated
            print(f"{path}: removed repeated grade_id(s) {', '.join(repeated)}")
    if not cleaned:
        print(f"no repeated grade_ids below {folder}")
    return cleaned
