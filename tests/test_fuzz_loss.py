"""Property-based fuzzing of the losses (nll_loss, cross_entropy, mse_loss, l1_loss, binary_cross_entropy and
its with-logits form) and of batch_norm and dropout's deterministic cases: input and target shapes that fit
and ones that don't, class indices in and out of range and ignore_index, weights, every reduction (and a
wrong one), dtypes, views and extreme values, against PyTorch. Strategies and the checker are test_fuzz.py's."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import (
    WIDE,
    Operand,
    broadcast_shapes,
    check,
    fuzz,
    needs_torch,
    operands,
    reproducer_tests,
    shapes,
    torch,
)

pytestmark = needs_torch
REDUCTIONS = st.sampled_from(["mean", "sum", "none", "none", "avg"])
WEIGHTS = st.one_of(st.floats(0, 4), st.just(0.0))  # class weights: non-negative, so their sum is no cancellation
PROBABILITIES = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-45, 1 - 2**-24, 0.5]))


def _finite(a):
    a = np.asarray(a, np.float64)
    return np.where(np.isfinite(a), np.abs(a), 0.0)


def loss_slack(losses, dtype, reduction, divisor=None, terms=None):
    """How far two correct computations of a loss may lie apart. Within an element: 8 eps times the terms()
    it adds up (they may cancel); a reduction sums per-element losses of either sign, ~n eps sum|loss|, and
    the mean divides by divisor() (the element count by default). losses() gives PyTorch's per-element
    losses; inf (not compared) where a sum could overflow, which the order decides."""

    def slack():
        info = np.finfo(dtype)
        per_element = _finite(losses().detach().double().numpy())
        within = 8 * info.eps * np.broadcast_to(0.0 if terms is None else terms(), per_element.shape)
        if reduction == "none":
            return within
        total = per_element.sum()
        bound = 2 * (per_element.size + 2) * info.eps * total + within.sum()
        scale = 1.0 if reduction == "sum" else divisor() if divisor else max(per_element.size, 1)
        return bound / scale if total < info.max / 4 else np.inf

    return slack


def _pointwise_terms(name, x, y, w, pos_weight):
    """The magnitudes of the terms each element of a pointwise loss adds up: BCE's two logs (clamped at
    -100), or with logits (1 - y) x and the weighted softplus; mse and l1 have one term."""
    x, y = np.broadcast_arrays(_finite(x), np.asarray(y, np.float64))
    y = np.where(np.isfinite(y), y, 0.0)
    if name == "binary_cross_entropy":
        with np.errstate(all="ignore"):
            logs = np.abs(y) * np.minimum(-np.log(x), 100) + np.abs(1 - y) * np.minimum(-np.log(np.abs(1 - x)), 100)
    elif name.endswith("logits"):
        log_weight = 1 + (1 + (0 if pos_weight is None else _finite(pos_weight))) * np.abs(y)
        logs = np.abs(1 - y) * x + log_weight * (x + 1)
    else:
        logs = np.zeros(x.shape)
    return logs * (1.0 if w is None else _finite(w))


def _class_terms(logits, probabilities=None):
    """Per sample: log-sum-exp minus the target's logit(s), each up to max|x| + log C in size."""
    axis = 1 if logits.ndim > 1 else 0
    biggest = _finite(logits).max(axis=axis, keepdims=True, initial=0.0) + np.log(max(logits.shape[axis], 1))
    if probabilities is None:
        return 2 * np.squeeze(biggest, axis)
    return np.sum(_finite(probabilities) * (_finite(logits) + biggest), axis=axis)


@st.composite
def class_problem(draw):
    """Logits (C,), (N, C) or (N, C, d...), class-index targets of the matching shape (now and then not)
    with values in range, ignore_index, or out of range."""
    batch = draw(st.sampled_from([(), (3,), (1,), (0,), (2,), (2, 3), (2, 1, 2)]))
    classes = draw(st.sampled_from([1, 2, 3, 5, 0]))
    shape = batch[:1] + (classes,) + batch[1:] if batch else (classes,)
    target_shape = batch if draw(st.integers(0, 7)) else draw(shapes(max_dims=3))
    logits = draw(operands(shape, draw(WIDE)))
    labels = st.one_of(st.integers(0, max(classes - 1, 0)), st.sampled_from([-100, -1, classes, 1]))
    target = draw(operands(target_shape, np.int64 if draw(st.integers(0, 7)) else np.float32, elements=labels))
    weight_dtype = logits.dtype if logits.dtype in (np.float32, np.float64) else np.float32
    weight = draw(
        st.one_of(
            st.none(),
            operands((classes,) if draw(st.integers(0, 7)) else (classes + 1,), weight_dtype, elements=WEIGHTS),
        )
    )
    return logits, target, weight


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@fuzz(100)
@given(
    data=st.data(),
    problem=class_problem(),
    reduction=REDUCTIONS,
    ignore_index=st.sampled_from([-100, 0, 1]),
    smoothing=st.sampled_from([0.0, 0.0, 0.1, 1.0]),
)
def test_class_losses(name, data, problem, reduction, ignore_index, smoothing):
    logits, target, weight = problem
    extra = dict(label_smoothing=smoothing) if name == "cross_entropy" else {}

    def call(m, r):
        return getattr(m.nn.functional, name)(
            logits.build(m),
            target.build(m),
            None if weight is None else weight.build(m),
            ignore_index=ignore_index,
            reduction=r,
            **extra,
        )

    def divisor():  # the mean divides by the weight of the counted targets
        w = np.ones(logits.values.shape[1 if logits.values.ndim > 1 else 0]) if weight is None else weight.values
        counted = target.values[target.values != ignore_index]
        return max(float(np.sum(w[counted])), np.finfo(logits.dtype).tiny) if reduction == "mean" else 1.0

    floats = logits.dtype in (np.float32, np.float64)
    check(
        data,
        "loss",
        name,
        lambda m: call(m, reduction),
        (logits, target, weight, reduction, ignore_index, extra),
        slack=loss_slack(
            lambda: call(torch, "none"), logits.dtype, reduction, divisor, lambda: _class_terms(logits.values)
        )
        if floats and reduction in ("mean", "sum", "none")
        else None,
        ulps=16,
    )


@pytest.mark.parametrize("name", ["cross_entropy_probabilities"])
@fuzz(60)
@given(data=st.data(), reduction=REDUCTIONS, smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_with_probabilities(name, data, reduction, smoothing):
    shape = data.draw(st.sampled_from([(3,), (2, 3), (4, 2, 3), (0, 3), (2, 0)]))
    logits = data.draw(operands(shape, data.draw(WIDE)))
    probabilities = data.draw(st.booleans())
    target = data.draw(
        operands(
            shape if data.draw(st.integers(0, 7)) else data.draw(shapes(max_dims=3)),
            np.float32 if probabilities else data.draw(WIDE),
            PROBABILITIES if probabilities else None,
        )
    )

    def call(m, r):
        return m.nn.functional.cross_entropy(logits.build(m), target.build(m), reduction=r, label_smoothing=smoothing)

    floats = logits.dtype in (np.float32, np.float64)
    check(
        data,
        "loss",
        name,
        lambda m: call(m, reduction),
        (logits, target, reduction, smoothing),
        ulps=16,
        slack=loss_slack(
            lambda: call(torch, "none"),
            logits.dtype,
            reduction,
            None,
            lambda: _class_terms(logits.values, target.values),
        )
        if floats and reduction in ("mean", "sum", "none")
        else None,
    )


POINTWISE = ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


@pytest.mark.parametrize("name", POINTWISE)
@fuzz(80)
@given(
    data=st.data(),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    has_weight=st.booleans(),
    fault=st.sampled_from([None, None, None, "shape", "dtype", "reduction", "values"]),
)
def test_pointwise_losses(name, data, reduction, has_weight, fault):
    """At most one fault at a time, so that the error type is comparable: target shapes that broadcast but
    differ (PyTorch warns for mse and l1, refuses for BCE) or don't broadcast, another dtype (promoted, or
    refused), a wrong reduction, or BCE inputs outside [0, 1] (refused)."""
    shape_x, shape_y, shape_w = data.draw(broadcast_shapes(3, fits=fault != "shape", max_dims=4))
    shape_y = shape_y if fault == "shape" or (name.endswith("loss") and data.draw(st.booleans())) else shape_x
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    bce = name == "binary_cross_entropy"
    x = data.draw(operands(shape_x, dtype, PROBABILITIES if bce and fault != "values" else None))
    y = data.draw(
        operands(
            shape_y,
            data.draw(WIDE.filter(lambda d: d != dtype)) if fault == "dtype" else dtype,
            PROBABILITIES if name.startswith("binary") and fault != "dtype" and data.draw(st.booleans()) else None,
        )
    )
    w = data.draw(operands(shape_w, dtype, WEIGHTS)) if has_weight and name.startswith("binary") else None
    pos_weight = (
        data.draw(st.one_of(st.none(), operands(shape_x[-1:], dtype, WEIGHTS))) if name.endswith("logits") else None
    )
    reduction = "avg" if fault == "reduction" else reduction

    def call(m, r):
        extra = {} if w is None else dict(weight=w.build(m))
        if pos_weight is not None:
            extra["pos_weight"] = pos_weight.build(m)
        return getattr(m.nn.functional, name)(x.build(m), y.build(m), reduction=r, **extra)

    terms = lambda: _pointwise_terms(
        name,
        x.values,
        y.values,
        None if w is None else w.values,  # noqa: E731
        None if pos_weight is None else pos_weight.values,
    )
    check(
        data,
        "loss",
        name,
        lambda m: call(m, reduction),
        (x, y, w, pos_weight, reduction),
        ulps=16,
        slack=loss_slack(lambda: call(torch, "none"), dtype, reduction, None, terms),
    )


@fuzz(60)
@given(data=st.data(), training=st.booleans(), affine=st.booleans(), momentum=st.sampled_from([0.1, 0.0, 1.0]))
def test_batch_norm(data, training, affine, momentum):
    """The output, and the running statistics a training step updates in place."""
    shape = data.draw(st.sampled_from([(2, 3), (1, 3), (4, 2, 5), (3, 1), (2, 0), (0, 3), (2, 3, 0)]))
    x = data.draw(operands(shape, data.draw(st.sampled_from([np.float32, np.float64]))))
    # Running statistics are written in place, so not expanded views; finite weights (with inf, the rounding
    # of the batch mean decides between inf and NaN).
    stats = [data.draw(operands(shape[1:2], x.dtype, elements=st.floats(0.5, 2))) for _ in range(2)]
    stats = [Operand(s.values, "contiguous") if s.layout == "expanded" else s for s in stats]
    affine_parts = [data.draw(operands(shape[1:2], x.dtype, st.floats(-4, 4))) if affine else None for _ in range(2)]

    def run(m):
        mean, var = (s.build(m) for s in stats)
        weight, bias = (None if p is None else p.build(m) for p in affine_parts)
        out = m.nn.functional.batch_norm(x.build(m), mean, var, weight, bias, training=training, momentum=momentum)
        return out, mean, var

    check(
        data,
        "loss",
        "batch_norm",
        run,
        (x, stats, affine_parts, training, momentum),
        ulps=16,
        slack=lambda: _batch_norm_slack(x.values, [s.values for s in stats], affine_parts[0], training),
    )


def _batch_norm_slack(x, stats, weight, training):
    """(x - mean) / sqrt(var + eps): the batch mean's rounding (~n eps |x|) is divided by sqrt(var + eps),
    which for a near-constant channel is sqrt(1e-5); the running statistics carry the sums' n eps."""
    dims = (0,) + tuple(range(2, x.ndim))
    n = max(x.size // max(x.shape[1], 1), 1)
    eps = np.finfo(x.dtype).eps
    finite = np.where(np.isfinite(x), np.abs(x.astype(np.float64)), 0.0)
    top = finite.max(axis=dims, initial=0.0)  # per channel
    var = np.nanvar(np.where(np.isfinite(x), x, np.nan).astype(np.float64), axis=dims) if training else stats[1]
    scale = (1.0 if weight is None else np.abs(weight.values)) / np.sqrt(np.nan_to_num(var) + 1e-5)
    # A channel whose sum of squares leaves the dtype's range overflows or not as the computation goes
    # (PyTorch's kernel accumulates float32 in double, autocore's composite in float32): not compared.
    fits = n * (top + np.abs(stats[0])) ** 2 < np.finfo(x.dtype).max / 4
    shape = (1, -1) + (1,) * (x.ndim - 2)
    out = np.where(fits, 8 * (n + 2) * eps * (top + np.abs(stats[0])) * scale, np.inf)
    slacks = [out.reshape(shape), 8 * (n + 2) * eps * top, 8 * (n + 2) * eps * top**2 * n / max(n - 1, 1)]
    return [np.broadcast_to(slacks[0], x.shape)] + [np.where(fits, s, np.inf) for s in slacks[1:]]


@fuzz(40)
@given(data=st.data(), p=st.sampled_from([0.0, 1.0, -0.5, 1.5]), training=st.booleans())
def test_dropout_deterministic_cases(data, p, training):
    """p = 0, p = 1 and training=False have one answer; p outside [0, 1] raises. Float inputs: PyTorch's
    shortcuts for p = 0 and 1 skip the dtype check its general case makes."""
    x = data.draw(operands(data.draw(shapes(max_dims=3)), data.draw(st.sampled_from([np.float32, np.float64]))))
    check(
        data,
        "loss",
        "dropout",
        lambda m: m.nn.functional.dropout(x.build(m), p, training),
        (x, p, training),
        mode="exact",
    )


KNOWN = {}  # minimal cases of the bugs the properties above found: name: (run, mode, what is wrong)

FIXED = {  # minimal cases of bugs found and fixed, kept as regression tests: name: (run, mode, what was wrong)
    "cross_entropy((0, 0), smoothing, sum)": (
        lambda m: m.nn.functional.cross_entropy(
            m.zeros(0, 0), m.zeros(0, dtype=m.int64), reduction="sum", label_smoothing=0.1
        ),
        "close",
        "0.0 over no rows (PyTorch's eps / C = inf times an empty sum: nan)",
    ),
    "nll_loss((0, 3), 0-d float target)": (
        lambda m: m.nn.functional.nll_loss(m.zeros(0, 3), m.tensor(0.0)),
        "bits",
        "IndexError (PyTorch checks the target's dtype first)",
    ),
    "nll_loss((0, 3), 0-d target)": (
        lambda m: m.nn.functional.nll_loss(m.zeros(0, 3), m.tensor(1)),
        "bits",
        "RuntimeError (PyTorch reads the 0-d target's size(0): IndexError)",
    ),
    "bce_with_logits(inf f32, f64 target)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            m.tensor([float("inf"), float("-inf")]), m.tensor([0.0, 0.5], dtype=m.float64), reduction="none"
        ),
        "close",
        "nan: log sigmoid(inf) went through 0 * inf",
    ),
    "cross_entropy(1-D, target (1,), smoothing)": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(2), m.tensor([0]), label_smoothing=0.1),
        "bits",
        "a result (PyTorch's smoothing masks a 0-d loss in place with a (1,) mask: RuntimeError)",
    ),
    "cross_entropy(1-D, float target (2,))": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(3), m.zeros(2)),
        "bits",
        "ValueError for the size (PyTorch checks the dtype first)",
    ),
    "cross_entropy(C=0, f64 probabilities, smoothing)": (
        lambda m: m.nn.functional.cross_entropy(
            m.zeros(2, 0), m.zeros(2, 0, dtype=m.float64), reduction="none", label_smoothing=0.2
        ),
        "close",
        "ZeroDivisionError in the mixed-dtype formula (eps / C is inf in PyTorch's doubles)",
    ),
    "bce_with_logits(0-d, weight (1,), mixed)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            m.tensor(0.0, dtype=m.float64), m.tensor(0.0), m.tensor([0.0], dtype=m.float64)
        ),
        "bits",
        "a result of shape (1,) (PyTorch weighs in place: RuntimeError)",
    ),
    "cross_entropy(f32, f64 probabilities)": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.full((2, 3), 0.3, dtype=m.float64)),
        "close",
        "0.98875106 (float64 throughout); PyTorch takes log_softmax in the logits' float32, then promotes: 0.98875108",
    ),
    "cross_entropy(f64, f32 probabilities, smoothing)": (
        lambda m: m.nn.functional.cross_entropy(
            m.tensor([88.7, -9.3, -9.5], dtype=m.float64), m.tensor([0.12, 0.5, 0.44]), label_smoothing=0.2
        ),
        "close",
        "the smoothing was applied in float64 (PyTorch: in the target's float32)",
    ),
    "cross_entropy(inf probabilities)": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(3), m.full((3,), float("inf"))),
        "close",
        "nan (PyTorch inf)",
    ),
    "cross_entropy(C=0 probabilities)": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(2, 0), m.zeros(2, 0)),
        "close",
        "0.0 for zero classes (PyTorch nan)",
    ),
    "cross_entropy(C=0, smoothing, all ignored)": (
        lambda m: m.nn.functional.cross_entropy(
            m.zeros(2, 0), m.tensor([0, 0]), ignore_index=0, reduction="sum", label_smoothing=0.5
        ),
        "close",
        "0.0 (PyTorch scales a sum of nothing by eps / C = inf: nan)",
    ),
    "cross_entropy(int64 logits, batch mismatch)": (
        lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3, dtype=m.int64), m.tensor(0)),
        "bits",
        "ValueError for the batch (PyTorch's log_softmax refuses int64 first: RuntimeError)",
    ),
    "nll_loss(1-D input, target of one)": (
        lambda m: m.nn.functional.nll_loss(m.zeros(5), m.tensor([3])),
        "close",
        "RuntimeError (PyTorch: a batch of one)",
    ),
    "nll_loss(1-D input, target of three)": (
        lambda m: m.nn.functional.nll_loss(m.zeros(5), m.tensor([3, 1, 4])),
        "bits",
        "RuntimeError (PyTorch ValueError)",
    ),
    "nll_loss(empty 3-D input)": (
        lambda m: m.nn.functional.nll_loss(m.zeros(2, 0, 3), m.zeros(2, 3, dtype=m.int64)),
        "bits",
        "IndexError (PyTorch's empty view: RuntimeError size mismatch)",
    ),
    "bce_with_logits(f32, f64)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(3), m.full((3,), 0.3, dtype=m.float64)),
        "close",
        "0.6931471806 (float64 throughout); PyTorch's float32 terms, promoted: 0.6931471825",
    ),
    "bce_with_logits(f64, f32)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            m.full((3,), 0.5, dtype=m.float64), m.zeros(3), reduction="none"
        ),
        "close",
        "float64 (PyTorch's in-place steps keep the target's float32)",
    ),
    "bce_with_logits(f32 weight, f64 target)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            m.zeros(2), m.zeros(2, dtype=m.float64), weight=m.tensor([1.0, 2.0]), pos_weight=m.tensor([3.0, 1.0])
        ),
        "close",
        "raised 'expected scalar type Double but found Float'",
    ),
    "batch_norm(zero channels, affine)": (
        lambda m: m.nn.functional.batch_norm(m.zeros(2, 0), m.zeros(0), m.zeros(0), m.zeros(0), m.zeros(0)),
        "bits",
        "an empty result (PyTorch's kernel reads channel 0 of the weight: IndexError)",
    ),
    "bce_with_logits(inf, inf)": (
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(
            m.tensor([float("inf"), float("-inf")]), m.tensor([float("inf")] * 2), reduction="none"
        ),
        "close",
        "nan (PyTorch -inf, inf)",
    ),
}


test_known_bugs, test_fixed_bugs = reproducer_tests(KNOWN, FIXED)
