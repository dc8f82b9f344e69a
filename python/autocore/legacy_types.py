"""PyTorch's legacy tensor types: Tensor(data) and Tensor(*sizes), FloatTensor, DoubleTensor, HalfTensor,
BFloat16Tensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor (and autocore.cuda's),
x.type(). As in PyTorch, the typed classes are not Tensor's subclasses: their metaclass makes a plain Tensor when
one is called and answers isinstance from the tensor's dtype and device, so isinstance(x, Tensor) costs what it did.
A tensor made from sizes is filled with zeros (PyTorch leaves it uninitialised). This module gives Tensor its
__new__ and its type(), and autocore.cuda its classes, as _tensor_methods gives Tensor its operators."""

import operator

import numpy as np

from . import _dtype, cuda
from ._dtype import SCALAR_TYPE_NAMES
from ._tensor_methods import as_subclass
from .factories import _type_name, as_tensor, zeros
from .ops.graph import move
from .ops.shape import to_dtype
from .tensor import Size, Tensor

_DTYPE_OF_NAME = {name: d for d, name in SCALAR_TYPE_NAMES.items()}


def type_name(x):
    """PyTorch's name for x's type: 'torch.FloatTensor', 'torch.cuda.LongTensor'."""
    place = "torch." if x._c.device == "cpu" else "torch.cuda."
    return f"{place}{SCALAR_TYPE_NAMES[_dtype.from_c(x._c.dtype)]}Tensor"


class _LegacyTensorType(type):
    """The metaclass of FloatTensor and the like (PyTorch's torch.tensortype)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._c.dtype == cls._c_dtype and (obj._c.device != "cpu") == cls.is_cuda

    def __call__(cls, *args, **kwargs):
        return _construct(Tensor, cls.dtype, "cuda" if cls.is_cuda else "cpu", args, kwargs)


def _legacy_type(name, is_cuda):
    """The class torch.<name>Tensor (or torch.cuda.<name>Tensor), name a ScalarType name ('Float')."""
    dtype = _DTYPE_OF_NAME[name]
    namespace = {"__module__": "autocore.cuda" if is_cuda else "autocore", "is_cuda": is_cuda}
    namespace["_c_dtype"], namespace["dtype"] = dtype._c, dtype
    return _LegacyTensorType(f"{name}Tensor", (), namespace)


CPU_TYPES = {name: _legacy_type(name, False) for name in SCALAR_TYPE_NAMES.values()}
CUDA_TYPES = {name: _legacy_type(name, True) for name in SCALAR_TYPE_NAMES.values()}
(
    FloatTensor,
    DoubleTensor,
    HalfTensor,
    BFloat16Tensor,
    LongTensor,
    IntTensor,
    ShortTensor,
    CharTensor,
    ByteTensor,
    BoolTensor,
) = CPU_TYPES.values()
for _cls in CUDA_TYPES.values():
    setattr(cuda, _cls.__name__, _cls)


# ---- Tensor(...): PyTorch's legacy constructor ----


def _construct(cls, dtype, device_type, args, kwargs):
    """cls(), cls(*sizes), cls(Size), cls(data) or cls(tensor) for the legacy type of `dtype` (None: the default
    dtype, which Tensor takes) on `device_type`."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _alias(cls, args[0], dtype, device_type, device)
    place = _legacy_device(device, device_type)
    dtype = dtype or _dtype.get_default_dtype()
    data, sizes = _data_or_sizes(args)
    out = zeros(sizes, dtype=dtype, device=place) if data is None else as_tensor(data, dtype=dtype, device=place)
    return out if cls is Tensor else as_subclass(out, cls)


def _alias(cls, t, dtype, device_type, device):
    """Tensor(t): a view of t (in the graph, as PyTorch's alias is), of any dtype; a typed class takes only its
    own type."""
    if device is not None:
        raise RuntimeError(
            "Legacy tensor constructor of the form torch.Tensor(tensor, device=device) is not supported. "
            "Use torch.tensor(...) or torch.as_tensor(...) instead."
        )
    if dtype is not None and (t._c.dtype != dtype._c or (t._c.device != "cpu") != (device_type == "cuda")):
        expected = f"torch.{'cuda.' if device_type == 'cuda' else ''}{SCALAR_TYPE_NAMES[dtype]}Tensor"
        raise TypeError(f"expected {expected} (got {type_name(t)})")
    return as_subclass(t, cls)


def _legacy_device(device, device_type):
    """The device= argument, which must be of the class's device type ('cpu' for Tensor and FloatTensor)."""
    if device is None:
        return device_type
    given = _dtype.device("cuda", device) if isinstance(device, int) else _dtype.device(device)
    if given.type != device_type:
        raise RuntimeError(
            f"legacy constructor expects device type: {device_type} but device type: {given.type} was passed"
        )
    return given


def _data_or_sizes(args):
    """(data, None) or (None, sizes) for Tensor(*args), read as PyTorch reads them: one sequence or array is data
    (a list of ints too); a Size, or ints (Python's, numpy's, or anything with __index__), are sizes."""
    if len(args) == 1:
        (arg,) = args
        if isinstance(arg, Size):
            return None, list(arg)
        if isinstance(arg, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(arg).__name__}'")
        if not isinstance(arg, bool):
            try:
                return None, [operator.index(arg)]
            except TypeError:
                pass
        if isinstance(arg, (dict, np.generic)) or not hasattr(type(arg), "__getitem__"):  # (np.float64(1)[()] works)
            raise TypeError(f"new(): data must be a sequence (got {_type_name(arg)})")
        return arg, None
    if not args:
        return None, [0]  # Tensor(): 1-d and empty
    try:
        if isinstance(args[0], bool):  # Tensor(True, 2) is refused, Tensor(2, True) is [2, 1]
            raise TypeError
        return None, [operator.index(s) for s in args]
    except TypeError:
        got = ", ".join(_type_name(a) for a in args)
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({got}): sizes must be ints"
        ) from None


def tensor_new(cls, *args, **kwargs):
    return _construct(cls, None, "cpu", args, kwargs)


# ---- x.type() ----


def tensor_type(self, dtype=None, non_blocking=False):
    """x.type(): PyTorch's name of x's type. x.type(t), for a dtype, a type name or a legacy class: x converted
    (x itself when it already is one), in the graph as x.to(...) is. non_blocking is accepted."""
    if dtype is None:
        return type_name(self)
    if isinstance(dtype, _dtype.dtype):
        return to_dtype(self, dtype)
    if isinstance(dtype, type):
        name = "torch.Tensor" if dtype is Tensor else f"{dtype.__module__}.{dtype.__qualname__}"
    elif isinstance(dtype, str):
        name = dtype
    else:
        raise TypeError("dtype must be a type, str, or dtype object")
    target, on_cuda = _parse_type_name(name)
    here = _dtype.device_of(self._c)
    device = here if (here.type == "cuda") == on_cuda else _dtype.resolve_device("cuda" if on_cuda else "cpu")
    return to_dtype(move(self, device), target)


tensor_type.__name__ = tensor_type.__qualname__ = "type"  # as Python's argument errors name it


def _parse_type_name(name):
    """(dtype, on CUDA) for 'torch.DoubleTensor', 'torch.cuda.LongTensor', 'torch.Tensor' (the default dtype);
    'autocore.' may stand for 'torch.'."""
    place, _, kind = name.rpartition(".")
    on_cuda = place in ("torch.cuda", "autocore.cuda")
    if not (on_cuda or place in ("torch", "autocore")) or not kind.endswith("Tensor"):
        raise ValueError(f"invalid type: '{name}'")
    scalar = kind[: -len("Tensor")]
    if scalar == "":
        return _dtype.get_default_dtype(), on_cuda
    if scalar not in _DTYPE_OF_NAME:
        raise ValueError(f"invalid type: '{name}'")
    return _DTYPE_OF_NAME[scalar], on_cuda


Tensor.__new__ = staticmethod(tensor_new)
Tensor.type = tensor_type
