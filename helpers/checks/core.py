"""Generic checks: types, shapes, closeness, and calling a student's function safely.

Every check raises ``AssertionError`` with a sentence a student can act on;
nothing prints and passes. NumPy arrays and PyTorch tensors are both accepted.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

FRAMEWORKS = ("numpy", "torch")


# --------------------------------------------------------------------------
# generic pieces
# --------------------------------------------------------------------------

def is_tensor(x) -> bool:
    """Is ``x`` a torch tensor? (Never imports torch.)"""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def to_numpy(x) -> np.ndarray:
    """Return ``x`` as a NumPy array; torch tensors are detached and copied to the CPU."""
    if is_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _shape_of(x):
    """The shape of ``x`` as a tuple, or None when it has none (e.g. a ragged list)."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        return tuple(int(d) for d in shape)
    try:
        return tuple(np.shape(x))
    except ValueError:  # a ragged nested list
        return None


def type_name(x) -> str:
    """``x``'s type as a student reads it: ``list``, ``numpy.ndarray``, ``torch.Tensor``."""
    cls = type(x)
    module = cls.__module__
    return cls.__name__ if module == "builtins" else f"{module.split('.')[0]}.{cls.__name__}"


def with_hint(message: str, hint) -> str:
    """``message`` followed by ``hint`` when there is one."""
    return f"{message} {hint}" if hint else message


def check_type(value, expected, name: str, hint: str | None = None) -> None:
    """Assert that ``value`` is an instance of ``expected`` (a type or a tuple of types)."""
    types = expected if isinstance(expected, tuple) else (expected,)
    if not types or not all(isinstance(t, type) for t in types):
        raise TypeError(f"expected must be a type or a tuple of types, got {expected!r}")
    if not isinstance(value, types):
        wanted = " or ".join(t.__name__ for t in types)
        raise AssertionError(with_hint(
            f"{name} should be a {wanted}, got a {type_name(value)}.", hint))


def check_shape(x, expected, name: str, hint: str | None = None) -> None:
    """Assert that ``x`` has shape ``expected``; ``None`` in ``expected`` matches any size."""
    if not isinstance(expected, (tuple, list)) or not all(
            d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool))
            for d in expected):
        raise TypeError(f"expected must be a tuple of ints (or None), got {expected!r}")
    shape = _shape_of(x)
    if shape is None:
        raise AssertionError(with_hint(
            f"{name} has no shape: its rows have different lengths (a ragged list); "
            f"expected shape {tuple(expected)}.", hint))
    ok = len(shape) == len(expected) and all(
        e is None or s == e for s, e in zip(shape, expected))
    if not ok:
        raise AssertionError(with_hint(
            f"{name} should have shape {tuple(expected)}, got {shape}.", hint))


def _index_text(name: str, index) -> str:
    return f"{name}[{', '.join(str(int(i)) for i in index)}]" if index else name


def check_close(actual, expected, name: str, atol: float = 1e-5) -> None:
    """Assert that ``actual`` matches ``expected`` to ``atol``: the shape first, then
    the values; a failure names the first differing index and both values."""
    if isinstance(atol, bool) or not isinstance(atol, numbers.Real) or not atol >= 0:
        raise ValueError(f"atol must be a number >= 0, got {atol!r}")
    expected = to_numpy(expected)
    check_shape(actual, expected.shape, name)
    actual = to_numpy(actual)
    try:
        close = np.isclose(actual, expected, rtol=0.0, atol=atol, equal_nan=True)
    except TypeError as error:
        raise AssertionError(
            f"{name} holds values of type {actual.dtype} that cannot be compared "
            f"with numbers: {error}") from error
    if not close.all():
        index = tuple(np.argwhere(~close)[0])
        wrong = int((~close).sum())
        raise AssertionError(
            f"{_index_text(name, index)} should be {expected[index].item()!r}, "
            f"got {actual[index].item()!r} ({wrong} of {close.size} values differ "
            f"by more than atol={atol}).")


# --------------------------------------------------------------------------
# shared by the check modules
# --------------------------------------------------------------------------

def check_framework(framework) -> str:
    """Return ``framework`` if it is "numpy" or "torch", else raise a ValueError."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be 'numpy' or 'torch', got {framework!r}")
    if framework == "torch":
        import torch  # noqa: F401  - makes is_tensor work
    return framework


def check_callable(fn, name: str) -> None:
    """Raise a TypeError naming ``name`` unless ``fn`` can be called."""
    if not callable(fn):
        raise TypeError(
            f"{name} must be a function (pass the function itself, without calling it), "
            f"got {type_name(fn)}")


def call_student(fn, call_text: str, *args, diagnose=None, **kwargs):
    """Call the student's ``fn``; turn any error but NotImplementedError into a
    failed check that says which controlled call failed.

    ``diagnose(error)`` may return a sentence naming the mistake behind the error.
    """
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # the student's code failed on a controlled input
        advice = diagnose(error) if diagnose else None
        raise AssertionError(with_hint(
            f"{call_text} raised {type(error).__name__}: {error}", advice)) from error
