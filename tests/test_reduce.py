"""Reductions beyond tests/test_op_db.py (which checks each reduction's values against numpy over any set of dims,
contiguous and strided, size-0/1 dims and 0-d, for every dtype under every ISA, and its gradients, tangents and
PyTorch parity): ties and NaN, long float32 sums, gradients at the edges, sum_to_shape, and PyTorch's errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autocore
from autocore import _C

from conftest import array, tensor, torch_or_skip


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


# ---- numpy's argument names -------------------------------------------------------------------------------------

NUMPY_NAMED = [
    ("sum", np.sum),
    ("mean", np.mean),
    ("amax", np.amax),
    ("amin", np.amin),
    ("std", lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("var", lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("argmax", np.argmax),
    ("argmin", np.argmin),
]


@pytest.mark.parametrize("name, reference", NUMPY_NAMED, ids=[n for n, _ in NUMPY_NAMED])
def test_reductions_take_numpys_axis_and_keepdims(name, reference):
    """x.sum(axis=1, keepdims=True), as tutorials write it: PyTorch's argument parser takes numpy's names."""
    a = np.random.default_rng(12).normal(size=(3, 4))
    x = autocore.tensor(a)
    for keepdims in (False, True):
        expected = reference(a, axis=1, keepdims=keepdims)
        np.testing.assert_allclose(getattr(x, name)(axis=1, keepdims=keepdims).numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(getattr(autocore, name)(x, axis=1, keepdims=keepdims).numpy(), expected, rtol=1e-12)
    with pytest.raises(TypeError, match="got multiple values for argument 'dim'"):
        getattr(x, name)(dim=0, axis=1)


def test_max_softmax_and_joins_take_numpys_names_too():
    a = np.random.default_rng(13).normal(size=(2, 3))
    x = autocore.tensor(a)
    np.testing.assert_array_equal(x.max(axis=1, keepdims=True).values.numpy(), a.max(axis=1, keepdims=True))
    np.testing.assert_array_equal(x.min(axis=0).indices.numpy(), a.argmin(axis=0))
    np.testing.assert_allclose(x.softmax(axis=1).numpy(), np.exp(a) / np.exp(a).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(
        autocore.log_softmax(x, axis=0).numpy().sum(), np.log(np.exp(a) / np.exp(a).sum(0)).sum()
    )
    np.testing.assert_array_equal(autocore.cat([x, x], axis=1).numpy(), np.concatenate([a, a], axis=1))
    np.testing.assert_array_equal(autocore.stack([x, x], axis=2).numpy(), np.stack([a, a], axis=2))
    assert x.unsqueeze(axis=1).shape == (2, 1, 3) and x[:1].squeeze(axis=0).shape == (3,)
