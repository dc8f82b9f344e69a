"""Forward-mode AD with dual numbers, as torch.autograd.forward_ad: inside `dual_level()`, make_dual(x, v)
attaches a tangent v to x, every op carries its output's tangent forward by its own tangent rule (the
ops modules define one per op), and unpack_dual(y) reads it back. The level itself is graph-recording state
(ops/modes.py)."""

import collections

from ..ops.graph import wrap
from ..ops.modes import dual_level, paused, remember
from ..ops.modes import forward_active as active

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def make_dual(tensor, tangent, *, level=None):
    if not active():
        raise RuntimeError("make_dual must be called inside a forward_ad.dual_level() context")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"Trying to set a forward gradient that has a different size than that of the original "
            f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
            f"forward gradient is of size {list(tangent.shape)}."
        )
    if not tensor.is_floating_point():
        raise ValueError("Expected primal to be floating point or complex, but got: " + tensor.dtype.name)
    dual = wrap(tensor._c, tensor._requires_grad, tensor.grad_fn)
    dual._tangent = tangent.detach()
    return remember(dual)


def unpack_dual(tensor, *, level=None):
    primal = wrap(tensor._c, tensor._requires_grad, tensor.grad_fn)
    return UnpackedDualTensor(primal, tensor._tangent)


__all__ = ["UnpackedDualTensor", "active", "dual_level", "make_dual", "paused", "remember", "unpack_dual"]
