"""`python -m autocore`: what this build contains, and a 1024x1024 matmul checked against numpy."""

import sys
import time

import numpy as np

from . import _C, backends_info, cuda, from_numpy


def best_seconds(fn, repeat=5):
    fn()  # warm up: page faults, packing buffers, thread start-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_check(n=1024) -> bool:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = _C.from_numpy(a), _C.from_numpy(b)
    flops = 2.0 * n**3
    # autocore is timed before numpy's first BLAS call: OpenBLAS's worker threads keep spinning for a
    # while after each call and would take the cores from autocore's threads.
    t_ours = best_seconds(lambda: _C.matmul(ta, tb))
    ours = np.asarray(_C.matmul(ta, tb).numpy())
    t_numpy = best_seconds(lambda: a @ b)
    reference = a.astype(np.float64) @ b.astype(np.float64)
    error = float(np.abs(ours - reference).max() / np.abs(reference).max())
    ok = error < 1e-5
    print(f"matmul {n}x{n} float32: max relative error vs numpy (float64) {error:.1e} -> {'ok' if ok else 'FAILED'}")
    print(f"  autocore : {flops / t_ours / 1e9:7.1f} GFLOP/s")
    print(f"  numpy    : {flops / t_numpy / 1e9:7.1f} GFLOP/s")
    return ok


def main() -> int:
    info = backends_info()
    print(f"autocore {info['version']}")
    print(f"  cpu kernels : {info['cpu_isa']} (compiled: {', '.join(info['compiled_isas'])})")
    print(f"  threads     : {info['num_threads']} (OpenMP {'on' if info['openmp'] else 'off'})")
    print(f"  cuda        : {_describe_cuda(info['cuda'])}")
    print(f"  cuda build  : {info['cuda_build']}")
    ok = matmul_check()
    if info["cuda"] and info["cuda"]["device_count"]:
        ok = cuda_matmul_check() and ok
    return 0 if ok else 1


def _describe_cuda(cuda):
    if not cuda:
        return "not built (see the cuda build line)"
    if not cuda["device_count"]:
        return "built, but no GPU or driver found"
    return f"{', '.join(cuda['devices'])} (runtime {cuda['runtime_version']}, driver {cuda['driver_version']})"


def cuda_matmul_check(n=1024) -> bool:
    """The same product on the first GPU, checked against float64 on the host."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = from_numpy(a).cuda(), from_numpy(b).cuda()

    def product():
        out = ta @ tb
        cuda.synchronize()
        return out

    seconds = best_seconds(product)
    ours = product().cpu().numpy()
    reference = a.astype(np.float64) @ b.astype(np.float64)
    error = float(np.abs(ours - reference).max() / np.abs(reference).max())
    ok = error < 1e-5
    print(
        f"matmul {n}x{n} float32 on {cuda.get_device_name()}: max relative error {error:.1e} -> "
        f"{'ok' if ok else 'FAILED'}"
    )
    print(f"  autocore : {2.0 * n**3 / seconds / 1e12:7.1f} TFLOP/s")
    return ok


if __name__ == "__main__":
    sys.exit(main())
