"""Shared pieces of the loaders: the returned record, the seeded split, standardisation, one-hot columns."""

import collections
import os

import numpy as np

from ..factories import tensor

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")

# target_mean and target_scale undo a standardised regression target: y * target_scale + target_mean.
Dataset = collections.namedtuple(
    "Dataset",
    ["x_train", "y_train", "x_test", "y_test", "feature_names", "target_mean", "target_scale"],
    defaults=(0.0, 1.0),
)


def path(name):
    return os.path.join(DATA_DIR, name)


def split_indices(n, test_fraction, seed):
    """A seeded permutation cut into train and test indices (numpy's generator: independent of autocore's)."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return order[n_test:], order[:n_test]


def standardise(train, test):
    """Scales each column to zero mean and unit variance using the training split's statistics only."""
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1.0
    return (train - mean) / std, (test - mean) / std


def one_hot(values, prefix, categories=None):
    """Columns of 0/1, one per category (sorted), named prefix=category."""
    categories = sorted(set(values)) if categories is None else categories
    columns = np.array([[v == c for c in categories] for v in values], dtype=np.float64)
    return columns, [f"{prefix}={c}" for c in categories]


def to_tensors(x_train, y_train, x_test, y_test, names, x_dtype, y_dtype):
    return Dataset(
        tensor(x_train, dtype=x_dtype),
        tensor(y_train, dtype=y_dtype),
        tensor(x_test, dtype=x_dtype),
        tensor(y_test, dtype=y_dtype),
        names,
    )
