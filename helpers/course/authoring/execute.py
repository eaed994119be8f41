"""Execute a notebook top to bottom in a fresh kernel, the way students run it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.course.kernels import is_library_log_line

TIMEOUT = 600  # seconds per cell, as in nbgrader_config.py


def execute(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False,
            record_timing: bool = False) -> float:
    """Run ``nb`` in place with ``folder`` as working directory; return the seconds taken.

    ``record_timing`` keeps nbclient's timestamps in each cell's metadata (see cell_seconds).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars in stored outputs
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors, record_timing=record_timing,
                            coalesce_streams=True,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def cell_seconds(nb: nbformat.NotebookNode) -> list[float]:
    """Seconds each code cell of a notebook executed with ``record_timing`` took to run."""
    from datetime import datetime

    found = []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            found.append((end - start).total_seconds())
    return found


def drop_log_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove library log lines (TensorFlow's, timestamped) from stderr outputs, in place.

    Course kernels keep C-level log lines out of cells (helpers.course.kernels);
    this also cleans outputs of a kernel started without that config.
    """
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                lines = [line for line in out.text.splitlines(keepends=True)
                         if not is_library_log_line(line)]
                if not "".join(lines).strip():
                    continue
                out.text = "".join(lines)
            kept.append(out)
        if cell.cell_type == "code":
            cell.outputs = kept
    return nb
