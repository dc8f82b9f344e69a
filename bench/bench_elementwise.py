"""Elementwise bandwidth: add and relu on 1e6 and 1e7 float32 elements, fresh result and out=,
autocore against numpy and PyTorch (when installed), 1 and 2 threads. GB/s counts bytes read + written."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402
from autocore import _C  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402


def run():
    torch = try_import_torch()
    rows = []
    for threads in (1, 2):
        autocore.set_num_threads(threads)
        if torch:
            torch.set_num_threads(threads)
        for n in (10**6, 10**7):
            rng = np.random.default_rng(0)
            a = rng.standard_normal(n, dtype=np.float32)
            b = rng.standard_normal(n, dtype=np.float32)
            out = np.empty_like(a)
            ta, tb, tout = _C.from_numpy(a), _C.from_numpy(b), _C.from_numpy(out)
            cases = {
                "add": (3 * 4 * n, lambda: _C.add(ta, tb), lambda: np.add(a, b), lambda: torch.add(xa, xb)),
                "add out=": (
                    3 * 4 * n,
                    lambda: _C.add(ta, tb, out=tout),
                    lambda: np.add(a, b, out=out),
                    lambda: torch.add(xa, xb, out=xout),
                ),
                "relu": (2 * 4 * n, lambda: _C.relu(ta), lambda: np.maximum(a, 0), lambda: torch.relu(xa)),
                "relu out=": (
                    2 * 4 * n,
                    lambda: _C.relu(ta, out=tout),
                    lambda: np.maximum(a, 0, out=out),
                    lambda: torch.clamp_min(xa, 0, out=xout),
                ),
            }
            if torch:
                xa, xb, xout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
            for name, (nbytes, ours, theirs, torch_fn) in cases.items():
                t_ours, t_np = median_seconds(ours), median_seconds(theirs)
                t_torch = median_seconds(torch_fn) if torch else None
                gbs = lambda t: f"{nbytes / t / 1e9:.1f}"
                rows.append(
                    [
                        name,
                        f"{n:.0e}",
                        threads,
                        gbs(t_ours),
                        gbs(t_np),
                        gbs(t_torch) if torch else "-",
                        f"{t_np / t_ours:.2f}",
                        f"{t_torch / t_ours:.2f}" if torch else "-",
                    ]
                )
    autocore.set_num_threads(os.cpu_count() or 1)
    print_table(
        "elementwise bandwidth (GB/s, float32)",
        ["op", "n", "threads", "autocore", "numpy", "torch", "vs numpy", "vs torch"],
        rows,
    )


if __name__ == "__main__":
    run()
