"""Execute a notebook top to bottom in a fresh kernel, the way students run it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TIMEOUT = 600  # seconds per cell, as in nbgrader_config.py


def execute(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False) -> float:
    """Run ``nb`` in place with ``folder`` as working directory; return the seconds taken."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors, record_timing=False,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start
