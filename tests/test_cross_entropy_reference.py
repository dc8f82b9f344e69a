"""F.cross_entropy, the fused kernel, against its readable composite written here with autocore's own ops: nll_loss
of log_softmax for class targets; with label smoothing, PyTorch's formula from log_softmax; for probability targets,
-(target * log_softmax) summed over the classes. Values and input gradients (the fused backward kernel) agree, for
(N, C) and (N, C, d1, d2) inputs, class weights, ignore_index and every reduction; the composites themselves are
checked against PyTorch where it is installed."""

import numpy as np
import pytest

import autocore

from conftest import torch_or_skip

SHAPES = [(7, 5), (3, 4, 2, 3)]
REDUCTIONS = ["none", "mean", "sum"]
# How targets are ignored, as (ignore_index, share of the targets set to it): not at all, the default ignore_index
# (-100) on some entries or on all of them (the mean is then 0 / 0: NaN, and the gradient 0), or a real class (2)
# as the ignore_index.
IGNORES = {"none": (-100, 0.0), "default": (-100, 0.3), "all": (-100, 1.0), "class": (2, 0.0)}


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)


def class_inputs(shape, dtype, weighted, ignore, seed=0):
    """Logits, class targets (some equal to ignore_index when `ignore` says so), class weights, ignore_index and
    an upstream gradient per reduction, as numpy arrays."""
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 2).astype(dtype)
    target_shape = (shape[0],) + shape[2:]
    target = rng.integers(0, shape[1], size=target_shape)
    ignore_index, share = IGNORES[ignore]
    target[rng.random(target_shape) < share] = ignore_index
    weight = rng.uniform(0.2, 2.0, size=shape[1]).astype(dtype) if weighted else None
    upstream = {
        "none": rng.normal(size=target_shape).astype(dtype),
        "mean": np.array(rng.normal(), dtype),
        "sum": np.array(rng.normal(), dtype),
    }
    return x, target, weight, ignore_index, upstream


def value_and_grad(lib, loss_fn, x, upstream, *others):
    """loss_fn(input, *others) and d(loss . upstream)/d input, with `lib` (autocore or torch) tensors."""
    x = lib.tensor(x, requires_grad=True)
    others = [None if o is None else lib.tensor(o) for o in others]
    loss = loss_fn(lib, x, *others)
    loss.backward(lib.tensor(upstream))
    return loss.detach().numpy(), x.grad.numpy()


def fused_classes(lib, x, target, weight, ignore_index, reduction, label_smoothing):
    return lib.nn.functional.cross_entropy(
        x, target, weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )


def composite_classes(lib, x, target, weight, ignore_index, reduction, label_smoothing):
    """PyTorch's definition for class targets: (1 - eps) * nll + eps / C * sum_c w_c * (-log p_c), where the
    smoothing term is 0 for ignored samples and its mean is over the same divisor as nll_loss's: the summed weights
    w[target] of the samples not ignored (their count when unweighted)."""
    functional = lib.nn.functional
    classes = x.shape[1]
    logp = functional.log_softmax(x, dim=1)
    nll = functional.nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    class_weight = lib.ones(classes, dtype=x.dtype) if weight is None else weight
    kept = target != ignore_index
    per_sample = -(logp * class_weight.reshape([1, classes] + [1] * (x.ndim - 2))).sum(1)
    smooth = lib.where(kept, per_sample, lib.zeros_like(per_sample))
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        sample_weight = class_weight[lib.where(kept, target, lib.zeros_like(target))]
        smooth = smooth.sum() / lib.where(kept, sample_weight, lib.zeros_like(sample_weight)).sum()
    return (1 - label_smoothing) * nll + label_smoothing / classes * smooth


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore", sorted(IGNORES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_class_targets_match_the_composite(dtype, shape, weighted, ignore, reduction, label_smoothing):
    """The fused cross_entropy (forward and backward kernels) against nll_loss(log_softmax(x)) and its smoothing."""
    x, target, weight, ignore_index, upstream = class_inputs(shape, dtype, weighted, ignore)
    options = (ignore_index, reduction, label_smoothing)
    fused = value_and_grad(
        autocore, lambda L, *a: fused_classes(L, *a, *options), x, upstream[reduction], target, weight
    )
    composite = value_and_grad(
        autocore, lambda L, *a: composite_classes(L, *a, *options), x, upstream[reduction], target, weight
    )
    for ours, reference in zip(fused, composite):
        np.testing.assert_allclose(ours, reference, **tol(dtype))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore", sorted(IGNORES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_class_target_composite_matches_pytorch(shape, weighted, ignore, reduction, label_smoothing):
    """The composite above is PyTorch's cross_entropy (value and gradient), so it is a sound oracle."""
    torch = torch_or_skip()
    x, target, weight, ignore_index, upstream = class_inputs(shape, np.float64, weighted, ignore, seed=1)
    options = (ignore_index, reduction, label_smoothing)
    ours = value_and_grad(
        autocore, lambda L, *a: composite_classes(L, *a, *options), x, upstream[reduction], target, weight
    )
    theirs = value_and_grad(torch, lambda L, *a: fused_classes(L, *a, *options), x, upstream[reduction], target, weight)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def probability_inputs(shape, dtype, weighted, seed=0):
    """Logits, probability targets (each sample's row over the classes sums to 1), class weights and an upstream
    gradient per reduction."""
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 2).astype(dtype)
    raw = rng.random(shape)
    probabilities = (raw / raw.sum(1, keepdims=True)).astype(dtype)
    weight = rng.uniform(0.2, 2.0, size=shape[1]).astype(dtype) if weighted else None
    sample_shape = (shape[0],) + shape[2:]
    upstream = {
        "none": rng.normal(size=sample_shape).astype(dtype),
        "mean": np.array(rng.normal(), dtype),
        "sum": np.array(rng.normal(), dtype),
    }
    return x, probabilities, weight, upstream


def fused_probabilities(lib, x, target, weight, reduction, label_smoothing):
    return lib.nn.functional.cross_entropy(x, target, weight, reduction=reduction, label_smoothing=label_smoothing)


def composite_probabilities(lib, x, target, weight, reduction, label_smoothing):
    """PyTorch's definition for probability targets: -(target * w * log_softmax(x)) summed over the classes, the
    target first smoothed toward uniform, (1 - eps) * target + eps / C; the mean divides by the sample count."""
    classes = x.shape[1]
    target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = target * lib.nn.functional.log_softmax(x, dim=1)
    if weight is not None:
        terms = terms * weight.reshape([1, classes] + [1] * (x.ndim - 2))
    losses = -terms.sum(1)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / (x.numel() // classes)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_probability_targets_match_the_composite(dtype, shape, weighted, reduction, label_smoothing):
    x, target, weight, upstream = probability_inputs(shape, dtype, weighted)
    options = (reduction, label_smoothing)
    fused = value_and_grad(
        autocore, lambda L, *a: fused_probabilities(L, *a, *options), x, upstream[reduction], target, weight
    )
    composite = value_and_grad(
        autocore, lambda L, *a: composite_probabilities(L, *a, *options), x, upstream[reduction], target, weight
    )
    for ours, reference in zip(fused, composite):
        np.testing.assert_allclose(ours, reference, **tol(dtype))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_probability_target_composite_matches_pytorch(shape, weighted, reduction, label_smoothing):
    torch = torch_or_skip()
    x, target, weight, upstream = probability_inputs(shape, np.float64, weighted, seed=1)
    options = (reduction, label_smoothing)
    ours = value_and_grad(
        autocore, lambda L, *a: composite_probabilities(L, *a, *options), x, upstream[reduction], target, weight
    )
    theirs = value_and_grad(
        torch, lambda L, *a: fused_probabilities(L, *a, *options), x, upstream[reduction], target, weight
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
