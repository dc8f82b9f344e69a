"""dtypes and devices, as PyTorch names them: autocore.float32 (= autocore.float), float64 (= double), float16
(= half), bfloat16, int64 (= long), int32 (= int), int16 (= short), int8, uint8, bool; their limits (finfo,
iinfo); autocore.device("cpu"), device("cuda:0")."""

import numpy as np

from . import _C, cuda


class dtype:
    __slots__ = ("name", "_c", "is_floating_point", "is_signed", "is_complex", "itemsize", "numpy")

    def __init__(self, name, c_dtype, numpy_dtype):
        self.name = name
        self._c = c_dtype
        self.is_floating_point = c_dtype.is_floating_point
        self.is_signed = name not in ("bool", "uint8")
        self.is_complex = False  # (no complex dtypes yet)
        self.itemsize = c_dtype.itemsize
        self.numpy = np.dtype(numpy_dtype)  # numpy's, or for bfloat16 (numpy has none) the float32 values pass through

    def __repr__(self):
        return f"autocore.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float32 = dtype("float32", _C.DType.float32, np.float32)
float64 = dtype("float64", _C.DType.float64, np.float64)
int64 = dtype("int64", _C.DType.int64, np.int64)
int32 = dtype("int32", _C.DType.int32, np.int32)
int16 = dtype("int16", _C.DType.int16, np.int16)
int8 = dtype("int8", _C.DType.int8, np.int8)
uint8 = dtype("uint8", _C.DType.uint8, np.uint8)
float16 = dtype("float16", _C.DType.float16, np.float16)
bfloat16 = dtype("bfloat16", _C.DType.bfloat16, np.float32)
bool_ = dtype("bool", _C.DType.bool, np.bool_)

_ALL = (float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool_)
_FROM_C = {d._c: d for d in _ALL}
_FROM_NUMPY = {d.numpy: d for d in _ALL if d is not bfloat16}
_NAMES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "int64": int64,
    "long": int64,
    "int32": int32,
    "int": int32,
    "int16": int16,
    "short": int16,
    "int8": int8,
    "uint8": uint8,
    "float16": float16,
    "half": float16,
    "bfloat16": bfloat16,
    "bool": bool_,
}


def _by_name(name):
    return _NAMES[name]


def from_c(c_dtype):
    return _FROM_C[c_dtype]


def from_numpy_dtype(np_dtype):
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def get_default_dtype():
    return from_c(_C.default_float_dtype())


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _C.set_default_float_dtype(d._c)


# PyTorch's ScalarType names, which its legacy type names (torch.FloatTensor) and some messages use.
SCALAR_TYPE_NAMES = {
    float32: "Float",
    float64: "Double",
    float16: "Half",
    bfloat16: "BFloat16",
    int64: "Long",
    int32: "Int",
    int16: "Short",
    int8: "Char",
    uint8: "Byte",
    bool_: "Bool",
}
_CPP_TYPE_NAMES = {  # (in overflow messages)
    float32: "float",
    float64: "double",
    float16: "c10::Half",
    bfloat16: "c10::BFloat16",
    int64: "int64_t",
    int32: "int",
    int16: "int16_t",
    int8: "int8_t",
    uint8: "uint8_t",
}


def check_representable(number, d, halves=True):
    """Refuses, as PyTorch does, a Python number that dtype d cannot hold where one is stored as d (full, fill_,
    x[i] = v, masked_fill, index_fill, scatter's value; not arithmetic, whose numbers are wrapped): for an integer d
    a float outside [min, max + 1) (the range truncation maps into; nan and inf too) or an int outside [min, max];
    for a floating d a finite number past its max (inf and nan are values). A bool d holds anything. halves=False:
    float16 and bfloat16 hold anything too, becoming inf, as PyTorch's x[i] = v and where make them."""
    if d is bool_ or isinstance(number, (bool, np.bool_)) or (not halves and d in (float16, bfloat16)):
        return
    if d.is_floating_point:
        fits = number != number or abs(number) == np.inf or abs(number) <= finfo(d).max
    else:
        info = np.iinfo(d.numpy)
        whole = isinstance(number, (int, np.integer))
        # c10 lets an int into an unsigned type wrap from below as far as -max (uint8 takes -1 as 255)
        lowest = -int(info.max) if whole and info.min == 0 else info.min
        fits = lowest <= number <= info.max if whole else info.min <= float(number) < info.max + 1
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_CPP_TYPE_NAMES[d]} without overflow")


def wrap_int(number, d):
    """An int as integer dtype d stores it, wrapping (c10's conversion of an int already checked to fit)."""
    info = np.iinfo(d.numpy)
    return (int(number) - int(info.min)) % (int(info.max) - int(info.min) + 1) + int(info.min)


_DEFAULT = object()  # finfo() with no argument: the default dtype (finfo(None) is an error, as in PyTorch)


def _info_dtype(function, value):
    """finfo's or iinfo's argument as a dtype: Python's float, int and bool stand for float64, int64 and bool."""
    value = {float: float64, int: int64, bool: bool_}.get(value, value) if isinstance(value, type) else value
    if not isinstance(value, dtype):
        raise TypeError(
            f"{function}(): argument 'type' (position 1) must be autocore.dtype, not {value.__class__.__name__}"
        )
    return value


class finfo:
    """The limits of a floating dtype, as torch.finfo gives them: Python floats, and the dtype's name."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=_DEFAULT):  # noqa: A002 - PyTorch's keyword
        d = get_default_dtype() if type is _DEFAULT else _info_dtype("finfo", type)
        if not d.is_floating_point:
            raise TypeError(f"autocore.finfo() requires a floating point input type, got {d!r}: use autocore.iinfo")
        if d is bfloat16:  # numpy has no bfloat16: float32's range with 8 significant bits (2 decimal digits)
            self.bits, self.eps, self.max = 16, 2.0**-7, float.fromhex("0x1.fep127")
            self.tiny, precision = 2.0**-126, 2
        else:
            info = np.finfo(d.numpy)
            self.bits, self.eps, self.max = info.bits, float(info.eps), float(info.max)
            self.tiny, precision = float(info.smallest_normal), info.precision
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.resolution = 10.0**-precision  # in double, as PyTorch computes it (float32's is exactly 1e-06)
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, finfo) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # unhashable, as PyTorch's

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """The limits of an integer dtype, as torch.iinfo gives them: Python ints, and the dtype's name."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):  # noqa: A002 - PyTorch's keyword
        d = _info_dtype("iinfo", type)
        if d is bool_:
            raise TypeError("autocore.bool is not supported by autocore.iinfo")
        if d.is_floating_point:
            raise TypeError(f"autocore.iinfo() requires an integer input type, got {d!r}: use autocore.finfo")
        info = np.iinfo(d.numpy)
        self.bits, self.max, self.min, self.dtype = info.bits, int(info.max), int(info.min), d.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


class device:
    """A device: "cpu", "cuda" (the current GPU) or "cuda:N"; device("cuda", 1) as in PyTorch."""

    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device() expected a string or a device, got {type(spec).__name__}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")
        self.type = kind
        self.index = int(number) if number else index
        if self.index is not None and self.index < 0:
            raise RuntimeError(f"Device index must not be negative, got {self.index}")

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def resolve_device(d):
    """The device a `device=` argument names, with a concrete GPU index; None stays None. Asking for a GPU
    that this build or machine cannot provide raises a RuntimeError that says why."""
    if d is None:
        return None
    if isinstance(d, int) and not isinstance(d, bool):
        d = device("cuda", d)
    d = device(d)
    if d.type == "cpu":
        return CPU

    backend = cuda._backend()
    index = backend.current_device() if d.index is None else d.index
    if index >= backend.device_count():
        raise RuntimeError(
            f"CUDA error: invalid device ordinal {index} ({backend.device_count()} devices are available)"
        )
    return _cuda_device(index)


_DEVICES = {"cpu": CPU}


def _cuda_device(index):
    name = f"cuda:{index}"
    found = _DEVICES.get(name)
    if found is None:
        found = _DEVICES[name] = device("cuda", index)
    return found


def device_of(c):
    """The device of a C++ tensor, as a device object (one per device, shared)."""
    name = c.device
    found = _DEVICES.get(name)
    if found is None:
        found = _DEVICES[name] = device(name)
    return found


def to_device_c(c, d):
    """The C++ tensor `c` on device `d` (a resolved device): itself when already there, else a copy."""
    here = device_of(c)
    if d is None or here == d:
        return c

    if d.type == "cpu":
        return cuda._backend().to_cpu(c)
    return cuda._backend().to_device(c.contiguous() if here.type == "cpu" else cuda._backend().to_cpu(c), d.index)


def full_c(shape, value, c_dtype, d=None):
    """A C++ tensor filled with `value` on device `d` (None or the CPU: on the CPU)."""
    if d is None or d.type == "cpu":
        return _C.full(shape, value, c_dtype)

    return cuda._backend().full(shape, value, c_dtype, d.index)
