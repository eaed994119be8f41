"""nbgrader's executing step with a judge: test cells are run outside the student's kernel.

:class:`JudgedExecute` runs a submitted notebook's cells in order, as
:class:`~helpers.course.grading.guarded.GuardedExecute` does (caps, timeouts, faults),
except its graded test cells: those run in a judge process
(:mod:`helpers.course.grading.judge.process`) of its own, with the test cells of the
source notebook. When the test code needs something of the student's (a
function, a model, a variable), the judge asks and this class passes the
request to the kernel as one line of code for the kernel's agent
(:mod:`helpers.bridge.agent`); the agent's answer, data or a handle, goes back
to the judge. The judge's outcome becomes the cell's outputs (printed text,
one line per hidden check, an error when something failed), which nbgrader
then scores as usual.
"""

from __future__ import annotations

from pathlib import Path
from time import monotonic

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Bool, Integer, Unicode

from helpers.bridge.agent import MIME
from helpers.checks.core import failure_lines
from helpers.checks.seeds import PUBLIC_KEY
from helpers.course import notebooks as nbs
from helpers.course.grading.guarded import CELL_TIMEOUT, GuardedExecute, error_output
from helpers.course.grading.judge import cells as test_cells
from helpers.course.grading.judge.process import JudgeFailed, JudgeProcess

# why a request got no answer, as the judge names it to the student
TIMEOUT, DIED, SILENT = "timeout", "died", "silent"
AGENT_CALL = "__import__('helpers.bridge.agent', fromlist=['answer']).answer({request!r})"


def source_tests(source_nb) -> dict[str, str]:
    """grade_id -> source of each autograded test cell of a source notebook."""
    return {nbs.grade_id(cell): cell.source for cell in source_nb.cells if nbs.is_autograded_test(cell)}


def source_imports(source_nb) -> list[str]:
    """The import statements of the source notebook's own code (not answers, not tests)."""
    found = []
    for cell in source_nb.cells:
        if cell.cell_type == "code" and not nbs.nbgrader_meta(cell):
            for statement in test_cells.imports_of(cell.source):
                if statement not in found:
                    found.append(statement)
    return found


def is_judged(source_nb) -> bool:
    """Are this notebook's test cells judged? Yes, unless its metadata says ``"judge": false``
    (a notebook whose tests are not written for the bridge yet)."""
    return source_nb.metadata.get("judge", True) is not False


def outputs_of(outcome: dict) -> list:
    """The cell outputs nbgrader scores: printed text, hidden-check lines, an error on failure."""
    from helpers.checks.core import WIDTH, _shorten
    lines = [outcome["stdout"].rstrip("\n")] if outcome["stdout"].strip() else []
    hidden, failure = outcome["hidden"], outcome["failure"]
    count = len(hidden)
    if failure is not None and hidden:
        lines.append(f"hidden checks: not run ({hidden[0]['message']})")
    elif hidden:
        for n, check in enumerate(hidden, start=1):
            lines.append(_shorten(f"hidden check {n}/{count}, {check['what']}: {check['status']}", WIDTH))
    outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")] if lines else []
    if failure is not None:
        where = f"Failed at line {failure['line']} of the cell: {failure['code']}" if failure["line"] else None
        outputs.append(_error(failure["message"], where))
    else:
        failed = [(n, c) for n, c in enumerate(hidden, start=1) if c["status"] != "passed"]
        if failed:
            n, check = failed[0]
            outputs.append(_error(check["message"], f"Hidden check {n}/{count} failed: {check['what']}"))
    return outputs


def _error(message: str, where: str | None):
    name, _, text = message.partition(": ")
    if not name.isidentifier():
        name, text = "AssertionError", message
    lines = failure_lines(message, where)
    return nbformat.v4.new_output("error", ename=name, evalue=text, traceback=lines)


class JudgedExecute(GuardedExecute):
    """GuardedExecute whose graded test cells are judged outside the kernel."""

    judge = Bool(True, help="run graded test cells in a judge process").tag(config=True)
    source_root = Unicode("", help="the course's source folder (trusted test cells)").tag(config=True)
    seed_key = Unicode(PUBLIC_KEY, help="the key of the hidden tests' seeds").tag(config=True)
    judge_log = Unicode("", help="file the judge's own stderr goes to").tag(config=True)
    judge_threads = Integer(1, help="threads per library in the judge (as in the kernel)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._judge = None
        self._tests: dict[str, str] = {}
        info = (resources or {}).get("nbgrader") or {}
        source_path = Path(self.source_root) / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"
        if self.judge and self.source_root and source_path.is_file():
            source_nb = nbs.read(source_path)
            if is_judged(source_nb):
                self._tests = source_tests(source_nb)
                self._imports = source_imports(source_nb)
                try:
                    self._start_judge()   # its imports run while the kernel starts
                except JudgeFailed:
                    self._judge = None    # tried again at the first test cell
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._judge is not None:
                self._judge.stop()

    # --- the judge ---
    def _start_judge(self) -> None:
        self._judge = JudgeProcess(self.judge_threads, self._imports, self.seed_key, self.judge_log)

    def preprocess_cell(self, cell, resources, index):
        gid = nbs.grade_id(cell)
        if cell.cell_type != "code" or gid not in self._tests:
            return super().preprocess_cell(cell, resources, index)
        if self._stopped:
            cell.outputs = [error_output("NotRunError", f"this cell was not run: {self._stopped}.")]
            return cell, resources
        self._cell_deadline = min(monotonic() + (self.timeout or self.notebook_timeout), self._deadline)
        try:
            if self._judge is None:
                self._start_judge()
            self._judge.wait_ready()
            self._judge.send({"kind": "cell", "grade_id": gid, "source": self._tests[gid]})
            outcome = self._judge_outcome(cell, index)
        except JudgeFailed as error:
            # this cell scores 0; the next test cell gets a new judge
            self._fault("judge", cell, index, str(error))
            self._judge.stop(broken=True)
            self._judge = None
            cell.outputs = [error_output("GradingError", f"the tests of this cell could not be run: {error}")]
            return cell, resources
        cell.outputs = outputs_of(outcome)
        return cell, resources

    def _judge_outcome(self, cell, index) -> dict:
        while True:
            # the judge's own work is bounded by the cell's time, plus a grace for its imports
            message = self._judge.receive(self._cell_deadline - monotonic() + 5)
            if message.get("kind") == "done":
                return message["outcome"]
            if message.get("kind") != "bridge":
                raise JudgeFailed(f"unexpected message from the judge: {str(message)[:200]}")
            text, why, problem = self._ask_kernel(message["request"], cell, index)
            self._judge.send({"kind": "reply", "text": text, "why": why, "problem": problem})

    # --- the kernel's side of one request ---
    def _ask_kernel(self, request: str, cell, index) -> tuple[str | None, str, str]:
        """(the agent's reply or None, and when None: why, in a word and in a sentence)."""
        if self._stopped:
            return None, DIED, f"the kernel is not running any more: {self._stopped}"
        remaining = self._cell_deadline - monotonic()
        if remaining < 1:
            return None, TIMEOUT, f"the tests of this cell ran past the {self.timeout} s limit per cell"
        probe = nbformat.v4.new_code_cell(AGENT_CALL.format(request=request))
        self._cell_timeout = max(1, int(remaining))
        self.error_on_timeout = self._timeout_error(CELL_TIMEOUT, "the request ran out of time")
        try:
            self.execute_cell(probe, index, store_history=False)
        except DeadKernelError:
            return None, DIED, f"the kernel died while the tests ran your code: {self._kernel_died(cell, index)}"
        except CellTimeoutError:
            self._stop_unstoppable(cell, index)
            return None, TIMEOUT, "your code did not stop when interrupted, so the kernel was stopped"
        finally:
            self.nb.cells[index] = cell   # nbclient put the probe in the test cell's place
        enames = [out.get("ename") for out in probe.outputs if out.output_type == "error"]
        if CELL_TIMEOUT in enames:   # interrupted: whatever the agent said after is not an answer
            self._fault("timeout", cell, index, f"interrupted after {self.timeout} s")
            return None, TIMEOUT, f"your code ran past the {self.timeout} s limit of this test cell and was interrupted"
        for out in probe.outputs:
            if out.output_type == "display_data" and isinstance(out.get("data", {}).get(MIME), str):
                return out.data[MIME], "", ""
        return None, SILENT, "no answer" + (f" ({enames[0]})" if enames else "")
