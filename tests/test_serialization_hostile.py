"""Checkpoints as hostile input: files that are truncated, corrupted, crafted or not checkpoints at all raise a
clear RuntimeError (never another exception, never a crash, never code run); state dicts that do not fit a model
or optimizer raise and leave it untouched; a save killed mid-write leaves the previous checkpoint loadable."""

import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import autocore
from autocore import nn

MAGIC, VERSION = b"AUTOCORE", 1


def crafted(path, header, payload=b"", header_len=None):
    """A file in the checkpoint layout with any header, its data checksum made right unless the header sets it."""
    header = dict(header) if isinstance(header, dict) else header
    if isinstance(header, dict):
        header.setdefault("data_bytes", len(payload))
        header.setdefault("crc32", zlib.crc32(payload))
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    size = len(text) if header_len is None else header_len
    path.write_bytes(MAGIC + bytes([VERSION]) + struct.pack("<Q", size) + text + payload)
    return path


def one_tensor(entry, tree=None):
    base = {"dtype": "float32", "shape": [2], "offset": 0, "nbytes": 8}
    base.update(entry)
    return {"tree": {"__tensor__": 0} if tree is None else tree, "tensors": [base]}


HOSTILE_HEADERS = {
    "a list, not an object": [1, 2],
    "no tensor list": {"tree": 1},
    "no tree": {"tensors": []},
    "unknown dtype": one_tensor({"dtype": "complex128"}),
    "dtype not a string": one_tensor({"dtype": ["float32"]}),
    "negative dims": one_tensor({"shape": [-2, -1], "nbytes": 8}),
    "a dim that is a string": one_tensor({"shape": ["2"]}),
    "a dim that is a float": one_tensor({"shape": [2.0]}),
    "nbytes disagreeing with the shape": one_tensor({"nbytes": 4}),
    "negative offset": one_tensor({"offset": -8}),
    "data past the end of the file": one_tensor({"offset": 8}),
    "sizes far larger than the file": one_tensor({"shape": [1 << 40], "nbytes": 4 << 40}),
    # 2^32 * 2^32 wraps to 0 in int64: the byte count must be computed without wrapping
    "dims whose product wraps around": one_tensor({"shape": [1 << 32, 1 << 32], "nbytes": 0}),
    "too many dims": one_tensor({"shape": [1] * 100, "nbytes": 4}),
    "a reference to a missing tensor": one_tensor({}, tree={"__tensor__": 3}),
    "a negative tensor reference": one_tensor({}, tree={"__tensor__": -1}),
    "an unknown entry kind": one_tensor({}, tree={"__object__": "os.system"}),
    "a dict entry that is not a pair": one_tensor({}, tree={"__dict__": [[1, 2, 3]]}),
    "an unhashable dict key": one_tensor({}, tree={"__dict__": [[{"__list__": []}, 1]]}),
    "a device that is not a string": one_tensor({"device": 0}),
}


@pytest.mark.parametrize("why", sorted(HOSTILE_HEADERS))
def test_crafted_headers_raise_a_clear_error(tmp_path, why):
    path = crafted(tmp_path / "bad.ac", HOSTILE_HEADERS[why], payload=np.ones(2, np.float32).tobytes())
    with pytest.raises(RuntimeError, match=r"autocore\.load: .* is (corrupted|truncated)"):
        autocore.load(path)


def test_a_valid_crafted_file_loads_so_the_hostile_cases_test_one_fault_each(tmp_path):
    path = crafted(tmp_path / "good.ac", one_tensor({}), payload=np.array([1.5, -2], np.float32).tobytes())
    np.testing.assert_array_equal(autocore.load(path).numpy(), [1.5, -2])


def test_headers_that_lie_about_their_own_size_or_nest_too_deeply(tmp_path):
    header = one_tensor({})
    path = crafted(tmp_path / "long.ac", header, header_len=1 << 62)
    with pytest.raises(RuntimeError, match="truncated"):
        autocore.load(path)
    path = crafted(tmp_path / "short.ac", header, header_len=5)
    with pytest.raises(RuntimeError, match="corrupted"):
        autocore.load(path)
    crafted(path, dict(header, data_bytes=1 << 40))
    with pytest.raises(RuntimeError, match="truncated"):
        autocore.load(path)
    deep = b'{"tree": ' + b'{"__list__": [' * 100_000 + b"1" + b"]}" * 100_000 + b', "tensors": []}'
    crafted(path, deep)
    with pytest.raises(RuntimeError, match="corrupted"):
        autocore.load(path)


def test_random_truncations_and_byte_flips_raise_or_load_the_same_values(tmp_path):
    path = tmp_path / "c.ac"
    state = {"w": autocore.randn(3, 4), "b": autocore.arange(5), "meta": {"epoch": 3, "name": "x"}}
    autocore.save(state, path)
    blob = path.read_bytes()
    rng = np.random.default_rng(0)
    outcomes = {"raised": 0, "loaded": 0}
    for trial in range(400):
        damaged = bytearray(blob)
        if trial % 2:
            damaged = damaged[: rng.integers(0, len(blob))]
        else:
            for at in rng.integers(0, len(blob), size=rng.integers(1, 4)):
                damaged[at] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        try:
            loaded = autocore.load(path)
        except RuntimeError as error:
            assert "autocore.load" in str(error)
            outcomes["raised"] += 1
            continue
        # A flip the format cannot see (in the header's padding, say) must still give the saved values.
        np.testing.assert_array_equal(loaded["w"].numpy(), state["w"].numpy())
        np.testing.assert_array_equal(loaded["b"].numpy(), state["b"].numpy())
        assert loaded["meta"] == state["meta"]
        outcomes["loaded"] += 1
    assert outcomes["raised"] > 300


class _Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_payload_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(str(marker)))
    pickle.loads(payload)  # the payload is live: unpickling it does create the marker
    assert marker.exists()
    marker.unlink()

    path = tmp_path / "evil.ac"
    path.write_bytes(payload)
    with pytest.raises(RuntimeError, match="not an autocore checkpoint"):
        autocore.load(path)
    # The same bytes inside a well-formed checkpoint are only numbers, and pickle-looking JSON is only data.
    data = payload + b"\0" * (-len(payload) % 8)
    crafted(
        path,
        {
            "tree": {
                "__tensor__": 0,
            },
            "tensors": [{"dtype": "float64", "shape": [len(data) // 8], "offset": 0, "nbytes": len(data)}],
        },
        payload=data,
    )
    assert autocore.load(path).shape == (len(data) // 8,)
    crafted(path, {"tree": {"__pickle__": payload.decode("latin-1")}, "tensors": []})
    with pytest.raises(RuntimeError, match="corrupted"):
        autocore.load(path)
    assert not marker.exists()


def test_files_that_are_not_checkpoints_raise(tmp_path):
    path = tmp_path / "other"
    for content in (
        b"",
        b"AUTOC",
        b"PK\x03\x04" + b"\0" * 40,
        b"#!/bin/sh\nrm -rf /\n",
        os.urandom(256),
        MAGIC + bytes([VERSION + 1]) + b"\0" * 16,
    ):
        path.write_bytes(content)
        with pytest.raises(RuntimeError, match="autocore.load"):
            autocore.load(path)
    with pytest.raises(FileNotFoundError):
        autocore.load(tmp_path / "missing.ac")


def model_and_copy():
    autocore.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    return model, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def assert_untouched(model, before):
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), before[key])


@pytest.mark.parametrize("change", ["shape", "dtype", "not a tensor", "missing key", "extra key"])
def test_a_state_dict_that_does_not_fit_raises_and_leaves_the_model_untouched(tmp_path, change):
    model, before = model_and_copy()
    state = {k: v.detach().clone() * 0 + 7 for k, v in model.state_dict().items()}  # every entry would change
    if change == "shape":
        state["2.weight"] = autocore.zeros(3, 4)
    elif change == "dtype":
        state["2.bias"] = autocore.tensor([1, 2])
    elif change == "not a tensor":
        state["0.bias"] = "0.5"
    elif change == "missing key":
        del state["2.bias"]
    else:
        state["3.weight"] = autocore.zeros(1)
    path = tmp_path / "other.ac"
    autocore.save(state, path)
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Sequential"):
        model.load_state_dict(autocore.load(path))
    assert_untouched(model, before)


def test_floating_dtypes_convert_on_load_as_in_pytorch():
    model, _ = model_and_copy()
    state = {k: v.detach().double() + 1 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    for key, value in model.state_dict().items():
        assert value.dtype == autocore.float32
        np.testing.assert_allclose(value.detach().numpy(), state[key].numpy(), rtol=1e-7)


def test_an_optimizer_state_of_another_model_raises_and_leaves_the_optimizer_untouched():
    model, _ = model_and_copy()
    opt = autocore.optim.Adam(model.parameters(), lr=0.1)
    model(autocore.randn(5, 3)).sum().backward()
    opt.step()
    kept = {
        id(p): {k: v.clone() if isinstance(v, autocore.Tensor) else v for k, v in s.items()}
        for p, s in opt.state.items()
    }
    other = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    other_opt = autocore.optim.Adam(other.parameters(), lr=0.5)
    other(autocore.randn(5, 3)).sum().backward()
    other_opt.step()
    for bad in (
        other_opt.state_dict(),
        {"state": [], "param_groups": []},
        "not a state dict",
        {"state": {99: {}}, "param_groups": opt.state_dict()["param_groups"]},
    ):
        with pytest.raises(ValueError, match="loaded state dict"):
            opt.load_state_dict(bad)
        assert opt.param_groups[0]["lr"] == 0.1
        for p, s in opt.state.items():
            for key, value in s.items():
                expected = kept[id(p)][key]
                if isinstance(value, autocore.Tensor):
                    np.testing.assert_array_equal(value.numpy(), expected.numpy())
                else:
                    assert value == expected


# A child saves a large checkpoint whose write stops halfway (it reports, then waits to be killed): the kill lands
# while the temporary file holds part of the data.
_HALF_WRITE = """
import os, sys, time
import autocore
real_fdopen = os.fdopen

class HalfWriter:
    def __init__(self, f):
        self.f = f
    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        print("half written", flush=True)
        time.sleep(60)
    def __getattr__(self, name):
        return getattr(self.f, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()

os.fdopen = lambda *a, **k: HalfWriter(real_fdopen(*a, **k))
autocore.save({"version": 2, "w": autocore.ones(1 << 20)}, sys.argv[1])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_save_killed_mid_write_leaves_the_previous_checkpoint_loadable(tmp_path):
    path = tmp_path / "model.ac"
    autocore.save({"version": 1, "w": autocore.zeros(1 << 20)}, path)
    child = subprocess.Popen([sys.executable, "-c", _HALF_WRITE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "half written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    leftovers = [p for p in tmp_path.iterdir() if p != path]
    assert leftovers and all(p.stat().st_size > 0 for p in leftovers)  # the kill did land mid-write
    loaded = autocore.load(path)
    assert loaded["version"] == 1 and not loaded["w"].numpy().any()
    autocore.save({"version": 3}, path)  # a leftover temporary file does not get in the way of the next save
    assert autocore.load(path) == {"version": 3}
