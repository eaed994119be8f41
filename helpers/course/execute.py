"""Execute a notebook top to bottom in a fresh kernel, the way students run it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.course.kernels import is_library_log_line

TIMEOUT = 600  # seconds per cell, as in nbgrader_config.py


def execute(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False) -> float:
    """Run ``nb`` in place with ``folder`` as working directory; return the seconds taken."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars in stored outputs
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors, record_timing=False,
                            coalesce_streams=True,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


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
