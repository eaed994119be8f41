"""Precision of the diagnoses: a message names the mistake it saw, and no other.

Each exercise's diagnosis tests keep a table ``says -> mistaken answer``; every
answer must fail with its own sentence and with none of the other sentences of
its table (COURSE_DESIGN.md section 7, issue: never a wrong diagnosis).
"""

from __future__ import annotations

import pytest


def assert_names_only_its_own(run_check, says: str, table) -> None:
    """``run_check()`` must fail naming ``says`` and no other sentence of ``table``."""
    with pytest.raises(AssertionError) as caught:
        run_check()
    message = str(caught.value)
    assert says in message, f"expected {says!r}: {message}"
    wrong = [other for other in table if other != says and other in message]
    assert not wrong, f"the answer that makes {says!r} is told {wrong}: {message}"
