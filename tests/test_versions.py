"""The version counter that guards saved tensors moves on every write path, from C++: copy_, fill_ and zero_,
out= (the in-place operators and methods), random fills, and optimizer steps (params and their state buffers);
a tensor saved for backward and then written by any of them is refused by backward."""

import numpy as np
import pytest

import autocore
from autocore import nn

STALE = "modified by an inplace operation"

WRITES = {
    "copy_": lambda t: t.copy_(autocore.ones(t.shape, dtype=t.dtype)),
    "copy_ broadcast": lambda t: t.copy_(autocore.tensor(2.0)),
    "fill_": lambda t: t.fill_(3.0),
    "zero_": lambda t: t.zero_(),
    "add_": lambda t: t.add_(1.0),
    "+= tensor": lambda t: t.__iadd__(autocore.ones(t.shape[-1])),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "clamp_": lambda t: t.clamp_(-0.5, 0.5),
    "exp_": lambda t: t.exp_(),
    "log10_": lambda t: t.abs_().log10_(),
    "relu_": lambda t: t.relu_(),
    "uniform_": lambda t: t.uniform_(),
    "normal_": lambda t: t.normal_(),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_path_moves_the_version_of_every_view(write):
    base = autocore.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    view = base[1:]
    before = base._version
    with autocore.no_grad():
        WRITES[write](view)
    assert base._version > before and view._version == base._version


@pytest.mark.parametrize("write", sorted(WRITES))
def test_backward_refuses_a_saved_tensor_written_since(write):
    x = autocore.tensor(np.linspace(0.1, 1, 12).reshape(3, 4), requires_grad=True)
    y = x.exp()  # exp saves its output
    loss = (y * 2).sum()
    with autocore.no_grad():
        WRITES[write](y)
    with pytest.raises(RuntimeError, match=STALE):
        loss.backward()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: autocore.optim.SGD(ps, lr=0.1),
        lambda ps: autocore.optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: autocore.optim.Adam(ps, lr=0.1),
        lambda ps: autocore.optim.AdamW(ps, lr=0.1),
        lambda ps: autocore.optim.Adagrad(ps, lr=0.1),
        lambda ps: autocore.optim.RMSprop(ps, lr=0.1),
        lambda ps: autocore.optim.Adadelta(ps, lr=0.1),
    ],
    ids=["sgd", "momentum", "adam", "adamw", "adagrad", "rmsprop", "adadelta"],
)
def test_an_optimizer_step_between_forward_and_backward_is_caught(make):
    model = nn.Linear(3, 2)
    optimizer = make(list(model.parameters()))
    x = autocore.randn(4, 3)
    model(x).sum().backward()
    versions = [p._version for p in model.parameters()]
    loss = (model(x) ** 2).sum()  # the weight is saved for the input's gradient... and the step changes it
    optimizer.step()
    assert all(p._version > v for p, v in zip(model.parameters(), versions))
    x.requires_grad_(True)
    loss = (model(x) ** 2).sum()
    optimizer.step()
    with pytest.raises(RuntimeError, match=STALE):
        loss.backward()
