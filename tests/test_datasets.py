"""autocore.datasets: the bundled data parse, with the documented preprocessing, reproducibly."""

import numpy as np
import pytest

import autocore
from autocore import datasets

LOADERS = {
    "titanic": (datasets.load_titanic, 891, 18),
    "automobile": (datasets.load_automobile, 201, 56),
    "digits": (datasets.load_digits, 1797, 64),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_shapes_split_and_reproducibility(name):
    load, rows, features = LOADERS[name]
    data = load()
    assert data.x_train.shape[1] == data.x_test.shape[1] == features == len(data.feature_names)
    assert data.x_train.shape[0] + data.x_test.shape[0] == rows
    assert abs(data.x_test.shape[0] - round(rows * 0.2)) <= 1
    assert data.x_train.dtype == autocore.float32
    for t in (data.x_train, data.x_test, data.y_train, data.y_test):
        assert np.isfinite(t.numpy()).all()
    again, other = load(), load(seed=1)
    np.testing.assert_array_equal(again.x_train.numpy(), data.x_train.numpy())
    assert not np.array_equal(other.y_train.numpy(), data.y_train.numpy())
    assert load(dtype=autocore.float64).x_train.dtype == autocore.float64


def test_titanic_preprocessing():
    data = datasets.load_titanic()
    x = data.x_train.numpy()
    names = data.feature_names
    numeric = [names.index(c) for c in ("age", "fare", "sibsp", "parch")]
    np.testing.assert_allclose(x[:, numeric].mean(0), 0, atol=1e-5)  # standardised on the training split
    np.testing.assert_allclose(x[:, numeric].std(0), 1, atol=1e-4)
    for prefix in ("sex=", "pclass=", "embarked=", "title="):
        columns = [i for i, n in enumerate(names) if n.startswith(prefix)]
        np.testing.assert_array_equal(x[:, columns].sum(1), 1)  # exactly one category each
    assert set(data.y_train.numpy().tolist()) == {0, 1} and data.y_train.dtype == autocore.int64
    survival = np.concatenate([data.y_train.numpy(), data.y_test.numpy()]).mean()
    assert abs(survival - 342 / 891) < 1e-9  # the known survival rate: no passenger lost or duplicated


def test_automobile_target_round_trips_to_prices():
    data = datasets.load_automobile()
    prices = data.y_train.numpy() * data.target_scale + data.target_mean
    assert 5 < prices.min() and prices.max() < 46  # thousands of dollars: $5,118 .. $45,400 in the data
    np.testing.assert_allclose(data.y_train.numpy().mean(), 0, atol=1e-5)
    makes = [i for i, n in enumerate(data.feature_names) if n.startswith("make=")]
    assert len(makes) == 22


def test_digits_pixels_and_labels():
    data = datasets.load_digits()
    x = data.x_train.numpy()
    assert x.min() == 0 and x.max() == 1
    labels = np.concatenate([data.y_train.numpy(), data.y_test.numpy()])
    assert sorted(set(labels.tolist())) == list(range(10)) and len(labels) == 1797
