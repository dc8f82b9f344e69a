"""softmax and log_softmax with their vjps: the fused backward kernels normally, and the same formulas
written with differentiable ops under create_graph."""

from .. import _C
from .elementwise import exp, mul, own_node, own_output, sub
from .graph import grad_enabled, record, wrap
from .halves import in_float32
from .numpy_names import numpy_names
from .reduce import sum as sum_


@numpy_names
@in_float32
def softmax(x, dim):
    out_c = _C.softmax(x._c, dim)

    def vjp(g):
        if grad_enabled():  # out * (g - sum(g * out))
            out = own_output(out_c, node)
            return (mul(out, sub(g, sum_(mul(g, out), dim, keepdim=True))),)
        return (wrap(_C.softmax_backward(g._c, out_c, dim)),)

    def jvp(t):
        out = wrap(out_c)
        return mul(out, sub(t, sum_(mul(t, out), dim, keepdim=True)))

    result = record("SoftmaxBackward0", out_c, (x,), vjp, (out_c,), jvp)
    node = own_node(result)
    return result


@numpy_names
@in_float32
def log_softmax(x, dim):
    out_c = _C.log_softmax(x._c, dim)

    def vjp(g):
        if grad_enabled():  # g - exp(out) * sum(g)
            return (sub(g, mul(exp(own_output(out_c, node)), sum_(g, dim, keepdim=True))),)
        return (wrap(_C.log_softmax_backward(g._c, out_c, dim)),)

    def jvp(t):
        return sub(t, sum_(mul(exp(wrap(out_c)), t), dim, keepdim=True))

    result = record("LogSoftmaxBackward0", out_c, (x,), vjp, (out_c,), jvp)
    node = own_node(result)
    return result
