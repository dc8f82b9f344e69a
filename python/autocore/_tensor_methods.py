"""Operators and method forms of the ops, attached to Tensor: `a + b`, `a @ b`, `x.sum(dim)`, `x.backward()`,
... Kept apart from tensor.py so that Tensor's definition does not depend on the ops modules or the engine."""

from . import _dtype
from .factories import bernoulli, multinomial
from .ops import elementwise as ew
from .ops import indexing as ix
from .ops import inplace as ip
from .ops import matmul as mm
from .ops import reduce as red
from .ops import scatter as sc
from .ops import shape as sh
from .ops import softmax_loss as sl
from .ops.engine import run_backward
from .ops.graph import expand as expand_op
from .ops.graph import move
from .tensor import Tensor


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _comparison(fn):
    """Comparisons with something that is neither a tensor nor a number defer to Python (x == None is False)."""

    def op(self, other):
        if not isinstance(other, (Tensor, int, float, bool)):
            return NotImplemented
        return fn(self, other)

    return op


def _logical(fn, name):
    def op(self, other):
        if self.dtype != _dtype.bool_ or (isinstance(other, Tensor) and other.dtype != _dtype.bool_):
            raise RuntimeError(f"autocore supports {name} on bool tensors only")
        return fn(self, other)

    return op


def _invert(self):
    if self.dtype != _dtype.bool_:
        raise RuntimeError("autocore supports ~ on bool tensors only")
    return ew.eq(self, False)


def _to(self, *args, **kwargs):
    """to(dtype), to(device, dtype=None), to(other): PyTorch's forms; non_blocking and copy are accepted."""
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, (str, _dtype.device, int)) and not isinstance(a, bool):
            device = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {type(a).__name__}")
    out = move(self, _dtype.resolve_device(device))
    if dtype is not None and dtype != out.dtype:
        out = sh.to_dtype(out, dtype)
    if kwargs.get("copy") and out is self:
        out = sh.clone(self)
    return out


def _cuda(self, device=None, non_blocking=False):
    return move(self, _dtype.resolve_device("cuda" if device is None else device))


METHODS = {
    "_version": property(lambda self: self._c._version),
    "__add__": ew._add,
    "__radd__": _reflected(ew._add),
    "__sub__": ew._sub,
    "__rsub__": _reflected(ew._sub),
    "__mul__": ew.mul,
    "__rmul__": _reflected(ew.mul),
    "__truediv__": ew.div,
    "__rtruediv__": _reflected(ew.div),
    "__pow__": ew.pow,
    "__rpow__": _reflected(ew.pow),
    "__matmul__": mm.matmul,
    "__rmatmul__": _reflected(mm.matmul),
    "__neg__": ew.neg,
    "__abs__": ew.abs,
    "__pos__": lambda self: self,
    "__eq__": _comparison(ew.eq),
    "__ne__": _comparison(ew.ne),
    "__lt__": _comparison(ew.lt),
    "__le__": _comparison(ew.le),
    "__gt__": _comparison(ew.gt),
    "__ge__": _comparison(ew.ge),
    "__invert__": _invert,
    "logical_not": lambda self: ew.eq(self, 0),  # x == 0 for any dtype, as in PyTorch
    "__and__": _logical(ew.mul, "&"),
    "__rand__": _logical(ew.mul, "&"),
    "__or__": _logical(ew.or_bools, "|"),
    "__ror__": _logical(ew.or_bools, "|"),
    "__xor__": _logical(ew.ne, "^"),
    "__rxor__": _logical(ew.ne, "^"),
    "__getitem__": ix.getitem,
    "__setitem__": ix.setitem,
    "index_put": ix.index_put,
    "index_put_": ix.index_put_,
    "nonzero": ix.nonzero,
    "argwhere": ix.argwhere,
    "masked_select": sc.masked_select,
    "masked_fill": sc.masked_fill,
    "masked_fill_": sc.masked_fill_,
    "masked_scatter": sc.masked_scatter,
    "masked_scatter_": sc.masked_scatter_,
    "scatter": sc.scatter,
    "scatter_": sc.scatter_,
    "scatter_add": sc.scatter_add,
    "scatter_add_": sc.scatter_add_,
    "scatter_reduce": sc.scatter_reduce,
    "scatter_reduce_": sc.scatter_reduce_,
    "index_add": sc.index_add,
    "index_add_": sc.index_add_,
    "index_copy": sc.index_copy,
    "index_copy_": sc.index_copy_,
    "index_fill": sc.index_fill,
    "index_fill_": sc.index_fill_,
    "where": lambda self, condition, other: sc.where(condition, self, other),
    "take": ix.take,
    "add": ew.add,
    "sub": ew.sub,
    "mul": ew.mul,
    "div": ew.div,
    "pow": ew.pow,
    "neg": ew.neg,
    "abs": ew.abs,
    **ew.POINTWISE,
    **ip.POINTWISE_INPLACE,
    "clamp": ew.clamp,
    "clip": ew.clamp,
    "maximum": ew.maximum,
    "minimum": ew.minimum,
    "eq": ew.eq,
    "ne": ew.ne,
    "lt": ew.lt,
    "le": ew.le,
    "gt": ew.gt,
    "ge": ew.ge,
    "sum": red.sum,
    "mean": red.mean,
    "var": red.var,
    "std": red.std,
    "amax": red.amax,
    "amin": red.amin,
    "max": red.max,
    "min": red.min,
    "argmax": red.argmax,
    "argmin": red.argmin,
    "matmul": mm.matmul,
    "mm": mm.mm,
    "bmm": mm.bmm,
    "mv": mm.mv,
    "dot": mm.dot,
    "softmax": sl.softmax,
    "log_softmax": sl.log_softmax,
    "view": sh.view,
    "reshape": sh.reshape,
    "flatten": sh.flatten,
    "transpose": sh.transpose,
    "t": sh.t,
    "permute": sh.permute,
    "unsqueeze": sh.unsqueeze,
    "squeeze": sh.squeeze,
    "contiguous": sh.contiguous,
    "clone": sh.clone,
    "expand_as": sh.expand_as,
    "index_select": sh.index_select,
    "gather": sc.gather,
    "to": _to,
    "float": lambda self: _to(self, _dtype.float32),
    "double": lambda self: _to(self, _dtype.float64),
    "long": lambda self: _to(self, _dtype.int64),
    "int": lambda self: _to(self, _dtype.int32),
    "short": lambda self: _to(self, _dtype.int16),
    "char": lambda self: _to(self, _dtype.int8),
    "byte": lambda self: _to(self, _dtype.uint8),
    "half": lambda self: _to(self, _dtype.float16),
    "bfloat16": lambda self: _to(self, _dtype.bfloat16),
    "bool": lambda self: _to(self, _dtype.bool_),
    "cpu": lambda self: move(self, _dtype.CPU),
    "cuda": _cuda,
    "add_": ip.add_,
    "sub_": ip.sub_,
    "mul_": ip.mul_,
    "div_": ip.div_,
    "clamp_": ip.clamp_,
    "clip_": ip.clamp_,
    "fill_": ip.fill_,
    "zero_": ip.zero_,
    "uniform_": ip.uniform_,
    "bernoulli_": ip.bernoulli_,
    "bernoulli": bernoulli,
    "multinomial": multinomial,
    "normal_": ip.normal_,
    "copy_": ip.copy_,
    "__iadd__": ip.add_,
    "__isub__": ip.sub_,
    "__imul__": ip.mul_,
    "__itruediv__": ip.div_,
}


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates the gradient of this tensor into the leaves' .grad (or only into `inputs`'), as PyTorch's."""
    if gradient is None:
        if self._c.numel != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = Tensor._wrap(_dtype.full_c(list(self._c.shape), 1, self._c.dtype, self.device))
    elif not isinstance(gradient, Tensor):
        raise TypeError(f"gradient must be a Tensor, got {type(gradient).__name__}")
    elif gradient.shape != self.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] "
            f"has a shape of {self.shape}."
        )
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = run_backward([self], [gradient], retain_graph, create_graph, inputs, allow_unused=True)
        for t, g in zip(inputs, grads):
            if g is not None:
                g = g if create_graph else g.detach()
                t.grad = g if t.grad is None else t.grad + g
        return
    run_backward([self], [gradient], retain_graph, create_graph)


def expand(self, *sizes):
    sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    return expand_op(self, list(sizes))


def view_as(self, other):
    return sh.view(self, list(other.shape))


def reshape_as(self, other):
    return sh.reshape(self, list(other.shape))


def as_subclass(self, cls):
    """A cls instance sharing this tensor's data and staying in the autograd graph: it is a view of self
    (recorded, so gradients reach self), as PyTorch's alias is."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of Tensor, not {cls!r}")
    alias = sh.view(self, list(self._c.shape))
    out = object.__new__(cls)
    out._c, out._requires_grad, out.grad, out.grad_fn = alias._c, alias._requires_grad, None, alias.grad_fn
    out._hooks, out._tangent = None, alias._tangent
    return out


for name, fn in METHODS.items():
    setattr(Tensor, name, fn)
Tensor.backward = backward
Tensor.expand = expand
Tensor.view_as = view_as
Tensor.reshape_as = reshape_as
Tensor.as_subclass = as_subclass
Tensor.T = property(lambda self: sh.permute(self, list(range(self.ndim - 1, -1, -1))))


def _matrix_transpose(x):
    if x.ndim == 0:
        return x  # the identity on a 0-d tensor, as in PyTorch
    if x.ndim == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return sh.transpose(x, -2, -1)


Tensor.mT = property(_matrix_transpose)
Tensor.__hash__ = lambda self: id(self)
