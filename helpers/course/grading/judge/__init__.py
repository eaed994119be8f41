"""The judge: every graded test cell's verdict, computed outside the student's kernel.

- ``cells``     a test cell in parts: the visible tests, then each hidden check
- ``runner``    the judge's side (``python -m helpers.course.grading.judge.runner``): imports
                the libraries once, then forks a fresh judge per notebook
- ``process``   the grader's side of those processes: one runner per library family, kept
- ``executor``  nbgrader's executing step that sends test cells to the judge
- ``feedback``  feedback with one line per hidden check, never its code
- ``secret``    the course's secret, from which the hidden tests' seeds come
- ``redflags``  answer cells that reach into the kernel's machinery (information only)
"""
