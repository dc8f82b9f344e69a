"""autograd.Function: user-defined ops with a forward and a backward, as in torch.autograd.Function."""
from . import grad_mode
from .engine import Node, edges_of


class FunctionCtx:
    """What forward leaves for backward: saved tensors, needs_input_grad, and any attributes set on it."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = {id(t) for t in tensors}


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs), then call apply(*args).
    forward runs without recording a graph; its output gets one node whose vjp is backward."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("subclasses of autocore.autograd.Function must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("subclasses of autocore.autograd.Function must implement backward")

    @classmethod
    def apply(cls, *args):
        from ..tensor import Tensor
        is_tensor = [isinstance(a, Tensor) for a in args]
        needs = tuple(t and a.requires_grad for t, a in zip(is_tensor, args))
        ctx = FunctionCtx(needs)
        with grad_mode.no_grad():
            output = cls.forward(ctx, *args)
        if isinstance(output, tuple):
            raise NotImplementedError(f"{cls.__name__}.forward returned {len(output)} outputs; autocore's "
                                      "Functions have a single output tensor for now")
        if not isinstance(output, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(output).__name__}")
        if not (grad_mode.is_grad_enabled() and any(needs)):
            return output
        name = f"{cls.__name__}Backward"

        def vjp(g):
            grads = cls.backward(ctx, g)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected "
                                   f"{len(args)}, got {len(grads)})")
            return tuple(gr if need else None for gr, need in zip(grads, needs))
        inputs = tuple(a if need else None for a, need in zip(args, needs))
        return Tensor._wrap(output._c, True, Node(name, edges_of(inputs), vjp))
