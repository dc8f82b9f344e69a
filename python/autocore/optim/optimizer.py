"""Optimizer, as torch.optim.Optimizer: parameter groups with per-group options, per-parameter state,
zero_grad, step(closure), state_dict/load_state_dict. Subclasses apply their update with one fused C++
call per group (see csrc/cpu/optim_update.cpp)."""

from ..autograd import enable_grad, no_grad
from ..tensor import Tensor, zero_grads


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                "got " + type(params).__name__
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + type(p).__name__)
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validates a group's options (ValueError with PyTorch's message); subclasses extend it."""
        if group.get("lr", 0) < 0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if params:
                    self._update(group, params)
        return loss

    def _update(self, group, params):
        """Applies the optimizer's rule to the group's params that have gradients (each subclass's own)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(group, params), its update rule")

    @staticmethod
    def _raw(tensors):
        return [t._c for t in tensors]

    def _grads(self, params):
        return [p.grad._c for p in params]

    # ---- state ----
    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: (v.clone() if isinstance(v, Tensor) else v) for k, v in s.items()}
            for p, s in ((p, self.state.get(p)) for g in self.param_groups for p in g["params"])
            if s
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores state_dict() output. It is checked whole first, so one of another optimizer or model raises
        ValueError with this optimizer untouched."""
        if (
            not isinstance(state_dict, dict)
            or not isinstance(state_dict.get("state"), dict)
            or not isinstance(state_dict.get("param_groups"), (list, tuple))
        ):
            raise ValueError(
                "loaded state dict is not an optimizer's: it needs a 'state' dict and a 'param_groups' list"
            )
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for saved, own in zip(groups, self.param_groups):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise ValueError("loaded state dict has a parameter group without its 'params' list")
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        by_index = {
            i: p for saved, own in zip(groups, self.param_groups) for i, p in zip(saved["params"], own["params"])
        }
        state = {}
        for i, saved_state in state_dict["state"].items():
            try:
                p = by_index.get(int(i))
            except (TypeError, ValueError):
                p = None
            if p is None or not isinstance(saved_state, dict):
                raise ValueError(f"loaded state dict holds state for parameter {i!r}, which no parameter group lists")
            for key, value in saved_state.items():
                if isinstance(value, Tensor) and value.dim() > 0 and tuple(value.shape) != tuple(p.shape):
                    raise ValueError(
                        f"loaded state dict has '{key}' of shape {tuple(value.shape)} for a parameter of "
                        f"shape {tuple(p.shape)}"
                    )
            state[p] = {
                k: (v.clone().to(p.device, p.dtype) if isinstance(v, Tensor) and v.is_floating_point() else v)
                for k, v in saved_state.items()
            }
        self.state = state
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
