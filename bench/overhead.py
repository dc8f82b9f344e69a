"""Per-op Python overhead: microseconds for `a + b` on 1 and 100 float32 elements, without and with
requires_grad, and per node for forward + backward through a 100-op chain; autocore against PyTorch and
numpy in one run, medians. For small models this overhead is the whole cost of training.

    python bench/overhead.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402

from common import machine_description, median_seconds, print_table, try_import_torch  # noqa: E402

CHAIN = 100


def chain(x):
    y = x
    for _ in range(CHAIN // 2):
        y = y * 1.0001
        y = y + 0.5
    return y.sum()


def run():
    torch = try_import_torch()
    rows = []
    for n in (1, 100):
        a_np = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        b_np = a_np.copy()
        libs = {"autocore": autocore}
        if torch:
            libs["torch"] = torch
        times = {}
        for name, lib in libs.items():
            a, b = lib.tensor(a_np), lib.tensor(b_np)
            ag, bg = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
            times[(name, "add")] = median_seconds(lambda: a + b)
            times[(name, "add, requires_grad")] = median_seconds(lambda: ag + bg)

            def fwd_bwd():
                chain(ag).backward()

            times[(name, "chain fwd+bwd per node")] = median_seconds(fwd_bwd, repeat=9) / (CHAIN + 1)
        times[("numpy", "add")] = median_seconds(lambda: a_np + b_np)
        for case in ("add", "add, requires_grad", "chain fwd+bwd per node"):
            ours = times[("autocore", case)]
            theirs = times.get(("torch", case))
            numpy_t = times.get(("numpy", case))
            rows.append(
                [
                    case,
                    n,
                    f"{ours * 1e6:.2f}",
                    f"{theirs * 1e6:.2f}" if theirs else "-",
                    f"{numpy_t * 1e6:.2f}" if numpy_t else "-",
                    f"{theirs / ours:.2f}" if theirs else "-",
                ]
            )
    print_table(
        "per-op overhead (microseconds; ratio: torch time / autocore time)",
        ["case", "elements", "autocore", "torch", "numpy", "vs torch"],
        rows,
    )


if __name__ == "__main__":
    print(f"machine: {machine_description()}")
    autocore.set_num_threads(1)
    run()
