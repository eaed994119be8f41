"""Where the course's notebooks live, for the invariant tests."""

from pathlib import Path

from helpers.course import notebooks as nbs

REPO = Path(__file__).resolve().parents[1]
SOURCE, CHAPTERS, SOLUTIONS = REPO / "source", REPO / "chapters", REPO / "solutions"
NOTEBOOKS = nbs.find_notebooks(SOURCE) if SOURCE.is_dir() else []
