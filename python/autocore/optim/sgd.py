"""SGD with momentum, dampening, Nesterov, weight decay and maximize: PyTorch's update rule, one fused call."""

from .. import _C
from ..factories import zeros_like
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
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
