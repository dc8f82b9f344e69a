"""Tensor factories in PyTorch's top-level namespace: tensor, as_tensor, from_numpy, zeros, ones, full,
empty, arange, linspace, eye, the *_like forms, and the random ones on autocore's Philox generator."""

import math

import numpy as np

from . import _C, _dtype, cuda
from .ops.graph import wrap
from .random import c_generator
from .tensor import Tensor


def _c_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype())._c
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"dtype must be an autocore dtype, got {dtype!r}")
    return dtype._c


def _finish(c, requires_grad, device=None, dtype=None):
    """The tensor for c, on device, in dtype (bfloat16's values come from numpy as float32)."""
    if dtype is not None and c.dtype != dtype._c:
        c = c.to_dtype(dtype._c)
    t = wrap(_dtype.to_device_c(c, _dtype.resolve_device(device)))
    if requires_grad:
        t.requires_grad = True
    return t


def _size(size, keyword=None):
    if keyword is not None:
        if size:
            raise TypeError("size given both positionally and as the size= keyword")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return [int(s) for s in size]


def _no_extra(kwargs, name):
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")


def _infer_numpy(data, dtype):
    """data as a numpy array with PyTorch's inference: Python floats take the default dtype, ints int64;
    numpy arrays and scalars keep theirs. An explicit dtype converts straight from the data."""
    if isinstance(data, Tensor):
        array = data.detach().cpu()._c.numpy()
    elif isinstance(data, (list, tuple, int, float)) and (array := _from_sequence(data, dtype)) is not None:
        pass
    elif dtype is not None:
        try:
            array = np.asarray(data, dtype=dtype.numpy)
        except (OverflowError, ValueError) if not dtype.is_floating_point else OverflowError:
            # inf or nan to an integer, or an int past int64
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow") from None
    else:
        array = np.asarray(data)
        numpy_typed = isinstance(data, (np.ndarray, np.generic))
        # Python ints past int64 become uint64 or object arrays in numpy; PyTorch refuses them.
        if not numpy_typed and (
            array.dtype.kind == "u" or (array.dtype == object and all(isinstance(v, int) for v in array.reshape(-1)))
        ):
            raise ValueError("Overflow when unpacking long long")
        if array.dtype == object:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        if array.dtype.kind in "iu" and not (numpy_typed and array.dtype in _dtype._FROM_NUMPY):  # numpy's stay
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind == "f" and not numpy_typed:
            array = array.astype(_dtype.get_default_dtype().numpy, copy=False)
        elif array.dtype.kind == "f" and array.dtype not in _dtype._FROM_NUMPY:
            array = array.astype(np.float32, copy=False)
    if dtype is not None:
        array = array.astype(dtype.numpy, copy=False)
    _dtype.from_numpy_dtype(array.dtype)  # raises for unsupported dtypes
    return array


# ---- nested Python sequences, as PyTorch's tensor_new.cpp reads them ----
# Nested lists of Python numbers go through numpy once their element types are known. Anything else is read
# in PyTorch's three passes, each with PyTorch's errors in PyTorch's order: the sizes, from the first element at
# each level; the dtype, inferred over every element (floats take the default dtype, ints int64, bools bool,
# promoted); then every element checked against the sizes and converted.

_SEQUENCES = (list, tuple, range, str, bytes)
_RANK = {np.dtype(np.bool_): 0, np.dtype(np.int64): 1, np.dtype(np.float32): 2, np.dtype(np.float64): 3}


class _HoldsArrays(Exception):
    """Tensors or numpy arrays among the elements: those keep numpy's conversion."""


_NUMBERS = {float, int, bool}


def _from_sequence(data, dtype):
    """data as an array, or None where tensors or arrays are among its elements. The common case, nested lists
    of Python numbers, takes numpy's conversion once the element types are known."""
    try:
        if isinstance(data, (list, tuple)) and data and not isinstance(data[0], (list, tuple, range)):
            objects, kinds = data, set(map(type, data))  # flat (a nested element shows among the kinds)
        else:
            objects = np.asarray(data, dtype=object)
            kinds = set(map(type, objects.reshape(-1)))
    except ValueError:  # ragged: the careful path names the offending level
        kinds = None
    if (
        kinds is not None
        and kinds <= _NUMBERS
        and (dtype is None or dtype.is_floating_point or kinds <= ({bool} if dtype.name == "bool" else {int, bool}))
    ):
        target = (
            dtype.numpy
            if dtype is not None
            else _dtype.get_default_dtype().numpy
            if float in kinds or not kinds
            else np.int64
            if int in kinds
            else np.bool_
        )
        try:
            if dtype is not None and dtype.itemsize < 8 and not dtype.is_floating_point and dtype.name != "bool":
                return _narrow_integers(np.asarray(objects, dtype=np.int64), dtype)
            with np.errstate(over="ignore"):  # past float32's range: inf, as in PyTorch
                return np.asarray(objects, dtype=target)
        except OverflowError as error:  # an int past int64, or one past any float
            if "float" in str(error):
                raise
            raise ValueError("Overflow when unpacking long long") from None
    try:
        return _sequence_as_pytorch_reads_it(data, dtype)
    except _HoldsArrays:
        return None


def _narrow_integers(values, dtype):
    """int64 values in a narrower integer dtype, refused past its range as c10's checked conversion refuses them;
    an unsigned dtype takes negatives down to -max, which wrap (-1 is 255)."""
    info = np.iinfo(dtype.numpy)
    low = -int(info.max) if info.min == 0 else int(info.min)
    if values.size and (values.min() < low or values.max() > info.max):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    return values.astype(dtype.numpy)


def _sequence_as_pytorch_reads_it(data, dtype):
    sizes = []
    level = data
    while isinstance(level, _SEQUENCES):
        sizes.append(len(level))
        if len(sizes) > 64:
            raise ValueError(f"too many dimensions '{type(level).__name__}'")
        if not level:
            break
        level = level[0]
    target = dtype.numpy if dtype is not None else _infer_sequence_dtype(data)
    leaves = []
    if math.prod(sizes):  # PyTorch stores (and checks) nothing when a size is 0
        _collect(data, sizes, 0, leaves)
    return _convert_leaves(leaves, target).reshape(sizes)


def _infer_sequence_dtype(data):
    rank = -1
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple, range)):
            if not item:  # an empty sequence counts as the default dtype
                rank = max(rank, _RANK[np.dtype(_dtype.get_default_dtype().numpy)])
            stack.extend(reversed(item))  # in order: the first bad element is the one reported
            continue
        if isinstance(item, (bool, np.bool_)):
            kind = np.dtype(np.bool_)
        elif isinstance(item, (int, np.integer)):
            kind = np.dtype(np.int64)
        elif isinstance(item, np.floating):  # (before float: np.float64 is a float)
            kind = item.dtype
        elif isinstance(item, float):
            kind = np.dtype(_dtype.get_default_dtype().numpy)
        elif isinstance(item, (Tensor, np.ndarray)):
            raise _HoldsArrays
        elif isinstance(item, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
        elif isinstance(item, (complex, np.complexfloating)):
            return np.dtype(np.complex128)  # refused by from_numpy_dtype, as autocore has no complex dtype
        else:
            raise RuntimeError(f"Could not infer dtype of {type(item).__name__}")
        if kind not in _RANK:
            return kind  # (float16 and the like: refused later with numpy's dtype named)
        rank = max(rank, _RANK[kind])
    return next(k for k, r in _RANK.items() if r == rank)


def _collect(item, sizes, dim, leaves):
    if isinstance(item, (Tensor, np.ndarray)):
        raise _HoldsArrays
    if dim == len(sizes):
        leaves.append(item)
        return
    if not isinstance(item, _SEQUENCES):
        raise TypeError("not a sequence")
    if len(item) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(item)})")
    for element in item:
        _collect(element, sizes, dim + 1, leaves)


def _convert_leaves(leaves, target):
    """The leaves as `target`, each converted as PyTorch's store_scalar does."""
    target = np.dtype(target)
    if target.kind == "b":
        return np.array([bool(_number(v)) for v in leaves], np.bool_)
    if target.kind in "iu":
        return np.array([_integral(v) for v in leaves], np.int64)
    if target.kind == "f":
        with np.errstate(over="ignore"):  # past float32's range: inf, as in PyTorch
            return np.array([float(_number(v)) for v in leaves], np.float64).astype(target)
    return np.array(leaves, target)


def _number(value):
    if not isinstance(value, (int, float, np.number, np.bool_)):
        raise TypeError(f"must be real number, not {_type_name(value)}")
    return value


def _integral(value):
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or not -(2.0**63) <= value < 2.0**63:
            raise RuntimeError("value cannot be converted to type int64 without overflow")
        return int(value)
    if not isinstance(value, (int, np.integer)):
        raise TypeError(f"'{_type_name(value)}' object cannot be interpreted as an integer")
    if not -(2**63) <= int(value) < 2**63:
        raise ValueError("Overflow when unpacking long long")
    return int(value)


def _type_name(value):
    """Python's name for the type, as CPython's tp_name gives it: 'list', 'numpy.bool'."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _inferred_bfloat16(data, dtype, array):
    """dtype, or bfloat16 where Python floats took a bfloat16 default dtype: numpy has no bfloat16, so the inference
    gave its float32 stand-in."""
    if dtype is not None or array.dtype != np.float32 or _dtype.get_default_dtype() is not _dtype.bfloat16:
        return dtype
    return None if isinstance(data, (np.ndarray, np.generic, Tensor)) else _dtype.bfloat16


def tensor(data, dtype=None, device=None, requires_grad=False):
    array = np.array(_infer_numpy(data, dtype), copy=True, order="C")
    return _finish(_C.from_numpy(array), requires_grad, device, _inferred_bfloat16(data, dtype, array))


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    # (np.asarray keeps a 0-d array 0-d; np.ascontiguousarray makes it 1-d)
    array = np.asarray(_infer_numpy(data, dtype), order="C")
    return _finish(_C.from_numpy(array), False, device, _inferred_bfloat16(data, dtype, array))


def from_numpy(array):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return wrap(_C.from_numpy(array))


def from_dlpack(ext_tensor):
    """A tensor sharing the memory of any object with __dlpack__ (numpy, PyTorch, CuPy, JAX; CPU or CUDA)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    return wrap(_C.from_dlpack(ext_tensor))


def _filled(size, value, c_dtype, requires_grad, device):
    """A new tensor of `value`, filled where it will live (no host copy for a GPU tensor)."""
    return _finish(_dtype.full_c(size, value, c_dtype, _dtype.resolve_device(device)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (
            _dtype.bool_
            if isinstance(fill_value, bool)
            else _dtype.int64
            if isinstance(fill_value, int)
            else _dtype.get_default_dtype()
        )
    _dtype.check_representable(fill_value, dtype)
    return _filled(_size([size] if isinstance(size, int) else [size]), fill_value, dtype._c, requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size(size, kwargs.pop("size", None))
    _no_extra(kwargs, "zeros")
    return _filled(size, 0, _c_dtype(dtype), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size(size, kwargs.pop("size", None))
    _no_extra(kwargs, "ones")
    return _filled(size, 1, _c_dtype(dtype), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size(size, kwargs.pop("size", None))
    _no_extra(kwargs, "empty")
    place = _dtype.resolve_device(device)
    if place is None or place.type == "cpu":
        return _finish(_C.empty(size, _c_dtype(dtype)), requires_grad)

    return _finish(cuda._backend().empty(size, _c_dtype(dtype), place.index), requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(list(t.shape), dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return ones(list(t.shape), dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    _dtype.check_representable(fill_value, dtype or t.dtype)  # (full_like checks the halves; full does not)
    return full(
        list(t.shape), fill_value, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad
    )


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return empty(list(t.shape), dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if values[2] == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in values[:2]) or math.isnan(values[2]):
        raise RuntimeError(f"unsupported range: {values[0]} -> {values[1]}")
    integral = all(isinstance(v, (int, np.integer)) for v in values)
    if dtype is None:
        dtype = _dtype.int64 if integral else _dtype.get_default_dtype()
    if dtype.name == "bool":
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    start_value, end_value, step_value = values
    if (step_value > 0 and end_value < start_value) or (step_value < 0 and end_value > start_value):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    span = (end_value - start_value) / step_value
    if not math.isfinite(span) or math.ceil(span) >= 1 << 63:
        raise RuntimeError("invalid size, possible overflow?")
    count = math.ceil(span)
    if not dtype.is_floating_point and not integral:
        # PyTorch (since 2.14) counts the elements from the values as given, then steps from the truncated start by
        # the truncated step, which may be 0: arange(0, 5, 0.5, dtype=int64) is ten zeros.
        start_value, step_value = _to_int64(start_value), _to_int64(step_value)
        integral = True
    array = _host_array(
        lambda: (
            start_value
            + np.arange(count, dtype=np.int64 if integral else np.float64)
            * (step_value if math.isfinite(step_value) else 0)
        ),
        count,
        dtype,
    )
    return _finish(_C.from_numpy(array.astype(dtype.numpy)), requires_grad, device, dtype)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.name == "bool" and steps > 1:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")  # PyTorch's, a RuntimeError
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    return _finish(_C.from_numpy(_linspace_values(start, end, steps, dtype)), requires_grad, device, dtype)


def _linspace_values(start, end, steps, dtype):
    """PyTorch's formula, in its types: the first half steps up from start, the second half down from end, so
    both ends are exact. A float dtype computes in that dtype; an integer one truncates start and end to
    integers and steps in double, truncating each value."""
    if steps == 0:
        return np.empty(0, dtype.numpy)
    if steps == 1:  # PyTorch fills with start
        value = start if dtype.is_floating_point or dtype.name == "bool" else _to_int64(start)
        return np.array([value]).astype(dtype.numpy)
    index = np.arange(steps, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if dtype.is_floating_point:
            kind = dtype.numpy.type
            start, end, index = kind(start), kind(end), index.astype(kind)
            step = (end - start) / kind(steps - 1)
        else:
            start, end = (_to_int64(v) for v in (start, end))
            step = (float(end) - float(start)) / (steps - 1)
        values = np.where(index < steps // 2, start + step * index, end - step * (steps - 1 - index))
    if dtype.is_floating_point:
        return values.astype(dtype.numpy)
    if not np.isfinite(values).all():
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return np.trunc(values).astype(np.int64).astype(dtype.numpy)


def _to_int64(value):
    """A Python number as PyTorch's Scalar.to<int64_t>() takes it: truncated, refused past int64."""
    if not (isinstance(value, int) or math.isfinite(value)) or not -(2**63) <= math.trunc(value) < 2**63:
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return math.trunc(value)


def _host_array(make, size, dtype):
    """make() for a size that may not fit in memory: numpy's MemoryError becomes PyTorch's RuntimeError."""
    try:
        return make()
    except MemoryError:
        raise RuntimeError(f"out of memory: failed to allocate {size} elements of {dtype}") from None


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    dtype = dtype or _dtype.get_default_dtype()
    return _finish(_C.from_numpy(np.eye(n, m, dtype=dtype.numpy)), requires_grad, device, dtype)


# ---- random ----


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size(size, kwargs.pop("size", None))
    _no_extra(kwargs, "rand")
    gen = c_generator(generator, "rand", device)
    c = _C.empty(size, _c_dtype(dtype))
    _C.uniform_(c, 0.0, 1.0, generator=gen)
    return _finish(c, requires_grad, device)


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 in each element, 1 with the probability input holds there (or p), in input's shape and dtype."""
    out = _C.empty(list(input._c.shape), input._c.dtype)
    probabilities = _dtype.to_device_c(input._c, _dtype.CPU)  # drawn on the host, as every random fill is
    gen = c_generator(generator, "bernoulli", input.device)
    _C.bernoulli_(out, probabilities if p is None else float(p), generator=gen)
    return _finish(out, False, input.device)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices (int64) drawn for input, a 1-D table of non-negative weights or a 2-D one of
    rows, with or without replacement; on input's device."""
    if not isinstance(num_samples, int) or isinstance(num_samples, bool):
        raise TypeError(
            f"multinomial(): argument 'num_samples' (position 2) must be int, not {type(num_samples).__name__}"
        )
    gen = c_generator(generator, "multinomial", input.device)
    return _finish(_C.multinomial(input._c, num_samples, bool(replacement), generator=gen), False, input.device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size(size, kwargs.pop("size", None))
    _no_extra(kwargs, "randn")
    gen = c_generator(generator, "randn", device)
    c = _C.empty(size, _c_dtype(dtype))
    _C.normal_(c, 0.0, 1.0, generator=gen)
    return _finish(c, requires_grad, device)


def rand_like(t, dtype=None, device=None):
    return rand(list(t.shape), dtype=dtype or t.dtype, device=device or t.device)


def randn_like(t, dtype=None, device=None):
    return randn(list(t.shape), dtype=dtype or t.dtype, device=device or t.device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size), as PyTorch allows
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high is None:
        low, high = 0, low
    if dtype == _dtype.bool_:  # PyTorch checks the range against what a bool can hold
        if not 0 <= low <= 1:
            raise RuntimeError("from is out of bounds for bool")
        if not 0 <= high - 1 <= 1:
            raise RuntimeError("to - 1 is out of bounds for bool")
    c = _C.randint(low, high, _size(size), generator=c_generator(generator, "randint", device))
    if dtype is not None and dtype != _dtype.int64:
        c = c.to_dtype(dtype._c)
    return _finish(c, False, device)


def randperm(n, generator=None, dtype=None, device=None):
    if dtype is _dtype.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    c = _C.randperm(n, generator=c_generator(generator, "randperm", device))
    return _finish(c if dtype in (None, _dtype.int64) else c.to_dtype(dtype._c), False, device)
