"""Elementwise ops with broadcasting: each op's kernel call and its vjp, side by side. vjps are written
with differentiable ops, so that create_graph=True gives second derivatives; the masks of piecewise
ops (relu, abs, clamp, maximum) enter as constants, their derivative being zero almost everywhere."""

import warnings
import weakref

from .. import _C, _dtype
from ..tensor import Tensor
from .engine import Node
from .graph import (
    _forward,
    _mode,
    as_input,
    cast,
    constant,
    expand,
    grad_enabled,
    raw,
    record,
    reduce_to,
    wrap,
)


def own_node(out):
    """A weak reference to out's grad_fn, for its vjp's own_output: a strong one would make the cycle
    node -> vjp -> node, which only the garbage collector frees, keeping the whole graph alive until it runs."""
    return None if out.grad_fn is None else weakref.ref(out.grad_fn)


def own_output(out_c, node_ref):
    """Inside a vjp, an op's own output: as a constant, or under create_graph as a tensor whose grad_fn is
    the op's node (alive while its backward runs), so that second derivatives flow through it. Ops like exp
    save only their output (as PyTorch does), not their input."""
    return wrap(out_c, True, node_ref()) if grad_enabled() and node_ref is not None else constant(out_c)


def _needs(t):
    return t is not None and t._requires_grad


def _scalar_tensor(value, like_c):
    return wrap(_dtype.full_c([], value, like_c.dtype, _dtype.device_of(like_c)))


_new = object.__new__

# ---- binary ----
# The arithmetic operators are the hot path of every small model: each is one kernel call, and a graph
# node only when grad mode is on and an input requires grad (the vjp closure is built only then).


def _arithmetic(kernel, name, make_vjp, saves=None, make_jvp=None):
    def op(a, b):
        a_is_tensor, b_is_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
        c = kernel(a._c if a_is_tensor else a, b._c if b_is_tensor else b)
        if _forward["level"]:  # forward mode: the slow, general path
            return record(
                name,
                c,
                (a if a_is_tensor else None, b if b_is_tensor else None),
                make_vjp(a, b, a if a_is_tensor else None, b if b_is_tensor else None),
                tuple(t._c for t in (saves(a, b, a, b) if saves else ()) if isinstance(t, Tensor)),
                make_jvp(a, b, c),
            )
        if _mode.enabled:
            ta = a if a_is_tensor and a._requires_grad else None
            tb = b if b_is_tensor and b._requires_grad else None
            if ta is not None or tb is not None:
                saved = None
                if saves is not None:  # the tensors whose values the vjp reads, with their versions now
                    saved = tuple((t._c, t._c._version) for t in saves(a, b, ta, tb) if isinstance(t, Tensor))
                # Node and Tensor are filled slot by slot here, without their constructors' calls: about 170 ns
                # of a small op's 1.2 us. test_engine checks that every slot of both is set.
                node = _new(Node)
                node._name = name
                node.edges = (
                    None if ta is None else ta.grad_fn if ta.grad_fn is not None else ta,
                    None if tb is None else tb.grad_fn if tb.grad_fn is not None else tb,
                )
                node.vjp = make_vjp(a, b, ta, tb)
                node.saved = saved or None
                node.hooks = node.retained = None
                out = _new(Tensor)
                out._c = c
                out._requires_grad = True
                out.grad = out._hooks = out._tangent = None
                out.grad_fn = node
                return out
        return wrap(c)

    op.__name__ = name
    return op


# With a Python number on one side the gradient already has the tensor's shape and dtype (a number never
# broadcasts, and never promotes a tensor that can require grad), so reduce_to is skipped.


def _add_vjp(a, b, ta, tb):
    if tb is None and not isinstance(b, Tensor):
        return lambda g: (g, None)
    return lambda g: (reduce_to(g, ta) if ta is not None else None, reduce_to(g, tb) if tb is not None else None)


def _sub_vjp(a, b, ta, tb):
    if tb is None and not isinstance(b, Tensor):
        return lambda g: (g, None)
    return lambda g: (reduce_to(g, ta) if ta is not None else None, reduce_to(neg(g), tb) if tb is not None else None)


def _mul_vjp(a, b, ta, tb):
    if tb is None and not isinstance(b, Tensor):
        return lambda g: (mul(g, b), None)
    return lambda g: (
        reduce_to(mul(g, b), ta) if ta is not None else None,
        reduce_to(mul(g, a), tb) if tb is not None else None,
    )


def _div_vjp(a, b, ta, tb):
    def grad_other(g):  # -g a / b^2, in one kernel unless the backward is itself being recorded
        if not grad_enabled() and isinstance(a, Tensor):
            return wrap(_C.div_backward_other(g._c, a._c, b._c))
        return neg(div(mul(g, div(a, b)), b))

    return lambda g: (
        reduce_to(div(g, b), ta) if ta is not None else None,
        reduce_to(grad_other(g), tb) if tb is not None else None,
    )


def _fit(t, shape):
    """A tangent broadcast to the output's shape (an input's tangent has the input's shape)."""
    return t if t is None or t._c.shape == shape else expand(t, shape)


def _plus(x, y):
    return y if x is None else x if y is None else _add(x, y)


def _add_jvp(a, b, c):
    return lambda ta, tb: _fit(_plus(ta, tb), c.shape)


def _sub_jvp(a, b, c):
    return lambda ta, tb: _fit(_plus(ta, None if tb is None else neg(tb)), c.shape)


def _mul_jvp(a, b, c):
    return lambda ta, tb: _fit(
        _plus(None if ta is None else mul(ta, _detached(b)), None if tb is None else mul(_detached(a), tb)), c.shape
    )


def _div_jvp(a, b, c):
    def jvp(ta, tb):
        out = wrap(c)
        return _fit(
            _plus(
                None if ta is None else div(ta, _detached(b)),
                None if tb is None else neg(div(mul(tb, out), _detached(b))),
            ),
            c.shape,
        )

    return jvp


def _detached(x):
    return wrap(x._c) if isinstance(x, Tensor) else x


_add = _arithmetic(_C.add, "AddBackward0", _add_vjp, None, _add_jvp)
_sub = _arithmetic(_C.sub, "SubBackward0", _sub_vjp, None, _sub_jvp)
# d(ab)/da reads b and d(ab)/db reads a; d(a/b)/da reads b, d(a/b)/db reads both.
mul = _arithmetic(
    _C.mul,
    "MulBackward0",
    _mul_vjp,
    lambda a, b, ta, tb: ((b,) if ta is not None else ()) + ((a,) if tb is not None else ()),
    _mul_jvp,
)

div = _arithmetic(_C.div, "DivBackward0", _div_vjp, lambda a, b, ta, tb: (a, b) if tb is not None else (b,), _div_jvp)


def _times_alpha(a, b, alpha):
    """alpha * b for a + alpha * b, computed as PyTorch does: in the dtype of the result, so that a float32 or
    int64 b beside a float64 a is neither rounded nor wrapped first; bools stay bools."""
    kinds = [x._c.dtype if isinstance(x, Tensor) else x for x in (a, b)]
    integral = not any(k.is_floating_point if isinstance(k, _C.DType) else isinstance(k, float) for k in kinds)
    if integral and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if not isinstance(b, Tensor):
        return b * alpha
    if all(k == _C.DType.bool if isinstance(k, _C.DType) else isinstance(k, bool) for k in kinds):
        return b if alpha else mul(b, False)
    # b takes the result's dtype (that of a + b, found on empty stand-ins with a's and b's dtypes and 0-d-ness):
    # an int8 b beside an int64 a does not wrap, nor a bool b beside an int32 a make int64.
    if isinstance(a, Tensor):
        place = _dtype.device_of(a._c)
        stand_in = lambda x: _dtype.full_c([0] if x._c.ndim else [], 0, x._c.dtype, place)  # noqa: E731
        result = _C.add(stand_in(a), stand_in(b)).dtype
        if result != b._c.dtype:
            b = cast(b, result)
    return mul(b, alpha)


def add(a, b, alpha=1):
    return _add(a, _times_alpha(a, b, alpha) if alpha != 1 else b)


def sub(a, b, alpha=1):
    if alpha != 1 and any(isinstance(x, Tensor) and x._c.dtype == _C.DType.bool for x in (a, b)):
        return _sub(a, b)  # raises PyTorch's error for bool subtraction
    return _sub(a, _times_alpha(a, b, alpha) if alpha != 1 else b)


def pow(a, b):
    ta, tb = as_input(a), as_input(b)
    out_c = _C.pow(raw(a), raw(b))

    def vjp(g):
        if not grad_enabled():  # one fused kernel per input: the backward is not itself being recorded
            a_c, b_c = (x._c if isinstance(x, Tensor) else _dtype.full_c([], x, out_c.dtype, g.device) for x in (a, b))
            return (
                reduce_to(wrap(_C.pow_backward_base(g._c, a_c, b_c)), ta) if _needs(ta) else None,
                reduce_to(wrap(_C.pow_backward_exponent(g._c, a_c, b_c)), tb) if _needs(tb) else None,
            )
        grad_a = grad_b = None
        if _needs(ta):
            if tb is None and b == 0:
                grad_a = mul(reduce_to(g, ta), 0.0)
            else:
                grad_a = reduce_to(mul(mul(g, b), pow(a, b - 1 if tb is None else sub(b, 1))), ta)
        if _needs(tb):
            # d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0, as PyTorch does.
            base = ta if ta is not None else _scalar_tensor(a, out_c)
            zero_base = constant(_C.mul(_C.eq(base._c, 0), _C.ge(raw(b), 0)))
            safe_base = where(zero_base, _scalar_tensor(1.0, out_c), base)
            grad_b = reduce_to(mul(mul(g, pow(a, b)), log(safe_base)), tb)
        return grad_a, grad_b

    def jvp(da, db):
        out = wrap(out_c)
        terms = None
        if da is not None:
            terms = mul(
                da,
                mul(
                    b if tb is None else _detached(b), pow(_detached(a), b - 1 if tb is None else sub(_detached(b), 1))
                ),
            )
        if db is not None:
            base = _detached(ta) if ta is not None else _scalar_tensor(a, out_c)
            zero_base = constant(_C.mul(_C.eq(base._c, 0), _C.ge(raw(b), 0)))
            terms = _plus(terms, mul(db, mul(out, log(where(zero_base, _scalar_tensor(1.0, out_c), base)))))
        return _fit(terms, out_c.shape)

    return record(
        "PowBackward1" if tb is not None else "PowBackward0",
        out_c,
        (ta, tb),
        vjp,
        tuple(t._c for t in (ta, tb) if t is not None),
        jvp,
    )


def _share(x, y, greater):
    """x's share of maximum's (minimum's) gradient, as PyTorch's masks give it: 0 where y wins, 1/2 on ties, else 1
    (so where either is NaN, both inputs get all of it)."""
    loses = _C.lt(raw(x), raw(y)) if greater else _C.gt(raw(x), raw(y))
    return constant(_C.sub(_C.sub(1.0, _C.mul(loses, 1.0)), _C.mul(_C.eq(raw(x), raw(y)), 0.5)))


def _tie_mask(a, b, greater):
    """1 where a wins, 1/2 on ties, 0 where b wins (and where either is NaN, as PyTorch's forward-mode formula
    takes the other's tangent there): a's share of maximum's (minimum's) tangent."""
    wins = _C.gt(raw(a), raw(b)) if greater else _C.lt(raw(a), raw(b))
    mask = _C.add(_C.mul(wins, 1.0), _C.mul(_C.eq(raw(a), raw(b)), 0.5))
    return constant(mask)


def _extremum(a, b, greater, name):
    ta, tb = as_input(a), as_input(b)
    out_c = _C.maximum(raw(a), raw(b)) if greater else _C.minimum(raw(a), raw(b))

    def vjp(g):
        if not grad_enabled() and isinstance(a, Tensor) and isinstance(b, Tensor):
            # each input's share in one kernel: all of g where it wins, half on ties (and where either is NaN,
            # all of g to both, as PyTorch's masks give)
            share = _C.maximum_backward if greater else _C.minimum_backward
            return (
                reduce_to(wrap(share(g._c, a._c, b._c)), ta) if _needs(ta) else None,
                reduce_to(wrap(share(g._c, b._c, a._c)), tb) if _needs(tb) else None,
            )
        return (
            reduce_to(mul(g, _share(a, b, greater)), ta) if _needs(ta) else None,
            reduce_to(mul(g, _share(b, a, greater)), tb) if _needs(tb) else None,
        )

    def jvp(da, db):
        share = _tie_mask(a, b, greater)
        return _fit(
            _plus(None if da is None else mul(da, share), None if db is None else mul(db, sub(1.0, share))), out_c.shape
        )

    return record(name, out_c, (ta, tb), vjp, tuple(t._c for t in (ta, tb) if t is not None), jvp)


def _tensor_operands(name, a, b):
    """maximum and minimum take two tensors: PyTorch refuses a Python number there."""
    for position, (arg, x) in enumerate((("input", a), ("other", b)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def maximum(a, b):
    _tensor_operands("maximum", a, b)
    return _extremum(a, b, True, "MaximumBackward0")


def or_bools(a, b):
    """a | b for bools (and Python bools), through maximum's kernel; unlike maximum it takes numbers."""
    return _extremum(a, b, True, "MaximumBackward0")


def minimum(a, b):
    _tensor_operands("minimum", a, b)
    return _extremum(a, b, False, "MinimumBackward0")


def _number_dtype(value):
    """The dtype PyTorch gives a Python number on its own: bool, int64, or the default float dtype."""
    return (
        _C.DType.bool
        if isinstance(value, bool)
        else _C.DType.int64
        if isinstance(value, int)
        else _dtype.get_default_dtype()._c
    )


def _category(c_dtype):
    """PyTorch's categories of dtypes: bool 0, integers 1, floating 2."""
    return 2 if c_dtype.is_floating_point else 0 if c_dtype == _C.DType.bool else 1


def _where_number_dtype(value, other):
    """A Python number in where() takes the other operand's dtype unless its kind is higher (PyTorch's rule for
    wrapped numbers): a float beside integers gives the default float dtype, an int beside bools int64."""
    own = _number_dtype(value)
    return other if _category(own) <= _category(other) else own


def promote_types(type1, type2):
    """The smallest dtype both convert to without losing their kind (PyTorch's lattice: uint8 and int8 give int16,
    float16 and bfloat16 float32)."""
    return _dtype.from_c(_C.promote_types(type1._c, type2._c))


def result_type(tensor1, tensor2):
    """The dtype an elementwise op of these operands (tensors or Python numbers) computes in."""
    tensors, numbers = [], []
    for operand in (tensor1, tensor2):
        if isinstance(operand, Tensor):
            tensors.append(operand._c)
        elif isinstance(operand, (bool, int, float)):
            numbers.append(operand)
        else:
            raise TypeError(f"result_type(): argument must be Tensor or Number, not {type(operand).__name__}")
    return _dtype.from_c(_C.result_type(tensors, numbers))


def can_cast(from_, to):
    """Whether PyTorch's type-promoting ops may write from_ into to: not floating into an integer, nor anything
    but bool into bool."""
    if from_.is_floating_point and not to.is_floating_point:
        return False
    return from_ is _dtype.bool_ or to is not _dtype.bool_


_UINT8_CONDITION_WARNING = (
    "where received a uint8 condition tensor. This behavior is deprecated and will be removed in a future version of "
    "PyTorch. Use a boolean condition instead."
)


def where(condition, a, b):
    if isinstance(condition, Tensor) and condition._c.dtype == _C.DType.uint8:  # a byte mask, as before bool
        warnings.warn(_UINT8_CONDITION_WARNING, UserWarning, stacklevel=2)
        condition = wrap(_C.ne(condition._c, 0))
    cond = condition._c if isinstance(condition, Tensor) else condition
    ta, tb = as_input(a), as_input(b)
    place = _dtype.device_of(a._c if ta is not None else b._c if tb is not None else cond)
    other_a = tb._c.dtype if tb is not None else _number_dtype(b)
    other_b = ta._c.dtype if ta is not None else _number_dtype(a)

    for number, other in ((a, other_a), (b, other_b)):
        if not isinstance(number, Tensor) and not isinstance(number, bool) and isinstance(number, (int, float)):
            _dtype.check_representable(number, _dtype.from_c(_where_number_dtype(number, other)), halves=False)
    ca = a._c if ta is not None else _dtype.full_c([], a, _where_number_dtype(a, other_a), place)
    cb = b._c if tb is not None else _dtype.full_c([], b, _where_number_dtype(b, other_b), place)

    def vjp(g):
        zero = _scalar_tensor(0.0, g._c)
        c = wrap(cond)
        return (
            reduce_to(where(c, g, zero), ta) if _needs(ta) else None,
            reduce_to(where(c, zero, g), tb) if _needs(tb) else None,
        )

    out_c = _C.where(cond, ca, cb)

    def jvp(da, db):
        zero = _scalar_tensor(0.0, out_c)
        return _fit(where(wrap(cond), zero if da is None else da, zero if db is None else db), out_c.shape)

    return record("WhereBackward0", out_c, (ta, tb), vjp, (cond,), jvp)


# ---- comparisons: no gradient ----


def _compare(fn):
    def op(a, b):
        return wrap(fn(raw(a), raw(b)))

    return op


eq, ne, lt, le, gt, ge = (_compare(f) for f in (_C.eq, _C.ne, _C.lt, _C.le, _C.gt, _C.ge))


# ---- unary pointwise ops: a kernel and one derivative each ----

POINTWISE = {}  # name -> op: autocore.<name>, Tensor.<name> and the in-place Tensor.<name>_ come from here


def pointwise(name, derivative, fused=None):
    """The op _C.<name> (declared in csrc/core/elementwise_ops.def) with its derivative, one formula linear in its
    first argument: derivative(g, x), derivative(g, out) or derivative(g), by its parameters' names (what the
    backward reads, and so what the graph keeps: the input, as log does, or the output, as exp does). An elementwise
    op's Jacobian is diagonal, so the formula is both the vjp (applied to the output's gradient, with the graph's
    tensors, so that create_graph gives second derivatives) and the jvp (applied to the input's tangent).
    `fused` names a backward kernel _C.<fused>(g, saved) that computes the same formula in one pass: it serves the
    jvp, and the vjp whenever no graph of the backward is being built (3 to 7 times faster than the formula's
    separate kernels on one thread, for 1 to 32768 elements)."""
    kernel = getattr(_C, name)
    backward = getattr(_C, fused) if fused else None
    node_name = name[0].upper() + name[1:] + "Backward0"  # PyTorch's: Log10Backward0
    reads = derivative.__code__.co_varnames[1 : derivative.__code__.co_argcount]
    if backward is not None and len(reads) != 1:
        raise TypeError(f"{name}: a fused backward kernel takes (g, x) or (g, out)")
    if reads == ("out",):

        def op(x):
            out_c = kernel(x._c)

            def vjp(g):
                if backward is not None and not grad_enabled():
                    return (wrap(backward(g._c, out_c)),)
                return (derivative(g, own_output(out_c, node)),)

            def jvp(t):
                return wrap(backward(t._c, out_c)) if backward is not None else derivative(t, constant(out_c))

            out = record(node_name, out_c, (x,), vjp, (out_c,), jvp)
            node = own_node(out)
            return out
    elif reads == ("x",):

        def op(x):
            def vjp(g):
                if backward is not None and not grad_enabled():
                    return (wrap(backward(g._c, x._c)),)
                return (derivative(g, x),)

            def jvp(t):
                return wrap(backward(t._c, x._c)) if backward is not None else derivative(t, _detached(x))

            return record(node_name, kernel(x._c), (x,), vjp, (x._c,), jvp)
    elif reads == ():

        def op(x):
            return record(node_name, kernel(x._c), (x,), lambda g: (derivative(g),), (), derivative)
    else:
        raise TypeError(f"{name}'s derivative must take (g), (g, x) or (g, out), not {reads}")
    op.__name__ = op.__qualname__ = name
    POINTWISE[name] = op
    return op


_LN2, _LN10, _TWO_OVER_SQRT_PI = 0.6931471805599453, 2.302585092994046, 1.1283791670955126

neg = pointwise("neg", lambda g: -g)
exp = pointwise("exp", lambda g, out: g * out)
exp2 = pointwise("exp2", lambda g, out: g * out * _LN2)
log = pointwise("log", lambda g, x: g / x)
log2 = pointwise("log2", lambda g, x: g / (x * _LN2))
log10 = pointwise("log10", lambda g, x: g / (x * _LN10))
sqrt = pointwise("sqrt", lambda g, out: g / (out * 2.0), fused="sqrt_backward")
rsqrt = pointwise("rsqrt", lambda g, out: g * (out * out * out) * -0.5)
sin = pointwise("sin", lambda g, x: g * cos(x), fused="sin_backward")
cos = pointwise("cos", lambda g, x: g * -sin(x), fused="cos_backward")
relu = pointwise("relu", lambda g, out: g * (out > 0), fused="relu_backward")  # the comparison is a constant mask
sigmoid = pointwise("sigmoid", lambda g, out: g * (out * (1.0 - out)), fused="sigmoid_backward")
tanh = pointwise("tanh", lambda g, out: g * (1.0 - out * out), fused="tanh_backward")
erf = pointwise("erf", lambda g, x: g * (exp(-(x * x)) * _TWO_OVER_SQRT_PI))
abs = pointwise("abs", lambda g, x: g * _sign(x), fused="abs_backward")


def _sign(x):
    """-1, 0 or 1 by x's sign, as a constant (abs's slope: 0 at 0, as in PyTorch)."""
    return constant(_C.abs_backward(_dtype.full_c([], 1.0, x._c.dtype, x.device), x._c))


def leaky_relu(x, negative_slope=0.01):
    def slope(dtype):
        return constant(_C.add(_C.mul(_C.gt(x._c, 0), 1.0 - negative_slope), negative_slope).to_dtype(dtype))

    def vjp(g):
        if not grad_enabled():
            return (wrap(_C.leaky_relu_backward(g._c, x._c, negative_slope)),)
        return (mul(g, slope(g._c.dtype)),)

    return record(
        "LeakyReluBackward0",
        _C.leaky_relu(x._c, negative_slope),
        (x,),
        vjp,
        (x._c,),
        lambda t: wrap(_C.leaky_relu_backward(t._c, x._c, negative_slope)),
    )


def clamp_bounds(x, min, max):
    """clamp's bounds as its kernel takes them, checked as PyTorch checks them: an int bound converted to an
    integer x's dtype (-1 is 255 in uint8; 1000 is refused by int8)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")

    floating = x._c.dtype.is_floating_point or any(isinstance(v, float) for v in (min, max))
    result = (
        _dtype.from_c(x._c.dtype)
        if x._c.dtype.is_floating_point
        else _dtype.get_default_dtype()
        if floating
        else _dtype.int64
        if x._c.dtype == _C.DType.bool
        else _dtype.from_c(x._c.dtype)
    )
    for bound in (min, max):
        if isinstance(bound, (int, float)) and not isinstance(bound, bool):
            _dtype.check_representable(bound, result)
    if floating or x._c.dtype == _C.DType.bool:
        return min, max
    return tuple(v if v is None or isinstance(v, bool) else _dtype.wrap_int(v, result) for v in (min, max))


def clamp(x, min=None, max=None):
    min, max = clamp_bounds(x, min, max)

    def inside(dtype):
        return constant(_C.clamp_backward(_dtype.full_c([], 1.0, dtype, x.device), x._c, min, max))

    return record(
        "ClampBackward1",
        _C.clamp(x._c, min, max),
        (x,),
        lambda g: (mul(g, inside(g._c.dtype)),),
        (x._c,),
        lambda t: mul(t, inside(t._c.dtype)),
    )
