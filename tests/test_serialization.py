"""autocore.save / load: round trips of module and optimizer state, no code on load, atomic writes, and
clear errors for truncated or corrupted files."""

import os

import numpy as np
import pytest

import autocore
from autocore import nn


def train_steps(model, opt, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x, y = autocore.tensor(rng.normal(size=(8, 4))), autocore.tensor(rng.integers(0, 3, 8))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def make():
    autocore.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    return model, autocore.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9), amsgrad=True)


def test_checkpoint_resumes_training_exactly(tmp_path):
    straight_model, straight_opt = make()
    train_steps(straight_model, straight_opt, 10)
    model, opt = make()
    train_steps(model, opt, 5)
    path = tmp_path / "checkpoint.ac"
    autocore.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": 5,
            "note": "hi",
            "losses": [1.5, float("inf")],
            "shape": (2, 3),
            "nothing": None,
        },
        path,
    )
    saved = autocore.load(path)
    assert saved["epoch"] == 5 and saved["note"] == "hi" and saved["shape"] == (2, 3) and saved["nothing"] is None
    assert saved["losses"] == [1.5, float("inf")]
    assert list(saved["model"]) == list(model.state_dict())
    model2, opt2 = make()
    model2.load_state_dict(saved["model"])
    opt2.load_state_dict(saved["optimizer"])
    rng_state = np.random.default_rng(0)
    for _ in range(5):  # skip the batches already seen, then continue
        rng_state.normal(size=(8, 4)), rng_state.integers(0, 3, 8)
    for _ in range(5):
        x, y = autocore.tensor(rng_state.normal(size=(8, 4))), autocore.tensor(rng_state.integers(0, 3, 8))
        opt2.zero_grad()
        nn.functional.cross_entropy(model2(x), y).backward()
        opt2.step()
    for a, b in zip(model2.parameters(), straight_model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_tensors_keep_dtype_shape_and_values(tmp_path):
    values = {
        "f": autocore.randn(3, 4),
        "d": autocore.randn(2, dtype=autocore.float64),
        "i": autocore.arange(5),
        "b": autocore.tensor([True, False]),
        "scalar": autocore.tensor(2.5),
        "empty": autocore.zeros(0, 3),
        "view": autocore.arange(12).reshape(3, 4).T,
    }
    path = tmp_path / "t.ac"
    autocore.save(values, path)
    loaded = autocore.load(path)
    for key, t in values.items():
        assert loaded[key].dtype == t.dtype and loaded[key].shape == t.shape
        np.testing.assert_array_equal(loaded[key].numpy(), t.numpy())


def test_truncated_and_corrupted_files_raise_clear_errors(tmp_path):
    path = tmp_path / "c.ac"
    autocore.save({"w": autocore.randn(100)}, path)
    blob = path.read_bytes()
    path.write_bytes(blob[:-10])
    with pytest.raises(RuntimeError, match="truncated"):
        autocore.load(path)
    corrupted = bytearray(blob)
    corrupted[-20] ^= 0xFF
    path.write_bytes(bytes(corrupted))
    with pytest.raises(RuntimeError, match="corrupted"):
        autocore.load(path)
    path.write_bytes(b"\x80\x04K\x01.")  # a pickle: refused, never executed
    with pytest.raises(RuntimeError, match="not an autocore checkpoint"):
        autocore.load(path)
    with pytest.raises(TypeError, match="can store"):
        autocore.save({"f": lambda: 1}, tmp_path / "x.ac")


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "keep.ac"
    autocore.save({"version": 1}, path)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        autocore.save({"version": 2, "big": autocore.randn(1000)}, path)
    assert autocore.load(path) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["keep.ac"]  # no temporary file left behind


def test_load_places_tensors_where_saved_or_at_map_location(tmp_path):
    path = str(tmp_path / "placed.ac")
    autocore.save({"w": autocore.arange(3.0)}, path)
    assert autocore.load(path)["w"].device == "cpu"
    assert autocore.load(path, map_location="cpu")["w"].device == "cpu"
    with pytest.raises(TypeError, match="map_location"):
        autocore.load(path, map_location=3.5)
    if not autocore.cuda.is_available():
        with pytest.raises(RuntimeError):
            autocore.load(path, map_location="cuda")
