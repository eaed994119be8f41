"""Values as data: what crosses between the judge and a student's kernel.

A message is JSON text. Plain JSON numbers, strings, booleans, null and arrays
(Python lists) stand for themselves; every JSON object is a tagged value
``{"$": tag, ...}``: tuples, dicts, sets, bytes, NumPy arrays and scalars,
PyTorch and TensorFlow tensors (as raw bytes with a dtype and a shape), built-in
framework layers (:mod:`helpers.bridge.layers`), handles (an object that stays
where it lives, named by a number) and errors.

:func:`decode` is the judge's side of the trust boundary. Whatever bytes a
kernel sends, it returns only plain Python values, NumPy arrays, tensors and
layers it constructs itself from numbers, or :class:`Handle` records; it never
unpickles, imports a name it was sent, or calls code it was sent. Anything else
is a :class:`BridgeError`.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from dataclasses import dataclass

import numpy as np

MAX_MESSAGE = 512 * 2 ** 20   # characters of one message
MAX_DEPTH = 64                # nesting of lists, tuples and dicts
# dtypes an array may have: numbers, booleans, dates and durations, fixed-width text; never objects
ARRAY_KINDS = "biufcUSMm"


class BridgeError(ValueError):
    """A message that is not data of the agreed form."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the process it lives in: its number there, and what it is.

    ``kind`` is the object's class as ``module.Name``; ``bases`` the classes it
    derives from (the same form), so the judge can tell a torch module from a
    Keras model without having the object. Both are what the kernel says.
    """

    id: int
    kind: str
    bases: tuple[str, ...] = ()
    text: str = ""
    name: str = ""        # the object's own __name__ (a function's, a class's), if any

    def derives_from(self, *names: str) -> bool:
        return any(name == self.kind or name in self.bases for name in names)


@dataclass(frozen=True)
class ErrorRecord:
    """An exception raised where a request ran: its type's name, message and the lines
    of the student's code it went through (``(cell line number, code)``)."""

    type: str
    message: str
    lines: tuple[tuple[int, str], ...] = ()
    bases: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# encoding (any side)
# --------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _array_record(tag: str, array: np.ndarray) -> dict:
    if array.dtype.kind not in ARRAY_KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} are not data")
    return {"$": tag, "dtype": array.dtype.str, "shape": list(array.shape),
            "data": _b64(np.ascontiguousarray(array).tobytes())}   # (0-d arrays keep their shape)


def encode_value(value, handle_of=None, layer_record=None, depth: int = 0):
    """``value`` as JSON-ready data. Objects that are not data become handles through
    ``handle_of(obj) -> Handle`` (a TypeError without it); ``layer_record(obj)`` may
    turn a framework layer into a record first (None: not one)."""
    if depth > MAX_DEPTH:
        raise TypeError("data nested too deeply")
    again = lambda v: encode_value(v, handle_of, layer_record, depth + 1)  # noqa: E731
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is list:
        return [again(v) for v in value]
    if kind is tuple:
        return {"$": "tuple", "v": [again(v) for v in value]}
    if kind is dict:
        return {"$": "dict", "items": [[again(k), again(v)] for k, v in value.items()]}
    if kind in (set, frozenset):
        return {"$": kind.__name__, "v": [again(v) for v in value]}
    if kind is bytes:
        return {"$": "bytes", "data": _b64(value)}
    if kind is complex:
        return {"$": "complex", "re": value.real, "im": value.imag}
    if kind is slice:
        return {"$": "slice", "v": [again(value.start), again(value.stop), again(value.step)]}
    if value is Ellipsis:
        return {"$": "ellipsis"}
    if isinstance(value, Handle):
        return {"$": "handle", "id": value.id, "kind": value.kind, "bases": list(value.bases),
                "text": value.text, "name": value.name}
    if kind is np.random.Generator:
        state = value.bit_generator.state
        return {"$": "rng", "bit_generator": state.get("bit_generator"), "state": again(state)}
    if kind is np.ndarray and value.dtype.kind in ARRAY_KINDS:
        return _array_record("nd", value)
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        return _array_record("np", np.asarray(value))
    torch = sys.modules.get("torch")
    if torch is not None and kind in (torch.Tensor, torch.nn.Parameter):
        array = value.detach().cpu()
        if array.dtype == torch.bfloat16:
            array = array.float()
        return _array_record("pt", array.numpy())
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, (tf.Tensor, tf.Variable)) and value.dtype != tf.string:
        return _array_record("tf", np.asarray(value.numpy()))
    pandas = sys.modules.get("pandas")
    if pandas is not None and kind in (pandas.Series, pandas.DataFrame):
        return _pandas_record(pandas, value, again)
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Variable):
        return _array_record("nd", np.asarray(keras.ops.convert_to_numpy(value)))
    if layer_record is not None:
        record = layer_record(value)
        if record is not None:
            return record
    if handle_of is None:
        raise TypeError(f"a {kind.__name__} is not data")
    return encode_value(handle_of(value), depth=depth)


def _values(array, again):
    """A column's values: an array when its dtype is data, else a list of values."""
    array = np.asarray(array)
    return again(array) if array.dtype.kind in ARRAY_KINDS else [again(v) for v in array.tolist()]


def _index_record(pandas, index, again) -> dict:
    record = {"$": "index", "name": again(index.name) if index.name is None or
              type(index.name) in (str, int) else None}
    if type(index) is pandas.RangeIndex:
        record.update(kind="range", start=index.start, stop=index.stop, step=index.step)
    elif type(index) is pandas.DatetimeIndex and index.tz is None:
        record.update(kind="datetime", values=again(index.values), freq=index.freqstr)
    else:
        record.update(kind="plain", values=_values(index, again))
    return record


def _pandas_record(pandas, value, again) -> dict:
    """A pandas Series or DataFrame: its values, index and names (never its objects)."""
    index = _index_record(pandas, value.index, again)
    if isinstance(value, pandas.Series):
        name = value.name if value.name is None or type(value.name) in (str, int) else None
        return {"$": "series", "values": _values(value.to_numpy(), again), "index": index, "name": name}
    columns = [c for c in value.columns]
    if not all(type(c) in (str, int) for c in columns):
        raise TypeError("a DataFrame with columns that are not names is not data")
    return {"$": "frame", "columns": columns, "index": index,
            "data": [_values(value[c].to_numpy(), again) for c in columns]}


def dumps(message: dict) -> str:
    """A message (a dict of already-encoded values) as JSON text."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


# --------------------------------------------------------------------------
# decoding (the judge's trust boundary)
# --------------------------------------------------------------------------

def loads(text) -> dict:
    """Parse a message; only a JSON object of limited size is accepted."""
    if not isinstance(text, str) or len(text) > MAX_MESSAGE:
        raise BridgeError("a message must be JSON text of at most "
                          f"{MAX_MESSAGE // 2 ** 20} MiB")
    try:
        message = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise BridgeError(f"a message is not valid JSON: {error}") from None
    if not isinstance(message, dict):
        raise BridgeError("a message must be a JSON object")
    return message


def _no_constant(name):
    raise BridgeError(f"{name} is not allowed in a message")


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise BridgeError(what)


def _bytes(record: dict, key: str = "data") -> bytes:
    data = record.get(key)
    _need(isinstance(data, str), f"{record.get('$')} needs base64 {key}")
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise BridgeError("invalid base64 data") from None


def decode_array(record: dict) -> np.ndarray:
    """A NumPy array from its record: an allowed dtype, a shape that fits the bytes."""
    dtype_text, shape = record.get("dtype"), record.get("shape")
    _need(isinstance(dtype_text, str) and len(dtype_text) <= 8, "an array needs a dtype")
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        raise BridgeError(f"unknown dtype {dtype_text!r}") from None
    _need(dtype.kind in ARRAY_KINDS and not dtype.hasobject and dtype.names is None
          and dtype.subdtype is None, f"arrays of dtype {dtype_text!r} are not data")
    _need(isinstance(shape, list) and len(shape) <= 32
          and all(type(d) is int and d >= 0 for d in shape), "an array needs a shape of sizes >= 0")
    data = _bytes(record)
    _need(math.prod(shape) * dtype.itemsize == len(data), "an array's bytes do not fit its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _float(record: dict) -> float:
    text = record.get("v")
    _need(text in ("nan", "inf", "-inf"), "a float record holds nan, inf or -inf")
    return float(text)


def decode_value(data, resolve=None, layer=None, depth: int = 0):
    """Plain values from encoded ``data``; handles through ``resolve(id)`` (by default a
    :class:`Handle` as sent is not accepted), layer records through ``layer(record)``."""
    _need(depth <= MAX_DEPTH, "data nested too deeply")
    again = lambda v: decode_value(v, resolve, layer, depth + 1)  # noqa: E731
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [again(v) for v in data]
    _need(kind is dict, f"unexpected JSON value of type {kind.__name__}")
    tag = data.get("$")
    if tag == "tuple":
        return tuple(again(v) for v in _items(data, "v"))
    if tag == "dict":
        pairs = _items(data, "items")
        _need(all(type(p) is list and len(p) == 2 for p in pairs), "dict items are [key, value] pairs")
        result = {}
        for key, value in pairs:
            key = again(key)
            _need(_hashable_data(key), "a dict key must be a number, string, bytes or tuple of them")
            result[key] = again(value)
        return result
    if tag in ("set", "frozenset"):
        values = [again(v) for v in _items(data, "v")]
        _need(all(_hashable_data(v) for v in values), "set members must be numbers, strings or tuples")
        return set(values) if tag == "set" else frozenset(values)
    if tag == "float":
        return _float(data)
    if tag == "bytes":
        return _bytes(data)
    if tag == "complex":
        re, im = data.get("re"), data.get("im")
        _need(type(re) in (int, float) and type(im) in (int, float), "a complex needs re and im")
        return complex(re, im)
    if tag == "slice":
        parts = [again(v) for v in _items(data, "v")]
        _need(len(parts) == 3 and all(p is None or type(p) is int for p in parts),
              "a slice is three ints or nulls")
        return slice(*parts)
    if tag == "ellipsis":
        return Ellipsis
    if tag == "nd":
        return decode_array(data)
    if tag == "np":
        array = decode_array(data)
        _need(array.shape == (), "a NumPy scalar has shape []")
        return array[()]
    if tag == "pt":
        import torch
        return torch.from_numpy(decode_array(data))
    if tag == "tf":
        array = decode_array(data)
        tf = sys.modules.get("tensorflow")
        return tf.convert_to_tensor(array) if tf is not None else array
    if tag == "handle":
        _need(type(data.get("id")) is int, "a handle needs an integer id")
        _need(resolve is not None, "no handles are expected here")
        return resolve(data)
    if tag == "layer":
        _need(layer is not None, "no layers are expected here")
        return layer(data, again)
    if tag in ("series", "frame"):
        return _decode_pandas(data, again)
    if tag == "rng":
        return _decode_rng(data, again)
    raise BridgeError(f"unknown value tag {tag!r}")


def _name(value):
    _need(value is None or type(value) in (str, int), "a pandas name is a string or an int")
    return value


def _decode_index(pandas, record):
    _need(type(record) is dict and record.get("$") == "index", "a pandas object needs its index")
    kind, name = record.get("kind"), _name(record.get("name"))
    if kind == "range":
        parts = [record.get(k) for k in ("start", "stop", "step")]
        _need(all(type(p) is int for p in parts) and parts[2] != 0, "a range index is three ints")
        return pandas.RangeIndex(*parts, name=name)
    if kind == "datetime":
        values, freq = decode_value(record.get("values")), record.get("freq")
        _need(isinstance(values, np.ndarray) and values.dtype.kind == "M", "datetime index values")
        _need(freq is None or (isinstance(freq, str) and len(freq) <= 12
                               and all(c.isalnum() or c in "-" for c in freq)), "an index frequency")
        return pandas.DatetimeIndex(values, freq=freq, name=name)
    _need(kind == "plain", "unknown index kind")
    return pandas.Index(decode_value(record.get("values")), name=name)


def _decode_pandas(record: dict, again):
    import pandas
    index = _decode_index(pandas, record.get("index"))
    if record["$"] == "series":
        values = again(record.get("values"))
        _need(isinstance(values, (np.ndarray, list)) and len(values) == len(index),
              "a Series needs as many values as its index")
        return pandas.Series(values, index=index, name=_name(record.get("name")))
    columns, data = record.get("columns"), record.get("data")
    _need(type(columns) is list and type(data) is list and len(columns) == len(data)
          and all(type(c) in (str, int) for c in columns), "a DataFrame's columns and data")
    frame = {c: again(v) for c, v in zip(columns, data)}
    _need(all(isinstance(v, (np.ndarray, list)) and len(v) == len(index) for v in frame.values()),
          "each column needs as many values as the index")
    return pandas.DataFrame(frame, index=index, columns=columns)


BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


def _decode_rng(record: dict, again):
    """A NumPy Generator in the state it was sent in (its bit generator from an allow-list)."""
    name, state = record.get("bit_generator"), again(record.get("state"))
    _need(name in BIT_GENERATORS and type(state) is dict and state.get("bit_generator") == name,
          "a random generator needs a known bit generator and its state")
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise BridgeError(f"invalid random generator state: {error}") from None
    return np.random.Generator(bit_generator)


def _items(record: dict, key: str) -> list:
    items = record.get(key)
    _need(type(items) is list, f"{record.get('$')} needs a list {key!r}")
    return items


def _hashable_data(value) -> bool:
    if value is None or type(value) in (bool, int, float, str, bytes, complex):
        return True
    if type(value) is tuple:
        return all(_hashable_data(v) for v in value)
    if isinstance(value, np.generic):
        return True
    return False


def decode_handle(record: dict) -> Handle:
    """A :class:`Handle` from a handle record as the kernel describes it."""
    kind, bases, text = record.get("kind", ""), record.get("bases", []), record.get("text", "")
    name = record.get("name", "")
    _need(isinstance(kind, str) and len(kind) <= 300, "a handle's kind is a short string")
    _need(type(bases) is list and len(bases) <= 64
          and all(isinstance(b, str) and len(b) <= 300 for b in bases), "a handle's bases are strings")
    _need(isinstance(text, str) and isinstance(name, str), "a handle's text and name are strings")
    return Handle(record["id"], kind, tuple(bases), text[:200], name[:100] if name.isidentifier() else "")


def decode_error(record) -> ErrorRecord:
    """An :class:`ErrorRecord` from what the kernel sent."""
    _need(type(record) is dict, "an error is an object")
    kind, message = record.get("type"), record.get("message")
    lines, bases = record.get("lines", []), record.get("bases", [])
    _need(isinstance(kind, str) and kind.isidentifier() and len(kind) <= 100,
          "an error's type is a name")
    _need(isinstance(message, str), "an error's message is a string")
    _need(type(lines) is list and all(
        type(p) is list and len(p) == 2 and type(p[0]) is int and isinstance(p[1], str)
        for p in lines), "an error's lines are [number, code] pairs")
    _need(type(bases) is list and all(isinstance(b, str) for b in bases), "an error's bases are names")
    return ErrorRecord(kind, message[:5000], tuple((n, c[:300]) for n, c in lines[-5:]),
                       tuple(b[:100] for b in bases[:20]))
