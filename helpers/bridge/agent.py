"""The kernel's side of the bridge: answers the judge's requests with data.

At grading time the judge sends each request as one line of code run in the
student's kernel, ``answer('<request JSON>')``. The agent looks up a name of the
notebook, calls a function, reads an attribute or an item, or makes an object,
and publishes the result as a display message: data when it is data, a handle
(a number) when it is not, or the error the student's code raised.

Nothing here is trusted. Student code runs in this process first and may
replace this module, IPython's hooks or anything else; then the judge gets
wrong answers or none, and grades what it gets: only data ever leaves, and the
judge checks it with its own code.
"""

from __future__ import annotations

import importlib
import json
import linecache
import sys
import traceback

import numpy as np

from helpers.bridge import layers
from helpers.bridge.codec import Handle, decode_value, dumps, encode_value

MIME = "text/x-rnn-bridge"
_objects: dict[int, object] = {}      # handle id -> object
_twins: dict[int, object] = {}        # twin id -> the kernel's copy of a layer the judge sends
_handle_ids: dict[int, int] = {}      # id(object) -> handle id


def _describe(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def handle_of(obj) -> Handle:
    """A handle for ``obj``: the same number every time it is sent."""
    key = id(obj)
    number = _handle_ids.get(key)
    if number is None or _objects.get(number) is not obj:
        number = len(_objects) + 1
        _objects[number] = obj
        _handle_ids[key] = number
    cls = type(obj)
    name = getattr(obj, "__name__", "") if callable(obj) else ""
    return Handle(number, _describe(cls), tuple(_describe(b) for b in cls.__mro__[1:]), cls.__name__,
                  name if isinstance(name, str) else "")


def _encode(value):
    return encode_value(value, handle_of=handle_of, layer_record=layers.record_of)


def _namespace() -> dict:
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else sys.modules["__main__"].__dict__


def _resolve(record: dict):
    number = record["id"]
    if number not in _objects:
        raise LookupError(f"no object with handle {number}")
    return _objects[number]


class _Decoder:
    """Decodes one request's arguments, remembering the layers sent by value."""

    def __init__(self):
        self.sent_layers: dict[int, object] = {}
        self.arguments = ([], {})   # a call's arguments, to send back what the call changed

    def after(self) -> dict:
        """The call's mutable arguments as they are now (None for the others)."""
        args, kwargs = self.arguments
        return {"args": [_mutable_after(a) for a in args],
                "kwargs": {k: _mutable_after(v) for k, v in kwargs.items()}}

    def layer(self, record, decode):
        twin = record.get("twin")
        obj = _twins.get(twin) if type(twin) is int else None
        if obj is not None and type(obj).__name__ != layers.class_name(record):
            obj = None
        if obj is not None:
            try:
                layers.update(obj, record, decode)   # the same copy: what lives only here stays
            except Exception:  # noqa: BLE001 - a changed form: a new copy
                obj = None
        if obj is None:
            obj = layers.build(record, decode)
            if type(twin) is int:
                _twins[twin] = obj
        if type(record.get("ref")) is int:
            self.sent_layers[record["ref"]] = obj
        return obj

    def __call__(self, data):
        return decode_value(data, resolve=_resolve, layer=self.layer)


def _import(path: str):
    module_name, _, qualname = path.partition(":")
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _call(target, request: dict, decode):
    args, kwargs = decode(request["args"]), decode(request["kwargs"])
    decode.arguments = (args, kwargs)
    return target(*args, **kwargs)


def _perform(request: dict, decode):
    op = request.get("op")
    if op == "get":
        name = request["name"]
        namespace = _namespace()
        if name not in namespace:
            raise NameError(f"name '{name}' is not defined")
        return namespace[name]
    if op == "new":
        return _call(_import(request["path"]), request, decode)
    target = decode(request["target"])
    if op == "call":
        return _call(target, request, decode)
    if op == "getattr":
        return getattr(target, request["name"])
    if op == "setattr":
        setattr(target, request["name"], decode(request["value"]))
        return None
    if op == "getitem":
        return target[decode(request["key"])]
    if op == "len":
        return len(target)
    if op == "list":
        return list(target)
    raise ValueError(f"unknown request {op!r}")


def _student_lines(tb) -> list[list]:
    """(line number, code) of the frames that ran notebook code, innermost last."""
    try:
        from IPython import get_ipython
        cell_files = getattr(getattr(get_ipython(), "compile", None), "_filename_map", {})
    except ImportError:
        cell_files = {}
    lines = []
    for frame, number in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename in cell_files:
            lines.append([number, linecache.getline(filename, number).strip()])
    return lines[-5:]


def _mutable_after(value):
    """A mutable argument (list, dict, array, tensor) as it is after the call, else None."""
    torch = sys.modules.get("torch")
    mutable = (list, dict, np.ndarray, np.random.Generator) + ((torch.Tensor,) if torch is not None else ())
    if not isinstance(value, mutable):
        return None
    try:
        return _encode(value)
    except Exception:  # noqa: BLE001 - what cannot be sent back is left as it was sent
        return None


def error_record(error: BaseException) -> dict:
    cls = type(error)
    return {"type": cls.__name__ if cls.__name__.isidentifier() else "Exception",
            "message": str(error)[:5000],
            "lines": _student_lines(error.__traceback__),
            "bases": [b.__name__ for b in cls.__mro__[1:]]}


def reply(request_text: str) -> str:
    """The JSON reply to one request."""
    decoder = _Decoder()
    try:
        request = json.loads(request_text)
        value = _perform(request, decoder)
        written = {str(ref): layers.record_of(obj, probes=True) for ref, obj in decoder.sent_layers.items()}
        return dumps({"ok": _encode(value), "writeback": written, "after": decoder.after()})
    except BaseException as error:  # noqa: BLE001 - every failure is reported to the judge
        try:
            return dumps({"error": error_record(error), "after": decoder.after()})
        except Exception:  # noqa: BLE001
            return dumps({"error": {"type": "Exception", "message": "an error that cannot be described"}})


def answer(request_text: str) -> None:
    """Publish the reply to ``request_text`` as a display message for the grader."""
    from IPython.display import publish_display_data
    publish_display_data({MIME: reply(request_text)})
