"""Timing helpers shared by the benchmarks: medians over repeats, side by side in one process."""

import os
import statistics
import time


def median_seconds(fn, repeat=15, min_time=0.02, warmup=2):
    """Median wall time of one call of fn(), each sample averaging enough calls to last min_time."""
    for _ in range(warmup):
        fn()
    calls = 1
    while True:  # find a call count that makes one sample long enough to time reliably
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or calls >= 1 << 20:
            break
        calls *= 2
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def interleaved_medians(fns, repeat=21, min_time=0.01, warmup=2):
    """{name: median wall time of one call} for several functions timed in turn, sample by sample, so that a
    machine's drift (frequency, a neighbour's load) reaches each of them alike instead of whichever ran last."""
    calls = {}
    for name, fn in fns.items():
        for _ in range(warmup):
            fn()
        n = 1
        while True:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            if time.perf_counter() - start >= min_time or n >= 1 << 20:
                break
            n *= 2
        calls[name] = n
    samples = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            n = calls[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(values) for name, values in samples.items()}


def try_import_torch():
    try:
        import torch  # noqa: F401

        return torch
    except ImportError:
        return None


def machine_description():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def print_table(title, header, rows):
    """A Markdown table, so output can be pasted into bench/RESULTS.md as it is."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
