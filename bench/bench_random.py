"""Random fills of 1e6 elements: uniform_, normal_ (float32 and float64), randint, bernoulli_, dropout and
randperm, autocore's Philox kernels against numpy's Generator (PCG64) and PyTorch's CPU generator
(mt19937), 1 thread. Ratios > 1: autocore is faster."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402
from autocore import _C  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402

N = 10**6


def run():
    torch = try_import_torch()
    autocore.set_num_threads(1)
    if torch:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for dtype in (np.float32, np.float64):
        a = np.empty(N, dtype)
        t = _C.from_numpy(a)
        x = torch.from_numpy(a) if torch else None
        name = dtype.__name__
        # Default arguments bind this iteration's arrays (a closure would see the last ones).
        rows.append(
            (
                f"uniform_ {name}",
                lambda t=t: _C.uniform_(t),
                lambda a=a: rng.random(out=a, dtype=a.dtype),
                lambda x=x: x.uniform_(),
            )
        )
        rows.append(
            (
                f"normal_ {name}",
                lambda t=t: _C.normal_(t),
                lambda a=a: rng.standard_normal(out=a, dtype=a.dtype),
                lambda x=x: x.normal_(),
            )
        )
    ones = np.ones(N, np.float32)
    t_ones = _C.from_numpy(ones)
    x_ones = torch.from_numpy(ones) if torch else None
    rows.append(
        (
            "randint [0, 100)",
            lambda: _C.randint(0, 100, [N]),
            lambda: rng.integers(0, 100, N),
            lambda: torch.randint(0, 100, (N,)),
        )
    )
    rows.append(
        (
            "bernoulli_ float32",
            lambda: _C.bernoulli_(t_ones, 0.5),
            lambda: rng.random(N) < 0.5,
            lambda: x_ones.bernoulli_(0.5),
        )
    )
    rows.append(
        (
            "dropout float32",
            lambda: _C.dropout(t_ones, 0.5),
            lambda: ones * (rng.random(N) >= 0.5) * 2.0,
            lambda: torch.nn.functional.dropout(x_ones, 0.5),
        )
    )
    rows.append(("randperm", lambda: _C.randperm(N), lambda: rng.permutation(N), lambda: torch.randperm(N)))
    table = []
    for name, ours, theirs, torch_fn in rows:
        t_ours, t_np = median_seconds(ours), median_seconds(theirs)
        t_torch = median_seconds(torch_fn) if torch else None
        ms = lambda s: f"{s * 1e3:.2f}"
        table.append(
            [
                name,
                ms(t_ours),
                ms(t_np),
                ms(t_torch) if torch else "-",
                f"{t_np / t_ours:.2f}",
                f"{t_torch / t_ours:.2f}" if torch else "-",
            ]
        )
    autocore.set_num_threads(os.cpu_count() or 1)
    if torch:
        torch.set_num_threads(os.cpu_count() or 1)
    print_table(
        f"random fills, {N:.0e} elements, 1 thread (ms; ratios: their time / ours)",
        ["op", "autocore", "numpy", "torch", "vs numpy", "vs torch"],
        table,
    )


if __name__ == "__main__":
    run()
