"""Seeds of the hidden tests: fixed for a course, unknown to its students.

A hidden test draws its data from ``np.random.default_rng(checks.hidden_seed(2024))``
rather than from a seed written in the notebook. The seed mixes the number
with the course's key, which the judge sets from the instructor's secret
(:mod:`helpers.course.grading.judge.secret`) before it runs a test cell: two gradings of
a course agree, and a student who reads the hidden tests' code still cannot
make their data. Outside the judge the key is the public course's.
"""

from __future__ import annotations

import hashlib
import numbers

PUBLIC_KEY = "public-course"
_key = PUBLIC_KEY


def set_key(key: str) -> None:
    """Use ``key`` for every seed from now on (the judge does, once per notebook)."""
    global _key
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a non-empty string, got {key!r}")
    _key = key


def hidden_seed(number: int) -> int:
    """The seed a hidden test uses for ``number``: a 32-bit int from the course's key."""
    if isinstance(number, bool) or not isinstance(number, numbers.Integral):
        raise TypeError(f"number must be an int, got {number!r}")
    digest = hashlib.sha256(f"{_key}\0{int(number)}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
