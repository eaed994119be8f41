"""The scripts of tests/thresholds/ find the notebook cells they run.

They train for minutes, so make test does not run them; this checks only that each one
still picks the notebook's set-up cell (the imports and ``set_seed(0)``), not the
"Open anywhere" install cell that comes first since every notebook got one.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from helpers.course import notebooks as nbs

THRESHOLDS = Path(__file__).parent / "thresholds"
sys.path.insert(0, str(THRESHOLDS))

import shared  # noqa: E402  (tests/thresholds/shared.py)

TRACKS = ("keras", "pytorch")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"thresholds_{name}", THRESHOLDS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("chapter", ["04_stacking", "05_lstm_gru", "06_bidirectional"])
def test_the_shared_setup_code_is_the_set_up_cell(chapter, track):
    setup = shared.setup_code(nbs.read(shared.chapter(chapter) / f"{track}.ipynb"))
    assert "set_seed(0)" in setup and "from helpers" in setup, setup[:300]


@pytest.mark.parametrize("track", TRACKS)
def test_chapter_03_finds_its_set_up_cell(track):
    setup, training = _script("03_simple_rnn").notebook_code(track)
    assert setup.startswith("import") and "from helpers" in setup, setup[:300]
    assert "set_seed(0)" in training
