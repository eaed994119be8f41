"""The judge process: runs a notebook's test cells where no student code ever ran.

``python -m helpers.course.grading.judge.runner MODULE...`` is started once per
grading process and library family by :mod:`helpers.course.grading.judge.process`: it
imports the libraries named (TensorFlow, PyTorch: seconds each), then forks one
judge per notebook, the next one as soon as the last has ended. A judge is a copy
of a process that never received anything from a kernel, and nothing of one
notebook's judge (or student) reaches the next. The judge talks to the grader over
the runner's standard input and a duplicate of its standard output (one JSON
message per line, one message outstanding at a time; anything the tests or
libraries print goes to the notebook's log instead):

- ``start``: the notebook's import statements (from the source notebook, so
  trusted), the course's seed key, the judge's scratch folder and log; it runs
  the imports and says ``ready``;
- ``cell``: a test cell's source (from the gradebook). The cell runs here; a name
  it does not define is looked up in the student's kernel through the bridge,
  each request going out as ``bridge`` and its answer coming back as ``reply``;
  the outcome goes back as ``done``;
- ``end``: the judge says ``ended`` and exits; the runner forks the next one.

The verdict is computed here: data from the kernel is checked by this process's
own NumPy, PyTorch, Keras and ``helpers.checks``, which nothing in the kernel
can reach.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import json
import os
import sys
import traceback
import warnings

from helpers import bridge
from helpers.bridge.remote import Bridge, KernelSilent, StudentError
from helpers.course.grading.judge.cells import TestCell, compile_part, split

ENDED, CLOSED = 0, 3   # a judge's exit codes: asked to end; its grader went away
SILENT = ("the grader got no answer from your notebook's kernel while it tested your code "
          "({detail}). Something in the notebook changed how its kernel runs code, or the "
          "kernel stopped: run the notebook from a fresh kernel and check it answers.")


class Namespace(dict):
    """The judge's globals: its own imports and the test's names, then the kernel's."""

    def __init__(self, judge_bridge: Bridge):
        super().__init__()
        self.bridge = judge_bridge
        self.fetched: dict[str, object] = {}

    def __missing__(self, name: str):
        if hasattr(builtins, name) or name.startswith("__"):
            raise KeyError(name)
        try:
            value = self.bridge.get(name)
        except NameError:
            raise KeyError(name) from None
        self.fetched[name] = value
        self[name] = value
        return value

    def forget_fetched(self) -> None:
        """Drop what the last cell fetched, so the next one reads the kernel afresh."""
        for name, value in self.fetched.items():
            if self.get(name) is value:
                del self[name]
        self.fetched.clear()


def _where(error: BaseException, filename: str) -> int | None:
    """The line of the test cell where ``error`` was raised (the innermost one), or None."""
    found = None
    for frame, number in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == filename:
            found = number
    return found


def describe(error: BaseException) -> str:
    """``Type: message`` of a failure as the student should read it: for an error the
    student's code raised, its line first and, for a known mistake, the fix."""
    from helpers.checks.core import NOT_ANSWERED, error_advice, one_line
    if isinstance(error, KernelSilent):
        named = {"timeout": "CellTimeoutError", "died": "KernelDiedError"}.get(error.why)
        return f"{named}: {error}." if named else "KernelSilentError: " + SILENT.format(detail=error)
    name = type(error).__name__
    text = str(error)
    if isinstance(error, NotImplementedError) and not text:
        text = f"an exercise is {NOT_ANSWERED}"
    described = f"{name}: {text}" if text else name
    if isinstance(error, AssertionError):
        return described
    lines = error.record.lines if isinstance(error, StudentError) else ()
    student_line = lines[-1][1] if lines else None
    advice = error_advice(error, student_line)
    if lines:
        described = f"{one_line(error)}\nRaised by your code, line {lines[-1][0]}: {student_line}"
    return f"{described}\n{advice}" if advice else described


def run_part(part, namespace: Namespace, filename: str) -> dict:
    """Run one part; its printed text and, on failure, what failed and where."""
    out = io.StringIO()
    outcome = {"stdout": "", "failed": False}
    try:
        code = compile_part(part, filename)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, namespace)  # noqa: S102 - the instructor's test code, from the gradebook
    except BaseException as error:  # noqa: BLE001 - every failure is a verdict
        if isinstance(error, (KeyboardInterrupt, SystemExit)) and not isinstance(error, StudentError):
            raise
        line = _where(error, filename)
        outcome.update(failed=True, message=describe(error), line=line,
                       code=part.code.splitlines()[line - part.first_line].strip() if line else "")
    outcome["stdout"] = out.getvalue()
    return outcome


def run_cell(cell: TestCell, namespace: Namespace, grade_id: str) -> dict:
    """The outcome of a whole test cell: the visible part, then every hidden check."""
    namespace.forget_fetched()
    filename = f"<test cell {grade_id}>"
    visible = run_part(cell.visible, namespace, filename)
    stdout = visible["stdout"]
    hidden = []
    blocked = "the visible tests failed" if visible["failed"] else ""
    if not blocked and cell.setup is not None:
        setup = run_part(cell.setup, namespace, filename)   # what hidden code prints is never shown
        if setup["failed"]:
            blocked = f"the hidden tests could not start: {setup['message']}"
    for part in cell.checks:
        if blocked:
            hidden.append({"what": part.what, "status": "not run", "message": blocked})
            continue
        result = run_part(part, namespace, filename)
        hidden.append({"what": part.what, "status": "failed" if result["failed"] else "passed",
                       "message": result.get("message", "")})
    after = None
    if cell.after is not None and not blocked:
        after = run_part(cell.after, namespace, filename)
    failed = next((p for p in (visible, after) if p is not None and p["failed"]), None)
    failure = {k: failed[k] for k in ("message", "line", "code")} if failed else None
    return {"stdout": stdout, "failure": failure, "hidden": hidden}


class Channel:
    """One JSON message per line over the judge's pipes."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    def send(self, message: dict) -> None:
        self.writer.write(json.dumps(message) + "\n")
        self.writer.flush()

    def receive(self) -> dict:
        line = self.reader.readline()
        if not line:
            raise EOFError("the grader closed the judge's input")
        return json.loads(line)


def _bridge_over(channel: Channel) -> Bridge:
    def send(request: str):
        channel.send({"kind": "bridge", "request": request})
        reply = channel.receive()
        if reply.get("text") is None:
            raise KernelSilent(reply.get("problem") or "no answer", reply.get("why") or "silent")
        return reply["text"]
    return Bridge(send)


def _settle(folder: str, log: str) -> None:
    """Work in the notebook's scratch folder; what libraries print goes to its log."""
    os.chdir(folder)
    sink = os.open(log or os.devnull, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(sink)


def serve(channel: Channel) -> int:
    """Answer ``start`` and ``cell`` messages until ``end`` (exit code ENDED) or the end of
    input (exit code CLOSED: the grader has gone)."""
    judge_bridge = _bridge_over(channel)
    bridge.activate(judge_bridge)
    namespace = Namespace(judge_bridge)
    while True:
        try:
            message = channel.receive()
        except EOFError:
            return CLOSED
        kind = message.get("kind")
        if kind == "start":
            from helpers.checks import seeds
            _settle(message.get("folder") or ".", message.get("log") or "")
            seeds.set_key(message["key"])
            error = ""
            for statement in message["imports"]:
                try:
                    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        exec(statement, namespace)  # noqa: S102 - the source notebook's imports
                except Exception as failure:  # noqa: BLE001 - a broken environment, said once
                    error = error or f"{statement}: {type(failure).__name__}: {failure}"
            channel.send({"kind": "ready", "error": error, "pid": os.getpid()})
        elif kind == "cell":
            outcome = run_cell(split(message["source"]), namespace, message["grade_id"])
            channel.send({"kind": "done", "outcome": outcome})
        elif kind == "end":
            channel.send({"kind": "ended"})
            return ENDED


def preload(modules: list[str]) -> None:
    """Import the libraries every judge of this family needs; a failure is left for the
    judge's own imports to report."""
    for name in modules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - said by the judge's ``start``
            pass


def main() -> None:
    # the protocol keeps a private copy of stdout; fd 1 then goes to stderr, so
    # whatever a library prints cannot corrupt a message
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.__stdout__ = os.fdopen(1, "w", encoding="utf-8", closefd=False)
    preload(sys.argv[1:])
    while True:
        # neither this process nor its buffers ever read the pipes: each judge has them whole
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = serve(Channel(sys.stdin, protocol))
            finally:
                os._exit(code)   # no interpreter shutdown: TensorFlow's takes seconds
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != ENDED:
            return               # the grader went away, or a judge broke: so does the runner


if __name__ == "__main__":
    main()
