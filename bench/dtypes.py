"""The narrow dtypes on one thread, side by side in one process: casts to and from float16 and bfloat16, and
elementwise ops and sums on float16, bfloat16, int8 and uint8, against PyTorch and numpy (numpy has no bfloat16,
and its float16 arithmetic is software). autocore has no loops of its own for these dtypes: an op casts to
float32 or int64, computes there and casts back, so it makes three passes over memory where PyTorch makes one.
Medians, interleaved; ratios are the other library's time over autocore's (above 1: autocore is faster).

    python bench/dtypes.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402

from common import interleaved_medians, machine_description, print_table, try_import_torch  # noqa: E402

N = 1 << 20  # elements: 2-4 MiB per operand, in L2/L3 as a small model's activations are


def cases(torch):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(N).astype(np.float32)
    small = rng.integers(-100, 100, N)
    rows = []
    for dtype in ("float16", "bfloat16", "int8", "uint8"):
        data = values if dtype.startswith(("float", "bfloat")) else small
        ours = autocore.tensor(data).to(getattr(autocore, dtype))
        theirs = torch.tensor(data).to(getattr(torch, dtype)) if torch else None
        mine = np.asarray(data).astype(dtype) if dtype != "bfloat16" else None
        wide = autocore.tensor(data).float() if dtype.startswith(("float", "bfloat16")) else autocore.tensor(data)
        twide = torch.tensor(data).float() if torch and dtype.startswith(("float", "bfloat")) else None
        ops = {
            "x + x": (lambda: ours + ours, lambda: theirs + theirs, lambda: mine + mine),
            "x * 2": (lambda: ours * 2, lambda: theirs * 2, lambda: mine * mine.dtype.type(2)),
            "x.sum()": (lambda: ours.sum(), lambda: theirs.sum(), lambda: mine.sum()),
        }
        if twide is not None:
            ops[f"float32 -> {dtype}"] = (
                lambda: wide.to(getattr(autocore, dtype)),
                lambda: twide.to(getattr(torch, dtype)),
                lambda: values.astype(dtype),
            )
            ops[f"{dtype} -> float32"] = (lambda: ours.float(), lambda: theirs.float(), lambda: mine.astype(np.float32))
        for name, (a, t, n) in ops.items():
            fns = {"autocore": a}
            if torch is not None:
                fns["torch"] = t
            if mine is not None:
                fns["numpy"] = n
            times = interleaved_medians(fns)
            ac = times["autocore"]
            rows.append(
                [
                    dtype,
                    name,
                    f"{ac * 1e6:.0f}",
                    f"{times['torch'] * 1e6:.0f}" if "torch" in times else "-",
                    f"{times['numpy'] * 1e6:.0f}" if "numpy" in times else "-",
                    f"{times['torch'] / ac:.2f}" if "torch" in times else "-",
                    f"{times['numpy'] / ac:.2f}" if "numpy" in times else "-",
                ]
            )
    return rows


def optimizer_cases(torch):
    """An Adam step on 1M float16 and bfloat16 params: autocore's (float32 math, rounded once) against PyTorch's
    fused=True (the same numbers) and its default for-loop (rounding every intermediate tensor)."""
    rows = []
    values = np.random.default_rng(1).standard_normal(N).astype(np.float32)
    for dtype in ("float16", "bfloat16"):
        p = autocore.tensor(values, dtype=getattr(autocore, dtype), requires_grad=True)
        p.grad = autocore.tensor(values, dtype=getattr(autocore, dtype))
        fns = {"autocore": autocore.optim.Adam([p], lr=1e-3).step}
        if torch is not None:
            for name, fused in (("torch fused", True), ("torch", None)):
                q = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
                q.grad = torch.tensor(values, dtype=getattr(torch, dtype))
                fns[name] = torch.optim.Adam([q], lr=1e-3, fused=fused).step
        times = interleaved_medians(fns)
        ac = times["autocore"]
        rows.append(
            [dtype, f"{ac * 1e6:.0f}"]
            + [f"{times[k] * 1e6:.0f}" if k in times else "-" for k in ("torch fused", "torch")]
            + [f"{times[k] / ac:.2f}" if k in times else "-" for k in ("torch fused", "torch")]
        )
    return rows


def main():
    torch = try_import_torch()
    autocore.set_num_threads(1)
    if torch is not None:
        torch.set_num_threads(1)
    print(machine_description())
    header = ["dtype", "op", "autocore µs", "torch µs", "numpy µs", "torch / autocore", "numpy / autocore"]
    print_table(f"Narrow dtypes, {N} elements, one thread", header, cases(torch))
    header = ["params", "autocore µs", "torch fused µs", "torch µs", "torch fused / autocore", "torch / autocore"]
    print_table(f"Adam step, {N} half-type params, one thread", header, optimizer_cases(torch))


if __name__ == "__main__":
    main()
