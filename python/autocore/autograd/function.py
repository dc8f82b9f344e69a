"""autograd.Function: user-defined ops with a forward, a backward and optionally a jvp (forward mode), as in
torch.autograd.Function."""

from .. import _dtype
from ..factories import zeros
from ..ops import modes
from ..ops.engine import Node, edges_of
from ..ops.graph import wrap
from ..tensor import Tensor


class FunctionCtx:
    """What forward leaves for backward: saved tensors, needs_input_grad, and any attributes set on it."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors

    def save_for_forward(self, *tensors):
        """Tensors for jvp, which reads them as ctx.saved_tensors (as in PyTorch)."""
        self._saved_for_forward = tensors

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

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    @classmethod
    def apply(cls, *args):
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        dual = modes.forward_active() and any(isinstance(a, Tensor) and a._tangent is not None for a in args)
        with modes.no_grad(), modes.paused():  # forward's own ops carry no tangents: jvp gives them
            output = cls.forward(ctx, *args)
        outputs = output if isinstance(output, tuple) else (output,)
        for o in outputs:
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return Tensors, got {type(o).__name__}")
        if dual:
            output = _with_tangents(cls, ctx, args, output)
            outputs = output if isinstance(output, tuple) else (output,)
        if not (modes.is_grad_enabled() and any(needs)):
            return output
        name = f"{cls.__name__}Backward"
        # Graph tensors are fresh wrappers over the outputs' memory (forward may have returned an input).
        results = tuple(_rewrapped(o) for o in outputs)
        differentiable = [
            o._c.dtype.is_floating_point and id(o) not in getattr(ctx, "_non_differentiable", ()) for o in outputs
        ]
        # What the vjp needs of the outputs, not the outputs: those hold the node, which would then hold them back.
        layouts = tuple((tuple(r.shape), r.dtype, r.device) for r in results)

        def vjp(g):
            if isinstance(g, _OutputGrads):  # several outputs: zeros for those that got no gradient
                grad_outputs = tuple(
                    zeros(shape, dtype=dtype, device=device) if gi is None else gi
                    for gi, (shape, dtype, device) in zip(g.grads, layouts)
                )
            else:
                grad_outputs = (g,)
            grads = cls.backward(ctx, *grad_outputs)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients (expected "
                    f"{len(args)}, got {len(grads)})"
                )
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


def _rewrapped(t):
    """A fresh tensor over t's memory, keeping t's forward-mode tangent."""
    out = t._wrap(t._c)
    if t._tangent is not None:
        out._tangent = t._tangent
        modes.remember(out)
    return out


def _with_tangents(cls, ctx, args, output):
    """Fresh outputs carrying the tangents cls.jvp gives for the inputs' tangents (zeros for tensor inputs that have
    none, None for other arguments)."""
    tangents = []
    for a in args:
        if not isinstance(a, Tensor):
            tangents.append(None)
        elif a._tangent is not None:
            tangents.append(a._tangent)
        else:
            tangents.append(wrap(_dtype.full_c(list(a._c.shape), 0, a._c.dtype, a.device)))
    saved = ctx._saved
    ctx._saved = getattr(ctx, "_saved_for_forward", saved)
    with modes.no_grad():
        out_tangents = cls.jvp(ctx, *tangents)
    ctx._saved = saved
    several = isinstance(output, tuple)
    outputs, out_tangents = (output, out_tangents) if several else ((output,), (out_tangents,))
    if len(out_tangents) != len(outputs):
        raise RuntimeError(f"{cls.__name__}.jvp returned {len(out_tangents)} tangents for {len(outputs)} outputs")
    results = []
    for o, t in zip(outputs, out_tangents):
        r = Tensor._wrap(o._c)
        if t is not None:
            if tuple(t.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"{cls.__name__}.jvp returned a tangent of shape {list(t.shape)} for an output "
                    f"of shape {list(o.shape)}"
                )
            r._tangent = t.detach()
            modes.remember(r)
        results.append(r)
    return tuple(results) if several else results[0]


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
