"""Memory over time: a long training run keeps a flat resident size; the graph of a computation is freed by
reference counting alone (no cycle for the garbage collector to find) once backward has run, once a retained
graph is dropped, or when it is dropped without a backward; a 100,000-op chain runs forward and backward in
bounded memory, gives the closed-form gradient and gives its memory back."""

import ctypes
import gc
import os
import weakref

import numpy as np
import pytest

import autocore
from autocore.ops.engine import Node

MB = 1 << 20

# Resident-size measurements need /proc, and mean nothing under AddressSanitizer (.ci/sanitize sets
# AUTOCORE_SANITIZED), whose quarantine holds freed memory back on purpose.
needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm") or bool(os.environ.get("AUTOCORE_SANITIZED")),
    reason="resident memory is read from /proc/self/statm (Linux only, no ASan)",
)


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def release_free_heap():
    """Hands glibc's free heap pages back to the kernel, so that RSS counts live memory rather than freed
    chunks that fragmentation kept below the top of the heap (a no-op where malloc_trim does not exist)."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


@pytest.fixture
def refcounting_only():
    """Runs the test with the cyclic garbage collector off: what is freed is freed by reference counts."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---- 1. a long training run ----


def _classification_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 20)).astype(np.float32)
    y = (X[:, :5].sum(1) > 0).astype(np.int64)  # learnable, so the loss must fall
    return autocore.from_numpy(X), autocore.from_numpy(y)


@needs_proc
@pytest.mark.parametrize("setup", ["sgd-full-batch", "adam-dataloader"])
def test_training_for_thousands_of_steps_keeps_resident_memory_flat(setup):
    """21,000 steps of a 20-32-2 MLP; from step 1,000 on, RSS may grow by at most 4 MB (it grows by about
    1 MB, once, as the allocator settles). Keeping every step's loss (with its graph) alive grows it by
    10 to 30 MB over the measured steps, so a leak of that size per step fails here."""
    from autocore.utils.data import DataLoader, TensorDataset

    X, y = _classification_data()
    autocore.manual_seed(0)
    model = autocore.nn.Sequential(autocore.nn.Linear(20, 32), autocore.nn.Tanh(), autocore.nn.Linear(32, 2))
    loss_fn = autocore.nn.CrossEntropyLoss()
    if setup == "sgd-full-batch":
        optimizer = autocore.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        scheduler = None
        batches = [(X, y)]
    else:
        optimizer = autocore.optim.Adam(model.parameters(), lr=1e-3)
        scheduler = autocore.optim.lr_scheduler.StepLR(optimizer, step_size=1000, gamma=0.9)
        batches = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    with autocore.no_grad():
        first_loss = loss_fn(model(X), y).item()

    warm_up, steps, step = 1_000, 21_000, 0
    while step < steps:
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            if step == warm_up:
                gc.collect()
                baseline = resident_bytes()
            if step == steps:
                break
    gc.collect()
    growth = resident_bytes() - baseline
    with autocore.no_grad():
        last_loss = loss_fn(model(X), y).item()
    assert last_loss < 0.5 * first_loss, (first_loss, last_loss)
    assert growth < 4 * MB, f"RSS grew by {growth / MB:.1f} MB over {steps - warm_up} training steps"


# ---- 2. the graph is freed by reference counting ----


def _probes(loss, intermediates, outside):
    """Weak references, with a name for each, to everything the graph of `loss` holds: the given
    intermediate tensors, every node reachable from loss.grad_fn and every tensor a node saved, but for
    those that tensors living outside the graph (`outside`: inputs, parameters) hold anyway."""
    held = {id(t._c) for t in outside}
    probes = [(f"intermediate tensor {name}", weakref.ref(t)) for name, t in intermediates.items()]
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        assert isinstance(node, Node)
        name = repr(node).strip("<>")
        probes.append((f"{name} node", weakref.ref(node)))
        for i, (saved, _version) in enumerate(node.saved or ()):
            if id(saved) not in held:
                probes.append((f"{name} saved tensor {i}", weakref.ref(saved)))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return probes


def _alive(probes):
    return [name for name, probe in probes if probe() is not None]


def _check_graph_freed(build, mode, outside=()):
    """Builds a graph with build() -> (loss, intermediates), drops it after `mode` and returns what survived
    (empty when the graph was freed)."""
    loss, intermediates = build()
    probes = _probes(loss, intermediates, outside)
    del intermediates
    if mode == "backward":
        loss.backward()
        # Backward released what the nodes saved while the loss (and so the nodes) still live.
        survivors = [name for name in _alive(probes) if not name.endswith(" node")]
        if survivors:
            return [f"after backward, with the loss alive: {name}" for name in survivors]
    elif mode == "retain_graph":
        loss.backward(retain_graph=True)
        # A retained graph keeps its nodes and what they saved for the next backward.
        freed = [name for name, probe in probes if probe() is None and not name.startswith("intermediate")]
        assert not freed, f"retain_graph=True freed {freed}"
    del loss
    return [f"after dropping the loss ({mode}): {name}" for name in _alive(probes)]


class _Cube(autocore.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


OPS = {
    "relu": autocore.relu,
    "tanh": autocore.tanh,
    "sigmoid": autocore.sigmoid,
    "exp": autocore.exp,
    "log": lambda h: autocore.log(h * h + 1),
    "sqrt": lambda h: autocore.sqrt(h * h + 1),
    "softmax": lambda h: autocore.softmax(h, 1),
    "log_softmax": lambda h: autocore.log_softmax(h, 1),
    "matmul": lambda h: h @ h.T,
    "linear": lambda h: autocore.nn.functional.linear(h, h[:3], h[0, :3]),
    "mean-var": lambda h: h.mean(0) * h.var(1, keepdim=True),
    "cross_entropy": lambda h: autocore.nn.functional.cross_entropy(h, autocore.tensor([0, 2, 1, 2])),
    "autograd.Function": _Cube.apply,
}


@pytest.mark.parametrize("op", list(OPS))
def test_an_ops_graph_is_freed_by_reference_counting_alone(op, refcounting_only):
    """For each op: its node, what it saved and the intermediate tensors die as soon as the graph is
    unreachable, whether backward ran (freeing saved tensors at once), ran with retain_graph=True (freeing
    them when the loss is dropped) or never ran (an evaluation pass under grad mode). With the cyclic
    collector off, a reference cycle through the graph (say, a node reached from its own vjp closure)
    would keep the node, its saved output and everything upstream alive until a collection."""
    rng = np.random.default_rng(1)
    x0 = rng.uniform(0.5, 1.5, size=(4, 3))

    def build():
        x = autocore.tensor(x0, requires_grad=True)
        h = x * 1.5  # the op's input is an intermediate, which the op's node may save
        out = OPS[op](h)
        return (out * out).sum(), {"h": h, "out": out}

    survivors = []
    for mode in ("backward", "retain_graph", "no_backward"):
        survivors += _check_graph_freed(build, mode)
    assert not survivors, "kept alive without a garbage collection:\n" + "\n".join(survivors)


@pytest.mark.parametrize("mode", ["backward", "retain_graph", "no_backward"])
def test_an_mlps_graph_is_freed_by_reference_counting_alone(mode, refcounting_only):
    rng = np.random.default_rng(2)
    X = autocore.from_numpy(rng.normal(size=(64, 20)).astype(np.float32))
    y = autocore.from_numpy(rng.integers(0, 2, size=64))
    autocore.manual_seed(0)
    first, act, second = autocore.nn.Linear(20, 32), autocore.nn.Tanh(), autocore.nn.Linear(32, 2)

    def build():
        hidden = first(X)
        activated = act(hidden)
        logits = second(activated)
        loss = autocore.nn.functional.cross_entropy(logits, y)
        return loss, {"hidden": hidden, "activated": activated, "logits": logits}

    outside = [X, y, *first.parameters(), *second.parameters()]
    survivors = _check_graph_freed(build, mode, outside)
    assert not survivors, "kept alive without a garbage collection:\n" + "\n".join(survivors)


# ---- 3. a 100,000-op chain ----


@needs_proc
def test_a_100000_op_chain_runs_in_bounded_memory_and_gives_it_back(refcounting_only):
    """y <- y * w + b, 50,000 times (100,000 ops; w and b are leaves used at every step), so
    y_N = x w^N + b S with S = sum_{k<N} w^k: dL/dx = w^N, dL/db = S, dL/dw = N x w^(N-1) + b dS/dw for
    L = sum(y_N). Neither the walk nor the release of so deep a graph may recurse; the graph must fit in
    200 MB, and dropping it (after backward or without one) must give that memory back."""
    n = 50_000
    rng = np.random.default_rng(3)
    x0, b0 = rng.uniform(-1, 1, 8), rng.uniform(-1, 1, 8)
    w0 = 1 + rng.uniform(-2e-5, 2e-5, 8)  # w^N stays within [1/e, e]
    x, w, b = (autocore.tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def chain():
        """The chain's output, and weak references to its root node and its deepest one (the first op's)."""
        y = x * w + b
        deepest = weakref.ref(y.grad_fn.next_functions[0][0])
        for _ in range(n - 1):
            y = y * w + b
        return y, (weakref.ref(y.grad_fn), deepest)

    release_free_heap()
    baseline = resident_bytes()
    y, nodes = chain()
    built = resident_bytes() - baseline
    y.sum().backward()
    del y
    assert [node() for node in nodes] == [None, None], "the graph outlived backward and its output"
    release_free_heap()
    after_backward = resident_bytes() - baseline

    y, nodes = chain()  # a second graph, dropped without backward
    rebuilt = resident_bytes() - baseline
    del y
    assert [node() for node in nodes] == [None, None], "a graph dropped without backward outlived its output"
    release_free_heap()
    after_drop = resident_bytes() - baseline

    assert built < 200 * MB, f"a 100,000-op graph took {built / MB:.0f} MB"
    assert rebuilt < built + 32 * MB, f"the second graph took {rebuilt / MB:.0f} MB, the first {built / MB:.0f} MB"
    assert after_backward < 32 * MB, f"{after_backward / MB:.0f} MB still held after backward and dropping the graph"
    assert after_drop < 32 * MB, f"{after_drop / MB:.0f} MB still held after dropping a graph without backward"

    k = np.arange(n, dtype=np.float64)
    powers = w0[:, None] ** k
    np.testing.assert_allclose(x.grad.numpy(), w0**n, rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), powers.sum(1), rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), n * x0 * w0 ** (n - 1) + b0 * (k[1:] * powers[:, :-1]).sum(1), rtol=1e-9)


# ---- 4. every C++ storage dies with its last tensor, on error paths too ----


def _workload(tmp_path):
    """Training, checkpoints, numpy and DLPack interop, and a run of calls that fail inside the C++ core after
    their arguments were converted (where a half-built result would leak if anything did)."""
    from autocore.nn import functional as F
    from autocore.utils.data import DataLoader, TensorDataset

    X, y = _classification_data()
    autocore.manual_seed(0)
    model = autocore.nn.Sequential(
        autocore.nn.Linear(20, 16), autocore.nn.ReLU(), autocore.nn.Dropout(0.1), autocore.nn.Linear(16, 2)
    )
    optimizer = autocore.optim.Adam(model.parameters(), lr=1e-3)
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    autocore.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "c.ac")
    state = autocore.load(tmp_path / "c.ac")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    shared = autocore.from_numpy(np.ones((3, 4))).numpy()
    autocore.from_dlpack(autocore.ones(5))
    a, b = autocore.randn(3, 4, requires_grad=True), autocore.randn(5, 2)
    failing = [
        lambda: a @ b,
        lambda: F.cross_entropy(a, autocore.tensor([0, 9, 1])),
        lambda: a[7],
        lambda: autocore.cat([a, b]),
        lambda: a.view(5, -1),
        lambda: a + b,
        lambda: F.nll_loss(a, autocore.tensor([0.5, 1.0, 2.0])),
        lambda: autocore.zeros(1 << 40, 1 << 40),
        lambda: autocore.ones(4)._c.as_strided([3], [2], 0),
        lambda: F.binary_cross_entropy(a.sigmoid(), b),
    ]
    for call in failing:
        with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
            call()
    return shared


def test_no_storage_outlives_its_tensors(tmp_path, refcounting_only):
    """_C._live_storages() counts the C++ storages alive: after a workload and dropping everything it made,
    the count is back where it started (a first run warms whatever is created once and kept)."""
    from autocore import _C

    _workload(tmp_path)
    gc.collect()
    before = _C._live_storages()
    kept = _workload(tmp_path)
    assert _C._live_storages() > before  # the probe counts: the numpy array still holds its storage
    del kept
    gc.collect()
    assert _C._live_storages() == before
