"""The same small programs on PyTorch and on autocore (`import autocore as torch`): values and gradients
must agree. Skipped where PyTorch is not installed."""

import numpy as np
import pytest

import autocore

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity checks skipped")


def mlp_with_cross_entropy(lib, x, w1, b1, w2, b2, onehot):
    hidden = (x @ w1.T + b1).tanh()
    logits = lib.relu(hidden) @ w2.T + b2
    return -(logits.log_softmax(1) * onehot).sum() / x.shape[0]


def broadcasting_and_reductions(lib, a, b, c):
    z = (a * b - c / (b.abs() + 1)) ** 2
    return z.var(1).sum() + z.std((0, 2)).mean() + z.amax(2).sum() + z.mean() - z.min(1).values.sum() + z.sum(-1).max()


def indexing(lib, a, b, c):
    picked = a[1:, ::2, None, -1] * b[lib.tensor([2, 0])][..., :1]
    masked = c[c.sum(1) > 0]
    stacked = lib.stack([a[0, :2, :3], c[:2, :3]], 0)
    return picked.sum() + masked.exp().sum() + lib.cat([stacked.flatten(), a.reshape(-1)[5:9]]).pow(2).sum()


def batched_attention(lib, q, k, v):
    scores = (q @ k.transpose(-2, -1)) / 2.0
    weights = scores.softmax(-1)
    out = lib.where(weights > 0.2, weights, weights * 0.5) @ v
    return out.clamp(-1.0, 1.0).sigmoid().sum() + lib.maximum(q, k).sum()


def promotion(lib, a, b, c):
    ints = lib.tensor([[1, 2, 3, 4]])
    return (a * ints + 2 - ints / 3).sum() + (b.float().double() * c).sum() + (a**2 * 0.5).sum()


PROGRAMS = {
    "mlp": (mlp_with_cross_entropy, [(6, 4), (5, 4), (5,), (3, 5), (3,), None]),
    "broadcast": (broadcasting_and_reductions, [(2, 3, 4), (3, 1), (4,)]),
    "indexing": (indexing, [(3, 4, 5), (3, 2, 5), (4, 5)]),
    "attention": (batched_attention, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    "promotion": (promotion, [(3, 4), (3, 4), (4,)]),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_values_and_gradients_match_torch(name):
    program, shapes = PROGRAMS[name]
    rng = np.random.default_rng(0)
    data = [rng.normal(size=s) if s is not None else np.eye(3)[rng.integers(0, 3, 6)] for s in shapes]
    theirs = [torch.tensor(d, requires_grad=s is not None) for d, s in zip(data, shapes)]
    ours = [autocore.tensor(d, requires_grad=s is not None) for d, s in zip(data, shapes)]
    t_out, o_out = program(torch, *theirs), program(autocore, *ours)
    np.testing.assert_allclose(o_out.item(), t_out.item(), rtol=1e-12)
    t_out.backward()
    o_out.backward()
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_second_order_gradients_match_torch():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(3, 4))
    results = []
    for lib in (torch, autocore):
        x = lib.tensor(data, requires_grad=True)
        y = (x.sin() * x.exp()).softmax(1).log().sum() + (x @ x.T).tanh().sum()
        (g,) = lib.autograd.grad(y, [x], create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), [x])
        results.append((g.detach().numpy(), h.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def test_jvp_matches_torch_func_jvp():
    rng = np.random.default_rng(2)
    x0, v0 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    def f(x):
        return (x.exp() @ x.T).log_softmax(0).sum(1) * x.var(1)

    t_out, t_tan = torch.func.jvp(f, (torch.tensor(x0),), (torch.tensor(v0),))
    o_out, o_tan = autocore.func.jvp(f, (autocore.tensor(x0),), (autocore.tensor(v0),))
    np.testing.assert_allclose(o_out.numpy(), t_out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(o_tan.numpy(), t_tan.numpy(), rtol=1e-10, atol=1e-12)
