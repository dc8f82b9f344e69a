"""Reductions against numpy over any set of dims (contiguous and strided inputs, size-0/1 dims, 0-d),
their backwards against finite differences, and PyTorch's errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autocore
from autocore import _C

from conftest import array, noncontiguous, numeric_grad, rand, tensor, torch_or_skip

FLOATS = [np.float32, np.float64]
pytestmark = pytest.mark.filterwarnings("ignore:Degrees of freedom")
SHAPES_AND_DIMS = [
    ((), None),
    ((), 0),
    ((7,), None),
    ((7,), 0),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((3, 4), (0, 1)),
    ((2, 3, 4), 1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (1, 2)),
    ((2, 1, 4), 1),
    ((5, 0, 3), 2),
    ((5, 0, 3), (0, 2)),
    ((1, 1), None),
    ((2, 3, 4, 5), (1, 3)),
    ((100000,), None),
    ((300, 200), 0),
    ((200, 300), 1),
]


def np_dims(shape, dim):
    if dim is None or shape == ():
        return None
    return dim if isinstance(dim, tuple) else (dim,)


def tol(dtype, n=1):
    return (
        dict(rtol=2e-5 * max(1.0, np.log2(max(n, 2))), atol=1e-5)
        if dtype == np.float32
        else dict(rtol=1e-12, atol=1e-12)
    )


@pytest.mark.parametrize("shape,dim", SHAPES_AND_DIMS, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_var_std_match_numpy(isa, shape, dim, dtype, keepdim):
    rng = np.random.default_rng(0)
    x = rand(rng, shape, dtype)
    axes = np_dims(shape, dim)
    count = int(np.prod([shape[a] for a in axes])) if axes is not None else x.size
    for view in (x, noncontiguous(x)):
        t = tensor(view)
        np.testing.assert_allclose(array(_C.sum(t, dim, keepdim)), x.sum(axes, keepdims=keepdim), **tol(dtype, count))
        with np.errstate(invalid="ignore", divide="ignore"):
            np.testing.assert_allclose(
                array(_C.mean(t, dim, keepdim)),
                x.mean(axes, keepdims=keepdim) if x.size else np.full(np.sum(x, axes, keepdims=keepdim).shape, np.nan),
                **tol(dtype, count),
            )
            for correction in (0, 1):
                expected = x.astype(np.float64).var(axes, ddof=correction, keepdims=keepdim)
                np.testing.assert_allclose(
                    array(_C.var(t, dim, correction=correction, keepdim=keepdim)), expected, **tol(dtype, count)
                )
                np.testing.assert_allclose(
                    array(_C.std(t, dim, correction=correction, keepdim=keepdim)),
                    np.sqrt(expected),
                    **tol(dtype, count),
                )


@pytest.mark.parametrize("shape,dim", [s for s in SHAPES_AND_DIMS if 0 not in s[0]], ids=str)
@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
def test_amax_amin_argmax_match_numpy(isa, shape, dim, dtype):
    rng = np.random.default_rng(1)
    x = (rand(rng, shape, np.float64) * 5).astype(dtype)
    axes = np_dims(shape, dim)
    t = tensor(noncontiguous(x))
    np.testing.assert_array_equal(array(_C.amax(t, dim if dim is not None else ())), x.max(axes))
    np.testing.assert_array_equal(array(_C.amin(t, dim if dim is not None else ())), x.min(axes))
    if dim is None or isinstance(dim, int):
        single = None if dim is None or shape == () else dim
        np.testing.assert_array_equal(array(_C.argmax(t, single)), np.argmax(x, single))
        np.testing.assert_array_equal(array(_C.argmin(t, single)), np.argmin(x, single))
        if single is not None:
            values, indices = _C.max(t, single, True)
            np.testing.assert_array_equal(array(values), x.max(single, keepdims=True))
            np.testing.assert_array_equal(array(indices), np.expand_dims(np.argmax(x, single), single))
            values, indices = _C.min(t, single)
            np.testing.assert_array_equal(array(values), x.min(single))
            np.testing.assert_array_equal(array(indices), np.argmin(x, single))


def test_sum_of_integers_and_bools_is_int64():
    assert _C.sum(tensor(np.array([True, True, False]))).dtype == _C.DType.int64
    assert array(_C.sum(tensor(np.array([True, True, False])))) == 2
    np.testing.assert_array_equal(
        array(_C.sum(tensor(np.arange(12).reshape(3, 4)), 0)), np.arange(12).reshape(3, 4).sum(0)
    )


def test_ties_pick_the_first_index_and_nan_wins():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [np.nan, 2.0, np.nan, 5.0]])
    values, indices = _C.max(tensor(x), 1)
    np.testing.assert_array_equal(array(indices), [1, 0])
    assert array(values)[0] == 3.0 and np.isnan(array(values)[1])
    assert np.isnan(array(_C.max(tensor(x))))
    assert array(_C.argmax(tensor(np.array([2.0, 7.0, 7.0])))) == 1


def test_float32_sum_is_accurate_on_long_rows():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, size=2_000_000).astype(np.float32)
    exact = x.astype(np.float64).sum()
    assert abs(float(array(_C.sum(tensor(x)))) - exact) / exact < 1e-6
    cols = rng.uniform(0, 1, size=(20000, 8)).astype(np.float32)
    np.testing.assert_allclose(array(_C.sum(tensor(cols), 0)), cols.astype(np.float64).sum(0), rtol=1e-6)


def test_bad_input_errors():
    x = tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        _C.sum(x, 2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        _C.sum(x, [0, -2])
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        _C.mean(tensor(np.arange(3)))
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        _C.max(tensor(np.ones((0, 3))), 0)
    with pytest.raises(RuntimeError, match="Specify the reduction dim"):
        _C.max(tensor(np.ones((0, 3))))
    with pytest.raises(TypeError, match="dim must be"):
        _C.sum(x, "0")


# ---- backwards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,dim", [((3, 4), 0), ((3, 4), (0, 1)), ((2, 3, 4), (0, 2)), ((5,), None), ((), None)], ids=str
)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_backwards_match_finite_differences(isa, shape, dim, keepdim):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    axes = np_dims(shape, dim)
    out_shape = np.sum(x, axes, keepdims=keepdim).shape
    g = rng.normal(size=out_shape)
    cases = [
        (lambda a: a.sum(axes, keepdims=keepdim), lambda: _C.sum_backward(tensor(g), list(shape), dim, keepdim)),
        (lambda a: a.mean(axes, keepdims=keepdim), lambda: _C.mean_backward(tensor(g), list(shape), dim, keepdim)),
        (
            lambda a: a.var(axes, ddof=1, keepdims=keepdim),
            lambda: _C.var_backward(tensor(g), tensor(x), dim, correction=1, keepdim=keepdim),
        ),
        (
            lambda a: a.std(axes, ddof=0, keepdims=keepdim),
            lambda: _C.std_backward(
                tensor(g),
                tensor(x),
                _C.std(tensor(x), dim, correction=0, keepdim=keepdim),
                dim,
                correction=0,
                keepdim=keepdim,
            ),
        ),
        (
            lambda a: a.max(axes, keepdims=keepdim),
            lambda: _C.amax_backward(
                tensor(g), tensor(x), _C.amax(tensor(x), dim if dim is not None else (), keepdim), dim, keepdim
            ),
        ),
    ]
    for forward, backward in cases:
        if shape == () and forward is cases[2][0]:
            continue  # the variance of one element with correction 1 is nan
        expected = numeric_grad(forward, [x.copy()], g)[0]
        np.testing.assert_allclose(array(backward()), expected, rtol=1e-6, atol=1e-8)


def test_max_dim_backward_routes_to_index_and_amax_splits_ties():
    x = np.array([[1.0, 4.0, 4.0], [2.0, 0.0, -1.0]])
    values, indices = _C.max(tensor(x), 1)
    g = np.array([10.0, 20.0])
    np.testing.assert_array_equal(
        array(_C.index_reduce_backward(tensor(g), indices, 1, [2, 3])), [[0.0, 10.0, 0.0], [20.0, 0.0, 0.0]]
    )
    np.testing.assert_array_equal(
        array(_C.amax_backward(tensor(g), tensor(x), _C.amax(tensor(x), 1), 1)), [[0.0, 5.0, 5.0], [20.0, 0.0, 0.0]]
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_sum_to_shape_undoes_broadcasting(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
    target, other = shapes.input_shapes
    g = np.random.default_rng(4).normal(size=shapes.result_shape)
    expected = g
    while expected.ndim > len(target):
        expected = expected.sum(0)
    expected = expected.sum(axis=tuple(i for i, s in enumerate(target) if s == 1), keepdims=True).reshape(target)
    np.testing.assert_allclose(array(_C.sum_to_shape(tensor(g), list(target))), expected, rtol=1e-12, atol=1e-12)


def test_matches_pytorch_where_installed():
    torch = torch_or_skip()
    x = np.random.default_rng(5).normal(size=(4, 5, 6)).astype(np.float32)
    tx = torch.from_numpy(x)
    np.testing.assert_allclose(array(_C.var(tensor(x), [0, 2])), tx.var((0, 2)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(
        array(_C.std(tensor(x), 1, correction=0, keepdim=True)),
        tx.std(1, correction=0, keepdim=True).numpy(),
        rtol=1e-5,
    )
    values, indices = _C.max(tensor(x), -1)
    tv, ti = tx.max(-1)
    np.testing.assert_array_equal(array(values), tv.numpy())
    np.testing.assert_array_equal(array(indices), ti.numpy())


def test_amax_over_an_empty_dim_is_refused_in_pytorchs_order():
    """Each dim is wrapped and checked for size 0 in turn, before repeats are looked for."""
    empty = autocore.zeros(0, 3, 0)
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 2 to have non-zero size"):
        empty.amax((2, 2))
    with pytest.raises(IndexError, match=r"amin\(\): Expected reduction dim 0 to have non-zero size"):
        empty.amin((0, 7))
    with pytest.raises(IndexError, match="Dimension out of range"):
        empty.amax((7, 0))
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):
        empty.amax((1, 1))


def test_stack_checks_dim_then_sizes():
    with pytest.raises(IndexError, match="Dimension out of range"):
        autocore.stack([autocore.zeros(0), autocore.zeros(1)], 3)
    with pytest.raises(
        RuntimeError,
        match=r"stack expects each tensor to be equal size, but got \[0\] at entry 0 "
        r"and \[1\] at entry 1",
    ):
        autocore.stack([autocore.zeros(0), autocore.zeros(1)], 1)


def test_var_squares_deviations_without_underflow():
    """Deviations of float32 subnormals square below float32's range: summed in double they stay positive, so
    dividing by zero degrees of freedom gives inf (as in PyTorch), not 0 / 0."""
    tiny = autocore.tensor([1.1754943508222875e-38, 0.0])
    assert tiny.std(correction=2).item() == float("inf")
    assert tiny.var(correction=1).item() == 0.0  # (a variance of 3.5e-77 rounds to float32's 0)


@pytest.mark.parametrize("create_graph", [False, True])
def test_var_std_amax_gradients_at_the_edges_match_pytorch(create_graph):
    """The fused backward kernels (no create_graph) and the recorded formulas (create_graph) against PyTorch: single
    rows, a correction at or past the count (inf and NaN), keepdim, several dims, ties, empty dims."""
    torch = torch_or_skip()
    rng = np.random.default_rng(30)
    cases = [
        ((3, 4), "var", dict(dim=1)),
        ((3, 4), "std", dict(dim=(0, 1))),
        ((1, 4), "var", dict(dim=0)),
        ((3, 4), "std", dict(dim=1, keepdim=True)),
        ((3, 1), "std", dict(dim=1, correction=0)),
        ((3, 2), "var", dict(dim=1, correction=2)),
        ((0, 3), "std", dict(dim=0)),
        ((5,), "var", {}),
        (None, "amax", dict(dim=1)),
        (None, "amin", dict(dim=0, keepdim=True)),
        (None, "amax", {}),
    ]
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    for shape, name, options in cases:
        x0 = ties if shape is None else rng.normal(size=shape)
        grads = []
        for lib in (autocore, torch):
            x = lib.tensor(x0, requires_grad=True)
            y = getattr(x, name)(**options)
            (g,) = lib.autograd.grad(y, [x], lib.ones_like(y), create_graph=create_graph and lib is autocore)
            grads.append(g.detach().numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14, err_msg=f"{name} {options}")
