"""int32, the first of the narrow dtypes: it has no loops of its own; each op computes in int64 and casts back once,
which wraps as PyTorch's int32 arithmetic does. Checked against numpy's int32 (which wraps the same way) and
against PyTorch where installed: creation, numpy and DLPack interop, casts, arithmetic, type promotion,
reductions, indexing and the legacy names."""

import numpy as np
import pytest

import autocore

from conftest import torch_or_skip

I32 = np.iinfo(np.int32)


def test_the_dtype():
    assert autocore.int is autocore.int32 and repr(autocore.int32) == "autocore.int32"
    assert autocore.int32.itemsize == 4 and not autocore.int32.is_floating_point
    info = autocore.iinfo(autocore.int32)
    assert (info.bits, info.min, info.max, info.dtype) == (32, int(I32.min), int(I32.max), "int32")


def test_creation_and_numpy(tmp_path):
    x = autocore.tensor([[1, -2], [3, 4]], dtype=autocore.int32)
    assert x.dtype is autocore.int32 and x.numpy().dtype == np.int32
    np.testing.assert_array_equal(x.numpy(), [[1, -2], [3, 4]])
    array = np.arange(6, dtype=np.int32)
    assert autocore.tensor(array).dtype is autocore.int32  # numpy's int32 is kept, as in PyTorch
    shared = autocore.from_numpy(array)
    array[0] = 41
    assert shared[0].item() == 41 and isinstance(shared[0].item(), int)
    assert autocore.zeros(2, 3, dtype=autocore.int32).numpy().dtype == np.int32
    np.testing.assert_array_equal(autocore.full((2,), 7, dtype=autocore.int32).numpy(), [7, 7])
    assert "dtype=autocore.int32" in repr(x)
    autocore.save(x, tmp_path / "x.pt")
    loaded = autocore.load(tmp_path / "x.pt")
    assert loaded.dtype is autocore.int32 and loaded.tolist() == x.tolist()


@pytest.mark.parametrize("other", ["bool", "int64", "float32", "float64"])
def test_casts_both_ways(other):
    rng = np.random.default_rng(0)
    values = rng.integers(-(2**31), 2**31, 50, dtype=np.int64).astype(np.int32)
    x = autocore.tensor(values)
    np.testing.assert_array_equal(x.to(getattr(autocore, other)).numpy(), values.astype(other))
    if other == "bool":
        source = rng.random(20) < 0.5
    elif other == "int64":
        source = rng.integers(-(2**40), 2**40, 20)  # wraps into int32, as numpy's astype does
    else:
        source = rng.uniform(-1e9, 1e9, 20).astype(other)  # truncated toward zero
    np.testing.assert_array_equal(autocore.tensor(source).to(autocore.int32).numpy(), source.astype(np.int32))


def test_arithmetic_wraps_as_int32():
    a_np = np.array([I32.max, I32.min, -7, 5, 0], dtype=np.int32)
    b_np = np.array([1, -1, 3, -2, 9], dtype=np.int32)
    a, b = autocore.tensor(a_np), autocore.tensor(b_np)
    with np.errstate(over="ignore"):
        for got, expected in (
            (a + b, a_np + b_np),
            (a - b, a_np - b_np),
            (a * b, a_np * b_np),
            (a * 3, a_np * np.int32(3)),
            (-a, -a_np),
            (abs(b), np.abs(b_np)),
            (autocore.maximum(a, b), np.maximum(a_np, b_np)),
            (autocore.where(a > b, a, b), np.where(a_np > b_np, a_np, b_np)),
            (a.clamp(-5, 5), np.clip(a_np, -5, 5)),
        ):
            assert got.dtype is autocore.int32
            np.testing.assert_array_equal(got.numpy(), expected)
    assert (a / b).dtype is autocore.float32
    np.testing.assert_allclose((a / b).numpy(), (a_np / b_np).astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal((a < b).numpy(), a_np < b_np)
    x = autocore.zeros(3, dtype=autocore.int32)
    x += 2
    x *= autocore.tensor([1, 2, 3], dtype=autocore.int32)
    assert x.dtype is autocore.int32 and x.tolist() == [2, 4, 6]


# PyTorch's promotion over the five dtypes: a chain bool < int32 < int64 < float32 < float64, and a 0-d tensor or
# a Python number of the same kind as a dimensioned operand does not change its dtype.
PROMOTIONS = [
    ("int32", "int32", "int32"),
    ("int32", "bool", "int32"),
    ("int32", "int64", "int64"),
    ("int32", "float32", "float32"),
    ("int32", "float64", "float64"),
]


@pytest.mark.parametrize("a, b, expected", PROMOTIONS)
def test_promotion(a, b, expected):
    x = autocore.ones(2, dtype=getattr(autocore, a))
    y = autocore.ones(2, dtype=getattr(autocore, b))
    assert (x + y).dtype is getattr(autocore, expected) and (y + x).dtype is getattr(autocore, expected)
    i32 = autocore.ones(2, dtype=autocore.int32)
    assert (i32 + 5).dtype is autocore.int32 and (i32 + 2.5).dtype is autocore.float32
    assert (i32 + autocore.tensor(5)).dtype is autocore.int32  # a 0-d int64 keeps the dimensioned int32
    assert (autocore.tensor(5, dtype=autocore.int32) + autocore.ones(2, dtype=autocore.bool)).dtype is autocore.int32


def test_promotion_matches_pytorch():
    torch = torch_or_skip()
    names = ["bool", "int32", "int64", "float32", "float64"]
    for a in names:
        for b in names:
            for b_shape in ((2,), ()):
                x, y = autocore.ones(2, dtype=getattr(autocore, a)), autocore.ones(b_shape, dtype=getattr(autocore, b))
                tx, ty = torch.ones(2, dtype=getattr(torch, a)), torch.ones(b_shape, dtype=getattr(torch, b))
                assert str(torch.result_type(tx, ty)).split(".")[1] == (x * y).dtype.name, (a, b, b_shape)


def test_reductions():
    values = np.array([[3, -8, 5], [I32.max, 1, -2]], dtype=np.int32)
    x = autocore.tensor(values)
    assert x.sum().dtype is autocore.int64 and x.sum().item() == int(values.astype(np.int64).sum())
    np.testing.assert_array_equal(x.sum(1).numpy(), values.astype(np.int64).sum(1))
    assert x.max().dtype is autocore.int32 and x.max().item() == int(values.max())
    np.testing.assert_array_equal(x.amin(0).numpy(), values.min(0))
    assert x.amin(0).dtype is autocore.int32
    values_max, indices = x.max(1)
    np.testing.assert_array_equal(values_max.numpy(), values.max(1))
    np.testing.assert_array_equal(indices.numpy(), values.argmax(1))
    assert x.argmin().item() == int(values.argmin())
    with pytest.raises(RuntimeError):
        x.mean()


def test_a_counting_table():
    """The bigram counts of a character model: an int32 table, counted with advanced indices and accumulate."""
    rng = np.random.default_rng(1)
    first, second = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    N = autocore.zeros((5, 5), dtype=autocore.int32)
    N.index_put_((autocore.tensor(first), autocore.tensor(second)), autocore.ones(200, dtype=autocore.int32), True)
    expected = np.zeros((5, 5), np.int32)
    np.add.at(expected, (first, second), 1)
    np.testing.assert_array_equal(N.numpy(), expected)
    for i, j in zip(first[:20], second[:20]):
        N[i, j] += 1  # one element at a time, as a tutorial's loop does
    np.add.at(expected, (first[:20], second[:20]), 1)
    np.testing.assert_array_equal(N.numpy(), expected)
    P = N.float()
    P /= P.sum(1, keepdim=True)
    np.testing.assert_allclose(P.numpy(), expected / expected.sum(1, keepdims=True), rtol=1e-6)
    index = autocore.tensor([0, 2], dtype=autocore.int32)  # int32 indices select as int64 ones do
    np.testing.assert_array_equal(N[index].numpy(), expected[[0, 2]])
    with pytest.raises(RuntimeError, match="same dtypes but gotInt and Float"):  # PyTorch's text, space and all
        N.masked_scatter(N > 3, autocore.ones(25))
    counts = autocore.zeros(5, dtype=autocore.int32).scatter_add(0, autocore.tensor(first), autocore.ones(200).int())
    np.testing.assert_array_equal(counts.numpy(), np.bincount(first, minlength=5))


def test_legacy_names():
    x = autocore.IntTensor([1, 2, 3])
    assert x.dtype is autocore.int32 and isinstance(x, autocore.IntTensor) and x.type() == "torch.IntTensor"
    assert autocore.ones(2).int().dtype is autocore.int32
    assert autocore.ones(2).type("torch.IntTensor").dtype is autocore.int32


def test_pytorch_agrees():
    torch = torch_or_skip()
    rng = np.random.default_rng(2)
    a_np = rng.integers(-(2**31), 2**31, 30, dtype=np.int64).astype(np.int32)
    b_np = rng.integers(-1000, 1000, 30, dtype=np.int64).astype(np.int32)
    floats = rng.uniform(-4e9, 4e9, 30).astype(np.float32)
    for lib_results in zip(
        *(
            [
                (lib.tensor(a_np) * lib.tensor(b_np)).numpy(),
                (lib.tensor(a_np) - 7).numpy(),
                lib.tensor(a_np).sum().numpy(),
                lib.tensor(b_np).amax().numpy(),
                lib.tensor(floats[np.abs(floats) < 2**31]).to(lib.int32).numpy(),
            ]
            for lib in (autocore, torch)
        )
    ):
        assert lib_results[0].dtype == lib_results[1].dtype
        np.testing.assert_array_equal(*lib_results)
    ours = autocore.tensor(a_np)
    theirs = torch.from_dlpack(ours)
    assert theirs.dtype == torch.int32 and np.array_equal(theirs.numpy(), a_np)
    back = autocore.from_dlpack(torch.tensor(b_np))
    assert back.dtype is autocore.int32 and np.array_equal(back.numpy(), b_np)
