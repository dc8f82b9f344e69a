"""Matrix products (matmul, mm, bmm, mv, dot, linear) and their vjps, written with matmul itself so that
second derivatives work; the batch dims a broadcast added are summed away."""

from .. import _C
from .elementwise import add, mul
from .graph import as_input, expand, grad_enabled, record, reduce_to, wrap
from .halves import in_float32
from .reduce import sum as sum_
from .shape import reshape, squeeze, transpose, unsqueeze


def _needs(t):
    return t is not None and t._requires_grad


def _mT(x):
    return transpose(x, -1, -2)


@in_float32
def matmul(a, b):
    out_c = _C.matmul(a._c, b._c)

    def vjp(g):
        if not grad_enabled():  # both products, their 1-D and broadcast-batch handling, in one C++ call
            grad_a, grad_b = _C.matmul_backward(g._c, a._c, b._c, _needs(a), _needs(b))
            return (None if grad_a is None else wrap(grad_a), None if grad_b is None else wrap(grad_b))
        a2 = unsqueeze(a, 0) if a._c.ndim == 1 else a
        b2 = unsqueeze(b, -1) if b._c.ndim == 1 else b
        out_shape = list(g._c.shape)
        if a._c.ndim == 1:
            out_shape.insert(len(out_shape) - (0 if b._c.ndim == 1 else 1), 1)
        if b._c.ndim == 1:
            out_shape.append(1)
        g2 = reshape(g, out_shape)
        grad_a = grad_b = None
        if _needs(a):
            grad_a = reshape(reduce_to(matmul(g2, _mT(b2)), a2), a._c.shape)
        if _needs(b):
            grad_b = reshape(reduce_to(matmul(_mT(a2), g2), b2), b._c.shape)
        return grad_a, grad_b

    def jvp(da, db):
        left = None if da is None else matmul(da, wrap(b._c))
        right = None if db is None else matmul(wrap(a._c), db)
        return right if left is None else left if right is None else left + right

    return record(
        "MmBackward0" if a._c.ndim == 2 and b._c.ndim == 2 else "MatmulBackward0", out_c, (a, b), vjp, (a._c, b._c), jvp
    )


def mm(a, b):
    if a._c.ndim != 2 or b._c.ndim != 2:
        _C.mm(a._c, b._c)  # raises PyTorch's error
    return matmul(a, b)


def bmm(a, b):
    if a._c.ndim != 3 or b._c.ndim != 3 or a._c.shape[0] != b._c.shape[0]:
        _C.bmm(a._c, b._c)  # raises PyTorch's error: bmm does not broadcast its batch
    return matmul(a, b)


def mv(a, v):
    if a._c.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if a._c.ndim != 2 or v._c.ndim != 1:
        _C.mv(a._c, v._c)
    return matmul(a, v)


def dot(a, b):
    if a._c.ndim != 1 or b._c.ndim != 1:
        _C.dot(a._c, b._c)
    return matmul(a, b)


@in_float32
def linear(x, weight, bias=None):
    """x @ weight.T + bias in one kernel call (weight read in place, bias fused)."""
    tb = as_input(bias)
    if tb is not None and weight._c.ndim == 2 and tuple(tb._c.shape) != (weight._c.shape[0],):
        if x._c.ndim == 1:  # PyTorch computes a 1-D input as a batch of one, then drops that dim
            return squeeze(linear(unsqueeze(x, 0), weight, bias), 0)
        out = linear(x, weight)
        tb._c.expand(list(out._c.shape))  # PyTorch adds it in place, so it must expand to the output's shape
        return add(out, tb)
    out_c = _C.linear(x._c, weight._c, bias._c if tb is not None else None)

    def vjp(g):
        needs = (_needs(x), _needs(weight), _needs(tb))
        if not grad_enabled() and weight._c.ndim == 2 and (tb is None or tb._c.ndim == 1):
            # All three gradients in one kernel call: the hot path of every training step.
            grads = _C.linear_backward(g._c, x._c, weight._c, needs)
            return tuple(None if c is None else wrap(c) for c in grads)
        grad_x = matmul(g, weight) if _needs(x) else None
        grad_w = grad_b = None
        if _needs(weight) or _needs(tb):
            g2 = reshape(g, -1, g._c.shape[-1]) if g._c.ndim != 1 else reshape(g, 1, -1)
            if _needs(weight):
                x2 = reshape(x, -1, x._c.shape[-1]) if x._c.ndim != 1 else reshape(x, 1, -1)
                grad_w = matmul(_mT(g2), x2)
            if _needs(tb):
                grad_b = reduce_to(sum_(g2, 0), tb)
        return grad_x, grad_w, grad_b

    def jvp(dx, dw, db):
        terms = [
            linear(dx, wrap(weight._c)) if dx is not None else None,
            linear(wrap(x._c), dw) if dw is not None else None,
        ]
        out = None
        for term in terms:
            if term is not None:
                out = term if out is None else out + term
        if db is not None:
            out = db.expand(list(out_c.shape)) if out is None else out + db
        return out

    return record(
        "AddmmBackward0" if tb is not None else "MmBackward0", out_c, (x, weight, tb), vjp, (x._c, weight._c), jvp
    )


@in_float32
def addmm(bias, a, b, beta=1, alpha=1):
    """beta * bias + alpha * (a @ b), a and b matrices, bias expandable to the product (PyTorch's rules)."""

    for name, m in (("mat1", a), ("mat2", b)):
        if m._c.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m._c.ndim}-D tensor")
    if not a._c.dtype.is_floating_point:  # no gradients: the kernel's integer rules (float factors truncate)
        if a._c.shape[1] == 0 and isinstance(beta, float) and beta != 0.0:
            # with nothing to multiply PyTorch scales the integer bias in place by the float beta, and refuses
            raise RuntimeError(
                f"result type Float can't be cast to the desired output type "
                f"{ {'int64': 'Long', 'bool': 'Bool'}.get(bias.dtype.name, bias.dtype.name) }"
            )
        return wrap(_C.addmm(bias._c, a._c, b._c, beta=beta, alpha=alpha))
    product = matmul(a, b)
    bias = expand(bias, product._c.shape)  # the bias expands to the product; it does not broadcast with it
    if alpha != 1:
        product = mul(product, alpha)
    if beta == 0 and bias._c.dtype == product._c.dtype:  # as in PyTorch, beta = 0 ignores the bias, NaN included
        return product
    return add(mul(bias, beta) if beta != 1 else bias, product)
