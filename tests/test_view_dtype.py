"""x.view(dtype): the same bytes read as another dtype, a view sharing memory, with PyTorch's rules when the sizes
differ (the last dim, which must be dense, is split or merged). Values come from numpy's ndarray.view."""

import numpy as np
import pytest

import autocore as ac

from conftest import torch_or_skip

NUMPY_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def layouts(x):
    """A dense tensor, a row slice and a column-sliced block whose last dim stays dense (offsets a multiple of 8
    elements, which every merge of sizes allows)."""
    return [x, x[1:], x[::2, 8:]]


@pytest.mark.parametrize("dst", NUMPY_DTYPES)
@pytest.mark.parametrize("src", NUMPY_DTYPES)
def test_view_matches_numpy(src, dst):
    data = np.random.default_rng(0).integers(0, 256, (6, 16 * 8), dtype=np.uint8)
    if src == "bool" or dst == "bool":
        data &= 1  # a bool byte holds 0 or 1
    base_np = data.view(src)
    base = ac.tensor(base_np)
    for x, x_np in zip(layouts(base), layouts(base_np)):
        x_np = x_np[:, : x_np.shape[1] - x_np.shape[1] % 8]
        x = x[:, : x_np.shape[1]]
        view = x.view(getattr(ac, dst))
        assert view.dtype is getattr(ac, dst) and view.data_ptr() == x.data_ptr()
        np.testing.assert_array_equal(view.numpy(), x_np.view(dst))


def test_a_view_shares_memory_and_its_version():
    x = ac.zeros(2, 4)
    bits = x.view(ac.int32)
    bits[0, 1] = 0x3F800000  # 1.0's bits
    assert x[0, 1].item() == 1.0
    halves = x.view(dtype=ac.float16)
    assert halves.shape == (2, 8)
    y = ac.ones(4, requires_grad=True)
    z = y * 1
    w = z * z
    z.view(ac.int32).add_(1)  # a write through the view makes z stale for w's backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_not_differentiable():
    x = ac.ones(4, requires_grad=True)
    for dtype in (ac.float32, ac.int32, ac.float16):
        view = x.view(dtype)
        assert not view.requires_grad and view.grad_fn is None


@pytest.mark.parametrize(
    "make, dtype, message",
    [
        (
            lambda: ac.tensor(1.0),
            ac.float16,
            r"self.dim\(\) cannot be 0 to view Float as Half \(different element sizes\)",
        ),
        (lambda: ac.zeros(3, 4).t(), ac.int8, r"self.stride\(-1\) must be 1 to view Float as Char .* but got 4"),
        (lambda: ac.zeros(3), ac.int64, r"self.size\(-1\) must be divisible by 2 to view Float as Long .* but got 3"),
        (lambda: ac.zeros(3, 5)[:, :4], ac.float64, r"self.stride\(0\) must be divisible by 2 .* but got 5"),
        (lambda: ac.zeros(9)[1:5], ac.int64, r"self.storage_offset\(\) must be divisible by 2 .* but got 1"),
        (lambda: ac.zeros(2, 8)[:, ::2], ac.float64, r"self.stride\(-1\) must be 1 to view Float as Double"),
    ],
)
def test_bad_views(make, dtype, message):
    with pytest.raises(RuntimeError, match=message):
        make().view(dtype)


def test_views_and_errors_match_pytorch():
    torch = torch_or_skip()
    for shape, index in [((3, 4), ()), ((4, 4), "t"), ((9,), slice(1, 5)), ((3, 5), (slice(None), slice(4)))]:
        for dtype in ("int8", "float16", "int32", "float64", "bfloat16"):
            results = []
            for lib in (ac, torch):
                x = lib.arange(int(np.prod(shape)), dtype=lib.float32).reshape(shape)
                x = x.t() if index == "t" else x[index]
                try:
                    results.append(x.view(getattr(lib, dtype)).float().tolist())
                except RuntimeError as error:
                    results.append(str(error).split("\n")[0])
            assert results[0] == results[1], (shape, index, dtype)
