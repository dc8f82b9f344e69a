"""The gather and scatter family and the masks, with PyTorch's rules: gather, scatter(_) (with reduce=), scatter_add(_),
scatter_reduce(_), index_add(_), index_copy(_), index_fill(_), masked_fill(_), masked_scatter(_), masked_select
and where(condition).

gather, scatter_, masked_fill_ and masked_select are C++ kernels (core/kernels/scatter.def); index_add, index_copy
and index_fill write through index_put_ with their index standing along their dim, so their cost follows the
source's size. Each out-of-place op records its vjp, written with differentiable ops (so create_graph=True gives
second derivatives) and PyTorch's rules for duplicate indices and ties. Each in-place op runs its kernel directly
outside the graph; inside it, it is recorded out of place and written back, as the other in-place ops are."""

import numpy as np

from .. import _C, _dtype
from ..tensor import Tensor
from . import elementwise as ew
from .graph import record, reduce_to, wrap
from .inplace import _in_graph, _old_value, _write_back
from .reduce import sum as _sum
from .shape import cat, index_select, reshape

_SCATTER_REDUCE = ("sum", "prod", "mean", "amax", "amin")


def _full(shape, value, like):
    return wrap(_dtype.full_c(list(shape), value, like._c.dtype, like.device))


def _number(value, op, input, checked=True):
    """A fill value for input: a number, or a 0-d tensor's value (a tensor with dims is refused, as PyTorch does),
    that input's dtype can hold (checked=False: the caller checks that later, in PyTorch's order)."""
    if isinstance(value, Tensor):
        if value._c.ndim:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with {value._c.ndim} dimension(s)."
            )
        value = value.item()
    if checked:
        _dtype.check_representable(value, input.dtype)
    return value


def _check_tensor(value, op, name):
    """A tensor argument's type (its dtype and shape are the C++ checks', or the op's)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _src_grad(grad, src, node):
    """grad, shaped as the index, as src's gradient. PyTorch's engine takes a gradient of another shape where src's
    shape broadcasts to it, and sums it down: an empty index gives a larger src zeros. It refuses any other."""
    shape, src_shape = list(grad._c.shape), list(src._c.shape)
    if shape == src_shape:
        return grad
    try:
        fits = list(_C.broadcast_shapes(src_shape, shape)) == shape
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"Function {node} returned an invalid gradient at index 1 - got {shape} but expected shape compatible "
            f"with {src_shape}"
        )
    return reduce_to(grad, src)


# ---- gather and scatter ----


def gather(input, dim, index):
    """out[i][j] = input[i][index[i][j]] along dim 1 (PyTorch's gather); the gradient adds each element's share back
    where it was taken from, duplicates summing."""
    out_c = _C.gather(input._c, dim, index._c)  # (first: its checks are PyTorch's)

    def vjp(g):
        return (scatter_add(_full(input._c.shape, 0, g), dim, index, g),)

    return record("GatherBackward0", out_c, (input,), vjp, (index._c,), jvp=lambda t: gather(t, dim, index))


_KERNEL_REDUCE = {None: "none", "add": "sum", "multiply": "prod"}  # scatter's reduce=, as the kernel names it


def _write_scatter(target, input, dim, index, src, reduce=None):
    """src (a tensor, or a number spread over the index) written into target (input's values, a C++ tensor) at index
    along dim, or combined with what is there by reduce ('add', 'multiply'). PyTorch checks the arguments and the
    write before reduce's name."""
    _check_tensor(index, "scatter", "index")
    if not isinstance(src, Tensor):
        if index._c.numel:  # (PyTorch converts the value as it writes it: with nothing to write, never)
            _dtype.check_representable(src, input.dtype)
        src = wrap(_dtype.full_c([], src, input._c.dtype, input.device).expand(list(index._c.shape)))
    if reduce not in _KERNEL_REDUCE:
        _C.check_scatter(target, dim, index._c, src._c)
        raise RuntimeError("reduce argument must be either add or multiply.")
    _C.scatter_(target, dim, index._c, src._c, _KERNEL_REDUCE[reduce])


def _src_or_value(src, value):
    if src is None and value is None:
        raise TypeError("scatter() missing required argument: 'src' or 'value'")
    return value if src is None else src


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src's elements (or value) written at index along dim: out[i][index[i][j]] = src[i][j] for dim 1.
    reduce='add' or 'multiply' combines them with what is there instead (not differentiable, as in PyTorch)."""
    src = _src_or_value(src, value)
    is_tensor = isinstance(src, Tensor)
    _write_scatter(out := input._c.clone(), input, dim, index, src, reduce)
    if reduce is not None:

        def no_derivative(g):
            raise RuntimeError("derivative for aten::scatter is not implemented")

        return record("ScatterBackward1", out, (input, src if is_tensor else None), no_derivative)

    def vjp(g):
        return (
            scatter(g, dim, index, 0) if input._requires_grad else None,
            _src_grad(gather(g, dim, index), src, "ScatterBackward0") if is_tensor and src._requires_grad else None,
        )

    def jvp(t_input, t_src):
        base = t_input if t_input is not None else _full(input._c.shape, 0, input)
        return scatter(base, dim, index, t_src if is_tensor and t_src is not None else 0)

    name = "ScatterBackward0" if is_tensor else "ScatterBackward1"
    return record(name, out, (input, src if is_tensor else None), vjp, jvp=jvp)


def scatter_add(input, dim, index, src):
    """input with src's elements added at index along dim, repeated indices all adding."""
    _check_tensor(src, "scatter_add", "src")
    _write_scatter(out := input._c.clone(), input, dim, index, src, "add")

    def jvp(t_input, t_src):
        base = t_input if t_input is not None else _full(input._c.shape, 0, input)
        return scatter_add(base, dim, index, t_src) if t_src is not None else base

    return record(
        "ScatterAddBackward0",
        out,
        (input, src),
        lambda g: (g, _src_grad(gather(g, dim, index), src, "ScatterAddBackward0") if src._requires_grad else None),
        jvp=jvp,
    )


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src's elements combined at index along dim by reduce ('sum', 'prod', 'mean', 'amax', 'amin'),
    input's own values taking part unless include_self=False. Gradients follow PyTorch: ties of amax and amin share
    the gradient evenly, prod's treats zeros exactly."""
    _scatter_reduce_into(out := input._c.clone(), input, dim, index, src, reduce, include_self=include_self)
    result = wrap(out)

    def vjp(g):
        return _scatter_reduce_vjp(g, input, dim, index, src, reduce, include_self, result)

    return record("ScatterReduceBackward0", out, (input, src), vjp, (input._c, src._c, index._c))


def _identity(reduce, like):
    """The value that leaves a reduction unchanged, in like's dtype: what an excluded self starts from."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    dtype = like._c.dtype
    if dtype == _C.DType.bool:
        return reduce == "amin"
    if not dtype.is_floating_point:
        limits = np.iinfo(_dtype.from_c(dtype).numpy)
        return int(limits.min) if reduce == "amax" else int(limits.max)
    return -float("inf") if reduce == "amax" else float("inf")


def _scatter_reduce_into(target, input, dim, index, src, reduce, *, include_self=True):
    """input's values (in target, a C++ tensor) combined with src's at index along dim by reduce, PyTorch's checks in
    its order: the arguments and the write, reduce's name, and (after an excluded self is reset) bool's missing mean.
    An integer mean floors, as PyTorch's does."""
    _check_tensor(index, "scatter_reduce", "index")
    _check_tensor(src, "scatter_reduce", "src")
    _C.check_scatter(target, dim, index._c, src._c)
    if reduce not in _SCATTER_REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not include_self:
        start = _dtype.full_c([], _identity(reduce, input), input._c.dtype, input.device)
        _C.scatter_(target, dim, index._c, start.expand(list(index._c.shape)), "none")
    if reduce == "mean" and input._c.dtype == _C.DType.bool:
        kernel = "scatter_gather_tensor_cpu_reduce_mean" if index.numel() else "div_floor_cpu"  # (PyTorch's names)
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    _C.scatter_(target, dim, index._c, src._c, "sum" if reduce == "mean" else reduce)
    if reduce == "mean":
        counts = _counts(input, dim, index, include_self)
        floating = input._c.dtype.is_floating_point
        target.copy_(_C.div(target, counts) if floating else _floor_divide(target, counts))


def _floor_divide(total, counts):
    """total // counts for integer C++ tensors with counts >= 1, exactly. float64 keeps 53 of int64's bits, so its
    truncated quotient lies within 2**11 + 1 of the true one; the remainder left is small enough for a second float64
    quotient to truncate exactly, and the last remainder's sign turns truncation into flooring. A count of 1 gives
    total itself (whose quotient, up to 2**63, would not convert back from float64)."""
    dtype, f64 = total.dtype, _C.DType.float64
    single = _C.eq(counts, 1)
    dividend = _C.where(single, _C.mul(total, 0), total)

    def truncated_quotient(a):
        return _C.div(a.to_dtype(f64), counts.to_dtype(f64)).to_dtype(dtype)

    def remainder(q):
        return _C.sub(dividend, _C.mul(q, counts))

    rough = truncated_quotient(dividend)
    quotient = _C.add(rough, truncated_quotient(remainder(rough)))  # the floor, or one above it
    quotient = _C.sub(quotient, _C.lt(remainder(quotient), 0).to_dtype(dtype))
    return _C.where(single, total, quotient)


def _counts(input, dim, index, include_self):
    """How many values each element of a scatter_reduce's result averages (at least 1, so untouched ones divide
    by 1)."""
    counts = _dtype.full_c(list(input._c.shape), 1 if include_self else 0, input._c.dtype, input.device)
    ones = _dtype.full_c([], 1, input._c.dtype, input.device).expand(list(index._c.shape))
    _C.scatter_(counts, dim, index._c, ones, "sum")
    return _C.where(_C.eq(counts, 0), _dtype.full_c([], 1, input._c.dtype, input.device), counts)


def _scatter_reduce_vjp(g, input, dim, index, src, reduce, include_self, result):
    grad_self = grad_src = None
    if reduce == "sum":
        grad_self, grad_src = g, gather(g, dim, index)
    elif reduce == "mean":
        n = wrap(_counts(input, dim, index, include_self)).to(g.dtype)
        grad_self = ew.div(g, n)
        grad_src = ew.div(gather(g, dim, index), gather(n, dim, index))
    elif reduce == "prod":
        grad_self, grad_src = _prod_grads(g, input, dim, index, src, include_self, result)
    else:  # amax, amin: ties share the gradient evenly
        value = gather(result, dim, index)
        self_is = ew.eq(input, result)
        src_is = ew.eq(src, value)
        shares = scatter_add(self_is.to(g.dtype), dim, index, src_is.to(g.dtype))
        spread = ew.div(g, shares)
        grad_self = ew.where(self_is, spread, 0.0)
        grad_src = ew.where(src_is, gather(spread, dim, index), 0.0)
    if not include_self:
        grad_self = scatter(grad_self, dim, index, 0)
    return (
        grad_self if input._requires_grad else None,
        _src_grad(grad_src, src, "ScatterReduceBackward0") if src._requires_grad else None,
    )


def _prod_grads(g, input, dim, index, src, include_self, result):
    """The product's gradient without dividing by zero: each factor's gradient is the product of the others,
    computed directly where that factor is the only zero among them."""
    masked_self = ew.where(ew.eq(input, 0), 1.0, input)
    grad_self = ew.div(
        ew.mul(g, scatter_reduce(masked_self, dim, index, src, "prod", include_self=include_self)), masked_self
    )
    src_zero = ew.eq(src, 0)
    zeros_here = gather(scatter_add(_full(input._c.shape, 0, g), dim, index, src_zero.to(g.dtype)), dim, index)
    single_zero = ew.mul(src_zero, ew.eq(zeros_here, 1))  # and
    masked_src = ew.where(single_zero, 1.0, src)
    without_zero = scatter_reduce(input, dim, index, masked_src, "prod", include_self=include_self)
    grad_src = ew.where(
        single_zero,
        gather(ew.mul(g, without_zero), dim, index),
        ew.div(gather(ew.mul(g, result), dim, index), ew.where(src_zero, 1.0, src)),
    )
    return grad_self, grad_src


# ---- along a dim, through index_put_ ----


_TYPE_NAMES = {d.name: name for d, name in _dtype.SCALAR_TYPE_NAMES.items()}


def _type_name(t):
    return _TYPE_NAMES[t._c.dtype.name]


def _wrap_dim(dim, ndim):
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return dim % max(ndim, 1)


def _as_1d(t):
    return reshape(t, 1) if t._c.ndim == 0 else t


def _along(d, index):
    """The index list that puts index along dim d for index_put_ (a 0-d index taken as 1-d)."""
    return [None] * d + [_as_1d(index)]


def _put_along(target, d, index, values, accumulate):
    """values written (added) into target (a C++ tensor; 0-d taken as 1-d) at target[..., index] along dim d."""
    if 0 in target.shape:  # PyTorch checks no index against an empty self
        return
    target = target.reshape([1]) if target.ndim == 0 else target
    _C.index_put_(target, [None if i is None else i._c for i in _along(d, index)], _as_1d(values)._c, accumulate)


def _out_of_range(index, side):
    """The first of index's smallest and largest values outside [0, side) (index_put_, which the ops write through,
    would count a negative one from the end), or None."""
    if not index.numel():
        return None
    return next((k for k in (int(index.min()), int(index.max())) if not 0 <= k < side), None)


def _check_index_add(x, dim, index, source):
    """index_add_'s checks of its arguments, in PyTorch's order; gives the wrapped dim."""
    _check_tensor(index, "index_add_", "index")
    _check_tensor(source, "index_add_", "source")
    d = _wrap_dim(dim, x._c.ndim)
    if index._c.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index._c.ndim} with type: "
            f"{_type_name(index)} and size: {list(index._c.shape)}"
        )
    if index._c.dtype != _C.DType.int64:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_type_name(index)}")
    if source._c.dtype != x._c.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_type_name(x)}) and source ({_type_name(source)}) must have the same scalar type"
        )
    if d != 0 and d >= source._c.ndim:
        raise RuntimeError(
            f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim {source._c.ndim}"
        )
    count = index.numel()
    if source._c.ndim == 0 and count != 1:  # (PyTorch's message reads source.size(dim), which a 0-d source lacks)
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if source._c.ndim and count != source._c.shape[d]:
        raise RuntimeError(
            f"index_add_(): Number of indices ({count}) should be equal to source.size(dim): "
            f"({source._c.shape[d]}), for dim: {d}"
        )
    shape, source_shape = list(x._c.shape), list(source._c.shape)
    if shape and source_shape:
        del shape[d], source_shape[d]
    if shape != source_shape:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
            f"{list(x._c.shape)} source.shape = {list(source._c.shape)}"
        )
    return d


def _check_index_add_range(x, d, index, unit_alpha):
    """PyTorch's CPU index_add_ scatters along a first or last dim of 2 or more when alpha is 1 (an out-of-range
    index: RuntimeError), and walks slices otherwise (IndexError), checking every index even for an empty self of
    1 dim or none; for an empty self of more dims it checks none."""
    many_dims = x._c.ndim >= 2
    if many_dims and not x.numel():
        return
    k = _out_of_range(index, x._c.shape[d] if x._c.ndim else 1)
    if k is None:
        return
    if many_dims and d in (0, x._c.ndim - 1) and unit_alpha:
        raise RuntimeError(f"index {k} is out of bounds for dimension {d} with size {x._c.shape[d]}")
    raise IndexError("index out of range in self")


def _index_add_into(target, input, dim, index, source, alpha=1):
    d = _check_index_add(input, dim, index, source)
    _C.check_no_internal_overlap(target)
    unit_alpha = alpha == 1 and not isinstance(alpha, bool)
    # PyTorch converts alpha to self's dtype (truncating for an integer self) before multiplying
    scaled = source if unit_alpha else ew.mul(source, _full([], _number(alpha, "index_add_", input), input))
    _check_index_add_range(input, d, index, unit_alpha)
    _put_along(target, d, index, scaled, True)
    return d


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source's slices added at index along dim, repeated indices all adding."""
    d = _index_add_into(out := input._c.clone(), input, dim, index, source, alpha)

    def vjp(g):
        grad_source = None
        if source._requires_grad:
            grad_source = reshape(index_select(_as_1d(g), d, _as_1d(index)), list(source._c.shape))
            grad_source = grad_source if alpha == 1 else ew.mul(grad_source, alpha)
        return g, grad_source

    def jvp(t_input, t_source):
        base = t_input if t_input is not None else _full(input._c.shape, 0, input)
        return index_add(base, dim, index, t_source, alpha=alpha) if t_source is not None else base

    return record("IndexAddBackward0", out, (input, source), vjp, jvp=jvp)


def _check_index_copy(target, x, dim, index, source):
    """index_copy_'s checks, in PyTorch's order: the dim, the write (in place), then its arguments; gives the
    wrapped dim."""
    _check_tensor(index, "index_copy_", "index")
    _check_tensor(source, "index_copy_", "source")
    d = _wrap_dim(dim, x._c.ndim)
    _C.check_no_internal_overlap(target)
    if index._c.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index._c.ndim})")
    count = index.numel()
    if source._c.ndim == 0 and count != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got {count})")
    if source._c.ndim != x._c.ndim and source._c.ndim and x._c.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality must match. Source "
            f"dimensionality ({source._c.ndim}), destination dimensionality ({x._c.ndim})"
        )
    if index._c.dtype != _C.DType.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_type_name(index)}")
    if source._c.dtype != x._c.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_type_name(x)} and (source) {_type_name(source)}"
        )
    slices = [list(t._c.shape[:d] + t._c.shape[d + 1 :]) for t in (x, source)]  # (a 0-d one: no dims to drop)
    if slices[0] != slices[1]:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: "
            f"{' '.join(map(str, slices[0]))} at dimension {d} and source slice shape: "
            f"{' '.join(map(str, slices[1]))} at dimension 0."
        )
    if source._c.ndim and count != source._c.shape[d]:
        raise IndexError(
            f"index_copy_(): Number of indices ({count}) should be equal to source.size(dim) ({source._c.shape[d]})"
        )
    side = x._c.shape[d] if x._c.ndim else 1
    k = _out_of_range(index, side) if x.numel() else None  # (PyTorch checks nothing when self is empty)
    if k is not None:
        raise IndexError(f"index_copy_(): index {k} is out of bounds for dimension {d} with size {side}")
    return d


def _index_copy_into(target, input, dim, index, source):
    d = _check_index_copy(target, input, dim, index, source)
    _put_along(target, d, index, source, False)
    return d


def index_copy(input, dim, index, source):
    """input with source's slices written at index along dim."""
    d = _index_copy_into(out := input._c.clone(), input, dim, index, source)

    def vjp(g):
        grad_source = None
        if source._requires_grad:
            grad_source = reshape(index_select(_as_1d(g), d, _as_1d(index)), list(source._c.shape))
        return (index_fill(g, dim, index, 0) if input._requires_grad else None), grad_source

    def jvp(t_input, t_source):
        base = t_input if t_input is not None else _full(input._c.shape, 0, input)
        return index_copy(base, dim, index, t_source if t_source is not None else _full(source._c.shape, 0, source))

    return record("IndexCopyBackward0", out, (input, source), vjp, jvp=jvp)


def _index_fill_into(target, input, dim, index, value):
    number = _number(value, "index_fill_", input, checked=False)
    _check_tensor(index, "index_fill_", "index")
    if index._c.dtype != _C.DType.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index._c.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    d = _wrap_dim(dim, input._c.ndim)
    _dtype.check_representable(number, input.dtype)  # (after the dim: PyTorch's order)
    _put_along(target, d, index, _full([], number, input), False)
    return d


def index_fill(input, dim, index, value):
    """input with the slices at index along dim set to value (a number, or a 0-d tensor, which gets a gradient)."""
    _index_fill_into(out := input._c.clone(), input, dim, index, value)
    tensor_value = value if isinstance(value, Tensor) else None

    def vjp(g):
        grad_value = None
        if tensor_value is not None and tensor_value._requires_grad:  # each filled element once, repeats or not
            grad_value = _sum(ew.sub(g, index_fill(g, dim, index, 0)))
        return (index_fill(g, dim, index, 0) if input._requires_grad else None), grad_value

    def jvp(t_input, t_value):
        base = t_input if t_input is not None else _full(input._c.shape, 0, input)
        return index_fill(base, dim, index, t_value if t_value is not None else 0)

    return record("IndexFillBackward1", out, (input, tensor_value), vjp, jvp=jvp)


# ---- masks ----


def _check_mask(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._c.dtype != _C.DType.bool:
        if op == "masked_select":
            raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask.dtype}")


def _broadcast(input, mask):
    """The shape input and mask broadcast to; PyTorch names the mask first when they do not."""
    return list(_C.broadcast_shapes(list(mask._c.shape), list(input._c.shape)))


def masked_fill(input, mask, value):
    """input (broadcast with mask) with value where mask is True; value is a number or a 0-d tensor, which gets
    the sum of the gradient at the filled places."""
    _check_mask(mask, "masked_fill_")
    number = _number(value, "masked_fill_", input)
    tensor_value = value if isinstance(value, Tensor) else None
    shape = _broadcast(input, mask)
    out = input._c.expand(shape).clone()
    _C.masked_fill_(out, mask._c.expand(shape), number)

    def vjp(g):
        grad_input = reduce_to(masked_fill(g, mask, 0), input) if input._requires_grad else None
        grad_value = None
        if tensor_value is not None and tensor_value._requires_grad:
            grad_value = _sum(ew.where(mask, g, 0.0)).to(tensor_value.dtype)
        return grad_input, grad_value

    def jvp(t_input, t_value):
        base = t_input if t_input is not None else _full(shape, 0, input)
        return masked_fill(base.expand(shape), mask, t_value if t_value is not None else 0)

    return record("MaskedFillBackward0", out, (input, tensor_value), vjp, jvp=jvp)


def masked_select(input, mask):
    """The elements of input where mask (broadcast with it) is True, in order, as a 1-d tensor."""
    _check_mask(mask, "masked_select")
    shape = _broadcast(input, mask)
    return select_by_mask(input.expand(shape) if list(input._c.shape) != shape else input, mask._c.expand(shape))


def select_by_mask(x, mask_c, name="MaskedSelectBackward0"):
    """x's elements where mask_c (a bool C++ tensor of x's shape, any strides) is True, in order, as a 1-d tensor;
    x[mask] for a mask over x's leading dims is this, reshaped (ops/indexing.py)."""
    out = _C.masked_select(x._c, mask_c)
    mask = wrap(mask_c)

    def vjp(g):
        return (masked_scatter(_full(x._c.shape, 0, g), mask, g),)

    return record(name, out, (x,), vjp, jvp=lambda t: select_by_mask(t, mask_c, name))


def _masked_scatter_into(target, mask, source):
    """source's leading elements written, in order, where mask (broadcast to target's shape) is True; returns how
    many. The mask's coordinates index target, so any layout of target takes the write."""
    target = target.reshape([1]) if target.ndim == 0 else target
    coordinates = _C.nonzero(mask._c.expand(list(target.shape)))
    count = coordinates.shape[0]
    if count > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    values = wrap(source._c.reshape([-1]))[:count]._c
    _C.index_put_(target, [coordinates.select(1, j) for j in range(target.ndim)], values, False)
    return count


def _check_same_dtype(input, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._c.dtype != input._c.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{_TYPE_NAMES[input._c.dtype.name]} and {_TYPE_NAMES[source._c.dtype.name]}"
        )


def masked_scatter(input, mask, source):
    """input (broadcast with mask) with source's leading elements, in order, where mask is True."""
    _check_mask(mask, "masked_scatter_")
    _check_same_dtype(input, source)
    shape = _broadcast(input, mask)
    out = input._c.expand(shape).clone()
    count = _masked_scatter_into(out, mask, source)

    def vjp(g):
        grad_input = reduce_to(masked_fill(g, mask, 0), input) if input._requires_grad else None
        grad_source = None
        if source._requires_grad:
            taken = masked_select(g, mask)
            padding = _full([source.numel() - count], 0, g)
            grad_source = reshape(cat([taken, padding]), list(source._c.shape))
        return grad_input, grad_source

    def jvp(t_input, t_source):
        base = t_input if t_input is not None else _full(shape, 0, input)
        return masked_scatter(
            base.expand(shape), mask, t_source if t_source is not None else _full(source._c.shape, 0, source)
        )

    return record("MaskedScatterBackward0", out, (input, source), vjp, jvp=jvp)


def where(condition, input=None, other=None):
    """where(condition, input, other) picks elementwise; where(condition) is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        c = condition._c
        if c.ndim == 0:
            c = c.reshape([1])
        coordinates = _C.nonzero(c)
        return tuple(wrap(coordinates.select(1, j)) for j in range(c.ndim))
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    return ew.where(condition, input, other)


# ---- in place ----
# Outside the graph each writes straight into self; inside it, the out-of-place op is recorded and written back.


def _expand_to(mask, self):
    """mask broadcast to self's shape, which an in-place write cannot change."""
    shape = list(self._c.shape)
    broadcast = _broadcast(self, mask)
    if broadcast != shape:
        raise RuntimeError(f"output with shape {shape} doesn't match the broadcast shape {broadcast}")
    return mask._c.expand(shape)


def _in_place(out_of_place, into):
    def method(self, *args, **kwargs):
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        if _in_graph(self, *tensors):
            result = out_of_place(_old_value(self), *args, **kwargs)
            if result._c.shape != self._c.shape:
                raise RuntimeError(
                    f"output with shape {list(self._c.shape)} doesn't match the broadcast shape {list(result._c.shape)}"
                )
            return _write_back(self, result)
        into(self._c, self, *args, **kwargs)
        return self

    method.__name__ = out_of_place.__name__ + "_"
    return method


def _scatter_into(target, self, dim, index, src=None, *, value=None, reduce=None):
    _write_scatter(target, self, dim, index, _src_or_value(src, value), reduce)


def _scatter_add_into(target, self, dim, index, src):
    _check_tensor(src, "scatter_add", "src")
    _write_scatter(target, self, dim, index, src, "add")


def _masked_fill_into(target, self, mask, value):
    _check_mask(mask, "masked_fill_")
    _C.masked_fill_(target, _expand_to(mask, self), _number(value, "masked_fill_", self))


def _masked_scatter_in_place(target, self, mask, source):
    _check_tensor(mask, "masked_scatter_", "mask")
    _check_tensor(source, "masked_scatter_", "source")
    _C.check_no_internal_overlap(target)  # (PyTorch's first check)
    _check_mask(mask, "masked_scatter_")
    _expand_to(mask, self)
    _check_same_dtype(self, source)
    _masked_scatter_into(target, mask, source)


scatter_ = _in_place(scatter, _scatter_into)
scatter_add_ = _in_place(scatter_add, _scatter_add_into)
scatter_reduce_ = _in_place(scatter_reduce, _scatter_reduce_into)
index_add_ = _in_place(index_add, _index_add_into)
index_copy_ = _in_place(index_copy, _index_copy_into)
index_fill_ = _in_place(index_fill, _index_fill_into)
masked_fill_ = _in_place(masked_fill, _masked_fill_into)
masked_scatter_ = _in_place(masked_scatter, _masked_scatter_in_place)
