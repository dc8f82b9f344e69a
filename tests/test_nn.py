"""autocore.nn: Module bookkeeping, layers, losses, functional and init, against PyTorch where installed
(same weights, same inputs) and against numpy references otherwise."""

import math

import numpy as np
import pytest

import autocore
from autocore import nn
from autocore.nn import functional as F

from conftest import DEVICES, numeric_grad, torch_or_skip


def host(t):
    """A tensor's values as a numpy array, from whichever device holds them."""
    return t.detach().cpu().numpy()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.blocks = nn.ModuleList([nn.Linear(8, 8), nn.Tanh()])
        self.head = nn.Sequential(nn.Linear(8, 3), nn.LogSoftmax(dim=1))
        self.register_buffer("steps", autocore.zeros(1))
        self.scale = 2.0  # a plain attribute, not registered

    def forward(self, x):
        h = self.act(self.fc1(x))
        for block in self.blocks:
            h = block(h)
        return self.head(h)


def test_module_registers_parameters_buffers_and_submodules_with_pytorch_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "blocks.0.weight", "blocks.0.bias", "head.0.weight", "head.0.bias"]
    assert list(net.state_dict()) == ["steps"] + names  # a module's own entries first, then its children's
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "blocks", "head"]
    assert len(list(net.modules())) == 9
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert net.scale == 2.0 and "scale" not in net.state_dict()
    with pytest.raises(TypeError, match="cannot assign"):
        net.fc1 = 3
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        net.missing


def test_state_dict_round_trip_and_strict_errors():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = autocore.randn(5, 4)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    state = a.state_dict()
    del state["fc1.bias"]
    state["extra"] = autocore.zeros(1)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "fc1.bias".*|Unexpected key'):
        b.load_state_dict(state)
    result = b.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    bad = a.state_dict()
    bad["fc1.weight"] = autocore.zeros(3, 3)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        b.load_state_dict(bad)


def test_train_eval_zero_grad_apply_to_and_requires_grad():
    net = Net()
    assert net.training and net.head[1].training
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    net(autocore.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 3
    net.double()
    assert all(p.dtype == autocore.float64 for p in net.parameters())
    assert net(autocore.randn(2, 4, dtype=autocore.float64)).dtype == autocore.float64
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_linear_default_initialisation_follows_pytorch():
    autocore.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)  # U(-bound, bound)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert nn.Linear(3, 2, bias=False).bias is None


@pytest.mark.parametrize("device", DEVICES)
def test_layers_and_model_match_torch(device):
    torch = torch_or_skip()  # the reference runs on the CPU
    ours = nn.Sequential(
        nn.Linear(4, 6),
        nn.LeakyReLU(0.1),
        nn.Linear(6, 5),
        nn.Sigmoid(),
        nn.Linear(5, 3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Softmax(dim=1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(6, 5),
        torch.nn.Sigmoid(),
        torch.nn.Linear(5, 3),
        torch.nn.Tanh(),
        torch.nn.Flatten(),
        torch.nn.Softmax(dim=1),
    )
    ours.load_state_dict({k: autocore.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    ours.to(device)
    x = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    o_out, t_out = ours(autocore.tensor(x, device=device)), theirs(torch.tensor(x))
    np.testing.assert_allclose(host(o_out), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    (o_out * autocore.arange(3, device=device)).sum().backward()
    (t_out * torch.arange(3)).sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def loss_cases():
    rng = np.random.default_rng(1)
    logits, targets = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    targets[2] = 1
    weight = rng.uniform(0.5, 2, 4)
    probs = rng.uniform(0.05, 0.95, size=(6, 4))
    labels = (rng.uniform(size=(6, 4)) > 0.5).astype(float)
    return [
        ("MSELoss", {}, rng.normal(size=(3, 5)), rng.normal(size=(3, 5))),
        ("L1Loss", {}, rng.normal(size=(3, 5)), rng.normal(size=(3, 5))),
        ("NLLLoss", {"weight": weight, "ignore_index": 1}, logits, targets),
        ("CrossEntropyLoss", {"weight": weight, "label_smoothing": 0.1}, logits, targets),
        ("CrossEntropyLoss", {"ignore_index": 1}, logits, targets),
        ("BCELoss", {"weight": rng.uniform(size=(6, 4))}, probs, labels),
        ("BCEWithLogitsLoss", {"pos_weight": rng.uniform(0.5, 2, size=4)}, logits, labels),
        ("CrossEntropyLoss", {"weight": weight, "label_smoothing": 0.1}, logits, probs / probs.sum(1, keepdims=True)),
    ]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", range(len(loss_cases())))
def test_loss_modules_match_torch_values_and_gradients(case, reduction, device):
    torch = torch_or_skip()  # the reference runs on the CPU
    name, options, x, y = loss_cases()[case]
    ours = getattr(nn, name)(reduction=reduction, **{k: autocore.tensor(v, device=device) for k, v in options.items()})
    theirs = getattr(torch.nn, name)(reduction=reduction, **{k: torch.tensor(v) for k, v in options.items()})
    ox, tx = autocore.tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    o_loss, t_loss = ours(ox, autocore.tensor(y, device=device)), theirs(tx, torch.tensor(y))
    np.testing.assert_allclose(host(o_loss), t_loss.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(2).normal(size=t_loss.shape)
    o_loss.backward(autocore.tensor(g, device=device))
    t_loss.backward(torch.tensor(g))
    np.testing.assert_allclose(host(ox.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    logits, targets = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    x = autocore.tensor(logits, requires_grad=True)
    F.cross_entropy(x, autocore.tensor(targets)).backward()

    def reference(z):
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return -logp[np.arange(5), targets].mean()

    np.testing.assert_allclose(x.grad.numpy(), numeric_grad(reference, [logits], np.array(1.0))[0], rtol=1e-6)


def test_mse_loss_target_gradient_and_bad_reduction():
    x = autocore.tensor([1.0, 2.0], requires_grad=True)
    y = autocore.tensor([0.5, 4.0], requires_grad=True)
    F.mse_loss(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -2.0])
    np.testing.assert_allclose(y.grad.numpy(), [-0.5, 2.0])
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(x, y, reduction="avg")


@pytest.mark.parametrize("device", DEVICES)
def test_dropout_scales_in_training_and_is_identity_in_eval(device):
    autocore.manual_seed(4)
    layer = nn.Dropout(0.25)
    x = autocore.ones(10000, requires_grad=True, device=device)
    y = layer(x)
    kept = host(y) != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(host(y)[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), kept / 0.75)
    layer.eval()
    assert layer(x) is x
    assert (host(nn.Dropout(1.0)(x)) == 0).all()
    autocore.manual_seed(4)  # the same seed draws the same mask on every device
    np.testing.assert_array_equal(host(nn.Dropout(0.25)(autocore.ones(10000))) != 0, kept)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and isinstance(seq[1:], nn.Sequential)
    assert len(seq[1:]) == 2
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(IndexError):
        seq[4]
    mlist = nn.ModuleList([nn.Linear(1, 1)]).extend([nn.Tanh()])
    assert len(mlist) == 2 and len(list(mlist.parameters())) == 2
    mdict = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.ReLU()})
    assert "a" in mdict and list(mdict.keys()) == ["a", "b"] and len(list(mdict.parameters())) == 2


def test_init_functions_and_gains_match_pytorch_rules():
    autocore.manual_seed(5)
    w = autocore.empty(200, 300)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 500)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(2 / 300), rtol=0.03)
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.zeros_(w)
    assert (w.numpy() == 0).all()
    assert nn.init.calculate_gain("tanh") == 5 / 3 and nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="Fan in and fan out"):
        nn.init.xavier_uniform_(autocore.empty(3))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch_and_gradcheck(approximate):
    rng = np.random.default_rng(6)
    x = autocore.tensor(rng.normal(size=(4, 5)) * 2, requires_grad=True)
    assert autocore.autograd.gradcheck(lambda v: F.gelu(v, approximate), [x])
    torch = torch_or_skip()
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    np.testing.assert_allclose(
        nn.GELU(approximate)(x).detach().numpy(), torch.nn.GELU(approximate)(t).detach().numpy(), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 4)])
def test_batchnorm1d_matches_torch_in_training_and_eval(shape, device):
    torch = torch_or_skip()  # the reference runs on the CPU
    rng = np.random.default_rng(7)
    ours, theirs = nn.BatchNorm1d(3, momentum=0.2).double(), torch.nn.BatchNorm1d(3, momentum=0.2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
        theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    ours.load_state_dict({k: autocore.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    ours.to(device)
    for step in range(3):
        x = rng.normal(size=shape) * 3 + 1
        ox, tx = autocore.tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
        o, t = ours(ox), theirs(tx)
        np.testing.assert_allclose(host(o), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        (o * autocore.tensor(x, device=device)).sum().backward()
        (t * torch.tensor(x)).sum().backward()
        np.testing.assert_allclose(host(ox.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(host(getattr(ours, key)), getattr(theirs, key).numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(
        host(ours(autocore.tensor(x, device=device))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(autocore.randn(1, 3))


def test_zero_grad_without_set_to_none_zeroes_in_place():
    layer = nn.Linear(2, 2)
    layer(autocore.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in layer.parameters())
    opt = autocore.optim.SGD(layer.parameters(), lr=0.1)
    layer(autocore.ones(1, 2)).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in layer.parameters())


@pytest.mark.parametrize("case", range(len(loss_cases())))
def test_second_derivatives_through_losses_match_torch(case):
    """Hessian-vector products through each loss: under create_graph the fused kernels' vjps are replaced by
    differentiable recomputations."""
    torch = torch_or_skip()
    name, options, x, y = loss_cases()[case]
    v = np.random.default_rng(8).normal(size=x.shape)
    results = []
    for lib, mod in ((autocore, nn), (torch, torch.nn)):
        loss_fn = getattr(mod, name)(**{k: lib.tensor(val) for k, val in options.items()})
        inp = lib.tensor(x, requires_grad=True)
        # a nonlinear function of the input first, so that the loss's own curvature is exercised
        (g,) = lib.autograd.grad(
            loss_fn(inp.sigmoid() * 0.9 + 0.05 if "BCELoss" == name else inp * inp * 0.5, lib.tensor(y)),
            [inp],
            create_graph=True,
        )
        (hv,) = lib.autograd.grad((g * lib.tensor(v)).sum(), [inp])
        results.append(hv.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_second_derivatives_through_label_smoothing_match_finite_differences(reduction):
    """Class targets with label smoothing, weights and an ignored class: the Hessian-vector product through the
    composite recomputation against central differences of the fused gradient."""
    rng = np.random.default_rng(9)
    x0, v = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    target, weight = autocore.tensor([0, 3, 1, 3, 2]), autocore.tensor(rng.uniform(0.5, 2, 4))

    def loss(x):
        out = F.cross_entropy(x * x, target, weight=weight, ignore_index=1, label_smoothing=0.2, reduction=reduction)
        return out.sum()

    def grad_at(values):
        x = autocore.tensor(values, requires_grad=True)
        return autocore.autograd.grad(loss(x), [x])[0].numpy()

    x = autocore.tensor(x0, requires_grad=True)
    (g,) = autocore.autograd.grad(loss(x), [x], create_graph=True)
    (hv,) = autocore.autograd.grad((g * autocore.tensor(v)).sum(), [x])
    eps = 1e-6
    np.testing.assert_allclose(
        hv.numpy(), (grad_at(x0 + eps * v) - grad_at(x0 - eps * v)) / (2 * eps), rtol=1e-6, atol=1e-8
    )


def test_batch_norm_on_empty_input():
    F = autocore.nn.functional
    empty = autocore.zeros(0)  # no channels: PyTorch's kernel still reads the weight's (or bias's) channel 0
    with pytest.raises(IndexError, match="index 0 out of range for tensor of size \\[0\\]"):
        F.batch_norm(autocore.zeros(2, 0), empty, empty, None, empty)
    assert F.batch_norm(autocore.zeros(2, 0), empty, empty).shape == (2, 0)
    assert F.batch_norm(autocore.zeros(0, 3), None, None, training=True).shape == (0, 3)  # (batch 0: not 1)
    with pytest.raises(ValueError, match="more than 1 value per channel"):  # checked before the channels
        F.batch_norm(autocore.zeros(1, 0), None, None, empty, training=True)


def test_module_to_keeps_parameter_identity_and_converts_grads():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    weight = model[0].weight
    optimizer = autocore.optim.SGD(model.parameters(), lr=0.1)
    model(autocore.randn(5, 3)).sum().backward()
    assert model.to(autocore.float64) is model
    assert model[0].weight is weight  # the optimizer made before the move still holds the parameters
    assert weight.dtype == autocore.float64 and weight.grad.dtype == autocore.float64
    assert model[1].running_mean.dtype == autocore.float64
    assert model.to("cpu", autocore.float64) is model and model.cpu() is model
    optimizer.step()  # runs on the converted parameters and gradients
    with pytest.raises(TypeError, match="floating point"):
        model.to(autocore.int64)
    with pytest.raises(RuntimeError):
        model.to("tpu")


def test_data_reads_and_replaces_values_outside_autograd():
    p = nn.Parameter(autocore.ones(2))
    assert p.data.grad_fn is None and not p.data.requires_grad
    p.data = autocore.tensor([3.0, 4.0])
    assert p.requires_grad and p.tolist() == [3.0, 4.0]
    with pytest.raises(TypeError):
        p.data = [1.0, 2.0]


def test_activations_refuse_integer_input_and_logical_not_takes_any_dtype_like_pytorch():
    for fn, kernel in ((F.gelu, "GeluKernelImpl"), (F.leaky_relu, "leaky_relu_cpu")):
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Long'"):
            fn(autocore.tensor([1, -2]))
    assert autocore.tensor([0.0, 2.0]).logical_not().tolist() == [True, False]
    assert autocore.tensor([0, 3]).logical_not().tolist() == [True, False]


def test_batch_norm_of_an_empty_batch_is_empty_and_leaves_running_stats():
    mean, var = autocore.zeros(3), autocore.ones(3)
    assert F.batch_norm(autocore.zeros(0, 3), mean, var, training=True).shape == (0, 3)
    assert mean.tolist() == [0.0] * 3 and var.tolist() == [1.0] * 3
    assert F.batch_norm(autocore.zeros(2, 0), autocore.zeros(0), autocore.ones(0), training=True).shape == (2, 0)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(autocore.zeros(1, 3), mean, var, training=True)


# ---- one_hot -------------------------------------------------------------------------------------------------------


def test_one_hot_against_numpy():
    labels = np.random.default_rng(14).integers(0, 5, (3, 4))
    for classes in (-1, 5, 7):
        width = labels.max() + 1 if classes == -1 else classes
        got = F.one_hot(autocore.tensor(labels), classes)
        assert got.dtype is autocore.int64 and got.shape == (3, 4, width)
        np.testing.assert_array_equal(got.numpy(), np.eye(width, dtype=np.int64)[labels])
    assert F.one_hot(autocore.tensor(2), 3).tolist() == [0, 0, 1]
    assert F.one_hot(autocore.zeros(0, dtype=autocore.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda m: m.nn.functional.one_hot(m.tensor([0.0, 1.0])), "only applicable to index tensor of type LongTensor"),
        (lambda m: m.nn.functional.one_hot(m.tensor([-1, 1])), "Class values must be non-negative."),
        (lambda m: m.nn.functional.one_hot(m.tensor([3, 1]), 3), "Class values must be smaller than num_classes."),
        (lambda m: m.nn.functional.one_hot(m.zeros(0, dtype=m.int64)), "Can not infer total number of classes"),
    ],
)
def test_one_hot_refuses_as_pytorch_does(make, message):
    libraries = [autocore]
    try:
        import torch

        libraries.append(torch)
    except ImportError:
        pass
    for lib in libraries:
        with pytest.raises(RuntimeError, match=message):
            make(lib)
