"""torch.nn.functional for what autocore covers: activations, linear, softmax, dropout and the losses."""
from ..ops.elementwise import leaky_relu as _leaky_relu
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid, tanh  # noqa: F401 - part of the functional namespace
from ..ops.losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, dropout,  # noqa: F401
                          l1_loss, mse_loss, nll_loss)
from ..ops.matmul import linear  # noqa: F401
from ..ops.shape import flatten  # noqa: F401
from ..ops.softmax_loss import log_softmax as _log_softmax
from ..ops.softmax_loss import softmax as _softmax


def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        from ..autograd import no_grad  # noqa: F401
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
