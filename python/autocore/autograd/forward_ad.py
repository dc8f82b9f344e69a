"""Forward-mode AD with dual numbers, as torch.autograd.forward_ad: inside `dual_level()`, make_dual(x, v)
attaches a tangent v to x, every op carries its output's tangent forward by its own tangent rule (the
ops modules define one per op), and unpack_dual(y) reads it back."""

import collections
import weakref

_state = {"level": 0, "duals": []}

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def active():
    return _state["level"] > 0


class dual_level:
    """Tangents live for the duration of the level: on exit they are removed from every tensor that got one."""

    def __enter__(self):
        if _state["level"] > 0:
            raise RuntimeError("autocore supports a single forward AD level; nested dual_level() is not supported")
        _state["level"] += 1
        return 0

    def __exit__(self, *exc):
        _state["level"] -= 1
        for ref in _state["duals"]:
            t = ref()
            if t is not None:
                t._tangent = None
        _state["duals"] = []
        return False


class paused:
    """Inside, ops carry no tangents (a custom Function's forward, whose outputs get theirs from its jvp)."""

    def __enter__(self):
        self.level, _state["level"] = _state["level"], 0

    def __exit__(self, *exc):
        _state["level"] = self.level
        return False


def remember(t):
    """Registers a tensor that carries a tangent, so that leaving the level clears it."""
    _state["duals"].append(weakref.ref(t))
    return t


def make_dual(tensor, tangent, *, level=None):
    from ..ops.graph import wrap

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
    from ..ops.graph import wrap

    primal = wrap(tensor._c, tensor._requires_grad, tensor.grad_fn)
    return UnpackedDualTensor(primal, tensor._tangent)
