"""The one place ops record the graph: wrap a kernel's result and, when grad mode is on and an input
requires grad, attach a Node holding the op's vjp."""

from .. import _C, _dtype
from ..tensor import Tensor
from . import modes
from .engine import Node

_mode = modes._state
_forward = modes._forward_state
wrap = Tensor._wrap
_new = object.__new__


def record(name, c, inputs, vjp, saved=(), jvp=None):
    """The op's output; `inputs` are its tensor inputs (None for numbers), `vjp(grad)` gives one gradient
    per input, and `saved` lists the C++ tensors whose values the vjp reads (their versions are checked
    before it runs, so an in-place change in between raises instead of giving a wrong gradient).
    `jvp(*tangents)` is the op's tangent rule for forward mode (a tangent is None where it is zero); an op without
    one refuses inputs that carry tangents rather than give its output none."""
    out = None
    if _mode.enabled:
        for t in inputs:
            if t is not None and t._requires_grad:
                # Node and Tensor filled slot by slot, without their constructors' calls: every op records through
                # here, and this saves about half a microsecond of a small op's recording (test_autograd checks
                # that every slot is set).
                node = _new(Node)
                node._name = name
                node.edges = tuple(
                    [
                        None if u is None or not u._requires_grad else u.grad_fn if u.grad_fn is not None else u
                        for u in inputs
                    ]
                )
                node.vjp = vjp
                node.saved = tuple([(s, s._version) for s in saved]) if saved else None
                node.hooks = node.retained = None
                out = _new(Tensor)
                out._c = c
                out._requires_grad = True
                out.grad = out._hooks = out._tangent = None
                out.grad_fn = node
                break
    if out is None:
        out = wrap(c)
    if _forward["level"]:
        if jvp is None:
            refuse_tangents(name, inputs)
        else:
            carry_tangent(out, inputs, jvp)
    return out


def refuse_tangents(name, inputs):
    """NotImplementedError, naming the op, when an input carries a forward-mode tangent: an op without a tangent
    rule must not hand back an output whose tangent reads as zero."""
    if any(t is not None and t._tangent is not None for t in inputs):
        raise NotImplementedError(
            f"Trying to use forward AD with {name} that does not support it because it has not been implemented yet."
        )


def carry_tangent(out, inputs, jvp):
    """Sets out's forward-mode tangent from its inputs' tangents, when any has one."""
    tangents = tuple(None if t is None else t._tangent for t in inputs)
    for tangent in tangents:
        if tangent is not None:
            with modes.no_grad():
                out._tangent = jvp(*tangents)
            modes.remember(out)
            return out
    return out


def grad_enabled():
    """Inside a vjp: True when backward runs with create_graph, so the vjp's own ops must be recorded."""
    return _mode.enabled


def raw(x):
    """The kernel argument for a Tensor or a Python number."""
    return x._c if isinstance(x, Tensor) else x


def as_input(x):
    """x when it is a Tensor that can carry a gradient, else None (numbers, and anything else)."""
    return x if isinstance(x, Tensor) else None


def constant(c):
    """A kernel result used inside a vjp as a constant factor (a mask): no graph."""
    return wrap(c)


def reduce_to(g, t):
    """g summed over the dims that broadcasting added or stretched, and cast, to match t's shape and
    dtype: the gradient of a broadcast input."""
    shape = t._c.shape
    if g._c.shape != shape:
        g = sum_to_shape(g, shape)
    if g._c.dtype != t._c.dtype:
        g = cast(g, t._c.dtype)
    return g


def sum_to_shape(g, shape):
    in_shape = g._c.shape
    return record(
        "SumToShapeBackward0",
        _C.sum_to_shape(g._c, list(shape)),
        (g,),
        lambda gg: (expand(gg, in_shape),),
        jvp=lambda t: sum_to_shape(t, shape),
    )


def record_view(name, c, x, vjp, jvp):
    """record() for an op whose output may be a view of x: a view remembers the tensor that owns the memory (x's own
    base when x is a view), so that an in-place write through it can rewrite that tensor's history
    (ops/inplace.py)."""
    out = record(name, c, (x,), vjp, jvp=jvp)
    if c.shares_storage_with(x._c):
        base = getattr(x, "_base", None)
        out._base = x if base is None else base
    return out


def expand(x, shape):
    return record_view(
        "ExpandBackward0", x._c.expand(list(shape)), x, lambda g: (reduce_to(g, x),), lambda t: expand(t, shape)
    )


def move(x, device):
    """x on `device` (a resolved autocore.device); the gradient moves back to x's device."""

    here = _dtype.device_of(x._c)
    if device is None or device == here:
        return x
    out = _dtype.to_device_c(x._c, device)
    return record("ToCopyBackward0", out, (x,), lambda g: (move(g, here),), jvp=lambda t: move(t, device))


def cast(x, c_dtype):
    if x._c.dtype == c_dtype:
        return x
    in_dtype = x._c.dtype
    out = x._c.to_dtype(c_dtype)
    if not c_dtype.is_floating_point:
        return wrap(out)
    return record("ToCopyBackward0", out, (x,), lambda g: (cast(g, in_dtype),), jvp=lambda t: cast(t, c_dtype))
