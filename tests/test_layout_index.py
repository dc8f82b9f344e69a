"""cat, stack, index_select, gather and one_hot against numpy; their scatter-add backwards against
finite differences; PyTorch's errors for bad indices and shapes."""

import numpy as np
import pytest

from autocore import _C

from conftest import array, noncontiguous, numeric_grad, tensor, torch_or_skip


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_match_numpy(dim):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    c = rng.normal(size=(2, 3)).astype(np.float32)
    parts = [tensor(a), tensor(noncontiguous(b)), tensor(c)]
    np.testing.assert_allclose(array(_C.cat(parts, dim)), np.concatenate([a, b, c.astype(np.float64)], dim))
    assert _C.cat(parts, dim).dtype == _C.DType.float64  # promoted across inputs
    np.testing.assert_allclose(array(_C.stack(parts, dim)), np.stack([a, b, c.astype(np.float64)], dim))
    np.testing.assert_allclose(array(_C.stack(parts, 2)), np.stack([a, b, c.astype(np.float64)], 2))


def test_cat_skips_legacy_empty_and_handles_empty_dims():
    a = np.ones((2, 3))
    np.testing.assert_array_equal(array(_C.cat([tensor(np.zeros(0)), tensor(a)], 0)), a)
    np.testing.assert_array_equal(array(_C.cat([tensor(np.zeros((0, 3))), tensor(a)], 0)), a)


def test_cat_stack_errors():
    with pytest.raises(RuntimeError, match="expected a non-empty list"):
        _C.cat([], 0)
    with pytest.raises(
        RuntimeError, match="Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4"
    ):
        _C.cat([tensor(np.ones((2, 3))), tensor(np.ones((2, 4)))], 0)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        _C.stack([tensor(np.ones((2, 3))), tensor(np.ones((2, 4)))], 0)
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        _C.cat([tensor(np.array(1.0))], 0)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_select_and_backward(dim):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 5))
    index = np.array([2, 0, 2, 1])[: x.shape[dim]]
    np.testing.assert_array_equal(
        array(_C.index_select(tensor(noncontiguous(x)), dim, tensor(index))), np.take(x, index, dim)
    )
    g = rng.normal(size=np.take(x, index, dim).shape)
    expected = numeric_grad(lambda a: np.take(a, index, dim), [x.copy()], g)[0]
    np.testing.assert_allclose(
        array(_C.index_add_backward(tensor(g), dim, tensor(index), list(x.shape))), expected, rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_and_its_vjp_a_summing_scatter(dim):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))
    index = rng.integers(0, x.shape[dim], size=(3, 4) if dim == 0 else (3, 2))
    expected = np.take_along_axis(x, index, dim)
    np.testing.assert_array_equal(array(_C.gather(tensor(noncontiguous(x)), dim, tensor(index))), expected)
    g = rng.normal(size=index.shape)
    numeric = numeric_grad(lambda a: np.take_along_axis(a, index, dim), [x.copy()], g)[0]
    summed = tensor(np.zeros(x.shape))
    _C.scatter_(summed, dim, tensor(index), tensor(g), "sum")
    np.testing.assert_allclose(array(summed), numeric, rtol=1e-6, atol=1e-8)


def test_index_errors_are_raised_before_memory_is_touched():
    x = tensor(np.ones((3, 4)))
    with pytest.raises(IndexError, match="index out of range in self"):
        _C.index_select(x, 0, tensor(np.array([0, 3])))
    # PyTorch's CPU kernel reports dim 1 of a 2-D+ tensor, and an empty tensor, as bounds RuntimeErrors
    with pytest.raises(RuntimeError, match="INDICES element is out of DATA bounds, id=-1 axis_dim=4"):
        _C.index_select(x, 1, tensor(np.array([-1])))
    with pytest.raises(IndexError, match="index out of range in self"):
        _C.index_select(tensor(np.ones((2, 3, 4))), 2, tensor(np.array([4])))
    with pytest.raises(RuntimeError, match="INDICES element is out of DATA bounds, id=5 axis_dim=3"):
        _C.index_select(tensor(np.ones((3, 0))), 0, tensor(np.array([5])))
    with pytest.raises(RuntimeError, match="self indexing axis dim should be positive"):
        _C.index_select(tensor(np.ones((0, 3))), 0, tensor(np.array([0])))
    with pytest.raises(RuntimeError, match="Index to scalar can have only 1 value, got 2 value"):
        _C.index_select(tensor(np.array(1.0)), 0, tensor(np.array([0, 0])))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        _C.index_select(x, 0, tensor(np.array([[0]])))
    with pytest.raises(RuntimeError, match="Expected dtype int32 or int64 for index"):
        _C.index_select(x, 0, tensor(np.array([0.0])))
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        _C.gather(x, 1, tensor(np.array([[4]])))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        _C.gather(x, 1, tensor(np.array([0])))


def test_one_hot():
    classes = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(array(_C.one_hot(tensor(classes))), np.eye(3, dtype=np.int64)[classes])
    np.testing.assert_array_equal(array(_C.one_hot(tensor(classes), 5)), np.eye(5, dtype=np.int64)[classes])
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        _C.one_hot(tensor(classes), 2)
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        _C.one_hot(tensor(np.array([-1])))
    with pytest.raises(RuntimeError, match="LongTensor"):
        _C.one_hot(tensor(np.array([1.0])))


def test_matches_pytorch_where_installed():
    torch = torch_or_skip()
    x = np.arange(12.0).reshape(3, 4)
    index = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_array_equal(
        array(_C.gather(tensor(x), 1, tensor(index))),
        torch.gather(torch.from_numpy(x), 1, torch.from_numpy(index)).numpy(),
    )


def test_cat_skips_legacy_empty_vectors_along_any_dim():
    import autocore

    x = autocore.ones(2, 3, requires_grad=True)
    y = autocore.cat([autocore.zeros(0), x, autocore.zeros(0)], 1)
    assert y.shape == (2, 3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        autocore.cat([])
