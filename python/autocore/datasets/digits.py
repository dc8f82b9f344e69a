"""The UCI optical digits (1797 8x8 images of handwritten digits 0-9)."""

import gzip

import numpy as np

from .._dtype import float32, int64
from ._common import path, split_indices, to_tensors


def load_digits(test_fraction=0.2, seed=0, dtype=None):
    """Features: the 64 pixel intensities (0..16) scaled to [0, 1]. Target: the digit (int64)."""

    with gzip.open(path("digits.csv.gz"), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :64] / 16.0, table[:, 64]
    train_idx, test_idx = split_indices(len(table), test_fraction, seed)
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return to_tensors(
        pixels[train_idx], labels[train_idx], pixels[test_idx], labels[test_idx], names, dtype or float32, int64
    )
