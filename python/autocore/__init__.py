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
    random,
    utils,
    viz,
)
from ._build_info import backends_info
from ._C import get_num_threads, set_num_threads
from ._dtype import (
    bfloat16,
    device,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from ._dtype import bool_ as bool  # noqa: A001 - PyTorch's name
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
    linspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .legacy_types import (  # (the import gives Tensor its constructor, Tensor(data) and Tensor(*sizes), and type())
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .ops.elementwise import (
    POINTWISE,
    abs,
    add,
    can_cast,
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
    promote_types,
    result_type,
    sub,
)
from .ops.indexing import argwhere, index_put, nonzero, take
from .ops.matmul import addmm, bmm, dot, linear, matmul, mm, mv
from .ops.reduce import amax, amin, argmax, argmin, max, mean, min, std, sum, var
from .ops.scatter import (
    gather,
    index_add,
    index_copy,
    index_fill,
    masked_fill,
    masked_scatter,
    masked_select,
    scatter,
    scatter_add,
    scatter_reduce,
    where,
)
from .ops.shape import cat, flatten, index_select, permute, reshape, squeeze, stack, transpose, unsqueeze
from .ops.softmax_loss import log_softmax, softmax
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save
from .tensor import Size, Tensor

globals().update(POINTWISE)  # every pointwise op (exp, log10, tanh, ...), declared once in ops/elementwise.py
del POINTWISE

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
short = int16
half = float16
clip = clamp

__version__ = _C.__version__


def is_tensor(x):
    return isinstance(x, Tensor)


def is_floating_point(input):
    if not isinstance(input, Tensor):
        raise TypeError(
            f"is_floating_point(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return input.is_floating_point()


def numel(x):
    return x.numel()
