"""viz.to_dot: the backward graph of a result as Graphviz DOT text. One node per op (its grad_fn name),
leaves labelled with their shapes and, when `params` names them (e.g. dict(model.named_parameters())),
their names. Render it with the graphviz package when installed: graphviz.Source(to_dot(loss))."""


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def to_dot(tensor, params=None):
    names = {id(t): name for name, t in (params or {}).items()}
    lines = ["digraph autograd {", '  node [shape=box, fontname="monospace", fontsize=10];', "  rankdir=BT;"]
    ids = {}

    def node_id(key, label, style):
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            lines.append(f'  {ids[key]} [label="{label}"{style}];')
        return ids[key]

    root_label = f"output {_shape(tensor)}"
    root = node_id(("tensor", id(tensor)), root_label, ", style=filled, fillcolor=darkolivegreen1")
    if tensor.grad_fn is None:
        lines.append("}")
        return "\n".join(lines)
    top = node_id(("node", id(tensor.grad_fn)), tensor.grad_fn.name(), "")
    lines.append(f"  {top} -> {root};")
    stack, seen = [tensor.grad_fn], {id(tensor.grad_fn)}
    while stack:  # no recursion: graphs of any depth
        node = stack.pop()
        here = ids[("node", id(node))]
        for edge in node.edges:
            if edge is None:
                continue
            if hasattr(edge, "_c"):  # a leaf tensor
                label = (names.get(id(edge), "") + " " if id(edge) in names else "") + _shape(edge)
                leaf = node_id(("tensor", id(edge)), label.strip(), ", style=filled, fillcolor=lightblue")
                lines.append(f"  {leaf} -> {here};")
                continue
            child = node_id(("node", id(edge)), edge.name(), "")
            lines.append(f"  {child} -> {here};")
            if id(edge) not in seen:
                seen.add(id(edge))
                stack.append(edge)
    lines.append("}")
    return "\n".join(lines)
