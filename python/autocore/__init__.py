"""autocore: a small deep-learning engine with C++ kernels and a PyTorch-compatible API.

import autocore as torch
"""

from . import (
    _C,
    _tensor_methods,  # noqa: F401 - attaches the operators and methods to Tensor
    autograd,
    backends,
    cuda,
    datasets,
    func,
    nn,
    optim,
    utils,
    viz,
)
from ._build_info import backends_info
from ._C import get_num_threads, set_num_threads
from ._dtype import bool_ as bool  # noqa: A001 - PyTorch's name
from ._dtype import device, dtype, float32, float64, get_default_dtype, int64, set_default_dtype
from .autograd import (
    enable_grad,
    forward_ad,  # noqa: F401 - autocore.autograd.forward_ad
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .factories import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from .ops.elementwise import (
    POINTWISE,
    abs,
    add,
    clamp,
    div,
    eq,
    ge,
    gt,
    le,
    leaky_relu,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    pow,
    sub,
    where,
)
from .ops.matmul import addmm, bmm, dot, linear, matmul, mm, mv
from .ops.reduce import amax, amin, argmax, argmin, max, mean, min, std, sum, var
from .ops.shape import flatten, gather, permute, reshape, squeeze, transpose, unsqueeze
from .ops.softmax_loss import log_softmax, softmax
from .serialization import load, save
from .tensor import Size, Tensor

globals().update(POINTWISE)  # every pointwise op (exp, log10, tanh, ...), declared once in ops/elementwise.py
del POINTWISE

float = float32  # noqa: A001
double = float64
long = int64
clip = clamp

__version__ = _C.__version__


def is_tensor(x):
    return isinstance(x, Tensor)


def numel(x):
    return x.numel()


def cat(tensors, dim=0):
    from .ops.graph import record, wrap

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
        return cat([zeros_like(t) if d is None else d for t, d in zip(tensors, tangents)], dim)

    return record("CatBackward0", out_c, tuple(tensors), vjp, jvp=jvp)


def stack(tensors, dim=0):
    from .ops.graph import record

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
        return stack([zeros_like(t) if tangent is None else tangent for t, tangent in zip(tensors, tangents)], d)

    return record("StackBackward0", _C.stack([t._c for t in tensors], d), tuple(tensors), vjp, jvp=jvp)
