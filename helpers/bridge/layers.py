"""Built-in framework layers by value: a record of numbers the other side rebuilds.

A PyTorch module whose class is one of ``torch.nn``'s own (``nn.RNN``,
``nn.Linear``, ``nn.Sequential`` of such modules...) or a Keras layer or model
made only of Keras' own classes crosses the bridge as its settings and weights.
The judge rebuilds it from an allow-list of classes: it never imports a name it
was sent. Anything else (a student's ``nn.Module`` subclass, a custom Keras
layer, a ``Lambda``) stays in the kernel and crosses as a handle.
"""

from __future__ import annotations

import sys

from helpers.bridge.codec import BridgeError, decode_array, encode_value

# settings of torch's recurrent modules (their __init__ takes *args, **kwargs)
_TORCH_RNN_SETTINGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
                       "dropout", "bidirectional")
_TORCH_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
_TORCH_SKIPPED = ("device", "dtype", "_weight", "_freeze", "factory_kwargs")
# Keras configuration records a model may hold
_KERAS_NAMESPACES = ("layers", "initializers", "regularizers", "constraints", "optimizers",
                     "losses", "metrics", "dtype_policies")
_KERAS_MODELS = ("Sequential", "Functional", "Model")
_KERAS_FUNCTION_NAMESPACES = ("activations", "losses", "metrics")
_KERAS_FORBIDDEN = ("Lambda", "TFSMLayer", "__lambda__")
_KERAS_DATA_RECORDS = ("__tensor__", "__numpy__", "__keras_tensor__", "__bytes__")


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------

def _torch_builtin(module) -> bool:
    torch = sys.modules.get("torch")
    cls = type(module)
    return (torch is not None and cls.__module__.startswith("torch.nn.modules.")
            and getattr(torch.nn, cls.__name__, None) is cls and cls is not torch.nn.Module)


def _plain(value) -> bool:
    if value is None or type(value) in (bool, int, float, str):
        return True
    return type(value) is tuple and all(_plain(v) for v in value)


def _torch_settings(module) -> dict:
    import inspect

    import torch
    cls = type(module)
    if isinstance(module, torch.nn.RNNBase):
        names = list(_TORCH_RNN_SETTINGS) + (["nonlinearity"] if cls is torch.nn.RNN else []) \
            + (["proj_size"] if cls is torch.nn.LSTM else [])
    else:
        names = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
                 and p.name not in _TORCH_SKIPPED]
    settings = {}
    for name in names:
        if not hasattr(module, name):
            continue
        value = getattr(module, name)
        if name == "bias" and not isinstance(value, bool):
            value = value is not None
        if _plain(value):
            settings[name] = value
        elif isinstance(value, torch.Tensor):
            settings[name] = value.detach().clone()
    return settings


PROBE_MODULE = "helpers.checks.torch_probes"


def _torch_probe(module) -> bool:
    """One of the course's probe models (helpers.checks.torch_probes), which say how to rebuild them."""
    probes = sys.modules.get(PROBE_MODULE)
    cls = type(module)
    return probes is not None and cls.__module__ == PROBE_MODULE and cls in probes.PROBES


def _probe_record(module) -> dict:
    return {"$": "layer", "framework": "torch", "probe": type(module).__name__,
            "training": bool(module.training), "settings": encode_value(module.settings),
            "state": encode_value(dict(module.state_dict())),
            "recorded": encode_value({name: getattr(module, name) for name in module.RECORDED})}


def torch_record(module, probes: bool = False) -> dict | None:
    """The record of a built-in torch module (and of all its children), else None; with
    ``probes``, of a course probe model too (the judge sends those by value)."""
    if probes and _torch_probe(module):
        return _probe_record(module)
    if not _torch_builtin(module):
        return None
    record = {"$": "layer", "framework": "torch", "class": type(module).__name__,
              "training": bool(module.training)}
    if type(module).__name__ in _TORCH_CONTAINERS:
        children = []
        for name, child in module.named_children():
            child_record = torch_record(child)
            if child_record is None:
                return None
            children.append([name, child_record])
        record["children"] = children
    else:
        if any(True for _ in module.children()):
            return None
        record["settings"] = encode_value(_torch_settings(module))
        record["state"] = encode_value(dict(module.state_dict()))
    return record


def _construct(cls, settings: dict, state: dict, label: str):
    """``cls(**settings)`` with ``state`` loaded; any failure is a bad record."""
    try:
        module = cls(**settings)
        module.load_state_dict(state, strict=True)
    except (TypeError, ValueError, RuntimeError) as error:
        raise BridgeError(f"cannot rebuild {label}: {error}") from None
    return module


def _probe_build(record: dict, decode) -> object:
    import importlib
    probes = importlib.import_module(PROBE_MODULE)
    cls = {c.__name__: c for c in probes.PROBES}.get(record.get("probe"))
    if cls is None:
        raise BridgeError(f"{record.get('probe')!r} is not a course probe")
    settings, state = decode(record.get("settings")), decode(record.get("state"))
    recorded = decode(record.get("recorded"))
    if type(settings) is not dict or type(state) is not dict or type(recorded) is not dict \
            or not set(recorded) <= set(cls.RECORDED) or not all(isinstance(k, str) for k in settings):
        raise BridgeError("a probe's settings, state and records are dicts")
    module = _construct(cls, settings, state, f"the probe {cls.__name__}")
    for name, value in recorded.items():
        setattr(module, name, value)
    module.train(bool(record.get("training", True)))
    return module


def _torch_build(record: dict, decode) -> object:
    import torch
    if "probe" in record:
        return _probe_build(record, decode)
    name = record.get("class")
    cls = getattr(torch.nn, name, None) if isinstance(name, str) and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module) and cls is not torch.nn.Module
            and cls.__module__.startswith("torch.nn.modules.")):
        raise BridgeError(f"torch.nn has no module class {name!r}")
    if name in _TORCH_CONTAINERS:
        children = record.get("children")
        if type(children) is not list:
            raise BridgeError("a container needs its children")
        module = cls()
        for pair in children:
            if type(pair) is not list or len(pair) != 2 or not isinstance(pair[0], str):
                raise BridgeError("a child is a [name, record] pair")
            module.add_module(pair[0], _torch_build(pair[1], decode))
    else:
        settings = decode(record.get("settings"))
        state = decode(record.get("state"))
        if type(settings) is not dict or not all(isinstance(k, str) for k in settings):
            raise BridgeError("a module's settings are a dict of names")
        if type(state) is not dict or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise BridgeError("a module's state is a dict of tensors")
        module = _construct(cls, settings, state, f"nn.{name}")
    module.train(bool(record.get("training", True)))
    return module


def torch_update(module, record: dict, decode) -> None:
    """Copy a record's weights, mode (and a probe's records) into an existing module of the same form."""
    from helpers.bridge.remote import update_in_place
    rebuilt = _torch_build(record, decode)
    try:
        module.load_state_dict(rebuilt.state_dict(), strict=True)
    except RuntimeError as error:
        raise BridgeError(f"the module came back with other parameters: {error}") from None
    module.train(rebuilt.training)
    for name in getattr(module, "RECORDED", ()):
        mine, theirs = getattr(module, name, None), getattr(rebuilt, name, None)
        if type(mine) is list and type(theirs) is list:
            update_in_place(mine, theirs)
        else:
            setattr(module, name, theirs)


# --------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------

def _keras_builtin_class(keras, name) -> bool:
    if not isinstance(name, str) or not name.isidentifier() or name in _KERAS_FORBIDDEN:
        return False
    if name in _KERAS_MODELS:
        return True
    return any(isinstance(getattr(getattr(keras, space), name, None), type)
               for space in _KERAS_NAMESPACES)


def _keras_function(keras, name) -> bool:
    return (isinstance(name, str) and name.isidentifier() and not name.startswith("_")
            and any(callable(getattr(getattr(keras, space), name, None))
                    for space in _KERAS_FUNCTION_NAMESPACES))


def check_keras_config(config, depth: int = 0) -> None:
    """Refuse a Keras configuration that names anything but Keras' own classes and
    activation/loss functions (so rebuilding it imports and runs nothing else)."""
    import keras
    if depth > 200:
        raise BridgeError("a Keras configuration nested too deeply")
    if isinstance(config, list):
        for item in config:
            check_keras_config(item, depth + 1)
        return
    if not isinstance(config, dict):
        return
    if "class_name" in config:
        name, module = config.get("class_name"), config.get("module")
        registered = config.get("registered_name")
        if name in _KERAS_DATA_RECORDS:
            pass
        elif module == KERAS_PROBE_MODULE:
            import importlib
            probes = importlib.import_module(KERAS_PROBE_MODULE)
            if name not in {c.__name__ for c in probes.PROBE_LAYERS} \
                    or registered != f"{KERAS_PROBE_PACKAGE}>{name}":
                raise BridgeError(f"{name!r} is not one of the course's probe layers")
        elif name == "function":
            if not (module is None or (isinstance(module, str) and module.startswith("keras"))) \
                    or not _keras_function(keras, config.get("config")):
                raise BridgeError(f"the function {config.get('config')!r} is not one of Keras' own")
        elif not _keras_builtin_class(keras, name) or not (
                module is None or (isinstance(module, str) and module.startswith("keras"))) or (
                registered not in (None, name) and not str(registered).startswith("keras")):
            raise BridgeError(f"{name!r} is not one of Keras' own classes")
    for value in config.values():
        check_keras_config(value, depth + 1)


KERAS_PROBE_MODULE = "helpers.checks.keras_probes"
KERAS_PROBE_PACKAGE = "rnn_course"


def _keras_probe_layer(layer) -> bool:
    """One of the course's probe layers (helpers.checks.keras_probes), registered with Keras."""
    probes = sys.modules.get(KERAS_PROBE_MODULE)
    return probes is not None and type(layer) in probes.PROBE_LAYERS


def _keras_builtin(keras, layer) -> bool:
    cls = type(layer)
    if _keras_probe_layer(layer):
        return True
    if not cls.__module__.startswith("keras.") or not _keras_builtin_class(keras, cls.__name__):
        return False
    if isinstance(layer, keras.Model):
        return all(_keras_builtin(keras, inner) for inner in layer.layers)
    inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
    return inner is None or _keras_builtin(keras, inner)


def _keras_settings_object(keras, value) -> bool:
    """A Keras optimizer or loss of Keras' own classes: described by its configuration alone."""
    cls = type(value)
    return (isinstance(value, (keras.optimizers.Optimizer, keras.losses.Loss))
            and cls.__module__.startswith("keras.") and _keras_builtin_class(keras, cls.__name__))


def keras_record(layer) -> dict | None:
    """The record of a Keras layer or model made only of Keras' own classes (or of one of
    its optimizers or losses, without their state), else None."""
    keras = sys.modules.get("keras")
    if keras is not None and _keras_settings_object(keras, layer):
        try:
            return {"$": "layer", "framework": "keras",
                    "config": keras.saving.serialize_keras_object(layer), "weights": []}
        except Exception:  # noqa: BLE001
            return None
    if keras is None or not isinstance(layer, keras.layers.Layer) or not _keras_builtin(keras, layer):
        return None
    try:
        config = keras.saving.serialize_keras_object(layer)
        weights = [encode_value(w) for w in layer.get_weights()]
        recorded = {inner.name: encode_value(inner.record) for inner in _keras_sublayers(keras, layer)
                    if _keras_probe_layer(inner) and type(inner.record) is list}
    except Exception:  # noqa: BLE001 - a layer that cannot describe itself stays a handle
        return None
    return {"$": "layer", "framework": "keras", "config": config, "weights": weights,
            "recorded": recorded}


def _keras_sublayers(keras, layer) -> list:
    return list(layer.layers) if isinstance(layer, keras.Model) else [layer]


def _set_records(keras, layer, recorded: dict, decode, in_place: bool) -> None:
    """Give the course's probe layers inside ``layer`` the lists they recorded."""
    from helpers.bridge.remote import update_in_place
    if type(recorded) is not dict:
        raise BridgeError("a Keras layer's records are a dict")
    for inner in _keras_sublayers(keras, layer):
        if _keras_probe_layer(inner) and inner.name in recorded:
            value = decode(recorded[inner.name])
            if type(value) is not list:
                raise BridgeError("a probe layer's record is a list")
            if in_place and type(inner.record) is list:
                update_in_place(inner.record, value)
            else:
                inner.use(value)


def _keras_build(record: dict, decode) -> object:
    import keras
    config = record.get("config")
    if not isinstance(config, dict):
        raise BridgeError("a Keras layer needs its configuration")
    check_keras_config(config)
    weights = record.get("weights")
    if type(weights) is not list:
        raise BridgeError("a Keras layer needs its weights")
    arrays = [decode_array(w) if isinstance(w, dict) and w.get("$") == "nd" else None for w in weights]
    if any(a is None for a in arrays):
        raise BridgeError("a Keras layer's weights are arrays")
    if KERAS_PROBE_MODULE in str(config):
        import importlib
        importlib.import_module(KERAS_PROBE_MODULE)   # registers the probe layers with Keras
    try:
        layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if arrays:
            layer.set_weights(arrays)
        _set_records(keras, layer, record.get("recorded") or {}, decode, in_place=False)
    except BridgeError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to rebuild is a bad record
        raise BridgeError(f"cannot rebuild the Keras layer: {type(error).__name__}: {error}") from None
    return layer


def keras_update(layer, record: dict, decode) -> None:
    """Copy a record's weights into an existing Keras layer of the same form."""
    if not hasattr(layer, "set_weights"):
        return  # an optimizer or a loss sent by value: what the student's code did to it stays there
    import keras
    rebuilt = _keras_build(record, decode)
    try:
        layer.set_weights(rebuilt.get_weights())
    except ValueError as error:
        raise BridgeError(f"the layer came back with other weights: {error}") from None
    _set_records(keras, layer, record.get("recorded") or {}, decode, in_place=True)


# --------------------------------------------------------------------------
# both
# --------------------------------------------------------------------------

def record_of(value, probes: bool = False) -> dict | None:
    """A built-in layer's record (with ``probes``, a course probe's too), or None for anything else."""
    return torch_record(value, probes) or keras_record(value)


def class_name(record: dict) -> str:
    """The class a layer record rebuilds."""
    if record.get("framework") == "keras":
        config = record.get("config")
        return config.get("class_name", "") if isinstance(config, dict) else ""
    return str(record.get("probe") or record.get("class") or "")


def build(record: dict, decode) -> object:
    """Rebuild a layer from its record (the judge's side)."""
    framework = record.get("framework")
    if framework == "torch":
        return _torch_build(record, decode)
    if framework == "keras":
        return _keras_build(record, decode)
    raise BridgeError(f"unknown layer framework {framework!r}")


def update(value, record: dict, decode) -> None:
    """Write a record's weights back into ``value``, the layer it was made from."""
    if record.get("framework") == "torch":
        torch_update(value, record, decode)
    elif record.get("framework") == "keras":
        keras_update(value, record, decode)
    else:
        raise BridgeError("unknown layer framework")
