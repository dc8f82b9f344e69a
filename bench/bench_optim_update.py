"""One Adam step, in place: an MLP's params (784x256, 256, 256x10, 10) and one 1e7-element tensor,
float32, autocore's multi-tensor adam_ against a numpy composite (in-place ufuncs per tensor) and
torch.optim.Adam (foreach=False and foreach=True), 1 and 2 threads. Ratios > 1: autocore is faster."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402
from autocore import _C  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402

LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
CASES = {"MLP 784-256-10": [(784, 256), (256,), (256, 10), (10,)], "1e7 elements": [(10**7,)]}


def numpy_adam(params, grads, exp_avgs, exp_avg_sqs, step):
    bias_correction1, bias_correction2_sqrt = 1 - BETA1**step, (1 - BETA2**step) ** 0.5
    for p, g, m, v in zip(params, grads, exp_avgs, exp_avg_sqs):
        m *= BETA1
        m += (1 - BETA1) * g
        v *= BETA2
        v += (1 - BETA2) * g * g
        denom = np.sqrt(v)
        denom /= bias_correction2_sqrt
        denom += EPS
        p -= (LR / bias_correction1) * (m / denom)


def run():
    torch = try_import_torch()
    rows = []
    for threads in (1, 2):
        autocore.set_num_threads(threads)
        if torch:
            torch.set_num_threads(threads)
        for case, shapes in CASES.items():
            rng = np.random.default_rng(0)
            params = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
            grads = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
            states = [[np.zeros_like(p) for p in params] for _ in range(2)]
            np_params, np_states = [p.copy() for p in params], [[np.zeros_like(p) for p in params] for _ in range(2)]
            tensors = lambda arrays: [_C.from_numpy(a) for a in arrays]
            P, G, M, V = tensors(params), tensors(grads), tensors(states[0]), tensors(states[1])
            step = {"ours": 0, "numpy": 0}

            def ours():
                step["ours"] += 1
                _C.adam_(P, G, M, V, [], step["ours"], LR, BETA1, BETA2, EPS)

            def composite():
                step["numpy"] += 1
                numpy_adam(np_params, grads, np_states[0], np_states[1], step["numpy"])

            t_ours, t_np = median_seconds(ours), median_seconds(composite)
            t_torch = {}
            if torch:
                for foreach in (False, True):
                    ts = [torch.tensor(p, requires_grad=True) for p in params]
                    for t, g in zip(ts, grads):
                        t.grad = torch.tensor(g)
                    optimizer = torch.optim.Adam(ts, lr=LR, betas=(BETA1, BETA2), eps=EPS, foreach=foreach)
                    t_torch[foreach] = median_seconds(optimizer.step)
            us = lambda t: f"{t * 1e6:.0f}"
            rows.append(
                [
                    case,
                    threads,
                    us(t_ours),
                    us(t_np),
                    us(t_torch[False]) if torch else "-",
                    us(t_torch[True]) if torch else "-",
                    f"{t_np / t_ours:.2f}",
                    f"{t_torch[False] / t_ours:.2f}" if torch else "-",
                    f"{t_torch[True] / t_ours:.2f}" if torch else "-",
                ]
            )
    autocore.set_num_threads(os.cpu_count() or 1)
    if torch:
        torch.set_num_threads(os.cpu_count() or 1)
    print_table(
        "Adam step, float32 (microseconds; ratios: their time / ours)",
        [
            "params",
            "threads",
            "autocore",
            "numpy",
            "torch",
            "torch foreach",
            "vs numpy",
            "vs torch",
            "vs torch foreach",
        ],
        rows,
    )


if __name__ == "__main__":
    run()
