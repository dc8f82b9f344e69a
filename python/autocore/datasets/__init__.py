"""autocore.datasets: the small real data sets the examples train on, bundled with the package (see
data/PROVENANCE.md for their origin and licences) and parsed with numpy and the standard library.

Each loader returns a `Dataset` record: x_train, y_train, x_test, y_test (tensors), feature_names, and for
a standardised regression target its target_mean and target_scale.
The split is seeded, and standardisation is fitted on the training split only."""

from ._common import Dataset
from .automobile import load_automobile
from .digits import load_digits
from .titanic import load_titanic

__all__ = ["Dataset", "load_titanic", "load_automobile", "load_digits"]
