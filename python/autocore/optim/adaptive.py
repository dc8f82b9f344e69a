"""Adam, AdamW, Adagrad, Adadelta and RMSprop: PyTorch's update rules, one fused call per parameter group
(per step count, for Adam and Adagrad, whose bias corrections depend on it). Each takes fused=False for the same
rule in plain tensor ops (PyTorch's single-tensor path), the readable reference the fused kernel is tested
against."""

import math

from .. import _C
from ..autograd import no_grad
from ..factories import full_like, zeros_like
from ..ops.elementwise import maximum
from .optimizer import Optimizer


def _check(value, name, low=0.0, high=None, strict_high=True):
    if value < low or (high is not None and (value >= high if strict_high else value > high)):
        raise ValueError(f"Invalid {name}: {value}")


def _state(optimizer, p, **init):
    state = optimizer.state.get(p)
    if state is None:
        state = optimizer.state[p] = {k: make() for k, make in init.items()}
    return state


def _by_step(optimizer, params):
    """Params grouped by their step count after this step (they differ when some skipped steps)."""
    groups = {}
    for p in params:
        groups.setdefault(optimizer.state[p]["step"], []).append(p)
    return groups.items()


class Adam(Optimizer):
    _decoupled = False

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        options = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        # foreach is accepted as in PyTorch: the fused path already updates every param in one call
        options.update(foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, options)

    def _check_group(self, group):
        super()._check_group(group)
        _check(group["eps"], "epsilon value")
        _check(group["betas"][0], "beta parameter at index 0", 0.0, 1.0)
        _check(group["betas"][1], "beta parameter at index 1", 0.0, 1.0)
        _check(group["weight_decay"], "weight_decay value")

    def _update(self, group, params):
        amsgrad = group["amsgrad"]
        for p in params:
            state = _state(self, p, step=lambda: 0, exp_avg=lambda: zeros_like(p), exp_avg_sq=lambda: zeros_like(p))
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = zeros_like(p)
            state["step"] += 1
        beta1, beta2 = group["betas"]
        if group["fused"] is False:
            return _adam_reference(self, group, params)
        for step, subset in _by_step(self, params):
            states = [self.state[p] for p in subset]
            _C.adam_(
                self._raw(subset),
                self._grads(subset),
                [s["exp_avg"]._c for s in states],
                [s["exp_avg_sq"]._c for s in states],
                [s["max_exp_avg_sq"]._c for s in states] if amsgrad else [],
                step,
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                amsgrad=amsgrad,
                maximize=group["maximize"],
                decoupled_weight_decay=self._decoupled,
            )


class AdamW(Adam):
    _decoupled = True

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )


def _adam_reference(optimizer, group, params):
    """PyTorch's single-tensor Adam (AdamW: decoupled weight decay), one param at a time in tensor ops; the step
    counts were already advanced."""
    lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
    with no_grad():
        for p in params:
            state = optimizer.state[p]
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                if optimizer._decoupled:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
            state["exp_avg_sq"].mul_(beta2).add_(grad * grad, alpha=1 - beta2)
            second = state["exp_avg_sq"]
            if group["amsgrad"]:
                state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], second))
                second = state["max_exp_avg_sq"]
            step = state["step"]
            denominator = second.sqrt() / math.sqrt(1 - beta2**step) + eps
            p.add_(state["exp_avg"] / denominator, alpha=-lr / (1 - beta1**step))


class Adagrad(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
                foreach=foreach,  # (accepted as in PyTorch: the fused path already updates every param in one call)
                maximize=maximize,
                differentiable=differentiable,
                fused=fused,
            ),
        )
        for group in self.param_groups:  # PyTorch creates Adagrad's state eagerly
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": full_like(p, group["initial_accumulator_value"])}

    def _check_group(self, group):
        super()._check_group(group)
        _check(group["lr_decay"], "lr_decay value")
        _check(group["weight_decay"], "weight_decay value")
        _check(group["initial_accumulator_value"], "initial_accumulator_value value")
        _check(group["eps"], "epsilon value")

    def _update(self, group, params):
        for p in params:
            self.state[p]["step"] += 1
        if group["fused"] is False:
            return _adagrad_reference(self, group, params)
        for step, subset in _by_step(self, params):
            _C.adagrad_(
                self._raw(subset),
                self._grads(subset),
                [self.state[p]["sum"]._c for p in subset],
                step,
                lr=group["lr"],
                lr_decay=group["lr_decay"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )


def _adagrad_reference(optimizer, group, params):
    """PyTorch's single-tensor Adagrad, one param at a time in tensor ops; the step counts were already advanced."""
    lr, lr_decay, weight_decay, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
    with no_grad():
        for p in params:
            state = optimizer.state[p]
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            decayed_lr = lr / (1 + (state["step"] - 1) * lr_decay)
            state["sum"].add_(grad * grad)
            p.add_(grad / (state["sum"].sqrt() + eps), alpha=-decayed_lr)


class Adadelta(Optimizer):
    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        options = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        # foreach is accepted as in PyTorch: the fused path already updates every param in one call
        options.update(foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, options)

    def _check_group(self, group):
        super()._check_group(group)
        _check(group["rho"], "rho value", 0.0, 1.0, strict_high=False)
        _check(group["eps"], "epsilon value")
        _check(group["weight_decay"], "weight_decay value")

    def _update(self, group, params):
        states = [
            _state(self, p, step=lambda: 0, square_avg=lambda: zeros_like(p), acc_delta=lambda: zeros_like(p))
            for p in params
        ]
        for s in states:
            s["step"] += 1
        if group["fused"] is False:
            return _adadelta_reference(self, group, params)
        _C.adadelta_(
            self._raw(params),
            self._grads(params),
            [s["square_avg"]._c for s in states],
            [s["acc_delta"]._c for s in states],
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )


def _adadelta_reference(optimizer, group, params):
    """PyTorch's single-tensor Adadelta, one param at a time in tensor ops."""
    lr, rho, eps, weight_decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]
    with no_grad():
        for p in params:
            state = optimizer.state[p]
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            square_avg.mul_(rho).add_(grad * grad, alpha=1 - rho)
            delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
            acc_delta.mul_(rho).add_(delta * delta, alpha=1 - rho)
            p.add_(delta, alpha=-lr)


class RMSprop(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
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
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
                foreach=foreach,  # (accepted as in PyTorch: the fused path already updates every param in one call)
                differentiable=differentiable,
                fused=fused,
            ),
        )

    def _check_group(self, group):
        super()._check_group(group)
        _check(group["eps"], "epsilon value")
        _check(group["momentum"], "momentum value")
        _check(group["weight_decay"], "weight_decay value")
        _check(group["alpha"], "alpha value")

    def _update(self, group, params):
        states = []
        for p in params:
            s = _state(self, p, step=lambda: 0, square_avg=lambda: zeros_like(p))
            if group["momentum"] > 0 and "momentum_buffer" not in s:
                s["momentum_buffer"] = zeros_like(p)
            if group["centered"] and "grad_avg" not in s:
                s["grad_avg"] = zeros_like(p)
            s["step"] += 1
            states.append(s)
        if group["fused"] is False:
            return _rmsprop_reference(self, group, params)
        _C.rmsprop_(
            self._raw(params),
            self._grads(params),
            [s["square_avg"]._c for s in states],
            [s["momentum_buffer"]._c for s in states] if group["momentum"] > 0 else [],
            [s["grad_avg"]._c for s in states] if group["centered"] else [],
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
            maximize=group["maximize"],
        )


def _lerp_(start, end, weight):
    """start.lerp_(end, weight) as PyTorch computes it: the formula switches at weight 0.5 to stay exact at both
    ends."""
    if weight < 0.5:
        return start.add_(end - start, alpha=weight)
    return start.copy_(end - (end - start) * (1 - weight))


def _rmsprop_reference(optimizer, group, params):
    """PyTorch's single-tensor RMSprop, one param at a time in tensor ops."""
    lr, alpha, eps, weight_decay, momentum = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
    with no_grad():
        for p in params:
            state = optimizer.state[p]
            square_avg = state["square_avg"]
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            square_avg.mul_(alpha).add_(grad * grad, alpha=1 - alpha)
            if group["centered"]:
                grad_avg = _lerp_(state["grad_avg"], grad, 1 - alpha)
                avg = (square_avg - grad_avg * grad_avg).sqrt()
            else:
                avg = square_avg.sqrt()
            avg = avg + eps
            if momentum > 0:
                state["momentum_buffer"].mul_(momentum).add_(grad / avg)
                p.add_(state["momentum_buffer"], alpha=-lr)
            else:
                p.add_(grad / avg, alpha=-lr)
