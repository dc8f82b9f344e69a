"""The reverse-mode engine. A Node is the grad_fn of one op's output: edges to where its inputs' gradients
go (their grad_fn, or the leaf tensor itself) and a vjp closure mapping the output's gradient to theirs.
Nodes hold no input tensors, so intermediate results nothing saved are freed as soon as the user drops them.
backward() walks the graph in topological order without recursion, so a chain of 100,000 ops is fine, and
frees each closure (and what it saved) as soon as it has run unless retain_graph is set."""

from . import modes

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)


class Node:
    """grad_fn of a tensor. `edges[i]` is where the i-th input's gradient goes: its grad_fn, the input itself
    when it is a leaf that requires grad, or None; `vjp(grad)` returns one gradient (or None) per input."""

    __slots__ = ("_name", "edges", "vjp", "saved", "hooks", "retained", "__weakref__")

    def __init__(self, name, edges, vjp, saved=None):
        self._name = name
        self.edges = edges
        self.vjp = vjp
        self.saved = saved  # (C++ tensor, its storage version) for each tensor the vjp reads
        self.hooks = None  # hooks registered on the output tensor, run on its gradient
        self.retained = None  # the output tensor, when it called retain_grad()

    def name(self):
        """The op's backward name, e.g. 'MulBackward0', as PyTorch's grad_fn.name()."""
        return self._name

    @property
    def next_functions(self):
        return tuple((e if e.__class__ is Node else None, 0) for e in self.edges)

    def __repr__(self):
        return f"<{self._name}>"


def edge(t):
    """Where a gradient for input t goes: nowhere (None), its grad_fn, or t itself when it is a leaf."""
    return None if t is None else t.grad_fn if t.grad_fn is not None else t


def edges_of(inputs):
    return tuple(map(edge, inputs))


def _check_saved(node):
    for c, version in node.saved:
        if c._version != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"[{c.dtype.name} {list(c.shape)}], which is saved by {node._name}, is at version {c._version}; "
                f"expected version {version} instead. Hint: the operation that modified it ran after the forward "
                "pass; compute a copy (clone()) before modifying it in place."
            )


def _run_hooks(hooks, grad):
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _accumulate(total, grad):
    return grad if total is None else total + grad


def _graph_order(roots):
    """Nodes reachable from `roots` and, for each, how many gradients it will receive."""
    pending = {}
    stack = list(roots)
    for node in roots:
        pending.setdefault(node, 0)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for child in node.edges:
            if child.__class__ is not Node:
                continue
            pending[child] = pending.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return pending


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, allow_unused=False):
    """Propagates grad_outputs from outputs. With `inputs`, returns their gradients instead of
    accumulating into the leaves' .grad (autograd.grad)."""
    captured = captured_nodes = None
    if inputs is not None:
        captured = {id(t): None for t in inputs}
        # Non-leaf inputs are captured at their grad_fn, whose incoming gradient is theirs.
        captured_nodes = {t.grad_fn: t for t in inputs if t.grad_fn is not None}
    grads = {}
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if out.grad_fn is None:
            if not out.requires_grad:
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            _deliver_leaf(out, g, captured, create_graph)
            continue
        grads[out.grad_fn] = _accumulate(grads.get(out.grad_fn), g)
        roots.append(out.grad_fn)
    pending = _graph_order(roots)
    ready = [node for node in dict.fromkeys(roots) if pending[node] == 0]
    with modes.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grad = grads.pop(node)
            if node.hooks:
                grad = _run_hooks(node.hooks, grad)
            if node.retained is not None:
                tensor = node.retained()
                if tensor is not None:
                    tensor.grad = grad if create_graph else grad.detach()
            if captured_nodes and node in captured_nodes:
                captured[id(captured_nodes[node])] = grad
            vjp = node.vjp
            if vjp is None:
                raise RuntimeError(_FREED)
            if node.saved:
                _check_saved(node)
            input_grads = vjp(grad)
            edges = node.edges
            if not retain_graph:  # the graph is spent: drop what it kept alive
                node.vjp = None
                node.saved = None
            for child, g in zip(edges, input_grads):
                if child is None or g is None:
                    continue
                if child.__class__ is not Node:
                    _deliver_leaf(child, g, captured, create_graph)
                    continue
                grads[child] = _accumulate(grads.get(child), g)
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
    if captured is None:
        return None
    result = []
    for t in inputs:
        g = captured[id(t)]
        if g is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        result.append(g)
    return tuple(result)


def _deliver_leaf(t, g, captured, create_graph):
    if t._hooks:
        g = _run_hooks(t._hooks, g)
    if captured is not None:
        if id(t) in captured:
            captured[id(t)] = _accumulate(captured[id(t)], g)
        return
    if not create_graph:
        g = g.detach()
    if g.shape != t.shape:
        raise RuntimeError(
            f"Function returned an invalid gradient: got shape {list(g.shape)}, expected {list(t.shape)}"
        )
    t.grad = g if t.grad is None else (t.grad + g if create_graph else (t.grad + g).detach())
