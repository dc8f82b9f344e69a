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
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with grad_mode.no_grad():
            output = cls.forward(ctx, *args)
        outputs = output if isinstance(output, tuple) else (output,)
        for o in outputs:
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return Tensors, got {type(o).__name__}")
        if not (grad_mode.is_grad_enabled() and any(needs)):
            return output
        name = f"{cls.__name__}Backward"
        # Graph tensors are fresh wrappers over the outputs' memory (forward may have returned an input).
        results = tuple(Tensor._wrap(o._c) for o in outputs)
        differentiable = [o._c.dtype.is_floating_point and id(o) not in getattr(ctx, "_non_differentiable", ())
                          for o in outputs]
        # What the vjp needs of the outputs, not the outputs: those hold the node, which would then hold them back.
        layouts = tuple((tuple(r.shape), r.dtype, r.device) for r in results)

        def vjp(g):
            if isinstance(g, _OutputGrads):  # several outputs: zeros for those that got no gradient
                from ..factories import zeros
                grad_outputs = tuple(zeros(shape, dtype=dtype, device=device) if gi is None else gi
                                     for gi, (shape, dtype, device) in zip(g.grads, layouts))
            else:
                grad_outputs = (g,)
            grads = cls.backward(ctx, *grad_outputs)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected "
                                   f"{len(args)}, got {len(grads)})")
            return tuple(gr if need else None for gr, need in zip(grads, needs))
        node = Node(name, edges_of(tuple(a if need else None for a, need in zip(args, needs))), vjp)
        if len(results) == 1:
            results[0].grad_fn, results[0]._requires_grad = node, differentiable[0]
            if not differentiable[0]:
                results[0].grad_fn = None
            return results[0]
        # One small node per output hands its gradient to the shared node, tagged with the output's position;
        # the engine sums what arrives, so the shared node sees all of them at once.
        for i, (r, diff) in enumerate(zip(results, differentiable)):
            if diff:
                r.grad_fn = Node(f"{name}[{i}]", (node,), _tagger(i, len(results)))
                r._requires_grad = True
        return results


def _tagger(position, count):
    return lambda g: (_OutputGrads.one(position, count, g),)


class _OutputGrads:
    """The gradients of a multi-output Function's outputs, gathered as they arrive (None: none yet)."""
    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    @classmethod
    def one(cls, position, count, grad):
        grads = [None] * count
        grads[position] = grad
        return cls(grads)

    def __add__(self, other):
        return _OutputGrads([b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)])
