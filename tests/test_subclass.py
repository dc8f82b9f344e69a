"""Tensor subclasses as operands: every op takes an nn.Parameter (or a user's own subclass) on either side and
returns a plain Tensor, with values and gradients those of the same op on plain tensors, as in PyTorch."""

import numpy as np
import pytest

import autocore
import autocore.nn.functional as F
from autocore import nn


class Tagged(autocore.Tensor):
    """A user's subclass of Tensor, made as PyTorch users make them: by viewing a tensor as the subclass."""


def parameter(array):
    return nn.Parameter(autocore.tensor(array))


# Each case takes its tensor operands as arguments, so it runs once with plain leaves and once with each operand
# a Parameter; the shapes broadcast (a is (2, 3), b is (3,)).
CASES = {
    "a * 2": lambda a, b: a * 2,
    "2 * a": lambda a, b: 2 * a,
    "a + b": lambda a, b: a + b,
    "b + a": lambda a, b: b + a,
    "a - 1": lambda a, b: a - 1,
    "1 - a": lambda a, b: 1 - a,
    "a - b": lambda a, b: a - b,
    "a / b": lambda a, b: a / b,
    "2 / a": lambda a, b: 2 / a,
    "a * b": lambda a, b: a * b,
    "a ** 2": lambda a, b: a**2,
    "2 ** a": lambda a, b: 2**a,
    "a ** b": lambda a, b: a.abs() ** b,
    "-a": lambda a, b: -a,
    "abs": lambda a, b: abs(a),
    "a @ b": lambda a, b: a @ b,
    "b @ a.T": lambda a, b: b @ a.T,
    "mm": lambda a, b: autocore.mm(a, a.t()),
    "add alpha": lambda a, b: autocore.add(a, b, alpha=2),
    "sub alpha": lambda a, b: autocore.sub(b, a, alpha=3),
    "maximum": lambda a, b: autocore.maximum(a, b),
    "minimum": lambda a, b: autocore.minimum(b, a),
    "where": lambda a, b: autocore.where(a > 0, a, b),
    "clamp": lambda a, b: a.clamp(-0.5, 0.5),
    "exp": lambda a, b: autocore.exp(a),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: autocore.sigmoid(b),
    "relu": lambda a, b: F.relu(a),
    "softmax": lambda a, b: F.softmax(a, dim=1),
    "log_softmax": lambda a, b: F.log_softmax(a, dim=1),
    "sum": lambda a, b: a.sum(1) + b.sum(),
    "mean": lambda a, b: autocore.mean(a, 0),
    "var": lambda a, b: a.var(1),
    "amax": lambda a, b: a.amax(1),
    "cat": lambda a, b: autocore.cat([a, b[None]]),
    "stack": lambda a, b: autocore.stack([b, b * 2]),
    "index": lambda a, b: a[1, ::2] + b[0],
    "view": lambda a, b: a.view(3, 2) * 2,
    "expand": lambda a, b: b.expand(4, 3),
    "linear": lambda a, b: F.linear(a, a, b[:2]),
    "mse_loss": lambda a, b: F.mse_loss(a, b.expand(2, 3)),
    "cross_entropy": lambda a, b: F.cross_entropy(a, autocore.tensor([0, 2])),
    "nll_loss": lambda a, b: F.nll_loss(F.log_softmax(a, 1), autocore.tensor([1, 0])),
    "bce_with_logits": lambda a, b: F.binary_cross_entropy_with_logits(b, b.sigmoid()),
    "a == b": lambda a, b: (a == b) | (a < b),
    "add_ into a plain tensor": lambda a, b: autocore.zeros(2, 3).add_(a * b),
    "copy_ into a plain tensor": lambda a, b: autocore.zeros(2, 3).copy_(a) * b,
}
A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
B = np.array([0.75, -0.5, 1.25])


def run(case, make_a, make_b):
    a, b = make_a(A), make_b(B)
    out = CASES[case](a, b)
    leaves = [t for t in (a, b) if t.requires_grad]
    grads = [None] * len(leaves)
    if out.requires_grad:
        grads = autocore.autograd.grad(
            out.float().sum() if out.dtype == autocore.bool else out.sum(), leaves, allow_unused=True
        )
    return out, [None if g is None else g.numpy() for g in grads]


def plain_leaf(array):
    return autocore.tensor(array, requires_grad=True)


@pytest.mark.parametrize("operands", ["parameter first", "parameter second", "both parameters"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_parameter_operands_act_as_plain_tensors(case, operands):
    make_a = parameter if operands != "parameter second" else plain_leaf
    make_b = parameter if operands != "parameter first" else plain_leaf
    out, grads = run(case, make_a, make_b)
    expected, expected_grads = run(case, plain_leaf, plain_leaf)
    assert type(out) is autocore.Tensor, f"{case} returned {type(out).__name__}, PyTorch returns a plain Tensor"
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    assert out.requires_grad == expected.requires_grad
    for got, want in zip(grads, expected_grads):
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)


def test_parameter_arithmetic_values_and_gradients_against_hand_derivation():
    # d/dw of sum(w * x + 2 * w ** 2 - w / 4) is x + 4w - 1/4.
    w, x = parameter(B), autocore.tensor(A)
    loss = (w * x + 2 * w**2 - w / 4).sum()
    np.testing.assert_allclose(loss.item(), np.sum(B * A + 2 * B**2 - B / 4))
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), A.sum(0) + 2 * (4 * B - 0.25))


def test_user_subclass_operands_return_plain_tensors_and_pass_gradients_back():
    x = autocore.tensor(A, requires_grad=True)
    t = x.as_subclass(Tagged)
    assert type(t) is Tagged and t.requires_grad and not t.is_leaf
    out = t * 2 + t
    assert type(out) is autocore.Tensor
    np.testing.assert_array_equal(out.detach().numpy(), A * 3)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full_like(A, 3.0))
    with pytest.raises(TypeError, match="as_subclass"):
        x.as_subclass(int)


def test_module_with_learnable_scalars_trains():
    """The shape of pytorch/tutorials' polynomial module: four scalar Parameters multiplied by the input."""

    class Cubic(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (nn.Parameter(autocore.zeros(())) for _ in range(4))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

    autocore.manual_seed(0)
    x = autocore.linspace(-1, 1, 200, dtype=autocore.float64)
    y = 0.5 - 2 * x + 0.25 * x**2 + 1.5 * x**3
    model = Cubic().double()
    optimizer = autocore.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2000):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    coefficients = [p.item() for p in (model.a, model.b, model.c, model.d)]
    np.testing.assert_allclose(coefficients, [0.5, -2.0, 0.25, 1.5], atol=1e-3)


def test_parameter_parity_with_pytorch():
    from conftest import torch_or_skip

    torch = torch_or_skip()
    for case in ("a * 2", "2 / a", "1 - a", "a @ b", "b @ a.T", "a ** b", "a / b"):  # operators only: no module names
        ours, _ = run(case, parameter, parameter)
        theirs = CASES[case](torch.nn.Parameter(torch.tensor(A)), torch.nn.Parameter(torch.tensor(B)))
        assert type(theirs) is torch.Tensor
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
