"""float16 and bfloat16 through the families whose kernels have float32 and float64 loops only (matmul, softmax,
the losses, dropout): the operands computed in float32 and the result rounded back once, as PyTorch's CPU kernels
compute the half types. The casts are recorded in the graph, so gradients come back in the operands' dtypes."""

import functools

from .. import _C
from ..tensor import Tensor
from .graph import cast

HALVES = (_C.DType.float16, _C.DType.bfloat16)


def _widened(value):
    return cast(value, _C.DType.float32) if isinstance(value, Tensor) and value._c.dtype in HALVES else value


def _values(args, kwargs):
    return (*args, *kwargs.values()) if kwargs else args


def in_float32(fn):
    """fn, computing in float32 when a tensor argument is float16 or bfloat16; its tensor result (or each of
    several) is rounded to the dtype PyTorch promotes the floating operands to, when that is a half type."""

    @functools.wraps(fn)
    def computed(*args, **kwargs):
        # (itemsize first: comparing pybind11 enums costs ~0.4 us, and this runs on every matmul and loss)
        if not any(
            isinstance(v, Tensor) and v._c.itemsize == 2 and v._c.dtype in HALVES for v in _values(args, kwargs)
        ):
            return fn(*args, **kwargs)
        dtypes = [v._c.dtype for v in _values(args, kwargs) if isinstance(v, Tensor)]
        result = functools.reduce(_C.promote_types, [d for d in dtypes if d.is_floating_point])
        out = fn(*map(_widened, args), **{k: _widened(v) for k, v in kwargs.items()})
        if result not in HALVES:
            return out
        if isinstance(out, tuple):
            return tuple(cast(o, result) if isinstance(o, Tensor) and o._c.dtype.is_floating_point else o for o in out)
        return cast(out, result)

    return computed
