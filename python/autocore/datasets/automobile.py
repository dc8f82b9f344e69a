"""The UCI Automobile data (1985): the price of a car from its specification."""

import numpy as np

from .._dtype import float32
from ._common import one_hot, path, split_indices, standardise, to_tensors

COLUMNS = [
    "symboling",
    "normalized-losses",
    "make",
    "fuel-type",
    "aspiration",
    "num-of-doors",
    "body-style",
    "drive-wheels",
    "engine-location",
    "wheel-base",
    "length",
    "width",
    "height",
    "curb-weight",
    "engine-type",
    "num-of-cylinders",
    "engine-size",
    "fuel-system",
    "bore",
    "stroke",
    "compression-ratio",
    "horsepower",
    "peak-rpm",
    "city-mpg",
    "highway-mpg",
    "price",
]
NUMERIC = [
    "wheel-base",
    "length",
    "width",
    "height",
    "curb-weight",
    "engine-size",
    "bore",
    "stroke",
    "compression-ratio",
    "horsepower",
    "peak-rpm",
    "city-mpg",
    "highway-mpg",
]
CATEGORICAL = ["make", "fuel-type", "aspiration", "body-style", "drive-wheels", "engine-location", "num-of-cylinders"]


def load_automobile(test_fraction=0.2, seed=0, dtype=None):
    """Rows without a price are dropped (4 of 205). Numeric features: missing values ('?') -> the training
    split's median, then standardised on the training split; categorical ones (make, fuel type, aspiration,
    body style, drive wheels, engine location, cylinders) one-hot. Target: the price in thousands of
    dollars, standardised on the training split; y * target_scale + target_mean gives thousands of dollars."""

    with open(path("imports-85.data")) as f:
        rows = [dict(zip(COLUMNS, line.strip().split(","))) for line in f if line.strip()]
    rows = [r for r in rows if r["price"] != "?"]
    train_idx, test_idx = split_indices(len(rows), test_fraction, seed)
    numeric = np.array([[float(r[c]) if r[c] != "?" else np.nan for c in NUMERIC] for r in rows])
    medians = np.nanmedian(numeric[train_idx], axis=0)
    numeric = np.where(np.isnan(numeric), medians, numeric)
    numeric_train, numeric_test = standardise(numeric[train_idx], numeric[test_idx])
    parts, names = [], list(NUMERIC)
    for column in CATEGORICAL:
        values, column_names = one_hot([r[column] for r in rows], column)
        parts.append(values)
        names += column_names
    categorical = np.concatenate(parts, 1)
    price = np.array([float(r["price"]) / 1000.0 for r in rows])
    mean, scale = price[train_idx].mean(), price[train_idx].std()
    y = (price - mean) / scale
    x_train = np.concatenate([numeric_train, categorical[train_idx]], 1)
    x_test = np.concatenate([numeric_test, categorical[test_idx]], 1)
    data = to_tensors(x_train, y[train_idx, None], x_test, y[test_idx, None], names, dtype or float32, dtype or float32)
    return data._replace(target_mean=float(mean), target_scale=float(scale))
