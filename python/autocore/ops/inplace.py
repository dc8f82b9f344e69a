"""In-place ops (add_, sub_, mul_, div_, clamp_, zero_, fill_, copy_, uniform_, normal_, ...). Each write
bumps the storage's version counter (in C++, on every write path), which autograd checks before using a saved
tensor. Outside the
graph (no_grad, or nothing requires grad) they write through the kernels' out= path; inside it, the new
value is computed out of place from a copy of the old one and written back, and the tensor takes the new
node as its grad_fn, as PyTorch rebases history."""

from .. import _C, _dtype
from ..random import c_generator
from ..tensor import Tensor
from . import elementwise as ew
from . import modes
from .graph import _forward, _mode, cast, expand, record, reduce_to, wrap


def _in_graph(self, *others):
    """True when the write must go through the out-of-place path: to record it for backward, or to carry
    a forward-mode tangent."""
    if _forward["level"] and (
        self._tangent is not None or any(isinstance(o, Tensor) and o._tangent is not None for o in others)
    ):
        return True
    if not _mode.enabled:
        return False
    if self._requires_grad:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = getattr(self, "_base", None)
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        return True
    return any(isinstance(o, Tensor) and o._requires_grad for o in others)


def _old_value(self):
    """The tensor's history (and tangent) and value before the write, as a separate graph input."""
    old = wrap(self._c.clone(), self._requires_grad, self.grad_fn)
    old._tangent = self._tangent
    return old


def _write_back(self, result):
    self._c.copy_(result._c)
    base = getattr(self, "_base", None)
    if result._requires_grad and base is not None:
        _rebase_view(self, base, result)
    elif result._requires_grad:
        self.grad_fn, self._requires_grad = result.grad_fn, True
    if _forward["level"]:
        _set_tangent(self, result._tangent)
    return self


def _rebase_view(view, base, result):
    """After an in-place write through `view` recorded as `result`, as PyTorch's CopySlices: base (whose memory the
    write changed) becomes its old value with the view's region replaced by result, and the view becomes that
    region of the new base, so gradients reach both the old base and whatever the write read."""
    region = _region(view, base)
    new_base = _scatter_region(wrap(base._c.clone(), base._requires_grad, base.grad_fn), region, result)
    base.grad_fn, base._requires_grad = new_base.grad_fn, True
    view.grad_fn, view._requires_grad = _take_region(base, region).grad_fn, True


def _region(view, base):
    """Where view's elements lie in base, as (shape, strides, offset) over base's elements in row-major order."""
    if not base._c.is_contiguous:
        raise NotImplementedError(
            "an in-place write through a view of a non-contiguous tensor inside the autograd graph is not supported "
            "by autocore yet; write into a contiguous copy instead"
        )
    shape, strides = list(view._c.shape), list(view._c.strides)
    if any(st == 0 and n > 1 for st, n in zip(strides, shape)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )
    return shape, strides, view._c.offset - base._c.offset


def _take_region(t, region):
    """t's elements at region (a view of a contiguous copy), differentiable: the gradient lands back in place."""
    shape, strides, offset = region
    in_shape = list(t._c.shape)

    def vjp(g):
        return (_scatter_region(wrap(_dtype.full_c(in_shape, 0, g._c.dtype, g.device)), region, g),)

    out = t._c.contiguous().as_strided(shape, strides, offset)
    return record("AsStridedBackward0", out, (t,), vjp, jvp=lambda tt: _take_region(tt, region))


def _scatter_region(t, region, values):
    """A copy of t with its elements at region replaced by values (broadcast): the gradient goes to t outside the
    region and to values inside it."""
    shape, strides, offset = region
    out = t._c.contiguous().clone()
    out.as_strided(shape, strides, offset).copy_(values._c)

    def vjp(g):
        zeros = wrap(_dtype.full_c([], 0, g._c.dtype, g.device))
        return _scatter_region(g, region, zeros), reduce_to(_take_region(g, region), values)

    return record(
        "CopySlices",
        out,
        (t, values),
        vjp,
        jvp=lambda tt, tv: _scatter_region(
            tt if tt is not None else _zeros_like(t), region, tv if tv is not None else _zeros_like(values)
        ),
    )


def _set_tangent(self, tangent):
    self._tangent = tangent
    if tangent is not None:
        modes.remember(self)


def _zeros_like(t):
    return wrap(_dtype.full_c(list(t._c.shape), 0, t._c.dtype, t.device))


def _binary_inplace(kernel, out_of_place):
    def method(self, other, alpha=None):
        if alpha is not None and alpha != 1:
            other = ew.mul(other, alpha)
        if _in_graph(self, other):
            old = _old_value(self) if self._requires_grad or self._tangent is not None else self
            return _write_back(self, out_of_place(old, old if other is self else other))
        kernel(self._c, other._c if isinstance(other, Tensor) else other, out=self._c)
        return self

    return method


add_ = _binary_inplace(_C.add, ew.add)
sub_ = _binary_inplace(_C.sub, ew.sub)
mul_ = _binary_inplace(_C.mul, ew.mul)
div_ = _binary_inplace(_C.div, ew.div)


def clamp_(self, min=None, max=None):
    if _in_graph(self):
        return _write_back(self, ew.clamp(_old_value(self), min, max))
    min, max = ew.clamp_bounds(self, min, max)
    _C.clamp(self._c, min, max, out=self._c)
    return self


def _unary_inplace(kernel, out_of_place):
    def method(self):
        if _in_graph(self):
            return _write_back(self, out_of_place(_old_value(self)))
        kernel(self._c, out=self._c)
        return self

    return method


# x.exp_(), x.log10_(), ...: one for every pointwise op.
POINTWISE_INPLACE = {name + "_": _unary_inplace(getattr(_C, name), op) for name, op in ew.POINTWISE.items()}


def _overwrite(self, write, name):
    """A write whose result does not depend on the old value: no gradient flows to the old history."""
    graph = _in_graph(self)
    write()
    if graph:
        old = _old_value(self)
        # The written values do not depend on the old ones: no gradient flows back, and the tangent is zero.
        self.grad_fn = record(name, self._c, (old,), lambda g: (None,), jvp=lambda t: _zeros_like(self)).grad_fn
        if self._tangent is not None:
            _set_tangent(self, _zeros_like(self))
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        value = value.item()  # (converted as it is, unchecked, as PyTorch copies a tensor's value)
    else:
        _dtype.check_representable(value, _dtype.from_c(self._c.dtype))
    return _overwrite(self, lambda: self._c.fill_(value), "FillBackward0")


def zero_(self):
    return _overwrite(self, lambda: self._c.fill_(0), "ZeroBackward0")


def uniform_(self, a=0.0, b=1.0, generator=None):
    gen = c_generator(generator, "uniform_", self.device)
    return _overwrite(self, lambda: _C.uniform_(self._c, a, b, generator=gen), "UniformBackward0")


def bernoulli_(self, p=0.5, generator=None):
    """0 or 1 in each element, 1 with probability p (a number, or a tensor that broadcasts to self)."""
    p = p._c if isinstance(p, Tensor) else float(p)
    gen = c_generator(generator, "bernoulli_", self.device)
    return _overwrite(self, lambda: _C.bernoulli_(self._c, p, generator=gen), "BernoulliBackward0")


def normal_(self, mean=0.0, std=1.0, generator=None):
    gen = c_generator(generator, "normal_", self.device)
    return _overwrite(self, lambda: _C.normal_(self._c, mean, std, generator=gen), "NormalBackward0")


def copy_(self, src):
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src is self:
        return self
    if _in_graph(self, src):

        def vjp(g):
            return None, (reduce_to(g, src) if src._requires_grad else None)

        def jvp(old_tangent, src_tangent):  # src's tangent, broadcast and cast as its values are; else zero
            if src_tangent is None:
                return _zeros_like(self)
            return cast(expand(src_tangent, list(self._c.shape)), self._c.dtype)

        carries_tangent = _forward["level"] and (self._tangent is not None or src._tangent is not None)
        old = _old_value(self) if self._requires_grad else None
        self._c.copy_(src._c)
        out = record("CopyBackwards", self._c, (old, src), vjp, jvp=jvp)
        if out._requires_grad:
            self.grad_fn, self._requires_grad = out.grad_fn, True
        if carries_tangent:
            _set_tangent(self, jvp(None, src._tangent))
        return self
    self._c.copy_(src._c)
    return self
