"""Per-op Python overhead: microseconds for `a + b` on 1 and 100 float32 elements, without and with
requires_grad, and per node for forward + backward through a 100-op chain; autocore against PyTorch and
numpy in one run, sample by sample in turn, medians. For small models this overhead is the whole cost of training.

    python bench/overhead.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402

from common import interleaved_medians, machine_description, print_table, try_import_torch  # noqa: E402

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
        fns = {("numpy", "add"): lambda: a_np + b_np}
        for name, lib in libs.items():
            a, b = lib.tensor(a_np), lib.tensor(b_np)
            ag, bg = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
            fns[(name, "add")] = lambda a=a, b=b: a + b
            fns[(name, "add, requires_grad")] = lambda a=ag, b=bg: a + b
            fns[(name, "chain")] = lambda a=ag: chain(a).backward()
        times = interleaved_medians(fns)
        for name in libs:
            times[(name, "chain fwd+bwd per node")] = times.pop((name, "chain")) / (CHAIN + 1)
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
