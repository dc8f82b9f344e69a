"""The Titanic passenger list (891 passengers): will a passenger survive?"""

import csv

import numpy as np

from .._dtype import float32, int64
from ._common import one_hot, path, split_indices, standardise, to_tensors


def load_titanic(test_fraction=0.2, seed=0, dtype=None):
    """Features: age (missing -> the training split's median), fare, siblings/spouses, parents/children
    (standardised on the training split); one-hot sex, passenger class, port of embarkation (missing -> the
    most frequent port) and the title in the name (Mr, Mrs, Miss, Master, or Rare for the others); and
    whether a cabin is recorded. Target: survived (0/1, int64), for NLLLoss or CrossEntropyLoss."""

    with open(path("titanic.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    train_idx, test_idx = split_indices(len(rows), test_fraction, seed)
    ages = np.array([float(r["age"]) if r["age"] else np.nan for r in rows])
    median_age = np.nanmedian(ages[train_idx])
    ages = np.where(np.isnan(ages), median_age, ages)
    ports = [r["embarked"] for r in rows]
    known = [ports[i] for i in train_idx if ports[i]]
    most_frequent = max(sorted(set(known)), key=known.count)
    ports = [p or most_frequent for p in ports]
    numeric = np.stack(
        [ages, [float(r["fare"]) for r in rows], [float(r["sibsp"]) for r in rows], [float(r["parch"]) for r in rows]],
        1,
    )
    sex, sex_names = one_hot([r["sex"] for r in rows], "sex")
    pclass, class_names = one_hot([r["pclass"] for r in rows], "pclass")
    port, port_names = one_hot(ports, "embarked", ["C", "Q", "S"])
    titles, title_names = one_hot([_title(r["name"]) for r in rows], "title", ["Master", "Miss", "Mr", "Mrs", "Rare"])
    cabin = np.array([[1.0 if r["cabin"] else 0.0] for r in rows])
    numeric_train, numeric_test = standardise(numeric[train_idx], numeric[test_idx])
    categorical = np.concatenate([sex, pclass, port, titles, cabin], 1)
    x_train = np.concatenate([numeric_train, categorical[train_idx]], 1)
    x_test = np.concatenate([numeric_test, categorical[test_idx]], 1)
    y = np.array([int(r["survived"]) for r in rows])
    names = ["age", "fare", "sibsp", "parch"] + sex_names + class_names + port_names + title_names + ["has_cabin"]
    return to_tensors(x_train, y[train_idx], x_test, y[test_idx], names, dtype or float32, int64)


_TITLES = {"Mr": "Mr", "Mrs": "Mrs", "Mme": "Mrs", "Miss": "Miss", "Mlle": "Miss", "Ms": "Miss", "Master": "Master"}


def _title(name):
    """'Braund, Mr. Owen Harris' -> 'Mr'; uncommon titles (Dr, Rev, Col, ...) -> 'Rare'."""
    after_comma = name.split(",", 1)[-1]
    title = after_comma.split(".", 1)[0].strip()
    return _TITLES.get(title, "Rare")
