"""The course's tools, one subpackage per job: ``python -m helpers.course --help``.

Imports point down this list, never up:

- ``__main__``    the command line: one subcommand per tool
- ``measuring``   ``bench`` (the budget table) and ``stress`` (gradings agree under load)
- ``authoring``   building chapters from ``source/``, the course's own students
                  (perfect, blank, mistaken) graded against the invariants, ``preview``, the demo
- ``grading``     grading a class: caps and sandbox per kernel, one task per submission,
                  the judge, faults as grades, one gradebook
- ``labs``        the student's and the instructor's JupyterLab, a work folder, the exchange, the hub
- ``notebooks``, ``kernels``, ``nbgrader_runner``   what every job shares: reading notebooks,
                  the environment's kernel configuration, nbgrader in a course folder
"""
