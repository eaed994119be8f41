"""The judge processes: one fresh judge per notebook, forked from a runner that imported the libraries.

A judge needs TensorFlow or PyTorch, whose imports cost seconds: paid for every
notebook, they were a third of a grading task. So a grading process starts one
:class:`Runner` per library family (``python -m helpers.course.grading.judge.runner``,
which imports the family's libraries and nothing else) and keeps it; each
notebook's :class:`JudgeProcess` is a fork of it, made before it is needed and
ended after its notebook. The guarantee is unchanged: a judge is a copy of a
process that no student code ran in and no kernel ever answered, and it dies
with its notebook, so nothing of one student's grading reaches the next.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile

from helpers.course.grading.caps import Limits, kernel_environment
from helpers.course.grading.judge.cells import imported_modules

JUDGE_START_S = 120      # the judge's imports (TensorFlow on a busy machine)
JUDGE_END_S = 10         # a judge asked to end says so at once
COMMON = ("numpy", "matplotlib.pyplot", "helpers.checks")
FAMILIES = {"keras": ("keras", "tensorflow"), "torch": ("torch",)}
# what a family's libraries import late, at a cost every judge would pay again: the runner
# imports it too (PyTorch's first optimizer imports torch._dynamo: 1.2-1.5 s)
LATE_IMPORTS = {"torch": ("torch._dynamo",)}
_RUNNERS: dict[tuple, Runner] = {}


class JudgeFailed(RuntimeError):
    """The judge process did not answer (it crashed or ran out of time)."""


def family(imports: list[str]) -> tuple[str, ...]:
    """The library families a notebook's import statements name (``keras`` for Keras or
    TensorFlow, ``torch``): the runner its judges are forked from."""
    modules = {name.split(".")[0] for statement in imports for name in imported_modules(statement)}
    return tuple(name for name, members in FAMILIES.items() if modules & set(members))


class Runner:
    """A process that imported one family's libraries and forks a judge per notebook."""

    def __init__(self, threads: int, libraries: tuple[str, ...]):
        # a graded kernel's environment (thread caps, no course secret: the key comes by message)
        env = kernel_environment(Limits(threads=threads))
        env["PYTHONHASHSEED"] = "0"
        self.folder = tempfile.mkdtemp(prefix="rnn-judge-runner-")
        modules = [*COMMON, *(m for name in libraries
                              for m in (*FAMILIES[name], *LATE_IMPORTS.get(name, ())))]
        # its own session: stopping it stops the judge it forked too
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "helpers.course.grading.judge.runner", *modules],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=self.folder, text=True, encoding="utf-8", start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, message: dict) -> None:
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise JudgeFailed(f"the judge stopped ({error})") from None

    def receive(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        if not ready:
            raise JudgeFailed("the judge ran out of time")
        line = self.proc.stdout.readline()
        if not line:
            raise JudgeFailed(f"the judge stopped (exit code {self.proc.wait()})")
        return json.loads(line)

    def stop(self) -> None:
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def runner(threads: int, libraries: tuple[str, ...]) -> Runner:
    """This process's runner for ``libraries`` (started on first use, again if it died)."""
    key = (threads, libraries)
    found = _RUNNERS.get(key)
    if found is None or not found.alive():
        if found is not None:
            found.stop()
        found = _RUNNERS[key] = Runner(threads, libraries)
    return found


@atexit.register
def stop_runners() -> None:
    """Stop every runner of this process (they also stop by themselves when it exits)."""
    while _RUNNERS:
        _RUNNERS.popitem()[1].stop()


class JudgeProcess:
    """One notebook's judge, and the pipe protocol to it."""

    def __init__(self, threads: int, imports: list[str], key: str, log_path: str = ""):
        self._runner = runner(threads, family(imports))
        self.folder = tempfile.mkdtemp(prefix="rnn-judge-")
        self._idle = False    # True when the judge waits for a message
        self.ready, self.pid = False, None
        try:
            self.send({"kind": "start", "imports": imports, "key": key, "folder": self.folder,
                       "log": log_path})
        except JudgeFailed:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def send(self, message: dict) -> None:
        self._idle = False
        self._runner.send(message)

    def receive(self, timeout: float) -> dict:
        message = self._runner.receive(timeout)
        self._idle = message.get("kind") in ("ready", "done")
        return message

    def wait_ready(self) -> None:
        """Wait for the judge's imports; raise JudgeFailed if they failed."""
        if self.ready:
            return
        message = self.receive(JUDGE_START_S)
        if message.get("kind") != "ready":
            raise JudgeFailed(f"the judge did not start: {str(message)[:200]}")
        self.ready, self.pid = True, message.get("pid")
        if message.get("error"):   # its name would otherwise be read from the student's kernel
            raise JudgeFailed(f"the judge could not import {message['error']}")

    def stop(self, broken: bool = False) -> None:
        """End this judge: asked to when it is waiting for a message, else (``broken``, or
        in the middle of an exchange) killed with its runner, which the next judge restarts."""
        try:
            if not broken and not self.ready:
                self.wait_ready()
            if broken or not self._idle:
                raise JudgeFailed("in the middle of an exchange")
            self.send({"kind": "end"})
            if self.receive(JUDGE_END_S).get("kind") != "ended":
                raise JudgeFailed("the judge did not end")
        except JudgeFailed:
            self._runner.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
