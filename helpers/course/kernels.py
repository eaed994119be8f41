"""How every kernel the course starts keeps library log lines out of graded cells.

TensorFlow's C++ code logs through absl straight to file descriptor 2, from
whatever thread is running (tf.data and grappler threads included), and
``TF_CPP_MIN_LOG_LEVEL`` cannot silence the lines absl prints before it is
initialised. ipykernel 6+ captures file descriptor 2 and forwards what it reads
as the *current* cell's stderr, so a line logged by a training cell's
background thread can land in the next test cell, and nbgrader scores a test
cell with any stderr 0: whether a correct student gets full marks then depends
on timing.

The fix at the source: course kernels run with
``IPKernelApp.capture_fd_output = False``, set in the Python environment's own
IPython config folder (``<sys.prefix>/etc/ipython``), which every kernel of
that environment reads: autograde, Validate, ``make lab``, nbval and the build.
C-level output then goes to the terminal (or log) of the process that started
the kernel. Python's ``sys.stderr`` (tracebacks, warnings, a student's
``print(..., file=sys.stderr)``) still reaches the cell as before.

The safety net is nbgrader's ``IgnorePattern`` with :data:`LIBRARY_LOG_OUTPUT`:
it drops a stderr output only when *every* line of it is a library log line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CONFIG_NAME = "ipython_kernel_config.py"
HEADER = "# Written by `python -m helpers.course setup` (helpers/course/kernels.py)"
KERNEL_CONFIG = HEADER + ''': every
# kernel of this environment keeps C-level writes to stderr (TensorFlow's absl log
# lines, from any thread) out of notebook cells, where nbgrader would score a test
# cell that shows them 0. Python-level stderr still reaches the cell.
c = get_config()  # noqa: F821
c.IPKernelApp.capture_fd_output = False
'''

# One library log line: absl's format (``E0000 00:00:1732.5  123 util.cc:131] ...``),
# TensorFlow's older C++ format (``2025-01-01 12:00:00.123: E tensorflow/...cc:131] ...``),
# absl's pre-initialisation banner, and ipykernel's own logger.
LIBRARY_LOG_LINE = (
    r"(?:[IWEF]\d{4} \d\d:\d\d:\d+(?:\.\d+)? +\d+ [\w.\-]+:\d+\] [^\n]*"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] [\w/.\-]+:\d+\] [^\n]*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|To enable the following instructions: [^\n]*"
    r"|\[IPKernelApp\] WARNING [^\n]*)"
)
# A whole stderr output made of library log lines only (nbgrader's IgnorePattern
# uses re.search on the output's text and drops the output when it matches).
LIBRARY_LOG_OUTPUT = rf"\A(?:{LIBRARY_LOG_LINE}\r?\n)*{LIBRARY_LOG_LINE}\r?\n?\Z"
_LINE = re.compile(rf"{LIBRARY_LOG_LINE}\r?\n?\Z")


def is_library_log_line(line: str) -> bool:
    """Is ``line`` (one line, with or without its newline) a library log line?"""
    return bool(_LINE.match(line))


def config_path(prefix: Path | str = sys.prefix) -> Path:
    """Where the kernel config of the environment at ``prefix`` lives."""
    return Path(prefix) / "etc" / "ipython" / CONFIG_NAME


def is_installed(prefix: Path | str = sys.prefix) -> bool:
    path = config_path(prefix)
    return path.is_file() and path.read_text() == KERNEL_CONFIG


def install(prefix: Path | str = sys.prefix) -> Path:
    """Write the kernel config into the environment at ``prefix`` (idempotent).

    An earlier version written by this function (it starts with :data:`HEADER`) is
    replaced; a config file written by anyone else is left alone.
    """
    path = config_path(prefix)
    if is_installed(prefix):
        return path
    if path.exists() and not path.read_text().startswith(HEADER):
        raise FileExistsError(
            f"{path} already exists with other settings: add "
            "`c.IPKernelApp.capture_fd_output = False` to it by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(KERNEL_CONFIG)
    return path
