"""Argument checks shared by the helpers: each error names the argument."""

from __future__ import annotations

import math
import numbers


def positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise a clear error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def real_number(value, name: str, minimum: float | None = None,
                inclusive: bool = True) -> float:
    """Return ``value`` as a finite float, or raise a clear error naming ``name``.

    With ``minimum``, the value must be ``>= minimum`` (``> minimum`` when
    ``inclusive`` is false).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and (value < minimum if inclusive else value <= minimum):
        sign = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be {sign} {minimum}, got {value!r}")
    return value


def one_of(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``name``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value
