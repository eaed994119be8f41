"""pytest set-up for the whole repository, nbval runs on solutions/ included.

- TensorFlow's log noise is silenced and stderr is never compared by nbval.
- Every notebook kernel started by the tests gets the offline guard through
  an IPython startup file, so a notebook that touches the network fails.
"""

import os
import tempfile
from pathlib import Path

from helpers.course.grading.caps import THREAD_VARIABLES

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TQDM_DISABLE", "1")  # kernels started by nbval print no progress bars
# make test runs two workers on two cores, and each worker's graded kernels are capped to one
# thread per library: so are the kernels nbval starts (TensorFlow's pools would spin otherwise)
for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")


def pytest_configure(config):
    from helpers.offline import write_ipython_startup

    ipython_dir = Path(tempfile.mkdtemp(prefix="rnn-course-ipython-"))
    os.environ["IPYTHONDIR"] = str(write_ipython_startup(ipython_dir))


def pytest_collectstart(collector):
    """nbval 0.11 compares stderr by default: TensorFlow's warnings must not fail a cell."""
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)


# The modules whose fixtures grade whole classes or start servers, longest first (about
# 16, 5, 5, 4 and 1-2 minutes on 2 cores). make test runs them before everything else
# (pytest-xdist --dist loadscope --no-loadscope-reorder): xdist's default order, by number
# of tests, would start the one- and two-test modules among them last and leave one worker
# busy for minutes after the other has run out of work.
LONGEST_FIRST = (
    "tests/test_grading.py",
    "tests/test_class_grading.py",
    "tests/test_judge.py",
    "tests/test_hub.py",
    "tests/test_exchange.py",
    "tests/test_sandbox.py",
    "tests/test_browser_instructor.py",
    "tests/test_browser_student.py",
    "tests/test_demo_without_bwrap.py",
    "tests/test_open_anywhere.py",
    "tests/test_site.py",
)


def pytest_collection_modifyitems(items):
    """Put the modules of LONGEST_FIRST first, in that order; the rest keep theirs."""
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
