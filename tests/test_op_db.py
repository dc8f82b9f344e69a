"""The generic op tests, driven by tests/op_db.py: for every unary pointwise op, its values against numpy (random
shapes, size-0 and size-1 dims, 0-d, non-contiguous views, float32 and float64, integer inputs), its function,
method and in-place forms, its gradient, tangent and second derivative against central finite differences in
float64, Parameter operands, every device, and PyTorch where installed."""

import numpy as np
import pytest

import autocore
import autocore.autograd.forward_ad as fwad

from conftest import DEVICES, noncontiguous, numeric_grad, torch_or_skip
from op_db import UNARY

IDS = [op.name for op in UNARY]
SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 1, 4), (40000,)]


def host(t):
    return t.detach().cpu().numpy()


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
    for view in (x, noncontiguous(x)):
        got = getattr(autocore, op.name)(autocore.tensor(view, device=device))
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
