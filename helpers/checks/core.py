"""Generic checks: types, shapes, closeness, calling a student's function safely,
and how a failed check reaches the student.

Every check raises ``AssertionError`` with a sentence a student can act on;
nothing prints and passes. NumPy arrays and PyTorch tensors are both accepted.
In a notebook, every error a cell raises is shown by :func:`failure_lines`: the
line of the cell that failed, then the message wrapped to :data:`WIDTH`
characters, at most :data:`MAX_LINES` lines, no library frames. A failed assert (a
check's or a test cell's own) shows its sentence; an exercise not answered yet
(``NotImplementedError``) says so; any other error shows the student's line that
raised it, the error in one line and, for a known mistake (:data:`KNOWN_ERRORS`), its fix.
"""

from __future__ import annotations

import functools
import linecache
import numbers
import re
import sys
import sysconfig
import textwrap
import traceback
from pathlib import Path

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


def _cell_lines(tb, cell_files) -> list[tuple[int, str]]:
    """(line number, code) of each traceback frame that runs notebook-cell code, outermost first."""
    found = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in cell_files:
            found.append((tb.tb_lineno, linecache.getline(filename, tb.tb_lineno).strip()))
        tb = tb.tb_next
    return found


def failing_cell_line(tb, cell_files) -> tuple[int, str] | None:
    """(line number, code) of the last traceback frame that runs notebook-cell code."""
    lines = _cell_lines(tb, cell_files)
    return lines[-1] if lines else None


def _cell_files() -> dict:
    """The file names IPython gives this kernel's cells ({} outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    return getattr(getattr(get_ipython(), "compile", None), "_filename_map", {}) or {}


def error_lines(error: BaseException, cell_lines: list[tuple[int, str]]) -> list[str]:
    """Any other error at a glance: the cell's line, the student's line that raised it, the
    error in one line and, for a known mistake, its fix."""
    where = f"Failed at line {cell_lines[0][0]} of the cell: {cell_lines[0][1]}" if cell_lines else None
    message = [one_line(error)]
    if len(cell_lines) > 1:
        message.append(f"Raised by your code, line {cell_lines[-1][0]}: {cell_lines[-1][1]}")
    advice = error_advice(error, cell_lines[-1][1] if cell_lines else None)
    message += [advice] if advice else []
    message.append("(%tb shows the whole traceback)")
    return failure_lines("\n".join(message), where)


def _show_failure(shell, etype, value, tb, tb_offset=None):
    """IPython handler for every error a cell raises: the short, wrapped failure, no library
    frames (a failed check's sentence, or :func:`error_lines`)."""
    cell_files = getattr(getattr(shell, "compile", None), "_filename_map", {})
    if issubclass(etype, (AssertionError, NotImplementedError)):
        line = failing_cell_line(tb, cell_files)
        where = f"Failed at line {line[0]} of the cell: {line[1]}" if line else None
        text = str(value) or (f"an exercise is {NOT_ANSWERED}" if etype is NotImplementedError else "")
        stb = failure_lines(f"{etype.__name__}: {text}" if text else etype.__name__, where)
    else:
        stb = error_lines(value, _cell_lines(tb, cell_files))
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb   # what %tb shows
    shell._showtraceback(etype, value, stb)
    return stb


def show_failures_short() -> bool:
    """In IPython, show every error a cell raises as :func:`failure_lines` does.

    ``import helpers.checks`` calls it; returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((Exception,), _show_failure)
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


def fix_first(cause: str) -> str:
    """A downstream test's pointer to the mistake an earlier exercise's check names."""
    return f"The model has a mistake its builder's test names: {cause} Fix that first."


# The mistake each exercise's check named last in this process (the kernel in the lab, the
# judge at grading): a later test that fails because of it can say where to look.
_NAMED_EARLIER: dict[str, str] = {}


def remembers_failures(exercise: str):
    """Decorate a check of ``exercise``: a failure's sentence is kept, a pass forgets it."""
    def decorate(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                result = check(*args, **kwargs)
            except AssertionError as failure:
                _NAMED_EARLIER[exercise] = _first_sentence(str(failure))
                raise
            _NAMED_EARLIER.pop(exercise, None)
            return result
        return run
    return decorate


def _first_sentence(message: str, limit: int = 120) -> str:
    """The sentence of a failure that names the mistake (its first), on one line."""
    text = " ".join(message.split())
    end = text.find(". ")
    text = (text if end < 0 else text[:end]).rstrip(".")
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def named_earlier(*exercises: str) -> str | None:
    """Where to look first: the mistakes the checks of ``exercises`` named, or None."""
    found = [f"the {exercise} test named a mistake ({_NAMED_EARLIER[exercise]})."
             for exercise in exercises if exercise in _NAMED_EARLIER]
    return " ".join(f"{cause[0].upper()}{cause[1:]} Fix that first." for cause in found) or None


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


# Errors the course's libraries raise for a mistake learners often make: (error type, text in
# its message, an optional pattern the student's line must match, the fix). The first match wins.
_TORCH_SIZES = re.compile(r"Target size \(torch\.Size\(\[([\d, ]*)\]\)\) must be the same as "
                          r"input size \(torch\.Size\(\[([\d, ]*)\]\)\)")
KNOWN_ERRORS = (
    (AttributeError, "object has no attribute 'reset_states'", None,
     "Keras 3 models have no reset_states(): reset the stateful layers themselves, "
     "`for layer in model.layers: if getattr(layer, 'stateful', False): layer.reset_state()`."),
    (RuntimeError, "does not require grad and does not have a grad_fn", None,
     "the loss no longer depends on the model's parameters, so backward() has nothing to do: "
     "a .detach(), .item(), .numpy(), torch.tensor(...) or torch.no_grad() cut it off. "
     "Compute the loss from the model's output tensor as it is."),
    (ValueError, "values to unpack", re.compile(r",\s*\(\s*\w+\s*,\s*\w+\s*\)\s*="),
     "`output, (h_n, c_n) = ...` unpacks the pair that only nn.LSTM returns: nn.RNN and nn.GRU "
     "return `output, h_n`, with h_n one tensor. Unpack (h_n, c_n) for an LSTM only."),
)


def _size_advice(error: BaseException) -> str | None:
    """PyTorch's loss got outputs and targets whose shapes differ by a trailing axis of 1."""
    found = _TORCH_SIZES.search(str(error)) if isinstance(error, ValueError) else None
    if not found:
        return None
    target, output = ([int(n) for n in part.split(",") if n.strip()] for part in found.groups())
    if output == target + [1]:
        return (f"the loss got outputs of shape {tuple(output)} and targets of shape {tuple(target)}: "
                "squeeze the model's last axis, `loss_fn(model(inputs).squeeze(1), targets)`.")
    if target == output + [1]:
        return (f"the loss got outputs of shape {tuple(output)} and targets of shape {tuple(target)}: "
                "squeeze the targets' last axis, `targets.squeeze(1)`.")
    return None


def error_advice(error: BaseException, line: str | None = None) -> str | None:
    """The fix for ``error`` when it is a known mistake's (``line``: the student's line that
    raised it, when known), else None."""
    for kind, text, pattern, fix in KNOWN_ERRORS:
        if isinstance(error, kind) and text in str(error) and (
                pattern is None or (line is not None and pattern.search(line))):
            return fix
    return _size_advice(error)


def students_line(error: BaseException) -> str | None:
    """The notebook line that raised ``error``: the judge's record of it, or the innermost
    frame in a notebook cell of this kernel."""
    record = getattr(error, "record", None)
    if record is not None and getattr(record, "lines", None):
        return record.lines[-1][1]
    cells = _cell_files()
    if cells:
        found = failing_cell_line(error.__traceback__, cells)
        return found[1] if found else None
    # outside a notebook (a script, a test): the innermost line that is neither library code
    # nor the course's helpers
    libraries = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")}) + (
        str(Path(__file__).resolve().parents[1]),)
    found = None
    for frame, number in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if not filename.startswith(libraries) and not filename.startswith("<frozen"):
            found = linecache.getline(filename, number).strip()
    return found


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
        advice = (diagnose(error) if diagnose else None) or error_advice(error, students_line(error))
        quoted = f"{call_text} raised {one_line(error)}"   # the diagnosis gets a line of its own
        raise AssertionError(f"{quoted}\n{advice}" if advice else quoted) from None
