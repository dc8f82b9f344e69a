"""autocore.optim: every optimizer's 100-step trajectory against PyTorch (float64), numpy transcriptions of
the update rules, parameter groups, closures, state_dict resume, validation, and the lr schedulers."""

import itertools
import math

import numpy as np
import pytest

import autocore

from conftest import DEVICES, torch_or_skip

rng = np.random.default_rng(0)
X, Y, W0, B0 = rng.normal(size=(16, 5)), rng.integers(0, 3, 16), rng.normal(size=(5, 3)), rng.normal(size=3)

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, maximize=False)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
]


def train(lib, name, options, steps, groups=False, closure=False, device="cpu"):
    w, b = lib.tensor(W0, requires_grad=True, device=device), lib.tensor(B0, requires_grad=True, device=device)
    x, y = lib.tensor(X, device=device), lib.tensor(Y, device=device)
    params = [{"params": [w]}, {"params": [b], "lr": options.get("lr", 1.0) / 2}] if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **options)

    def loss_fn():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(x @ w + b, y)
        loss.backward()
        return loss

    for _ in range(steps):
        if closure:
            opt.step(loss_fn)
        else:
            loss_fn()
            opt.step()
    return w.detach().cpu().numpy(), b.detach().cpu().numpy(), opt


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name,options", CONFIGS, ids=lambda v: str(v))
def test_trajectory_matches_torch_over_100_steps(name, options, device):
    torch = torch_or_skip()  # the reference runs on the CPU
    for groups in (False, True):
        ours = train(autocore, name, options, 100, groups, device=device)
        theirs = train(torch, name, options, 100, groups)
        for a, t in zip(ours[:2], theirs[:2]):
            np.testing.assert_allclose(a, t, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("device", DEVICES)
def test_sgd_momentum_and_adam_match_numpy_transcriptions(device):
    """The documented rules, written out in numpy, on a fixed sequence of gradients."""
    source = np.random.default_rng(1)
    grads = [source.normal(size=4) for _ in range(6)]
    p_sgd = autocore.tensor(np.ones(4), requires_grad=True, device=device)
    p_adam = autocore.tensor(np.ones(4), requires_grad=True, device=device)
    sgd = autocore.optim.SGD([p_sgd], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)
    adam = autocore.optim.Adam([p_adam], lr=0.01, betas=(0.8, 0.9), eps=1e-6)
    x_sgd, x_adam, buf, m, v = np.ones(4), np.ones(4), None, np.zeros(4), np.zeros(4)
    for t, g in enumerate(grads, 1):
        for p, opt in ((p_sgd, sgd), (p_adam, adam)):
            p.grad = autocore.tensor(g, device=device)
            opt.step()
        d = g + 0.01 * x_sgd
        buf = d.copy() if buf is None else 0.9 * buf + 0.9 * d
        x_sgd = x_sgd - 0.1 * buf
        m, v = 0.8 * m + 0.2 * g, 0.9 * v + 0.1 * g * g
        x_adam = x_adam - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-6)
    np.testing.assert_allclose(p_sgd.detach().cpu().numpy(), x_sgd, rtol=1e-12)
    np.testing.assert_allclose(p_adam.detach().cpu().numpy(), x_adam, rtol=1e-10)


def test_closure_is_called_and_its_loss_returned():
    w = autocore.tensor([1.0], requires_grad=True)
    opt = autocore.optim.SGD([w], lr=0.5)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert calls == [1] and loss.item() == 1.0 and w.item() == 0.0


@pytest.mark.parametrize(
    "name,options", [c for c in CONFIGS if c[0] in ("SGD", "Adam", "Adagrad", "RMSprop")][1:5], ids=str
)
def test_state_dict_resumes_exactly(name, options):
    straight = train(autocore, name, options, 20)
    w, b, opt = train(autocore, name, options, 10)
    saved = opt.state_dict()
    w2, b2 = autocore.tensor(w, requires_grad=True), autocore.tensor(b, requires_grad=True)
    fresh = getattr(autocore.optim, name)([w2, b2], **options)
    fresh.load_state_dict(saved)
    for _ in range(10):
        fresh.zero_grad()
        autocore.nn.functional.cross_entropy(autocore.tensor(X) @ w2 + b2, autocore.tensor(Y)).backward()
        fresh.step()
    np.testing.assert_array_equal(w2.detach().numpy(), straight[0])
    np.testing.assert_array_equal(b2.detach().numpy(), straight[1])


def test_param_groups_defaults_and_validation():
    w, b = autocore.zeros(2, requires_grad=True), autocore.zeros(1, requires_grad=True)
    opt = autocore.optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        autocore.optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        autocore.optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        autocore.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        autocore.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        autocore.optim.SGD([w * 2], lr=0.1)
    w.grad = autocore.ones(2)
    opt.zero_grad()
    assert w.grad is None


def lr_sequence(lib, make, epochs=25):
    w = lib.zeros(1, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scheduler = make(lib, opt)
    lrs = []
    for epoch in range(epochs):
        opt.step()
        if isinstance(scheduler, lib.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step([3.0, 2.0, 2.5, 2.5, 2.5, 2.5, 1.0][epoch % 7])
        else:
            scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


SCHEDULERS = {
    "step": lambda L, o: L.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 11], gamma=0.3),
    "exponential": lambda L, o: L.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "cosine": lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "lambda": lambda L, o: L.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e)),
    "plateau": lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_schedulers_match_torch(name):
    torch = torch_or_skip()
    np.testing.assert_allclose(
        lr_sequence(autocore, SCHEDULERS[name]), lr_sequence(torch, SCHEDULERS[name]), rtol=1e-12
    )


def test_schedulers_closed_forms():
    assert lr_sequence(autocore, SCHEDULERS["step"], 7) == pytest.approx(
        [0.1 * 0.5 ** ((e + 1) // 3) for e in range(7)]
    )
    cosine = lr_sequence(autocore, SCHEDULERS["cosine"], 7)
    assert cosine == pytest.approx([0.01 + 0.09 * (1 + math.cos(math.pi * (e + 1) / 7)) / 2 for e in range(7)])


REFERENCE_CONFIGS = {
    "sgd": lambda lib, ps, **k: lib.optim.SGD(ps, lr=0.1, **k),
    "sgd momentum nesterov decay": lambda lib, ps, **k: lib.optim.SGD(
        ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, **k
    ),
    "sgd dampening maximize": lambda lib, ps, **k: lib.optim.SGD(
        ps, lr=0.1, momentum=0.8, dampening=0.3, maximize=True, **k
    ),
    "adam amsgrad decay": lambda lib, ps, **k: lib.optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True, **k),
    "adamw maximize": lambda lib, ps, **k: lib.optim.AdamW(ps, lr=0.01, maximize=True, **k),
}


def _reference_grid(name, **choices):
    """Adds every combination of `choices` (option: values) for optimizer `name` to REFERENCE_CONFIGS."""
    for values in itertools.product(*choices.values()):
        options = dict(zip(choices, values))
        key = name.lower() + " " + " ".join(f"{k}={v}" for k, v in options.items())
        REFERENCE_CONFIGS[key] = lambda lib, ps, options=options, **k: getattr(lib.optim, name)(ps, **options, **k)


_reference_grid(
    "Adagrad",
    lr=[0.1],
    lr_decay=[0, 0.05],
    weight_decay=[0, 0.1],
    initial_accumulator_value=[0, 0.3],
    eps=[1e-10, 1e-3],
    maximize=[False, True],
)
_reference_grid(
    "Adadelta", lr=[1.0, 0.5], rho=[0.9, 0.4], eps=[1e-6, 1e-3], weight_decay=[0, 0.1], maximize=[False, True]
)
_reference_grid(
    "RMSprop",
    lr=[0.01],
    alpha=[0.99, 0.3],  # (0.3: centered's running mean takes lerp's other formula, weight >= 0.5)
    eps=[1e-8],
    weight_decay=[0, 0.1],
    momentum=[0, 0.5],
    centered=[False, True],
    maximize=[False, True],
)


def _steps(lib, config, dtype, steps=6, **options):
    """Params after `steps` updates with the same random gradients (one param skips a step, as a frozen one does)."""
    rng = np.random.default_rng(40)
    params = [lib.nn.Parameter(lib.tensor(rng.normal(size=s).astype(dtype))) for s in [(3, 4), (5,)]]
    optimizer = REFERENCE_CONFIGS[config](lib, params, **options)
    for step in range(steps):
        for i, p in enumerate(params):
            grad = lib.tensor(rng.normal(size=tuple(p.shape)).astype(dtype))
            p.grad = None if (i == 1 and step == 2) else grad
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", sorted(REFERENCE_CONFIGS))
def test_fused_updates_match_the_plain_reference(config, dtype):
    """fused=False runs PyTorch's single-tensor rule in tensor ops: the oracle for the fused kernels."""
    fused = _steps(autocore, config, dtype)
    reference = _steps(autocore, config, dtype, fused=False)
    for a, b in zip(fused, reference):
        np.testing.assert_allclose(
            a, b, rtol=2e-6 if dtype == np.float32 else 1e-13, atol=1e-7 if dtype == np.float32 else 1e-15
        )


@pytest.mark.parametrize("config", sorted(REFERENCE_CONFIGS))
def test_plain_reference_matches_pytorch(config):
    torch = torch_or_skip()
    ours = _steps(autocore, config, np.float64, fused=False)
    theirs = _steps(torch, config, np.float64, foreach=False)  # PyTorch's single-tensor path
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop"])
def test_param_groups_carry_the_implementation_flags(name):
    """foreach, differentiable and fused sit in every param group with PyTorch's defaults; fused=False (the plain
    reference) is kept as given, and fused=True runs the same kernel as the default."""
    make = getattr(autocore.optim, name)
    group = make([autocore.zeros(2, requires_grad=True)], lr=0.1).param_groups[0]
    assert (group["foreach"], group["differentiable"], group["fused"]) == (None, False, None)
    assert make([autocore.zeros(2, requires_grad=True)], lr=0.1, fused=False).param_groups[0]["fused"] is False
    # PyTorch takes Adagrad's and Adadelta's foreach positionally, after the last hyper-parameter
    hyper = {"Adagrad": (0.1, 0, 0, 0, 1e-10), "Adadelta": (0.1, 0.9, 1e-6, 0)}.get(name)
    if hyper is not None:
        positional = make([autocore.zeros(2, requires_grad=True)], *hyper, True).param_groups[0]
        assert positional["foreach"] is True and positional["fused"] is None
    config = next(c for c in sorted(REFERENCE_CONFIGS) if c.split()[0] == name.lower())
    for a, b in zip(_steps(autocore, config, np.float32), _steps(autocore, config, np.float32, fused=True)):
        np.testing.assert_array_equal(a, b)
    torch = torch_or_skip()
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.1).param_groups[0]
    for key in ("foreach", "differentiable", "fused"):
        if key in theirs:
            assert group[key] == theirs[key], key


@pytest.mark.parametrize("half", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,options", [c for c in CONFIGS if c[0] in ("SGD", "Adam", "AdamW", "Adagrad")], ids=str)
def test_half_params_step_as_pytorchs_fused_steps(name, options, half):
    """A float16 or bfloat16 param steps in float32 and rounds once, as PyTorch's fused=True steps do (its default
    for-loop rounds each intermediate tensor to the half type instead)."""
    torch = torch_or_skip()
    start, grads = np.random.default_rng(9).normal(size=(2, 6, 200))
    results = []
    for lib, fused in ((autocore, {}), (torch, {"fused": True})):
        p = lib.tensor(start[0], dtype=getattr(lib, half), requires_grad=True)
        optimizer = getattr(lib.optim, name)([p], **options, **fused)
        for g in grads:
            p.grad = lib.tensor(g, dtype=getattr(lib, half))
            optimizer.step()
        assert p.dtype is getattr(lib, half)
        results.append(p.detach().float().numpy())
    if half == "bfloat16" and options.get("dampening"):
        # PyTorch's bfloat16 fused SGD forms the momentum as fma(grad, 1 - dampening, buf * momentum) (found by
        # matching its output), rounding once where its float16 kernel, its for-loop and autocore round twice in
        # float32: a rare element lands one bfloat16 ulp apart.
        np.testing.assert_allclose(*results, rtol=2.0**-7, atol=0)
        assert (results[0] != results[1]).sum() <= 2
    else:
        np.testing.assert_array_equal(*results)
