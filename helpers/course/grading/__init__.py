"""Grading a class: ``python -m helpers.course grade``.

- ``classroom``    the run: collect, grade N at a time (or on Dask), one gradebook, the summary
- ``submissions``  a student's folder cleaned into what nbgrader can grade
- ``task``         one student's assignment, autograded by plain nbgrader in a scratch course
- ``guarded``      nbgrader's executing step, with faults turned into grades
- ``judge``        every test cell's verdict computed outside the student's kernel
- ``caps``         memory, process, thread and time caps of each kernel
- ``sandbox``      each kernel in bubblewrap: no network, no view of other files
"""
