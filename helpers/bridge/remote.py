"""The judge's side of the bridge: objects of the student's kernel, seen as data and handles.

A :class:`Bridge` sends requests (``send(text) -> reply text or None``) and
decodes the replies with :func:`helpers.bridge.codec.decode_value`: data comes
back as plain values built here, built-in layers as fresh copies, and anything
else as a :class:`Remote`, a handle through which the judge can call the object,
read its attributes and items, or iterate over it, each a new request. A
``Remote`` is never data: it is not true or false, and equals only itself.

An error raised by the student's code comes back as a :class:`StudentError`
that is also the built-in exception of the same name (``ValueError``...), so
the checks' ``except`` clauses see what they would in the notebook.
"""

from __future__ import annotations

import builtins
import secrets

import numpy as np

from helpers.bridge import layers
from helpers.bridge.codec import (BridgeError, ErrorRecord, Handle, decode_error, decode_handle,
                                  decode_value, dumps, encode_value, loads)


class KernelSilent(RuntimeError):
    """The kernel gave no usable answer: ``why`` is "timeout", "died" or "silent" (it was
    changed, or its answer was not valid)."""

    def __init__(self, message: str, why: str = "silent"):
        super().__init__(message)
        self.why = why


class StudentError(Exception):
    """An exception the student's code raised in the kernel (its record in ``record``)."""

    record: ErrorRecord

    def __str__(self) -> str:
        return self.record.message


_ERROR_TYPES: dict[str, type] = {}
_NOT_MIRRORED = {"StopIteration", "StopAsyncIteration", "GeneratorExit", "KeyboardInterrupt",
                 "SystemExit", "BaseException"}


def student_error(record: ErrorRecord) -> StudentError:
    """A :class:`StudentError` that is also the built-in exception ``record.type`` names."""
    name = record.type
    base = getattr(builtins, name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)) or name in _NOT_MIRRORED:
        base = next((getattr(builtins, b) for b in record.bases
                     if isinstance(getattr(builtins, b, None), type)
                     and issubclass(getattr(builtins, b), Exception) and b not in _NOT_MIRRORED
                     and b != "Exception"), None)
    key = f"{name}:{base.__name__ if base else ''}"
    if key not in _ERROR_TYPES:
        bases = (StudentError, base) if base is not None else (StudentError,)
        _ERROR_TYPES[key] = type(name, bases, {"__module__": "student"})
    error = _ERROR_TYPES[key](record.message)
    error.record = record
    return error


class Remote:
    """An object that lives in the student's kernel."""

    __slots__ = ("_bridge", "_handle")

    def __init__(self, bridge: "Bridge", handle: Handle):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_handle", handle)

    def __getattr__(self, name: str):
        if name in ("__name__", "__qualname__") and self._handle.name:
            return self._handle.name
        if name.startswith("__"):
            raise AttributeError(name)
        return self._bridge.request("getattr", target=self, name=name)

    def __setattr__(self, name: str, value) -> None:
        self._bridge.request("setattr", target=self, name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._bridge.request("call", target=self, args=list(args), kwargs=kwargs)

    def __getitem__(self, key):
        return self._bridge.request("getitem", target=self, key=key)

    def __len__(self) -> int:
        length = self._bridge.request("len", target=self)
        if type(length) is not int or length < 0:
            raise TypeError("len() of an object from your code did not give a whole number")
        return length

    def __iter__(self):
        items = self._bridge.request("list", target=self)
        if type(items) is not list:
            raise TypeError("iterating over an object from your code did not give a list")
        return iter(items)

    def __bool__(self) -> bool:
        raise TypeError(f"a {self._handle.text or 'value'} from your code is not true or false "
                        "by itself: the tests expected a number, a string or an array")

    def __repr__(self) -> str:
        return f"<{self._handle.text or 'object'} from your notebook>"

    def _not_here(self, *args):
        raise TypeError(f"a {self._handle.text or 'value'} of the student's kernel cannot be copied or "
                        "pickled by the judge: make what the test needs with checks.in_kernel, or "
                        "compare data")

    __copy__ = __deepcopy__ = __reduce__ = __reduce_ex__ = __getstate__ = _not_here


def update_in_place(mine, theirs) -> None:
    """Make the judge's list, dict, array or tensor ``mine`` equal to ``theirs`` in place."""
    if type(mine) is list and type(theirs) is list:
        if len(mine) == len(theirs):
            for k, (a, b) in enumerate(zip(mine, theirs)):
                if _same(a, b):
                    continue
                if type(a) is type(b) and type(a) in (list, dict, np.ndarray):
                    update_in_place(a, b)
                else:
                    mine[k] = b
        else:
            mine[:] = theirs
    elif type(mine) is dict and type(theirs) is dict:
        if mine.keys() != theirs.keys() or not all(_same(mine[k], theirs[k]) for k in mine):
            mine.clear()
            mine.update(theirs)
    elif type(mine) is np.random.Generator and type(theirs) is np.random.Generator:
        if type(mine.bit_generator) is type(theirs.bit_generator):
            mine.bit_generator.state = theirs.bit_generator.state
    elif isinstance(mine, np.ndarray) and isinstance(theirs, np.ndarray):
        if mine.shape == theirs.shape and mine.flags.writeable:
            np.copyto(mine, theirs, casting="unsafe")
    elif _is_tensor(mine) and _is_tensor(theirs):
        if mine.shape == theirs.shape:
            import torch
            with torch.no_grad():
                mine.copy_(theirs)


def _is_tensor(value) -> bool:
    import sys
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _same(a, b) -> bool:
    try:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) or _is_tensor(a) or _is_tensor(b):
            return type(a) is type(b) and a.shape == b.shape and bool((a == b).all())
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def is_remote(value) -> bool:
    return type(value) is Remote


def handle_of(value: Remote) -> Handle:
    return object.__getattribute__(value, "_handle")


class Bridge:
    """Requests to one kernel; ``send(text)`` returns the reply text, or None for no reply."""

    def __init__(self, send):
        self._send = send
        # each layer the judge sends by value has one twin in the kernel, so that what
        # lives only there (a stateful layer's states) carries over from call to call
        self._twins: dict[int, tuple[object, int]] = {}
        self._twin_base = secrets.randbits(40) << 20   # a judge started again never reuses a number

    # --- encoding what the judge sends ---
    def _encode(self, value, sent: list):
        def layer_record(obj):
            record = layers.record_of(obj, probes=True)
            if record is not None:
                record["ref"] = len(sent)
                sent.append(obj)
                known = self._twins.get(id(obj))
                if known is None or known[0] is not obj:
                    known = self._twins[id(obj)] = (obj, self._twin_base + len(self._twins) + 1)
                record["twin"] = known[1]
            return record

        def handle_of_remote(obj):
            if is_remote(obj):
                return handle_of(obj)
            raise TypeError(f"a {type(obj).__name__} cannot be sent to the student's code")

        return encode_value(value, handle_of=handle_of_remote, layer_record=layer_record)

    # --- decoding what comes back ---
    def _resolve(self, record: dict) -> Remote:
        return Remote(self, decode_handle(record))

    def decode(self, data):
        return decode_value(data, resolve=self._resolve, layer=layers.build)

    def request(self, op: str, **fields):
        sent: list = []
        message = {"op": op, **{k: self._encode(v, sent) for k, v in fields.items()}}
        text = self._send(dumps(message))
        if text is None:
            raise KernelSilent("the kernel gave no answer")
        try:
            reply = loads(text)
            if op in ("call", "new"):
                self._update_arguments(fields.get("args", []), fields.get("kwargs", {}),
                                       reply.get("after"))
            if "error" in reply:
                raise student_error(decode_error(reply["error"]))
            if "ok" not in reply:
                raise BridgeError("a reply holds ok or error")
            value = self.decode(reply["ok"])
            written = reply.get("writeback") or {}
            if type(written) is not dict:
                raise BridgeError("writeback is an object")
            for ref, record in written.items():
                if not (ref.isdigit() and int(ref) < len(sent) and type(record) is dict):
                    raise BridgeError("writeback names a layer that was not sent")
                layers.update(sent[int(ref)], record, lambda data: decode_value(data))
        except BridgeError as error:
            raise KernelSilent(f"the kernel's answer was not valid: {error}") from None
        return value

    def _update_arguments(self, args: list, kwargs: dict, after) -> None:
        """Copy into the judge's own arguments what the call changed in the kernel's copies."""
        if type(after) is not dict:
            return
        pairs = list(zip(args, after.get("args") or []))
        after_kwargs = after.get("kwargs") or {}
        if type(after_kwargs) is dict:
            pairs += [(kwargs[k], v) for k, v in after_kwargs.items() if k in kwargs]
        for mine, record in pairs:
            if record is not None:
                update_in_place(mine, self.decode(record))

    def get(self, name: str):
        return self.request("get", name=name)

    def new(self, factory, *args, **kwargs):
        path = f"{factory.__module__}:{factory.__qualname__}"
        return self.request("new", path=path, args=list(args), kwargs=kwargs)
