"""The package's imports point one way, layer by layer, and form no cycle; none hides inside a function (except
optional third-party packages). Read from the source with ast, so a change that breaks the layering fails here
even if it happens to import."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "autocore"

# Lower layers never import higher ones. Within a layer, imports may go either way as long as they form no cycle.
LAYERS = [
    ("the C++ core", ["_C"]),
    ("dtypes and devices", ["_dtype", "cuda", "backends", "_build_info"]),
    ("the tensor", ["tensor"]),
    ("ops and graph recording", ["ops", "random", "factories", "_tensor_methods", "legacy_types", "serialization"]),
    ("autograd", ["autograd", "func"]),
    ("nn", ["nn"]),
    ("optim", ["optim"]),
    ("data", ["utils", "datasets"]),
    ("the package", ["", "__main__", "viz"]),
    ("examples", ["examples"]),
]


def layer_of(module):
    """module: a dotted name below autocore ('' for autocore itself)."""
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix and module.startswith(prefix + ".")):
                return rank
    raise AssertionError(f"autocore.{module} is in no layer: add it to LAYERS in {__file__}")


def module_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path, path.name == "__init__.py"


def is_module(dotted):
    path = PACKAGE.joinpath(*dotted.split(".")) if dotted else PACKAGE
    return dotted == "_C" or path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() or path.is_dir()


def imports_of(module, is_package, tree):
    """(target module below autocore, line, inside a function or class) for every import of autocore."""
    package = module if is_package else module.rpartition(".")[0]
    nested = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nested.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        inside = id(node) in nested
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "autocore" or alias.name.startswith("autocore."):
                    yield alias.name.partition(".")[2], node.lineno, inside
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                base = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == "autocore" or node.module.startswith("autocore.")):
                base = node.module.partition(".")[2]
            else:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                yield (sub if is_module(sub) else base), node.lineno, inside


def import_graph():
    graph, problems = {}, []
    for module, path, is_package in module_files():
        edges = graph.setdefault(module, set())
        for target, line, inside in imports_of(module, is_package, ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if inside:
                problems.append(f"{where}: imports autocore.{target} inside a function or class")
            if layer_of(target) > layer_of(module):
                problems.append(
                    f"{where}: autocore.{module} ({LAYERS[layer_of(module)][0]}) imports autocore.{target} "
                    f"({LAYERS[layer_of(target)][0]}), a higher layer"
                )
            if target != module:
                edges.add(target)
    return graph, problems


def find_cycle(graph):
    state, path = {}, []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == "open":
                return path[path.index(child) :] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_every_module_has_a_layer():
    for module, _, _ in module_files():
        layer_of(module)


def test_imports_point_down_and_none_hides_in_a_function():
    _, problems = import_graph()
    assert problems == []


def test_the_imports_form_no_cycle():
    graph, _ = import_graph()
    graph.pop("", None)  # autocore/__init__ imports the public names of everything, and nothing imports it back
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(f"autocore.{m}" for m in cycle)


def test_the_checker_sees_what_it_must_refuse():
    # The rules above must be able to fail: an upward import, one inside a function, and a cycle.
    source = "from ..nn import Module\n\ndef f():\n    from .. import factories\n"
    found = list(imports_of("ops.example", False, ast.parse(source)))
    assert found == [("nn", 1, False), ("factories", 4, True)]
    assert layer_of("nn") > layer_of("ops.example")
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
