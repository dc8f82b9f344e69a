"""torch.autograd.grad_mode's switches; they live with graph recording (ops/modes.py)."""

from ..ops.modes import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled"]
