"""One record per op: its name (autocore.<name>, Tensor.<name>, torch.<name>), a numpy reference for its values,
the input domain, what integer inputs give, and whether it is differentiable. tests/test_op_db.py runs every
record through the same checks: values, dtypes, variants, gradients, tangents, second derivatives, devices, subclass
operands and PyTorch. Adding an op adds a record here."""

import math
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np


@dataclass(frozen=True)
class UnaryOp:
    name: str
    numpy: Callable  # the forward reference, in float64
    domain: Tuple[float, float] = (-3.0, 3.0)  # where inputs are drawn (away from points without a derivative)
    integers_to_float: bool = True  # an int64 input computes in the default float dtype (else stays int64)
    node: str = ""  # grad_fn's name; "" for PyTorch's <Name>Backward0

    @property
    def grad_fn(self):
        return self.node or self.name[0].upper() + self.name[1:] + "Backward0"


POSITIVE = (0.1, 3.0)
_erf = np.vectorize(math.erf, otypes=[np.float64])

UNARY = [
    UnaryOp("neg", np.negative, integers_to_float=False),
    UnaryOp("abs", np.abs, integers_to_float=False),
    UnaryOp("exp", np.exp),
    UnaryOp("exp2", np.exp2),
    UnaryOp("log", np.log, POSITIVE),
    UnaryOp("log2", np.log2, POSITIVE),
    UnaryOp("log10", np.log10, POSITIVE),
    UnaryOp("sqrt", np.sqrt, POSITIVE),
    UnaryOp("rsqrt", lambda x: 1 / np.sqrt(x), POSITIVE),
    UnaryOp("sin", np.sin),
    UnaryOp("cos", np.cos),
    UnaryOp("relu", lambda x: np.maximum(x, 0), integers_to_float=False),
    UnaryOp("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    UnaryOp("tanh", np.tanh),
    UnaryOp("erf", _erf),
]
