"""Tensor: the Python face of the C++ tensor (`_c`), with the autograd fields PyTorch has. Operators and
methods forward to the ops modules, which call one kernel and record one graph node."""

import weakref

import numpy as np

from . import _C, _dtype


class Tensor:
    # _base, set only on a view (ops/graph.py, record_view), names the tensor whose memory it shows; the others
    # are set on every tensor.
    __slots__ = ("_c", "_requires_grad", "grad", "grad_fn", "_hooks", "_tangent", "_base", "__weakref__")

    # ---- construction ----
    @staticmethod
    def _wrap(c, requires_grad=False, grad_fn=None):
        t = object.__new__(Tensor)
        t._c = c
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t._hooks = None
        t._tangent = None  # forward-mode tangent, inside autograd.forward_ad.dual_level
        return t

    # Tensor(data) and Tensor(*sizes), PyTorch's legacy constructor, need the factories: legacy_types.py gives
    # Tensor its __new__. _wrap above stays the ops' constructor.

    # ---- metadata ----
    @property
    def shape(self):
        return Size(self._c.shape)

    def size(self, dim=None):
        shape = self._c.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def dtype(self):
        return _dtype.from_c(self._c.dtype)

    @property
    def device(self):
        return _dtype.device_of(self._c)

    @property
    def ndim(self):
        return self._c.ndim

    def dim(self):
        return self._c.ndim

    def numel(self):
        return self._c.numel

    def nelement(self):
        return self._c.numel

    def element_size(self):
        return self._c.itemsize

    def stride(self, dim=None):
        strides = self._c.strides
        return strides if dim is None else strides[_wrap_dim(dim, len(strides))]

    def is_contiguous(self):
        return self._c.is_contiguous

    def is_floating_point(self):
        return self._c.dtype.is_floating_point

    def is_signed(self):
        return self.dtype.is_signed

    def is_complex(self):
        return False  # (no complex dtypes yet)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return self._c.device != "cpu"

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and not self._c.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    # ---- conversion ----
    def numpy(self):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._c.numpy()

    def item(self):
        if self._c.numel != 1:
            raise RuntimeError(f"a Tensor with {self._c.numel} elements cannot be converted to Scalar")
        return _host_values(self._c).reshape(()).item()

    def tolist(self):
        return _host_values(self._c).tolist()

    @property
    def data(self):
        """The tensor's values outside autograd; assigning replaces them (as `param.data = ...` does)."""
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._c = value._c

    def data_ptr(self):
        """The address of the tensor's first element (on its device)."""
        return self._c.data_ptr

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        """Shares the tensor's memory with another library (numpy, PyTorch, CuPy, JAX) without a copy. For a
        GPU tensor, autocore's queued work is finished first, so the consumer may read on any stream."""
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._c.__dlpack__()

    def __dlpack_device__(self):
        return self._c.__dlpack_device__()

    def __array__(self, dtype=None, copy=None):
        a = self.detach()._c.numpy()
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if self._c.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._c.shape[0]

    def __iter__(self):
        if self._c.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._c.shape[0]))

    def __bool__(self):
        if self._c.numel != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        if self._c.numel != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self._c.numel != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self._c.dtype.is_floating_point or self._c.numel != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self):
        return _format(self)

    def __hash__(self):
        return id(self)

    # ---- autograd ----
    def detach(self):
        return Tensor._wrap(self._c)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn
        if node is None:
            hooks = self._hooks = self._hooks or []
        else:
            hooks = node.hooks = node.hooks or []
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None


def zero_grads(tensors, set_to_none=True):
    """Module.zero_grad and Optimizer.zero_grad: drop each .grad, or zero it in place."""
    for t in tensors:
        if t.grad is not None:
            if set_to_none:
                t.grad = None
            else:
                t.grad = t.grad.detach()
                t.grad.zero_()


class Size(tuple):
    """torch.Size: a tuple of ints that prints as PyTorch's."""

    def __repr__(self):
        return f"autocore.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class _RemovableHandle:
    __slots__ = ("hooks", "hook")

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _format_floats(a):
    """PyTorch's float layout: integers as '1.', otherwise 4 decimals, scientific when the magnitudes span
    more than 1000x or leave [1e-4, 1e8); every element right-aligned to the widest."""
    finite = a[np.isfinite(a)].astype(np.float64)  # (float16 cannot hold the 1e8 compared with)
    magnitudes = np.abs(finite)
    nonzero = magnitudes[magnitudes != 0]
    if finite.size and np.all(magnitudes == np.round(magnitudes)) and magnitudes.max() < 1e8:
        fmt = "{:.0f}.".format
    else:
        scientific = nonzero.size and (
            nonzero.max() / nonzero.min() > 1000 or nonzero.max() >= 1e8 or nonzero.min() < 1e-4
        )
        fmt = "{:.4e}".format if scientific else "{:.4f}".format
    # The widest text is an extreme's, or the smallest magnitude's (its exponent may have more digits).
    extremes = [finite.min(), finite.max()] if finite.size else []
    if nonzero.size:
        extremes += [nonzero.min(), -nonzero.min()] if finite.min() < 0 else [nonzero.min()]
    texts = [fmt(v) for v in extremes] + [str(v) for v in np.unique(a[~np.isfinite(a)])]
    width = max(map(len, texts), default=0)
    return np.array2string(
        a, separator=", ", formatter={"float_kind": lambda v: (fmt(v) if np.isfinite(v) else str(v)).rjust(width)}
    )


def _host(c):
    """A C++ tensor's values in host memory (a copy for a GPU tensor)."""
    return c if c.device == "cpu" else _dtype.to_device_c(c, _dtype.CPU)


def _host_values(c):
    """A C++ tensor's values as a numpy array in host memory; bfloat16's (numpy has no such type) as float32."""
    c = _host(c)
    return (c.to_dtype(_C.DType.float32) if c.dtype == _C.DType.bfloat16 else c).numpy()


def _format(t):
    a = _host_values(t.detach()._c)
    if a.dtype.kind == "f":
        body = _format_floats(a.astype(np.float32) if a.dtype == np.float16 else a)  # (numpy pads float16 apart)
    elif a.dtype.kind == "b":  # PyTorch pads to the widest value present: numpy always leaves room for False
        width = 5 if (~a).any() else 4
        body = np.array2string(a, separator=", ", formatter={"bool": lambda v: str(bool(v)).rjust(width)})
    else:
        body = np.array2string(a, separator=", ")
    body = body.replace("\n", "\n       ")
    extras = []
    if a.size == 0 and a.ndim != 1:
        extras.append(f"size={tuple(a.shape)}")
    dt = t.dtype
    if dt not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_) or (
        a.size == 0 and dt != _dtype.get_default_dtype()
    ):
        extras.append(f"dtype={dt!r}")
    if t._c.device != "cpu":
        extras.insert(0, f"device='{t._c.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
