"""torch.nn.functional for what autocore covers: activations, linear, softmax, dropout, the losses and one_hot."""

import math

from .. import _C
from .._dtype import bfloat16, float16
from ..autograd import no_grad
from ..ops.elementwise import erf, sigmoid, tanh  # noqa: F401 - part of the functional namespace
from ..ops.elementwise import leaky_relu as _leaky_relu
from ..ops.elementwise import relu as _relu
from ..ops.graph import wrap
from ..ops.losses import (  # noqa: F401  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    l1_loss,
    mse_loss,
    nll_loss,
)
from ..ops.matmul import linear  # noqa: F401
from ..ops.shape import flatten  # noqa: F401
from ..ops.softmax_loss import log_softmax as _log_softmax
from ..ops.softmax_loss import softmax as _softmax


def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def _floating_only(input, kernel):
    if not input.is_floating_point():
        # PyTorch's error for a kernel without integer or bool versions (a RuntimeError subclass)
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_TYPE_NAMES.get(input.dtype.name, input.dtype.name)}'"
        )


_TYPE_NAMES = {"int64": "Long", "bool": "Bool"}


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _floating_only(input, "leaky_relu_cpu")
    if inplace:
        result = _leaky_relu(input, negative_slope)
        return input.copy_(result)
    return _leaky_relu(input, negative_slope)


def _softmax_dim(dim, ndim):
    if dim is None:  # PyTorch's legacy implicit choice
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(input, _softmax_dim(dim, input.ndim))


def log_softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return _log_softmax(input, _softmax_dim(dim, input.ndim))


def gelu(input, approximate="none"):
    """x * Phi(x): 0.5 x (1 + erf(x / sqrt 2)), or with approximate='tanh' PyTorch's tanh form."""
    _floating_only(input, "GeluKernelImpl")
    if input.dtype in (float16, bfloat16) and approximate in ("none", "tanh"):  # in float32, rounded once
        return gelu(input.float(), approximate).to(input.dtype)
    if approximate == "none":
        return input * 0.5 * (erf(input * 0.7071067811865476) + 1.0)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * 0.7978845608028654
        return input * 0.5 * (inner.tanh() + 1.0)
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalises each channel (dim 1) over the batch (and length) dims; in training, from the batch's
    statistics, updating the running ones in place (momentum average, unbiased variance)."""

    dims = [0] + list(range(2, input.ndim))
    shape = [1, input.shape[1]] + [1] * (input.ndim - 2)
    count = math.prod(input.shape[:1] + input.shape[2:])  # values per channel
    if training and count == 1:  # PyTorch's first check
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if input.shape[1] == 0 and (weight is not None or bias is not None):  # PyTorch's kernel reads channel 0's
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    if input.numel() == 0:  # no samples or no channels: nothing to normalise, and the running stats stay
        return input * 1.0
    if training:
        mean = input.mean(dims)
        var = input.var(dims, correction=0)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                running_var.mul_(1 - momentum).add_(var.detach() * (momentum * count / (count - 1)))
    else:
        mean, var = running_mean, running_var
    out = (input - mean.reshape(shape)) / (var.reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def one_hot(tensor, num_classes=-1):
    """Each class index of an int64 tensor as a row of num_classes int64 zeros with a one at the index; num_classes
    -1 takes one more than the largest index."""
    return wrap(_C.one_hot(tensor._c, num_classes))
