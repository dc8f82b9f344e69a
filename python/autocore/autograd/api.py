"""autograd.backward and autograd.grad: the entry points to the engine (ops/engine.py), with PyTorch's argument
handling (a tensor or a sequence, implicit ones for scalar outputs)."""

from ..factories import ones_like
from ..ops.engine import run_backward


def _as_list(x):
    if x is None:
        return None
    return [x] if hasattr(x, "_c") else list(x)


def _grad_outputs(outputs, grad_outputs):
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
