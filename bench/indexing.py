"""Indexing on one thread, side by side in one process: an embedding lookup C[X] (a 32x3 batch of indices into a
27x10 and a 1,000,000x64 table) forward and backward against PyTorch; x[mask] and x[mask] = 0 on 4000x4000 float32
against numpy and PyTorch; and a makemore-style MLP training step (embedding by indexing, a tanh hidden layer,
cross-entropy, SGD) against PyTorch. Medians; ratios are the other library's time over autocore's (above 1:
autocore is faster).

    python bench/indexing.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import autocore  # noqa: E402

from common import interleaved_medians, machine_description, median_seconds, print_table, try_import_torch  # noqa: E402


def lookup_cases(torch):
    rng = np.random.default_rng(0)
    rows = []
    for vocab, width in ((27, 10), (1_000_000, 64)):
        table = rng.standard_normal((vocab, width)).astype(np.float32)
        ids = rng.integers(0, vocab, (32, 3))
        times = {}
        for name, lib in (("autocore", autocore), ("torch", torch)):
            if lib is None:
                continue
            C = lib.tensor(table, requires_grad=True)
            X = lib.tensor(ids)
            times[(name, "forward")] = median_seconds(lambda: C[X])

            def forward_backward():
                C.grad = None
                C[X].sum().backward()

            times[(name, "forward + backward")] = median_seconds(forward_backward, repeat=9)
        for case in ("forward", "forward + backward"):
            ours, theirs = times[("autocore", case)], times.get(("torch", case))
            rows.append(
                [
                    f"C[X], C {vocab}x{width}, X 32x3",
                    case,
                    f"{ours * 1e6:.1f}",
                    "-",
                    f"{theirs * 1e6:.1f}" if theirs else "-",
                    "-",
                    f"{theirs / ours:.2f}" if theirs else "-",
                ]
            )
    return rows


def mask_cases(torch):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((4000, 4000)).astype(np.float32)
    mask = data > 0.5
    rows = []
    x, m = autocore.tensor(data), autocore.tensor(mask)
    libs = {"autocore": (x, m), "numpy": (data.copy(), mask)}
    if torch is not None:
        libs["torch"] = (torch.tensor(data), torch.tensor(mask))
    for case in ("x[mask]", "x[mask] = 0"):
        times = {}
        for name, (a, b) in libs.items():
            if case == "x[mask]":
                times[name] = median_seconds(lambda: a[b], repeat=7)
            else:

                def assign():
                    a[b] = 0

                times[name] = median_seconds(assign, repeat=7)
        ours = times["autocore"]
        rows.append(
            [
                "4000x4000 float32, 31% True",
                case,
                f"{ours * 1e6:.0f}",
                f"{times['numpy'] * 1e6:.0f}",
                f"{times['torch'] * 1e6:.0f}" if "torch" in times else "-",
                f"{times['numpy'] / ours:.2f}",
                f"{times['torch'] / ours:.2f}" if "torch" in times else "-",
            ]
        )
    return rows


def makemore_step(lib, seed=0):
    """Karpathy's makemore MLP shape: 27 characters, 3 of context, 10-d embeddings, 200 tanh units, batch 32."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 27, (5000, 4))
    X_all, Y_all = lib.tensor(words[:, :3]), lib.tensor(words[:, 3])
    params = [
        lib.tensor(rng.standard_normal((27, 10)).astype(np.float32), requires_grad=True),
        lib.tensor((rng.standard_normal((30, 200)) * 0.2).astype(np.float32), requires_grad=True),
        lib.tensor(np.zeros(200, np.float32), requires_grad=True),
        lib.tensor((rng.standard_normal((200, 27)) * 0.01).astype(np.float32), requires_grad=True),
        lib.tensor(np.zeros(27, np.float32), requires_grad=True),
    ]
    C, W1, b1, W2, b2 = params
    batches = [lib.tensor(rng.integers(0, 5000, 32)) for _ in range(16)]
    state = {"i": 0}

    def step():
        ix = batches[state["i"] % len(batches)]
        state["i"] += 1
        emb = C[X_all[ix]]
        h = (emb.view(-1, 30) @ W1 + b1).tanh()
        logits = h @ W2 + b2
        loss = lib.nn.functional.cross_entropy(logits, Y_all[ix])
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.1 * p.grad

    return step


def run():
    torch = try_import_torch()
    if torch is not None:
        torch.set_num_threads(1)
    rows = lookup_cases(torch) + mask_cases(torch)
    # Interleaved, sample by sample: timed one after the other, the two swung by 20% between runs.
    steps = {"autocore": makemore_step(autocore)}
    if torch is not None:
        steps["torch"] = makemore_step(torch)
    times = interleaved_medians(steps, repeat=31)
    ours, theirs = times["autocore"], times.get("torch")
    rows.append(
        [
            "makemore MLP step (27x10 embedding, 30-200-27, batch 32)",
            "forward + backward + SGD",
            f"{ours * 1e6:.1f}",
            "-",
            f"{theirs * 1e6:.1f}" if theirs else "-",
            "-",
            f"{theirs / ours:.2f}" if theirs else "-",
        ]
    )
    print_table(
        "indexing, one thread (microseconds; ratios: the other library's time / autocore's)",
        ["case", "pass", "autocore", "numpy", "torch", "vs numpy", "vs torch"],
        rows,
    )


if __name__ == "__main__":
    print(f"machine: {machine_description()}")
    autocore.set_num_threads(1)
    run()
