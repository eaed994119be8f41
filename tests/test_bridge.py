"""The bridge between the judge and a kernel, without a kernel: the agent answers in-process.

The judge's decoder is the trust boundary: whatever a kernel sends, the judge
gets plain values, arrays, rebuilt built-in layers or handles, never an object
of the kernel's making. These tests send it hostile replies too.
"""

from __future__ import annotations

import __main__
import json

import numpy as np
import pytest
import torch

from helpers import bridge
from helpers.bridge import agent, codec, layers
from helpers.bridge.remote import Bridge, KernelSilent, Remote, StudentError


@pytest.fixture
def kernel(monkeypatch):
    """A bridge whose 'kernel' is this process's __main__ namespace."""
    names = {}

    def define(**values):
        for name, value in values.items():
            monkeypatch.setattr(__main__, name, value, raising=False)
            names[name] = value

    return Bridge(agent.reply), define


def test_data_crosses_as_plain_values(kernel):
    judge, define = kernel
    define(value={"a": (1, 2.5, None), 3: [np.arange(4, dtype="int32"), torch.ones(2, 3)],
                  "s": {"x", "y"}, "b": b"\x00", "c": 1 + 2j, "nan": float("nan")})
    got = judge.get("value")
    assert got["a"] == (1, 2.5, None) and got["s"] == {"x", "y"} and got["b"] == b"\x00"
    assert got["c"] == 1 + 2j and np.isnan(got["nan"])
    assert got[3][0].dtype == np.int32 and got[3][0].tolist() == [0, 1, 2, 3]
    assert isinstance(got[3][1], torch.Tensor) and got[3][1].shape == (2, 3)


def test_a_function_is_called_where_it_lives_and_errors_come_back_typed(kernel):
    judge, define = kernel

    def windows(series, window):
        if window < 1:
            raise ValueError("window must be >= 1")
        return np.stack([series[i:i + window] for i in range(len(series) - window + 1)])

    define(windows=windows)
    remote = judge.get("windows")
    assert isinstance(remote, Remote)
    assert remote(np.arange(5.0), 2).shape == (4, 2)
    with pytest.raises(ValueError, match="window must be >= 1") as caught:
        remote(np.arange(5.0), 0)
    assert isinstance(caught.value, StudentError)
    with pytest.raises(NameError):
        judge.get("not_defined_anywhere")


def test_a_remote_is_never_data(kernel):
    """An object that equals anything in the kernel is a handle here: equal only to itself."""
    judge, define = kernel

    class Anything(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    define(answer=Anything("a"), thing=object())
    thing = judge.get("thing")
    assert thing != "c" and thing not in ("a", "b") and thing == thing
    with pytest.raises(TypeError, match="not true or false"):
        bool(thing)
    # a str subclass is not a str here: a handle, equal to no letter
    answer = judge.get("answer")
    assert isinstance(answer, Remote) and answer != "a" and answer not in ("a", "b", "c", "d")


def test_builtin_torch_modules_cross_by_value_custom_ones_stay(kernel):
    judge, define = kernel

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(3, 4, batch_first=True)
            self.out = torch.nn.Linear(4, 1)

        def forward(self, x):
            return self.out(self.rnn(x)[1][-1])

    model = Model()
    define(model=model)
    remote = judge.get("model")
    assert isinstance(remote, Remote) and remote._handle.derives_from("torch.nn.modules.module.Module")
    rnn = remote.rnn
    assert isinstance(rnn, torch.nn.RNN) and rnn.batch_first and rnn is not model.rnn
    assert torch.equal(rnn.weight_ih_l0, model.rnn.weight_ih_l0)
    assert sum(p.numel() for p in remote.parameters()) == sum(p.numel() for p in model.parameters())
    assert remote(torch.zeros(2, 5, 3)).shape == (2, 1)


def test_a_layer_sent_to_student_code_comes_back_changed(kernel):
    judge, define = kernel

    def load(module, value):
        with torch.no_grad():
            module.weight_ih_l0.fill_(value)
        module.eval()

    define(load=load)
    mine = torch.nn.RNN(2, 3)
    judge.get("load")(mine, 0.5)
    assert torch.all(mine.weight_ih_l0 == 0.5) and not mine.training


def test_mutable_arguments_come_back_changed(kernel):
    judge, define = kernel

    def change(rows, array, tensor):
        rows[0].append(9)
        array[1] = 7
        tensor.add_(1)

    define(change=change)
    rows, array, tensor = [[1], [2]], np.zeros(3), torch.zeros(2)
    judge.get("change")(rows, array, tensor=tensor)
    assert rows == [[1, 9], [2]] and array.tolist() == [0, 7, 0] and tensor.tolist() == [1, 1]


def test_in_kernel_is_a_plain_call_in_a_notebook():
    assert bridge.in_kernel(dict, a=1) == {"a": 1}


def test_in_kernel_makes_the_object_where_the_student_code_runs(kernel):
    judge, _ = kernel
    bridge.activate(judge)
    try:
        made = bridge.in_kernel(torch.optim.SGD, [torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    finally:
        bridge.activate(None)
    assert isinstance(made, Remote) and made._handle.kind.endswith("SGD")


@pytest.mark.parametrize("record, why", [
    ({"$": "nd", "dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}, "not data"),
    ({"$": "nd", "dtype": "<f4", "shape": [3], "data": "AAAAAA=="}, "do not fit"),
    ({"$": "nd", "dtype": "<f4", "shape": [-1], "data": ""}, "sizes >= 0"),
    ({"$": "pickle", "data": "gARLAS4="}, "unknown value tag"),
    ({"$": "dict", "items": [[[1], 2]]}, "dict key"),
    ({"$": "handle", "id": 1}, "no handles"),
    ({"$": "layer", "framework": "torch", "class": "Module"}, "no layers"),
])
def test_the_decoder_refuses_what_is_not_data(record, why):
    with pytest.raises(codec.BridgeError, match=why):
        codec.decode_value(record)


@pytest.mark.parametrize("record", [
    {"$": "layer", "framework": "torch", "class": "Module", "settings": None, "state": None},
    {"$": "layer", "framework": "torch", "class": "__class__", "settings": None, "state": None},
    {"$": "layer", "framework": "torch", "class": "functional", "settings": None, "state": None},
])
def test_only_torch_nn_module_classes_are_rebuilt(record):
    with pytest.raises(codec.BridgeError):
        layers.build(record, codec.decode_value)


@pytest.mark.parametrize("config", [
    {"module": "keras.layers", "class_name": "Lambda", "config": {"function": "x"}},
    {"module": "os", "class_name": "system", "config": {}},
    {"module": "keras.layers", "class_name": "Dense",
     "config": {"units": 1, "activation": {"module": "keras.src.utils.file_utils",
                                           "class_name": "function", "config": "get_file"}}},
    {"module": "__main__", "class_name": "Dense", "registered_name": "Custom>Dense", "config": {}},
])
def test_keras_configurations_name_only_keras_own_classes(config):
    pytest.importorskip("keras")
    with pytest.raises(codec.BridgeError):
        layers.check_keras_config(config)


@pytest.mark.parametrize("reply", [
    "not json", "[1, 2]", json.dumps({"neither": 1}), json.dumps({"ok": {"$": "eval", "v": "1"}}),
    json.dumps({"error": {"type": "os.system('x')", "message": "m"}}),
    json.dumps({"ok": 1, "writeback": {"0": {"$": "layer"}}}),
])
def test_a_hostile_reply_is_no_answer(reply):
    judge = Bridge(lambda request: reply)
    with pytest.raises(KernelSilent):
        judge.get("anything")


def test_no_reply_is_no_answer():
    with pytest.raises(KernelSilent):
        Bridge(lambda request: None).get("x")


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_probe_sent_by_value_keeps_its_state_and_records(kernel, framework):
    """A stateful probe has one twin in the kernel: its state carries over from call to call,
    and what it recorded there comes back into the judge's list."""
    if framework == "keras":
        pytest.importorskip("keras")
    from helpers import checks
    judge, define = kernel

    def read(model, ids):
        if framework == "torch":
            return model(torch.as_tensor(ids)[None])[0][0, -1].detach().numpy()
        import keras
        return keras.ops.convert_to_numpy(model(np.asarray(ids)[None]))[0, -1]

    define(read=read)
    record = []
    probe = checks.language_model_probe(framework, seed=1, record=record)
    first = judge.get("read")(probe, [1, 2, 3])
    second = judge.get("read")(probe, [1, 2, 3])
    assert record == [3, 3]
    stateful = framework == "keras"            # the Keras probe is stateful, the torch one is not
    assert np.allclose(first, second) != stateful


def test_a_random_generator_crosses_in_its_state_and_comes_back_advanced(kernel):
    judge, define = kernel
    define(draw=lambda rng, n: rng.integers(0, 1000, size=n))
    mine, same = np.random.default_rng(5), np.random.default_rng(5)
    assert judge.get("draw")(mine, 3).tolist() == same.integers(0, 1000, size=3).tolist()
    assert mine.integers(0, 1000) == same.integers(0, 1000)     # both advanced alike
    with pytest.raises(codec.BridgeError):
        codec.decode_value({"$": "rng", "bit_generator": "os.system", "state": {"$": "dict", "items": []}})
