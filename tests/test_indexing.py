"""Indexing and assignment against PyTorch (where installed) and numpy: x[index] and x[index] = value for every
index kind (ints, slices, None, ..., int tensors and lists, bool masks, mixed), index_put(_) with and without
accumulate, nonzero, argwhere, masked_select and take; their errors; gradients by finite differences; versions."""

import numpy as np
import pytest

import autocore

from conftest import DEVICES, numeric_grad, torch_or_skip

SHAPE = (4, 5, 3)


def index_cases(rng):
    """Index expressions as builders: given a library (autocore or torch), the index to apply to a SHAPE tensor."""
    ints = rng.integers(-4, 4, size=(2, 3))
    other = rng.integers(-5, 5, size=(3,))
    mask2 = rng.random((4, 5)) > 0.5
    mask1 = rng.random(5) > 0.3
    return {
        "int tensor": lambda L: (L.tensor(ints),),
        "two broadcast tensors": lambda L: (L.tensor(ints), L.tensor(other)),
        "list": lambda L: ([0, -1, 2, 2],),
        "nested list": lambda L: ([[0, 1], [3, 3]],),
        "slice then tensor": lambda L: (slice(1, None), L.tensor(other)),
        "tensors apart": lambda L: (L.tensor(other % 4), slice(None), L.tensor([0, 2, 1])),
        "int and tensor": lambda L: (1, L.tensor(other)),
        "ellipsis then list": lambda L: (Ellipsis, [0, 0, 2]),
        "None and list": lambda L: (None, [1, 3]),
        "mask over two dims": lambda L: (L.tensor(mask2),),
        "mask after a slice": lambda L: (slice(None), L.tensor(mask1)),
        "mask and tensor": lambda L: (L.tensor(mask2), L.tensor([0, 2])[:1]),
        "bool list": lambda L: ([True, False, True, True],),
        "empty list": lambda L: ([],),
        "0-d int tensor": lambda L: (L.tensor(2), [0, 1]),
        "0-d mask": lambda L: (L.tensor(True),),
        "step slice and list": lambda L: (slice(None, None, 2), [4, 0]),
    }


CASES = sorted(index_cases(np.random.default_rng(0)))


def build(case, lib):
    return index_cases(np.random.default_rng(0))[case](lib)


def source(lib, device=None):
    data = np.arange(np.prod(SHAPE), dtype=np.float64).reshape(SHAPE) * 0.5 - 7
    x = lib.tensor(data)
    return x if device is None else x.to(device)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_getitem_matches_pytorch(case, device):
    torch = torch_or_skip()
    ours = source(autocore, device)[build(case, autocore)]
    theirs = source(torch)[build(case, torch)]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())


@pytest.mark.parametrize("case", ["int tensor", "two broadcast tensors", "list", "mask over two dims", "bool list"])
def test_getitem_matches_numpy_where_numpy_agrees(case):
    # Without ints mixed in, numpy's advanced indexing is PyTorch's: an independent reference.
    np_index = tuple(np.asarray(p.numpy()) if isinstance(p, autocore.Tensor) else p for p in build(case, autocore))
    data = source(autocore).numpy()
    np.testing.assert_array_equal(source(autocore)[build(case, autocore)].numpy(), data[np_index])


def test_getitem_on_strided_and_empty_tensors():
    x = autocore.tensor(np.arange(60.0).reshape(3, 4, 5)).permute(2, 0, 1)[::2]  # non-contiguous view
    data = np.arange(60.0).reshape(3, 4, 5).transpose(2, 0, 1)[::2]
    index = ([0, 2, 1], slice(None), [3, 0, 0])
    np.testing.assert_array_equal(x[index].numpy(), data[index])
    empty = autocore.zeros(0, 3)
    assert tuple(empty[[], 1:].shape) == (0, 2)
    assert tuple(autocore.zeros(2, 0)[[1, 0]].shape) == (2, 0)
    assert tuple(autocore.zeros(3)[autocore.zeros(3, dtype=autocore.bool)].shape) == (0,)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("value", ["number", "broadcast row", "float64 into float32"])
@pytest.mark.parametrize("device", DEVICES)
def test_setitem_matches_pytorch(case, value, device):
    torch = torch_or_skip()
    results = []
    for lib in (autocore, torch):
        x = source(lib).to(lib.float32)
        x = x.to(device) if lib is autocore else x
        index = build(case, lib)
        shape = tuple(x[index].shape)
        if value == "number":
            v = 2.5
        elif value == "broadcast row":
            if not shape:
                pytest.skip("a 0-d result has no row")
            v = lib.arange(shape[-1], dtype=lib.float32) + 100
            v = v.to(device) if lib is autocore else v
        else:  # PyTorch converts it into a basic view, and refuses it for an advanced index
            v = lib.full(shape, 1 / 3, dtype=lib.float64)
            v = v.to(device) if lib is autocore else v
        try:
            x[index] = v
            results.append(x.cpu().numpy())
        except RuntimeError as error:
            results.append(type(error))
    if isinstance(results[1], type):
        assert results[0] is results[1]
    else:
        np.testing.assert_array_equal(*results)


def test_setitem_kinds_of_everyday_programs():
    x = autocore.tensor([[1.0, -2.0], [-3.0, 4.0]])
    x[x < 0] = 0  # grad[input < 0] = 0
    assert x.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    counts = autocore.zeros((3, 3), dtype=autocore.int64)
    for a, b in [(0, 1), (0, 1), (2, 0)]:
        counts[a, b] += 1  # a bigram table
    assert counts.tolist() == [[0, 2, 0], [0, 0, 0], [1, 0, 0]]
    x[1] = autocore.tensor([7.0, 8.0])
    x[:, 0] = 5
    assert x.tolist() == [[5.0, 0.0], [5.0, 8.0]]
    ints = autocore.zeros(3, dtype=autocore.int64)
    ints[[0, 2]] = 1.9  # a number converted to the tensor's dtype, as PyTorch's copy does
    assert ints.tolist() == [1, 0, 1]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("device", DEVICES)
def test_index_put_with_repeated_indices(accumulate, device):
    torch = torch_or_skip()
    rows, cols = [0, 2, 0, 0], [1, 1, 1, 3]
    values = np.array([1.0, 2.0, 3.0, 4.0])
    ours = autocore.zeros(3, 4, dtype=autocore.float64, device=device)
    ours.index_put_((autocore.tensor(rows), autocore.tensor(cols)), autocore.tensor(values, device=device), accumulate)
    theirs = torch.zeros(3, 4, dtype=torch.float64)
    theirs.index_put_((torch.tensor(rows), torch.tensor(cols)), torch.tensor(values), accumulate)
    if accumulate:
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    else:  # a repeated position gets one of its values; the others match exactly
        got, want = ours.cpu().numpy(), theirs.numpy()
        assert got[0, 1] in (1.0, 3.0)
        got[0, 1] = want[0, 1]
        np.testing.assert_array_equal(got, want)
    out = autocore.index_put(autocore.ones(3), (autocore.tensor([1, 1]),), autocore.tensor([2.0, 3.0]), True)
    assert out.tolist() == [1.0, 6.0, 1.0]


def test_nonzero_argwhere_masked_select_take():
    torch = torch_or_skip()
    data = np.array([[0.0, 1.5, 0.0], [np.nan, 0.0, -2.0]])
    x, t = autocore.tensor(data), torch.tensor(data)
    np.testing.assert_array_equal(autocore.nonzero(x).numpy(), torch.nonzero(t).numpy())
    np.testing.assert_array_equal(x.argwhere().numpy(), t.argwhere().numpy())
    for ours, theirs in zip(x.nonzero(as_tuple=True), t.nonzero(as_tuple=True)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(
        x.masked_select(autocore.tensor(mask)).numpy(), t.masked_select(torch.tensor(mask)).numpy()
    )
    np.testing.assert_array_equal(x.take(autocore.tensor([[5, 0]])).numpy(), t.take(torch.tensor([[5, 0]])).numpy())
    assert tuple(autocore.nonzero(autocore.tensor(3.0)).shape) == tuple(torch.nonzero(torch.tensor(3.0)).shape)


def test_errors_match_pytorchs():
    torch = torch_or_skip()
    cases = [
        lambda L: L.zeros(3)[L.tensor([3])],
        lambda L: L.zeros(3)[L.tensor([-4])],
        lambda L: L.zeros(3)[L.tensor([1.0])],
        lambda L: L.zeros(3, 2)[L.tensor([True, False])],
        lambda L: L.zeros(3, 2)[L.tensor([0, 1]), L.tensor([0, 1, 1])],
        lambda L: L.zeros(3)[[0], [0]],
        lambda L: L.zeros(0)[[0]],
        lambda L: L.zeros(3).__setitem__([0, 1], L.ones(3)),
        lambda L: L.zeros(3, 2).__setitem__(slice(None), L.ones(3)),
        lambda L: L.zeros(3).index_put_((L.tensor([0]),), L.ones(1, dtype=L.float64)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(theirs.type) as ours:
            case(autocore)
        assert type(ours.value) is theirs.type, (ours.value, theirs.value)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        autocore.zeros(3)[autocore.tensor([0, 3])]
    with pytest.raises(IndexError, match="The shape of the mask \\[2\\] at index 0 does not match"):
        autocore.zeros(3, 2)[autocore.tensor([True, False])]


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    x0, v0 = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    rows = autocore.tensor([2, 0, 2])  # a repeated row: its gradient adds up

    def read(x):
        return x[rows] * autocore.tensor(np.arange(9.0).reshape(3, 3))

    def write(x, v):
        return autocore.index_put(x, (autocore.tensor([3, 1]),), v) * 3

    def accumulate(x, v):
        return autocore.index_put(x, (autocore.tensor([1, 1]),), v, accumulate=True) ** 2

    for fn, inputs in ((read, (x0,)), (write, (x0, v0)), (accumulate, (x0, v0))):
        tensors = [autocore.tensor(a, requires_grad=True) for a in inputs]
        out = fn(*tensors)
        g = rng.standard_normal(tuple(out.shape))
        grads = autocore.autograd.grad(out, tensors, autocore.tensor(g))

        def f(*arrays, fn=fn):
            return fn(*[autocore.tensor(a) for a in arrays]).numpy()

        for analytic, numeric in zip(grads, numeric_grad(f, list(inputs), g)):
            np.testing.assert_allclose(analytic.numpy(), numeric, rtol=1e-6, atol=1e-8)
        assert autocore.autograd.gradcheck(fn, tuple(tensors))


def test_assignment_inside_the_graph_matches_pytorch():
    torch = torch_or_skip()
    grads = []
    for lib in (autocore, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        v = lib.tensor([5.0, 6.0], requires_grad=True)
        y = x * 2
        y[lib.tensor([1, 0]), 1] = v * v  # writes into a non-leaf: recorded, then differentiated through
        y[0, 0] = 7.0
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy(), v.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        autocore.ones(2, requires_grad=True)[0] = 1.0


def test_a_write_through_indexing_invalidates_saved_tensors():
    x = autocore.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()  # saves y
    with autocore.no_grad():
        y[autocore.tensor([0])] = 10.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


@pytest.mark.parametrize("threads", [1, 2])
def test_one_pass_mask_kernels_over_many_chunks(threads):
    """masked_select and masked_fill_ work in chunks of 65,536 elements, split over threads: a mask over several
    chunks (random, all, none), contiguous and strided, against numpy."""
    rng = np.random.default_rng(7)
    before = autocore.get_num_threads()
    autocore.set_num_threads(threads)
    try:
        data = rng.standard_normal((300, 700))
        for mask in (rng.random((300, 700)) < 0.3, np.ones((300, 700), bool), np.zeros((300, 700), bool)):
            views = (lambda a: a, lambda a: a.T, lambda a: a[::2, ::3])  # the kernels walk the strides
            for view in views:
                x_np, m_np = view(data), view(mask)
                x, m = view(autocore.tensor(data)), view(autocore.tensor(mask))
                assert x.shape == x_np.shape
                np.testing.assert_array_equal(x[m].numpy(), x_np[m_np])
                filled = x_np.copy()
                filled[m_np] = -1.5
                x[m] = -1.5
                np.testing.assert_array_equal(x.numpy(), filled)
    finally:
        autocore.set_num_threads(before)
