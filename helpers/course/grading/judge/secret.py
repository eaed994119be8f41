"""The course's secret, from which every hidden test's seeds come.

An instructor who grades for credit sets a secret that is not in the
repository: the environment variable ``RNN_COURSE_SECRET`` where ``grade`` runs,
or the first line of ``course_secret.txt`` in the course folder (git-ignored).
Each assignment's key is an HMAC of its name under that secret; the judge gives
it to :func:`helpers.checks.seeds.hidden_seed`. Two gradings with the same
secret agree; a student who reads the hidden tests' code cannot make their data.
Without a secret the public course's key is used (:data:`~helpers.checks.seeds.PUBLIC_KEY`):
anyone can reproduce those seeds, as anyone can read this repository.
The key reaches only the judge, never a student's kernel.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from helpers.checks.seeds import PUBLIC_KEY

SECRET_ENV = "RNN_COURSE_SECRET"
SECRET_FILE = "course_secret.txt"


def course_secret(course: Path) -> str | None:
    """The instructor's secret for ``course``, or None for the public course."""
    secret = os.environ.get(SECRET_ENV, "").strip()
    if not secret:
        path = Path(course) / SECRET_FILE
        if path.is_file():
            secret = (path.read_text().splitlines() or [""])[0].strip()
    return secret or None


def seed_key(secret: str | None, assignment: str) -> str:
    """The key of ``assignment``'s hidden-test seeds under ``secret``."""
    if not secret:
        return PUBLIC_KEY
    return hmac.new(secret.encode(), assignment.encode(), hashlib.sha256).hexdigest()


def describe(secret: str | None) -> str:
    return (f"hidden tests' seeds from the course secret ({SECRET_ENV} or {SECRET_FILE})" if secret
            else f"hidden tests' seeds of the public course (set {SECRET_ENV} to grade for credit)")
