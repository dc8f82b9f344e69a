"""The generic op tests, driven by tests/op_db.py, each on every device in conftest.DEVICES:

- every unary pointwise op: its values against numpy (random shapes, size-0 and size-1 dims, 0-d, strided views,
  float32 and float64 under every ISA, integer inputs), its function, method and in-place forms, its gradient,
  tangent and second derivative against central finite differences in float64, Parameter operands, and PyTorch;
- every binary elementwise op: its values against numpy on broadcasting pairs (size-0 and size-1 dims, 0-d,
  stepped and transposed views) under every ISA, int64 and bool operands, mixed dtypes and Python numbers on
  either side with PyTorch's type promotion, its method, operator and in-place forms, its gradients (reduced over
  broadcast dims, fused and recorded), tangents and second derivatives against central finite differences in
  float64, Parameter operands on either side, and PyTorch;
- every reduction: its values against numpy over any dims (None, one, several; keepdim; var's and std's corrections;
  size-0, size-1 and 0-d inputs; strided views) for float32, float64, int64 and bool under every ISA, its gradients,
  tangents and second derivatives against central finite differences in float64, a Parameter operand, and PyTorch.

PyTorch comparisons run where it is installed."""

import warnings

import numpy as np
import pytest

import autocore
import autocore.autograd.forward_ad as fwad

from conftest import DEVICES, numeric_grad, torch_or_skip
from op_db import BINARY, REDUCTIONS, UNARY

IDS = [op.name for op in UNARY]
SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 1, 4), (40000,)]
LAYOUTS = ["contiguous", "stepped", "transposed"]


def layouts(*shapes):
    """The layouts that differ for operands of these shapes (a 0-d tensor has one, a 1-D one no transpose)."""
    return LAYOUTS[: min(max([len(shape) for shape in shapes]), 2) + 1]


def host(t):
    return t.detach().cpu().numpy()


def laid_out(a, device, layout="contiguous"):
    """The values of `a` as a tensor on `device` that the kernels see through the layout asked for: "contiguous",
    "stepped" (every other element of the last dim of a wider tensor) or "transposed" (the last two dims swapped in
    memory). autocore.tensor copies into a contiguous tensor, so the strided ones are views of a tensor."""
    a = np.asarray(a)
    if layout == "stepped" and a.ndim >= 1:
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        view = autocore.tensor(wide, device=device)[..., ::2]
        assert not view.is_contiguous() or a.size <= 1
        return view
    if layout == "transposed" and a.ndim >= 2:
        return autocore.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)), device=device).transpose(-1, -2)
    return autocore.tensor(a, device=device)


def draw(op, rng, shape, dtype=np.float64):
    return rng.uniform(*op.domain, size=shape).astype(dtype)


def tolerance(dtype):
    return dict(rtol=4e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_values_match_numpy(op, shape, dtype, device, isa):
    x = draw(op, np.random.default_rng(1), shape, dtype)
    expected = op.numpy(x.astype(np.float64)).astype(dtype)
    for layout in layouts(shape):
        got = getattr(autocore, op.name)(laid_out(x, device, layout))
        assert got.dtype == autocore.tensor(expected).dtype and tuple(got.shape) == expected.shape
        np.testing.assert_allclose(host(got), expected, **tolerance(dtype))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_integer_inputs_follow_pytorchs_promotion(op, device):
    x = np.arange(1, 6) if op.domain[0] > 0 else np.arange(-2, 3)
    got = getattr(autocore, op.name)(autocore.tensor(x, device=device))
    if op.integers_to_float:
        assert got.dtype == autocore.get_default_dtype()
        np.testing.assert_allclose(host(got), op.numpy(x.astype(np.float64)), rtol=4e-6)
    else:
        assert got.dtype == autocore.int64
        np.testing.assert_array_equal(host(got), op.numpy(x))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_method_and_in_place_forms_agree_with_the_function(op, device):
    x = draw(op, np.random.default_rng(2), (3, 4))
    expected = op.numpy(x)
    np.testing.assert_allclose(host(getattr(autocore.tensor(x, device=device), op.name)()), expected, rtol=1e-13)
    t = autocore.tensor(x, device=device)
    version = t._version
    assert getattr(t, op.name + "_")() is t and t._version > version
    np.testing.assert_allclose(host(t), expected, rtol=1e-13)
    if op.integers_to_float:  # the float result cannot be written into an integer tensor
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            getattr(autocore.tensor([1, 2], device=device), op.name + "_")()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_gradient_tangent_and_second_derivative_match_finite_differences(op, device):
    rng = np.random.default_rng(3)
    x0, g0, v0 = draw(op, rng, (2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    fn = getattr(autocore, op.name)
    (expected_grad,) = numeric_grad(op.numpy, [x0.copy()], g0)

    x = autocore.tensor(x0, requires_grad=True, device=device)
    out = fn(x)
    assert out.grad_fn.name() == op.grad_fn
    # without create_graph (a fused backward kernel, where the op has one) and with it (the derivative's formula)
    (plain,) = autocore.autograd.grad(fn(x), [x], autocore.tensor(g0, device=device))
    np.testing.assert_allclose(host(plain), expected_grad, rtol=1e-6, atol=1e-8)
    point = autocore.tensor(x0[0, 1], requires_grad=True, device=device)  # a 0-d input
    (grad_0d,) = autocore.autograd.grad(fn(point), [point])
    np.testing.assert_allclose(host(grad_0d), numeric_grad(op.numpy, [x0[0, 1:2].copy()], np.ones(1))[0][0], rtol=1e-6)
    leaf = autocore.tensor(x0.T.copy(), requires_grad=True, device=device)  # through a transposed (strided) view
    (grad_t,) = autocore.autograd.grad(fn(leaf.t()), [leaf], autocore.tensor(g0, device=device))
    np.testing.assert_allclose(host(grad_t), expected_grad.T, rtol=1e-6, atol=1e-8)
    (grad,) = autocore.autograd.grad(out, [x], autocore.tensor(g0, device=device), create_graph=True)
    np.testing.assert_allclose(host(grad), expected_grad, rtol=1e-6, atol=1e-8)

    # Hessian-vector product, d/dx <grad(x), v>, against central differences of the (checked) gradient
    eps = 1e-6
    if grad.requires_grad:
        (hv,) = autocore.autograd.grad((grad * autocore.tensor(v0, device=device)).sum(), [x])

        def grad_at(values):
            point = autocore.tensor(values, requires_grad=True, device=device)
            return host(autocore.autograd.grad(fn(point), [point], autocore.tensor(g0, device=device))[0])

        np.testing.assert_allclose(
            host(hv), (grad_at(x0 + eps * v0) - grad_at(x0 - eps * v0)) / (2 * eps), rtol=1e-5, atol=1e-7
        )
    else:  # a gradient that does not depend on x (PyTorch's graph leaves it out too)
        assert op.name in ("neg", "abs", "relu")

    with fwad.dual_level():
        dual = fwad.make_dual(autocore.tensor(x0, device=device), autocore.tensor(v0, device=device))
        tangent = fwad.unpack_dual(fn(dual)).tangent
    numeric_tangent = (op.numpy(x0 + eps * v0) - op.numpy(x0 - eps * v0)) / (2 * eps)
    np.testing.assert_allclose(host(tangent), numeric_tangent, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_in_place_form_records_the_same_gradient(op):
    x0 = draw(op, np.random.default_rng(4), (5,))
    x = autocore.tensor(x0, requires_grad=True)
    y = x * 1.0
    getattr(y, op.name + "_")()
    y.sum().backward()
    (expected,) = numeric_grad(op.numpy, [x0.copy()], np.ones(5))
    np.testing.assert_allclose(host(x.grad), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_parameter_operands_give_plain_tensors(op):
    p = autocore.nn.Parameter(autocore.tensor(draw(op, np.random.default_rng(5), (4,))))
    out = getattr(autocore, op.name)(p)
    assert type(out) is autocore.Tensor and out.requires_grad
    out.sum().backward()
    assert p.grad is not None and p.grad.shape == p.shape


@pytest.mark.parametrize("op", UNARY, ids=IDS)
def test_values_gradients_and_names_match_pytorch(op):
    torch = torch_or_skip()
    rng = np.random.default_rng(6)
    x0, g0 = draw(op, rng, (3, 4)), rng.normal(size=(3, 4))
    for dtype in (np.float32, np.float64):
        ours, theirs = autocore.tensor(x0.astype(dtype)), torch.tensor(x0.astype(dtype))
        np.testing.assert_allclose(
            host(getattr(autocore, op.name)(ours)), getattr(torch, op.name)(theirs).numpy(), **tolerance(dtype)
        )
    x, t = autocore.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    out, reference = getattr(autocore, op.name)(x), getattr(torch, op.name)(t)
    assert out.grad_fn.name() == reference.grad_fn.name()
    out.backward(autocore.tensor(g0))
    reference.backward(torch.tensor(g0))
    np.testing.assert_allclose(host(x.grad), t.grad.numpy(), rtol=1e-13, atol=1e-15)
    integers = torch.arange(1, 4)
    assert (
        str(getattr(autocore, op.name)(autocore.arange(1, 4)).dtype).split(".")[-1]
        == str(getattr(torch, op.name)(integers).dtype).split(".")[-1]
    )


# ---- binary elementwise ops ---------------------------------------------------------------------------------

BINARY_IDS = [op.name for op in BINARY]
DIFFERENTIABLE = [op for op in BINARY if op.differentiable]
DIFFERENTIABLE_IDS = [op.name for op in DIFFERENTIABLE]
SHAPE_PAIRS = [
    ((), ()),
    ((5,), ()),
    ((), (4,)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((0, 3), (3,)),
    ((1,), (0,)),
    ((2, 1, 3), (2, 4, 1)),
    ((1, 1), (1, 1)),
    ((70000,), (70000,)),
    ((300, 1), (1, 257)),
]
GRAD_SHAPE_PAIRS = [  # gradients reduced over broadcast dims, size-1 dims and 0-d operands
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 4), (3, 1)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((5,), ()),
    ((1,), (1, 1)),
]
DTYPES = [np.bool_, np.int64, np.float32, np.float64]  # PyTorch's promotion order among them
NUMBERS = [2, 2.5, -1.5, 1 / 3, True]  # 1/3: a float32 cannot hold it (pow computes in float64, as PyTorch does)


def operand(op, side, rng, shape, dtype=np.float64):
    """A value for op's first (side 0) or second (side 1) operand, drawn from its domain."""
    if dtype == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    domain = op.integer_domains[side] if dtype == np.int64 else op.domains[side]
    intervals = domain if isinstance(domain[0], tuple) else (domain,)
    if dtype == np.int64:
        draws = [rng.integers(low, high + 1, size=shape) for low, high in intervals]
    else:
        draws = [rng.uniform(low, high, size=shape) for low, high in intervals]
    x = np.choose(rng.integers(0, len(intervals), size=shape), draws) if len(intervals) > 1 else draws[0]
    return np.asarray(np.round(x / op.grid) * op.grid if op.grid else x, dtype)


def default_float():
    return np.float32 if autocore.get_default_dtype() == autocore.float32 else np.float64


def promoted(a, b):
    """The dtype PyTorch promotes two operands to, each an array (a tensor's values: dimensioned or 0-d) or a Python
    number. As in c10's ResultTypeState: dimensioned tensors promote among themselves, then 0-d tensors, then
    numbers (a float is the default float dtype, an int int64); a lower priority class only counts where its
    category (bool < integer < floating) is higher, and then promotes with the higher class."""
    classes = {2: [], 1: [], 0: []}
    for x in (a, b):
        if isinstance(x, np.ndarray):
            classes[2 if x.ndim else 1].append(x.dtype.type)
        else:
            classes[0].append(np.bool_ if isinstance(x, bool) else np.int64 if isinstance(x, int) else default_float())
    dim, zero, number = (max(classes[k], key=DTYPES.index) if classes[k] else None for k in (2, 1, 0))

    def combine(higher, lower):
        if higher is None or lower is None:
            return higher or lower
        if higher in (np.float32, np.float64):
            return higher
        if higher == np.bool_ or lower in (np.float32, np.float64):
            return max(higher, lower, key=DTYPES.index)
        return higher

    return combine(dim, combine(zero, number))


def result_dtype(op, a, b):
    """The dtype PyTorch gives op(a, b): bool for a comparison; the promoted dtype, or for true division of integers
    the default float dtype."""
    result = promoted(a, b)
    if op.comparison:
        return np.bool_
    if op.integers_to_float and result not in (np.float32, np.float64):
        return default_float()
    return result


def refused(op, a, b):
    """Whether PyTorch refuses these operands (sub takes no bools; pow no bool base with a bool tensor exponent)."""
    bools = [isinstance(x, bool) or (isinstance(x, np.ndarray) and x.dtype == np.bool_) for x in (a, b)]
    if op.refuses_bool == "either":
        return any(bools)
    return op.refuses_bool == "both" and all(bools) and isinstance(b, np.ndarray)


def reference(op, a, b):
    """op's numpy reference for two operands (arrays or Python numbers), computed in the dtype PyTorch computes in
    (floats in float64), cast to PyTorch's result dtype."""
    out, compute = result_dtype(op, a, b), promoted(a, b)
    if compute in (np.float32, np.float64) or out in (np.float32, np.float64):
        compute = np.float64
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(op.numpy(np.asarray(a).astype(compute), np.asarray(b).astype(compute))).astype(out)


def assert_refused(call, device):
    """call(device) raises a RuntimeError (a NotImplementedError is one, as PyTorch's for bool subtraction), of the
    same class as on the CPU."""
    with pytest.raises(RuntimeError) as info:
        call(device)
    if device != "cpu":
        with pytest.raises(RuntimeError) as on_cpu:
            call("cpu")
        assert type(info.value) is type(on_cpu.value), (info.value, on_cpu.value)


def assert_values(got, expected):
    """got (a tensor) has expected's dtype, shape and values (float32 within rounding, floats of float64 within
    1e-13, integers and bools exactly)."""
    assert got.dtype == autocore.tensor(np.zeros(0, expected.dtype)).dtype, (got.dtype, expected.dtype)
    assert tuple(got.shape) == expected.shape, (tuple(got.shape), expected.shape)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(host(got), expected, **tolerance(expected.dtype))
    else:
        np.testing.assert_array_equal(host(got), expected)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_values_match_numpy(op, dtype, device, isa):
    rng = np.random.default_rng(11)
    fn = getattr(autocore, op.name)
    for shapes in SHAPE_PAIRS:
        a, b = (operand(op, side, rng, shape, dtype) for side, shape in enumerate(shapes))
        expected = reference(op, a, b)
        for layout in layouts(*shapes):
            got = fn(laid_out(a, device, layout), laid_out(b, device, layout))
            assert_values(got, expected)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_integer_and_bool_operands(op, dtype, device):
    rng = np.random.default_rng(12)
    fn = getattr(autocore, op.name)
    for shapes in SHAPE_PAIRS:
        a, b = (operand(op, side, rng, shape, dtype) for side, shape in enumerate(shapes))
        for layout in layouts(*shapes)[:2]:
            if refused(op, a, b):
                assert_refused(lambda d: fn(laid_out(a, d, layout), laid_out(b, d, layout)), device)
            else:
                assert_values(fn(laid_out(a, device, layout), laid_out(b, device, layout)), reference(op, a, b))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_mixed_dtypes_follow_pytorchs_promotion(op, device):
    rng = np.random.default_rng(13)
    fn = getattr(autocore, op.name)
    for dtype_a in DTYPES:
        for dtype_b in DTYPES:
            for shape_b in ((4,), ()):  # a dimensioned second operand, then a 0-d one (which promotes less)
                a, b = operand(op, 0, rng, (3, 4), dtype_a), operand(op, 1, rng, shape_b, dtype_b)
                for x, y in ((a, b), (b, a)) if op.domains[0] == op.domains[1] else ((a, b),):
                    if refused(op, x, y):
                        assert_refused(lambda d: fn(autocore.tensor(x, device=d), autocore.tensor(y, device=d)), device)
                        continue
                    got = fn(autocore.tensor(x, device=device), autocore.tensor(y, device=device))
                    assert_values(got, reference(op, x, y))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_python_numbers_on_either_side(op, dtype, device, isa):
    """op(t, number), op(number, t) where PyTorch takes it, and the operators t < number and number < t (which
    reflects to t > number), under every ISA."""
    rng = np.random.default_rng(14)
    fn = getattr(autocore, op.name)
    forms = [(0, lambda t, n: fn(t, n))]  # (the number's side, the form)
    if op.number_first or not op.numbers:
        forms += [(1, lambda t, n: fn(n, t))]
    if op.operator is not None:
        forms += [(0, lambda t, n: op.operator(t, n)), (1, lambda t, n: op.operator(n, t))]
    for shape, layout in (((), "contiguous"), ((37,), "contiguous"), ((4, 9), "stepped")):
        for side, form in forms:
            x = operand(op, side, rng, shape, dtype)
            t = laid_out(x, device, layout)
            for number in NUMBERS:
                args = (x, number) if side == 0 else (number, x)
                if not op.numbers:  # maximum and minimum take tensors only, as in PyTorch
                    with pytest.raises(TypeError, match="must be Tensor"):
                        form(t, number)
                elif refused(op, *args):
                    assert_refused(lambda d: form(laid_out(x, d, layout), number), device)
                else:
                    assert_values(form(t, number), reference(op, *args))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_method_operator_and_in_place_forms_agree_with_the_function(op, device):
    rng = np.random.default_rng(15)
    a, b = operand(op, 0, rng, (3, 4)), operand(op, 1, rng, (4,))
    expected = reference(op, a, b)
    ta, tb = autocore.tensor(a, device=device), autocore.tensor(b, device=device)
    assert_values(getattr(ta, op.name)(tb), expected)
    if op.operator is not None:
        assert_values(op.operator(ta, tb), expected)
    if not op.in_place:
        return
    t = laid_out(a, device, "stepped")  # writing through a strided view
    version = t._version
    assert getattr(t, op.name + "_")(tb) is t and t._version > version
    assert_values(t, expected)
    if op.integers_to_float:  # the float result cannot be written into an integer tensor
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            getattr(autocore.tensor([1, 2], device=device), op.name + "_")(autocore.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):  # the result must fit in place
        getattr(autocore.tensor(b, device=device), op.name + "_")(autocore.tensor(a, device=device))


def binary_numeric_grads(op, a0, b0, g0):
    return numeric_grad(op.numpy, [a0.copy(), b0.copy()], g0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shapes", GRAD_SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=DIFFERENTIABLE_IDS)
def test_binary_gradients_match_finite_differences(op, shapes, device, isa):
    """Without create_graph (a fused backward kernel, where the op has one) and with it (the recorded formula),
    with either or both operands requiring grad: the gradient of each is reduced over the dims it was broadcast
    along."""
    rng = np.random.default_rng(16)
    a0, b0 = operand(op, 0, rng, shapes[0]), operand(op, 1, rng, shapes[1])
    g0 = rng.normal(size=np.broadcast_shapes(*shapes))
    expected = binary_numeric_grads(op, a0, b0, g0)
    fn = getattr(autocore, op.name)
    for needs in ((0, 1), (0,), (1,)):
        for create_graph in (False, True):
            leaves = [autocore.tensor(x, requires_grad=i in needs, device=device) for i, x in enumerate((a0, b0))]
            out = fn(*leaves)
            assert out.grad_fn.name() == op.grad_fn
            grads = autocore.autograd.grad(
                out, [leaves[i] for i in needs], autocore.tensor(g0, device=device), create_graph=create_graph
            )
            for i, grad in zip(needs, grads):
                assert tuple(grad.shape) == shapes[i] and grad.dtype == autocore.float64
                np.testing.assert_allclose(host(grad), expected[i], rtol=1e-6, atol=1e-8)
    # float32 operands: the same gradients, in float32
    leaves = [autocore.tensor(x.astype(np.float32), requires_grad=True, device=device) for x in (a0, b0)]
    grads = autocore.autograd.grad(fn(*leaves), leaves, autocore.tensor(g0.astype(np.float32), device=device))
    for grad, want in zip(grads, expected):
        assert grad.dtype == autocore.float32
        np.testing.assert_allclose(host(grad), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=DIFFERENTIABLE_IDS)
def test_binary_gradients_through_strided_views_and_python_numbers(op, device):
    rng = np.random.default_rng(17)
    fn = getattr(autocore, op.name)
    a0, b0, g0 = operand(op, 0, rng, (3, 4)), operand(op, 1, rng, (4,)), rng.normal(size=(3, 4))
    expected = binary_numeric_grads(op, a0, b0, g0)
    a = autocore.tensor(a0.T.copy(), requires_grad=True, device=device)  # used transposed: a strided view
    b = autocore.tensor(np.stack([b0, b0]), requires_grad=True, device=device)  # used through a row
    grad_a, grad_b = autocore.autograd.grad(fn(a.t(), b[1]), [a, b], autocore.tensor(g0, device=device))
    np.testing.assert_allclose(host(grad_a), expected[0].T, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(host(grad_b), np.stack([np.zeros(4), expected[1]]), rtol=1e-6, atol=1e-8)
    if not op.numbers:
        return
    for number in (2.5, -1.5):
        for side in (0, 1):
            x0 = operand(op, side, rng, (3, 4))
            if op.name == "pow" and side == 1 and number < 0:
                continue  # a negative base
            f = (lambda x: op.numpy(x, number)) if side == 0 else (lambda x: op.numpy(number, x))
            (want,) = numeric_grad(f, [x0.copy()], g0)
            for create_graph in (False, True):
                x = autocore.tensor(x0, requires_grad=True, device=device)
                out = fn(x, number) if side == 0 else (op.operator or fn)(number, x)
                (grad,) = autocore.autograd.grad(
                    out, [x], autocore.tensor(g0, device=device), create_graph=create_graph
                )
                np.testing.assert_allclose(host(grad), want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=DIFFERENTIABLE_IDS)
def test_binary_second_derivatives_and_tangents_match_finite_differences(op, device):
    """The Hessian-vector product over both operands (create_graph, then the gradient of <grad, v>) against central
    differences of the checked gradient; forward-mode tangents with either or both operands dual, and with a
    Python number on either side, against central differences of the values."""
    rng = np.random.default_rng(18)
    fn = getattr(autocore, op.name)
    eps = 1e-6

    def grads_at(values, g):
        leaves = [autocore.tensor(x, requires_grad=True, device=device) for x in values]
        return [host(x) for x in autocore.autograd.grad(fn(*leaves), leaves, autocore.tensor(g, device=device))]

    def tangent(values, tangents, f=fn):
        with fwad.dual_level():
            duals = [
                autocore.tensor(x, device=device)
                if v is None
                else fwad.make_dual(autocore.tensor(x, device=device), autocore.tensor(v, device=device))
                for x, v in zip(values, tangents)
            ]
            return host(fwad.unpack_dual(f(*duals)).tangent)

    for shapes in (((3, 4), (4,)), ((), (2, 3)), ((2, 1), (1, 3))):
        a0, b0 = operand(op, 0, rng, shapes[0]), operand(op, 1, rng, shapes[1])
        g0 = rng.normal(size=np.broadcast_shapes(*shapes))
        va, vb = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])

        leaves = [autocore.tensor(x, requires_grad=True, device=device) for x in (a0, b0)]
        grads = autocore.autograd.grad(fn(*leaves), leaves, autocore.tensor(g0, device=device), create_graph=True)
        inner = sum((grad * autocore.tensor(v, device=device)).sum() for grad, v in zip(grads, (va, vb)))
        hv = autocore.autograd.grad(inner, leaves, allow_unused=True) if inner.requires_grad else (None, None)
        plus, minus = grads_at((a0 + eps * va, b0 + eps * vb), g0), grads_at((a0 - eps * va, b0 - eps * vb), g0)
        for got, p, m in zip(hv, plus, minus):
            got = np.zeros_like(p) if got is None else host(got)  # None: the gradient does not depend on it
            np.testing.assert_allclose(got, (p - m) / (2 * eps), rtol=1e-5, atol=1e-7)

        for ta, tb in ((va, vb), (va, None), (None, vb)):
            da, db = (np.zeros_like(x) if v is None else v for x, v in ((a0, ta), (b0, tb)))
            numeric = (op.numpy(a0 + eps * da, b0 + eps * db) - op.numpy(a0 - eps * da, b0 - eps * db)) / (2 * eps)
            got = tangent((a0, b0), (ta, tb))
            assert got.shape == numeric.shape
            np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)

    if op.numbers:
        x0, v0 = operand(op, 0, rng, (3, 4)), rng.normal(size=(3, 4))
        numeric = (op.numpy(x0 + eps * v0, 2.5) - op.numpy(x0 - eps * v0, 2.5)) / (2 * eps)
        np.testing.assert_allclose(tangent((x0,), (v0,), lambda x: fn(x, 2.5)), numeric, rtol=1e-6, atol=1e-8)
        y0 = operand(op, 1, rng, (3, 4))
        numeric = (op.numpy(2.5, y0 + eps * v0) - op.numpy(2.5, y0 - eps * v0)) / (2 * eps)
        reflected = op.operator or fn
        np.testing.assert_allclose(tangent((y0,), (v0,), lambda y: reflected(2.5, y)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_parameter_operands_give_plain_tensors(op):
    rng = np.random.default_rng(19)
    a0, b0 = operand(op, 0, rng, (2, 3)), operand(op, 1, rng, (3,))
    fn = getattr(autocore, op.name)

    def run(make_a, make_b):
        a, b = make_a(a0), make_b(b0)
        out = fn(a, b)
        grads = autocore.autograd.grad(out.sum(), [a, b]) if op.differentiable else None
        return out, grads

    def plain(x):
        return autocore.tensor(x, requires_grad=True)

    def parameter(x):
        return autocore.nn.Parameter(autocore.tensor(x))

    expected, expected_grads = run(plain, plain)
    for make_a, make_b in ((parameter, plain), (plain, parameter), (parameter, parameter)):
        out, grads = run(make_a, make_b)
        assert type(out) is autocore.Tensor and out.requires_grad == op.differentiable
        np.testing.assert_array_equal(host(out), host(expected))
        for grad, want, shape in zip(grads or (), expected_grads or (), ((2, 3), (3,))):
            assert tuple(grad.shape) == shape
            np.testing.assert_array_equal(host(grad), host(want))


PARITY_TOLERANCE = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}


def reflected_form(lib, op):
    """op with a number on the left: its reflected operator where it has one (PyTorch refuses torch.lt(2, t))."""
    return op.operator or getattr(lib, op.name)


@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_values_gradients_and_names_match_pytorch(op):
    torch = torch_or_skip()
    rng = np.random.default_rng(20)
    a0, b0 = operand(op, 0, rng, (4, 1, 3)), operand(op, 1, rng, (5, 1))
    ours, theirs = getattr(autocore, op.name), getattr(torch, op.name)
    for dtype in (np.float32, np.float64):
        a, b = a0.astype(dtype), b0.astype(dtype)
        np.testing.assert_allclose(
            host(ours(autocore.tensor(a), autocore.tensor(b))),
            theirs(torch.tensor(a), torch.tensor(b)).numpy(),
            **PARITY_TOLERANCE[dtype],
        )
    if not op.differentiable:
        return
    forms = [lambda lib, f, x, y: f(x, y)]
    if op.numbers:
        forms += [lambda lib, f, x, y: f(x, 2.5), lambda lib, f, x, y: (op.operator or f)(2.5, y)]
    for form in forms:
        results = []
        for lib, f in ((autocore, ours), (torch, theirs)):
            x, y = (lib.tensor(v, requires_grad=True) for v in (a0, b0))
            out = form(lib, f, x, y)
            out.backward(lib.tensor(np.random.default_rng(7).normal(size=tuple(out.shape))))
            results.append((out.detach().numpy(), [None if v.grad is None else v.grad.numpy() for v in (x, y)]))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-13, atol=1e-15)
        for got, want in zip(results[0][1], results[1][1]):
            assert (got is None) == (want is None)
            if want is not None:
                np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    x, y = autocore.tensor(a0, requires_grad=True), autocore.tensor(b0, requires_grad=True)
    tx, ty = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    assert ours(x, y).grad_fn.name() == theirs(tx, ty).grad_fn.name() == op.grad_fn
    if op.numbers:
        assert ours(x, 2.5).grad_fn.name() == theirs(tx, 2.5).grad_fn.name()


REFLECTED_NAMES = {  # PyTorch builds 2 - t, 2 / t and 2 ** t from other nodes than t - 2, t / 2 and t ** 2
    "sub": "2 - t is SubBackward0 in autocore, RsubBackward1 in PyTorch",
    "div": "2 / t is DivBackward0 in autocore, MulBackward0 (of t.reciprocal() * 2) in PyTorch",
    "pow": "2 ** t is PowBackward1 in autocore, PowBackward2 in PyTorch",
}


@pytest.mark.parametrize(
    "op",
    [
        pytest.param(op, marks=pytest.mark.xfail(strict=True, reason=REFLECTED_NAMES[op.name]))
        if op.name in REFLECTED_NAMES
        else op
        for op in DIFFERENTIABLE
        if op.numbers
    ],
    ids=lambda op: op.name,
)
def test_binary_reflected_number_forms_have_pytorchs_node_names(op):
    torch = torch_or_skip()
    x, t = autocore.tensor([0.5, 1.5], requires_grad=True), torch.tensor([0.5, 1.5], requires_grad=True)
    assert op.operator(2.5, x).grad_fn.name() == op.operator(2.5, t).grad_fn.name()


@pytest.mark.parametrize("op", BINARY, ids=BINARY_IDS)
def test_binary_dtypes_match_pytorch(op):
    """Every pair of dtypes (the second operand dimensioned, then 0-d) and Python numbers (bool too) on either side:
    PyTorch's result dtype and values, or a refusal where PyTorch refuses; and result_dtype() above agrees."""
    torch = torch_or_skip()
    rng = np.random.default_rng(21)

    def outcome(f):
        try:
            out = f()
        except RuntimeError:  # NotImplementedError too (the exact error: the refusal test below)
            return RuntimeError, None
        except TypeError:
            return TypeError, None
        return str(out.dtype).split(".")[-1], out.detach().cpu().numpy().astype(np.float64)

    def agree(ours, theirs, expected_dtype):
        got, want = outcome(ours), outcome(theirs)
        assert got[0] == want[0], (got[0], want[0])
        if want[1] is not None:
            np.testing.assert_allclose(got[1], want[1], rtol=4e-6, atol=1e-7)
            assert want[0] == np.dtype(expected_dtype).name

    for dtype_a in DTYPES:
        a = operand(op, 0, rng, (3, 4), dtype_a)
        for dtype_b in DTYPES:
            for shape_b in ((4,), ()):
                b = operand(op, 1, rng, shape_b, dtype_b)
                agree(
                    lambda: getattr(autocore, op.name)(autocore.tensor(a), autocore.tensor(b)),
                    lambda: getattr(torch, op.name)(torch.tensor(a), torch.tensor(b)),
                    result_dtype(op, a, b),
                )
        for number in NUMBERS:
            b = operand(op, 1, rng, (3, 4), dtype_a)
            agree(
                lambda: getattr(autocore, op.name)(autocore.tensor(a), number),
                lambda: getattr(torch, op.name)(torch.tensor(a), number),
                result_dtype(op, a, number),
            )
            agree(
                lambda: reflected_form(autocore, op)(number, autocore.tensor(b)),
                lambda: reflected_form(torch, op)(number, torch.tensor(b)),
                result_dtype(op, number, b),
            )


@pytest.mark.xfail(
    strict=True,
    reason="autocore.eq(2, t) (and ne, lt, le, gt, ge with a number first) computes 2 == t; PyTorch raises TypeError "
    "(eq() received an invalid combination of arguments): only the operators reflect (2 < t is t > 2)",
)
def test_binary_functions_refuse_a_number_first_where_pytorch_does():
    torch = torch_or_skip()
    for op in BINARY:
        if op.numbers and not op.number_first:
            for lib in (torch, autocore):
                with pytest.raises(TypeError):
                    getattr(lib, op.name)(2, lib.tensor([1.0, 2.0]))


@pytest.mark.parametrize("op", [op for op in BINARY if op.refuses_bool], ids=lambda op: op.name)
def test_binary_refused_bool_operands_raise_pytorchs_error(op):
    torch = torch_or_skip()
    cases = [
        lambda lib: getattr(lib, op.name)(lib.tensor([True, False]), lib.tensor([True, True])),
        lambda lib: op.operator(True, lib.tensor([True, False])),
    ]
    if op.refuses_bool == "either":
        cases += [
            lambda lib: getattr(lib, op.name)(lib.tensor([1.5, 2.0]), lib.tensor([True, False])),
            lambda lib: getattr(lib, op.name)(lib.tensor([True, False]), 2),
            lambda lib: getattr(lib, op.name)(lib.tensor([1, 2]), True),
        ]
    for case in cases:
        errors = []
        for lib in (autocore, torch):
            with pytest.raises(Exception) as info:
                case(lib)
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


# ---- reductions ---------------------------------------------------------------------------------------------

REDUCTION_IDS = [op.id for op in REDUCTIONS]
DIFFERENTIABLE_REDUCTIONS = [op for op in REDUCTIONS if op.differentiable]
DIFFERENTIABLE_REDUCTION_IDS = [op.id for op in DIFFERENTIABLE_REDUCTIONS]
SHAPES_AND_DIMS = [
    ((), None),
    ((), 0),
    ((7,), None),
    ((7,), 0),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((3, 4), (0, 1)),
    ((2, 3, 4), 1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (1, 2)),
    ((2, 1, 4), 1),
    ((5, 0, 3), 2),
    ((5, 0, 3), (0, 2)),
    ((1, 1), None),
    ((2, 3, 4, 5), (1, 3)),
    ((100000,), None),
    ((300, 200), 0),
    ((200, 300), 1),
]
GRAD_SHAPES_AND_DIMS = [
    ((2, 3, 4), None),
    ((2, 3, 4), 0),
    ((2, 3, 4), 1),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (0, 1)),
    ((2, 1, 4), 1),
    ((3, 4), 0),
    ((3, 4), (0, 1)),
    ((5,), None),
    ((5,), 0),
    ((), None),
    ((), 0),
]


def numpy_axis(shape, dim):
    """numpy's axis for a reduction over `dim` of a tensor of `shape` (a 0-d tensor's dim 0 is the tensor)."""
    return None if dim is None or shape == () else dim


def reduced_count(shape, dim):
    """How many elements each result reduces."""
    axis = numpy_axis(shape, dim)
    return int(np.prod([shape[d] for d in (range(len(shape)) if axis is None else np.atleast_1d(axis))]))


def reduce_(op, x, dim, keepdim, option, method=False):
    """op over `dim` of x, as autocore.<name>(x, ...) or x.<name>(...); dim None and no keepdim: no dim given."""
    fn = getattr(x, op.name) if method else lambda *args, **kwargs: getattr(autocore, op.name)(x, *args, **kwargs)
    if op.dims == "all":
        return fn()
    if dim is None and not keepdim:
        return fn(**option)
    return fn(dim=dim, keepdim=keepdim, **option)


def reduction_reference(op, x, dim, keepdim, option):
    """op's numpy reference (floats computed in float64) as (values, ...) in the dtypes PyTorch gives."""
    axis = numpy_axis(x.shape, dim)
    keep = keepdim and op.dims != "all"
    if x.shape == () and dim is not None:  # a 0-d tensor reduced over its dim 0 is itself
        keep = False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own warnings for empty and 0-dof reductions
        values = op.numpy(x.astype(np.float64) if x.dtype.kind == "f" else x, axis=axis, keepdims=keep, **option)
    outputs = values if isinstance(values, tuple) else (values,)
    dtypes = [reduction_dtype(op, x.dtype.type), np.int64]
    return tuple(np.asarray(v).astype(t) for v, t in zip(outputs, dtypes))


def reduction_dtype(op, dtype):
    if op.index_result:
        return np.int64
    if dtype in (np.int64, np.bool_) and op.integers == "int64":
        return np.int64
    return dtype


def reduction_tolerance(dtype, count):
    """float32 sums lose more as they grow (log2 of the count, for pairwise summation)."""
    if dtype == np.float32:
        return dict(rtol=2e-5 * max(1.0, np.log2(max(count, 2))), atol=1e-5)
    return dict(rtol=1e-12, atol=1e-12)


LARGE = 10000  # elements: past the SIMD blocks and the thread split; a large input runs fewer variations


def reduction_cases(op, cases):
    """(shape, dim) cases op takes (its kind of dim), with each keepdim (max() has none) and option (a large input
    with the first two: a correction only changes the final division)."""
    for shape, dim in cases:
        if not op.accepts(dim):
            continue
        for keepdim in (False,) if op.dims == "all" else (False, True):
            for option in op.options[:2] if np.prod(shape) > LARGE else op.options:
                yield shape, dim, keepdim, option


def draw_for_reduction(rng, shape, dtype):
    if dtype == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    if dtype == np.int64:  # ties: max(dim) and argmax pick the first, as numpy does
        return np.asarray(rng.integers(-3, 4, size=shape), np.int64)
    return np.asarray(rng.uniform(-2.0, 2.0, size=shape), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES[::-1], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", REDUCTIONS, ids=REDUCTION_IDS)
def test_reduction_values_match_numpy(op, dtype, device, isa):
    """Over no dim, one or several, with keepdim and each option, on size-0, size-1 and 0-d inputs, contiguous and
    transposed (through the function) and stepped (through the method); integer inputs have ties. A refused input
    raises PyTorch's kind of error."""
    rng = np.random.default_rng(31)
    integral = dtype in (np.int64, np.bool_)
    if (integral and op.integers == "refuse") or (dtype == np.bool_ and not op.takes_bool):
        x = draw_for_reduction(rng, (3, 4), dtype)
        assert_refused(lambda d: reduce_(op, autocore.tensor(x, device=d), 1, False, {}), device)
        return
    for shape, dim, keepdim, option in reduction_cases(op, SHAPES_AND_DIMS):
        x = draw_for_reduction(rng, shape, dtype)
        count = reduced_count(shape, dim)
        no_extreme = count == 0 and not op.empty
        expected = None if no_extreme else reduction_reference(op, x, dim, keepdim, option)
        forms = (("contiguous", False), ("stepped", True), ("transposed", False))[: len(layouts(shape))]
        for layout, method in forms[:2] if x.size > LARGE else forms:  # transposed: the small inputs
            t = laid_out(x, device, layout)
            if no_extreme:
                with pytest.raises((IndexError, RuntimeError)):  # PyTorch: IndexError over a dim, else RuntimeError
                    reduce_(op, t, dim, keepdim, option, method)
                continue
            got = reduce_(op, t, dim, keepdim, option, method)
            got = tuple(got) if op.indices else (got,)
            for g, want in zip(got, expected):
                assert g.dtype == autocore.tensor(np.zeros(0, want.dtype)).dtype, (g.dtype, want.dtype)
                assert tuple(g.shape) == want.shape, (shape, dim, keepdim, tuple(g.shape), want.shape)
                if want.dtype.kind == "f":
                    np.testing.assert_allclose(
                        host(g), want, **reduction_tolerance(dtype, count), err_msg=f"{shape} {dim} {keepdim} {option}"
                    )
                else:
                    np.testing.assert_array_equal(host(g), want, err_msg=f"{shape} {dim} {keepdim} {option}")


def reduction_numeric_grad(op, x0, dim, keepdim, option, g0):
    def f(x):
        return reduction_reference(op, x, dim, keepdim, option)[0]

    return numeric_grad(f, [x0.copy()], g0)[0]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", DIFFERENTIABLE_REDUCTIONS, ids=DIFFERENTIABLE_REDUCTION_IDS)
def test_reduction_gradients_match_finite_differences(op, device, isa):
    """Without create_graph (the fused backward kernel) and with it (the recorded formula), over each kind of dim,
    keepdim and option; then through a transposed (strided) view."""
    rng = np.random.default_rng(32)
    for shape, dim, keepdim, option in reduction_cases(op, GRAD_SHAPES_AND_DIMS):
        if op.options != ({},) and reduced_count(shape, dim) <= option.get("correction", 1):
            continue  # no degrees of freedom: inf or NaN (test_reduce checks those gradients against PyTorch)
        x0 = rng.normal(size=shape)
        expected_out = reduction_reference(op, x0, dim, keepdim, option)[0]
        g0 = rng.normal(size=expected_out.shape)
        expected = reduction_numeric_grad(op, x0, dim, keepdim, option, g0)
        for create_graph in (False, True):
            x = autocore.tensor(x0, requires_grad=True, device=device)
            out = reduce_(op, x, dim, keepdim, option)
            out = out[0] if op.indices else out
            assert out.grad_fn.name() == op.grad_fn(dim), (shape, dim)
            (grad,) = autocore.autograd.grad(out, [x], autocore.tensor(g0, device=device), create_graph=create_graph)
            np.testing.assert_allclose(
                host(grad), expected, rtol=1e-6, atol=1e-8, err_msg=f"{shape} {dim} {keepdim} {option} {create_graph}"
            )
    dim = None if op.dims == "all" else 1
    x0 = rng.normal(size=(3, 4))
    option = op.options[-1]
    g0 = rng.normal(size=reduction_reference(op, x0, dim, False, option)[0].shape)
    leaf = autocore.tensor(x0.T.copy(), requires_grad=True, device=device)
    out = reduce_(op, leaf.t(), dim, False, option)
    (grad,) = autocore.autograd.grad(out[0] if op.indices else out, [leaf], autocore.tensor(g0, device=device))
    np.testing.assert_allclose(
        host(grad), reduction_numeric_grad(op, x0, dim, False, option, g0).T, rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", DIFFERENTIABLE_REDUCTIONS, ids=DIFFERENTIABLE_REDUCTION_IDS)
def test_reduction_second_derivatives_and_tangents_match_finite_differences(op, device):
    """The Hessian-vector product (zero where the gradient does not depend on x: sum, mean, the extremes) and the
    forward-mode tangent, against central differences."""
    rng = np.random.default_rng(33)
    eps = 1e-6
    for shape, dim, keepdim, option in reduction_cases(op, [((2, 3, 4), (0, 2)), ((3, 4), 1), ((5,), None)]):
        x0, v0 = rng.normal(size=shape), rng.normal(size=shape)
        g0 = rng.normal(size=reduction_reference(op, x0, dim, keepdim, option)[0].shape)

        def value(x):
            out = reduce_(op, x, dim, keepdim, option)
            return out[0] if op.indices else out

        def grad_at(values):
            x = autocore.tensor(values, requires_grad=True, device=device)
            return host(autocore.autograd.grad(value(x), [x], autocore.tensor(g0, device=device))[0])

        x = autocore.tensor(x0, requires_grad=True, device=device)
        (grad,) = autocore.autograd.grad(value(x), [x], autocore.tensor(g0, device=device), create_graph=True)
        numeric_hv = (grad_at(x0 + eps * v0) - grad_at(x0 - eps * v0)) / (2 * eps)
        if grad.requires_grad:
            (hv,) = autocore.autograd.grad((grad * autocore.tensor(v0, device=device)).sum(), [x], allow_unused=True)
            hv = np.zeros(shape) if hv is None else host(hv)
        else:  # a gradient that does not depend on x (PyTorch's graph leaves it out too)
            hv = np.zeros(shape)
        np.testing.assert_allclose(hv, numeric_hv, rtol=1e-5, atol=1e-7, err_msg=f"{shape} {dim} {keepdim} {option}")

        with fwad.dual_level():
            dual = fwad.make_dual(autocore.tensor(x0, device=device), autocore.tensor(v0, device=device))
            tangent = host(fwad.unpack_dual(value(dual)).tangent)
        reference_at = lambda values: reduction_reference(op, values, dim, keepdim, option)[0]  # noqa: E731
        numeric = (reference_at(x0 + eps * v0) - reference_at(x0 - eps * v0)) / (2 * eps)
        np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-8, err_msg=f"{shape} {dim} {keepdim} {option}")


@pytest.mark.parametrize("op", REDUCTIONS, ids=REDUCTION_IDS)
def test_reduction_parameter_operand_gives_plain_tensors(op):
    p = autocore.nn.Parameter(autocore.tensor(np.random.default_rng(34).normal(size=(3, 4))))
    out = reduce_(op, p, None if op.dims == "all" else 1, False, op.options[-1])
    outputs = tuple(out) if op.indices else (out,)
    assert all(type(o) is autocore.Tensor for o in outputs)
    assert outputs[0].requires_grad == op.differentiable
    if op.differentiable:
        outputs[0].sum().backward()
        assert p.grad is not None and p.grad.shape == p.shape


@pytest.mark.parametrize("op", REDUCTIONS, ids=REDUCTION_IDS)
def test_reduction_values_gradients_dtypes_and_names_match_pytorch(op):
    torch = torch_or_skip()
    rng = np.random.default_rng(35)
    x0 = rng.normal(size=(4, 5, 6))
    cases = [
        (None, False),
        (1, False),
        (1, True),
        (-1, False),
        (-1, True),
        ((0, 2), False),
        ((0, 2), True),
        ((-1, 1), True),
    ]
    for dim, keepdim in cases:
        if not op.accepts(dim) or (keepdim and op.dims == "all"):
            continue
        for option in op.options:
            for dtype in (np.float32, np.float64):
                ours = reduce_(op, autocore.tensor(x0.astype(dtype)), dim, keepdim, option, method=True)
                theirs = reduce_(op, torch.tensor(x0.astype(dtype)), dim, keepdim, option, method=True)
                for got, want in zip(*((tuple(o) if op.indices else (o,)) for o in (ours, theirs))):
                    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
                    np.testing.assert_allclose(host(got), want.numpy(), **reduction_tolerance(dtype, 1))
            if not op.differentiable:
                continue
            x, t = autocore.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
            out, reference = (reduce_(op, v, dim, keepdim, option, method=True) for v in (x, t))
            out, reference = (o[0] if op.indices else o for o in (out, reference))
            assert out.grad_fn.name() == reference.grad_fn.name()
            g0 = rng.normal(size=tuple(reference.shape))
            out.backward(autocore.tensor(g0))
            reference.backward(torch.tensor(g0))
            np.testing.assert_allclose(host(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-14)
    for dtype in (np.int64, np.bool_):  # PyTorch's result dtype, or a refusal where it refuses
        x = draw_for_reduction(rng, (3, 4), dtype)
        results = []
        for lib in (autocore, torch):
            try:
                out = reduce_(op, lib.tensor(x), None if op.dims == "all" else 1, False, {}, method=True)
                out = out[0] if op.indices else out
                results.append((str(out.dtype).split(".")[-1], out.tolist()))
            except RuntimeError:
                results.append("refused")
        assert results[0] == results[1]
        assert results[1] == "refused" or results[1][0] == np.dtype(reduction_dtype(op, dtype)).name


INTEGER_REFUSALS = {  # PyTorch's messages, which autocore's differ from
    "mean": "mean() of an int64 input says 'Got: int64' (of a bool one 'Got: bool'); PyTorch says 'Got: Long' "
    "('Got: Bool')",
    "var": "var() of an int64 or bool input raises 'var(): could not infer output dtype. Input dtype must be either a "
    "floating point or complex dtype. Got: int64'; PyTorch raises 'std and var only support floating point and "
    "complex dtypes'",
    "std": "std() of an int64 or bool input raises 'var(): could not infer output dtype. Input dtype must be either a "
    "floating point or complex dtype. Got: int64'; PyTorch raises 'std and var only support floating point and "
    "complex dtypes'",
}


@pytest.mark.parametrize(
    "op",
    [
        pytest.param(op, marks=pytest.mark.xfail(strict=True, reason=INTEGER_REFUSALS[op.name]))
        if op.name in INTEGER_REFUSALS
        else op
        for op in REDUCTIONS
        if op.integers == "refuse" or not op.takes_bool
    ],
    ids=lambda op: op.id,
)
def test_reduction_refused_inputs_raise_pytorchs_error(op):
    torch = torch_or_skip()
    for dtype in (np.int64, np.bool_):
        if dtype == np.int64 and op.integers != "refuse":
            continue
        x = draw_for_reduction(np.random.default_rng(36), (3, 4), dtype)
        for dim in (None, 1):
            errors = []
            for lib in (autocore, torch):
                with pytest.raises(Exception) as info:
                    reduce_(op, lib.tensor(x), dim, False, {}, method=True)
                errors.append((type(info.value), str(info.value)))
            assert errors[0] == errors[1]
