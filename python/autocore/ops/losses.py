"""Losses on the fused C++ kernels, each with its vjp: nll_loss, cross_entropy (log-softmax and NLL in one
pass, backward softmax - one_hot), mse_loss, l1_loss, binary_cross_entropy (+ with logits), dropout."""
from .. import _C
from ..tensor import Tensor
from .graph import record, wrap

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _c(t):
    return None if t is None else t._c


def _expand_grad(g, reduction):
    """The kernels take the incoming gradient as given: a number for mean/sum, a tensor for none."""
    return g._c


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    reduction = _reduction(reduction)
    loss_c, total_weight = _C.nll_loss(input._c, target._c, _c(weight), reduction, ignore_index)
    in_shape = list(input._c.shape)
    return record("NllLossBackward0", loss_c, (input,),
                  lambda g: (wrap(_C.nll_loss_backward(g._c, in_shape, target._c, _c(weight), reduction, ignore_index,
                                                       total_weight)),), (target._c,))


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    reduction = _reduction(reduction)
    loss_c, lse, total_weight = _C.cross_entropy(input._c, target._c, _c(weight), ignore_index, reduction,
                                                 label_smoothing)
    return record("CrossEntropyLossBackward0", loss_c, (input,),
                  lambda g: (wrap(_C.cross_entropy_backward(g._c, input._c, target._c, lse, total_weight, _c(weight),
                                                            ignore_index, reduction, label_smoothing)),),
                  (input._c, target._c))


def _pointwise(name, kernel, backward, target_backward):
    def loss(input, target, weight=None, reduction="mean", **extra):
        reduction = _reduction(reduction)
        options = {k: _c(v) for k, v in extra.items()}
        out_c = kernel(input._c, target._c, weight=_c(weight), reduction=reduction, **options)
        target_in = target if isinstance(target, Tensor) else None

        def vjp(g):
            args = (g._c, input._c, target._c)
            kwargs = dict(weight=_c(weight), reduction=reduction, **options)
            grad_input = wrap(backward(*args, **kwargs)) if input._requires_grad else None
            grad_target = wrap(target_backward(*args, **kwargs)) if target_in is not None and \
                target_in._requires_grad else None
            return grad_input, grad_target
        return record(name, out_c, (input, target_in), vjp, (input._c, target._c))
    loss.__name__ = name
    return loss


mse_loss = _pointwise("MseLossBackward0", _C.mse_loss, _C.mse_loss_backward, _C.mse_loss_target_backward)
l1_loss = _pointwise("L1LossBackward0", _C.l1_loss, _C.l1_loss_backward, _C.l1_loss_target_backward)
binary_cross_entropy = _pointwise("BinaryCrossEntropyBackward0", _C.binary_cross_entropy,
                                  _C.binary_cross_entropy_backward, _C.binary_cross_entropy_target_backward)
_bce_logits = _pointwise("BinaryCrossEntropyWithLogitsBackward0", _C.binary_cross_entropy_with_logits,
                         _C.binary_cross_entropy_with_logits_backward,
                         _C.binary_cross_entropy_with_logits_target_backward)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    return _bce_logits(input, target, weight, reduction, pos_weight=pos_weight) if pos_weight is not None else \
        _bce_logits(input, target, weight, reduction)


def dropout(input, p=0.5, training=True, generator=None):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    out_c, mask_c = _C.dropout(input._c, p, True, generator=generator)
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    from .elementwise import mul
    return record("NativeDropoutBackward0", out_c, (input,),
                  lambda g: (mul(g, wrap(_C.mul(mask_c, scale).to_dtype(g._c.dtype))),), (),
                  lambda t: mul(t, wrap(_C.mul(mask_c, scale).to_dtype(t._c.dtype))))
