"""softmax/log_softmax, nll_loss, fused cross_entropy and the pointwise losses against numpy references
written here from the definitions (and PyTorch when installed), their backwards against central finite
differences in float64, their errors, and the vectorised exp/log they are built on, under every ISA."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autocore
from autocore import _C
from autocore.nn import functional as F

from conftest import array, noncontiguous, numeric_grad, rand, tensor, torch_or_skip

FLOATS = [np.float32, np.float64]
REDUCTIONS = ["none", "mean", "sum"]


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)


# ---- numpy references --------------------------------------------------------------------------------


def np_softmax(x, axis):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis, keepdims=True, initial=-np.inf))
    return e / e.sum(axis, keepdims=True)


def np_log_softmax(x, axis):
    x = x.astype(np.float64)
    shifted = x - x.max(axis, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def class_last(x):
    """(C) -> (1, C); (N, C, d...) -> (N, d..., C): classes on the last axis, one sample per row."""
    return x[None] if x.ndim == 1 else np.moveaxis(x, 1, -1)


def np_nll_parts(logp, target, weight, ignore_index):
    """Per-sample losses -w[t] logp[t] (0 where ignored) and the per-sample weights w[t] (0 where ignored)."""
    lp = class_last(logp.astype(np.float64))
    t = np.asarray(target).reshape(lp.shape[:-1])
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = np.take_along_axis(lp, safe[..., None], -1)[..., 0]
    w = (np.ones(lp.shape[-1]) if weight is None else weight.astype(np.float64))[safe] * valid
    return -w * picked, w


def reduce(losses, weights, reduction, shape):
    if reduction == "none":
        return losses.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return losses.sum() if reduction == "sum" else losses.sum() / weights.sum()


def np_nll_loss(logp, target, weight=None, reduction="mean", ignore_index=-100):
    losses, w = np_nll_parts(logp, target, weight, ignore_index)
    return reduce(losses, w, reduction, np.shape(target))


def np_cross_entropy(x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """PyTorch's definition: (1 - eps) nll(log_softmax) + eps/C * sum_c w_c (-log_softmax_c), the smoothing
    term normalised like the nll term."""
    axis = 0 if x.ndim == 1 else 1
    logp = np_log_softmax(x, axis)
    losses, w = np_nll_parts(logp, target, weight, ignore_index)
    lp = class_last(logp)
    cw = np.ones(lp.shape[-1]) if weight is None else weight.astype(np.float64)
    valid = np.asarray(target).reshape(lp.shape[:-1]) != ignore_index
    smooth = -(lp * cw).sum(-1) * valid
    C = x.shape[axis]
    combined = (1 - label_smoothing) * losses + label_smoothing / C * smooth
    return reduce(combined, w, reduction, np.shape(target))


def np_pointwise(kind, x, y, weight=None, pos_weight=None):
    x, y = np.broadcast_arrays(x.astype(np.float64), y.astype(np.float64))
    w = 1.0 if weight is None else weight.astype(np.float64)
    if kind == "mse_loss":
        return w * (x - y) ** 2
    if kind == "l1_loss":
        return w * np.abs(x - y)
    if kind == "binary_cross_entropy":
        with np.errstate(divide="ignore"):
            return -w * (y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    pw = 1.0 if pos_weight is None else pos_weight.astype(np.float64)
    log_sigmoid = lambda v: -np.logaddexp(0, -v)  # noqa: E731
    return -w * (pw * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))


def np_reduce_mean(losses, reduction):
    if reduction == "none":
        return losses
    with np.errstate(invalid="ignore"):
        return losses.sum() if reduction == "sum" else losses.sum() / losses.size


# ---- simd_math.h -------------------------------------------------------------------------------------


def ulp_error(ours, exact, dtype):
    exact_rounded = exact.astype(dtype)
    return np.abs(ours.astype(np.longdouble) - exact) / np.spacing(np.abs(exact_rounded)).astype(np.longdouble)


@pytest.mark.parametrize("dtype", FLOATS)
def test_simd_exp_matches_numpy(isa, dtype):
    edge = 88.8 if dtype == np.float32 else 709.9
    x = np.concatenate([np.linspace(-edge - 20, edge, 400001), np.linspace(-1, 1, 10001)]).astype(dtype)
    ours = array(_C._simd_exp(tensor(x)))
    exact = np.exp(x.astype(np.longdouble))
    normal = (exact > np.finfo(dtype).tiny) & (exact < np.finfo(dtype).max)
    limit = 2.0 if dtype == np.float32 else 3.0  # double: 3 ulp ~ 6.7e-16 relative
    assert ulp_error(ours[normal], exact[normal], dtype).max() <= limit
    with np.errstate(over="ignore", under="ignore"):
        reference = np.exp(x)
    # Subnormal results round once, as std::exp's do; overflow gives inf exactly where numpy's does.
    sub = ~normal
    np.testing.assert_allclose(
        ours[sub],
        reference[sub],
        rtol=1e-6 if dtype == np.float32 else 1e-12,
        atol=2 * np.finfo(dtype).smallest_subnormal,
    )
    assert (np.isinf(ours) == np.isinf(reference)).all()
    special = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0, -1e30, 1e30], dtype)
    out = array(_C._simd_exp(tensor(special)))
    np.testing.assert_array_equal(out[:2], [0.0, np.inf])
    assert np.isnan(out[2]) and out[3] == 1 and out[4] == 1 and out[5] == 0 and out[6] == np.inf


@pytest.mark.parametrize("dtype", FLOATS)
def test_simd_exp_at_the_overflow_and_underflow_edges(isa, dtype):
    info = np.finfo(dtype)
    top = np.log(np.float64(info.max))  # 88.72 / 709.78
    bottom = np.log(np.float64(info.smallest_subnormal))  # -103.28 / -744.44
    x = np.array(
        [
            np.nextafter(dtype(top), dtype(0)),
            dtype(top),
            np.nextafter(dtype(top), dtype(np.inf)),
            np.log(np.float64(info.tiny)),
            bottom + 0.1,
            bottom - 0.8,
            dtype(-88.0),
            dtype(-87.0),
            dtype(-708.0),
            dtype(88.0),
            dtype(709.0),
        ],
        dtype,
    )
    with np.errstate(over="ignore", under="ignore"):
        expected = np.exp(x)
    ours = array(_C._simd_exp(tensor(x)))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=4 * info.eps, atol=info.smallest_subnormal)


@pytest.mark.parametrize("dtype", FLOATS)
def test_simd_log_and_log1p_match_numpy(isa, dtype):
    rng = np.random.default_rng(0)
    info = np.finfo(dtype)
    x = np.concatenate(
        [
            np.exp(rng.uniform(np.log(info.tiny), np.log(info.max), 200000)),
            rng.uniform(0.5, 2.0, 100000),
            1 + np.linspace(-1e-3, 1e-3, 2001),
            [info.smallest_subnormal, info.smallest_subnormal * 3, info.tiny / 3, info.tiny, info.max],
        ]
    ).astype(dtype)
    ours = array(_C._simd_log(tensor(x)))
    exact = np.log(x.astype(np.longdouble))
    nonzero = exact != 0
    assert ulp_error(ours[nonzero], exact[nonzero], dtype).max() <= 2.0
    assert (ours[~nonzero] == 0).all()
    special = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan], dtype)
    out = array(_C._simd_log(tensor(special)))
    np.testing.assert_array_equal(out[:2], [-np.inf, -np.inf])
    assert np.isnan(out[2]) and out[3] == np.inf and np.isnan(out[4]) and np.isnan(out[5])
    u = np.concatenate([np.geomspace(1e-30, 1e3, 20001), -np.geomspace(1e-30, 0.999, 20001), [0.0]]).astype(dtype)
    ours = array(_C._simd_log1p(tensor(u)))
    exact = np.log1p(u.astype(np.longdouble))
    nonzero = exact != 0
    assert ulp_error(ours[nonzero], exact[nonzero], dtype).max() <= 3.0
    out = array(_C._simd_log1p(tensor(np.array([-1.0, np.inf, np.nan, -2.0], dtype))))
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2]) and np.isnan(out[3])


# ---- softmax / log_softmax ---------------------------------------------------------------------------

SOFTMAX_CASES = [
    ((), 0),
    ((), -1),
    ((7,), 0),
    ((3, 5), 1),
    ((3, 5), 0),
    ((3, 5), -2),
    ((2, 3, 4), 1),
    ((2, 3, 300), 1),
    ((2, 300, 3), 2),
    ((4, 0, 3), 2),
    ((4, 0, 3), 1),
    ((1, 1), 1),
    ((1, 6, 1), 1),
    ((64, 1000), 1),
    ((3, 70000), 0),
    ((1, 5, 700), 1),
]


@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_and_log_softmax_match_numpy(isa, shape, dim, dtype):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, dtype, -5, 5)
    axis = dim if x.ndim else None
    expected = np_softmax(x, axis) if x.ndim else np.float64(1.0)
    expected_log = np_log_softmax(x, axis) if x.ndim else np.float64(0.0)
    for view in (x, noncontiguous(x)):
        out = array(_C.softmax(tensor(view), dim))
        assert out.dtype == dtype and out.shape == shape
        np.testing.assert_allclose(out, expected, **tol(dtype))
        np.testing.assert_allclose(array(_C.log_softmax(tensor(view), dim)), expected_log, **tol(dtype))
    if x.size and x.ndim:
        np.testing.assert_allclose(out.astype(np.float64).sum(axis), 1.0, rtol=1e-5 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_is_stable_for_huge_logits(isa, dtype):
    x = np.array([[1e4, 1e4 - 1, 1e4 - 30], [-1e4, -1e4 + 2, -1e4 + 0.5], [1e4, -1e4, 0.0]], dtype)
    for dim, axis in ((1, 1), (0, 0)):
        p = array(_C.softmax(tensor(x), dim))
        lp = array(_C.log_softmax(tensor(x), dim))
        assert np.isfinite(p).all() and np.isfinite(lp).all()
        np.testing.assert_allclose(p, np_softmax(x, axis), rtol=1e-6, atol=1e-30)
        # (x - max) - log(sum) is exact in float32 too: no error of 1e4's ulp (1e-3) leaks in.
        np.testing.assert_allclose(lp, np_log_softmax(x, axis), rtol=1e-6, atol=1e-6)


def test_float32_softmax_long_rows_and_columns_match_numpy(isa):
    rng = np.random.default_rng(18)
    x = rng.uniform(-1, 1, size=(2, 300000)).astype(np.float32)
    expected = np_log_softmax(x, 1)
    np.testing.assert_allclose(array(_C.log_softmax(tensor(x), 1)), expected, rtol=0, atol=2e-6)
    np.testing.assert_allclose(
        array(_C.log_softmax(tensor(np.ascontiguousarray(x.T)), 0)), expected.T, rtol=0, atol=2e-6
    )
    loss = array(_C.cross_entropy(tensor(x), tensor(np.array([3, 7])), reduction="none")[0])
    np.testing.assert_allclose(loss, -expected[[0, 1], [3, 7]], rtol=1e-6)


def test_softmax_special_values():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, 3.0], [np.nan, 1.0, 2.0]])
    p = array(_C.softmax(tensor(x), 1))
    np.testing.assert_allclose(p[0], [1 / (1 + np.e), 0.0, np.e / (1 + np.e)])
    np.testing.assert_array_equal(p[1], [0.0, 0.0, 1.0])
    assert np.isnan(p[2]).all()
    lp = array(_C.log_softmax(tensor(x), 1))
    assert lp[1, 0] == -np.inf and lp[1, 2] == 0.0


@pytest.mark.parametrize(
    "shape,dim", [((4,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((), 0)], ids=str
)
def test_softmax_backwards_match_finite_differences(isa, shape, dim):
    rng = np.random.default_rng(2)
    x = rng.normal(size=shape)
    g = rng.normal(size=shape)
    axis = dim if x.ndim else None
    for forward, ours, backward in (
        ((lambda a: np_softmax(a, axis)) if x.ndim else (lambda a: np.ones_like(a)), _C.softmax, _C.softmax_backward),
        (
            (lambda a: np_log_softmax(a, axis)) if x.ndim else (lambda a: np.zeros_like(a)),
            _C.log_softmax,
            _C.log_softmax_backward,
        ),
    ):
        out = ours(tensor(x), dim)
        expected = numeric_grad(forward, [x.copy()], g)[0]
        np.testing.assert_allclose(array(backward(tensor(noncontiguous(g)), out, dim)), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_backwards_float32_and_inner_layouts_match_numpy(isa, dtype):
    rng = np.random.default_rng(3)
    x = rand(rng, (3, 300, 5), dtype)
    g = rand(rng, (3, 300, 5), dtype)
    for dim in (0, 1, 2):
        p = np_softmax(x, dim)
        expected = p * (g - (g * p).sum(dim, keepdims=True))
        np.testing.assert_allclose(
            array(_C.softmax_backward(tensor(g), _C.softmax(tensor(x), dim), dim)), expected, **tol(dtype)
        )
        expected_log = g - p * g.astype(np.float64).sum(dim, keepdims=True)
        np.testing.assert_allclose(
            array(_C.log_softmax_backward(tensor(g), _C.log_softmax(tensor(x), dim), dim)),
            expected_log,
            rtol=1e-4 if dtype == np.float32 else 1e-12,
            atol=1e-5,
        )


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_softmax_random_shapes(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    dim = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    dtype = data.draw(st.sampled_from(FLOATS))
    x = np.random.default_rng(len(shape)).uniform(-3, 3, size=shape).astype(dtype)
    expected = np_softmax(x, dim) if x.ndim else np.float64(1.0)
    np.testing.assert_allclose(array(_C.softmax(tensor(x), dim)), expected, **tol(dtype))
    np.testing.assert_allclose(
        array(_C.log_softmax(tensor(x), dim)), np_log_softmax(x, dim) if x.ndim else 0.0, **tol(dtype)
    )


def test_softmax_errors():
    with pytest.raises(RuntimeError, match="\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        _C.softmax(tensor(np.arange(3)), 0)
    with pytest.raises(RuntimeError, match="\"log_softmax_kernel_impl\" not implemented for 'Long'"):
        _C.log_softmax(tensor(np.arange(6).reshape(2, 3)), 0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        _C.softmax(tensor(np.ones((2, 3))), 2)
    with pytest.raises(RuntimeError, match=r"grad of shape \[2, 2\] does not match output of shape \[2, 3\]"):
        _C.softmax_backward(tensor(np.ones((2, 2))), tensor(np.ones((2, 3))), 1)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        _C.log_softmax_backward(tensor(np.ones((2, 3), np.float32)), tensor(np.ones((2, 3))), 1)


def test_softmax_matches_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(4)
    x = rand(rng, (5, 7, 3), np.float32, -10, 10)
    for dim in (0, 1, 2, -1):
        np.testing.assert_allclose(
            array(_C.softmax(tensor(x), dim)), torch.softmax(torch.from_numpy(x), dim).numpy(), rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(
            array(_C.log_softmax(tensor(x), dim)),
            torch.log_softmax(torch.from_numpy(x), dim).numpy(),
            rtol=1e-5,
            atol=1e-5,
        )


# ---- nll_loss ----------------------------------------------------------------------------------------

CLASS_SHAPES = [(5,), (4, 5), (0, 5), (3, 4, 2), (2, 3, 2, 3), (1, 1), (6, 1000)]


def class_targets(rng, shape, ignore_index=-100, ignore_some=True):
    C = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, size=target_shape).astype(np.int64)
    if ignore_some and t.size > 1:
        t.reshape(-1)[::3] = ignore_index
    return t


@pytest.mark.parametrize("shape", CLASS_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_numpy(isa, shape, dtype, reduction, weighted):
    rng = np.random.default_rng(5)
    x = rand(rng, shape, dtype, -3, 0)
    C = shape[0] if len(shape) == 1 else shape[1]
    w = rand(rng, (C,), dtype, 0.1, 2) if weighted else None
    for ignore_index in (-100, 1):
        t = class_targets(rng, shape, ignore_index)
        expected = np_nll_loss(x, t, w, reduction, ignore_index)
        loss, total_weight = _C.nll_loss(
            tensor(noncontiguous(x)), tensor(t), tensor(w) if weighted else None, reduction, ignore_index
        )
        np.testing.assert_allclose(array(loss), expected, **tol(dtype))
        _, weights = np_nll_parts(x, t, w, ignore_index)
        np.testing.assert_allclose(array(total_weight), weights.sum(), **tol(dtype))


def test_nll_loss_all_ignored_mean_is_nan_and_sum_is_zero():
    x, t = tensor(np.zeros((3, 4))), tensor(np.full(3, -100))
    assert np.isnan(array(_C.nll_loss(x, t)[0]))
    assert array(_C.nll_loss(x, t, reduction="sum")[0]) == 0
    np.testing.assert_array_equal(array(_C.nll_loss(x, t, reduction="none")[0]), [0, 0, 0])


@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 2)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_backward_matches_finite_differences(isa, shape, reduction):
    rng = np.random.default_rng(6)
    x = rng.normal(size=shape)
    C = shape[0] if len(shape) == 1 else shape[1]
    w = rng.uniform(0.5, 2, size=C)
    t = class_targets(rng, shape)
    loss, total_weight = _C.nll_loss(tensor(x), tensor(t), tensor(w), reduction)
    g = rng.normal(size=array(loss).shape)
    expected = numeric_grad(lambda a: np_nll_loss(a, t, w, reduction), [x.copy()], g)[0]
    ours = _C.nll_loss_backward(tensor(g), list(shape), tensor(t), tensor(w), reduction, -100, total_weight)
    np.testing.assert_allclose(array(ours), expected, rtol=1e-6, atol=1e-8)


def test_nll_loss_errors():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        _C.nll_loss(x, tensor(np.array([0, 5, 1])))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        _C.nll_loss(x, tensor(np.array([0, -1, 1])))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)."):
        _C.nll_loss(x, tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match=r"Expected 1 or more dimensions \(got 0\)"):
        _C.nll_loss(tensor(np.float64(1.0)), tensor(np.int64(0)))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        _C.nll_loss(x, tensor(np.zeros((3, 2), np.int64)))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 2\], got \[3, 3\]"):
        _C.nll_loss(tensor(np.zeros((3, 4, 2))), tensor(np.zeros((3, 3), np.int64)))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long, but got Double"):
        _C.nll_loss(x, tensor(np.zeros(3)))
    with pytest.raises(
        RuntimeError,
        match=r"weight tensor should be defined either for all 4 classes or no classes "
        r"but got weight tensor of shape: \[3\]",
    ):
        _C.nll_loss(x, tensor(np.zeros(3, np.int64)), tensor(np.ones(3)))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        _C.nll_loss(tensor(np.zeros((3, 4), np.int64)), tensor(np.zeros(3, np.int64)))
    with pytest.raises(ValueError, match="'xyz' is not a valid value for reduction"):
        _C.nll_loss(x, tensor(np.zeros(3, np.int64)), reduction="xyz")


def test_nll_loss_matches_torch():
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    for shape in [(6, 5), (5,), (3, 5, 2, 2)]:
        x = rand(rng, shape, np.float32, -4, 0)
        w = rand(rng, (5,), np.float32, 0.2, 2)
        for ignore_index in (-100, 2):
            t = class_targets(rng, shape, ignore_index)
            for reduction in REDUCTIONS:
                for weight in (None, w):
                    xt = torch.from_numpy(x).requires_grad_()
                    expected = F.nll_loss(
                        xt,
                        torch.from_numpy(t),
                        None if weight is None else torch.from_numpy(weight),
                        ignore_index=ignore_index,
                        reduction=reduction,
                    )
                    loss, total = _C.nll_loss(
                        tensor(x), tensor(t), None if weight is None else tensor(weight), reduction, ignore_index
                    )
                    np.testing.assert_allclose(array(loss), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
                    g = rng.normal(size=expected.shape).astype(np.float32)
                    expected.backward(torch.from_numpy(g))
                    grad = _C.nll_loss_backward(
                        tensor(g),
                        list(shape),
                        tensor(t),
                        None if weight is None else tensor(weight),
                        reduction,
                        ignore_index,
                        total,
                    )
                    np.testing.assert_allclose(array(grad), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


# ---- cross_entropy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", CLASS_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_matches_numpy(isa, shape, dtype, reduction, label_smoothing):
    rng = np.random.default_rng(8)
    x = rand(rng, shape, dtype, -5, 5)
    C = shape[0] if len(shape) == 1 else shape[1]
    for weighted in (False, True):
        w = rand(rng, (C,), dtype, 0.1, 2) if weighted else None
        t = class_targets(rng, shape)
        loss, stats, total_weight = _C.cross_entropy(
            tensor(noncontiguous(x)),
            tensor(t),
            tensor(w) if weighted else None,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
        np.testing.assert_allclose(
            array(loss), np_cross_entropy(x, t, w, reduction, -100, label_smoothing), **tol(dtype)
        )
        # The row statistics the backward uses: each row's max and log(sum(exp(x - max))).
        stats = array(stats)
        assert stats.dtype == np.float64 and stats.shape == t.shape + (2,)
        kept = t.reshape(-1) != -100
        rows, stats = class_last(x).reshape(-1, C)[kept], stats.reshape(-1, 2)[kept]
        np.testing.assert_array_equal(stats[:, 0], rows.max(-1))
        shifted = rows.astype(np.float64) - rows.max(-1, keepdims=True)
        np.testing.assert_allclose(stats[:, 1], np.log(np.exp(shifted).sum(-1)), **tol(dtype))


@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 2), (2, 3, 2, 2)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_backward_matches_finite_differences(isa, shape, reduction, label_smoothing, weighted):
    rng = np.random.default_rng(9)
    x = rng.normal(size=shape) * 2
    C = shape[0] if len(shape) == 1 else shape[1]
    w = rng.uniform(0.5, 2, size=C) if weighted else None
    t = class_targets(rng, shape)
    loss, stats, total_weight = _C.cross_entropy(
        tensor(x), tensor(t), tensor(w) if weighted else None, reduction=reduction, label_smoothing=label_smoothing
    )
    g = rng.normal(size=array(loss).shape)
    expected = numeric_grad(lambda a: np_cross_entropy(a, t, w, reduction, -100, label_smoothing), [x.copy()], g)[0]
    ours = _C.cross_entropy_backward(
        tensor(noncontiguous(g) if g.ndim else g),
        tensor(x),
        tensor(t),
        stats,
        total_weight,
        tensor(w) if weighted else None,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    np.testing.assert_allclose(array(ours), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_is_exact_for_huge_logits(isa, dtype):
    x = np.array([[1e4, 1e4 - 1, 1e4 - 3], [-1e4, -1e4 + 2, -1e4 + 0.5]], dtype)
    t = np.array([1, 0])
    loss, stats, total = _C.cross_entropy(tensor(x), tensor(t), reduction="none")
    np.testing.assert_allclose(array(loss), np_cross_entropy(x, t, reduction="none"), rtol=1e-6)
    grad = array(
        _C.cross_entropy_backward(tensor(np.ones(2, dtype)), tensor(x), tensor(t), stats, total, reduction="none")
    )
    expected = np_softmax(x, 1) - np.eye(3)[t]
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_class_losses_random_shapes(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    axis = 0 if len(shape) == 1 else 1
    shape = shape[:axis] + (max(shape[axis], 1),) + shape[axis + 1 :]  # a target needs a class to name
    dtype = data.draw(st.sampled_from(FLOATS))
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    label_smoothing = data.draw(st.sampled_from([0.0, 0.15]))
    rng = np.random.default_rng(sum(shape))
    x = rng.uniform(-4, 4, size=shape).astype(dtype)
    t = class_targets(rng, shape, ignore_some=data.draw(st.booleans()))
    loss, stats, total = _C.cross_entropy(tensor(x), tensor(t), reduction=reduction, label_smoothing=label_smoothing)
    expected = np_cross_entropy(x, t, None, reduction, -100, label_smoothing)
    np.testing.assert_allclose(array(loss), expected, **tol(dtype))
    logp = np_log_softmax(x, 0 if x.ndim == 1 else 1).astype(dtype)
    np.testing.assert_allclose(
        array(_C.nll_loss(tensor(logp), tensor(t), reduction=reduction)[0]),
        np_nll_loss(logp, t, None, reduction),
        **tol(dtype),
    )


def test_cross_entropy_errors():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="Target 4 is out of bounds."):
        _C.cross_entropy(x, tensor(np.array([0, 4, 1])))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        _C.cross_entropy(x, tensor(np.array([0, 1, 1])), reduction="avg")
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        _C.cross_entropy(x, tensor(np.array([0, 1, 1])), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)."):
        _C.cross_entropy(x, tensor(np.array([0, 1, 1, 2])))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        _C.cross_entropy(tensor(np.zeros((3, 4), np.int64)), tensor(np.array([0, 1, 1])))
    loss, stats, total = _C.cross_entropy(x, tensor(np.array([0, 1, 1])), reduction="sum")
    with pytest.raises(RuntimeError, match="expected grad_output to be a single number"):
        _C.cross_entropy_backward(tensor(np.ones(3)), x, tensor(np.array([0, 1, 1])), stats, total, reduction="sum")
    with pytest.raises(RuntimeError, match=r"row_stats of shape \[3, 2\] does not match the expected \[2, 2\]"):
        _C.cross_entropy_backward(
            tensor(np.float64(1)), tensor(np.zeros((2, 4))), tensor(np.array([0, 1])), stats, total
        )


def test_cross_entropy_matches_torch():
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(10)
    for shape in [(8, 5), (5,), (3, 5, 4), (2, 5, 2, 3)]:
        x = rand(rng, shape, np.float32, -6, 6)
        w = rand(rng, (5,), np.float32, 0.2, 2)
        for ignore_index in (-100, 3):
            t = class_targets(rng, shape, ignore_index)
            for reduction in REDUCTIONS:
                for weight in (None, w):
                    for label_smoothing in (0.0, 0.1):
                        xt = torch.from_numpy(x).requires_grad_()
                        expected = F.cross_entropy(
                            xt,
                            torch.from_numpy(t),
                            None if weight is None else torch.from_numpy(weight),
                            ignore_index=ignore_index,
                            reduction=reduction,
                            label_smoothing=label_smoothing,
                        )
                        loss, stats, total = _C.cross_entropy(
                            tensor(x),
                            tensor(t),
                            None if weight is None else tensor(weight),
                            ignore_index,
                            reduction,
                            label_smoothing,
                        )
                        np.testing.assert_allclose(array(loss), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
                        g = rng.normal(size=expected.shape).astype(np.float32)
                        expected.backward(torch.from_numpy(g))
                        grad = _C.cross_entropy_backward(
                            tensor(g),
                            tensor(x),
                            tensor(t),
                            stats,
                            total,
                            None if weight is None else tensor(weight),
                            ignore_index,
                            reduction,
                            label_smoothing,
                        )
                        np.testing.assert_allclose(array(grad), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def np_cross_entropy_probs(x, probs, weight=None, reduction="mean", label_smoothing=0.0):
    axis = 0 if x.ndim == 1 else 1
    C = x.shape[axis]
    y = probs.astype(np.float64) * (1 - label_smoothing) + label_smoothing / C
    shape = [1] * x.ndim
    shape[axis] = C
    w = np.ones(shape) if weight is None else weight.astype(np.float64).reshape(shape)
    losses = -(np_log_softmax(x, axis) * y * w).sum(axis)
    if reduction == "none":
        return losses
    with np.errstate(invalid="ignore"):
        return losses.sum() if reduction == "sum" else losses.sum() / (x.size // C if x.size else 0)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (0, 5), (3, 4, 2), (6, 40)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_with_probability_targets(isa, shape, dtype, reduction, label_smoothing):
    rng = np.random.default_rng(16)
    x = rand(rng, shape, dtype, -4, 4)
    axis = 0 if x.ndim == 1 else 1
    y = rng.uniform(0, 1, size=shape)
    y = (y / np.maximum(y.sum(axis, keepdims=True), 1e-9)).astype(dtype)
    C = shape[axis]
    for weighted in (False, True):
        w = rand(rng, (C,), dtype, 0.2, 2) if weighted else None
        loss, stats, total = _C.cross_entropy(
            tensor(noncontiguous(x)),
            tensor(noncontiguous(y)),
            tensor(w) if weighted else None,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
        expected = np_cross_entropy_probs(x, y, w, reduction, label_smoothing)
        np.testing.assert_allclose(array(loss), expected, **tol(dtype))
        if dtype == np.float64 and x.size:
            g = rng.normal(size=array(loss).shape)
            expected = numeric_grad(
                lambda a: np_cross_entropy_probs(a, y, w, reduction, label_smoothing), [x.copy()], g
            )[0]
            ours = _C.cross_entropy_backward(
                tensor(g),
                tensor(x),
                tensor(y),
                stats,
                total,
                tensor(w) if weighted else None,
                reduction=reduction,
                label_smoothing=label_smoothing,
            )
            np.testing.assert_allclose(array(ours), expected, rtol=1e-6, atol=1e-8)


def test_cross_entropy_probability_target_errors_and_torch_parity():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        _C.cross_entropy(x, tensor(np.full((3, 4), 0.25)), ignore_index=1)
    with pytest.raises(
        RuntimeError, match="Expected floating point type for target with class probabilities, got Long"
    ):
        _C.cross_entropy(x, tensor(np.zeros((3, 4), np.int64)))
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(17)
    for shape in [(6, 5), (3, 5, 2)]:
        x = rand(rng, shape, np.float32, -5, 5)
        y = rng.dirichlet(np.ones(5), size=int(np.prod(shape)) // 5).astype(np.float32)
        y = np.moveaxis(y.reshape((shape[0],) + shape[2:] + (5,)), -1, 1).copy()
        w = rand(rng, (5,), np.float32, 0.2, 2)
        for reduction in REDUCTIONS:
            for weight in (None, w):
                xt = torch.from_numpy(x).requires_grad_()
                expected = F.cross_entropy(
                    xt,
                    torch.from_numpy(y),
                    None if weight is None else torch.from_numpy(weight),
                    reduction=reduction,
                    label_smoothing=0.1,
                )
                loss, stats, total = _C.cross_entropy(
                    tensor(x),
                    tensor(y),
                    None if weight is None else tensor(weight),
                    reduction=reduction,
                    label_smoothing=0.1,
                )
                np.testing.assert_allclose(array(loss), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
                g = rng.normal(size=expected.shape).astype(np.float32)
                expected.backward(torch.from_numpy(g))
                grad = _C.cross_entropy_backward(
                    tensor(g),
                    tensor(x),
                    tensor(y),
                    stats,
                    total,
                    None if weight is None else tensor(weight),
                    reduction=reduction,
                    label_smoothing=0.1,
                )
                np.testing.assert_allclose(array(grad), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


# ---- pointwise losses --------------------------------------------------------------------------------

POINTWISE = ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
POINTWISE_SHAPES = [(), (7,), (3, 4), (0, 3), (2, 3, 4), (70000,)]


def pointwise_inputs(rng, kind, shape, dtype):
    if kind == "binary_cross_entropy":
        return rand(rng, shape, dtype, 0.02, 0.98), rand(rng, shape, dtype, 0, 1)
    if kind == "binary_cross_entropy_with_logits":
        return rand(rng, shape, dtype, -8, 8), rand(rng, shape, dtype, 0, 1)
    return rand(rng, shape, dtype), rand(rng, shape, dtype)


@pytest.mark.parametrize("kind", POINTWISE)
@pytest.mark.parametrize("shape", POINTWISE_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_losses_match_numpy(isa, kind, shape, dtype, reduction):
    rng = np.random.default_rng(11)
    x, y = pointwise_inputs(rng, kind, shape, dtype)
    fn = getattr(_C, kind)
    with np.errstate(invalid="ignore"):
        expected = np_reduce_mean(np_pointwise(kind, x, y), reduction)
    np.testing.assert_allclose(
        array(fn(tensor(noncontiguous(x)), tensor(y), reduction=reduction)), expected, **tol(dtype)
    )
    if kind.startswith("binary"):
        w = rand(rng, shape[-1:], dtype, 0.2, 2)  # broadcast along the last dim
        extra = dict(pos_weight=tensor(rand(rng, shape[-1:], dtype, 0.5, 3))) if kind.endswith("logits") else {}
        pw = array(extra["pos_weight"]) if extra else None
        with np.errstate(invalid="ignore"):
            expected = np_reduce_mean(np_pointwise(kind, x, y, w, pw), reduction)
        np.testing.assert_allclose(
            array(fn(tensor(x), tensor(y), weight=tensor(w), reduction=reduction, **extra)), expected, **tol(dtype)
        )


@pytest.mark.parametrize("kind", POINTWISE)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_backwards_match_finite_differences(isa, kind, reduction):
    rng = np.random.default_rng(12)
    x, y = pointwise_inputs(rng, kind, (3, 4), np.float64)
    if kind == "l1_loss":
        x[np.abs(x - y) < 1e-3] += 0.01  # keep away from the kink
    weights = {}
    if kind.startswith("binary"):
        weights["weight"] = rng.uniform(0.2, 2, size=4)
    if kind.endswith("logits"):
        weights["pos_weight"] = rng.uniform(0.5, 3, size=(3, 1))
    forward = lambda a: np_reduce_mean(  # noqa: E731
        np_pointwise(kind, a, y, weights.get("weight"), weights.get("pos_weight")), reduction
    )
    g = rng.normal(size=np.shape(forward(x)))
    expected = numeric_grad(forward, [x.copy()], g)[0]
    named = {k: tensor(v) for k, v in weights.items()}
    ours = getattr(_C, kind + "_backward")(tensor(g), tensor(x), tensor(y), reduction=reduction, **named)
    np.testing.assert_allclose(array(ours), expected, rtol=1e-6, atol=1e-8)
    # and with respect to the target
    forward_target = lambda b: np_reduce_mean(
        np_pointwise(
            kind,
            x,
            b,
            weights.get("weight"),  # noqa: E731
            weights.get("pos_weight"),
        ),
        reduction,
    )
    expected = numeric_grad(forward_target, [y.copy()], g)[0]
    ours = getattr(_C, kind + "_target_backward")(tensor(g), tensor(x), tensor(y), reduction=reduction, **named)
    np.testing.assert_allclose(array(ours), expected, rtol=1e-6, atol=1e-8)


def test_mse_and_l1_broadcast_with_a_warning():
    rng = np.random.default_rng(13)
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    with pytest.warns(UserWarning, match="Using a target size"):
        out = _C.mse_loss(tensor(x), tensor(y), reduction="none")
    np.testing.assert_allclose(array(out), (x - y) ** 2)
    with pytest.warns(UserWarning, match=r"torch.Size\(\[4\]\)"):
        np.testing.assert_allclose(array(_C.l1_loss(tensor(y), tensor(x))), np.abs(y - x).mean())
    grad = _C.mse_loss_backward(tensor(np.float64(1.0)), tensor(y), tensor(x))
    np.testing.assert_allclose(array(grad), 2 * (y - x) / 12)


def test_mse_and_l1_promote_dtypes_as_torch():
    x32, x64 = np.array([0.5, 2.0], np.float32), np.array([1.0, -1.0])
    out = _C.mse_loss(tensor(x32), tensor(x64), reduction="none")
    assert out.dtype == _C.DType.float64
    np.testing.assert_array_equal(array(out), (x32.astype(np.float64) - x64) ** 2)
    assert _C.l1_loss(tensor(x32), tensor(np.array([1, 2])), reduction="sum").dtype == _C.DType.float32
    grad = _C.mse_loss_backward(tensor(np.float64(1.0)), tensor(x32), tensor(x64))
    np.testing.assert_array_equal(array(grad), x32.astype(np.float64) - x64)


def test_binary_cross_entropy_clamps_logs_and_logits_are_stable():
    x = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(
        array(_C.binary_cross_entropy(tensor(x), tensor(y), reduction="none")), [100, 100, 0, 0]
    )
    logits = np.array([1e4, -1e4, 50.0, -50.0, 0.0], np.float32)
    target = np.array([1.0, 0.0, 0.0, 1.0, 0.5], np.float32)
    out = array(_C.binary_cross_entropy_with_logits(tensor(logits), tensor(target), reduction="none"))
    np.testing.assert_allclose(out, [0.0, 0.0, 50.0, 50.0, np.log(2)], rtol=1e-6, atol=1e-30)
    tiny = array(
        _C.binary_cross_entropy_with_logits(tensor(np.array([30.0])), tensor(np.array([1.0])), reduction="none")
    )
    np.testing.assert_allclose(tiny, np.log1p(np.exp(-30.0)), rtol=1e-12)  # log1p, not log(1 + 1e-13)


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_pointwise_errors():
    x = tensor(np.full(3, 0.5))
    with pytest.raises(
        ValueError,
        match=r"Using a target size \(torch.Size\(\[2\]\)\) that is different to the "
        r"input size \(torch.Size\(\[3\]\)\) is deprecated",
    ):
        _C.binary_cross_entropy(x, tensor(np.ones(2)))
    with pytest.raises(
        ValueError,
        match=r"Target size \(torch.Size\(\[2\]\)\) must be the same as input size "
        r"\(torch.Size\(\[3\]\)\)",
    ):
        _C.binary_cross_entropy_with_logits(x, tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        _C.binary_cross_entropy(tensor(np.array([0.5, 1.5])), tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        _C.mse_loss(x, tensor(np.ones(2)))
    with pytest.raises(ValueError, match="'mea' is not a valid value for reduction"):
        _C.l1_loss(x, x, reduction="mea")
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        _C.binary_cross_entropy(x, tensor(np.ones(3, np.float32)))
    with pytest.raises(RuntimeError, match=r"weight of shape \[2\] cannot be broadcast"):
        _C.binary_cross_entropy(x, x, weight=tensor(np.ones(2)))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        _C.mse_loss(tensor(np.arange(3)), tensor(np.arange(3)))
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        _C.binary_cross_entropy(x, tensor(np.array([0.5, 1.5, 0.0])))
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        _C.mse_loss(x, x, weight=tensor(np.ones(1)))
    with pytest.raises(TypeError, match="unexpected keyword argument 'pos_weight'"):
        _C.binary_cross_entropy(x, x, pos_weight=tensor(np.ones(3)))


@pytest.mark.parametrize("kind", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_weighted_mse_and_l1(isa, kind, reduction):
    """PyTorch's weighted forms: each element's loss times its weight; the mean divides by the weights' sum."""
    rng = np.random.default_rng(21)
    x, y, w = rng.normal(size=(4, 5)), rng.normal(size=(4, 5)), rng.uniform(0, 2, size=(4, 5))
    losses = np_pointwise(kind, x, y, weight=w)
    expected = {"none": losses, "sum": losses.sum(), "mean": losses.sum() / w.sum()}[reduction]
    np.testing.assert_allclose(
        array(getattr(_C, kind)(tensor(x), tensor(y), weight=tensor(w), reduction=reduction)), expected, rtol=1e-12
    )
    g = rng.normal(size=np.shape(expected))
    grad = getattr(_C, kind + "_backward")(tensor(g), tensor(x), tensor(y), weight=tensor(w), reduction=reduction)
    want = numeric_grad(
        lambda v: {
            "none": np_pointwise(kind, v, y, weight=w),
            "sum": np_pointwise(kind, v, y, weight=w).sum(),
            "mean": np_pointwise(kind, v, y, weight=w).sum() / w.sum(),
        }[reduction],
        [x],
        g,
    )[0]
    np.testing.assert_allclose(array(grad), want, rtol=1e-6, atol=1e-8)
    torch = torch_or_skip()
    theirs = getattr(torch.nn.functional, kind)(
        torch.tensor(x), torch.tensor(y), weight=torch.tensor(w), reduction=reduction
    )
    np.testing.assert_allclose(
        array(getattr(_C, kind)(tensor(x), tensor(y), weight=tensor(w), reduction=reduction)),
        theirs.numpy(),
        rtol=1e-12,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_is_accurate_for_tiny_inputs(isa, dtype):
    """log(1 - x) through log1p: for x = 1e-8 and target 0 the loss is x itself, not 0."""
    x = np.array([1e-8, 1e-12, 1e-20, 3e-5], dtype)
    loss = array(_C.binary_cross_entropy(tensor(x), tensor(np.zeros(4, dtype)), reduction="none"))
    np.testing.assert_allclose(loss, -np.log1p(-x.astype(np.float64)), rtol=1e-6 if dtype == np.float32 else 1e-14)
    target_grad = array(
        _C.binary_cross_entropy_target_backward(
            tensor(np.ones(4, dtype)), tensor(x), tensor(np.zeros(4, dtype)), reduction="none"
        )
    )
    expected = np.log1p(-x.astype(np.float64)) - np.maximum(np.log(x.astype(np.float64)), -100)
    np.testing.assert_allclose(target_grad, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_pointwise_losses_match_torch():
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(14)
    for kind in POINTWISE:
        x, y = pointwise_inputs(rng, kind, (6, 5), np.float32)
        extra_np = {}
        if kind.startswith("binary"):
            extra_np["weight"] = rand(rng, (5,), np.float32, 0.2, 2)
        if kind.endswith("logits"):
            extra_np["pos_weight"] = rand(rng, (5,), np.float32, 0.5, 3)
        for reduction in REDUCTIONS:
            xt = torch.from_numpy(x).requires_grad_()
            yt = torch.from_numpy(y).requires_grad_()
            expected = getattr(F, kind)(
                xt, yt, reduction=reduction, **{k: torch.from_numpy(v) for k, v in extra_np.items()}
            )
            extra = {k: tensor(v) for k, v in extra_np.items()}
            ours = getattr(_C, kind)(tensor(x), tensor(y), reduction=reduction, **extra)
            np.testing.assert_allclose(array(ours), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
            g = rng.normal(size=expected.shape).astype(np.float32)
            expected.backward(torch.from_numpy(g))
            grad = getattr(_C, kind + "_backward")(tensor(g), tensor(x), tensor(y), reduction=reduction, **extra)
            np.testing.assert_allclose(array(grad), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
            grad = getattr(_C, kind + "_target_backward")(tensor(g), tensor(x), tensor(y), reduction=reduction, **extra)
            np.testing.assert_allclose(array(grad), yt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not _C.has_openmp, reason="built without OpenMP: one thread only")
def test_results_do_not_depend_on_the_thread_count():
    import autocore

    rng = np.random.default_rng(15)
    x = rng.normal(size=(512, 300)).astype(np.float32)
    t = rng.integers(0, 300, size=512)
    y = rng.normal(size=(512, 300)).astype(np.float32)
    default = autocore.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            autocore.set_num_threads(threads)
            loss, stats, total = _C.cross_entropy(tensor(x), tensor(t))
            nll_total = _C.nll_loss(tensor(x), tensor(t))[1]
            results.append(
                [
                    array(_C.softmax(tensor(x), 0)),
                    array(_C.log_softmax(tensor(x), 1)),
                    array(loss),
                    array(_C.cross_entropy_backward(tensor(np.float32(1)), tensor(x), tensor(t), stats, total)),
                    array(_C.mse_loss(tensor(x), tensor(y))),
                    array(
                        _C.nll_loss_backward(tensor(np.float32(2)), [512, 300], tensor(t), None, "sum", -100, nll_total)
                    ),
                ]
            )
    finally:
        autocore.set_num_threads(default)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    expected = np.zeros((512, 300), np.float32)
    expected[np.arange(512), t] = -2
    np.testing.assert_array_equal(results[1][-1], expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_give_finite_exact_log_softmax_cross_entropy_and_gradients(dtype):
    # Logits up to +-1e30: lse = max + log(sum) rounds to max there, so only the (x - max) - log(sum) forms are exact.
    x = np.array(
        [[1e30, -1e30, 0.0], [-1e30, -1e30, -1e30], [1e30, 1e30, 1e30], [1e30, 1e30 * 0.5, -1e30], [5.0, -1e30, 5.0]],
        dtype,
    )
    t = np.array([0, 1, 2, 1, 2])
    x64 = x.astype(np.float64)
    shifted = x64 - x64.max(1, keepdims=True)
    expected_logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    probs = np.exp(expected_logp)
    expected_loss = -expected_logp[np.arange(5), t].mean()
    expected_grad = (probs - np.eye(3)[t]) / 5

    xt = autocore.tensor(x, requires_grad=True)
    logp = F.log_softmax(xt, 1)
    np.testing.assert_allclose(logp.detach().numpy(), expected_logp, rtol=1e-6)
    loss = F.cross_entropy(xt, autocore.tensor(t))
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(xt.grad.numpy(), expected_grad, rtol=1e-6, atol=1e-7)
    # Probability targets take the same path through the row statistics.
    xt.grad = None
    F.cross_entropy(xt, autocore.tensor(np.eye(3, dtype=dtype)[t])).backward()
    np.testing.assert_allclose(xt.grad.numpy(), expected_grad, rtol=1e-6, atol=1e-7)


def test_loss_operand_errors_match_pytorch():
    torch = torch_or_skip()
    cases = [
        lambda lib: lib.nn.functional.nll_loss(lib.zeros(3, 2), lib.tensor(0)),
        lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 2), lib.tensor(0)),
        lambda lib: lib.nn.functional.l1_loss(lib.zeros(3), lib.tensor([True, False, True])),
    ]
    for case in cases:
        kinds = []
        for lib in (autocore, torch):
            with pytest.raises((RuntimeError, ValueError)) as caught:
                case(lib)
            kinds.append((caught.type.__name__, str(caught.value)[:40]))
        assert kinds[0] == kinds[1]


def test_losses_over_operands_of_several_float_dtypes_follow_pytorchs_formulas():
    """PyTorch takes log_softmax (log_sigmoid) in the input's dtype and promotes only the products after it; the
    result's dtype is the promoted one for cross_entropy, and the target's for bce_with_logits (in-place steps)."""
    x = autocore.zeros(2, 3, requires_grad=True)
    loss = autocore.nn.functional.cross_entropy(x, autocore.full((2, 3), 0.3, dtype=autocore.float64))
    assert loss.dtype == autocore.float64
    log_softmax_f32 = float(np.float32(-np.log(3.0)))  # log_softmax of zeros, rounded to float32
    np.testing.assert_allclose(loss.item(), -3 * 0.3 * log_softmax_f32, rtol=1e-14)
    loss.backward()
    assert x.grad.dtype == autocore.float32  # the gradient comes back in the input's own dtype
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((2, 3)), atol=1e-7)  # softmax(0) = 1/3 = 0.3 / 0.9
    smoothed = autocore.nn.functional.cross_entropy(  # the smoothing is in the target's float32
        autocore.zeros(3, dtype=autocore.float64), autocore.tensor([0.1, 0.2, 0.7]), label_smoothing=0.2
    )
    target = np.array([0.1, 0.2, 0.7], np.float32) * np.float32(0.8) + np.float32(0.2 / 3)
    np.testing.assert_allclose(smoothed.item(), np.log(3.0) * target.astype(np.float64).sum(), rtol=1e-14)
    log_sigmoid_f32 = float(np.float32(-np.log(2.0)))
    logits = autocore.nn.functional.binary_cross_entropy_with_logits(
        autocore.zeros(3), autocore.full((3,), 0.3, dtype=autocore.float64)
    )
    assert logits.dtype == autocore.float64 and logits.item() == -log_sigmoid_f32
    narrow_target = autocore.nn.functional.binary_cross_entropy_with_logits(
        autocore.full((2,), 0.5, dtype=autocore.float64), autocore.zeros(2), reduction="none"
    )
    assert narrow_target.dtype == autocore.float32  # the target's dtype, as PyTorch's in-place steps keep it
    np.testing.assert_allclose(narrow_target.numpy(), np.log1p(np.exp(-0.5)) + 0.5, rtol=1e-6)


def test_loss_edge_values_and_errors_follow_pytorchs_formulas():
    """Found by the fuzzer against PyTorch; checked here against the formulas themselves (CI has no PyTorch)."""
    F = autocore.nn.functional
    # -sum y log_softmax(x): an infinite probability makes the loss infinite, of the sign of -log p
    assert F.cross_entropy(autocore.zeros(3), autocore.full((3,), float("inf"))).item() == float("inf")
    assert F.cross_entropy(autocore.zeros(3), autocore.full((3,), float("-inf"))).item() == float("-inf")
    assert np.isnan(F.cross_entropy(autocore.zeros(1), autocore.full((1,), float("inf"))).item())  # inf * log 1
    # PyTorch's mean over probability targets divides by numel / C, and calls an empty input NaN
    assert np.isnan(F.cross_entropy(autocore.zeros(2, 0), autocore.zeros(2, 0)).item())
    assert F.cross_entropy(autocore.zeros(2, 0), autocore.zeros(2, 0), reduction="sum").item() == 0
    # label smoothing scales by eps / C: with no classes, inf times an empty sum
    assert np.isnan(
        F.cross_entropy(
            autocore.zeros(2, 0), autocore.tensor([0, 0]), ignore_index=0, label_smoothing=0.5, reduction="sum"
        ).item()
    )
    assert np.isnan(
        F.cross_entropy(
            autocore.zeros(0, 0),
            autocore.zeros(0, dtype=autocore.int64),  # over no rows
            label_smoothing=0.5,
            reduction="sum",
        ).item()
    )
    # (1 - y) x - log sigmoid(x), never forming 1 + (pos_weight - 1) y without a pos_weight
    both_inf = F.binary_cross_entropy_with_logits(
        autocore.tensor([float("inf"), float("-inf")]), autocore.full((2,), float("inf")), reduction="none"
    )
    assert both_inf.tolist() == [float("-inf"), float("inf")]
    # a 1-D input takes a 1-D target of one element as a batch of one, with a 0-d loss
    one = F.nll_loss(autocore.tensor([0.0, -2.0, -5.0]), autocore.tensor([1]), reduction="none")
    assert one.shape == () and one.item() == 2.0
    with pytest.raises(ValueError, match="For 1D input, 1D target must have size 1, but got target size: 3"):
        F.nll_loss(autocore.zeros(5), autocore.tensor([3, 1, 4]))
    with pytest.raises(RuntimeError, match=r"size mismatch \(got input: \[2, 0, 0, 0\] , target: \[2, 1, 3\]"):
        F.nll_loss(autocore.zeros(2, 0, 3), autocore.zeros(2, 3, dtype=autocore.int64))
    # log_softmax runs (and refuses integer logits) before the target's batch is compared
    with pytest.raises(RuntimeError, match="\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        F.cross_entropy(autocore.zeros(2, 3, dtype=autocore.int64), autocore.tensor(0))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(0\)"):
        F.cross_entropy(autocore.zeros(2, 0, dtype=autocore.int64), autocore.tensor(0))  # (empty: not refused)
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[2\]\)\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(autocore.zeros(3), autocore.zeros(2))
