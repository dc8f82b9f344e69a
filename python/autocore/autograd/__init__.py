"""autocore.autograd: backward, grad, gradcheck and the grad-mode switches, as in torch.autograd."""

from . import forward_ad
from .engine import Node, run_backward
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck


def _as_list(x):
    if x is None:
        return None
    return [x] if hasattr(x, "_c") else list(x)


def _grad_outputs(outputs, grad_outputs):
    from ..factories import ones_like

    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    result = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(out)
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    tensors = _as_list(tensors)
    grads = _grad_outputs(tensors, _as_list(grad_tensors))
    run_backward(tensors, grads, create_graph if retain_graph is None else retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _grad_outputs(outputs, _as_list(grad_outputs))
    return run_backward(
        outputs, grads, create_graph if retain_graph is None else retain_graph, create_graph, inputs, allow_unused
    )


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
