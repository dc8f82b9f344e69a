"""Property-based fuzzing of the reductions (sum mean var std amax amin max min argmax argmin) over any dims,
and of softmax/log_softmax: shapes with size-0 and size-1 dims, out-of-range and repeated dims, every
dtype, views and extreme values, against PyTorch (numpy where PyTorch is missing). Strategies and the
checker are test_fuzz.py's."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import (
    FLOATS,
    HALVES,
    check,
    crash_case,
    finfo,
    fuzz,
    operands,
    reproducer_tests,
    shapes,
)


def _axes(ndim, dim):
    """dim as a numpy axis argument (None: all dims). A 0-d tensor has one implicit dim: 0 or -1."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:
        if any(d not in (0, -1) for d in dims):
            raise IndexError("Dimension out of range")
        if len(dims) > 1:  # 0 and -1 are the same dim
            raise RuntimeError("dim 0 appears multiple times in the list of dims")
        return None
    return dims or None


def _finite_abs(x):
    return np.where(np.isfinite(x), np.abs(x.astype(np.float64)), 0.0)


def summation_slack(magnitudes, axes, keepdim, dtype, scale=1.0):
    """How far two correct float sums of these terms may lie apart, whatever their order: each is within
    n eps sum|term| of the exact sum. inf (the element is not compared) where a partial sum could overflow,
    which only the order decides."""
    info = finfo(dtype)
    total = magnitudes.sum(axis=axes, keepdims=keepdim)
    n = magnitudes.size // max(total.size, 1)
    slack = 2 * (n + 2) * info.eps * total * scale
    return np.where(total < info.max / 4, slack, np.inf)


def _moments_slack(x, axes, keepdim, correction, root, dtype):
    """var (std for root) of x: two-pass or Welford, each within ~n eps sum (|x| + |mean|)^2 of exact, plus
    what squares lose below the normal range (float32 squares of |x| < 1e-19 underflow; PyTorch accumulates
    float32 var in double)."""
    count = x.size // max(np.sum(x, axis=axes, keepdims=keepdim).size, 1)
    mean = _finite_abs(x).sum(axis=axes, keepdims=True) / max(count, 1)
    underflow = 4 * count * np.finfo(np.float32 if dtype in HALVES else dtype).smallest_subnormal  # (accumulated)
    slack = (summation_slack((_finite_abs(x) + mean) ** 2, axes, keepdim, dtype) + underflow) / max(
        count - correction, 1
    )
    mean_overflows = np.isinf(summation_slack(_finite_abs(x), axes, keepdim, dtype))
    slack = np.where(mean_overflows, np.inf, slack)
    return np.sqrt(slack) if root else slack


REDUCTIONS = {  # name: (can take a tuple of dims, numpy reference(values, axes, keepdim) for floats, mode)
    "sum": (True, lambda x, ax, k: np.sum(x, axis=ax, keepdims=k), "close"),
    "mean": (True, lambda x, ax, k: np.mean(x, axis=ax, keepdims=k), "close"),
    "var": (True, None, "close"),
    "std": (True, None, "close"),
    "amax": (True, lambda x, ax, k: np.amax(x, axis=ax, keepdims=k), "exact"),
    "amin": (True, lambda x, ax, k: np.amin(x, axis=ax, keepdims=k), "exact"),
    "max": (False, None, "exact"),
    "min": (False, None, "exact"),
    "argmax": (False, None, "exact"),
    "argmin": (False, None, "exact"),
}


@st.composite
def dims(draw, ndim, tuples, extra=1):
    """None, one dim or (for the reductions that take them) a tuple of dims, in range or `extra` past it,
    sometimes repeated."""
    one = st.integers(-max(ndim, 1) - extra, max(ndim, 1) - 1 + extra)
    choices = [st.none(), one] + ([st.lists(one, max_size=3, unique=not extra).map(tuple)] if tuples else [])
    return draw(st.one_of(*choices))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@fuzz(60)
@given(data=st.data(), keepdim=st.booleans(), method=st.booleans(), correction=st.sampled_from([0, 1, 2]))
def test_reductions(name, data, keepdim, method, correction):
    tuples, reference, mode = REDUCTIONS[name]
    x = data.draw(operands(data.draw(shapes())))
    # One fault at a time, so that the error type is comparable: mean, var and std refuse integers anyway.
    refused = name in ("mean", "var", "std") and x.dtype not in FLOATS
    dim = data.draw(dims(x.values.ndim, tuples, extra=0 if refused else 1))
    kwargs = {} if dim is None else dict(dim=dim, keepdim=keepdim)
    if name in ("var", "std"):
        kwargs["correction"] = correction

    def run(m):
        t = x.build(m)
        return getattr(t, name)(**kwargs) if method else getattr(m, name)(t, **kwargs)

    def slack():
        axes = None if dim is None else _axes(x.values.ndim, dim)
        if name in ("var", "std"):
            return _moments_slack(x.values, axes, dim is not None and keepdim, correction, name == "std", x.dtype)
        count = x.values.size // max(np.sum(x.values, axis=axes).size, 1)
        return summation_slack(
            _finite_abs(x.values),
            axes,
            dim is not None and keepdim,
            x.dtype,
            1.0 / max(count, 1) if name == "mean" else 1.0,
        )

    def numpy():  # numpy raises for repeated or out-of-range axes, as PyTorch does
        return reference(x.values, _axes(x.values.ndim, dim), dim is not None and keepdim)

    floats = x.dtype in FLOATS
    check(
        data,
        "reduce",
        name,
        run,
        (x, kwargs, method),
        numpy=numpy if reference else None,
        mode=mode,
        slack=slack if floats and name in ("sum", "mean", "var", "std") else None,
    )


def _log_softmax_slack(x, dim, dtype):
    """(x - max) - log(sum exp): eps |x - max| absolute from the subtraction, and the sum's n eps (softmax
    itself needs only a relative tolerance: its sum has positive terms)."""
    d = dim % x.ndim if x.ndim else None
    n = x.shape[d] if x.ndim else 1
    eps = finfo(dtype).eps
    finite = _finite_abs(x)
    return 4 * eps * (finite + finite.max(axis=d, keepdims=True, initial=0.0)) + 2 * (n + 2) * eps


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "F.softmax", "F.log_softmax"])
@fuzz(60)
@given(data=st.data(), dim=st.integers(-6, 5), cast=st.booleans())
def test_softmax(name, data, dim, cast):
    x = data.draw(operands(data.draw(shapes())))
    log = "log" in name
    cast &= name.startswith("F.")
    if name.startswith("F."):  # the functional form, with its dtype argument

        def run(m):
            fn = m.nn.functional.log_softmax if log else m.nn.functional.softmax
            return fn(x.build(m), dim=dim, dtype=m.float64 if cast else None)
    else:

        def run(m):
            return getattr(x.build(m), name)(dim)

    def numpy():
        a = x.values.astype(np.float64) if cast and name.startswith("F.") else x.values
        if a.ndim == 0 and dim not in (0, -1):  # a 0-d tensor has one implicit dim, 0 or -1
            raise IndexError("Dimension out of range")
        flat, d = (a.reshape(1), 0) if a.ndim == 0 else (a, dim)
        shifted = flat - np.max(flat, axis=d, keepdims=True, initial=-np.inf)
        out = (
            shifted - np.log(np.sum(np.exp(shifted), axis=d, keepdims=True))
            if log
            else np.exp(shifted) / np.sum(np.exp(shifted), axis=d, keepdims=True)
        )
        return out.reshape(a.shape)

    n = x.values.shape[dim % x.values.ndim] if x.values.ndim and -x.values.ndim <= dim < x.values.ndim else 1
    floats = x.dtype in (np.float32, np.float64, *HALVES) or cast  # a float result
    values = x.values.astype(np.float64) if x.dtype not in (np.float32, np.float64) else x.values
    dtype = np.float64 if cast else x.dtype
    check(
        data,
        "softmax",
        name,
        run,
        (x, dim, cast),
        numpy=numpy,
        mode="close",
        ulps=2 * n + 8,
        slack=(lambda: _log_softmax_slack(values, dim, dtype)) if floats and log else None,
    )


KNOWN = {}  # minimal cases of the bugs the properties above found: name: (run, mode, what is wrong)
FIXED = {  # minimal cases of bugs found and fixed, kept as regression tests: name: (run, mode, what was wrong)
    "softmax(float16)": (
        crash_case("m.zeros(2, dtype=m.float16).softmax(0)"),
        "close",
        "segmentation fault, for bfloat16 and log_softmax too (PyTorch: [0.5, 0.5] in float16)",
    ),
}


test_known_bugs, test_fixed_bugs = reproducer_tests(KNOWN, FIXED)
