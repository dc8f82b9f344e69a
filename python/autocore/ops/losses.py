"""Losses on the fused C++ kernels, each with its vjp: nll_loss, cross_entropy (log-softmax and NLL in one
pass, backward softmax - one_hot), mse_loss, l1_loss, binary_cross_entropy (+ with logits), dropout.

The fused backward kernels are not themselves differentiable, so under create_graph (second derivatives)
each vjp instead differentiates the same loss written with differentiable ops; and each loss's tangent (forward
mode) is that composite's, carried through its ops' own tangent rules. The composites are also the readable
reference the fused kernels are tested against."""

import math

from .. import _C, _dtype
from ..random import c_generator
from ..tensor import Tensor
from .elementwise import mul, where
from .engine import run_backward
from .graph import cast, constant, grad_enabled, record, wrap
from .halves import in_float32
from .softmax_loss import log_softmax

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _c(t):
    return None if t is None else t._c


def _differentiate(loss, inputs, g):
    """The vjp of `loss` (a differentiable recomputation) for the inputs that require grad, as a graph."""
    wanted = [t for t in inputs if t is not None and t._requires_grad]
    grads = iter(run_backward([loss], [g], True, True, wanted, allow_unused=True)) if wanted else iter(())
    return tuple(next(grads) if t is not None and t._requires_grad else None for t in inputs)


def _tangent_of(composite):
    """A jvp for a fused loss: the tangent that forward mode carries through the composite recomputation (its
    inputs are the loss's own inputs, which hold their tangents)."""
    return lambda *tangents: composite()._tangent


def _reduce(losses, reduction, divisor=None):
    if reduction == "none":
        return losses
    total = losses.sum()
    return total if reduction == "sum" else total / (losses.numel() if divisor is None else divisor)


@in_float32
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    reduction = _reduction(reduction)
    loss_c, total_weight = _C.nll_loss(input._c, target._c, _c(weight), reduction, ignore_index)
    in_shape = list(input._c.shape)

    def vjp(g):
        if grad_enabled():  # linear in g: the kernel's gradient for g = 1, scaled by g as a graph op
            base = constant(
                _C.nll_loss_backward(
                    _dtype.full_c(list(g._c.shape), 1.0, g._c.dtype, g.device),
                    in_shape,
                    target._c,
                    _c(weight),
                    reduction,
                    ignore_index,
                    total_weight,
                )
            )
            return (base * (g.unsqueeze(1) if reduction == "none" and input._c.ndim > 1 else g),)
        return (
            wrap(_C.nll_loss_backward(g._c, in_shape, target._c, _c(weight), reduction, ignore_index, total_weight)),
        )

    # nll_loss is linear in its input: its tangent is the same loss of the input's tangent.
    return record(
        "NllLossBackward0",
        loss_c,
        (input,),
        vjp,
        (target._c,),
        lambda t: nll_loss(t, target, weight, ignore_index, reduction),
    )


def _mixed_floats(input, *others):
    """Floating-point operands whose dtypes differ: PyTorch's composite formulas decide the dtypes there."""
    tensors = [t for t in (input,) + others if t is not None]
    return all(t._c.dtype.is_floating_point for t in tensors) and len({t._c.dtype for t in tensors}) > 1


def _cross_entropy_with_probabilities(input, target, weight, reduction, label_smoothing):
    """PyTorch's formula for probability targets, with differentiable ops: log_softmax in the input's dtype, the
    smoothing in the target's, their product promoted. The fused kernel computes the same loss when the dtypes
    agree; this one serves mixed dtypes and second derivatives."""

    class_dim = 0 if input._c.ndim == 1 else 1
    classes = input._c.shape[class_dim]
    if label_smoothing > 0.0:  # (eps / C in C++ doubles: inf with no classes)
        target = target * (1 - label_smoothing) + (label_smoothing / classes if classes else math.inf)
    terms = log_softmax(input, class_dim) * target
    if weight is not None:
        terms = terms * weight.reshape([-1 if d == class_dim else 1 for d in range(input._c.ndim)])
    if reduction == "none":
        return -terms.sum(class_dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    return total * float("nan") if input._c.numel == 0 else total / (input._c.numel // classes)


def _cross_entropy_with_classes(input, target, weight, ignore_index, reduction, label_smoothing):
    """PyTorch's formula for class targets, with differentiable ops: nll_loss of log_softmax, plus, with label
    smoothing, eps / C times the (weighted) sum of -log p over the classes of each row that is not ignored, reduced
    with nll_loss's divisor."""

    class_dim = 0 if input._c.ndim == 1 else 1
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    classes = input._c.shape[class_dim]
    ignored = target == ignore_index
    if weight is not None:
        logp = logp * weight.reshape([-1 if d == class_dim else 1 for d in range(input._c.ndim)])
    smooth = where(ignored, 0.0, -logp.sum(class_dim))
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        kept = ~ignored
        divisor = kept.sum() if weight is None else weight[where(kept, target, 0)][kept].sum()
        smooth = smooth.sum() / divisor
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes if classes else math.inf)


def _check_probabilities(input, target, weight, ignore_index, label_smoothing):
    """The checks the fused kernel makes, for the composite path."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    classes = input._c.shape[0 if input._c.ndim == 1 else 1]
    if weight is not None and (weight._c.ndim != 1 or weight._c.numel != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight._c.shape)}"
        )


@in_float32
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    reduction = _reduction(reduction)
    label_smoothing = float(label_smoothing)  # a double, as PyTorch's argument parser makes it
    probabilities = (
        isinstance(target, Tensor)
        and input._c.ndim >= 1
        and target._c.shape == input._c.shape
        and target._c.dtype.is_floating_point
    )
    if probabilities and _mixed_floats(input, target, weight):
        _check_probabilities(input, target, weight, ignore_index, label_smoothing)
        return _cross_entropy_with_probabilities(input, target, weight, reduction, label_smoothing)
    loss_c, row_stats, total_weight = _C.cross_entropy(
        input._c, target._c, _c(weight), ignore_index, reduction, label_smoothing
    )

    def composite():
        if probabilities:
            return _cross_entropy_with_probabilities(input, target, weight, reduction, label_smoothing)
        return _cross_entropy_with_classes(input, target, weight, ignore_index, reduction, label_smoothing)

    def vjp(g):
        if grad_enabled():
            return _differentiate(composite(), (input,), g)
        return (
            wrap(
                _C.cross_entropy_backward(
                    g._c,
                    input._c,
                    target._c,
                    row_stats,
                    total_weight,
                    _c(weight),
                    ignore_index,
                    reduction,
                    label_smoothing,
                )
            ),
        )

    return record("CrossEntropyLossBackward0", loss_c, (input,), vjp, (input._c, target._c), _tangent_of(composite))


def _pointwise(name, kernel, backward, target_backward, composite):
    def loss(input, target, weight=None, reduction="mean", **extra):
        reduction = _reduction(reduction)
        options = {k: _c(v) for k, v in extra.items()}
        out_c = kernel(input._c, target._c, weight=_c(weight), reduction=reduction, **options)
        target_in = target if isinstance(target, Tensor) else None

        def recomputed():
            losses, divisor = composite(input, target, weight, extra.get("pos_weight"))
            return _reduce(losses, reduction, divisor)

        def vjp(g):
            if grad_enabled():
                return _differentiate(recomputed(), (input, target_in), g)
            args = (g._c, input._c, target._c)
            kwargs = dict(weight=_c(weight), reduction=reduction, **options)
            grad_input = wrap(backward(*args, **kwargs)) if input._requires_grad else None
            grad_target = (
                wrap(target_backward(*args, **kwargs)) if target_in is not None and target_in._requires_grad else None
            )
            return grad_input, grad_target

        return record(name, out_c, (input, target_in), vjp, (input._c, target._c), _tangent_of(recomputed))

    loss.__name__ = name
    return loss


# The same losses with differentiable ops, elementwise, and the mean's divisor (None: the element count).


def _weighted(losses, weight):
    return losses if weight is None else losses * weight


def _mse_terms(x, y, w, pw):
    d = x - y
    return _weighted(d * d, w), None if w is None else w.sum()


def _l1_terms(x, y, w, pw):
    return _weighted((x - y).abs(), w), None if w is None else w.sum()


def _bce_terms(x, y, w, pw):
    log_x, log_1mx = x.log().clamp(min=-100.0), (1.0 - x).log().clamp(min=-100.0)
    return _weighted(-(y * log_x + (1.0 - y) * log_1mx), w), None


def _bce_logits_terms(x, y, w, pw):
    softplus = (-x).relu() + ((-x.abs()).exp() + 1.0).log()  # log(1 + exp(-x)), stably
    scale = 1.0 if pw is None else (pw - 1.0) * y + 1.0
    return _weighted((1.0 - y) * x + scale * softplus, w), None


mse_loss = in_float32(
    _pointwise("MseLossBackward0", _C.mse_loss, _C.mse_loss_backward, _C.mse_loss_target_backward, _mse_terms)
)
l1_loss = in_float32(
    _pointwise("L1LossBackward0", _C.l1_loss, _C.l1_loss_backward, _C.l1_loss_target_backward, _l1_terms)
)
binary_cross_entropy = in_float32(
    _pointwise(
        "BinaryCrossEntropyBackward0",
        _C.binary_cross_entropy,
        _C.binary_cross_entropy_backward,
        _C.binary_cross_entropy_target_backward,
        _bce_terms,
    )
)
_bce_logits = _pointwise(
    "BinaryCrossEntropyWithLogitsBackward0",
    _C.binary_cross_entropy_with_logits,
    _C.binary_cross_entropy_with_logits_backward,
    _C.binary_cross_entropy_with_logits_target_backward,
    _bce_logits_terms,
)


def _check_in_place(out, other):
    """PyTorch's in-place ops keep out's shape: other must broadcast to it."""
    shape = _C.broadcast_shapes(list(out._c.shape), list(other._c.shape))
    if tuple(shape) != tuple(out._c.shape):
        raise RuntimeError(f"output with shape {list(out._c.shape)} doesn't match the broadcast shape {list(shape)}")


def _bce_with_logits_mixed(input, target, weight, reduction, pos_weight):
    """PyTorch's formula, in its dtypes, for operands of several float dtypes: log_sigmoid(x) in the input's dtype;
    (1 - y) x in the target's dtype, as are the in-place steps that follow it (each product is taken promoted,
    then stored back)."""

    ones = wrap(_dtype.full_c(list(input._c.shape), 1.0, input._c.dtype, input.device))
    infinite = input.abs() == math.inf
    finite = where(infinite, ones, input)  # the kernel's (1 - 1) x would be 0 * inf
    log_sigmoid = -_bce_logits(finite, ones, None, "none")  # (1 - 1) x + softplus(-x) = -log sigmoid(x)
    log_sigmoid = where(infinite, input.clamp(max=0.0), log_sigmoid)  # log sigmoid(inf) = 0, (-inf) = -inf
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        _check_in_place(log_sigmoid, log_weight)
        log_sigmoid = cast(log_sigmoid * log_weight, log_sigmoid._c.dtype)
    keep = 1 - target
    loss = cast(cast(keep * input, keep._c.dtype) - log_sigmoid, keep._c.dtype)
    if weight is not None:
        _check_in_place(loss, weight)
        loss = cast(loss * weight, loss._c.dtype)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@in_float32
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    if isinstance(target, Tensor) and isinstance(input, Tensor) and target._c.shape != input._c.shape:
        raise ValueError(
            f"Target size (torch.Size({list(target._c.shape)})) must be the same as input size "
            f"(torch.Size({list(input._c.shape)}))"
        )
    reduction = _reduction(reduction)
    if _mixed_floats(input, target, weight, pos_weight):
        return _bce_with_logits_mixed(input, target, weight, reduction, pos_weight)
    return (
        _bce_logits(input, target, weight, reduction, pos_weight=pos_weight)
        if pos_weight is not None
        else _bce_logits(input, target, weight, reduction)
    )


@in_float32
def dropout(input, p=0.5, training=True, generator=None):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    out_c, mask_c = _C.dropout(input._c, p, True, generator=c_generator(generator, "dropout", input.device))
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)

    return record(
        "NativeDropoutBackward0",
        out_c,
        (input,),
        lambda g: (mul(g, wrap(_C.mul(mask_c, scale).to_dtype(g._c.dtype))),),
        (),
        lambda t: mul(t, wrap(_C.mul(mask_c, scale).to_dtype(t._c.dtype))),
    )
