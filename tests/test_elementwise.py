"""Elementwise ops beyond tests/test_op_db.py (which checks each unary and binary op's values on broadcast, strided,
0-d and size-0 shapes under every ISA, their integer and bool operands, promotion, Python numbers and backward
kernels): the ops with extra arguments, integer edge cases, out=, errors, NaN and signed zeros, accuracy over wide
ranges, and property-based broadcasting."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autocore import _C

from conftest import array, noncontiguous, numeric_grad, rand, tensor, torch_or_skip

FLOATS = [np.float32, np.float64]

BINARY = {  # for the property-based test below
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "maximum": np.maximum,
    "lt": np.less,
}


def tol(dtype):
    return dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", FLOATS)
def test_leaky_relu_clamp_where(isa, dtype):
    rng = np.random.default_rng(3)
    b = rand(rng, (5,), dtype, -2.0, 2.0)
    x = rand(rng, (6, 7), dtype)
    np.testing.assert_allclose(array(_C.leaky_relu(tensor(x), 0.2)), np.where(x < 0, x * dtype(0.2), x), **tol(dtype))
    np.testing.assert_array_equal(array(_C.clamp(tensor(x), -0.5, 0.5)), np.clip(x, -0.5, 0.5))
    np.testing.assert_array_equal(array(_C.clamp(tensor(x), min=0.25)), np.maximum(x, dtype(0.25)))
    np.testing.assert_array_equal(array(_C.clamp(tensor(x), max=-0.25)), np.minimum(x, dtype(-0.25)))
    np.testing.assert_array_equal(array(_C.clamp(tensor(x), 1.0, -1.0)), np.full_like(x, -1.0))  # min > max: max wins
    cond = x > 0
    np.testing.assert_array_equal(array(_C.where(tensor(cond), tensor(x), tensor(b[:1]))), np.where(cond, x, b[:1]))


def test_integer_edge_cases():  # (each op's int64 and bool values: tests/test_op_db.py)
    a = np.array([[3, -7, 0]])
    np.testing.assert_array_equal(array(_C.pow(tensor(a), 3)), a**3)
    np.testing.assert_array_equal(
        array(_C.pow(tensor(np.array([1, -1, 2, 0])), tensor(np.array([-1, -3, -1, 2])))), [1, -1, 0, 0]
    )
    np.testing.assert_array_equal(array(_C.abs(tensor(a))), np.abs(a))
    big = np.array([2**62], dtype=np.int64)
    assert array(_C.add(tensor(big), tensor(big)))[0] == np.add(big, big)[0]  # wraps around like numpy and torch


def test_out_argument_and_in_place():
    a, b = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    out = tensor(np.empty((2, 3)))
    result = _C.add(tensor(a), tensor(b), out=out)
    assert result.data_ptr == out.data_ptr
    np.testing.assert_array_equal(array(out), a + b)
    ta = tensor(a.copy())
    _C.mul(ta, 3, out=ta)  # in place
    np.testing.assert_array_equal(array(ta), a * 3)
    wide = tensor(np.zeros((2, 3), np.float64))
    _C.add(tensor(np.ones((2, 3), np.float32)), 1.0, out=wide)  # float32 result into a float64 out
    np.testing.assert_array_equal(array(wide), np.full((2, 3), 2.0))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        _C.add(tensor(np.ones(3)), 1.0, out=tensor(np.zeros(3, np.int64)))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        _C.add(tensor(np.ones(3)), tensor(np.ones((2, 3))), out=tensor(np.zeros(3)))


def test_pow_paths_outside_the_kernels_honour_out():
    """A float32 base with an exponent float32 cannot hold goes through float64, and bool ** bool is a copy or
    ones (see elementwise_entry.h): both must still write `out` and refuse a bad one."""
    base = np.array([0.0, 2.0, 10.0], np.float32)
    for out_dtype in (np.float32, np.float64):
        out = tensor(np.zeros(3, out_dtype))
        assert _C.pow(tensor(base), 8.837672654912726, out=out).data_ptr == out.data_ptr
        expected = (base.astype(np.float64) ** 8.837672654912726).astype(np.float32)
        np.testing.assert_array_equal(array(out), expected.astype(out_dtype))
    flags = np.array([False, True])
    for exponent, expected in ((True, flags), (False, [True, True])):
        out = tensor(np.zeros(2, np.int64))
        _C.pow(tensor(flags), exponent, out=out)
        np.testing.assert_array_equal(array(out), np.asarray(expected, np.int64))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        _C.pow(tensor(base), 1e-311, out=tensor(np.zeros(3, np.int64)))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        _C.pow(tensor(flags), True, out=tensor(np.zeros(3, np.bool_)))


def test_bad_input_raises_pytorch_errors():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        _C.add(tensor(np.ones((2, 3))), tensor(np.ones(4)))
    # NotImplementedError since PyTorch 2.14 (a RuntimeError before), with its own message for two bools.
    with pytest.raises(NotImplementedError, match="Subtraction, the `-` operator, with two bool tensors"):
        _C.sub(tensor(np.array([True])), tensor(np.array([False])))
    with pytest.raises(NotImplementedError, match="Subtraction, the `-` operator, with a bool tensor is not supported"):
        _C.sub(tensor(np.array([1.0])), tensor(np.array([False])))
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        _C.neg(tensor(np.array([True])))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        _C.pow(tensor(np.arange(3)), -1)
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        _C.where(tensor(np.ones(2)), tensor(np.ones(2)), tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        _C.clamp(tensor(np.ones(2)))
    with pytest.raises(TypeError):
        _C.add(tensor(np.ones(2)), "two")


def test_nan_propagation_matches_pytorch_semantics():
    x = np.array([np.nan, -1.0, 2.0])
    y = np.array([0.0, np.nan, 1.0])
    np.testing.assert_array_equal(array(_C.maximum(tensor(x), tensor(y))), np.maximum(x, y))
    np.testing.assert_array_equal(array(_C.minimum(tensor(x), tensor(y))), np.minimum(x, y))
    assert np.isnan(array(_C.relu(tensor(x)))[0])
    assert np.isnan(array(_C.clamp(tensor(x), 0.0, 1.0))[0])


# ---- backward kernels against central finite differences (float64) ------------------------------


def _grad_check(forward_np, backward, inputs, seed=0):
    rng = np.random.default_rng(seed)
    out_shape = np.broadcast_shapes(*[x.shape for x in inputs])
    g = rng.normal(size=out_shape)
    expected = numeric_grad(forward_np, [x.copy() for x in inputs], g)
    got = backward(g, *inputs)
    for e, a in zip(expected, got if isinstance(got, tuple) else (got,)):
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-7)


UNARY_BACKWARD = [  # name, numpy forward, backward(g, x) via the kernel, input range
    ("abs", np.abs, lambda g, x: array(_C.abs_backward(tensor(g), tensor(x))), (-2, 2)),
    ("sqrt", np.sqrt, lambda g, x: array(_C.sqrt_backward(tensor(g), tensor(np.sqrt(x)))), (0.2, 3)),
    ("sin", np.sin, lambda g, x: array(_C.sin_backward(tensor(g), tensor(x))), (-3, 3)),
    ("cos", np.cos, lambda g, x: array(_C.cos_backward(tensor(g), tensor(x))), (-3, 3)),
    ("relu", lambda x: np.maximum(x, 0), lambda g, x: array(_C.relu_backward(tensor(g), _C.relu(tensor(x)))), (-2, 2)),
    (
        "leaky_relu",
        lambda x: np.where(x > 0, x, 0.1 * x),
        lambda g, x: array(_C.leaky_relu_backward(tensor(g), tensor(x), 0.1)),
        (-2, 2),
    ),
    (
        "sigmoid",
        lambda x: 1 / (1 + np.exp(-x)),
        lambda g, x: array(_C.sigmoid_backward(tensor(g), _C.sigmoid(tensor(x)))),
        (-4, 4),
    ),
    ("tanh", np.tanh, lambda g, x: array(_C.tanh_backward(tensor(g), _C.tanh(tensor(x)))), (-3, 3)),
    (
        "clamp",
        lambda x: np.clip(x, -0.5, 0.7),
        lambda g, x: array(_C.clamp_backward(tensor(g), tensor(x), -0.5, 0.7)),
        (-2, 2),
    ),
    ("exp", np.exp, lambda g, x: array(_C.mul(tensor(g), _C.exp(tensor(x)))), (-2, 2)),
    ("log", np.log, lambda g, x: array(_C.div(tensor(g), tensor(x))), (0.2, 3)),
]


@pytest.mark.parametrize("name,forward,backward,bounds", UNARY_BACKWARD, ids=[u[0] for u in UNARY_BACKWARD])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)], ids=str)
def test_unary_backward_matches_finite_differences(isa, name, forward, backward, bounds, shape):
    rng = np.random.default_rng(4)
    x = rng.uniform(*bounds, size=shape)
    if name in ("abs", "relu", "leaky_relu", "clamp"):  # keep clear of the kinks, where the derivative jumps
        x = np.where(np.abs(x) < 1e-3, 0.3, x)
        x = np.where(np.abs(x + 0.5) < 1e-3, 0.3, x)
        x = np.where(np.abs(x - 0.7) < 1e-3, 0.3, x)
    _grad_check(forward, backward, [x])


def test_maximum_ties_split_the_gradient():
    g, a = np.array([1.0, 1.0]), np.array([2.0, 3.0])
    b = np.array([2.0, 1.0])
    np.testing.assert_array_equal(array(_C.maximum_backward(tensor(g), tensor(a), tensor(b))), [0.5, 1.0])
    np.testing.assert_array_equal(array(_C.maximum_backward(tensor(g), tensor(b), tensor(a))), [0.5, 0.0])


# ---- property-based: any broadcastable pair, any layout -------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.sampled_from(["add", "sub", "mul", "maximum", "lt"]), dtype=st.sampled_from(FLOATS))
def test_broadcasting_property(data, name, dtype):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4))
    a = data.draw(hnp.arrays(dtype, shapes.input_shapes[0], elements=st.floats(-100, 100, width=32)))
    b = data.draw(hnp.arrays(dtype, shapes.input_shapes[1], elements=st.floats(-100, 100, width=32)))
    if data.draw(st.booleans()):
        a = noncontiguous(a)
    np.testing.assert_array_equal(array(getattr(_C, name)(tensor(a), tensor(b))), BINARY[name](a, b))


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_incompatible_shapes_raise_runtime_error(data):
    a_shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    b_shape = list(a_shape)
    b_shape[-1] += 1
    with pytest.raises(RuntimeError, match="must match the size"):
        _C.mul(tensor(np.ones(a_shape)), tensor(np.ones(b_shape)))


def test_matches_pytorch_where_installed():  # (each binary op's values, gradients and dtypes: tests/test_op_db.py)
    torch = torch_or_skip()
    rng = np.random.default_rng(6)
    a = rand(rng, (4, 1, 3), np.float32)
    for name in ["exp", "sigmoid", "tanh", "relu", "sin", "cos"]:
        np.testing.assert_allclose(
            array(getattr(_C, name)(tensor(a))), getattr(torch, name)(torch.from_numpy(a)).numpy(), rtol=2e-6, atol=1e-7
        )


def test_results_do_not_depend_on_the_thread_count():
    import autocore

    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(300, 400)).astype(np.float32), rng.normal(size=400).astype(np.float32)
    default = autocore.get_num_threads()
    results = []
    for threads in (1, 2):
        autocore.set_num_threads(threads)
        results.append(
            (
                array(_C.mul(_C.add(tensor(a), tensor(b)), 1.5)),
                array(_C.sum(tensor(a), 0)),
                array(_C.sum(tensor(a.reshape(-1)))),
            )
        )
    autocore.set_num_threads(default)
    np.testing.assert_array_equal(results[0][0], results[1][0])  # elementwise: bit-identical
    np.testing.assert_array_equal(results[0][1], results[1][1])  # column sums split by column: identical
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-6)  # a full sum regroups partials
    with pytest.raises(RuntimeError, match="positive"):
        autocore.set_num_threads(0)


def ulp_error(got, want, dtype):
    """|got - want| in units of the last place of `want` rounded to dtype (want in extended precision)."""
    spacing = np.spacing(np.abs(want).astype(dtype)).astype(np.longdouble)
    return np.abs(np.asarray(got, np.longdouble) - want) / spacing


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid"])
def test_vectorised_transcendentals_are_accurate_over_wide_ranges(isa, name, dtype):
    """exp/log/tanh/sigmoid use autocore's own branch-free approximations: within a few ulp of the
    correctly rounded result everywhere, with inf/NaN/0 handled as the C library does."""
    magnitudes = np.logspace(-30, 3, 4001)
    x = np.concatenate([-magnitudes, [0.0, -0.0, 0.625, -0.625, 88.7, 709.7, -103.0, -745.0], magnitudes])
    if name == "log":
        x = np.concatenate([np.abs(x), np.logspace(-300, 300, 601), [1.0]])
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    with np.errstate(all="ignore"):  # the reference in extended precision (80-bit on x86-64)
        reference = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[name](
            x.astype(np.longdouble)
        )
        want = reference.astype(dtype)
    got = array(getattr(_C, name)(tensor(x)))
    tiny = np.finfo(dtype).tiny
    normal = np.isfinite(want) & (np.abs(want) >= tiny)
    assert np.max(ulp_error(got[normal], reference[normal], dtype), initial=0) <= 4
    # Results below the normal range (sigmoid of very negative x, as in PyTorch, flushes once exp overflows).
    subnormal = np.isfinite(want) & (np.abs(want) < tiny)
    assert np.max(np.abs(got[subnormal] - want[subnormal]), initial=0) <= tiny
    np.testing.assert_array_equal(got[~np.isfinite(want)], want[~np.isfinite(want)])
    specials = np.array([np.inf, -np.inf, np.nan], dtype)
    with np.errstate(all="ignore"):
        expected = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[name](
            specials
        )
    np.testing.assert_array_equal(array(getattr(_C, name)(tensor(specials))), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_neg_and_abs_keep_ieee_signed_zeros(isa, dtype):
    # -x flips the sign bit (numpy: -(+0.0) is -0.0); abs clears it (abs(-0.0) is +0.0).
    x = np.array([0.0, -0.0, 1.5, -np.inf, np.nan] * 8, dtype)  # past one SIMD block, then the tail
    for name, reference in (("neg", np.negative), ("abs", np.abs)):
        got = array(getattr(_C, name)(tensor(x)))
        np.testing.assert_array_equal(np.signbit(got), np.signbit(reference(x)), err_msg=name)
        np.testing.assert_array_equal(got, reference(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clamp_with_a_nan_bound_gives_nan_like_pytorch(isa, dtype):
    # numpy's clip propagates a NaN bound the same way PyTorch's clamp does.
    x = np.array([1.0, -3.0, np.nan, 7.0] * 9, dtype)
    for lo, hi in ((np.nan, 2.0), (-1.0, np.nan), (-1.0, 2.0)):
        got = array(_C.clamp(tensor(x), lo, hi))
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(got, np.clip(x, dtype(lo), dtype(hi)))


def test_clamp_of_int64_keeps_integer_bounds_exact(isa):
    # 2**63 - 1 and 2**62 + 1 are not doubles: bounds that passed through one came back wrong (or wrapped).
    x = np.array([1, 2**62 + 5, -7] * 12, np.int64)
    for lo, hi in ((2**63 - 1, None), (None, 2**62 + 1), (-(2**63), 2**62 + 3), (0, 5)):
        got = array(_C.clamp(tensor(x), lo, hi))
        expected = np.clip(x, np.int64(lo) if lo is not None else None, np.int64(hi) if hi is not None else None)
        np.testing.assert_array_equal(got, expected)
