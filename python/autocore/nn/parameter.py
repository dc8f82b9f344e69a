"""Parameter: a Tensor that a Module registers as one of its parameters (requires_grad by default)."""

from ..factories import empty
from ..tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        p._c = data._c
        p.grad = None
        p.grad_fn = None
        p._hooks = None
        p._tangent = None
        p._requires_grad = False
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        raise TypeError("autocore tensors are saved with autocore.save, not pickle")
