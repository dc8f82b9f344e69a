"""In-place writes through views of tensors in the autograd graph (`y[:, 0] += 1` on a non-leaf y), as PyTorch's
CopySlices: the written tensor's history is rewritten so that gradients reach both its old value and whatever the
write read. Checked against central finite differences in float64, gradcheck (second derivatives included), and
PyTorch where installed."""

import numpy as np
import pytest

import autocore
from autocore.autograd import gradcheck

from conftest import numeric_grad, torch_or_skip


def writes(lib, x):
    """A chain of in-place writes through views of y = 2x: select, slice, transpose, flat view with a step."""
    y = x * 2
    y[:, 0] += 1
    y[1] *= 3
    y.t()[2].sub_(x[:, 1])
    v = y.view(-1)
    v[::5].mul_(x[0, :3])
    return y


def writes_np(x):
    y = x * 2
    y[:, 0] += 1
    y[1] *= 3
    y.T[2] -= x[:, 1]
    y.reshape(-1)[::5] *= x[0, :3]
    return y


def test_values_and_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 4))
    upstream = rng.standard_normal((3, 4))
    x = autocore.tensor(data, requires_grad=True)
    y = writes(autocore, x)
    np.testing.assert_allclose(y.detach().numpy(), writes_np(data.copy()), rtol=1e-12)
    y.backward(autocore.tensor(upstream))
    expected = numeric_grad(lambda a: writes_np(a.copy()), [data.copy()], upstream)[0]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_the_history_is_pytorchs():
    x = autocore.ones(3, 4, requires_grad=True)
    y = x * 2
    row = y[1]
    row += 1
    assert y.grad_fn.name() == "CopySlices"
    assert row.grad_fn.name() == "AsStridedBackward0" and row.requires_grad
    np.testing.assert_array_equal(y.detach().numpy()[1], [3, 3, 3, 3])


def test_second_derivatives_through_a_rewritten_history():
    def f(x):
        y = x * 1
        y[1:] *= x[:-1]
        y[0] += x[2] * x[2]
        return y

    def gradient(x):  # recorded (create_graph=True), so gradcheck differentiates it a second time
        with autocore.enable_grad():  # (gradcheck's numerical passes run without the graph)
            x = x if x.requires_grad else x.detach().requires_grad_()
            return autocore.autograd.grad((f(x) * f(x)).sum(), x, create_graph=True)[0]

    x = autocore.tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradcheck(gradient, (x,))


def test_a_write_that_reads_another_tensor_gives_it_a_gradient():
    w = autocore.tensor([2.0, 3.0], requires_grad=True)
    base = autocore.zeros(2, 2)  # requires no grad itself: the write brings it into the graph
    column = base[:, 1]
    column += w
    (base * base).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 6.0])
    assert base.requires_grad


def test_views_of_leaves_and_overlapping_views_are_refused():
    x = autocore.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0] += 1
    y = autocore.ones(1, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.expand(3).add_(1)


def test_a_saved_view_modified_later_is_refused_in_backward():
    x = autocore.ones(3, requires_grad=True)
    y = x * 1
    z = y[0] * y[0]  # saves y[0]
    y[0] += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_pytorch_agrees():
    torch = torch_or_skip()
    rng = np.random.default_rng(2)
    data, upstream = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    grads = []
    for lib in (autocore, torch):
        x = lib.tensor(data, requires_grad=True)
        y = writes(lib, x)
        y.backward(lib.tensor(upstream))
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)
