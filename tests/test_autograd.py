"""The autograd engine through the public API: gradients of the differentiable ops that tests/test_op_db.py does
not drive (compositions, ops with extra arguments, shapes, matmul, softmax) against central finite differences
(gradcheck, float64) on broadcasting, non-contiguous and size-1 inputs; graph semantics
(accumulation, retain_graph, freed graphs, detach, no_grad, hooks, retain_grad, long chains); second
derivatives; and PyTorch parity where it is installed. Each test that computes runs on every device in
conftest.DEVICES; the references (numpy, finite differences, PyTorch) stay on the CPU."""

import numpy as np
import pytest

import autocore
from autocore.autograd import gradcheck
from autocore.ops.engine import Node
from autocore.tensor import Tensor

from conftest import DEVICES, numeric_grad, torch_or_skip


def host(t):
    """A tensor's values as a numpy array, from whichever device holds them."""
    return t.detach().cpu().numpy()


def leaf(rng, shape, low=-2.0, high=2.0, device="cpu"):
    return autocore.tensor(
        rng.uniform(low, high, size=shape), dtype=autocore.float64, requires_grad=True, device=device
    )


def strided_leaf(rng, shape, device="cpu"):
    """A non-contiguous float64 leaf: every other column of a wider array."""
    wide = rng.uniform(-2, 2, size=shape[:-1] + (shape[-1] * 2,))
    t = autocore.tensor(wide, device=device)[..., ::2]
    assert not t.is_contiguous() or t.numel() <= 1
    t.requires_grad = True
    return t


def check_grad(fn, inputs, atol=1e-5):
    """gradcheck on the device of `inputs` (float64 leaves that require grad)."""
    return gradcheck(fn, inputs, atol=atol)


UNARY = {  # compositions and the ops with extra arguments (tests/test_op_db.py checks each pointwise op)
    "log of abs": lambda x: x.abs().add(0.5).log(),
    "sqrt": lambda x: (x * x + 1).sqrt(),
    "leaky_relu": lambda x: autocore.leaky_relu(x, 0.1),
    "clamp": lambda x: x.clamp(-0.5, 0.7),
    "pow_scalar": lambda x: x**3,
    "rpow": lambda x: 2.0**x,
    "scalar_ops": lambda x: (2 - x) / 3 + 1 * x,
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_gradcheck_contiguous_and_strided(name, device):
    rng = np.random.default_rng(1)
    assert check_grad(UNARY[name], [leaf(rng, (3, 5), device=device)])
    assert check_grad(UNARY[name], [strided_leaf(rng, (2, 4), device=device)])
    assert check_grad(UNARY[name], [leaf(rng, (), device=device)])


SOFTMAX = {  # (each binary op and reduction, over broadcast shapes and dims: tests/test_op_db.py)
    "softmax": lambda x: x.softmax(1),
    "log_softmax": lambda x: x.log_softmax(-1),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(SOFTMAX))
def test_softmax_gradcheck(name, device):
    rng = np.random.default_rng(2)
    assert check_grad(SOFTMAX[name], [leaf(rng, (2, 3, 4), device=device)])


SHAPE_OPS = {
    "view": lambda x: x.view(4, 6),
    "reshape": lambda x: x.reshape(-1),
    "transpose": lambda x: x.transpose(0, 2),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(2, 0, 1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "flatten": lambda x: x.flatten(1),
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "index": lambda x: x[1, ::2, None, -1],
    "ellipsis": lambda x: x[..., 1:3],
    "index_tensor": lambda x: x[autocore.tensor([1, 0, 1], device=x.device)],
    "mask": lambda x: x[autocore.tensor([True, False], device=x.device)],
    "cat": lambda x: autocore.cat([x, x * 2], 1),
    "stack": lambda x: autocore.stack([x, x.exp()], -1),
    "contiguous": lambda x: x.transpose(0, 1).contiguous(),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops_gradcheck(name, device):
    rng = np.random.default_rng(3)
    assert check_grad(SHAPE_OPS[name], [leaf(rng, (2, 3, 4), device=device)], atol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "shapes",
    [
        ((3, 4), (4, 2)),
        ((4,), (4,)),
        ((3, 4), (4,)),
        ((4,), (4, 2)),
        ((2, 3, 4), (4, 2)),
        ((2, 3, 4), (2, 4, 5)),
        ((3, 4), (2, 4, 1)),
    ],
    ids=str,
)
def test_matmul_gradcheck(shapes, device):
    rng = np.random.default_rng(4)
    assert check_grad(autocore.matmul, [leaf(rng, shapes[0], device=device), leaf(rng, shapes[1], device=device)])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)])
def test_linear_gradcheck(x_shape, device):
    rng = np.random.default_rng(5)
    x, w, b = leaf(rng, x_shape, device=device), leaf(rng, (4, 5), device=device), leaf(rng, (4,), device=device)
    assert check_grad(autocore.linear, [x, w, b])
    assert check_grad(lambda x, w: autocore.linear(x, w), [x, w])


@pytest.mark.parametrize("device", DEVICES)
def test_casts_carry_the_gradient_back_in_the_input_dtype(device):
    x = autocore.tensor([1.5, -2.0], dtype=autocore.float64, requires_grad=True, device=device)
    y = (x.float() * autocore.tensor([2.0, 3.0], device=device)).sum()
    assert y.dtype == autocore.float32
    y.backward()
    assert x.grad.dtype == autocore.float64
    np.testing.assert_array_equal(host(x.grad), [2.0, 3.0])


@pytest.mark.parametrize("device", DEVICES)
def test_where_gradcheck(device):
    rng = np.random.default_rng(6)
    a, b = leaf(rng, (3, 4), device=device), leaf(rng, (4,), device=device)
    cond = autocore.tensor(rng.uniform(size=(3, 4)) > 0.5, device=device)
    assert check_grad(lambda a, b: autocore.where(cond, a, b), [a, b])


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_catches_a_wrong_gradient(device):
    """gradcheck itself must be able to fail: a deliberately wrong vjp is reported."""
    from autocore import _C
    from autocore.ops.graph import record

    def bad_square(x):
        return record("Bad", _C.mul(x._c, x._c), (x,), lambda g: (g * 3.0,))

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(bad_square, [leaf(np.random.default_rng(7), (3,), device=device)])


# ---- the three ways of computing gradients agree: the two-neuron linear network ----


@pytest.mark.parametrize("device", DEVICES)
def test_two_neuron_network_gradients_are_exact(device):
    """theta = W2 (W1 x + b1) + b2 - y: d theta / d(W1, b1, W2, b2) = (W2 x, W2, W1 x + b1, 1)."""
    x, y = 1.5, 0.25
    W1, b1, W2, b2 = (
        autocore.tensor(v, dtype=autocore.float64, requires_grad=True, device=device) for v in (0.7, -0.3, 1.9, 0.4)
    )
    theta = W2 * (W1 * x + b1) + b2 - y
    theta.backward()
    assert W1.grad.item() == W2.item() * x
    assert b1.grad.item() == W2.item()
    assert W2.grad.item() == W1.item() * x + b1.item()
    assert b2.grad.item() == 1.0


# ---- graph semantics ----


@pytest.mark.parametrize("device", DEVICES)
def test_gradients_accumulate_over_backwards(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(host(x.grad), [3 + 2, 3 + 4])


@pytest.mark.parametrize("device", DEVICES)
def test_second_backward_through_freed_graph_raises_and_retain_graph_keeps_it(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(
        host(x.grad), 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))), rtol=1e-6 if device == "cpu" else 1e-5
    )  # float32: a GPU's exp may round otherwise
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("device", DEVICES)
def test_non_scalar_backward_needs_a_gradient(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(autocore.tensor([1.0, -1.0], device=device))
    np.testing.assert_allclose(host(x.grad), [2.0, -2.0])


@pytest.mark.parametrize("device", DEVICES)
def test_backward_of_a_tensor_without_grad_raises(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        autocore.tensor([1.0], device=device).sum().backward()


@pytest.mark.parametrize("device", DEVICES)
def test_no_grad_detach_and_requires_grad_propagation(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    with autocore.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = x.detach() * 2
    assert not z.requires_grad
    w = x * 2
    assert w.requires_grad and not w.is_leaf and w.grad_fn is not None
    assert autocore.is_grad_enabled() is not False

    @autocore.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with autocore.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert autocore.is_grad_enabled()
    with autocore.inference_mode():
        assert not (x * 2).requires_grad


@pytest.mark.parametrize("device", DEVICES)
def test_hooks_and_retain_grad(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    seen = []
    y = x * 3
    y.retain_grad()
    handle = y.register_hook(lambda g: seen.append(host(g).copy()) or g * 2)
    x.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * 3 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(host(y.grad), 2 * 2 * 3 * np.array([1.0, 2.0]))  # after the hook doubled it
    np.testing.assert_allclose(host(x.grad), 3 * 2 * 2 * 3 * np.array([1.0, 2.0]) + 1)
    handle.remove()
    x.grad = None
    y2 = x * 3
    (y2 * y2).sum().backward()
    np.testing.assert_allclose(host(x.grad), 3 * 2 * 3 * np.array([1.0, 2.0]) + 1)


@pytest.mark.parametrize("device", DEVICES)
def test_a_chain_of_100000_ops_backpropagates_without_recursion(device):
    x = autocore.tensor(1.0, dtype=autocore.float64, requires_grad=True, device=device)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0000001**100_000, rtol=1e-9)


@pytest.mark.parametrize("device", DEVICES)
def test_diamond_graph_sums_both_paths(device):
    x = autocore.tensor([0.5, -1.5], dtype=autocore.float64, requires_grad=True, device=device)
    a = x.exp()
    y = (a * a + a.sin()).sum()
    y.backward()
    e = np.exp([0.5, -1.5])
    np.testing.assert_allclose(host(x.grad), (2 * e + np.cos(e)) * e)


@pytest.mark.parametrize("device", DEVICES)
def test_autograd_grad_returns_gradients_without_touching_grad(device):
    x = autocore.tensor([1.0, 2.0], dtype=autocore.float64, requires_grad=True, device=device)
    h = x * x
    y = (h * x).sum()
    gx, gh = autocore.autograd.grad(y, [x, h])
    np.testing.assert_allclose(host(gx), [3.0, 12.0])  # d(x^3)/dx, through both paths
    np.testing.assert_allclose(host(gh), [1.0, 2.0])  # dy/dh = x
    assert x.grad is None
    z = autocore.tensor([3.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        autocore.autograd.grad((x * 2).sum(), [z])
    assert autocore.autograd.grad((x * 2).sum(), [z], allow_unused=True) == (None,)


# ---- second derivatives ----


@pytest.mark.parametrize("device", DEVICES)
def test_second_derivative_of_x_cubed(device):
    x = autocore.tensor([0.5, -2.0, 3.0], dtype=autocore.float64, requires_grad=True, device=device)
    (g,) = autocore.autograd.grad((x**3).sum(), [x], create_graph=True)
    np.testing.assert_allclose(host(g), 3 * host(x) ** 2)
    (h,) = autocore.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(host(h), 6 * host(x))


@pytest.mark.parametrize("device", DEVICES)
def test_hessian_vector_product_of_an_mlp_loss_matches_finite_differences(device):
    rng = np.random.default_rng(8)
    xs = rng.normal(size=(6, 3))
    labels = rng.integers(0, 2, size=6)
    w1_0, w2_0, v = rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=(4, 3))

    def loss_np(w1):
        hidden = np.tanh(xs @ w1.T)
        logits = hidden @ w2_0.T
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        return -logp[np.arange(6), labels].mean()

    def grad_np(w1):
        return numeric_grad(loss_np, [w1], np.array(1.0))[0]

    w1 = autocore.tensor(w1_0, requires_grad=True, device=device)
    x, w2 = autocore.tensor(xs, device=device), autocore.tensor(w2_0, device=device)
    logp = autocore.linear(autocore.linear(x, w1).tanh(), w2).log_softmax(1)
    loss = -(logp * autocore.tensor(np.eye(2)[labels], device=device)).sum() / 6
    (g,) = autocore.autograd.grad(loss, [w1], create_graph=True)
    (hv,) = autocore.autograd.grad((g * autocore.tensor(v, device=device)).sum(), [w1])
    eps = 1e-4
    expected = (grad_np(w1_0 + eps * v) - grad_np(w1_0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(host(hv), expected, rtol=1e-4, atol=1e-5)


# ---- PyTorch parity ----


@pytest.mark.parametrize("device", DEVICES)
def test_small_program_matches_torch(device):
    torch = torch_or_skip()  # the reference runs on the CPU
    rng = np.random.default_rng(9)
    data = {k: rng.normal(size=s) for k, s in {"x": (5, 3), "w": (4, 3), "b": (4,), "v": (4, 2)}.items()}

    def program(lib, tensors):
        x, w, b, v = tensors
        h = lib.nn.functional.linear(x, w, b) if lib is torch else autocore.linear(x, w, b)
        h = h.relu() * 0.5 + h.sigmoid() - h.tanh() ** 2
        out = (h @ v).log_softmax(1)
        return out.sum() + h.amax(0).sum() + h.var(1).mean() + h.max(1).values.sum()

    theirs = [torch.tensor(data[k], requires_grad=True) for k in "xwbv"]
    ours = [autocore.tensor(data[k], requires_grad=True, device=device) for k in "xwbv"]
    t_loss, o_loss = program(torch, theirs), program(autocore, ours)
    t_loss.backward()
    o_loss.backward()
    np.testing.assert_allclose(o_loss.item(), t_loss.item(), rtol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(host(o.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- autograd.Function ----


class ScaledExp(autocore.autograd.Function):
    """exp(x) * scale with a hand-written backward; scale is a plain number."""

    @staticmethod
    def forward(ctx, x, scale):
        out = x.exp() * scale
        ctx.save_for_backward(out)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out, None


@pytest.mark.parametrize("device", DEVICES)
def test_function_gradient_matches_finite_differences(device):
    x = leaf(np.random.default_rng(10), (3, 2), device=device)
    assert check_grad(lambda x: ScaledExp.apply(x, 2.5), [x])
    y = ScaledExp.apply(x, 2.5)
    assert y.grad_fn is not None and "ScaledExp" in y.grad_fn.name()


@pytest.mark.parametrize("device", DEVICES)
def test_function_needs_input_grad_and_no_graph_without_grad(device):
    seen = {}

    class Probe(autocore.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    a = autocore.tensor([1.0], requires_grad=True, device=device)
    Probe.apply(a, autocore.tensor([2.0], device=device)).sum().backward()
    assert seen["needs"] == (True, False)
    assert Probe.apply(autocore.tensor([1.0], device=device), autocore.tensor([2.0], device=device)).grad_fn is None


@pytest.mark.parametrize("device", DEVICES)
def test_function_with_the_wrong_number_of_gradients_raises(device):
    class Wrong(autocore.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a = autocore.tensor([1.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients \\(expected 2, got 1\\)"):
        Wrong.apply(a, a).sum().backward()


@pytest.mark.parametrize("device", DEVICES)
def test_function_graph_is_freed_after_backward(device):
    x = autocore.tensor([0.5], requires_grad=True, device=device)
    y = ScaledExp.apply(x, 1.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


# ---- in-place ops and the version counter ----


@pytest.mark.parametrize("device", DEVICES)
def test_modifying_a_saved_tensor_in_place_makes_backward_raise(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.exp()
    z = (y * 2).sum()  # exp saved its output y
    y.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


@pytest.mark.parametrize("device", DEVICES)
def test_modifying_through_a_view_bumps_the_shared_version(device):
    base = autocore.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    w = autocore.tensor([0.5, 0.5], requires_grad=True, device=device)
    out = (base * w).sum()  # mul saved base
    base[0].add_(1.0)  # a view of base: same storage, so the same version counter
    assert base._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


@pytest.mark.parametrize("device", DEVICES)
def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad(device):
    w = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w.add_(1.0)
    with autocore.no_grad():
        w.mul_(2.0).sub_(autocore.tensor([0.5, 0.5], device=device), alpha=2)
    np.testing.assert_allclose(host(w), [1.0, 3.0])
    assert w.is_leaf and w.requires_grad


@pytest.mark.parametrize("device", DEVICES)
def test_in_place_ops_rebase_history_and_match_torch(device):
    torch = torch_or_skip()  # the reference runs on the CPU
    values = np.array([0.5, -1.0, 2.0])

    def program(lib, a):
        b = a * 2
        b.add_(1.0)
        b.clamp_(max=4.0)
        b.mul_(a)
        c = b.sigmoid() + 0.0  # sigmoid saved its own output; c is a fresh tensor
        c.sub_(a, alpha=0.5)
        return c.sum()

    ta = torch.tensor(values, requires_grad=True)
    oa = autocore.tensor(values, requires_grad=True, device=device)
    program(torch, ta).backward()
    program(autocore, oa).backward()
    np.testing.assert_allclose(host(oa.grad), ta.grad.numpy(), rtol=1e-12)
    for lib, a in ((torch, ta), (autocore, oa)):  # both refuse to overwrite sigmoid's saved output
        c = (a * 1.0).sigmoid()
        c.sub_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            c.sum().backward()


@pytest.mark.parametrize("device", DEVICES)
def test_fill_zero_copy_and_random_fills(device):
    x = autocore.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * 3
    y.zero_()
    assert y.grad_fn.name() == "ZeroBackward0"
    (y * 1 + x).sum().backward()
    np.testing.assert_allclose(host(x.grad), [1.0, 1.0])  # nothing flows through the zeroed value
    target = autocore.zeros(2, device=device)
    source = autocore.tensor([1.0, 3.0], requires_grad=True, device=device)
    target.copy_(source * 2)
    (target * target).sum().backward()
    np.testing.assert_allclose(host(source.grad), [8.0, 24.0])
    autocore.manual_seed(3)
    u = autocore.empty(1000, device=device).uniform_(-1, 1)
    assert -1 <= u.min().item() and u.max().item() < 1
    n = autocore.empty(1000, dtype=autocore.float64, device=device).normal_(2.0, 0.5)
    assert abs(n.mean().item() - 2.0) < 0.1 and abs(n.std().item() - 0.5) < 0.1
    assert autocore.ones(3, device=device).fill_(7).tolist() == [7.0, 7.0, 7.0]


# ---- viz ----


@pytest.mark.parametrize("device", DEVICES)
def test_to_dot_draws_one_node_per_op_and_labels_leaves(device):
    w = autocore.tensor([[1.0, 2.0]], requires_grad=True, device=device)
    b = autocore.tensor([0.5], requires_grad=True, device=device)
    x = autocore.tensor([[3.0, 4.0]], device=device)
    loss = autocore.linear(x, w, b).tanh().sum()
    dot = autocore.viz.to_dot(loss, params={"weight": w, "bias": b})
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for label in ("SumBackward0", "TanhBackward0", "AddmmBackward0", "weight (1, 2)", "bias (1)", "output ()"):
        assert label in dot
    assert dot.count("->") == 5  # w, b -> linear -> tanh -> sum -> output
    deep = autocore.tensor(1.0, requires_grad=True, device=device)
    y = deep
    for _ in range(5000):
        y = y + 1.0
    assert autocore.viz.to_dot(y).count("AddBackward0") == 5000


# ---- forward mode ----

JVP_FUNCTIONS = {
    "elementwise": lambda x, y: (x.exp() * y.sin() - x / (y * y + 1) + (x.abs() + 1) ** y).tanh().sigmoid(),
    "pointwise_nonsmooth": lambda x, y: autocore.maximum(x, y).relu() + autocore.leaky_relu(x - y, 0.2).clamp(-1, 1),
    "where_sqrt_log": lambda x, y: autocore.where(x > 0, (x * x + 1).sqrt(), (y * y + 1).log()) + x.cos(),
    "reductions": lambda x, y: x.sum(1) + y.mean(1) + x.var(1) * y.std(1) + x.amax(1) + y.max(1).values,
    "matmul_linear": lambda x, y: autocore.linear(x @ y.T, y.T, y[0]).sum(0) + x[1] @ (y.T @ y),
    "softmax": lambda x, y: x.softmax(1) * y.log_softmax(0) + (x * 2).log_softmax(-1),
    "shapes": lambda x, y: (
        (x.T.reshape(-1)[1:7].view(2, 3) * y.permute(1, 0)[:2, 0:3]).unsqueeze(0).squeeze(0)
        + autocore.cat([x[:, :1], y[:, 1:2]], 1).expand(3, 2).sum() * autocore.stack([x, y]).mean()
    ),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(JVP_FUNCTIONS))
def test_jvp_agrees_with_reverse_mode_and_finite_differences(name, device):
    f = JVP_FUNCTIONS[name]
    rng = np.random.default_rng(11)
    x0, y0 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    vx, vy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x, y = autocore.tensor(x0, device=device), autocore.tensor(y0, device=device)
    tangents = (autocore.tensor(vx, device=device), autocore.tensor(vy, device=device))
    out, tangent = autocore.func.jvp(f, (x, y), tangents)
    np.testing.assert_allclose(host(out), host(f(x, y)))
    # reverse mode: J v = d/dt <u, f(x + t v)> checked entry by entry through vjps with basis vectors u
    xr, yr = x.clone().requires_grad_(), y.clone().requires_grad_()
    result = f(xr, yr)
    flat = host(tangent).reshape(-1)
    for k in range(flat.size):
        u = np.zeros(flat.size)
        u[k] = 1.0
        gx, gy = autocore.autograd.grad(
            result, [xr, yr], autocore.tensor(u.reshape(result.shape), device=device), retain_graph=True
        )
        np.testing.assert_allclose(flat[k], (host(gx) * vx).sum() + (host(gy) * vy).sum(), rtol=1e-9, atol=1e-10)
    eps = 1e-6
    plus = host(f(autocore.tensor(x0 + eps * vx, device=device), autocore.tensor(y0 + eps * vy, device=device)))
    minus = host(f(autocore.tensor(x0 - eps * vx, device=device), autocore.tensor(y0 - eps * vy, device=device)))
    np.testing.assert_allclose(host(tangent), (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_dual_level_make_dual_unpack_dual(device):
    fwad = autocore.autograd.forward_ad
    x = autocore.tensor([1.0, 2.0], dtype=autocore.float64, device=device)
    with pytest.raises(RuntimeError, match="dual_level"):
        fwad.make_dual(x, x)
    with fwad.dual_level():
        dual = fwad.make_dual(x, autocore.tensor([1.0, 0.0], dtype=autocore.float64, device=device))
        y = dual * dual + 3.0
        primal, tangent = fwad.unpack_dual(y)
        np.testing.assert_allclose(host(primal), [4.0, 7.0])
        np.testing.assert_allclose(host(tangent), [2.0, 0.0])
        assert fwad.unpack_dual(x).tangent is None
        with pytest.raises(RuntimeError, match="different size"):
            fwad.make_dual(x, autocore.tensor([1.0], device=device))
    assert fwad.unpack_dual(y).tangent is None  # tangents end with their level


@pytest.mark.parametrize("device", DEVICES)
def test_second_derivatives_through_indexing_and_max(device):
    """The vjps of indexing, index_select and max(dim) are differentiable too: Hessian-vector products
    through them match finite differences of the gradient."""
    rng = np.random.default_rng(12)
    x0, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    index = autocore.tensor([2, 0, 2], device=device)

    def f(x):
        return (
            (x[1:, ::2] ** 3).sum()
            + (x[index] ** 2 * x[index]).sum()
            + (x.max(1).values ** 3).sum()
            + (x.exp()[0] * x[0]).sum()
        )

    def grad_at(values):
        x = autocore.tensor(values, requires_grad=True, device=device)
        (g,) = autocore.autograd.grad(f(x), [x])
        return host(g)

    x = autocore.tensor(x0, requires_grad=True, device=device)
    (g,) = autocore.autograd.grad(f(x), [x], create_graph=True)
    (hv,) = autocore.autograd.grad((g * autocore.tensor(v, device=device)).sum(), [x])
    eps = 1e-6
    np.testing.assert_allclose(
        host(hv), (grad_at(x0 + eps * v) - grad_at(x0 - eps * v)) / (2 * eps), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("device", DEVICES)
def test_the_graph_holds_only_what_backward_needs(device):
    """Nodes keep no input tensors: an intermediate result that no op saved is freed as soon as the user
    drops it; what ops did save is released by backward (without retain_graph), even while the loss lives."""
    import weakref

    x = autocore.tensor(np.ones(1000), requires_grad=True, device=device)
    hidden = x * 2  # multiplying by a number saves nothing
    probe = weakref.ref(hidden)
    loss = (hidden + 1).sum()
    del hidden
    assert probe() is None
    y = x.exp()  # exp saves its output
    node = y.grad_fn
    loss = (y * 3).sum() + loss
    del y
    assert node.saved is not None and node.vjp is not None
    loss.backward()
    assert node.saved is None and node.vjp is None
    np.testing.assert_allclose(host(x.grad), 2 + 3 * np.e)


@pytest.mark.parametrize("device", DEVICES)
def test_function_with_several_outputs(device):
    """A Function returning (sin x, x * y): backward gets both outputs' gradients at once, zeros for one
    that received none."""
    calls = []

    class SinAndProduct(autocore.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x.sin(), x * y

        @staticmethod
        def backward(ctx, grad_sin, grad_product):
            x, y = ctx.saved_tensors
            calls.append(1)
            return grad_sin * x.cos() + grad_product * y, grad_product * x

    rng = np.random.default_rng(13)
    x, y = leaf(rng, (3,), device=device), leaf(rng, (3,), device=device)
    assert check_grad(lambda x, y: SinAndProduct.apply(x, y), [x, y])
    s, p = SinAndProduct.apply(x, y)
    calls.clear()
    (s.sum() * 2 + p.sum()).backward()
    assert calls == [1]  # one backward call for both outputs
    np.testing.assert_allclose(host(x.grad), 2 * np.cos(host(x)) + host(y))
    x.grad = None
    SinAndProduct.apply(x, y)[0].sum().backward()  # only the first output used: the second's grad is zeros
    np.testing.assert_allclose(host(x.grad), np.cos(host(x)))


@pytest.mark.parametrize("device", DEVICES)
def test_in_place_ops_carry_forward_mode_tangents(device):
    fwad = autocore.autograd.forward_ad
    with fwad.dual_level():
        x = fwad.make_dual(
            autocore.tensor([1.0, 2.0], dtype=autocore.float64, device=device),
            autocore.tensor([1.0, 1.0], dtype=autocore.float64, device=device),
        )
        y = x * 1.0
        y.mul_(x)  # y = x^2: tangent 2x
        y.add_(3.0)
        np.testing.assert_allclose(host(fwad.unpack_dual(y).tangent), [2.0, 4.0])


@pytest.mark.parametrize("device", DEVICES)
def test_advanced_indexing_in_any_dim_matches_numpy_with_gradients(device):
    rng = np.random.default_rng(14)
    data = rng.normal(size=(4, 5, 3))
    rows, cols = autocore.tensor([0, 3, 3], device=device), autocore.tensor([1, 4, -1], device=device)
    cases = [
        lambda x: x[rows, cols],
        lambda x: x[:, cols],
        lambda x: x[rows[:, None], :2, autocore.tensor([0, 2], device=device)],
        lambda x: x[x.sum(2) > 0],
        lambda x: x[1, [0, -1]],
    ]
    numpy_cases = [
        lambda a: a[[0, 3, 3], [1, 4, -1]],
        lambda a: a[:, [1, 4, -1]],
        lambda a: a[np.array([0, 3, 3])[:, None], :2, np.array([0, 2])],
        lambda a: a[a.sum(2) > 0],
        lambda a: a[1, [0, -1]],
    ]
    for ours, theirs in zip(cases, numpy_cases):
        np.testing.assert_allclose(host(ours(autocore.tensor(data, device=device))), theirs(data))
        assert check_grad(ours, [leaf(rng, (4, 5, 3), device=device)])
    logp = autocore.tensor(rng.normal(size=(6, 3)), requires_grad=True, device=device)
    target = autocore.tensor([0, 2, 1, 1, 0, 2], device=device)
    (-logp[autocore.arange(6, device=device), target].mean()).backward()  # the manual NLL idiom
    expected = np.zeros((6, 3))
    expected[np.arange(6), host(target)] = -1 / 6
    np.testing.assert_allclose(host(logp.grad), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_exp_sigmoid_tanh_softmax_save_only_their_output(device):
    """As in PyTorch, these ops keep their result, not their input: the pre-activation of a layer can be
    freed while the graph lives."""
    x = autocore.tensor(np.ones((2, 3)), requires_grad=True, device=device)
    for op in (autocore.exp, autocore.sigmoid, autocore.tanh, lambda v: v.softmax(1), lambda v: v.log_softmax(1)):
        pre = x * 2.0
        out = op(pre)
        assert len(out.grad_fn.saved) == 1 and out.grad_fn.saved[0][0].shares_storage_with(out._c)
        assert not out.grad_fn.saved[0][0].shares_storage_with(pre._c)


def test_grad_fn_names_match_torch():
    torch = torch_or_skip()
    programs = {
        "mul-sum": lambda lib, x: (x * 2).sum(),
        "tanh": lambda lib, x: x.tanh(),
        "exp-mean": lambda lib, x: x.exp().mean(),
        "matmul": lambda lib, x: x @ x.t(),
        "log_softmax": lambda lib, x: lib.log_softmax(x, 1),
        "stack": lambda lib, x: lib.stack([x, x * 2], 1),
    }
    for name, program in programs.items():
        ours = program(autocore, autocore.ones(2, 3, requires_grad=True)).grad_fn
        theirs = program(torch, torch.ones(2, 3, requires_grad=True)).grad_fn
        assert ours.name() == theirs.name(), name
        assert repr(ours).startswith(f"<{theirs.name()}")


@pytest.mark.parametrize("create_graph", [False, True])
def test_maximum_and_minimum_share_gradients_as_pytorchs_masks(create_graph):
    """Half to each on ties, none to the loser, and all of it to both where either is NaN (PyTorch masks the loser
    with `<` or `>`, which NaN never satisfies); the fused kernel and the recorded formula agree."""
    nan = float("nan")
    a = autocore.tensor([1.0, nan, 2.0, 3.0], requires_grad=True)
    b = autocore.tensor([1.0, 0.0, nan, 1.0], requires_grad=True)
    for op, expected_a, expected_b in (
        (autocore.maximum, [0.5, 1.0, 1.0, 1.0], [0.5, 1.0, 1.0, 0.0]),
        (autocore.minimum, [0.5, 1.0, 1.0, 0.0], [0.5, 1.0, 1.0, 1.0]),
    ):
        ga, gb = autocore.autograd.grad(op(a, b).sum(), [a, b], create_graph=create_graph)
        assert ga.tolist() == expected_a and gb.tolist() == expected_b


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_gradient_tangent_and_name(dim):
    rng = np.random.default_rng(31)
    a0, b0, g0 = (
        rng.normal(size=(2, 3)),
        rng.normal(size=(2, 3)),
        rng.normal(size=np.stack([np.zeros((2, 3))] * 2, dim).shape),
    )
    a, b = autocore.tensor(a0, requires_grad=True), autocore.tensor(b0, requires_grad=True)
    out = autocore.stack([a, b * 3], dim)
    assert out.grad_fn.name() == "StackBackward0"
    np.testing.assert_array_equal(out.detach().numpy(), np.stack([a0, b0 * 3], dim))
    out.backward(autocore.tensor(g0))
    np.testing.assert_array_equal(a.grad.numpy(), np.take(g0, 0, axis=dim))
    np.testing.assert_array_equal(b.grad.numpy(), 3 * np.take(g0, 1, axis=dim))
    with autocore.autograd.forward_ad.dual_level():
        dual = autocore.autograd.forward_ad.make_dual(autocore.tensor(a0), autocore.tensor(b0))
        tangent = autocore.autograd.forward_ad.unpack_dual(autocore.stack([dual, autocore.tensor(b0)], dim)).tangent
    np.testing.assert_array_equal(tangent.numpy(), np.stack([b0, np.zeros_like(b0)], dim))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_values_gradient_and_tangent(dim):
    """Repeated indices take the same element twice, so its gradient is the sum of both shares."""
    rng = np.random.default_rng(33)
    x0 = rng.normal(size=(3, 4))
    index0 = rng.integers(0, x0.shape[dim], size=(3, 4) if dim == 0 else (3, 5))
    index0[0, 0] = index0[0, 1] = 0
    index = autocore.tensor(index0)
    x = autocore.tensor(x0, requires_grad=True)
    out = autocore.gather(x, dim, index)
    np.testing.assert_array_equal(out.detach().numpy(), np.take_along_axis(x0, index0, dim))
    assert out.grad_fn.name() == "GatherBackward0" and x.gather(dim, index).shape == out.shape
    g0 = rng.normal(size=index0.shape)
    (grad,) = autocore.autograd.grad(out, [x], autocore.tensor(g0), create_graph=True)
    (expected,) = numeric_grad(lambda a: np.take_along_axis(a, index0, dim), [x0.copy()], g0)
    np.testing.assert_allclose(grad.detach().numpy(), expected, rtol=1e-6, atol=1e-8)
    v0 = rng.normal(size=x0.shape)  # the gradient is linear in g: its own gradient with respect to g is a gather
    g = autocore.tensor(g0, requires_grad=True)
    (grad,) = autocore.autograd.grad(autocore.gather(x, dim, index), [x], g, create_graph=True)
    (back,) = autocore.autograd.grad((grad * autocore.tensor(v0)).sum(), [g])
    np.testing.assert_allclose(back.numpy(), np.take_along_axis(v0, index0, dim))
    with autocore.autograd.forward_ad.dual_level():
        dual = autocore.autograd.forward_ad.make_dual(autocore.tensor(x0), autocore.tensor(v0))
        tangent = autocore.autograd.forward_ad.unpack_dual(autocore.gather(dual, dim, index)).tangent
    np.testing.assert_array_equal(tangent.numpy(), np.take_along_axis(v0, index0, dim))


def test_gather_refuses_bad_indices_with_pytorchs_exception_types():
    x = autocore.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 1 with size 3"):
        autocore.gather(x, 1, autocore.tensor([[0, 1], [2, 3]]))
    with pytest.raises(RuntimeError, match="Expected dtype int"):
        autocore.gather(x, 1, autocore.tensor([[0.0, 1.0]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        autocore.gather(x, 1, autocore.tensor([0, 1]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        autocore.gather(x, 2, autocore.tensor([[0]]))


def test_gather_matches_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(34)
    x0, index0, g0 = rng.normal(size=(4, 5)), rng.integers(0, 4, size=(6, 3)), rng.normal(size=(6, 3))
    grads = []
    for lib in (autocore, torch):
        x = lib.tensor(x0, requires_grad=True)
        out = lib.gather(x, 0, lib.tensor(index0))
        out.backward(lib.tensor(g0))
        grads.append((out.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13)


def test_arithmetic_fast_path_sets_every_slot():
    """The arithmetic operators and record() build their Node and output Tensor slot by slot (ops/elementwise.py,
    _arithmetic; ops/graph.py, record), not through the constructors: every slot must still be set, to the
    constructors' defaults."""
    a, b = autocore.ones(2, requires_grad=True), autocore.ones(2, requires_grad=True)
    built = Node("AddBackward0", (a, b), None)
    for out in (a + b, a * 2, 3 - b, a / b, a.exp(), a[autocore.tensor([1, 0])], autocore.stack([a, b])):
        for slot in Node.__slots__[:-1]:  # all but __weakref__
            getattr(out.grad_fn, slot)  # AttributeError when unset
        assert (out.grad_fn.hooks, out.grad_fn.retained) == (built.hooks, built.retained)
        for slot in Tensor.__slots__[:-1]:
            if slot != "_base":  # set on views only
                getattr(out, slot)
        assert out.requires_grad and out.grad is None and out._hooks is None and out._tangent is None
    assert (a + b).grad_fn.edges == (a, b) and (a * 2).grad_fn.edges == (a, None)
