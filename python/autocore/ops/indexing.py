"""Indexing and assignment, with PyTorch's rules: x[index] and x[index] = value for every index kind, index_put(_),
nonzero, argwhere and take.

The basic parts of an index (ints, slices, None, ...) make a view. The advanced parts (int tensors and lists, bool
masks, which nonzero turns into int tensors, and 0-d bools, which add a dim indexed by [0] or []) then select
through the C++ kernels index and index_put_, whose cost follows the result's size, not the indexed tensor's. A
lone bool mask over x's leading dims takes one pass instead: masked_select to read, masked_fill_ to write a
number. Reading records IndexBackward0, whose vjp is an accumulating index_put. A write outside the graph goes
straight to memory (the version counter is bumped in C++); one inside it is recorded out of place on a flat view and
written back, as the other in-place ops are."""

import warnings

import numpy as np

from .. import _C, _dtype
from ..factories import arange
from ..tensor import Tensor
from .graph import expand, record, reduce_to, wrap
from .inplace import _in_graph, _old_value, _write_back
from .scatter import select_by_mask
from .shape import _basic_view, getitem_basic, reshape

_INDEX_ERROR = "tensors used as indices must be long, int, byte or bool tensors"
_BYTE_INDEX_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def getitem(x, index):
    if index.__class__ is Tensor and index._c.ndim:
        if index._c.dtype == _C.DType.int64:  # C[X]: the common case
            return advanced_index(x, [index])
        mask = _leading_mask(x, index)
        rest = list(x._c.shape)[index._c.ndim :]
        if mask is not None and 0 not in rest:  # one pass; the rows it selects keep their trailing dims
            selected = select_by_mask(x, mask, "IndexBackward0")
            return reshape(selected, [-1, *rest]) if rest else selected
    basic, advanced = _split(x, index)
    view = getitem_basic(x, basic)
    return view if advanced is None else advanced_index(view, _index_tensors(view, advanced))


def advanced_index(x, indices):
    """x[indices]: indices[k] (an int64 tensor, or None for the whole dim) selects along dim k; the index tensors
    broadcast together. Differentiable: the gradient is added back at the selected elements."""
    out = _C.index(x._c, _c_list(indices))
    shape = x._c.shape

    def vjp(g):  # (g has x's dtype and device)
        return (index_put(wrap(_dtype.full_c(list(shape), 0, g._c.dtype, g.device)), indices, g, accumulate=True),)

    return record("IndexBackward0", out, (x,), vjp, jvp=lambda t: advanced_index(t, indices))


def index_put(x, indices, values, accumulate=False):
    """A copy of x with values written (added, with accumulate) at x[indices], as torch.index_put."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
    indices, values = _put_arguments(x, _listed_parts(x, indices), values, accumulate)
    out = x._c.clone()
    _C.index_put_(out, _c_list(indices), values._c, accumulate)

    def vjp(g):
        if accumulate:
            grad_x = g
        else:  # the written elements lost their old value
            grad_x = index_put(g, indices, wrap(_dtype.full_c([], 0, g._c.dtype, g.device)))
        return grad_x, reduce_to(advanced_index(g, indices), values)

    def jvp(tx, tv):
        if tx is None:
            tx = wrap(_dtype.full_c(list(x._c.shape), 0, x._c.dtype, x.device))
        if tv is None:
            tv = wrap(_dtype.full_c([], 0, x._c.dtype, x.device))
        return index_put(tx, indices, tv, accumulate)

    return record("IndexPutBackward0", out, (x, values), vjp, jvp=jvp)


def index_put_(x, indices, values, accumulate=False):
    """x[indices] = values in place (values added with accumulate), as Tensor.index_put_."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' must be Tensor, not {type(values).__name__}")
    if _in_graph(x, values):
        _write_back(x, index_put(_old_value(x), indices, values, accumulate))
    else:
        indices, values = _put_arguments(x, _listed_parts(x, indices), values, accumulate)
        _C.index_put_(x._c, _c_list(indices), values._c, accumulate)
    return x


def _listed_parts(x, indices):
    """index_put's indices (per dim from the first: None, or an int tensor, or a bool mask over as many dims as it
    has) as _split's advanced parts, (the dim it starts at, int64 or bool tensor)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"indices must be a tuple or list of Tensors, got {type(indices).__name__}")
    if len(indices) > x._c.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._c.ndim} (got {len(indices)})")
    parts, dim = [], 0
    for k, index in enumerate(indices):
        if index is not None and not isinstance(index, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got {type(index).__name__}")
        if index is not None:
            dtype = index._c.dtype
            if dtype == _C.DType.int32:
                index, dtype = wrap(index._c.to_dtype(_C.DType.int64)), _C.DType.int64
            if dtype not in (_C.DType.int64, _C.DType.bool):
                raise IndexError(_INDEX_ERROR)
            parts.append((dim, index))
        dim += index._c.ndim if index is not None and index._c.dtype == _C.DType.bool else 1
    return parts


def _put_arguments(view, advanced, values, accumulate):
    """(the index tensors, values) for the C++ index_put_ that writes values into view at its advanced parts, as
    PyTorch's index_put_ takes them. There a lone bool mask with a one-element value on the CPU, not accumulated, is a
    masked_fill_, to which the value is a number: converted to view's dtype (refused if that cannot hold it), and of
    any shape. Otherwise the kernel checks values' shape, then its dtype (it must be view's), then the positions."""
    masks = [part for _, part in advanced if part._c.dtype == _C.DType.bool]
    indices = _index_tensors(view, advanced)  # (first: PyTorch checks the mask's shape before the value)
    if not accumulate and len(advanced) == 1 and masks and values.numel() == 1 and values.device.type == "cpu":
        _dtype.check_representable(values.item(), _dtype.from_c(view._c.dtype), halves=False)
        values = reshape(values, []).to(dtype=view.dtype)
    if values.device != view.device and values._c.ndim == 0:
        values = values.to(device=view.device)
    return indices, values


def nonzero(input, *, as_tuple=False):
    if not as_tuple:
        return wrap(_C.nonzero(input._c))
    x = input._c.reshape([1]) if input._c.ndim == 0 else input._c  # PyTorch treats a 0-d input as 1-d here
    coordinates = wrap(_C.nonzero(x))
    return tuple(coordinates[:, j] for j in range(x.ndim))


def argwhere(input):
    return nonzero(input)


def take(input, index):
    """input's elements at the given positions of its flattened form, in index's shape."""
    return getitem(reshape(input, -1), index)


def _c_list(indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"indices must be a tuple or list of Tensors, got {type(indices).__name__}")
    return [None if i is None else i._c for i in indices]


def setitem(x, index, value):
    """x[index] = value as PyTorch does it: value (a number becomes a 0-d tensor of x's dtype) loses its leading 1s;
    a basic index copies it, broadcast and converted, into the view; an advanced one writes it by index_put_, whose
    rules on the value's dtype (see _put_arguments) then hold. The index is checked before the value's shape."""
    if not isinstance(x, Tensor):
        raise TypeError(f"'{type(x).__name__}' object does not support item assignment")
    value = _value_for(x, value)
    if index is False:  # PyTorch's shortcut: nothing is written, whatever the value's shape
        return
    if index is True:  # a lone True is the view x.unsqueeze(0) (in a tuple, or as a tensor, it indexes)
        index = None
    one_number = value.numel() == 1 and value.device.type == "cpu"
    if index.__class__ is Tensor and index._c.ndim and one_number and not _in_graph(x, value):
        mask = _leading_mask(x, index)
        if mask is not None:  # x[mask] = number: one pass (the masked_fill_ that index_put_ takes here)
            number = value.item()
            _dtype.check_representable(number, x.dtype, halves=False)
            _C.masked_fill_(x._c, mask, number)
            return
    basic, advanced = _split(x, index)
    view = wrap(_basic_view(x._c, basic))
    value = _without_leading_ones(value)
    if advanced is None:
        if value._c.ndim and value._c.shape != view._c.shape:
            value = expand(value, list(view._c.shape))  # (with expand's messages, as PyTorch's copy_to)
        value = value.to(device=x.device, dtype=x.dtype)
    else:
        indices, value = _put_arguments(view, advanced, value, False)
    if _in_graph(x, value):
        _write_back(x, _assigned(x, index, value))
    elif advanced is None:
        view._c.copy_(value._c)
    else:
        _C.index_put_(view._c, _c_list(indices), value._c, False)


def _without_leading_ones(value):
    """value without its leading dims of size 1, which PyTorch drops before broadcasting an assigned value."""
    shape = list(value._c.shape)
    while shape and shape[0] == 1:
        shape.pop(0)
    return reshape(value, shape) if len(shape) != value._c.ndim else value


def _assigned(x, index, value):
    """x with x[index] = value, out of place and recorded: the coordinates of the selected elements along each dim
    (an arange per dim, broadcast over x's shape without being materialised, then indexed like x) feed index_put."""
    old = _old_value(x)
    shape = list(x._c.shape)
    if not shape:  # a 0-d x: x[...] = v (or x[None], x[True]) replaces its value; x[False] = v keeps it
        selected = getitem(wrap(_dtype.full_c([], 1, _C.DType.int64, x.device)), index)
        _check_broadcast(value, selected)
        return reshape(value.expand(list(selected.shape)), []) if selected.numel() else old
    coordinates = []
    for d, size in enumerate(shape):
        along = [1] * len(shape)
        along[d] = size
        coordinates.append(getitem(arange(size, device=x.device).view(along).expand(shape), index))
    _check_broadcast(value, coordinates[0])
    return index_put(old, coordinates, value.to(x.dtype))


def _leading_mask(x, index):
    """index as a mask of x's whole shape (a view, stride 0 along the dims it leaves out), when it is a bool tensor
    over x's leading dims; else None."""
    if index._c.dtype != _C.DType.bool:
        return None
    k, shape = index._c.ndim, list(x._c.shape)
    if k == 0 or k > len(shape) or list(index._c.shape) != shape[:k]:
        return None
    return index._c.reshape(list(index._c.shape) + [1] * (len(shape) - k)).expand(shape)


def _value_for(x, value):
    """The assigned value as a tensor: a number as a 0-d tensor of x's dtype on x's device (refused, as PyTorch does,
    when x's dtype cannot hold it), a tensor as it is."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)) or hasattr(value, "__index__") or isinstance(value, np.generic):
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise ValueError("Overflow when unpacking long long")  # (PyTorch reads a Python int as an int64)
        _dtype.check_representable(value, x.dtype, halves=False)
        return wrap(_dtype.full_c([], value, x._c.dtype, x.device))
    raise TypeError(f"can't assign a {type(value).__name__} to a {x.type()}")


def _check_broadcast(value, target):
    shape, result = list(value._c.shape), list(target._c.shape)
    if len(shape) > len(result) or any(v not in (1, t) for v, t in zip(shape[::-1], result[::-1])):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {shape} cannot be broadcast to indexing result of shape {result}"
        )


def _split(x, index):
    """(the basic index, then the advanced parts as (the view dim they start at, int64 or bool tensor), or None
    when there are none). In the basic index an advanced part stands as whole slices over the dims it covers."""
    parts = index if isinstance(index, tuple) else (index,)
    items = []  # (basic entries, dims they produce in the view, dims of x they consume, the advanced tensor)
    for part in parts:
        if isinstance(part, (list, np.ndarray)):
            part = _from_sequence(part)
        if isinstance(part, Tensor):
            dtype = part._c.dtype
            if dtype == _C.DType.int32:  # int32 indices select as int64 ones do
                part, dtype = wrap(part._c.to_dtype(_C.DType.int64)), _C.DType.int64
            elif dtype == _C.DType.uint8:  # a byte tensor is a mask, as before PyTorch had bool
                warnings.warn(_BYTE_INDEX_WARNING, UserWarning, stacklevel=3)
                part, dtype = wrap(part._c.to_dtype(_C.DType.bool)), _C.DType.bool
            if dtype not in (_C.DType.int64, _C.DType.bool):
                raise IndexError(_INDEX_ERROR)
            if part._c.ndim == 0:  # a 0-d int is an int; a 0-d mask is a bool
                part = int(part.item()) if dtype == _C.DType.int64 else bool(part.item())
            else:
                width = part._c.ndim if dtype == _C.DType.bool else 1
                items.append(([slice(None)] * width, width, width, part))
                continue
        if isinstance(part, bool):  # a new dim of size 1, indexed by [0] (True) or [] (False), as in PyTorch
            items.append(([None], 1, 0, wrap(_dtype.full_c([int(part)], 0, _C.DType.int64))))
        elif part is None:
            items.append(([part], 1, 0, None))
        elif isinstance(part, slice):
            items.append(([part], 1, 1, None))
        elif part is Ellipsis:
            items.append(([part], None, None, None))
        else:
            items.append(([part], 0, 1, None))  # an int (or what _basic_view refuses, with PyTorch's message)
    basic = tuple(entry for entries, _, _, _ in items for entry in entries)
    if all(tensor is None for _, _, _, tensor in items):
        return (basic if isinstance(index, tuple) else basic[0]), None  # a lone slice is checked before dims count
    named = sum(consumed for _, _, consumed, _ in items if consumed is not None)
    advanced, dim = [], 0
    for _, produced, _, tensor in items:
        if tensor is not None:
            advanced.append((dim, tensor))
        dim += max(x._c.ndim - named, 0) if produced is None else produced
    return basic, advanced


def _from_sequence(part):
    array = np.asarray(part)
    if array.dtype == np.bool_:
        return wrap(_C.from_numpy(np.ascontiguousarray(array)))
    if array.size == 0:
        array = array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise IndexError(_INDEX_ERROR)
    return wrap(_C.from_numpy(np.ascontiguousarray(array, dtype=np.int64)))


def _index_tensors(view, advanced):
    """One entry per dim of the view up to the last indexed one: an int64 tensor, or None (the dim taken whole)."""
    shape = list(view._c.shape)
    indices = [None] * len(shape)
    for start, part in advanced:
        if part._c.dtype == _C.DType.bool:
            width = part._c.ndim
            for j, size in enumerate(part._c.shape):
                if start + j >= len(shape) or size != shape[start + j]:
                    raise IndexError(
                        f"The shape of the mask {list(part._c.shape)} at index {j} does not match the shape of the "
                        f"indexed tensor {shape} at index {start + j}"
                    )
            coordinates = _C.nonzero(part._c)
            for j in range(width):
                indices[start + j] = wrap(coordinates.select(1, j))
        else:
            if start >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            indices[start] = part
    while indices and indices[-1] is None:
        indices.pop()
    return indices
