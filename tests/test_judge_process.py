"""The judge processes: a fresh judge per notebook, forked from a runner kept by its grading process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from helpers.course.grading.judge import process
from helpers.course.grading.judge.process import JudgeFailed, JudgeProcess

IMPORTS = ["import numpy as np", "from helpers import checks"]   # no library family: a light runner
LEAK = "import helpers.checks as c\nprint(os.getpid(), getattr(c, 'left_by_the_last_student', None))\n" \
       "c.left_by_the_last_student = 'yes'"


def run(judge: JudgeProcess, source: str) -> str:
    judge.wait_ready()
    judge.send({"kind": "cell", "grade_id": "t", "source": "import os\n" + source})
    outcome = judge.receive(60)["outcome"]
    assert outcome["failure"] is None, outcome["failure"]
    return outcome["stdout"].strip()


@pytest.fixture
def fresh_runners():
    process.stop_runners()
    yield
    process.stop_runners()


def test_libraries_choose_the_runner():
    assert process.family(["import keras", "import numpy as np"]) == ("keras",)
    assert process.family(["import tensorflow as tf"]) == ("keras",)
    assert process.family(["from torch import nn", "from torch.utils.data import DataLoader"]) == ("torch",)
    assert process.family(["import numpy as np", "from helpers import checks"]) == ()


def test_each_notebook_gets_a_fresh_judge_from_one_runner(fresh_runners, tmp_path):
    first = JudgeProcess(1, IMPORTS, "key", str(tmp_path / "log"))
    runner = process.runner(1, ())
    pid, left = run(first, LEAK).split()
    assert left == "None"
    # the control: within one notebook's judge, what a cell leaves is there for the next cell
    assert run(first, LEAK).split() == [pid, "yes"]
    first.stop()
    second = JudgeProcess(1, IMPORTS, "key", str(tmp_path / "log"))
    other_pid, left = run(second, LEAK).split()
    second.stop()
    assert other_pid != pid and left == "None", "the next notebook's judge saw the last one's state"
    assert process.runner(1, ()) is runner and runner.alive(), "the two judges should come from one runner"


def test_a_broken_judge_takes_its_runner_and_the_next_starts_afresh(fresh_runners):
    first = JudgeProcess(1, IMPORTS, "key")
    run(first, "print(1)")
    runner = process.runner(1, ())
    first.stop(broken=True)
    assert not runner.alive(), "a broken judge's runner should be stopped with it"
    second = JudgeProcess(1, IMPORTS, "key")
    assert run(second, "print(2)") == "2"
    assert process.runner(1, ()) is not runner
    second.stop()


def test_a_failed_import_is_said_and_the_runner_stays(fresh_runners):
    judge = JudgeProcess(1, ["import no_such_module_here"], "key")
    with pytest.raises(JudgeFailed, match="no_such_module_here"):
        judge.wait_ready()
    runner = process.runner(1, ())
    judge.stop()
    assert runner.alive()


def test_the_runner_ends_with_its_grading_process():
    code = ("import os, sys\nfrom helpers.course.grading.judge.process import JudgeProcess, runner\n"
            "j = JudgeProcess(1, ['import numpy'], 'key'); j.wait_ready()\n"
            "print(runner(1, ()).proc.pid, j.pid, flush=True)\nos._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr[-2000:]
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids), "the runner or its judge outlived the grading process"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


LATE_IMPORTS = ("import sys, torch\nbefore = set(sys.modules)\n"
                "torch.optim.Adam(torch.nn.Linear(2, 1).parameters())\nprint(len(set(sys.modules) - before))")


def test_a_torch_judge_finds_what_its_first_optimizer_imports_already_loaded(fresh_runners):
    judge = JudgeProcess(1, ["import torch", "from torch import nn"], "key")
    try:
        assert run(judge, LATE_IMPORTS) == "0", "every judge pays again for what its runner did not preload"
    finally:
        judge.stop()
    # the control: a process that imported torch alone imports more for its first optimizer
    out = subprocess.run([sys.executable, "-c", LATE_IMPORTS], capture_output=True, text=True, timeout=120)
    assert int(out.stdout.split()[-1]) > 100, out.stderr[-2000:]
