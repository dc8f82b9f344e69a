"""A full training step (zero_grad, forward, loss, backward, optimizer step) for MLPs with ReLU,
LogSoftmax + NLLLoss and SGD with momentum 0.9: autocore against PyTorch (when installed) and a hand-written
numpy MLP, side by side in one run, medians over many steps, 1 and 2 threads; then the peak memory a
step adds, each library measured in a fresh process.

    python bench/training.py            # all sizes
    python bench/training.py small      # (a) only
"""

import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import machine_description, median_seconds, print_table, try_import_torch  # noqa: E402

SIZES = {  # name: (layer widths, batch)
    "a: 10-16-2, batch 32": ([10, 16, 2], 32),
    "b: 784-256-10, batch 128": ([784, 256, 10], 128),
    "c: 1024-4096-4096-10, batch 512": ([1024, 4096, 4096, 10], 512),
}


def make_data(widths, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, widths[0]), dtype=np.float32)
    y = rng.integers(0, widths[-1], batch)
    weights = [
        ((rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32), np.zeros(o, np.float32))
        for i, o in zip(widths[:-1], widths[1:])
    ]
    return x, y, weights


def torch_like_step(lib, widths, batch, device="cpu"):
    """A closure running one training step with autocore or PyTorch (same code, the library swapped)."""
    x_np, y_np, weights = make_data(widths, batch)
    layers = []
    for w, b in weights:
        layer = lib.nn.Linear(w.shape[1], w.shape[0])
        layer.load_state_dict({"weight": lib.tensor(w), "bias": lib.tensor(b)})
        layers += [layer, lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1], lib.nn.LogSoftmax(dim=1))
    model.to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.NLLLoss()
    x, y = lib.tensor(x_np, device=device), lib.tensor(y_np, device=device)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    return step


def numpy_step(widths, batch):
    """The same network, forward and backward written out in numpy, momentum SGD in place."""
    x, y, weights = make_data(widths, batch)
    params = [p for pair in weights for p in pair]
    buffers = [np.zeros_like(p) for p in params]
    rows = np.arange(batch)

    def step():
        activations, h = [x], x
        for i, (w, b) in enumerate(zip(params[0::2], params[1::2])):
            h = h @ w.T + b
            if i < len(weights) - 1:
                h = np.maximum(h, 0)
            activations.append(h)
        shifted = h - h.max(1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        grad = np.exp(log_probs)
        grad[rows, y] -= 1
        grad /= batch  # d(mean NLL)/d(logits) = (softmax - one_hot) / batch
        grads = [None] * len(params)
        for i in range(len(weights) - 1, -1, -1):
            w = params[2 * i]
            grads[2 * i] = grad.T @ activations[i]
            grads[2 * i + 1] = grad.sum(0)
            if i > 0:
                grad = (grad @ w) * (activations[i] > 0)
        for p, g, buf in zip(params, grads, buffers):
            buf *= 0.9
            buf += g
            p -= 0.01 * buf

    return step


def set_threads(n, torch):
    import autocore

    autocore.set_num_threads(n)
    if torch:
        torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        return None


def speed(sizes):
    import autocore

    torch = try_import_torch()
    rows = []
    for threads in (1, 2):
        limits = set_threads(threads, torch)
        for name in sizes:
            widths, batch = SIZES[name]
            big = widths[1] >= 4096
            repeat, min_time = (5, 0.0) if big else (15, 0.05)
            t_ours = median_seconds(torch_like_step(autocore, widths, batch), repeat=repeat, min_time=min_time)
            t_np = median_seconds(numpy_step(widths, batch), repeat=repeat, min_time=min_time)
            t_torch = (
                median_seconds(torch_like_step(torch, widths, batch), repeat=repeat, min_time=min_time)
                if torch
                else None
            )
            rows.append(
                [
                    name,
                    threads,
                    f"{t_ours * 1e3:.3f}",
                    f"{t_torch * 1e3:.3f}" if torch else "-",
                    f"{t_np * 1e3:.3f}",
                    f"{t_ours / t_torch:.2f}" if torch else "-",
                    f"{t_np / t_ours:.2f}",
                ]
            )
        if limits:
            limits.unregister() if hasattr(limits, "unregister") else None
    print_table(
        "training step, milliseconds (ratios: autocore/torch time, numpy/autocore speed)",
        ["MLP", "threads", "autocore", "torch", "numpy", "autocore / torch", "speed vs numpy"],
        rows,
    )


def _peak_child(lib_name, size_name, steps=3):
    """In a fresh process: how far a few training steps raise the peak resident memory above what the
    set-up left resident (MiB). The kernel's high-water mark is reset first (Linux: /proc/self/clear_refs)."""
    widths, batch = SIZES[size_name]
    if lib_name == "numpy":
        step = numpy_step(widths, batch)
    else:
        lib = __import__(lib_name)
        step = torch_like_step(lib, widths, batch)

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS:")
    for _ in range(steps):
        step()
    print(f"{status('VmHWM:') - before:.1f}")


def memory(sizes):
    rows = []
    libs = ["autocore", "numpy"] + (["torch"] if try_import_torch() else [])
    for name in sizes:
        measured = {}
        for lib in libs:
            out = subprocess.run([sys.executable, __file__, "--peak", lib, name], capture_output=True, text=True)
            measured[lib] = float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else float("nan")
        rows.append([name] + [f"{measured[lib]:.1f}" for lib in libs])
    print_table("peak memory a training step adds (MiB, each library in a fresh process)", ["MLP"] + libs, rows)


def run(selected=None):
    sizes = [n for n in SIZES if selected is None or n.startswith(selected)] if selected else list(SIZES)
    speed(sizes)
    memory(sizes)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--peak":
        _peak_child(sys.argv[2], sys.argv[3])
    else:
        print(f"machine: {machine_description()}")
        choice = {"small": "a", "medium": "b", "large": "c"}.get(sys.argv[1]) if len(sys.argv) > 1 else None
        run(choice)
