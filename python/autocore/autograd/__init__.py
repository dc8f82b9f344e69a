"""autocore.autograd: backward, grad, gradcheck, Function, forward_ad and the grad-mode switches, as in
torch.autograd. The graph itself (nodes, grad mode, the backward walk) belongs to the ops layer below
(ops/engine.py, ops/modes.py)."""

from ..ops.engine import Node
from . import forward_ad
from .api import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "backward",
    "grad",
    "gradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
]
