"""Forward-mode AD: every loss, copy_ and the overwriting in-place ops carry tangents that match central finite
differences in float64 (and PyTorch's forward AD where installed); an op or Function with no tangent rule raises
NotImplementedError naming it, never an output whose tangent silently reads as missing."""

import numpy as np
import pytest

import autocore
import autocore.autograd.forward_ad as fwad

from conftest import torch_or_skip

RNG = np.random.default_rng(21)
X = RNG.normal(size=(4, 3))  # logits / inputs
P = RNG.uniform(0.1, 0.9, size=(4, 3))  # probabilities (bce's input)
Y = RNG.uniform(0.05, 0.95, size=(4, 3))  # targets in (0, 1)
W = RNG.uniform(0.5, 2.0, size=3)  # per-class weights
CLASSES = np.array([0, 2, 1, 2])
SOFT = RNG.dirichlet(np.ones(3), size=4)  # probability targets


def t(a, lib=autocore):
    return lib.tensor(a)


# name: (f(lib, x, y) with x the dual input and y a second dual input or None, x's values, y's values)
CASES = {
    "mse_loss mean": (lambda m, x, y: m.nn.functional.mse_loss(x, y), X, Y),
    "mse_loss none": (lambda m, x, y: m.nn.functional.mse_loss(x, y, reduction="none"), X, Y),
    "l1_loss sum": (lambda m, x, y: m.nn.functional.l1_loss(x, y, reduction="sum"), X, Y),
    "binary_cross_entropy": (lambda m, x, y: m.nn.functional.binary_cross_entropy(x, y), P, Y),
    "binary_cross_entropy weight": (
        lambda m, x, y: m.nn.functional.binary_cross_entropy(x, y, weight=t(W, m), reduction="sum"),
        P,
        Y,
    ),
    "bce_with_logits": (lambda m, x, y: m.nn.functional.binary_cross_entropy_with_logits(x, y), X, Y),
    "bce_with_logits pos_weight": (
        lambda m, x, y: m.nn.functional.binary_cross_entropy_with_logits(x, y, pos_weight=t(W, m), reduction="none"),
        X,
        Y,
    ),
    "nll_loss": (lambda m, x, y: m.nn.functional.nll_loss(x, t(CLASSES, m)), X, None),
    "nll_loss weight ignore": (
        lambda m, x, y: m.nn.functional.nll_loss(x, t(CLASSES, m), weight=t(W, m), ignore_index=2),
        X,
        None,
    ),
    "cross_entropy": (lambda m, x, y: m.nn.functional.cross_entropy(x, t(CLASSES, m)), X, None),
    "cross_entropy none": (lambda m, x, y: m.nn.functional.cross_entropy(x, t(CLASSES, m), reduction="none"), X, None),
    "cross_entropy smoothing weight": (
        lambda m, x, y: m.nn.functional.cross_entropy(x, t(CLASSES, m), weight=t(W, m), label_smoothing=0.2),
        X,
        None,
    ),
    "cross_entropy smoothing ignore sum": (
        lambda m, x, y: m.nn.functional.cross_entropy(
            x, t(CLASSES, m), ignore_index=1, label_smoothing=0.3, reduction="sum"
        ),
        X,
        None,
    ),
    "cross_entropy smoothing weight ignore mean": (
        lambda m, x, y: m.nn.functional.cross_entropy(
            x, t(CLASSES, m), weight=t(W, m), ignore_index=0, label_smoothing=0.1
        ),
        X,
        None,
    ),
    "cross_entropy 1-D": (lambda m, x, y: m.nn.functional.cross_entropy(x[0], t(CLASSES[1], m)), X, None),
    "cross_entropy probabilities": (lambda m, x, y: m.nn.functional.cross_entropy(x, y), X, SOFT),
    "cross_entropy probabilities smoothing": (
        lambda m, x, y: m.nn.functional.cross_entropy(x, y, weight=t(W, m), label_smoothing=0.25),
        X,
        SOFT,
    ),
    "log_softmax + nll": (lambda m, x, y: m.nn.functional.nll_loss(m.log_softmax(x, 1), t(CLASSES, m)), X, None),
    "copy_ broadcast": (lambda m, x, y: m.zeros(2, 4, 3, dtype=m.float64).copy_(x * y), X, Y),
    "copy_ into a dual": (lambda m, x, y: (x * 1.0).copy_(y[0]) * x, X, Y),
}


def tangent_and_value(case, x, vx, y, vy):
    f = CASES[case][0]
    with fwad.dual_level():
        dx = fwad.make_dual(autocore.tensor(x), autocore.tensor(vx))
        dy = None if y is None else fwad.make_dual(autocore.tensor(y), autocore.tensor(vy))
        out = f(autocore, dx, dy)
        primal, tangent = fwad.unpack_dual(out)
        assert tangent is not None, f"{case}: no tangent"
        return primal.numpy(), tangent.numpy()


def value(case, x, y):
    return CASES[case][0](autocore, autocore.tensor(x), None if y is None else autocore.tensor(y)).numpy()


@pytest.mark.parametrize("case", sorted(CASES))
def test_tangents_match_finite_differences(case):
    _, x, y = CASES[case]
    vx, vy = RNG.normal(size=x.shape), None if y is None else RNG.normal(size=y.shape)
    primal, tangent = tangent_and_value(case, x, vx, y, vy)
    np.testing.assert_allclose(primal, value(case, x, y), rtol=1e-12)
    eps = 1e-6
    shift = lambda s: None if y is None else y + s * eps * vy
    numeric = (value(case, x + eps * vx, shift(1)) - value(case, x - eps * vx, shift(-1))) / (2 * eps)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", sorted(CASES))
def test_tangents_match_pytorch(case):
    torch = torch_or_skip()
    import torch.autograd.forward_ad as torch_fwad

    f, x, y = CASES[case]
    vx, vy = RNG.normal(size=x.shape), None if y is None else RNG.normal(size=y.shape)
    _, ours = tangent_and_value(case, x, vx, y, vy)
    with torch_fwad.dual_level():
        dx = torch_fwad.make_dual(torch.tensor(x), torch.tensor(vx))
        dy = None if y is None else torch_fwad.make_dual(torch.tensor(y), torch.tensor(vy))
        theirs = torch_fwad.unpack_dual(f(torch, dx, dy)).tangent.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_overwriting_in_place_ops_give_a_zero_tangent():
    with fwad.dual_level():
        for write in (lambda v: v.fill_(2.0), lambda v: v.zero_(), lambda v: v.uniform_(), lambda v: v.normal_()):
            x = fwad.make_dual(autocore.tensor(X), autocore.tensor(np.ones_like(X))) * 1.0
            tangent = fwad.unpack_dual(write(x)).tangent
            assert tangent is not None and tangent.shape == x.shape and not tangent.numpy().any()


def test_copy_from_a_plain_tensor_zeroes_the_tangent():
    with fwad.dual_level():
        x = fwad.make_dual(autocore.tensor(X), autocore.tensor(np.ones_like(X))) * 1.0
        x.copy_(autocore.zeros(3))
        np.testing.assert_array_equal(fwad.unpack_dual(x).tangent.numpy(), np.zeros_like(X))


def test_function_without_jvp_refuses_dual_inputs_and_with_jvp_carries_them():
    class Cube(autocore.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("not called in forward mode")

    class CubeWithJvp(Cube):
        @staticmethod
        def jvp(ctx, tx):
            (x,) = ctx.saved_tensors
            return 3 * x * x * tx

    with fwad.dual_level():
        x = fwad.make_dual(
            autocore.tensor([1.0, 2.0], dtype=autocore.float64), autocore.tensor([1.0, 0.5], dtype=autocore.float64)
        )
        with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
            Cube.apply(x)
        primal, tangent = fwad.unpack_dual(CubeWithJvp.apply(x))
        np.testing.assert_allclose(primal.numpy(), [1.0, 8.0])
        np.testing.assert_allclose(tangent.numpy(), [3.0, 6.0])
        assert fwad.unpack_dual(Cube.apply(autocore.tensor([2.0]))).tangent is None  # no dual input: no tangent


def test_an_op_without_a_tangent_rule_raises_naming_it():
    from autocore.ops.graph import record

    with fwad.dual_level():
        x = fwad.make_dual(autocore.tensor([1.0]), autocore.tensor([1.0]))
        with pytest.raises(NotImplementedError, match="forward AD with MadeUpBackward0"):
            record("MadeUpBackward0", x._c, (x,), lambda g: (g,))
