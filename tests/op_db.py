"""One record per op: its name (autocore.<name>, Tensor.<name>, torch.<name>), a numpy reference for its values,
the input domain, what integer inputs give, and whether it is differentiable. tests/test_op_db.py runs every
record through the same checks: values, dtypes, variants, gradients, tangents, second derivatives, devices, subclass
operands and PyTorch. Adding an op adds a record here: UnaryOp (pointwise, one tensor), BinaryOp (elementwise, two
operands that broadcast, either of which may be a Python number) or ReductionOp (over dims, with keepdim)."""

import math
import operator
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

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


@dataclass(frozen=True)
class BinaryOp:
    name: str
    numpy: Callable  # the reference, applied to both operands cast to the dtype the op computes in
    # where each operand's values are drawn: (low, high), or a tuple of such intervals (a divisor's, either side of 0)
    domains: Tuple = ((-2.0, 2.0), (-2.0, 2.0))  # float operands
    integer_domains: Tuple = ((-3, 3), (-3, 3))  # int64 operands, bounds included
    differentiable: bool = True
    comparison: bool = False  # the result is bool
    integers_to_float: bool = False  # integer and bool operands compute in the default float dtype (true division)
    refuses_bool: str = ""  # "either": a bool operand is refused (sub); "both": a bool base with a bool tensor exponent
    # (pow: PyTorch's bool_tensor ** True is the base, but True ** bool_tensor and two bool tensors are refused)
    numbers: bool = True  # takes a Python number on either side (maximum and minimum take tensors only)
    number_first: bool = True  # torch.<name>(2, t) is accepted (a comparison takes a number second: 2 < t is t > 2)
    operator: Optional[Callable] = None  # the Python operator (a + b), which also gives the reflected form 2 + t
    in_place: bool = False  # Tensor.<name>_ exists
    grid: float = 0.0  # float operands drawn on this grid (so that comparisons meet ties); 0: anywhere
    node: str = ""  # grad_fn's name; "" for PyTorch's <Name>Backward0

    @property
    def grad_fn(self):
        return self.node or self.name[0].upper() + self.name[1:] + "Backward0"


DIVISOR = ((-2.0, -0.1), (0.1, 2.0))

BINARY = [
    BinaryOp("add", np.add, operator=operator.add, in_place=True),
    BinaryOp("sub", np.subtract, refuses_bool="either", operator=operator.sub, in_place=True),
    BinaryOp("mul", np.multiply, operator=operator.mul, in_place=True),
    BinaryOp(
        "div",
        np.divide,
        ((-2.0, 2.0), DIVISOR),
        ((-3, 3), ((-3, -1), (1, 3))),
        integers_to_float=True,
        operator=operator.truediv,
        in_place=True,
    ),
    # a positive base (a negative one has no real power); an integer's negative power is an error
    BinaryOp(
        "pow",
        np.power,
        ((0.01, 3.0), (-2.0, 2.0)),
        ((0, 3), (0, 3)),
        refuses_bool="both",
        operator=operator.pow,
        node="PowBackward1",  # (PowBackward0 is t ** number's)
    ),
    BinaryOp("maximum", np.maximum, numbers=False, number_first=False),
    BinaryOp("minimum", np.minimum, numbers=False, number_first=False),
] + [
    BinaryOp(name, reference, differentiable=False, comparison=True, number_first=False, operator=python, grid=0.5)
    for name, reference, python in (
        ("eq", np.equal, operator.eq),
        ("ne", np.not_equal, operator.ne),
        ("lt", np.less, operator.lt),
        ("le", np.less_equal, operator.le),
        ("gt", np.greater, operator.gt),
        ("ge", np.greater_equal, operator.ge),
    )
]


@dataclass(frozen=True)
class ReductionOp:
    name: str  # autocore.<name>, Tensor.<name>, torch.<name>
    numpy: Callable  # numpy(x, axis, keepdims, **option): the reference (a tuple (values, indices) for max(dim))
    dims: str = "any"  # "any": None (all), one dim or several; "one": a single int; "one or all"; "all": no dim
    options: Tuple[dict, ...] = ({},)  # the keyword arguments each case runs with (var's and std's corrections)
    integers: str = "keep"  # int64 and bool inputs: "keep" their dtype (amax), "int64" (sum), "refuse" (mean)
    takes_bool: bool = True  # False: a bool input is refused (argmax)
    index_result: bool = False  # the result is an int64 index whatever the input's dtype (argmax)
    empty: bool = True  # reduces over a dim of size 0 (sum gives 0, mean NaN); else refuses it (amax)
    differentiable: bool = True
    indices: bool = False  # returns (values, indices), its gradient flowing through the values
    node: str = ""  # grad_fn's name ("" for PyTorch's <Name>Backward0); node_dim with a dim given, if it differs
    node_dim: str = ""
    label: str = ""  # the test id, where one name has two records (max(dim) and max())

    @property
    def id(self):
        return self.label or self.name

    def accepts(self, dim):
        kind = "all" if dim is None else "one" if isinstance(dim, int) else "several"
        return {
            "any": True,
            "one": kind == "one",
            "one or all": kind != "several",
            "all": kind == "all",
        }[self.dims]

    def grad_fn(self, dim):
        default = self.name[0].upper() + self.name[1:] + "Backward0"
        return (self.node_dim if dim is not None and self.node_dim else self.node) or default


def _moments(reduce):
    def reference(x, axis, keepdims, correction=1):
        return reduce(np.var(x, axis=axis, ddof=correction, keepdims=keepdims))

    return reference


def _extreme_with_index(extreme, arg):
    def reference(x, axis, keepdims):
        return extreme(x, axis=axis, keepdims=keepdims), arg(x, axis=axis, keepdims=keepdims)

    return reference


CORRECTIONS = ({"correction": 0}, {}, {"correction": 2})  # {}: the default, 1

REDUCTIONS = [
    ReductionOp("sum", np.sum, integers="int64", node="SumBackward0", node_dim="SumBackward1"),
    ReductionOp("mean", np.mean, integers="refuse", node="MeanBackward0", node_dim="MeanBackward1"),
    ReductionOp("var", _moments(lambda v: v), options=CORRECTIONS, integers="refuse"),
    ReductionOp("std", _moments(np.sqrt), options=CORRECTIONS, integers="refuse"),
    ReductionOp("amax", np.amax, empty=False),
    ReductionOp("amin", np.amin, empty=False),
    ReductionOp("max", _extreme_with_index(np.amax, np.argmax), "one", empty=False, indices=True, label="max(dim)"),
    ReductionOp("min", _extreme_with_index(np.amin, np.argmin), "one", empty=False, indices=True, label="min(dim)"),
    ReductionOp("max", lambda x, axis, keepdims: np.amax(x), "all", empty=False, node="MaxBackward1", label="max()"),
    ReductionOp("min", lambda x, axis, keepdims: np.amin(x), "all", empty=False, node="MinBackward1", label="min()"),
    ReductionOp(
        "argmax", np.argmax, "one or all", takes_bool=False, index_result=True, empty=False, differentiable=False
    ),
    ReductionOp(
        "argmin", np.argmin, "one or all", takes_bool=False, index_result=True, empty=False, differentiable=False
    ),
]
