"""Scatter, index and mask ops: scatter (src, value, reduce=), scatter_add, scatter_reduce, index_add, index_copy,
index_fill, index_select, masked_fill, masked_scatter, masked_select, where(condition), x[mask] and x[mask] = value.
Values against numpy references written here (random shapes with size-0/1 dims, 0-d, negative dims, repeated
indices, strided layouts, four dtypes), PyTorch's documentation examples, in-place variants, gradients by central
finite differences, PyTorch's exception types and messages, and parity with PyTorch where it is installed."""

import os
import re

import numpy as np
import pytest

import autocore

from conftest import DEVICES, numeric_grad, torch_or_skip

# The library under test. AUTOCORE_TEST_AGAINST_TORCH=1 makes it PyTorch itself: a self-check of this file, proving
# that its numpy references, expected exception types and message fragments are PyTorch's (the parity tests then
# compare PyTorch with itself, which is fine). Every test passes in that mode.
AGAINST_TORCH = os.environ.get("AUTOCORE_TEST_AGAINST_TORCH") == "1"
if AGAINST_TORCH:
    import torch as lib
else:
    lib = autocore

DTYPES = ["float32", "float64", "int64", "bool"]
LAYOUTS = ["contiguous", "transposed", "stepped"]
REDUCES = ["sum", "prod", "mean", "amax", "amin"]
GAP = 7  # what fills the gaps of a stepped view: an op on the view must leave them alone

# PyTorch warns that scatter's reduce= with a tensor src is deprecated; the behaviour is still its documented one.
pytestmark = pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter:UserWarning")


# ---------------------------------------------------------------------------------------------------------------
# Building tensors and checking results


def values(rng, shape, dtype, low=-3, high=4):
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype == "int64":
        return np.asarray(rng.integers(low, high, size=shape, dtype=np.int64))
    return np.asarray(rng.uniform(low, high, size=shape)).astype(dtype)


def based(a, layout="contiguous", device="cpu"):
    """(view, base): a lib tensor `view` holding numpy array `a`, laid out as asked, and the tensor whose storage it
    views. transposed: a permutation of the reversed-dims array; stepped: every other element of a wider tensor
    along the last dim, its gaps filled with GAP."""
    a = np.asarray(a)
    if layout == "transposed" and a.ndim >= 2:
        reverse = tuple(reversed(range(a.ndim)))
        base = lib.tensor(np.ascontiguousarray(a.transpose(reverse)), device=device)
        return base.permute(*reverse), base
    if layout == "stepped" and a.ndim >= 1:
        wide = np.full(a.shape[:-1] + (2 * a.shape[-1],), GAP, a.dtype)
        wide[..., ::2] = a
        base = lib.tensor(wide, device=device)
        return base[..., ::2], base
    t = lib.tensor(a, device=device)
    return t, t


def make(a, layout="contiguous", device="cpu"):
    return based(a, layout, device)[0]


def check_gaps(base, layout):
    """A stepped view's gaps still hold GAP (an op on the view wrote only through the view)."""
    if layout == "stepped" and base.dim() >= 1:
        gaps = base.detach().cpu().numpy()[..., 1::2]
        np.testing.assert_array_equal(gaps, np.full_like(gaps, GAP))


def check(out, want):
    """`out` is a lib tensor with `want`'s dtype, shape and values (to rounding for floats)."""
    want = np.asarray(want)
    assert isinstance(out, lib.Tensor), type(out)
    assert out.dtype == getattr(lib, want.dtype.name), (out.dtype, want.dtype)
    assert tuple(out.shape) == want.shape, (tuple(out.shape), want.shape)
    got = out.detach().cpu().numpy()
    if want.dtype.kind == "f":
        tol = 2e-5 if want.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=2.5 * tol)
    else:
        np.testing.assert_array_equal(got, want)


def number(dtype):
    return {"float32": 2.5, "float64": -1.25, "int64": 7, "bool": True}[dtype]


# ---------------------------------------------------------------------------------------------------------------
# numpy references, from each op's definition in PyTorch's documentation


def targets(index, dim):
    """Each index element's position p and the self position it names: p with p[dim] replaced by index[p]."""
    for p in np.ndindex(*index.shape):
        q = list(p)
        q[dim] = index[p]
        yield p, tuple(q)


def reduce_ref(vals, reduce, dtype):
    """One target's reduction; bool sums and maxima are `any`, products and minima `all`; an integer mean floors."""
    vals = np.array(vals)
    if dtype.kind == "f":
        vals = vals.astype(np.float64)
    if reduce == "replace":
        assert len(vals) == 1, "scatter without reduce is tested on unique indices only"
        result = vals[0]
    elif reduce == "sum":
        result = vals.sum()
    elif reduce == "prod":
        result = np.prod(vals.astype(np.int64) if dtype.kind == "b" else vals)
    elif reduce == "mean":
        result = vals.sum() / len(vals) if dtype.kind == "f" else np.floor_divide(vals.sum(), len(vals))
    elif reduce == "amax":
        result = vals.max()
    else:
        result = vals.min()
    return np.asarray(result).astype(dtype)


def scatter_reduce_ref(self, dim, index, src, reduce, include_self=True):
    """Each self element that index names becomes the reduction of the src values scattered onto it (and of itself
    when include_self); the rest are copied. A 0-d self, index and src act as shape (1,)."""
    self1, index1, src1 = (np.atleast_1d(a) for a in (self, index, src))
    dim = dim % self1.ndim
    groups = {}
    for p, q in targets(index1, dim):
        groups.setdefault(q, []).append(src1[p])
    out = self1.copy()
    for q, vals in groups.items():
        out[q] = reduce_ref(([self1[q]] if include_self else []) + vals, reduce, self.dtype)
    return out.reshape(self.shape)


def scatter_ref(self, dim, index, src, reduce=None):
    mode = {None: "replace", "add": "sum", "multiply": "prod"}[reduce]
    return scatter_reduce_ref(self, dim, index, src, mode, include_self=reduce is not None)


def along(dim, k, ndim):
    """The numpy index of position(s) k along dim."""
    return (slice(None),) * (dim % ndim) + (k,)


def index_add_ref(self, dim, index, source, alpha=1):
    self1, source1 = np.atleast_1d(self), np.atleast_1d(source)
    acc = self1.astype(np.float64 if self.dtype.kind == "f" else np.int64)
    for i, k in enumerate(np.atleast_1d(index)):
        acc[along(dim, k, acc.ndim)] += alpha * source1[along(dim, i, acc.ndim)]
    return acc.astype(self.dtype).reshape(self.shape)


def index_copy_ref(self, dim, index, source):
    out = np.atleast_1d(self).copy()
    out[along(dim, np.atleast_1d(index), out.ndim)] = np.atleast_1d(source)
    return out.reshape(self.shape)


def index_fill_ref(self, dim, index, value):
    out = np.atleast_1d(self).copy()
    out[along(dim, np.atleast_1d(index), out.ndim)] = value  # negative indices count from the end, as in numpy
    return out.reshape(self.shape)


def masked_scatter_ref(self, mask, source):
    """self's elements where mask is True, taken in row-major order, become source's first elements in turn."""
    self_b, mask_b = np.broadcast_arrays(self, mask)
    out = self_b.copy()
    out[mask_b] = np.asarray(source).reshape(-1)[: int(mask_b.sum())]
    return out


def masked_select_ref(self, mask):
    self_b, mask_b = np.broadcast_arrays(self, mask)
    return self_b[mask_b]


# ---------------------------------------------------------------------------------------------------------------
# Random cases

SIZES, SIZE_WEIGHTS = [0, 1, 2, 3, 4, 5], [0.06, 0.16, 0.26, 0.26, 0.16, 0.10]


def size(rng):
    return int(rng.choice(SIZES, p=SIZE_WEIGHTS))


def scatter_case(rng, dtype, unique):
    """(self, dim, index, src) for scatter-like ops: index no larger than self off dim nor than src anywhere (both
    often strictly smaller), values in range; with `unique` no two index elements name the same self element."""
    ndim = int(rng.integers(0, 4))
    if ndim == 0:
        return values(rng, (), dtype), int(rng.choice([0, -1])), np.array(0), values(rng, (), dtype)
    self_shape = [size(rng) for _ in range(ndim)]
    dim = int(rng.integers(-ndim, ndim))
    d = dim % ndim
    index_shape = [s if rng.random() < 0.6 else int(rng.integers(0, s + 1)) for s in self_shape]
    if self_shape[d] == 0:
        index_shape[d] = 0
    elif unique:
        index_shape[d] = int(rng.integers(0, self_shape[d] + 1))
    else:
        index_shape[d] = int(rng.integers(0, 7))  # may well exceed self's size: repeats
    src_shape = [s + int(rng.integers(0, 2)) for s in index_shape]
    columns = np.moveaxis(np.zeros(index_shape, np.int64), d, -1)
    for c in np.ndindex(*columns.shape[:-1]):
        if unique:
            columns[c] = rng.permutation(self_shape[d])[: index_shape[d]]
        elif index_shape[d]:
            columns[c] = rng.integers(0, self_shape[d], size=index_shape[d])
    index = np.ascontiguousarray(np.moveaxis(columns, -1, d))
    return values(rng, tuple(self_shape), dtype), dim, index, values(rng, tuple(src_shape), dtype)


def index_case(rng, dtype, unique, negative=False):
    """(self, dim, index, source) for index_* ops: a 1-d index of self positions along dim, source shaped like self
    with index's length along dim. A 0-d self takes index [0] (or 0-d 0) and a 0-d source."""
    ndim = int(rng.integers(0, 4))
    if ndim == 0:
        return (
            values(rng, (), dtype),
            int(rng.choice([0, -1])),
            np.array([0] if rng.random() < 0.5 else 0),
            values(rng, (), dtype),
        )
    self_shape = [size(rng) for _ in range(ndim)]
    dim = int(rng.integers(-ndim, ndim))
    n_self = self_shape[dim]
    if unique:
        index = rng.permutation(n_self)[: int(rng.integers(0, n_self + 1))]
    else:
        index = rng.integers(-n_self if negative else 0, n_self, size=int(rng.integers(0, 7)) if n_self else 0)
    source_shape = list(self_shape)
    source_shape[dim] = len(index)
    return values(rng, tuple(self_shape), dtype), dim, index.astype(np.int64), values(rng, tuple(source_shape), dtype)


def mask_case(rng, dtype, self_may_broadcast=False):
    """(self, mask): mask broadcastable to self (dims dropped from the front or set to 1), or with
    self_may_broadcast, each broadcastable to a common shape."""
    ndim = int(rng.integers(0, 4))
    shape = [size(rng) for _ in range(ndim)]

    def shrink(full):
        lead = int(rng.integers(0, len(full) + 1)) if rng.random() < 0.3 else 0
        return tuple(1 if rng.random() < 0.25 else s for s in full[lead:])

    self_shape = shrink(shape) if self_may_broadcast else tuple(shape)
    return values(rng, self_shape, dtype), rng.random(shrink(shape)) > 0.5


# ---------------------------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_scatter_values(seed, dtype, device):
    rng = np.random.default_rng(seed)
    for layout in LAYOUTS:
        a, dim, index, src = scatter_case(rng, dtype, unique=True)
        x, i, s = make(a, layout, device), make(index, layout, device), make(src, layout, device)
        check(lib.scatter(x, dim, i, s), scatter_ref(a, dim, index, src))
        check(x.scatter(dim, i, number(dtype)), scatter_ref(a, dim, index, np.full(index.shape, number(dtype))))
        check(x, a)  # the out-of-place forms leave self alone


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(6))
def test_scatter_with_reduce_values(seed, dtype, device):
    rng = np.random.default_rng(100 + seed)
    for layout, reduce in zip(LAYOUTS, ["add", "multiply", "add"]):
        a, dim, index, src = scatter_case(rng, dtype, unique=False)
        x, i, s = make(a, layout, device), make(index, layout, device), make(src, layout, device)
        check(x.scatter(dim, i, s, reduce=reduce), scatter_ref(a, dim, index, src, reduce))
        full = np.full(index.shape, number(dtype))
        check(lib.scatter(x, dim, i, number(dtype), reduce=reduce), scatter_ref(a, dim, index, full, reduce))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_scatter_add_values(seed, dtype, device):
    rng = np.random.default_rng(200 + seed)
    for layout in LAYOUTS:
        a, dim, index, src = scatter_case(rng, dtype, unique=False)
        x, i, s = make(a, layout, device), make(index, layout, device), make(src, layout, device)
        want = scatter_reduce_ref(a, dim, index, src, "sum")
        check(lib.scatter_add(x, dim, i, s), want)
        check(x.scatter_add(dim, i, s), want)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype, reduce", [(d, r) for d in DTYPES for r in REDUCES if (d, r) != ("bool", "mean")])
@pytest.mark.parametrize("seed", range(5))
def test_scatter_reduce_values(seed, dtype, reduce, device):
    # PyTorch has no bool mean: test_errors_match_pytorchs checks its NotImplementedError
    rng = np.random.default_rng(300 + seed)
    for layout in LAYOUTS:
        for include_self in (True, False):
            a, dim, index, src = scatter_case(rng, dtype, unique=False)
            x, i, s = make(a, layout, device), make(index, layout, device), make(src, layout, device)
            want = scatter_reduce_ref(a, dim, index, src, reduce, include_self)
            check(lib.scatter_reduce(x, dim, i, s, reduce, include_self=include_self), want)
            check(x.scatter_reduce(dim, i, s, reduce=reduce, include_self=include_self), want)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_index_add_values(seed, dtype, device):
    rng = np.random.default_rng(400 + seed)
    alpha = {"float32": 0.5, "float64": -1.5, "int64": 3, "bool": True}[dtype]
    for layout in LAYOUTS:
        a, dim, index, source = index_case(rng, dtype, unique=False)
        x, i, s = make(a, layout, device), make(index, layout, device), make(source, layout, device)
        check(lib.index_add(x, dim, i, s), index_add_ref(a, dim, index, source))
        check(x.index_add(dim, i, s, alpha=alpha), index_add_ref(a, dim, index, source, alpha))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_index_copy_values(seed, dtype, device):
    rng = np.random.default_rng(500 + seed)
    for layout in LAYOUTS:
        a, dim, index, source = index_case(rng, dtype, unique=True)
        x, i, s = make(a, layout, device), make(index, layout, device), make(source, layout, device)
        want = index_copy_ref(a, dim, index, source)
        check(lib.index_copy(x, dim, i, s), want)
        check(x.index_copy(dim, i, s), want)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_index_fill_and_index_select_values(seed, dtype, device):
    rng = np.random.default_rng(600 + seed)
    for layout in LAYOUTS:
        a, dim, index, _ = index_case(rng, dtype, unique=False, negative=True)  # index_fill counts -1 from the end
        x, i = make(a, layout, device), make(index, layout, device)
        value = number(dtype)
        check(lib.index_fill(x, dim, i, value), index_fill_ref(a, dim, index, value))
        zero_d = values(rng, (), dtype)
        check(x.index_fill(dim, i, lib.tensor(zero_d, device=device)), index_fill_ref(a, dim, index, zero_d))
        a, dim, index, _ = index_case(rng, dtype, unique=False)  # index_select refuses negative indices
        x, i = make(a, layout, device), make(index, layout, device)
        want = np.take(a, index, axis=dim) if a.ndim else a.copy()
        check(lib.index_select(x, dim, i), want)
        check(x.index_select(dim, i), want)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_masked_ops_values(seed, dtype, device):
    rng = np.random.default_rng(700 + seed)
    for layout in LAYOUTS:
        # out of place, self broadcasts too: the result takes the common shape
        a, mask = mask_case(rng, dtype, self_may_broadcast=True)
        x, m = make(a, layout, device), make(mask, layout, device)
        value = number(dtype)
        check(lib.masked_fill(x, m, value), np.where(mask, value, a))
        zero_d = values(rng, (), dtype)
        check(x.masked_fill(m, lib.tensor(zero_d, device=device)), np.where(mask, zero_d, a))
        check(lib.masked_select(x, m), masked_select_ref(a, mask))
        check(x.masked_select(m), masked_select_ref(a, mask))
        count = int(np.broadcast_arrays(a, mask)[1].sum())
        source = values(rng, (count + int(rng.integers(0, 3)),), dtype)
        if source.size % 2 == 0 and rng.random() < 0.5:
            source = source.reshape(2, -1)  # only the number of source's elements matters
        s = make(source, layout, device)
        check(lib.masked_scatter(x, m, s), masked_scatter_ref(a, mask, source))
        check(x.masked_scatter(m, s), masked_scatter_ref(a, mask, source))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(4))
def test_where_with_one_argument_values(seed, dtype):
    rng = np.random.default_rng(800 + seed)
    for layout in LAYOUTS:
        ndim = int(rng.integers(0, 4))
        a = values(rng, tuple(size(rng) for _ in range(ndim)), dtype, low=-1, high=2)
        a = np.where(rng.random(a.shape) < 0.4, np.zeros((), a.dtype), a)  # many zeros, whatever the dtype
        out = lib.where(make(a, layout))
        want = np.nonzero(np.atleast_1d(a))  # a 0-d condition gives one index tensor, as nonzero(as_tuple=True)
        assert isinstance(out, tuple) and len(out) == len(want)
        for got, expected in zip(out, want):
            check(got, expected.astype(np.int64))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(6))
def test_mask_getitem_and_setitem_values(seed, dtype, device):
    rng = np.random.default_rng(900 + seed)
    for layout in LAYOUTS:
        ndim = int(rng.integers(0, 4))
        a = values(rng, tuple(size(rng) for _ in range(ndim)), dtype)
        lead = int(rng.integers(0, ndim + 1)) if rng.random() < 0.5 else ndim  # a mask over the leading dims
        mask = rng.random(a.shape[:lead]) > 0.4
        x, m = make(a, layout, device), make(mask, "contiguous", device)
        check(x[m], a[mask])
        selection = a[mask].shape
        kinds = {
            "number": number(dtype),
            "0-d tensor": values(rng, (), dtype),
            "one element": values(rng, (1,), dtype),
            "row": values(rng, selection[1:], dtype),
            "whole selection": values(rng, selection, dtype),
        }
        for kind, value in kinds.items():
            x, base = based(a, layout, device)
            want = a.copy()
            want[mask] = value
            x[m] = lib.tensor(value, device=device) if isinstance(value, np.ndarray) else value
            check(x, want)
            check_gaps(base, layout)


def test_documentation_examples():
    # PyTorch's documentation examples, with the results it prints.
    src = lib.arange(1, 11).reshape((2, 5))
    out = lib.zeros(3, 5, dtype=src.dtype).scatter_(0, lib.tensor([[0, 1, 2, 0]]), src)
    check(out, np.array([[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]]))
    out = lib.zeros(3, 5, dtype=src.dtype).scatter_(1, lib.tensor([[0, 1, 2], [0, 1, 4]]), src)
    check(out, np.array([[1, 2, 3, 0, 0], [6, 7, 0, 0, 8], [0, 0, 0, 0, 0]]))
    out = lib.full((2, 4), 2.0).scatter_(1, lib.tensor([[2], [3]]), 1.23, reduce="multiply")
    check(out, np.array([[2, 2, 2.46, 2], [2, 2, 2, 2.46]], np.float32))
    out = lib.full((2, 4), 2.0).scatter_(1, lib.tensor([[2], [3]]), 1.23, reduce="add")
    check(out, np.array([[2, 2, 3.23, 2], [2, 2, 2, 3.23]], np.float32))

    src, index = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), lib.tensor([0, 1, 0, 1, 2, 1])
    x = lib.tensor([1.0, 2.0, 3.0, 4.0])
    check(x.scatter_reduce(0, index, src, reduce="sum"), np.array([5, 14, 8, 4], np.float32))
    check(x.scatter_reduce(0, index, src, reduce="sum", include_self=False), np.array([4, 12, 5, 4], np.float32))
    x = lib.tensor([5.0, 4.0, 3.0, 2.0])
    check(x.scatter_reduce(0, index, src, reduce="amax"), np.array([5, 6, 5, 2], np.float32))
    check(x.scatter_reduce(0, index, src, reduce="amax", include_self=False), np.array([3, 6, 5, 2], np.float32))

    t = lib.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=lib.float32)
    index = lib.tensor([0, 4, 2])
    x = lib.ones(5, 3)
    check(x.index_add_(0, index, t), np.array([[2, 3, 4], [1, 1, 1], [8, 9, 10], [1, 1, 1], [5, 6, 7]], np.float32))
    check(x.index_add_(0, index, t, alpha=-1), np.ones((5, 3), np.float32))
    out = lib.zeros(5, 3).index_copy_(0, index, t)
    check(out, np.array([[1, 2, 3], [0, 0, 0], [7, 8, 9], [0, 0, 0], [4, 5, 6]], np.float32))
    out = t.clone().index_fill_(1, lib.tensor([0, 2]), -1)
    check(out, np.array([[-1, 2, -1], [-1, 5, -1], [-1, 8, -1]], np.float32))

    mask = lib.tensor([[0, 0, 0, 1, 1], [1, 1, 0, 1, 1]], dtype=lib.bool)
    out = lib.tensor([0, 0, 0, 0, 0]).masked_scatter(mask, lib.tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]))
    check(out, np.array([[0, 0, 0, 0, 1], [2, 3, 0, 4, 5]]))


def test_pytorch_rules_at_the_edges():
    # Integer means floor (PyTorch divides with rounding_mode="floor"); bool sum/amax are `or`, prod/amin `and`.
    ints = lib.tensor([0, 0, 5]).scatter_reduce(0, lib.tensor([0, 0, 1, 1]), lib.tensor([-1, -2, 1, 2]), "mean")
    check(ints, np.array([-1, 1, 5]))  # (0-1-2)/3 = -1, (0+1+2)/3 = 1
    ints = lib.tensor([0, 0]).scatter_reduce(0, lib.tensor([0, 0]), lib.tensor([-1, -2]), "mean", include_self=False)
    check(ints, np.array([-2, 0]))  # -3/2 floors to -2
    flags, index, src = lib.tensor([True, False, False]), lib.tensor([0, 1, 1]), lib.tensor([True, True, False])
    check(flags.scatter_reduce(0, index, src, "sum"), np.array([True, True, False]))
    check(flags.scatter_reduce(0, index, src, "prod"), np.array([True, False, False]))
    check(flags.scatter_reduce(0, index, src, "amax", include_self=False), np.array([True, True, False]))
    check(flags.scatter_reduce(0, index, src, "amin", include_self=False), np.array([True, False, False]))
    # A 0-d index is one index for index_select, index_add and index_fill.
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    check(lib.index_select(x, 0, lib.tensor(1)), np.array([[3.0, 4.0]], np.float32))
    check(x.index_add(0, lib.tensor(2), lib.ones(1, 2)), np.array([[1, 2], [3, 4], [6, 7]], np.float32))
    check(x.index_fill(1, lib.tensor(0), 0.0), np.array([[0, 2], [0, 4], [0, 6]], np.float32))
    # Out of place, masked_fill and masked_scatter broadcast self with the mask; in place, self keeps its shape.
    row = lib.tensor([1.0, 2.0])
    check(row.masked_fill(lib.tensor([[True], [False]]), 0.0), np.array([[0, 0], [1, 2]], np.float32))
    check(row.masked_scatter(lib.tensor([[False], [True]]), lib.tensor([8.0, 9.0])), np.array([[1, 2], [8, 9]], "f4"))
    # A value is converted to self's dtype: a float64 0-d tensor into float32, a float into int64 (truncating).
    check(x.masked_fill(x > 3, lib.tensor(0.5, dtype=lib.float64)), np.array([[1, 2], [3, 0.5], [0.5, 0.5]], "f4"))
    check(lib.zeros(3, dtype=lib.int64).index_fill(0, lib.tensor([1]), 2.7), np.array([0, 2, 0]))
    check(lib.zeros(3, dtype=lib.int64).masked_fill(lib.tensor([True, False, True]), 2.7), np.array([2, 0, 2]))
    y = x.clone()
    y[lib.tensor([True, False, True])] = lib.tensor(-1.5, dtype=lib.float64)  # a 0-d value of another dtype: fine
    check(y, np.array([[-1.5, -1.5], [3, 4], [-1.5, -1.5]], np.float32))
    # An empty index changes nothing; 0-d tensors take part as size-1 tensors.
    check(x.scatter_add(0, lib.zeros(0, 2, dtype=lib.int64), lib.ones(0, 2)), x.numpy())
    check(lib.tensor(1.0).scatter_reduce(0, lib.tensor([0, 0]), lib.tensor([2.0, 4.0]), "mean"), np.float32(7 / 3))
    check(lib.tensor(3.0)[lib.tensor(True)], np.array([3.0], np.float32))
    check(lib.masked_select(lib.tensor(3.0), lib.tensor(True)), np.array([3.0], np.float32))
    check(lib.where(lib.tensor(0.0))[0], np.zeros(0, np.int64))


def test_keyword_arguments_and_everyday_idioms():
    # The parameter names are PyTorch's: programs pass them by keyword.
    x, index = lib.zeros(2, 3), lib.tensor([[2], [0]])
    want = np.array([[0, 0, 1.5], [1.5, 0, 0]], np.float32)
    check(x.scatter(dim=1, index=index, src=lib.full((2, 1), 1.5)), want)
    check(lib.scatter(x, 1, index, value=1.5), want)
    check(lib.scatter_add(x, dim=1, index=index, src=lib.full((2, 1), 1.5)), want)
    check(x.scatter_reduce(1, index, lib.full((2, 1), 1.5), reduce="amax", include_self=True), want)
    check(x.index_add(1, lib.tensor([2]), source=lib.ones(2, 1), alpha=1.5), np.array([[0, 0, 1.5]] * 2, "f4"))
    check(x.index_copy(dim=0, index=lib.tensor([1]), source=lib.ones(1, 3)), np.array([[0, 0, 0], [1, 1, 1]], "f4"))
    check(x.index_fill(dim=1, index=lib.tensor([0]), value=2.0), np.array([[2, 0, 0]] * 2, "f4"))
    check(x.masked_fill(mask=lib.tensor([True, False, False]), value=3.0), np.array([[3, 0, 0]] * 2, "f4"))
    check(lib.index_select(x + 1, dim=0, index=lib.tensor([1])), np.ones((1, 3), np.float32))
    # One-hot targets from labels, an integer value into a float tensor, in place.
    labels = lib.tensor([2, 0, 1])
    one_hot = lib.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1)
    check(one_hot, np.eye(4, dtype=np.float32)[[2, 0, 1]])
    # Per-class sums and counts, as in a segment mean.
    features, classes = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), lib.tensor([1, 0, 1])
    sums = lib.zeros(2, 2).index_add_(0, classes, features)
    counts = lib.zeros(2).scatter_add_(0, classes, lib.ones(3))
    check(sums / counts.unsqueeze(1), np.array([[3, 4], [3, 4]], np.float32))


# ---------------------------------------------------------------------------------------------------------------
# In-place variants

IN_PLACE = {
    # name: (call on a (3, 4) float64 tensor x, the numpy result for array a)
    "scatter_": (
        lambda L, x: x.scatter_(
            1, L.tensor([[3, 0], [1, 2], [0, 3]]), L.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=L.float64)
        ),
        lambda a: scatter_ref(a, 1, np.array([[3, 0], [1, 2], [0, 3]]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
    ),
    "scatter_ value": (
        lambda L, x: x.scatter_(0, L.tensor([[2, 0, 1]]), 9.0),
        lambda a: scatter_ref(a, 0, np.array([[2, 0, 1]]), np.full((1, 3), 9.0)),
    ),
    "scatter_ reduce": (
        lambda L, x: x.scatter_(
            -1, L.tensor([[1, 1], [0, 3], [2, 2]]), L.full((3, 2), 1.5, dtype=L.float64), reduce="multiply"
        ),
        lambda a: scatter_ref(a, -1, np.array([[1, 1], [0, 3], [2, 2]]), np.full((3, 2), 1.5), "multiply"),
    ),
    "scatter_add_": (
        lambda L, x: x.scatter_add_(0, L.tensor([[2, 2, 0, 1], [2, 0, 0, 1]]), L.ones(2, 4, dtype=L.float64)),
        lambda a: scatter_reduce_ref(a, 0, np.array([[2, 2, 0, 1], [2, 0, 0, 1]]), np.ones((2, 4)), "sum"),
    ),
    "scatter_reduce_": (
        lambda L, x: x.scatter_reduce_(
            1, L.tensor([[0, 0, 2]]), L.tensor([[5.0, -5.0, 0.5]], dtype=L.float64), "amax", include_self=False
        ),
        lambda a: scatter_reduce_ref(a, 1, np.array([[0, 0, 2]]), np.array([[5.0, -5.0, 0.5]]), "amax", False),
    ),
    "index_add_": (
        lambda L, x: x.index_add_(1, L.tensor([3, 0, 3]), L.ones(3, 3, dtype=L.float64), alpha=2),
        lambda a: index_add_ref(a, 1, np.array([3, 0, 3]), np.ones((3, 3)), 2),
    ),
    "index_copy_": (
        lambda L, x: x.index_copy_(0, L.tensor([2, 0]), L.tensor([[1.0, 2, 3, 4], [5, 6, 7, 8]], dtype=L.float64)),
        lambda a: index_copy_ref(a, 0, np.array([2, 0]), np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])),
    ),
    "index_fill_": (
        lambda L, x: x.index_fill_(1, L.tensor([1, -1]), L.tensor(-3.0, dtype=L.float64)),
        lambda a: index_fill_ref(a, 1, np.array([1, -1]), -3.0),
    ),
    "masked_fill_": (
        lambda L, x: x.masked_fill_(L.tensor([True, False, False, True]), 0.25),
        lambda a: np.where([True, False, False, True], 0.25, a),
    ),
    "masked_scatter_": (
        lambda L, x: x.masked_scatter_(L.tensor([[True], [False], [True]]), L.arange(10.0, dtype=L.float64)),
        lambda a: masked_scatter_ref(a, np.array([[True], [False], [True]]), np.arange(10.0)),
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_returns_self_and_writes_through_views(name, layout):
    call, ref = IN_PLACE[name]
    a = np.random.default_rng(1).uniform(-2, 2, (3, 4))
    x, base = based(a, layout)
    assert call(lib, x) is x
    check(x, ref(a))
    check_gaps(base, layout)


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_bumps_the_version_and_refuses_leaves(name):
    call, ref = IN_PLACE[name]
    x = lib.tensor(np.random.default_rng(2).uniform(-2, 2, (3, 4)), requires_grad=True)
    y = x * 1
    z = y * y  # saves y
    call(lib, y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        call(lib, x)


# ---------------------------------------------------------------------------------------------------------------
# Gradients


def distinct(rng, *shapes):
    """Arrays of well-separated values (gaps >= 0.1, far above the finite-difference step), so max/min have no ties."""
    total = sum(int(np.prod(s)) for s in shapes)
    flat = (rng.permutation(total) * 0.25 - total / 8 + rng.uniform(0, 0.1, total)).astype(np.float64)
    out, start = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(flat[start : start + n].reshape(s))
        start += n
    return out


def in_place(method):
    """Runs in-place `method` on a copy of self made inside the graph, so the leaf's gradient flows through it."""
    return lambda x, *args, **kwargs: getattr(x * 1, method)(*args, **kwargs)


def grad_cases():
    """name: (fn(L, *tensors) -> tensor, float64 input arrays). Index tensors are built inside fn, for either library.
    PyTorch's backward refuses an index smaller than src (its src gradient is index-shaped), so here src is
    index-shaped; index stays smaller than self off the scatter dim."""
    rng = np.random.default_rng(7)
    unique = np.array([[3, 0, 1], [0, 2, 2]])  # dim 0 of a (4, 5) self: no repeat within a column
    repeats = np.array([[0, 2, 0, 0, 2, 1], [1, 1, 1, 0, 0, 2]])  # dim 1 of a (3, 4) self: column 3 never named
    cases = {
        "scatter": (
            lambda L, x, s: L.scatter(x, 0, L.tensor(unique), s),
            [rng.standard_normal((4, 5)), rng.standard_normal((2, 3))],
        ),
        "scatter value": (lambda L, x: x.scatter(-2, L.tensor(unique), 0.5), [rng.standard_normal((4, 5))]),
        "scatter_": (
            lambda L, x, s: in_place("scatter_")(x, 0, L.tensor(unique), s),
            [rng.standard_normal((4, 5)), rng.standard_normal((2, 3))],
        ),
        "scatter_add": (
            lambda L, x, s: x.scatter_add(1, L.tensor(repeats), s),
            [rng.standard_normal((3, 4)), rng.standard_normal((2, 6))],
        ),
        "scatter_add_": (
            lambda L, x, s: in_place("scatter_add_")(x, -1, L.tensor(repeats), s),
            [rng.standard_normal((3, 4)), rng.standard_normal((2, 6))],
        ),
        "index_add": (
            lambda L, x, s: L.index_add(x, 0, L.tensor([3, 0, 3, 1, 3]), s, alpha=2.5),
            [rng.standard_normal((4, 3)), rng.standard_normal((5, 3))],
        ),
        "index_add_": (
            lambda L, x, s: in_place("index_add_")(x, -1, L.tensor([1, 1]), s),
            [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 2, 2))],
        ),
        "index_copy": (
            lambda L, x, s: L.index_copy(x, 1, L.tensor([2, 0]), s),
            [rng.standard_normal((4, 3)), rng.standard_normal((4, 2))],
        ),
        "index_copy_": (
            lambda L, x, s: in_place("index_copy_")(x, 0, L.tensor([1, 3]), s),
            [rng.standard_normal((4, 3)), rng.standard_normal((2, 3))],
        ),
        "index_fill 0-d tensor": (
            lambda L, x, v: L.index_fill(x, 0, L.tensor([1, 3, 1]), v),
            [rng.standard_normal((4, 3)), rng.standard_normal(())],
        ),
        "index_fill number": (lambda L, x: x.index_fill(1, L.tensor([-3, 2]), 4.0), [rng.standard_normal((4, 3))]),
        "index_fill_": (
            lambda L, x, v: in_place("index_fill_")(x, 1, L.tensor([0, 2]), v),
            [rng.standard_normal((4, 3)), rng.standard_normal(())],
        ),
        "index_select": (
            lambda L, x: L.index_select(x, 0, L.tensor([3, 3, 0])),
            [rng.standard_normal((4, 3))],
        ),
        "masked_fill 0-d tensor": (
            lambda L, x, v: L.masked_fill(x, L.tensor([True, False, True, True]), v),
            [rng.standard_normal((3, 4)), rng.standard_normal(())],
        ),
        "masked_fill number": (
            lambda L, x: x.masked_fill(L.tensor([[False], [True], [False]]), 1.0),
            [rng.standard_normal((3, 4))],
        ),
        "masked_fill self broadcast": (
            lambda L, x, v: x.masked_fill(L.tensor([[True, False, False, False], [False, True, True, False]]), v),
            [rng.standard_normal((4,)), rng.standard_normal(())],
        ),
        "masked_fill_": (
            lambda L, x, v: in_place("masked_fill_")(x, L.tensor([[True], [False], [True]]), v),
            [rng.standard_normal((3, 4)), rng.standard_normal(())],
        ),
        "masked_scatter": (
            lambda L, x, s: L.masked_scatter(x, L.tensor([[True, False, True, True], [False, False, True, False]]), s),
            [rng.standard_normal((2, 4)), rng.standard_normal((2, 4))],  # 4 of its 8 elements used
        ),
        "masked_scatter broadcast": (
            lambda L, x, s: x.masked_scatter(L.tensor([False, True, True, False]), s),
            [rng.standard_normal((3, 4)), rng.standard_normal((7,))],
        ),
        "masked_scatter_": (
            lambda L, x, s: in_place("masked_scatter_")(x, L.tensor([[True], [False], [True]]), s),
            [rng.standard_normal((3, 4)), rng.standard_normal((9,))],
        ),
        "masked_select": (
            lambda L, x: L.masked_select(x, L.tensor([True, False, True, True])),
            [rng.standard_normal((3, 4))],
        ),
        "masked_select self broadcast": (
            lambda L, x: x.masked_select(L.tensor([[True, False, True], [True, True, False]])),
            [rng.standard_normal((3,))],
        ),
        "x[mask]": (
            lambda L, x: x[L.tensor([[True, False], [True, True], [False, True]])],
            [rng.standard_normal((3, 2))],
        ),
        "x[leading mask]": (lambda L, x: x[L.tensor([True, False, True])], [rng.standard_normal((3, 2, 2))]),
    }

    def assign(value_shape, mask):
        def fn(L, x, v):
            y = x * 1
            y[L.tensor(mask)] = v
            return y

        return fn, [rng.standard_normal((3, 2)), rng.standard_normal(value_shape)]

    cases["x[mask] = 0-d tensor"] = assign((), [[True, False], [False, False], [True, True]])
    cases["x[leading mask] = row"] = assign((2,), [True, False, True])
    cases["x[mask] = selection"] = assign((3,), [[True, False], [False, False], [True, True]])

    for reduce in REDUCES:
        for include_self in (True, False):
            if reduce in ("amax", "amin"):
                arrays = distinct(rng, (3, 4), (2, 6))
            elif reduce == "prod":  # away from 0 here; zeros have their own case
                arrays = [rng.uniform(0.5, 1.5, (3, 4)), rng.uniform(-1.5, -0.5, (2, 6))]
            else:
                arrays = [rng.standard_normal((3, 4)), rng.standard_normal((2, 6))]
            cases[f"scatter_reduce {reduce} include_self={include_self}"] = (
                lambda L, x, s, r=reduce, i=include_self: L.scatter_reduce(
                    x, 1, L.tensor(repeats), s, r, include_self=i
                ),
                arrays,
            )
    # prod is multilinear, so central differences stay exact with zeros: one zero, two zeros, a zero in self.
    with_zeros = [
        np.array([[0.0, 2.0, 3.0, 4.0], [1.5, 2.0, -1.0, 0.5], [1.0, 1.0, 1.0, 1.0]]),
        rng.uniform(1, 2, (2, 6)),
    ]
    with_zeros[1][0, 1] = 0.0  # the only zero of target (0, 2)
    with_zeros[1][1, 0] = with_zeros[1][1, 2] = 0.0  # two zeros of target (1, 1)
    for include_self in (True, False):
        cases[f"scatter_reduce prod with zeros include_self={include_self}"] = (
            lambda L, x, s, i=include_self: x.scatter_reduce(1, L.tensor(repeats), s, "prod", include_self=i),
            [a.copy() for a in with_zeros],
        )
    cases["scatter_reduce_ amin"] = (
        lambda L, x, s: in_place("scatter_reduce_")(x, 1, L.tensor(repeats), s, "amin"),
        distinct(rng, (3, 4), (2, 6)),
    )
    cases["scatter_reduce_ mean include_self=False"] = (
        lambda L, x, s: in_place("scatter_reduce_")(x, 1, L.tensor(repeats), s, "mean", include_self=False),
        [rng.standard_normal((3, 4)), rng.standard_normal((2, 6))],
    )
    return cases


GRAD_CASES = sorted(grad_cases())


def analytic_grads(L, case, grad_seed=3):
    fn, arrays = grad_cases()[case]
    tensors = [L.tensor(a, requires_grad=True) for a in arrays]
    out = fn(L, *tensors)
    g = np.random.default_rng(grad_seed).standard_normal(tuple(out.shape))
    return L.autograd.grad(out, tensors, L.tensor(g)), g


@pytest.mark.parametrize("case", GRAD_CASES)
def test_gradients_match_finite_differences(case):
    fn, arrays = grad_cases()[case]
    grads, g = analytic_grads(lib, case)

    def f(*arrays):
        return fn(lib, *[lib.tensor(a) for a in arrays]).detach().numpy()

    for analytic, numeric in zip(grads, numeric_grad(f, arrays, g)):
        np.testing.assert_allclose(analytic.numpy(), numeric, rtol=1e-6, atol=1e-8)
    tensors = tuple(lib.tensor(a, requires_grad=True) for a in arrays)
    assert lib.autograd.gradcheck(lambda *t: fn(lib, *t), tensors)


def tie_rule_grads(self, dim, index, src, reduce, include_self, g):
    """PyTorch's rule for amax/amin: a target's gradient is shared evenly among the values equal to the result, self
    counted among them whenever it equals the result, even with include_self=False (self then gets no share, so
    the shares sum to less than g: PyTorch's formula, matched here); self elements not named pass g through."""
    result = scatter_reduce_ref(self, dim, index, src, reduce, include_self)
    members = {}
    for p, q in targets(index, dim):
        members.setdefault(q, []).append(p)
    grad_self, grad_src = g.copy(), np.zeros_like(src)
    for q, group in members.items():
        tied = [p for p in group if src[p] == result[q]]
        share = g[q] / (len(tied) + (self[q] == result[q]))
        grad_self[q] = share if include_self and self[q] == result[q] else 0.0
        for p in tied:
            grad_src[p] += share
    return grad_self, grad_src


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_gradient_shares_ties(reduce, include_self):
    rng = np.random.default_rng(11)
    self_a = rng.integers(0, 3, (3, 4)).astype(np.float64)  # values in {0, 1, 2}: many ties
    src_a = rng.integers(0, 3, (3, 6)).astype(np.float64)
    index = rng.integers(0, 3, (3, 6))  # column 3 never named
    x, s = lib.tensor(self_a, requires_grad=True), lib.tensor(src_a, requires_grad=True)
    out = x.scatter_reduce(1, lib.tensor(index), s, reduce, include_self=include_self)
    g = rng.standard_normal((3, 4))
    got = lib.autograd.grad(out, (x, s), lib.tensor(g))
    for analytic, want in zip(got, tie_rule_grads(self_a, 1, index, src_a, reduce, include_self, g)):
        np.testing.assert_allclose(analytic.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", GRAD_CASES)
def test_gradients_match_pytorchs(case):
    torch = torch_or_skip()
    ours, _ = analytic_grads(lib, case)
    theirs, _ = analytic_grads(torch, case)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_tie_gradients_match_pytorchs():
    torch = torch_or_skip()
    results = []
    for L in (lib, torch):
        x = L.tensor([[1.0, 2.0, 2.0], [0.0, 5.0, 5.0]], requires_grad=True)
        s = L.tensor([[2.0, 2.0, 1.0, 2.0], [5.0, 5.0, 0.0, 0.0]], requires_grad=True)
        index = L.tensor([[1, 1, 0, 2], [1, 2, 0, 0]])
        total = sum(
            x.scatter_reduce(1, index, s, reduce, include_self=include_self) * (k + 1)
            for k, (reduce, include_self) in enumerate([(r, i) for r in ("amax", "amin") for i in (True, False)])
        )
        total.sum().backward()
        results.append((x.grad.numpy(), s.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# Errors


ERRORS = {
    # name: (call, PyTorch's exception type, a fragment of its message or None)
    "scatter float index": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0.0, 1.0]]), L.ones(2, 4)),
        RuntimeError,
        "Expected dtype int32/int64 for index",
    ),
    "scatter index of another ndim": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([0, 1]), L.ones(2, 4)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as self tensor",
    ),
    "scatter index larger than self off dim": (
        lambda L: L.zeros(3, 4).scatter(0, L.zeros(1, 5, dtype=L.int64), L.ones(2, 5)),
        RuntimeError,
        "to be no larger than self [3, 4] apart from dimension 0",
    ),
    "scatter index larger than src": (
        lambda L: L.zeros(3, 4).scatter(0, L.zeros(3, 4, dtype=L.int64), L.ones(2, 4)),
        RuntimeError,
        "to be no larger size than src [2, 4]",
    ),
    "scatter index too big": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, 3]]), L.ones(2, 4)),
        RuntimeError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    "scatter negative index": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, -1]]), L.ones(2, 4)),
        RuntimeError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    "scatter value, index too big": (
        lambda L: L.zeros(3, 4).scatter(1, L.tensor([[4]]), 2.0),
        RuntimeError,
        "index 4 is out of bounds for dimension 1 with size 4",
    ),
    "scatter src of another dtype": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, 1]]), L.ones(2, 4, dtype=L.float64)),
        RuntimeError,
        "Expected self.dtype to be equal to src.dtype",
    ),
    "scatter 0-d tensor is a src, not a value": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, 1]]), L.tensor(2.0)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as src tensor",
    ),
    "scatter bad reduce": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, 1]]), L.ones(2, 4), reduce="sum"),
        RuntimeError,
        "reduce argument must be either add or multiply",
    ),
    "scatter value bad reduce": (
        lambda L: L.zeros(3, 4).scatter(0, L.tensor([[0, 1]]), 1.0, reduce="mean"),
        RuntimeError,
        "reduce argument must be either add or multiply",
    ),
    "scatter dim out of range": (
        lambda L: L.zeros(3, 4).scatter(2, L.tensor([[0, 1]]), L.ones(2, 4)),
        IndexError,
        "Dimension out of range",
    ),
    "scatter reduce= has no derivative": (
        lambda L: L.ones(3, requires_grad=True).scatter(0, L.tensor([0, 0]), L.ones(2), reduce="add").sum().backward(),
        RuntimeError,
        None,
    ),
    "scatter_add negative index": (
        lambda L: L.zeros(3).scatter_add(0, L.tensor([-1]), L.ones(1)),
        RuntimeError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    "scatter_add float index": (
        lambda L: L.zeros(3).scatter_add(0, L.tensor([0.0]), L.ones(1)),
        RuntimeError,
        "Expected dtype int32/int64 for index",
    ),
    "scatter_add src of another dtype": (
        lambda L: L.zeros(3, dtype=L.int64).scatter_add(0, L.tensor([0]), L.ones(1)),
        RuntimeError,
        "Expected self.dtype to be equal to src.dtype",
    ),
    "scatter_add index larger than src": (
        lambda L: L.zeros(3).scatter_add(0, L.tensor([0, 1]), L.ones(1)),
        RuntimeError,
        "to be no larger size than src [1]",
    ),
    "scatter_reduce bad reduce": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([0]), L.ones(1), "foo"),
        RuntimeError,
        "reduce argument must be either sum, prod, mean, amax or amin, got foo",
    ),
    "scatter_reduce refuses scatter's names": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([0]), L.ones(1), "add"),
        RuntimeError,
        "reduce argument must be either sum, prod, mean, amax or amin, got add",
    ),
    "scatter_reduce index too big": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([3]), L.ones(1), "amax"),
        RuntimeError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    "scatter_reduce negative index": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([-3]), L.ones(1), "sum"),
        RuntimeError,
        "index -3 is out of bounds for dimension 0 with size 3",
    ),
    "scatter_reduce index of another ndim": (
        lambda L: L.zeros(3, 1).scatter_reduce(0, L.tensor([0]), L.ones(1), "sum"),
        RuntimeError,
        "Index tensor must have the same number of dimensions as self tensor",
    ),
    "scatter_reduce src of another dtype": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([0]), L.ones(1, dtype=L.float64), "prod"),
        RuntimeError,
        "Expected self.dtype to be equal to src.dtype",
    ),
    "scatter_reduce mean of bools": (
        lambda L: L.ones(3, dtype=L.bool).scatter_reduce(0, L.tensor([0]), L.ones(1, dtype=L.bool), "mean"),
        NotImplementedError,
        None,
    ),
    "scatter_reduce src a number": (
        lambda L: L.zeros(3).scatter_reduce(0, L.tensor([0]), 1.0, "sum"),
        TypeError,
        None,
    ),
    "index_add index too big": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([3]), L.ones(1, 2)),
        RuntimeError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    "index_add negative index": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([-1]), L.ones(1, 2)),
        RuntimeError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    "index_add float index": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([0.0]), L.ones(1, 2)),
        RuntimeError,
        "Expected dtype int32/int64 for index",
    ),
    "index_add 2-d index": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([[0]]), L.ones(1, 2)),
        IndexError,
        "Index is supposed to be a vector",
    ),
    "index_add source of another shape": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([0]), L.ones(1, 3)),
        RuntimeError,
        "source tensor shape must match self tensor shape, excluding the specified dimension",
    ),
    "index_add source of another length": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([0, 1]), L.ones(1, 2)),
        RuntimeError,
        "Number of indices (2) should be equal to source.size(dim): (1), for dim: 0",
    ),
    "index_add source of another dtype": (
        lambda L: L.zeros(3, 2).index_add(0, L.tensor([0]), L.ones(1, 2, dtype=L.float64)),
        RuntimeError,
        "must have the same scalar type",
    ),
    "index_add dim out of range": (
        lambda L: L.zeros(3, 2).index_add(-3, L.tensor([0]), L.ones(1, 2)),
        IndexError,
        "Dimension out of range",
    ),
    "index_copy index too big": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([3]), L.ones(1, 2)),
        IndexError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    "index_copy negative index": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([-1]), L.ones(1, 2)),
        IndexError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    "index_copy float index": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0.0]), L.ones(1, 2)),
        RuntimeError,
        "Expected a long tensor for index",
    ),
    "index_copy 2-d index": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([[0]]), L.ones(1, 2)),
        IndexError,
        "Index should have dimension 1 or 0 (got 2)",
    ),
    "index_copy source of another shape": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0]), L.ones(1, 3)),
        RuntimeError,
        "Source/destination tensor must have same slice shapes",
    ),
    "index_copy source of another length": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0, 1]), L.ones(1, 2)),
        IndexError,
        "Number of indices (2) should be equal to source.size(dim) (1)",
    ),
    "index_copy source of another dtype": (
        lambda L: L.zeros(3, 2).index_copy(0, L.tensor([0]), L.ones(1, 2, dtype=L.int64)),
        RuntimeError,
        "self and source expected to have the same dtype",
    ),
    "index_fill index too big": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([2]), 1.0),
        IndexError,
        "index 2 is out of bounds for dimension 1 with size 2",
    ),
    "index_fill index too negative": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([-3]), 1.0),
        IndexError,
        "index -3 is out of bounds for dimension 1 with size 2",
    ),
    "index_fill float index": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([0.0]), 1.0),
        IndexError,
        "Expected dtype int64 for index",
    ),
    "index_fill bool index": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([True]), 1.0),
        IndexError,
        "Expected dtype int64 for index",
    ),
    "index_fill 2-d index": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([[0]]), 1.0),
        RuntimeError,
        "Index has to be a vector/scalar",
    ),
    "index_fill 1-d value": (
        lambda L: L.zeros(3, 2).index_fill(1, L.tensor([0]), L.tensor([1.0])),
        RuntimeError,
        "only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)",
    ),
    "index_select index too big": (
        lambda L: L.index_select(L.zeros(3, 2), 0, L.tensor([3])),
        IndexError,
        "index out of range in self",
    ),
    "index_select negative index": (
        lambda L: L.index_select(L.zeros(3, 2), 0, L.tensor([-1])),
        IndexError,
        "index out of range in self",
    ),
    "index_select float index": (
        lambda L: L.index_select(L.zeros(3, 2), 0, L.tensor([0.0])),
        RuntimeError,
        "Expected dtype int32 or int64 for index",
    ),
    "index_select 2-d index": (
        lambda L: L.index_select(L.zeros(3, 2), 0, L.tensor([[0]])),
        IndexError,
        "Index is supposed to be a vector",
    ),
    "index_select two indices into a 0-d tensor": (
        lambda L: L.index_select(L.tensor(3.0), 0, L.tensor([0, 0])),
        RuntimeError,
        "Index to scalar can have only 1 value, got 2 value(s)",
    ),
    "masked_fill int64 mask": (
        lambda L: L.zeros(2, 3).masked_fill(L.tensor([1, 0, 1]), 1.0),
        RuntimeError,
        "masked_fill_ only supports boolean masks",
    ),
    "masked_fill float mask": (
        lambda L: L.masked_fill(L.zeros(2, 3), L.tensor([1.0, 0.0, 1.0]), 1.0),
        RuntimeError,
        "masked_fill_ only supports boolean masks",
    ),
    "masked_fill mask that does not broadcast": (
        lambda L: L.zeros(2, 3).masked_fill(L.tensor([True, False]), 1.0),
        RuntimeError,
        "must match the size of tensor b (3) at non-singleton dimension 1",
    ),
    "masked_fill_ mask larger than self": (
        lambda L: L.zeros(2, 3).masked_fill_(L.ones(4, 2, 3, dtype=L.bool), 1.0),
        RuntimeError,
        "doesn't match the broadcast shape",
    ),
    "masked_fill 1-d value": (
        lambda L: L.zeros(2, 3).masked_fill(L.tensor([True, False, True]), L.tensor([1.0])),
        RuntimeError,
        "only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)",
    ),
    "masked_scatter too few source elements": (
        lambda L: L.zeros(2, 3).masked_scatter(L.tensor([True, False, True]), L.ones(3)),
        RuntimeError,
        "Number of elements of source < number of ones in mask",
    ),
    "masked_scatter_ too few source elements": (
        lambda L: L.zeros(2, 3).masked_scatter_(L.tensor([[True], [True]]), L.ones(2, 2)),
        RuntimeError,
        "Number of elements of source < number of ones in mask",
    ),
    "masked_scatter int64 mask": (
        lambda L: L.zeros(2, 3).masked_scatter(L.tensor([1, 0, 1]), L.ones(4)),
        RuntimeError,
        "masked_scatter_ only supports boolean masks",
    ),
    "masked_scatter source of another dtype": (
        lambda L: L.zeros(2, 3).masked_scatter(L.tensor([True, False, True]), L.ones(4, dtype=L.float64)),
        RuntimeError,
        "expected self and source to have same dtypes",
    ),
    "masked_scatter mask that does not broadcast": (
        lambda L: L.masked_scatter(L.zeros(2, 3), L.tensor([True, False]), L.ones(6)),
        RuntimeError,
        "must match the size of tensor b (3) at non-singleton dimension 1",
    ),
    "masked_scatter_ mask larger than self": (
        lambda L: L.zeros(2, 3).masked_scatter_(L.ones(2, 2, 3, dtype=L.bool), L.ones(12)),
        RuntimeError,
        None,
    ),
    "masked_select int64 mask": (
        lambda L: L.masked_select(L.zeros(2, 3), L.tensor([1, 0, 1])),
        RuntimeError,
        "masked_select: expected BoolTensor for mask",
    ),
    "masked_select mask that does not broadcast": (
        lambda L: L.zeros(2, 3).masked_select(L.tensor([True, False])),
        RuntimeError,
        "must match the size of tensor b (3) at non-singleton dimension 1",
    ),
    "x[mask] = value of the wrong shape": (
        lambda L: L.zeros(3, 2).__setitem__(L.tensor([True, False, True]), L.ones(3)),
        RuntimeError,
        "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 2]",
    ),
    "x[mask] = tensor of another dtype": (
        lambda L: L.zeros(3, 2).__setitem__(L.tensor([True, False, True]), L.ones(2, 2, dtype=L.float64)),
        RuntimeError,
        "Index put requires the source and destination dtypes match",
    ),
    "x[mask] = v, mask of the wrong length": (
        lambda L: L.zeros(3, 2).__setitem__(L.tensor([True, False]), 1.0),
        IndexError,
        "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 2] at index 0",
    ),
    "x[mask], mask of the wrong length": (
        lambda L: L.zeros(3, 2)[L.tensor([True, False])],
        IndexError,
        "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 2] at index 0",
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pytorchs(name):
    call, error, fragment = ERRORS[name]
    with pytest.raises(Exception) as raised:
        call(lib)
    assert type(raised.value) is error, (type(raised.value), raised.value)  # exactly: NotImplementedError is one
    if fragment is not None:
        assert re.search(re.escape(fragment), str(raised.value)), str(raised.value)


# ---------------------------------------------------------------------------------------------------------------
# Parity with PyTorch on random cases, bad ones included


def outcome(call, L):
    """What call(L) gives: its dtype name, shape and values as a float64 array, or the exception's type."""
    try:
        out = call(L)
    except Exception as error:
        return type(error)
    return str(out.dtype).split(".")[-1], tuple(out.shape), out.detach().numpy().astype(np.float64)


def fuzz_calls(seed):
    """A random call of a deterministic op, about a third of them broken (an index out of range either way, a src of
    another dtype, an integer mask, too few source elements), as a builder over a library."""
    rng = np.random.default_rng(seed)
    dtype = str(rng.choice(DTYPES))
    kind = int(rng.integers(0, 6))
    if kind <= 2:
        a, dim, index, src = scatter_case(rng, dtype, unique=False)
        if index.size and rng.random() < 0.3:
            index.flat[rng.integers(0, index.size)] = rng.choice([-2, -1, 5, 6])
        if rng.random() < 0.1:
            src = src.astype(np.float64 if dtype != "float64" else np.float32)
        reduce = str(rng.choice(REDUCES if dtype != "bool" else ["sum", "prod", "amax", "amin"]))
        include_self = bool(rng.random() < 0.5)
        old_reduce = str(rng.choice(["add", "multiply"]))
        if kind == 0:
            return lambda L: L.scatter_add(L.tensor(a), dim, L.tensor(index), L.tensor(src))
        if kind == 1:
            return lambda L: L.tensor(a).scatter_reduce(
                dim, L.tensor(index), L.tensor(src), reduce, include_self=include_self
            )
        return lambda L: L.tensor(a).scatter(dim, L.tensor(index), number(dtype), reduce=old_reduce)
    if kind <= 4:
        a, dim, index, source = index_case(rng, dtype, unique=False, negative=kind == 4)
        if index.size and rng.random() < 0.3:
            index.flat[rng.integers(0, index.size)] += rng.choice([-5, 5])
        if kind == 3:
            return lambda L: L.tensor(a).index_add(dim, L.tensor(index), L.tensor(source))
        if rng.random() < 0.5:
            return lambda L: L.tensor(a).index_fill(dim, L.tensor(index), number(dtype))
        return lambda L: L.index_select(L.tensor(a), dim, L.tensor(index))
    a, mask = mask_case(rng, dtype, self_may_broadcast=True)
    if rng.random() < 0.1:
        mask = mask.astype(np.int64)
    count = int(np.broadcast_arrays(a, mask)[1].sum()) if mask.dtype == bool else 0
    source = values(rng, (max(count + int(rng.integers(-2, 2)), 0),), dtype)
    op = int(rng.integers(0, 3))
    if op == 0:
        return lambda L: L.tensor(a).masked_fill(L.tensor(mask), number(dtype))
    if op == 1:
        return lambda L: L.masked_select(L.tensor(a), L.tensor(mask))
    return lambda L: L.masked_scatter(L.tensor(a), L.tensor(mask), L.tensor(source))


def test_random_calls_match_pytorch():
    torch = torch_or_skip()
    for seed in range(300):
        call = fuzz_calls(seed)
        ours, theirs = outcome(call, lib), outcome(call, torch)
        if isinstance(theirs, type):
            assert ours is theirs, (seed, ours, theirs)
        else:
            assert not isinstance(ours, type), (seed, ours, theirs)
            assert ours[:2] == theirs[:2], (seed, ours[:2], theirs[:2])
            np.testing.assert_allclose(ours[2], theirs[2], rtol=2e-5, atol=2e-5, err_msg=f"seed {seed}")
