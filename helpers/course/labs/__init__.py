"""Where students and instructors work.

- ``profiles``   the student's JupyterLab (``make lab``) and the instructor's (``make formgrader``)
- ``workspace``  a student's own copy of the chapters
- ``exchange``   nbgrader's exchange on a shared machine
- ``hub``        a JupyterHub for one course (``make hub``): users, exchange, gradebook, labs
"""
