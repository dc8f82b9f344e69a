"""SGD with momentum, dampening, Nesterov, weight decay and maximize: PyTorch's update rule, one fused call;
fused=False takes the same rule in plain tensor ops (the readable reference the fused kernel is tested against)."""

from .. import _C
from ..autograd import no_grad
from ..factories import zeros_like
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
                foreach=foreach,  # (accepted as in PyTorch: the fused path already updates every param in one call)
                differentiable=differentiable,
                fused=fused,
            ),
        )

    def _check_group(self, group):
        super()._check_group(group)
        if group["momentum"] < 0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["weight_decay"] < 0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, group, params):
        if group["fused"] is False:
            return _sgd_reference(self, group, params)
        options = dict(
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
        )
        if group["momentum"] == 0:
            return _C.sgd_(self._raw(params), self._grads(params), [], **options)
        # The first step copies the gradient into a fresh buffer; later ones update it. PyTorch decides per
        # parameter, so the two kinds go in separate calls.
        fresh = [p for p in params if "momentum_buffer" not in self.state.get(p, {})]
        seen = set(map(id, fresh))
        for first, subset in ((True, fresh), (False, [p for p in params if id(p) not in seen])):
            if not subset:
                continue
            if first:
                for p in subset:
                    self.state.setdefault(p, {})["momentum_buffer"] = zeros_like(p)
            buffers = [self.state[p]["momentum_buffer"]._c for p in subset]
            _C.sgd_(self._raw(subset), self._grads(subset), buffers, first_step=first, **options)


def _sgd_reference(optimizer, group, params):
    """PyTorch's single-tensor SGD, one param at a time in tensor ops."""
    lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
    with no_grad():
        for p in params:
            grad = -p.grad if group["maximize"] else p.grad
            if group["weight_decay"] != 0:
                grad = grad.add(p, alpha=group["weight_decay"])
            if momentum != 0:
                state = optimizer.state.setdefault(p, {})
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = grad.clone()
                else:
                    buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                grad = grad.add(buffer, alpha=momentum) if group["nesterov"] else buffer
            p.add_(grad, alpha=-lr)
