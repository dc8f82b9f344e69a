"""Classification losses on float32 logits: log_softmax + nll_loss (two kernels) and the fused
cross_entropy, forward and forward+backward, autocore against a numpy composite (max-subtract, exp,
sum, log, gather, mean; backward softmax - one_hot) and PyTorch (log_softmax + nll_loss, F.cross_entropy
with autograd). Times are medians in microseconds; ratios > 1 mean autocore is faster."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from autocore import _C  # noqa: E402

from common import median_seconds, print_table, try_import_torch  # noqa: E402


def numpy_forward(x, t):
    shifted = x - x.max(1, keepdims=True)
    total = np.exp(shifted).sum(1, keepdims=True)
    return -(shifted[np.arange(len(t)), t] - np.log(total[:, 0])).mean()


def numpy_forward_backward(x, t):
    shifted = x - x.max(1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(1, keepdims=True)
    rows = np.arange(len(t))
    loss = -(shifted[rows, t] - np.log(total[:, 0])).mean()
    grad = e / total
    grad[rows, t] -= 1
    grad /= len(t)
    return loss, grad


def cases(x, t, torch):
    tx, tt = _C.from_numpy(x), _C.from_numpy(t)
    one = _C.from_numpy(np.ones((), np.float32))
    shape = list(x.shape)

    def ours_two_kernels():
        return _C.nll_loss(_C.log_softmax(tx, 1), tt)

    def ours_two_kernels_backward():
        logp = _C.log_softmax(tx, 1)
        loss, total = _C.nll_loss(logp, tt)
        return _C.log_softmax_backward(_C.nll_loss_backward(one, shape, tt, None, "mean", -100, total), logp, 1)

    def ours_fused_backward():
        loss, lse, total = _C.cross_entropy(tx, tt)
        return _C.cross_entropy_backward(one, tx, tt, lse, total)

    if torch:
        F = torch.nn.functional
        xt, tgt = torch.from_numpy(x), torch.from_numpy(t)
        xg = xt.clone().requires_grad_()

        def torch_backward(loss_fn):
            def step():
                xg.grad = None
                loss_fn(xg).backward()

            return step

    none = None
    return [
        (
            "log_softmax+nll_loss",
            "fwd",
            ours_two_kernels,
            lambda: numpy_forward(x, t),
            (lambda: F.nll_loss(F.log_softmax(xt, 1), tgt)) if torch else none,
        ),
        (
            "log_softmax+nll_loss",
            "fwd+bwd",
            ours_two_kernels_backward,
            lambda: numpy_forward_backward(x, t),
            torch_backward(lambda v: F.nll_loss(F.log_softmax(v, 1), tgt)) if torch else none,
        ),
        (
            "cross_entropy (fused)",
            "fwd",
            lambda: _C.cross_entropy(tx, tt),
            lambda: numpy_forward(x, t),
            (lambda: F.cross_entropy(xt, tgt)) if torch else none,
        ),
        (
            "cross_entropy (fused)",
            "fwd+bwd",
            ours_fused_backward,
            lambda: numpy_forward_backward(x, t),
            torch_backward(lambda v: F.cross_entropy(v, tgt)) if torch else none,
        ),
    ]


def run():
    torch = try_import_torch()
    rows = []
    for threads in (1, 2):
        _C.set_num_threads(threads)
        if torch:
            torch.set_num_threads(threads)
        for n, c in ((512, 10), (4096, 1000)):
            rng = np.random.default_rng(0)
            x = rng.standard_normal((n, c), dtype=np.float32) * 3
            t = rng.integers(0, c, size=n)
            for name, direction, ours, numpy_fn, torch_fn in cases(x, t, torch):
                t_ours, t_np = median_seconds(ours), median_seconds(numpy_fn)
                t_torch = median_seconds(torch_fn) if torch_fn else None
                us = lambda s: f"{s * 1e6:.1f}"  # noqa: E731
                rows.append(
                    [
                        name,
                        direction,
                        f"({n}, {c})",
                        threads,
                        us(t_ours),
                        us(t_np),
                        us(t_torch) if t_torch else "-",
                        f"{t_np / t_ours:.2f}",
                        f"{t_torch / t_ours:.2f}" if t_torch else "-",
                    ]
                )
    _C.set_num_threads(os.cpu_count() or 1)
    print_table(
        "classification losses (float32, median us)",
        ["op", "pass", "shape", "threads", "autocore", "numpy", "torch", "vs numpy", "vs torch"],
        rows,
    )


if __name__ == "__main__":
    run()
