"""Writing the course: chapters and solutions built from ``source/``, checked on its own students.

- ``build``       ``source/`` -> ``chapters/`` (releases) and ``solutions/``
- ``execute``     run a notebook top to bottom as a student does
- ``mistakes``    the fixture mistakes of ``tests/mistakes/``, in rounds
- ``students``    perfect, blank and mistaken students graded as a class
- ``invariants``  what ``make test`` checks of a grading (COURSE_DESIGN.md section 3)
- ``preview``     one chapter end to end, away from the repository
- ``demo``        ``make demo``
- ``anywhere``    the install cell that lets a chapter open outside the repository
- ``site``        ``make site``: the course website
"""
