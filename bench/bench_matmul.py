"""Matmul throughput: autocore against numpy (OpenBLAS) and PyTorch on the same float32 data, square sizes
64..2048 and an MLP's shapes, with 1 and 2 threads. GFLOP/s = 2*m*n*k / median time; % peak uses the
per-core fp32 peak in AUTOCORE_PEAK_GFLOPS (default 258: AVX-512, 2 FMA ports, ~4 GHz).

numpy's thread count is set with threadpoolctl when it is installed (pip install threadpoolctl);
OPENBLAS_CORETYPE, which pins OpenBLAS to older kernels, is read when numpy loads, so run this once with
it set and once without to see both (bench/RESULTS.md reports the stronger).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402
from autocore import _C  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402

SQUARE = [64, 128, 256, 512, 1024, 2048]
MLP = [(32, 10, 16), (64, 784, 256), (128, 784, 256), (512, 1024, 1024)]
PEAK_PER_CORE = float(os.environ.get("AUTOCORE_PEAK_GFLOPS", 258))


def numpy_threads(n):
    """A context manager limiting OpenBLAS to n threads, or None when threadpoolctl is missing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n, user_api="blas")


def run(shapes=None):
    torch = try_import_torch()
    shapes = shapes or [(s, s, s) for s in SQUARE] + MLP
    coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
    rows = []
    for threads in (1, 2):
        autocore.set_num_threads(threads)
        if torch:
            torch.set_num_threads(threads)
        limit = numpy_threads(threads)
        try:
            if limit:
                limit.__enter__()
            for m, k, n in shapes:
                rng = np.random.default_rng(0)
                a = rng.standard_normal((m, k), dtype=np.float32)
                b = rng.standard_normal((k, n), dtype=np.float32)
                ta, tb = _C.from_numpy(a), _C.from_numpy(b)
                repeat = 7 if m * n * k > 2**28 else 15
                t_ours = median_seconds(lambda: _C.matmul(ta, tb), repeat=repeat)
                t_np = median_seconds(lambda: a @ b, repeat=repeat)
                t_torch = None
                if torch:
                    xa, xb = torch.from_numpy(a), torch.from_numpy(b)
                    t_torch = median_seconds(lambda: xa @ xb, repeat=repeat)
                flops = 2.0 * m * n * k
                gf = lambda t: flops / t / 1e9
                rows.append(
                    [
                        f"{m}x{k}x{n}",
                        threads,
                        f"{gf(t_ours):.1f}",
                        f"{100 * gf(t_ours) / (PEAK_PER_CORE * threads):.0f}%",
                        f"{gf(t_np):.1f}",
                        f"{gf(t_torch):.1f}" if torch else "-",
                        f"{t_np / t_ours:.2f}",
                        f"{t_torch / t_ours:.2f}" if torch else "-",
                        f"{t_ours * 1e6:.1f}",
                    ]
                )
        finally:
            if limit:
                limit.__exit__(None, None, None)
    autocore.set_num_threads(os.cpu_count() or 1)
    note = "" if numpy_threads(1) else " (threadpoolctl missing: numpy's thread count not controlled)"
    print_table(
        f"matmul float32, GFLOP/s (OPENBLAS_CORETYPE={coretype}){note}",
        ["m x k x n", "threads", "autocore", "% peak", "numpy", "torch", "vs numpy", "vs torch", "autocore us"],
        rows,
    )


if __name__ == "__main__":
    run()
