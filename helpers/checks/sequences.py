"""Chapter 01 checks: windows, padding and the features axis.

They call the student's function on controlled inputs (a series whose values
are their own indices, token ids that name their position) so that each
common mistake leaves a recognisable trace, and the message names it.
``framework`` says what the function must return ("numpy" for the Keras
track, "torch" for the PyTorch track).
"""

from __future__ import annotations

import numpy as np

from helpers.checks.core import (
    call_student,
    check_callable,
    check_close,
    check_framework,
    check_type,
    is_tensor,
    to_numpy,
    type_name,
)


def _check_array(x, framework: str, name: str) -> None:
    """``x`` must be what ``framework`` returns: a NumPy array or a torch tensor."""
    if framework == "numpy":
        hint = ("Return a NumPy array (np.array, np.stack, np.zeros ...)"
                + (", not a tensor." if is_tensor(x) or hasattr(x, "numpy") else "."))
        check_type(x, np.ndarray, name, hint)
    else:
        import torch

        check_type(x, torch.Tensor, name,
                   "Return a torch tensor (torch.stack, torch.zeros ...).")


def _series(values, framework: str):
    """A controlled float32 input in ``framework``'s array type."""
    if framework == "torch":
        import torch

        return torch.tensor(values, dtype=torch.float32)
    return np.asarray(values, dtype="float32")


# --------------------------------------------------------------------------
# chapter 01: windows
# --------------------------------------------------------------------------

_WINDOW_CASES = ((10, 3, None), (12, 4, 3), (5, 4, 1))  # (length, window, horizon)


def check_windows(make_windows, framework: str = "numpy") -> None:
    """Check ``make_windows(series, window, horizon=1) -> (X, y)``.

    The series are ``arange(length)``, so every value is its own index and a
    wrong index shows up as a wrong value.
    """
    check_callable(make_windows, "make_windows")
    framework = check_framework(framework)
    lib = "torch" if framework == "torch" else "np"
    for length, window, given_horizon in _WINDOW_CASES:
        horizon = 1 if given_horizon is None else given_horizon
        series = _series(np.arange(length), framework)
        args = f"{lib}.arange({length}.0), window={window}"
        call = (f"make_windows({args})" if given_horizon is None
                else f"make_windows({args}, horizon={horizon})")
        out = call_student(make_windows, call, series, window,
                    **({} if given_horizon is None else {"horizon": horizon}))
        _check_one_windowing(out, call, length, window, horizon, framework)


def _check_one_windowing(out, call, length, window, horizon, framework) -> None:
    n = length - window - horizon + 1
    rule = f"n = len(series) - window - horizon + 1 = {length} - {window} - {horizon} + 1 = {n}"
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise AssertionError(
            f"{call} should return a pair (X, y), got a {type_name(out)}"
            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
            + ". End the function with `return X, y`.")
    X, y = out
    _check_array(X, framework, f"X returned by {call}")
    _check_array(y, framework, f"y returned by {call}")
    X, y = to_numpy(X), to_numpy(y)

    # --- shapes -----------------------------------------------------------
    if X.ndim != 2:
        if X.shape == (n, window, 1):
            raise AssertionError(
                f"X from {call} has shape {X.shape}: make_windows should return "
                f"(n, window) = {(n, window)}; the features axis is added later, "
                "by add_features_axis.")
        if X.ndim == 1:
            raise AssertionError(
                f"X from {call} is 1-D with shape {X.shape}: the axis that separates "
                f"windows is missing. X should be 2-D, (n, window) = {(n, window)}, "
                "one window per row (stack the windows, do not concatenate them).")
        raise AssertionError(
            f"X from {call} should be 2-D, (n, window) = {(n, window)}, got shape {X.shape}.")
    if X.shape[1] != window:
        if X.shape == (window, n) and n != window:
            raise AssertionError(
                f"X from {call} has shape {X.shape}: it looks transposed. Each row must be "
                f"one window, so X should have shape (n, window) = {(n, window)}.")
        raise AssertionError(
            f"each row of X should hold window={window} values, but X from {call} "
            f"has shape {X.shape}; expected (n, window) = {(n, window)}.")
    if y.ndim == 2 and y.shape[1] == 1:
        raise AssertionError(
            f"y from {call} has shape {y.shape}: it should be 1-D, ({y.shape[0]},), "
            "one number per window; drop the extra axis.")
    if y.ndim != 1:
        raise AssertionError(
            f"y from {call} should be 1-D, (n,) = ({n},), one target per window, "
            f"got shape {y.shape}.")
    if len(y) != len(X):
        raise AssertionError(
            f"X from {call} has {len(X)} windows but y has {len(y)} targets: "
            "there must be exactly one target per window.")

    # --- the target must not be inside its window ----------------------------
    if len(X) and np.array_equal(y, X[:, -1]):
        raise AssertionError(
            f"y[i] equals X[i][-1] for {call}: the target is the last value inside "
            "its own window, so the target leaks into the input. The target is the "
            f"value `horizon` steps after the window: y[i] = series[i + window + horizon - 1] "
            f"(here y[0] should be series[{window + horizon - 1}]).")

    # --- number of windows ----------------------------------------------------
    if len(X) != n:
        if horizon > 1 and len(X) == length - window:
            raise AssertionError(
                f"{call} gave {len(X)} windows, as many as with horizon=1: horizon is ignored. "
                f"The last target lies {horizon} steps after its window, so there are "
                f"only {rule} windows.")
        if len(X) == n + 1:
            raise AssertionError(
                f"{call} gave {len(X)} windows, one too many (off by one): {rule}; "
                "the extra window's target would lie past the end of the series.")
        if len(X) == n - 1:
            raise AssertionError(
                f"{call} gave {len(X)} windows, one too few (off by one): {rule}; "
                f"the last window, series[{n - 1}:{n - 1 + window}], is missing.")
        raise AssertionError(f"{call} should give {rule} windows, got {len(X)}.")

    # --- values: series[k] == k -----------------------------------------------
    start = np.arange(n)
    expected_X = start[:, None] + np.arange(window)
    if not np.array_equal(X, expected_X):
        check_close(X, expected_X, f"X (from {call}, where series[k] == k; "
                    "X[i] must be series[i:i + window])")
    expected_y = start + window + horizon - 1
    if np.array_equal(y, expected_y):
        return
    if horizon > 1 and np.array_equal(y, start + window):
        raise AssertionError(
            f"y[i] = series[i + window] for {call}: horizon is ignored. With horizon={horizon} "
            "the target is horizon steps after the window's last value: "
            "y[i] = series[i + window + horizon - 1].")
    check_close(y, expected_y, f"y (from {call}, where series[k] == k; "
                "y[i] must be series[i + window + horizon - 1])")


# --------------------------------------------------------------------------
# chapter 01: padding
# --------------------------------------------------------------------------

_PAD_SEQUENCES = ([1, 2, 3, 4, 5], [6, 7], [8, 9, 10])
_PAD_SHORT = ([1, 2], [3])


def _expected_padding(sequences, max_len, padding, truncating) -> np.ndarray:
    """Plain expected result for the controlled inputs (not a student-facing helper)."""
    out = np.zeros((len(sequences), max_len), dtype="int64")
    for row, seq in enumerate(sequences):
        kept = list(seq)[:max_len] if truncating == "post" else list(seq)[-max_len:]
        if padding == "post":
            out[row, :len(kept)] = kept
        else:
            out[row, max_len - len(kept):] = kept
    return out


def _ragged_advice(error) -> str | None:
    text = str(error)
    signs = ("inhomogeneous", "equal size", "expected sequence of length",
             "could not broadcast", "same size")
    if any(sign in text for sign in signs):
        return ("The rows still have different lengths when they are stacked "
                "(unpadded ragged input): pad or cut every sequence to exactly max_len "
                "before building the array.")
    return None


def _make_sequences(sequences, framework):
    if framework == "torch":
        import torch

        return [torch.tensor(seq, dtype=torch.long) for seq in sequences]
    return [list(seq) for seq in sequences]


def check_padding(pad_batch, framework: str = "numpy") -> None:
    """Check ``pad_batch(sequences, max_len, padding="post", truncating="post")``.

    Every controlled id is distinct, so a row shows where the zeros went and
    which ids were cut.
    """
    check_callable(pad_batch, "pad_batch")
    framework = check_framework(framework)
    calls = [(_PAD_SEQUENCES, 4, None)]
    calls += [(_PAD_SEQUENCES, 4, (p, t)) for p in ("post", "pre") for t in ("post", "pre")]
    calls += [(_PAD_SHORT, 4, None), (_PAD_SHORT, 4, ("pre", "pre"))]
    for sequences, max_len, sides in calls:
        padding, truncating = sides or ("post", "post")
        shown = [list(s) for s in sequences]
        call = f"pad_batch({shown}, max_len={max_len}"
        call += ")" if sides is None else f", padding={padding!r}, truncating={truncating!r})"
        if framework == "torch":
            call += " (each sequence a LongTensor)"
        inputs = _make_sequences(sequences, framework)
        kwargs = {} if sides is None else {"padding": padding, "truncating": truncating}
        out = call_student(pad_batch, call, inputs, max_len, diagnose=_ragged_advice, **kwargs)
        unchanged = [to_numpy(s).tolist() for s in inputs] == [list(s) for s in sequences]
        if not unchanged:
            raise AssertionError(
                f"{call} changed its input sequences: build new rows instead of "
                "appending zeros to (or cutting) the caller's lists.")
        _check_one_padding(out, call, sequences, max_len, padding, truncating,
                           framework, default=sides is None)


def _check_one_padding(out, call, sequences, max_len, padding, truncating,
                       framework, default) -> None:
    expected = _expected_padding(sequences, max_len, padding, truncating)
    array_kind = "a NumPy array" if framework == "numpy" else "a tensor"
    if isinstance(out, (list, tuple)):
        lengths = {len(row) for row in out if hasattr(row, "__len__")}
        ragged = (" Its rows have different lengths, so they are still unpadded ragged input."
                  if len(lengths) > 1 else "")
        raise AssertionError(
            f"{call} returned a {type(out).__name__}, not one 2-D {array_kind[2:]}: "
            f"a recurrent layer needs a single (batch, max_len) {array_kind[2:]} of "
            f"token ids.{ragged}")
    _check_array(out, framework, f"the result of {call}")
    if framework == "numpy" and out.dtype == object:
        raise AssertionError(
            f"{call} returned an array of Python objects (shape {out.shape}): the rows "
            "have different lengths, so they are still unpadded ragged input. "
            "Pad or cut every row to exactly max_len.")
    shape = tuple(out.shape)
    want = expected.shape
    if len(shape) != 2:
        raise AssertionError(
            f"{call} should return a 2-D result, (len(sequences), max_len) = {want}, "
            f"got shape {shape}.")
    if shape[0] != want[0]:
        raise AssertionError(
            f"{call} should return one row per sequence, shape {want}, got {shape}.")
    if shape[1] != max_len:
        longest = max(len(s) for s in sequences)
        why = (" = the longest sequence: pad and cut every row to exactly max_len, "
               "not to the longest sequence"
               + (" (pad_sequence pads only to the longest one)." if framework == "torch" else ".")
               if shape[1] == longest else
               ": every row must be cut or padded to exactly max_len.")
        raise AssertionError(
            f"wrong length: each row should hold max_len={max_len} ids, but {call} "
            f"gave rows of length {shape[1]}{why}")
    values = to_numpy(out)
    if not np.issubdtype(values.dtype, np.integer):
        fix = ("dtype='int64'" if framework == "numpy" else "dtype=torch.long")
        raise AssertionError(
            f"{call} returned {out.dtype} values: token ids "
            f"must be integers, not floats (an embedding looks ids up by integer index); "
            f"create the result with {fix}.")
    if np.array_equal(values, expected):
        return
    problems = []
    other_padding = "pre" if padding == "post" else "post"
    other_truncating = "pre" if truncating == "post" else "post"
    for row, seq in enumerate(sequences):
        got = values[row].tolist()
        if got == expected[row].tolist():
            continue
        if len(seq) < max_len and got == _expected_padding([seq], max_len, other_padding,
                                                           truncating)[0].tolist():
            where = "after" if padding == "post" else "before"
            problems.append(
                f"padded at the wrong side: with padding={padding!r} the zeros go {where} "
                f"the ids, so {list(seq)} becomes {expected[row].tolist()}, got {got}.")
        elif len(seq) > max_len and got == _expected_padding([seq], max_len, padding,
                                                             other_truncating)[0].tolist():
            keep = "first" if truncating == "post" else "last"
            problems.append(
                f"truncated at the wrong side: with truncating={truncating!r} keep the "
                f"{keep} max_len ids, so {list(seq)} becomes {expected[row].tolist()}, got {got}.")
    first_of_kind = {}
    for problem in sorted(problems, key=lambda p: not p.startswith("padded")):
        first_of_kind.setdefault(problem.split(":")[0], problem)  # one sentence per kind
    kinds = set(first_of_kind)
    if problems:
        first, *rest = first_of_kind.values()
        message = f"{call}: {first}" + "".join(f" Also {p}" for p in rest)
        if framework == "numpy" and ("padded at the wrong side" in kinds
                                     or "truncated at the wrong side" in kinds):
            message += (" Note: keras.utils.pad_sequences defaults to padding='pre' and "
                        "truncating='pre'; pass padding=padding, truncating=truncating"
                        + (" (this call used pad_batch's own defaults, 'post')." if default
                           else "."))
        elif framework == "torch" and "padded at the wrong side" in kinds:
            message += (" Note: pad_sequence pads on the right unless "
                        "padding_side='left'.")
        raise AssertionError(message)
    check_close(values, expected, f"the result of {call}")


# --------------------------------------------------------------------------
# chapter 01: the features axis
# --------------------------------------------------------------------------

_FEATURE_CASES = ((2, 3), (4, 5), (1, 7))


def check_features_axis(add_features_axis, framework: str = "numpy") -> None:
    """Check ``add_features_axis(x)``: (batch, time) -> (batch, time, 1), values and dtype kept."""
    check_callable(add_features_axis, "add_features_axis")
    framework = check_framework(framework)
    lib = "torch" if framework == "torch" else "np"
    for batch, time in _FEATURE_CASES:
        x = _series(np.arange(batch * time).reshape(batch, time), framework)
        call = f"add_features_axis(x) with x = {lib}.arange({batch * time}.0).reshape({batch}, {time})"
        out = call_student(add_features_axis, call, x)
        _check_array(out, framework, f"the result of {call}")
        shape = tuple(int(d) for d in out.shape)
        want = (batch, time, 1)
        if shape != want:
            if shape == (batch, time):
                raise AssertionError(
                    f"{call} returned shape {shape}: still 2-D, missing the features axis. "
                    "A recurrent layer needs (batch, time, features), so add a last axis "
                    f"of size 1: {want}.")
            if shape == (batch, 1, time):
                raise AssertionError(
                    f"{call} returned shape {shape}, that is (batch, 1, time): the features "
                    f"axis must be last, (batch, time, 1) = {want}.")
            if shape == (1, batch, time):
                raise AssertionError(
                    f"{call} returned shape {shape}: the new axis went in front, which reads "
                    f"as a batch of one; the features axis must be last, (batch, time, 1) = {want}.")
            if shape == (time, batch, 1):
                raise AssertionError(
                    f"{call} returned shape {shape}: batch and time are swapped (transposed); "
                    f"keep (batch, time) in order and add the features axis last: {want}.")
            raise AssertionError(f"{call} should return shape (batch, time, 1) = {want}, got {shape}.")
        if out.dtype != x.dtype:
            raise AssertionError(
                f"{call} changed the dtype from {x.dtype} to {out.dtype}: keep the input's "
                "dtype (recurrent layers expect float32).")
        check_close(to_numpy(out)[..., 0], to_numpy(x),
                    f"the result of {call}, [..., 0] (it must equal x)")
