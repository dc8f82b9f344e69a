"""Reductions over any dims (sum, mean, var, std, amax/amin, max/min with indices, argmax/argmin) and
their vjps: the gradient is broadcast back over the reduced dims."""

import builtins
import collections
import math

from .. import _C
from ..tensor import Tensor
from .elementwise import div, maximum, minimum, mul, sub, where
from .graph import cast, constant, expand, grad_enabled, record, wrap
from .numpy_names import numpy_names
from .shape import reshape

MaxResult = collections.namedtuple("max", ["values", "indices"])
MinResult = collections.namedtuple("min", ["values", "indices"])


def _dims(dim, ndim):
    """The reduced dims, wrapped and sorted; None means all."""
    if dim is None:
        return list(range(ndim))
    dims = [dim] if isinstance(dim, int) else list(dim)
    if not dims:
        return list(range(ndim))
    n = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(d % n)
    return sorted(set(out)) if ndim else []


def _unreduce(g, in_shape, dims, keepdim):
    """g (the reduced shape) broadcast back to in_shape."""
    if not keepdim:
        kept = list(in_shape)
        for d in dims:
            kept[d] = 1
        g = reshape(g, kept)
    return expand(g, in_shape)


def _count(in_shape, dims):
    n = 1
    for d in dims:
        n *= in_shape[d]
    return n


@numpy_names
def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype._c)
    in_shape = x._c.shape
    dims = _dims(dim, len(in_shape))
    return record(
        "SumBackward1" if dim is not None else "SumBackward0",
        _C.sum(x._c, dim, keepdim),
        (x,),
        lambda g: (_sum_grad(g, in_shape, dim, dims, keepdim),),
        jvp=lambda t: sum(t, dim, keepdim),
    )


def _sum_grad(g, in_shape, dim, dims, keepdim):
    """sum's gradient: in one C++ call (an expanded view) unless the backward is being recorded."""
    if grad_enabled():
        return _unreduce(g, in_shape, dims, keepdim)
    return wrap(_C.sum_backward(g._c, list(in_shape), dim, keepdim))


def _mean_grad(g, in_shape, dim, dims, keepdim, n):
    """mean's gradient: in one C++ call unless the backward is being recorded."""
    if grad_enabled():
        return div(_unreduce(g, in_shape, dims, keepdim), n)
    return wrap(_C.mean_backward(g._c, list(in_shape), dim, keepdim))


@numpy_names
def mean(x, dim=None, keepdim=False):
    in_shape = x._c.shape
    dims = _dims(dim, len(in_shape))
    n = _count(in_shape, dims)
    return record(
        "MeanBackward1" if dim is not None else "MeanBackward0",
        _C.mean(x._c, dim, keepdim),
        (x,),
        lambda g: (_mean_grad(g, in_shape, dim, dims, keepdim, n),),
        jvp=lambda t: mean(t, dim, keepdim),
    )


@numpy_names
def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    correction = _correction(unbiased, correction)
    in_shape = x._c.shape
    out_c = _C.var(x._c, dim, correction=correction, keepdim=keepdim)  # (first: its checks are PyTorch's, in order)
    dims = _dims(dim, len(in_shape))
    n = _count(in_shape, dims)

    def vjp(g):
        if not grad_enabled():  # one fused kernel unless the backward is itself being recorded
            return (wrap(_C.var_backward(g._c, x._c, dim, correction=correction, keepdim=keepdim)),)
        centered = sub(x, mean(x, dims, keepdim=True))
        return (mul(_unreduce(g, in_shape, dims, keepdim), mul(centered, _twice_inverse(n - correction))),)

    def jvp(t):
        centered = sub(wrap(x._c), mean(wrap(x._c), dims, keepdim=True))
        return mul(sum(mul(centered, t), dims, keepdim), _twice_inverse(n - correction))

    return record("VarBackward0", out_c, (x,), vjp, (x._c,), jvp)


@numpy_names
def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    correction = _correction(unbiased, correction)
    in_shape = x._c.shape
    out_c = _C.std(x._c, dim, correction=correction, keepdim=keepdim)  # (first: its checks are PyTorch's, in order)
    dims = _dims(dim, len(in_shape))
    n = _count(in_shape, dims)

    def vjp(g):
        if not grad_enabled():
            return (wrap(_C.std_backward(g._c, x._c, out_c, dim, correction=correction, keepdim=keepdim)),)
        centered = sub(x, mean(x, dims, keepdim=True))
        s = std(x, dims, keepdim=True, correction=correction)
        scale = div(_unreduce(g, in_shape, dims, keepdim), mul(s, builtins.max(n - correction, 0)))
        return (mul(where(s == 0, 0.0, scale), centered),)  # 0 where std is 0, as PyTorch masks it

    def jvp(t):
        centered = sub(wrap(x._c), mean(wrap(x._c), dims, keepdim=True))
        return div(sum(mul(centered, t), dims, keepdim), mul(wrap(out_c), builtins.max(n - correction, 0)))

    return record("StdBackward0", out_c, (x,), vjp, (x._c,), jvp)


def _twice_inverse(degrees_of_freedom):
    """2 / max(dof, 0) in doubles, as PyTorch's var_backward takes it: inf when there are no degrees of freedom."""
    return 2.0 / degrees_of_freedom if degrees_of_freedom > 0 else math.inf


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _extreme_share(x, out_c, dims, keepdim):
    """1/(number of ties) at each extreme element, 0 elsewhere: how amax/amin share their gradient."""
    in_shape = x._c.shape
    kept = list(in_shape)
    for d in dims:
        kept[d] = 1
    hits = _C.eq(x._c, out_c.reshape(kept) if not keepdim else out_c)
    hits_f = _C.mul(hits, 1.0).to_dtype(x._c.dtype)
    counts = _C.sum(hits_f, dims, True)
    return constant(_C.div(hits_f, counts))


@numpy_names
def amax(x, dim=(), keepdim=False):
    return _amax(x, dim, keepdim, _C.amax, "AmaxBackward0")


@numpy_names
def amin(x, dim=(), keepdim=False):
    return _amax(x, dim, keepdim, _C.amin, "AminBackward0")


def _amax(x, dim, keepdim, kernel, name):
    in_shape = x._c.shape
    out_c = kernel(x._c, dim if dim != () else None, keepdim)  # (first: its checks are PyTorch's, in order)
    dims = _dims(dim if dim != () else None, len(in_shape))

    def vjp(g):
        if not grad_enabled():  # the share of each tie, in one kernel
            return (wrap(_C.amax_backward(g._c, x._c, out_c, dim if dim != () else None, keepdim)),)
        return (mul(_unreduce(g, in_shape, dims, keepdim), _extreme_share(x, out_c, dims, keepdim)),)

    return record(
        name,
        out_c,
        (x,),
        vjp,
        (x._c, out_c),
        lambda t: sum(mul(t, _extreme_share(x, out_c, dims, keepdim)), dims, keepdim),
    )


@numpy_names
def max(x, dim=None, keepdim=False):
    return _max(x, dim, keepdim, True)


@numpy_names
def min(x, dim=None, keepdim=False):
    return _max(x, dim, keepdim, False)


def _max(x, dim, keepdim, is_max):
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        return maximum(x, dim) if is_max else minimum(x, dim)
    if dim is None:
        if x._c.numel == 0:
            raise RuntimeError(
                f"{'max' if is_max else 'min'}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        return _amax(x, None, False, _C.amax if is_max else _C.amin, "MaxBackward1" if is_max else "MinBackward1")
    values_c, indices_c = (_C.max if is_max else _C.min)(x._c, dim, keepdim)
    in_shape = x._c.shape
    d = dim % builtins.max(len(in_shape), 1)
    values = record(
        "MaxBackward0" if is_max else "MinBackward0",
        values_c,
        (x,),
        lambda g: (_scatter_chosen(g, indices_c, d, in_shape, keepdim),),
        (indices_c,),
        lambda t: _take(t, indices_c, d, keepdim),
    )
    return (MaxResult if is_max else MinResult)(values, wrap(indices_c))


def _scatter_chosen(g, indices_c, d, in_shape, keepdim):
    """g placed at the elements max/min(dim) chose, zeros elsewhere: their vjp, itself differentiable (its own
    vjp takes the chosen elements back), so that second derivatives pass through max(dim)."""
    return record(
        "IndexReduceBackward0",
        _C.index_reduce_backward(g._c, indices_c, d, list(in_shape), keepdim),
        (g,),
        lambda gg: (_take(gg, indices_c, d, keepdim),),
        jvp=lambda t: _scatter_chosen(t, indices_c, d, in_shape, keepdim),
    )


def _take(t, indices_c, d, keepdim):
    """The elements of t that max/min(dim) chose: t gathered at the indices along d."""
    index = indices_c if keepdim else indices_c.unsqueeze(d)
    taken = _C.gather(t._c, d, index)
    return wrap(taken if keepdim else taken.squeeze(d))


@numpy_names
def argmax(x, dim=None, keepdim=False):
    return wrap(_C.argmax(x._c, dim, keepdim))


@numpy_names
def argmin(x, dim=None, keepdim=False):
    return wrap(_C.argmin(x._c, dim, keepdim))
