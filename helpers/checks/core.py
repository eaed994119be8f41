"""Generic checks: types, shapes, closeness, calling a student's function safely,
and how a failed check reaches the student.

Every check raises ``AssertionError`` with a sentence a student can act on;
nothing prints and passes. NumPy arrays and PyTorch tensors are both accepted.
In a notebook, a failed assert (a check's or a test cell's own) and an exercise
not answered yet (``NotImplementedError``) are shown by :func:`failure_lines`: the
line of the cell that failed, then the message wrapped to :data:`WIDTH`
characters, at most :data:`MAX_LINES` lines, no library frames.
"""

from __future__ import annotations

import linecache
import numbers
import sys
import textwrap

import numpy as np

FRAMEWORKS = ("numpy", "torch")
WIDTH = 100       # characters per line of a failure message
MAX_LINES = 15    # lines of a failure message, the failing cell line included
QUOTE_LIMIT = 200  # characters of an original error quoted in a diagnosis
# what to do about an exercise that still raises the release's NotImplementedError
NOT_ANSWERED = ("not answered yet: in its answer cell, replace `raise NotImplementedError()` "
                "with your code, run that cell, then this one")


# --------------------------------------------------------------------------
# how a failure is shown
# --------------------------------------------------------------------------

def one_line(error: BaseException, limit: int = QUOTE_LIMIT) -> str:
    """``Type: message`` of ``error`` on one line, whitespace collapsed, cut to ``limit``."""
    text = " ".join(str(error).split())
    text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _shorten(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def failure_lines(message: str, where: str | None = None) -> list[str]:
    """What a student reads of a failure: ``where`` it failed, then ``message``
    wrapped to WIDTH characters; at most MAX_LINES lines in all."""
    lines = [_shorten(where)] if where else []
    for paragraph in str(message).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, WIDTH, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + ["... (message cut: the start says what went wrong)"]
    return lines


def failing_cell_line(tb, cell_files) -> tuple[int, str] | None:
    """(line number, code) of the last traceback frame that runs notebook-cell code."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in cell_files:
            found = (tb.tb_lineno, linecache.getline(filename, tb.tb_lineno).strip())
        tb = tb.tb_next
    return found


def _show_failure(shell, etype, value, tb, tb_offset=None):
    """IPython handler for AssertionError and NotImplementedError: the short, wrapped
    failure, no library frames."""
    cell_files = getattr(getattr(shell, "compile", None), "_filename_map", {})
    line = failing_cell_line(tb, cell_files)
    where = f"Failed at line {line[0]} of the cell: {line[1]}" if line else None
    text = str(value) or (f"an exercise is {NOT_ANSWERED}" if etype is NotImplementedError else "")
    stb = failure_lines(f"{etype.__name__}: {text}" if text else etype.__name__, where)
    shell._showtraceback(etype, value, stb)
    return stb


def show_failures_short() -> bool:
    """In IPython, show every AssertionError and NotImplementedError as :func:`failure_lines` does.

    ``import helpers.checks`` calls it; returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((AssertionError, NotImplementedError), _show_failure)
    return True


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
    from helpers.bridge.remote import handle_of, is_remote
    if is_remote(x):   # an object of the student's kernel, as the judge sees it
        module, _, name = handle_of(x).kind.rpartition(".")
        return name if module in ("builtins", "__main__", "") else f"{module.split('.')[0]}.{name}"
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
            f"with numbers: {one_line(error)}") from None
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


def repeat(fn, times: int, *args) -> list:
    """The results of ``times`` calls ``fn(*args)``, each given its own copy of every array
    argument (other arguments, a random generator, are shared). A test that draws thousands
    of samples runs it with ``checks.in_kernel(checks.repeat, ...)``: one request to the
    student's kernel instead of one per call."""
    if isinstance(times, bool) or not isinstance(times, numbers.Integral) or times < 1:
        raise ValueError(f"times must be a whole number >= 1, got {times!r}")
    return [fn(*(a.copy() if isinstance(a, np.ndarray) else a for a in args)) for _ in range(times)]


# APIs that older tutorials use and today's libraries no longer have: error text -> the fix
REMOVED_APIS = {
    "object has no attribute 'reset_states'": (
        "Keras 3 models have no reset_states(): reset the stateful layers themselves, "
        "`for layer in model.layers: if getattr(layer, 'stateful', False): layer.reset_state()`."),
}


def removed_api_advice(error: BaseException) -> str | None:
    """The one-line fix when ``error`` comes from an API the course's libraries removed."""
    if isinstance(error, AttributeError):
        return next((fix for text, fix in REMOVED_APIS.items() if text in str(error)), None)
    return None


def call_student(fn, call_text: str, *args, diagnose=None, name: str | None = None, **kwargs):
    """Call the student's ``fn``; turn any error but NotImplementedError into a
    failed check that says which controlled call failed.

    ``diagnose(error)`` may return a sentence naming the mistake behind the error.
    ``name`` is the student's function when ``fn`` runs it for the check (the
    exercise a NotImplementedError says is not answered yet).
    """
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:  # still the release's stub: say so, keep the type
        if str(error):
            raise
        name = name or getattr(fn, '__name__', 'this function')
        raise NotImplementedError(f"{name} is {NOT_ANSWERED}") from None
    except Exception as error:  # the student's code failed on a controlled input
        advice = (diagnose(error) if diagnose else None) or removed_api_advice(error)
        quoted = f"{call_text} raised {one_line(error)}"   # the diagnosis gets a line of its own
        raise AssertionError(f"{quoted}\n{advice}" if advice else quoted) from None
