"""Matrix products: matmul/mm/bmm/mv/dot/addmm/linear against numpy, their backwards against finite
differences, PyTorch's shape rules and error messages, and PyTorch itself where installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autocore
from autocore import _C

from conftest import array, noncontiguous, numeric_grad, outcome, rand, tensor, torch_or_skip

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}

# (a shape, b shape) pairs covering every matmul rule: dot, matrix-vector both ways, batched with
# broadcast batch dims, size-0 and size-1 dims.
MATMUL_SHAPES = [
    ((5,), (5,)),
    ((0,), (0,)),
    ((3, 4), (4,)),
    ((4,), (4, 3)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((0, 4), (4, 5)),
    ((3, 0), (0, 5)),
    ((3, 4), (4, 0)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (6, 4, 2)),
    ((0, 3, 4), (4, 2)),
    ((2, 0, 4), (2, 4, 3)),
    ((13, 400), (400, 530)),  # crosses the k (384) and n (512) cache blocks
    ((70, 33), (33, 97)),  # partial micro-tiles on both edges
    ((32, 10), (10, 16)),  # the tiny MLP product (direct path)
    ((1, 300), (300, 200)),
    ((300, 200), (200, 1)),
    ((2, 257, 65), (65, 129)),
]


def reference(a, b):
    return np.matmul(a.astype(np.float64), b.astype(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_numpy(isa, shapes, dtype):
    rng = np.random.default_rng(0)
    a, b = rand(rng, shapes[0], dtype), rand(rng, shapes[1], dtype)
    out = _C.matmul(tensor(a), tensor(b))
    expected = reference(a, b)
    assert out.shape == expected.shape and out.dtype == _C.from_numpy(a).dtype
    np.testing.assert_allclose(array(out), expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,k,n", [(40, 50, 60), (5, 600, 3), (129, 17, 700)])
def test_matmul_reads_transposed_and_strided_operands(isa, m, k, n, dtype):
    rng = np.random.default_rng(1)
    a = rand(rng, (k, m), dtype).T  # column-major A
    b = noncontiguous(rand(rng, (k, n), dtype))  # every other column of a wider B
    bt = rand(rng, (n, k), dtype).T  # B^T stored row-major, as Linear's weight
    for left, right in ((a, b), (a, bt), (noncontiguous(rand(rng, (m, k), dtype)), bt)):
        np.testing.assert_allclose(array(_C.matmul(tensor(left), tensor(right))), reference(left, right), **TOL[dtype])


def test_matmul_does_not_depend_on_thread_count():
    rng = np.random.default_rng(2)
    a, b = rand(rng, (300, 500), np.float32), rand(rng, (500, 700), np.float32)
    threads = autocore.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            autocore.set_num_threads(n)
            results.append(array(_C.matmul(tensor(a), tensor(b))))
    finally:
        autocore.set_num_threads(threads)
    np.testing.assert_array_equal(results[0], results[1])


def test_matmul_int64_is_exact():
    rng = np.random.default_rng(3)
    a, b = rng.integers(-100, 100, (2, 7, 9)), rng.integers(-100, 100, (9, 4))
    out = _C.matmul(tensor(a), tensor(b))
    assert out.dtype == _C.DType.int64
    np.testing.assert_array_equal(array(out), a @ b)


def test_matmul_out_argument():
    rng = np.random.default_rng(4)
    a, b = rand(rng, (6, 5), np.float32), rand(rng, (5, 4), np.float32)
    out = np.full((4, 6), np.nan, np.float32).T  # a non-contiguous destination
    result = _C.matmul(tensor(a), tensor(b), out=tensor(out))
    np.testing.assert_allclose(out, reference(a, b), **TOL[np.float32])
    np.testing.assert_allclose(array(result), out)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mm_bmm_mv_dot(dtype):
    rng = np.random.default_rng(5)
    a, b = rand(rng, (4, 6), dtype), rand(rng, (6, 3), dtype)
    np.testing.assert_allclose(array(_C.mm(tensor(a), tensor(b))), reference(a, b), **TOL[dtype])
    x, y = rand(rng, (3, 4, 6), dtype), rand(rng, (3, 6, 2), dtype)
    np.testing.assert_allclose(array(_C.bmm(tensor(x), tensor(y))), reference(x, y), **TOL[dtype])
    v = rand(rng, (6,), dtype)
    np.testing.assert_allclose(array(_C.mv(tensor(a), tensor(v))), reference(a, v), **TOL[dtype])
    d = _C.dot(tensor(v), tensor(v))
    assert d.shape == ()
    np.testing.assert_allclose(array(d), np.dot(v.astype(np.float64), v), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias_shape", [(5,), (1, 5), (4, 1), (4, 5), ()])
def test_addmm(isa, bias_shape, dtype):
    rng = np.random.default_rng(6)
    bias, a, b = rand(rng, bias_shape, dtype), rand(rng, (4, 7), dtype), rand(rng, (7, 5), dtype)
    for beta, alpha in ((1, 1), (0.5, -2.0), (0, 3)):
        out = _C.addmm(tensor(bias), tensor(a), tensor(b), beta=beta, alpha=alpha)
        expected = beta * bias.astype(np.float64) + alpha * reference(a, b)
        np.testing.assert_allclose(array(out), expected, **TOL[dtype])


def test_addmm_int64_scales_by_alpha_and_beta():
    rng = np.random.default_rng(13)
    bias, a, b = rng.integers(-9, 9, (3,)), rng.integers(-9, 9, (2, 4)), rng.integers(-9, 9, (4, 3))
    for beta, alpha in ((1, 1), (2, 3), (0, -1), (2.9, 1.7), (1, -1.5)):
        out = _C.addmm(tensor(bias), tensor(a), tensor(b), beta=beta, alpha=alpha)
        # PyTorch truncates float factors toward zero for integer tensors.
        assert out.dtype == _C.DType.int64
        np.testing.assert_array_equal(array(out), int(beta) * bias + int(alpha) * (a @ b))


def test_addmm_with_beta_zero_ignores_nan_bias():
    a, b = np.ones((2, 3)), np.ones((3, 2))
    out = _C.addmm(tensor(np.full(2, np.nan)), tensor(a), tensor(b), beta=0)
    np.testing.assert_array_equal(array(out), a @ b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape", [(7,), (5, 7), (2, 3, 7), (0, 7), (3, 0, 7)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear(isa, x_shape, with_bias, dtype):
    rng = np.random.default_rng(7)
    x, w, bias = rand(rng, x_shape, dtype), rand(rng, (4, 7), dtype), rand(rng, (4,), dtype)
    out = _C.linear(tensor(x), tensor(w), tensor(bias) if with_bias else None)
    expected = reference(x, w.T) + (bias if with_bias else 0)
    assert out.shape == expected.shape
    np.testing.assert_allclose(array(out), expected, **TOL[dtype])


def test_linear_with_noncontiguous_input_and_weight():
    rng = np.random.default_rng(8)
    x = noncontiguous(rand(rng, (6, 9), np.float64))
    w = rand(rng, (9, 5), np.float64).T  # (5, 9) stored transposed
    np.testing.assert_allclose(array(_C.linear(tensor(x), tensor(w))), x @ w.T, rtol=1e-12)


# ---- backwards ----

BACKWARD_SHAPES = [
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 3)),
    ((3, 4), (4, 2)),
    ((2, 3, 4), (4, 2)),
    ((3, 4), (2, 4, 2)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((1, 1), (1, 1)),
    ((0, 3), (3, 2)),
]


@pytest.mark.parametrize("shapes", BACKWARD_SHAPES, ids=str)
def test_matmul_backward_matches_finite_differences(shapes):
    rng = np.random.default_rng(9)
    a, b = rand(rng, shapes[0]), rand(rng, shapes[1])
    grad = rand(rng, np.matmul(a, b).shape)
    grad_a, grad_b = _C.matmul_backward(tensor(grad), tensor(a), tensor(b))
    expected_a, expected_b = numeric_grad(np.matmul, [a, b], grad)
    np.testing.assert_allclose(array(grad_a), expected_a, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(array(grad_b), expected_b, rtol=1e-6, atol=1e-8)


def test_matmul_backward_computes_only_what_is_needed():
    a, b = np.ones((3, 4)), np.ones((4, 2))
    grad_a, grad_b = _C.matmul_backward(tensor(np.ones((3, 2))), tensor(a), tensor(b), need_other=False)
    assert grad_b is None and grad_a.shape == (3, 4)


@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)])
def test_linear_backward_matches_finite_differences(x_shape):
    rng = np.random.default_rng(10)
    x, w, bias = rand(rng, x_shape), rand(rng, (4, 5)), rand(rng, (4,))
    grad = rand(rng, x_shape[:-1] + (4,))
    grads = _C.linear_backward(tensor(grad), tensor(x), tensor(w))
    expected = numeric_grad(lambda x, w, bias: x @ w.T + bias, [x, w, bias], grad)
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(array(got), want, rtol=1e-6, atol=1e-8)


# ---- errors ----


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: _C.matmul(tensor(np.zeros(())), tensor(np.zeros((2, 2)))), "at least 1D, but they are 0D and 2D"),
        (
            lambda: _C.matmul(tensor(np.zeros((3, 4))), tensor(np.zeros((5, 2)))),
            r"cannot be multiplied \(3x4 and 5x2\)",
        ),
        (lambda: _C.matmul(tensor(np.zeros(3)), tensor(np.zeros(4))), "inconsistent tensor size"),
        (
            lambda: _C.matmul(tensor(np.zeros((3, 4))), tensor(np.zeros(5))),
            r"size mismatch, got input \(3\), mat \(3x4\), vec \(5\)",
        ),
        (lambda: _C.matmul(tensor(np.zeros(3)), tensor(np.zeros((4, 5)))), r"\(1x3 and 4x5\)"),
        (
            lambda: _C.matmul(tensor(np.zeros((2, 3, 4))), tensor(np.zeros((2, 5, 6)))),
            r"batch2 tensor to be: \[2, 4\] but got: \[2, 5\]",
        ),
        (lambda: _C.matmul(tensor(np.zeros((2, 3, 4))), tensor(np.zeros((3, 4, 6)))), "must match the size"),
        (
            lambda: _C.matmul(tensor(np.zeros((3, 4), np.float32)), tensor(np.zeros((4, 2)))),
            "same dtype, but got: float != double",
        ),
        (
            lambda: _C.matmul(tensor(np.zeros((3, 4), bool)), tensor(np.zeros((4, 2), bool))),
            "not implemented for 'Bool'",
        ),
        (lambda: _C.mm(tensor(np.zeros(3)), tensor(np.zeros((3, 2)))), "self must be a matrix"),
        (lambda: _C.bmm(tensor(np.zeros((3, 2))), tensor(np.zeros((3, 2)))), "batch1 must be a 3D tensor"),
        (lambda: _C.bmm(tensor(np.zeros((2, 3, 4))), tensor(np.zeros((3, 4, 2)))), r"\[2, 4\] but got: \[3, 4\]"),
        (lambda: _C.dot(tensor(np.zeros((3, 1))), tensor(np.zeros(3))), "1D tensors expected, but got 2D and 1D"),
        (
            lambda: _C.addmm(tensor(np.zeros((3, 3))), tensor(np.zeros((3, 4))), tensor(np.zeros((4, 2)))),
            "expanded size",
        ),
        (lambda: _C.linear(tensor(np.zeros((3, 4))), tensor(np.zeros((2, 5)))), r"\(3x4 and 5x2\)"),
        (
            lambda: _C.matmul(
                tensor(np.zeros((3, 4))), tensor(np.zeros((4, 2))), out=tensor(np.zeros((3, 2), np.float32))
            ),
            "Expected out tensor to have dtype double, but got float instead",
        ),
    ],
)
def test_bad_input_raises_runtime_error(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_a_dtype_without_a_product_raises_not_implemented_error():
    """PyTorch's type for a dtype its kernels lack (a subclass of RuntimeError)."""
    with pytest.raises(NotImplementedError, match="\"addmm_impl_cpu_\" not implemented for 'Bool'"):
        _C.matmul(tensor(np.zeros((3, 4), bool)), tensor(np.zeros((4, 2), bool)))


# ---- property-based broadcasting ----

batch = st.lists(st.integers(0, 3), min_size=0, max_size=2)


@settings(max_examples=60, deadline=None)
@given(
    batch_a=batch,
    batch_b=batch,
    m=st.integers(0, 9),
    k=st.integers(0, 9),
    n=st.integers(0, 9),
    seed=st.integers(0, 2**16),
)
def test_matmul_broadcasting_property(batch_a, batch_b, m, k, n, seed):
    rng = np.random.default_rng(seed)
    # Make the batch dims broadcastable: where they differ, one side becomes 1.
    common = min(len(batch_a), len(batch_b))
    for i in range(1, common + 1):
        if batch_a[-i] != batch_b[-i]:
            batch_b[-i] = 1
    a, b = rand(rng, tuple(batch_a) + (m, k)), rand(rng, tuple(batch_b) + (k, n))
    np.testing.assert_allclose(array(_C.matmul(tensor(a), tensor(b))), np.matmul(a, b), rtol=1e-12, atol=1e-12)


# ---- PyTorch parity ----


@pytest.mark.parametrize("shapes", MATMUL_SHAPES[:18], ids=str)
def test_matmul_matches_torch(shapes):
    torch = torch_or_skip()
    rng = np.random.default_rng(11)
    a, b = rand(rng, shapes[0], np.float32), rand(rng, shapes[1], np.float32)
    expected = torch.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    out = array(_C.matmul(tensor(a), tensor(b)))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_linear_and_backward_match_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(12)
    x, w, bias = rand(rng, (2, 3, 6)), rand(rng, (4, 6)), rand(rng, (4,))
    grad = rand(rng, (2, 3, 4))
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
    y = torch.nn.functional.linear(tx, tw, tb)
    y.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(array(_C.linear(tensor(x), tensor(w), tensor(bias))), y.detach().numpy(), rtol=1e-12)
    for got, want in zip(_C.linear_backward(tensor(grad), tensor(x), tensor(w)), (tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(array(got), want.numpy(), rtol=1e-12, atol=1e-12)


def test_addmm_follows_pytorch_rules():
    torch = torch_or_skip()
    import autocore

    cases = [
        lambda m: m.addmm(m.zeros(()), m.ones(3), m.ones(3)),  # operands must be matrices
        lambda m: m.addmm(m.zeros(3), m.ones(1, 2), m.ones(2, 1)),  # the bias expands to the product, no more
        lambda m: m.addmm(m.full((2,), float("nan")), m.ones(2, 2), m.ones(2, 2), beta=0),  # beta=0 ignores NaN
        lambda m: m.addmm(*[m.ones(2, 2, dtype=m.int64)] * 3, alpha=0.5, beta=0.5),  # integer rules
        lambda m: m.addmm(m.ones(3), m.ones(2, 4), m.ones(4, 3), beta=2, alpha=3),
    ]
    for case in cases:
        assert outcome(case, autocore) == outcome(case, torch)


def test_linear_bias_is_added_in_place_as_pytorch_does():
    """PyTorch adds a bias that only broadcasts in place, so the output keeps its shape; a 1-D input is a batch
    of one, squeezed afterwards."""
    F = autocore.nn.functional
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(1\) must match the existing size \(7\)"):
        F.linear(autocore.zeros(2, 1), autocore.ones(1, 1), autocore.zeros(7))
    with pytest.raises(RuntimeError, match=r"Target sizes: \[1, 1\]"):
        F.linear(autocore.zeros(1), autocore.ones(1, 1), autocore.zeros(7))
    assert F.linear(autocore.zeros(1), autocore.ones(3, 1), autocore.ones(1, 3)).tolist() == [1.0, 1.0, 1.0]
    assert F.linear(autocore.zeros(2, 1), autocore.ones(3, 1), autocore.ones(())).shape == (2, 3)


def test_integer_addmm_over_nothing_refuses_a_float_beta():
    """With K = 0 PyTorch scales the integer bias by beta in place: a float beta (even 1.0) cannot be stored."""
    long = autocore.int64
    bias, a, b = autocore.tensor([1, 2, 3]), autocore.ones(1, 0, dtype=long), autocore.ones(0, 3, dtype=long)
    for beta in (0.5, 1.0, 2.0):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            autocore.addmm(bias, a, b, beta=beta)
    assert autocore.addmm(bias, a, b, beta=0.0).tolist() == [[0, 0, 0]]
    assert autocore.addmm(bias, a, b, beta=2).tolist() == [[2, 4, 6]]


@pytest.mark.parametrize(
    "shapes",
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (4, 3, 5)),
        ((4, 1, 2, 3), (5, 3, 2)),
        ((0, 3), (3, 2)),
    ],
    ids=str,
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_matmul_gradients_through_autograd_match_pytorch(shapes, create_graph):
    """Without create_graph the vjp is one matmul_backward call; with it, matmuls of the graph's tensors."""
    torch = torch_or_skip()
    rng = np.random.default_rng(32)
    a0, b0 = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    g0 = rng.normal(size=np.matmul(a0, b0).shape)
    grads = []
    for lib in (autocore, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        grads.append(lib.autograd.grad(lib.matmul(a, b), [a, b], lib.tensor(g0), create_graph=create_graph))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
