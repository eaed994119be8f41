"""nbgrader's Execute, made fault-proof: a dead kernel or an endless loop is a grade.

Plain nbgrader stops a notebook at the first dead kernel or unresponsive cell
and leaves it "needs autograding" with its output deleted. :class:`GuardedExecute`
runs the cells one by one and turns each fault into error outputs, which
nbgrader then grades like any other error (0 points for that test cell):

- **kernel death** (``os._exit``, a segfault, the memory cap): the cell that
  ran gets an error saying what happened; every code cell after it gets a
  "not run" error. The cells that ran before keep their outputs and scores.
- **a cell over the per-cell timeout**: the kernel is interrupted, the cell
  gets a ``CellTimeoutError`` and the rest of the notebook still runs. A kernel
  that ignores the interrupt is stopped, and the cells after it are not run.
- **the notebook over its wall-clock cap**: the running cell is interrupted,
  the cells after it are not run.

Each fault is also appended as a JSON line to ``fault_log`` (when set) for the
class summary. Kernels start inside the caps of :mod:`helpers.course.grading.caps`.
Configured per scratch course through ``c.Autograde.autograde_preprocessors``.
"""

from __future__ import annotations

import json
from time import monotonic

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from helpers.course import notebooks as nbs
from helpers.course.grading.caps import NOTEBOOK_TIMEOUT_S, CappedKernelManager

KERNEL_DIED, NOT_RUN = "KernelDiedError", "NotRunError"
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = "CellTimeoutError", "NotebookTimeoutError"
FAULT_ENAMES = (KERNEL_DIED, NOT_RUN, CELL_TIMEOUT, NOTEBOOK_TIMEOUT)


def error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class GuardedExecute(Execute):
    """Execute each cell under a timeout and a notebook cap; faults become error outputs."""

    notebook_timeout = Integer(NOTEBOOK_TIMEOUT_S,
                               help="wall-clock cap of the whole notebook, in seconds").tag(config=True)
    fault_log = Unicode("", help="file to append one JSON line per fault to").tag(config=True)

    def __init__(self, **kw):
        kw.setdefault("kernel_manager_class", CappedKernelManager)
        # a graded kernel has nothing to save: killed at the end, not asked to exit (a
        # graceful exit with PyTorch or TensorFlow loaded took 3 s of every grading task)
        kw.setdefault("shutdown_kernel", "immediate")
        super().__init__(**kw)

    # --- bookkeeping ---
    def _fault(self, kind: str, cell, index: int, detail: str) -> None:
        if not self.fault_log:
            return
        entry = {"notebook": self._notebook, "cell": nbs.grade_id(cell) or f"cell {index + 1}",
                 "kind": kind, "detail": detail}
        with open(self.fault_log, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def preprocess(self, nb, resources=None, km=None):
        self._notebook = ((resources or {}).get("nbgrader") or {}).get("notebook", "notebook")
        self._stopped = ""          # why the remaining cells are not run
        self._deadline = monotonic() + self.notebook_timeout
        self._cell_timeout = self.timeout
        self.peak_memory = 0
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        return self._cell_timeout if cell is not None else super()._get_timeout(cell)

    def _cleanup_kernel(self):
        cgroups = getattr(self.km, "cgroups", None)
        if cgroups is not None:
            self.peak_memory = max(self.peak_memory, cgroups.peak_memory())
            if self.fault_log:
                with open(self.fault_log, "a") as log:
                    log.write(json.dumps({"notebook": self._notebook, "kind": "stats",
                                          "peak_memory": self.peak_memory}) + "\n")
        return super()._cleanup_kernel()

    # --- one cell ---
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._stopped:
            cell.outputs = [error_output(NOT_RUN, f"this cell was not run: {self._stopped}.")]
            return cell, resources
        remaining = self._deadline - monotonic()
        per_cell = self.timeout or self.notebook_timeout
        capped_by_notebook = remaining < per_cell
        self._cell_timeout = max(1, int(min(per_cell, remaining)))
        if capped_by_notebook:
            self.error_on_timeout = self._timeout_error(
                NOTEBOOK_TIMEOUT, f"the notebook ran past its {self.notebook_timeout} s wall-clock "
                                  "cap while this cell ran, so it was interrupted")
        else:
            self.error_on_timeout = self._timeout_error(
                CELL_TIMEOUT, f"this cell ran longer than {self.timeout} s, the limit per cell, "
                              "and was interrupted")
        cgroups = getattr(self.km, "cgroups", None)
        cap_hits = cgroups.process_cap_hits() if cgroups else 0
        try:
            cell = self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            reason = self._kernel_died(cell, index)
            cell.outputs.append(error_output(
                KERNEL_DIED, f"the kernel died while this cell ran: {reason}. "
                             "The cells below were not run and score 0."))
        except CellTimeoutError:
            self._stop_unstoppable(cell, index)
            cell.outputs.append(error_output(
                CELL_TIMEOUT, f"this cell ran longer than {self._cell_timeout} s and did not stop "
                              "when interrupted, so the kernel was stopped. The cells below were "
                              "not run and score 0."))
        else:
            enames = {out.get("ename") for out in cell.outputs if out.output_type == "error"}
            if NOTEBOOK_TIMEOUT in enames:
                self._stopped = f"the notebook ran past its {self.notebook_timeout} s wall-clock cap"
                self._fault("notebook cap", cell, index, self._stopped)
            elif CELL_TIMEOUT in enames:
                self._fault("timeout", cell, index, f"interrupted after {self.timeout} s")
            if "MemoryError" in enames:
                self._fault("memory cap", cell, index, "MemoryError: the allocation went over the cap")
        if cgroups and cgroups.process_cap_hits() > cap_hits:
            self._fault("process cap", cell, index,
                        f"tried to start more than {self.km.processes} processes/threads")
        return cell, resources

    # --- the kernel gone: the rest of the notebook is not run ---
    def _kernel_died(self, cell, index: int) -> str:
        """Record that the kernel died while ``cell`` ran; returns why."""
        reason = self.km.exit_reason() if hasattr(self.km, "exit_reason") else "it died"
        self._stopped = f"the kernel died in an earlier cell ({reason})"
        self._fault("memory cap" if "memory" in reason else "kernel died", cell, index, reason)
        return reason

    def _stop_unstoppable(self, cell, index: int) -> None:
        """Stop a kernel that ignored the interrupt after a timeout while ``cell`` ran."""
        run_sync(self.km.shutdown_kernel)(now=True)
        self._stopped = "an earlier cell did not stop when interrupted after its timeout"
        self._fault("timeout", cell, index, "did not stop when interrupted; kernel stopped")

    @staticmethod
    def _timeout_error(ename: str, evalue: str) -> dict:
        return {"ename": ename, "evalue": evalue,
                "traceback": [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]}
