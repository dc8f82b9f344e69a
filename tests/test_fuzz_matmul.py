"""Property-based fuzzing of the products (matmul and @, mm, bmm, mv, dot, linear, addmm): vectors,
matrices and batches with broadcast batch dims, inner sizes that match and ones that don't, size-0 and
size-1 dims, the wide dtypes (float32, float64, int64, bool), views and extreme values, against PyTorch
(numpy's matmul where PyTorch is missing). Strategies and the checker are test_fuzz.py's."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import SIDES, WIDE, broadcast_shapes, check, fuzz, operands, same_dtype_pairs, torch
from test_fuzz_reduce import _finite_abs


@st.composite
def product_shapes(draw, ndims):
    """Shapes for a product of operands with these ndims: (.., n, k) @ (.., k, m), batch dims broadcast;
    now and then the inner sizes or the batch dims clash."""
    n, k, m = draw(SIDES), draw(SIDES), draw(SIDES)
    k_other = k if draw(st.integers(0, 5)) else draw(SIDES)
    batch_a, batch_b = draw(broadcast_shapes(2, fits=draw(st.integers(0, 5)) > 0, max_dims=3))
    nd_a, nd_b = ndims
    a = (k,) if nd_a == 1 else (batch_a + (n, k))[-nd_a:] if nd_a > 2 else (n, k)[2 - nd_a :]
    b = (k_other,) if nd_b == 1 else (batch_b + (k_other, m))[-nd_b:] if nd_b > 2 else (k_other, m)[2 - nd_b :]
    if nd_a > 2 and len(a) < nd_a or nd_b > 2 and len(b) < nd_b:  # too few batch dims drawn: pad with 1s
        a, b = (1,) * (nd_a - len(a)) + a, (1,) * (nd_b - len(b)) + b
    return a, b


def _ndims(name):
    """The operand ndims: the op's own ones mostly, others now and then (which must raise)."""
    own = {"mm": (2, 2), "bmm": (3, 3), "mv": (2, 1), "dot": (1, 1)}.get(name)
    any_pair = st.tuples(st.integers(0, 4), st.integers(0, 4))
    return st.one_of(st.just(own), any_pair) if own else any_pair


def matmul_slack(a, b, dtype, extra=0.0):
    """|a| @ |b| bounds every partial sum of a product's dot products: order-free error ~ 2 k eps that; inf
    (not compared) where a partial sum might overflow."""
    info = np.finfo(dtype)
    total = np.matmul(_finite_abs(a), _finite_abs(b)) + extra
    k = a.shape[-1] if a.ndim else 1
    return np.where(total < info.max / 4, 2 * (k + 2) * info.eps * total, np.inf)


PRODUCTS = {
    "matmul": lambda m, a, b: m.matmul(a, b),
    "@": lambda m, a, b: a @ b,
    "mm": lambda m, a, b: m.mm(a, b),
    "bmm": lambda m, a, b: a.bmm(b),
    "mv": lambda m, a, b: m.mv(a, b),
    "dot": lambda m, a, b: m.dot(a, b),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@fuzz(60)
@given(data=st.data())
def test_products(name, data):
    nd = data.draw(_ndims(name))
    shape_a, shape_b = data.draw(product_shapes(tuple(max(d, 1) for d in nd)))
    shape_a, shape_b = shape_a if nd[0] else (), shape_b if nd[1] else ()  # a 0-d operand, which must raise
    dtype_a, dtype_b = same_dtype_pairs(data, WIDE)
    a, b = data.draw(operands(shape_a, dtype_a)), data.draw(operands(shape_b, dtype_b))
    floats = a.dtype in (np.float32, np.float64) and b.dtype in (np.float32, np.float64)
    check(
        data,
        "matmul",
        name,
        lambda m: PRODUCTS[name](m, a.build(m), b.build(m)),
        (a, b),
        numpy=(lambda: np.matmul(a.values, b.values)) if name in ("matmul", "@") else None,
        slack=(lambda: matmul_slack(a.values, b.values, np.result_type(a.values, b.values))) if floats else None,
    )


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed: no reference for linear and addmm")
@fuzz(60)
@given(data=st.data(), has_bias=st.booleans(), x_dims=st.integers(1, 4))
def test_linear(data, has_bias, x_dims):
    """x @ weight.T + bias for x of any ndim; weight (out, in), bias (out,) or broadcastable or not."""
    shape_x, shape_w = data.draw(product_shapes((x_dims, 2)))
    shape_w = shape_w[::-1] if data.draw(st.integers(0, 5)) else shape_w  # weight is (out, in)
    dtype_x, dtype_w = same_dtype_pairs(data, WIDE)
    x, w = data.draw(operands(shape_x, dtype_x)), data.draw(operands(shape_w, dtype_w))
    bias = data.draw(operands(data.draw(st.sampled_from([shape_w[:1], (), (1,), (7,)])), dtype_w)) if has_bias else None

    def run(m):
        return m.nn.functional.linear(x.build(m), w.build(m), None if bias is None else bias.build(m))

    floats = x.dtype in (np.float32, np.float64) and w.dtype in (np.float32, np.float64)
    extra = 0.0 if bias is None else _finite_abs(bias.values)
    dtype = np.result_type(x.values, w.values)
    check(
        data,
        "matmul",
        "linear",
        run,
        (x, w, bias),
        slack=(lambda: matmul_slack(x.values, w.values.T, dtype, extra)) if floats else None,
    )


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed: no reference for linear and addmm")
@fuzz(60)
@given(data=st.data(), beta=st.sampled_from([1, 0, 0.5, -2]), alpha=st.sampled_from([1, 2, -1, 0.5]))
def test_addmm(data, beta, alpha):
    """beta * bias + alpha * (a @ b); with beta = 0 the bias is ignored, NaN and inf in it included."""
    ndims = data.draw(st.one_of(st.just((2, 2)), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    shape_a, shape_b = data.draw(product_shapes(ndims))
    out = shape_a[:1] + shape_b[-1:]
    bias = data.draw(operands(data.draw(st.sampled_from([out, out[-1:], (), (1, 1), (3,)])), data.draw(WIDE)))
    a, b = data.draw(operands(shape_a, bias.dtype)), data.draw(operands(shape_b, bias.dtype))

    def run(m):
        return m.addmm(bias.build(m), a.build(m), b.build(m), beta=beta, alpha=alpha)

    floats = a.dtype in (np.float32, np.float64)
    extra = abs(beta) * _finite_abs(bias.values) / max(abs(alpha), 1e-300)
    check(
        data,
        "matmul",
        "addmm",
        run,
        (bias, a, b, beta, alpha),
        slack=(lambda: abs(alpha) * matmul_slack(a.values, b.values, a.dtype, extra)) if floats else None,
    )
