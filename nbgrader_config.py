"""nbgrader configuration for the course (the repository root is the course folder).

Plain ``nbgrader`` commands run from the repository root use it; the build and
the demo load it too, from their own throwaway course folders.
Set ``RNN_COURSE_DB`` to another database URL to keep the gradebook elsewhere.
"""

import os
import sys

from helpers.course import kernels

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# Library log lines must never cost a student points (helpers/course/kernels.py):
# at the source, kernels keep C-level stderr out of cells (make install writes the
# environment's kernel config; here it is ensured for plain nbgrader commands too) ...
try:
    kernels.install()
except OSError as error:
    print(f"nbgrader_config.py: could not write the course kernel config: {error}", file=sys.stderr)
# ... and as a safety net, a stderr output made only of library log lines is dropped
# before grading (a traceback, a Python warning or a student's own stderr never is).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = kernels.LIBRARY_LOG_OUTPUT

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # kernels inherit it: no TensorFlow log noise
os.environ.setdefault("MPLBACKEND", "agg")

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "chapters"
if os.environ.get("RNN_COURSE_DB"):
    c.CourseDirectory.db_url = os.environ["RNN_COURSE_DB"]
# else nbgrader's default: sqlite:///<course root>/gradebook.db

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback never shows the hidden tests' code (nbgrader#1363): each hidden block becomes
# one line; the judge wrote what each hidden check found into the cell's output.
from helpers.course.grading.judge.feedback import HideHiddenTests  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]

c.Execute.timeout = 600  # seconds per cell: training cells on a slow laptop
c.OverwriteCells.add_missing_cells = True
c.IncludeHeaderFooter.header = ""
