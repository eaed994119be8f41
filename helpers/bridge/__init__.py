"""The bridge between the judge and a student's kernel: data and handles, nothing else.

At grading time every graded test cell runs in the judge, a process no student
code ever ran in (:mod:`helpers.course.grading.judge`). The student's functions, models
and variables stay in the kernel; the judge reaches them through this bridge:

- ``codec``   values as JSON data (arrays as bytes); decoding is the trust boundary
- ``layers``  built-in PyTorch modules and Keras layers by value (settings and weights)
- ``agent``   the kernel's side: answers each request with data or a handle
- ``remote``  the judge's side: :class:`~helpers.bridge.remote.Remote` handles

In a notebook (the student's lab, Validate, nbval) there is no judge: test
cells run in the kernel and :func:`in_kernel` just calls its factory.
"""

from __future__ import annotations

_active = None   # the judge's Bridge while a test cell is judged


def activate(bridge) -> None:
    """Make ``bridge`` the one :func:`in_kernel` uses (the judge does, once)."""
    global _active
    _active = bridge


def in_kernel(factory, *args, **kwargs):
    """``factory(*args, **kwargs)`` made where the student's code runs.

    In a notebook that is here. When the judge grades, it is the student's kernel
    and the result is a handle: use it for objects the student's functions must
    work on in place (an optimizer over a model's parameters, a probe model that
    records how it was called). ``factory`` must be importable by its name.
    """
    if _active is None:
        return factory(*args, **kwargs)
    return _active.new(factory, *args, **kwargs)
