"""Views and shape ops (view, reshape, transpose, permute, unsqueeze, squeeze, flatten, expand, basic
indexing), casts and copies, with their vjps. Views share memory with their input."""

from .. import _C, _dtype, factories
from ..tensor import Tensor
from .graph import cast, expand, record, record_view
from .numpy_names import numpy_names


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for s in shape:
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"shape must be a sequence of ints, got {type(s).__name__}")
    return [int(s) for s in shape]


def view(x, *shape, dtype=None):
    if dtype is None and len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        dtype = shape[0]
    if dtype is not None:  # the same bytes read as another dtype: a view, but not differentiable (as in PyTorch)
        if shape and shape[0] is not dtype:
            raise TypeError("view() received an invalid combination of arguments: a shape and dtype=")
        return Tensor._wrap(x._c.view_dtype(dtype._c))
    in_shape = x._c.shape
    out = x._c.view(_shape_arg(shape))
    return record_view("ViewBackward0", out, x, lambda g: (reshape(g, in_shape),), lambda t: reshape(t, out.shape))


def reshape(x, *shape):
    in_shape = x._c.shape
    out = x._c.reshape(_shape_arg(shape))
    return record_view(
        "ReshapeAliasBackward0", out, x, lambda g: (reshape(g, in_shape),), lambda t: reshape(t, out.shape)
    )


def flatten(x, start_dim=0, end_dim=-1):
    shape = x._c.shape
    if len(shape) == 0:
        return reshape(x, 1)
    n = len(shape)
    for d in (start_dim, end_dim):
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    start, end = start_dim % n, end_dim % n
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    middle = 1
    for s in shape[start : end + 1]:
        middle *= s
    return reshape(x, list(shape[:start]) + [middle] + list(shape[end + 1 :]))


def transpose(x, dim0, dim1):
    return record_view(
        "TransposeBackward0",
        x._c.transpose(dim0, dim1),
        x,
        lambda g: (transpose(g, dim0, dim1),),
        lambda t: transpose(t, dim0, dim1),
    )


def t(x):
    if x._c.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x._c.ndim}D")
    return view(x, list(x._c.shape)) if x._c.ndim < 2 else transpose(x, 0, 1)


def permute(x, *dims):
    dims = _shape_arg(dims)
    n = len(dims)
    inverse = [0] * n
    for i, d in enumerate(dims):
        inverse[d % n] = i
    return record_view(
        "PermuteBackward0", x._c.permute(dims), x, lambda g: (permute(g, inverse),), lambda t: permute(t, dims)
    )


@numpy_names
def unsqueeze(x, dim):
    n = x._c.ndim + 1
    d = dim % n if -n <= dim < n else dim
    return record_view(
        "UnsqueezeBackward0", x._c.unsqueeze(dim), x, lambda g: (squeeze(g, d),), lambda t: unsqueeze(t, dim)
    )


@numpy_names
def squeeze(x, dim=None):
    in_shape = x._c.shape
    if isinstance(dim, (tuple, list)):
        n = max(len(in_shape), 1)
        dims = set()
        for d in dim:
            if not -n <= d < n:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
            if d % n in dims:
                raise RuntimeError(f"dim {d % n} appears multiple times in the list of dims")
            dims.add(d % n)
        out = x._c.view([s for i, s in enumerate(in_shape) if not (i in dims and s == 1)])
    else:
        out = x._c.squeeze() if dim is None else x._c.squeeze(dim)
    return record_view("SqueezeBackward0", out, x, lambda g: (reshape(g, in_shape),), lambda t: reshape(t, out.shape))


def expand_as(x, other):
    return expand(x, other._c.shape)


def contiguous(x):
    if x._c.is_contiguous:
        return x
    return record("CloneBackward0", x._c.contiguous(), (x,), lambda g: (g,), jvp=lambda t: t)


def clone(x):
    return record("CloneBackward0", x._c.clone(), (x,), lambda g: (g,), jvp=clone)


def to_dtype(x, dtype):
    return cast(x, dtype._c)


def getitem_basic(x, index):
    """x[index] for an index of ints, slices, None, ... and Python bools: a view (ops/indexing.py does the rest)."""
    out = _basic_view(x._c, index)
    in_shape = x._c.shape

    return record_view(
        "SliceBackward0", out, x, lambda g: (_place(g, index, in_shape),), lambda t: getitem_basic(t, index)
    )


def _place(g, index, in_shape):
    """g written into zeros of in_shape at x[index]: the vjp of basic indexing, itself differentiable."""
    full = _dtype.full_c(list(in_shape), 0, g._c.dtype, _dtype.device_of(g._c))
    _basic_view(full, index).copy_(g._c)
    return record(
        "SliceBackwardBackward0",
        full,
        (g,),
        lambda gg: (getitem_basic(gg, index),),
        jvp=lambda t: _place(t, index, in_shape),
    )


def _basic_view(c, index):
    if not isinstance(index, tuple):
        if isinstance(index, slice) and index.step is not None and index.step <= 0:
            raise ValueError("step must be greater than zero")  # a lone slice: before the dims are counted
        index = (index,)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for i in index if i is not None and i is not Ellipsis and not isinstance(i, bool))
    if used > c.ndim:
        raise IndexError(f"too many indices for tensor of dimension {c.ndim}")
    dim = 0
    for i in index:
        if i is Ellipsis:
            dim += c.ndim - dim - (used - _used_before(index, i))
        elif i is None:
            c = c.unsqueeze(dim)
            dim += 1
        elif isinstance(i, slice):
            step = 1 if i.step is None else i.step
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = i.indices(c.shape[dim])
            c = c.slice(dim, start, max(start, stop), step)
            dim += 1
        elif isinstance(i, bool):  # x[True] adds a dim of size 1, x[False] one of size 0
            c = c.unsqueeze(dim)
            if not i:
                c = c.slice(dim, 0, 0, 1)
            dim += 1
        else:
            if not hasattr(i, "__index__"):
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices"
                )
            k = int(i.__index__())
            size = c.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            c = c.select(dim, k)
    return c


def _used_before(index, ellipsis):
    n = 0
    for i in index:
        if i is ellipsis:
            return n
        if i is not None and not isinstance(i, bool):
            n += 1
    return n


def _index_add(g, d, index, in_shape):
    """Rows of g summed into zeros of in_shape at `index`: index_select's vjp, itself differentiable."""
    return record(
        "IndexAddBackward0",
        _C.index_add_backward(g._c, d, index._c, list(in_shape)),
        (g,),
        lambda gg: (index_select(gg, d, index),),
        jvp=lambda t: _index_add(t, d, index, in_shape),
    )


def index_select(x, dim, index):
    in_shape = x._c.shape
    d = dim % max(x._c.ndim, 1)
    return record(
        "IndexSelectBackward0",
        _C.index_select(x._c, dim, index._c),
        (x,),
        lambda g: (_index_add(g, d, index, in_shape),),
        jvp=lambda t: index_select(t, dim, index),
    )


@numpy_names
def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("autocore.cat(): expected a non-empty list of Tensors")
    out_c = _C.cat([t._c for t in tensors], dim)
    # Legacy empty 1-D tensors (shape [0]) are skipped by the kernel whatever dim is, and take no share.
    sizes = [0 if t.ndim == 0 or (t.ndim == 1 and t.numel() == 0) else t.shape[dim] for t in tensors]

    def vjp(g):
        grads, start = [], 0
        d = dim % g.ndim
        for t, size in zip(tensors, sizes):
            if t.ndim == 1 and t.numel() == 0 and g.ndim != 1:
                grads.append(None)
                continue
            index = [slice(None)] * g.ndim
            index[d] = slice(start, start + size)
            grads.append(g[tuple(index)])
            start += size
        return tuple(grads)

    def jvp(*tangents):
        return cat([factories.zeros_like(t) if d is None else d for t, d in zip(tensors, tangents)], dim)

    return record("CatBackward0", out_c, tuple(tensors), vjp, jvp=jvp)


@numpy_names
def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    n = tensors[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry "
                f"0 and {list(t.shape)} at entry {i}"
            )
    d = dim % n

    def vjp(g):
        return tuple(g[(slice(None),) * d + (i,)] for i in range(len(tensors)))

    def jvp(*tangents):
        return stack(
            [factories.zeros_like(t) if tangent is None else tangent for t, tangent in zip(tensors, tangents)], d
        )

    return record("StackBackward0", _C.stack([t._c for t in tensors], d), tuple(tensors), vjp, jvp=jvp)
