"""The CUDA backend against PyTorch on the same GPU, side by side in one run, medians over repeats:
float32 matmul (our SGEMM against cuBLAS; then TF32 against PyTorch with TF32 allowed) at 1024, 4096 and
8192, and the training step of bench/training.py's MLPs (b) and (c) on the GPU.

    python bench/cuda.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from training import SIZES, torch_like_step  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402


def synced(lib, fn):
    def run():
        fn()
        lib.cuda.synchronize()

    return run


def matmul(torch):
    import autocore

    rows = []
    for tf32 in (False, True):
        autocore.backends.cuda.matmul.allow_tf32 = tf32
        if torch:
            torch.backends.cuda.matmul.allow_tf32 = tf32
        for n in (1024, 4096, 8192):
            a, b = autocore.randn(n, n, device="cuda"), autocore.randn(n, n, device="cuda")
            flops = 2.0 * n**3
            t_ours = median_seconds(synced(autocore, lambda: autocore.matmul(a, b)), repeat=7, min_time=0.05)
            row = [n, "tf32" if tf32 else "fp32", f"{flops / t_ours / 1e12:.1f}"]
            if torch:
                ta, tb = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
                t_torch = median_seconds(synced(torch, lambda: torch.matmul(ta, tb)), repeat=7, min_time=0.05)
                row += [f"{flops / t_torch / 1e12:.1f}", f"{t_torch / t_ours:.2f}"]
            rows.append(row)
    autocore.backends.cuda.matmul.allow_tf32 = False
    print_table(
        "matmul on the GPU, TFLOP/s (ratio: PyTorch's time / ours, above 1 is faster)",
        ["n", "precision", "autocore", "torch", "torch / autocore"],
        rows,
    )


def training(torch):
    import autocore

    rows = []
    for name in ("b: 784-256-10, batch 128", "c: 1024-4096-4096-10, batch 512"):
        widths, batch = SIZES[name]
        t_ours = median_seconds(
            synced(autocore, torch_like_step(autocore, widths, batch, "cuda")), repeat=9, min_time=0.05
        )
        row = [name, f"{t_ours * 1e3:.3f}"]
        if torch:
            t_torch = median_seconds(
                synced(torch, torch_like_step(torch, widths, batch, "cuda")), repeat=9, min_time=0.05
            )
            row += [f"{t_torch * 1e3:.3f}", f"{t_torch / t_ours:.2f}"]
        rows.append(row)
    print_table(
        "training step on the GPU, milliseconds (ratio: PyTorch's time / ours)",
        ["MLP", "autocore", "torch", "torch / autocore"],
        rows,
    )


def run():
    import autocore

    if not autocore.cuda.is_available():
        print("no CUDA GPU: autocore.cuda.is_available() is False")
        return
    torch = try_import_torch()
    if torch and not torch.cuda.is_available():
        torch = None
    print(f"device: {autocore.cuda.get_device_name()}; autocore: {autocore.backends_info()['cuda']}")
    if torch:
        print(f"torch {torch.__version__}, CUDA {torch.version.cuda}")
    matmul(torch)
    training(torch)


if __name__ == "__main__":
    run()
