"""Execute a notebook top to bottom in a fresh kernel, the way students run it."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TIMEOUT = 600  # seconds per cell, as in nbgrader_config.py
# TensorFlow's C++ start-up lines (timestamped, so never the same twice);
# TF_CPP_MIN_LOG_LEVEL cannot silence the ones printed before absl starts.
LOG_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|"
                       r"[IWE]\d{4} \d\d:\d\d:\d\d|To enable the following instructions|"
                       r"\[IPKernelApp\] WARNING)")


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
    """Remove TensorFlow's start-up log lines from stderr outputs, in place."""
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                lines = [line for line in out.text.splitlines(keepends=True)
                         if not LOG_NOISE.match(line)]
                if not "".join(lines).strip():
                    continue
                out.text = "".join(lines)
            kept.append(out)
        if cell.cell_type == "code":
            cell.outputs = kept
    return nb
