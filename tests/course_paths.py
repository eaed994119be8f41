"""Where the course's notebooks live, for the invariant tests.

Set ``COURSE_ONLY=01_sequential_data,02_hidden_state`` to test some chapters only
(handy while writing one); CI always tests them all.
"""

import os
from pathlib import Path

from helpers.course import notebooks as nbs

REPO = Path(__file__).resolve().parents[1]
SOURCE, CHAPTERS, SOLUTIONS = REPO / "source", REPO / "chapters", REPO / "solutions"
ONLY = [a for a in os.environ.get("COURSE_ONLY", "").split(",") if a]
NOTEBOOKS = [ref for ref in (nbs.find_notebooks(SOURCE) if SOURCE.is_dir() else [])
             if not ONLY or ref.assignment in ONLY]
