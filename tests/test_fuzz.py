"""Property-based fuzzing of the elementwise ops, and the strategies and checker the other test_fuzz_*
files share. hypothesis draws shapes (0-d to 5-D, sizes 0 and 1 common), broadcast pairs that fit and ones
that don't, dtypes, views (transposed, strided, offset, expanded) and extreme values (inf, nan, -0.0, 1e38,
subnormals, int64 limits). Each op must agree with the reference, PyTorch: the same values, NaN positions,
dtype and shape, or an exception of the type PyTorch raises. Where PyTorch is not installed (or
AUTOCORE_FUZZ_ORACLE=numpy), the families numpy covers are checked against numpy on float inputs and the
others skip. `python bench/fuzz.py --examples N` runs the same properties longer and counts the cases."""

import collections
import math
import operator
import os
import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autocore
from autocore import _C

torch = None
if os.environ.get("AUTOCORE_FUZZ_ORACLE", "torch") == "torch":
    try:
        import torch
    except ImportError:
        pass
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: no reference for this family")

# ---- the checker ------------------------------------------------------------------------------------

ERRORS = (IndexError, ValueError, TypeError, RuntimeError)  # PyTorch's; NotImplementedError is a RuntimeError
DTYPE_ERROR = re.compile(r"dtype|scalar type|not implemented for|float|double|long|int64|bool", re.I)
ISAS = [isa for isa in ("baseline", "avx2", "avx512") if _C.isa_supported(isa)]
STATS = collections.defaultdict(lambda: {"tried": 0, "failed": 0})  # per (family, op), read by bench/fuzz.py
FAILURES = []  # (family, op, message, case) when AUTOCORE_FUZZ_COLLECT=1: record and go on instead of raising


def fuzz(examples):
    """`examples` per test in the default run: derandomized, so that a run's verdict is repeatable, and one
    shrunk failure per test, without the slow explain phase. Under the 'long' profile that bench/fuzz.py
    loads: the profile's count, fresh random cases."""
    budget = (
        {}
        if settings.get_current_profile_name() == "long"
        else dict(
            max_examples=examples,
            derandomize=True,
            report_multiple_bugs=False,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
    )
    return settings(deadline=None, suppress_health_check=list(HealthCheck), **budget)


def known_bugs(names, bugs):
    """names as pytest params, those whose property fails on a known bug marked xfail, not strict: whether a
    run's cases hit the bug is chance. Each bug's minimal case is a strict xfail in test_known_bugs."""
    return [
        pytest.param(n, marks=pytest.mark.xfail(reason=f"bug: {bugs[n]}")) if n in bugs else n for n in sorted(names)
    ]


def reproducers(bugs, fixed=False):
    """Known bugs, {name: (run, mode, what is wrong)}, as test_known_bugs params: each minimal case is a
    strict xfail, so that the fix shows (as an XPASS failure) and its mark, and the property's, can go.
    A fixed bug's case moves to the file's FIXED dict and stays as a regression test (fixed=True)."""
    return [
        pytest.param(run, mode, id=name, marks=() if fixed else pytest.mark.xfail(strict=True, reason=f"bug: {reason}"))
        for name, (run, mode, reason) in bugs.items()
    ]


def reproducer_tests(known, fixed):
    """A fuzz file's test_known_bugs (its KNOWN cases, each a strict xfail) and test_fixed_bugs (its FIXED cases,
    kept as regression tests), each case checked against PyTorch:
    test_known_bugs, test_fixed_bugs = reproducer_tests(KNOWN, FIXED)."""

    @needs_torch
    @pytest.mark.parametrize("run,mode", reproducers(known))
    def test_known_bugs(run, mode):
        check(None, "known bugs", "reproducer", run, (), mode=mode)

    @needs_torch
    @pytest.mark.parametrize("run,mode", reproducers(fixed, fixed=True))
    def test_fixed_bugs(run, mode):
        check(None, "fixed bugs", "reproducer", run, (), mode=mode)

    return test_known_bugs, test_fixed_bugs


def sidestep(bug, hit, known=None, crashes=False):
    """Skip a case that hits a known bug (known[bug], the calling file's KNOWN, test_fuzz's by default: its
    minimal case, a strict xfail in test_known_bugs) in the default run, so that the property goes on checking
    everything else; bench/fuzz.py's long run checks it, and counts it failing, until the bug is fixed and the
    call goes. A bug that crashes the process is skipped in the long run too."""
    assert bug in (KNOWN if known is None else known), bug
    if hit and (crashes or settings.get_current_profile_name() != "long"):
        reject()


def in_subprocess(source):
    """The tensor that the expression `source` (over `m`, autocore) gives, computed in a child process: for
    the reproducer of a crash. A crash raises SystemError, which is none of PyTorch's exception types."""
    program = f"import pickle, sys\nimport autocore as m\nsys.stdout.buffer.write(pickle.dumps(({source}).numpy()))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    flags = ["-S"] if sys.flags.no_site else []  # (the child finds autocore as this process does)
    done = subprocess.run([sys.executable, *flags, "-c", program], capture_output=True, env=env, timeout=60)
    if done.returncode != 0:
        raise SystemError(f"the process died (exit code {done.returncode}): {done.stderr.decode()[-300:]}")
    return pickle.loads(done.stdout)


def crash_case(source):
    """A reproducer's run(m) for a case that crashes autocore: PyTorch's result in process, autocore's in a
    child process."""
    return lambda m: eval(source, {"m": m}) if m is torch else in_subprocess(source)  # noqa: S307


def kind(error):
    return next((t for t in ERRORS if isinstance(error, t)), type(error))


def outcome(fn):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
            return None, error


def as_arrays(result):
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in as_arrays(r)]
    if hasattr(result, "detach"):
        result = result.detach()
        if str(result.dtype).endswith("bfloat16"):  # (numpy has no bfloat16: its values, in float32)
            return [result.float().numpy().view(BFloat16Array)]
    return [np.asarray(result.numpy() if hasattr(result, "numpy") else result)]


def check(data, family, op, run, case, numpy=None, reference=None, mode="close", ulps=8, slack=None):
    """run(autocore) must agree with run(torch) (or reference(), where PyTorch's own op is not the spec to
    follow), or with numpy() where there is no torch; under an instruction set drawn from data (if given).

    mode: "bits" for results IEEE fixes exactly (+ - * /, data movement: zero signs too), "exact" for equal
    values, "close" for within `ulps` units of the last place. slack(): extra absolute tolerance per output
    element for accumulated results (a list: one per result), inf where the summation order decides."""
    if torch is None and numpy is None:
        pytest.skip("PyTorch is not installed: no reference for this op")
    isa = _C.active_isa() if data is None else data.draw(st.sampled_from(["baseline", "avx2", "avx512"]), label="isa")
    isa = isa if isa in ISAS else ISAS[-1]  # (drawn from all three, so that the draws are the same on any CPU)
    want, want_error = outcome(numpy if torch is None else reference or (lambda: run(torch)))
    wants, malformed = outcome(lambda: as_arrays(want)) if want_error is None else (None, None)
    if malformed is not None:  # (PyTorch's x.expand(0, -1) of a 0-d x has a size of -1): the case must raise
        want_error = RuntimeError(f"the reference returned a malformed result: {malformed}")
    default_isa = _C.active_isa()
    _C.set_active_isa(isa)
    try:
        got, got_error = outcome(lambda: run(autocore))
    finally:
        _C.set_active_isa(default_isa)
    STATS[family, op]["tried"] += 1
    try:
        if got_error is not None and not isinstance(got_error, ERRORS):
            raise AssertionError(f"{op} raised {got_error!r}, not one of PyTorch's exception types") from got_error
        if want_error is not None:
            assert got_error is not None, f"{op}: expected {kind(want_error).__name__} ({want_error}), got a result"
            assert torch is None or kind(got_error) is kind(want_error), (
                f"{op} raised {got_error!r}; PyTorch raises {kind(want_error).__name__}: {want_error}"
            )
            return
        gots = as_arrays(got) if got_error is None else []
        empty = all(w.size == 0 for w in wants) or any(o.values.size == 0 for o in _operands_in(case))
        if got_error is not None and empty and DTYPE_ERROR.search(str(got_error)):
            return  # PyTorch returns early on empty inputs, before its dtype checks: no spec to hold autocore to
        assert got_error is None, f"{op} raised {got_error!r}; the reference returns a result"
        assert len(gots) == len(wants), f"{op}: {len(gots)} results, expected {len(wants)}"
        extra = None if slack is None else outcome(slack)[0]
        extras = extra if isinstance(extra, list) else [extra] * len(wants)  # one slack per result, or shared
        for g, w, e in zip(gots, wants, extras):
            assert_same(op, g, w, mode, ulps, e)
    except AssertionError as failure:
        STATS[family, op]["failed"] += 1
        if os.environ.get("AUTOCORE_FUZZ_COLLECT") != "1":
            raise
        FAILURES.append((family, op, str(failure).splitlines()[0], repr(case)))


def _operands_in(case):
    for c in case if isinstance(case, (tuple, list)) else (case,):
        if isinstance(c, Operand):
            yield c
        elif isinstance(c, (tuple, list)):
            yield from _operands_in(c)


def assert_same(op, got, want, mode, ulps, slack):
    assert got.shape == want.shape, f"{op}: shape {got.shape}, expected {want.shape}"
    assert dtype_of(got) == dtype_of(want), f"{op}: dtype {dtype_name(got)}, expected {dtype_name(want)}"
    keep = np.ones(want.shape, bool) if slack is None else np.broadcast_to(np.isfinite(slack), want.shape)
    if want.dtype.kind != "f":  # (an infinite slack: an element not compared, an undefined conversion say)
        assert np.array_equal(got[keep], want[keep]), f"{op}: {mismatch(got, want, (got != want) & keep)}"
        return
    g, w = got[keep], want[keep]
    nan_moved = np.isnan(got) != np.isnan(want)
    assert np.array_equal(np.isnan(g), np.isnan(w)), f"{op}: NaN positions differ: {mismatch(got, want, nan_moved)}"
    info = finfo(dtype_of(want))
    if mode == "close":
        top = info.max * (1 - 16 * info.eps)  # at the top of the range the largest floats and inf count as one
        edge = (np.abs(g) >= top) & (np.abs(w) >= top) & (np.sign(g) == np.sign(w))
        atol = info.tiny + (0 if slack is None else np.broadcast_to(slack, want.shape)[keep])
        with np.errstate(invalid="ignore"):
            bad = ~(np.isnan(w) | (g == w) | edge | (np.abs(g - w) <= atol + ulps * info.eps * np.abs(w)))
    else:
        bad = ~(np.isnan(w) | (g == w))
        if mode == "bits":
            bad |= (w == 0) & (np.signbit(g) != np.signbit(w))
    if bad.any():
        where = np.zeros(want.shape, bool)
        where[keep] = bad
        raise AssertionError(f"{op}: {mismatch(got, want, where)}")


def mismatch(got, want, where):
    index = [tuple(int(i) for i in ix) for ix in np.argwhere(np.asarray(where))[:3]]
    return (
        f"{int(np.sum(where))} of {want.size} differ; at {index}: got {[got[i] for i in index]}, expected "
        f"{[want[i] for i in index]}"
    )


# ---- dtypes ------------------------------------------------------------------------------------------


class BFloat16Array(np.ndarray):
    """bfloat16 values held in float32 (numpy has no bfloat16): the class tells the dtype apart."""


class BFLOAT16:
    """The dtype of an Operand or result holding bfloat16 values (in float32), where the others have numpy's."""


BFLOAT16_INFO = type("finfo", (), dict(eps=2.0**-7, max=float.fromhex("0x1.fep127"), tiny=2.0**-126))
FLOATS = (np.float16, BFLOAT16, np.float32, np.float64)  # the floating dtypes; the narrow ones first
HALVES = (np.float16, BFLOAT16)


def dtype_of(array):
    return BFLOAT16 if isinstance(array, BFloat16Array) else array.dtype


def dtype_name(array):
    return "bfloat16" if isinstance(array, BFloat16Array) else str(array.dtype)


def finfo(dtype):
    return BFLOAT16_INFO if dtype is BFLOAT16 else np.finfo(dtype)


def round_to_bfloat16(values):
    """float32 values rounded to the nearest bfloat16 (ties to even), as float32; NaN stays NaN."""
    a = np.asarray(values, np.float32)
    bits = a.view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return np.where(np.isnan(a), a, bits.view(np.float32))


# ---- strategies ---------------------------------------------------------------------------------------

SIDES = st.sampled_from([0, 1, 1, 2, 3, 5])  # 0 and 1 are where broadcasting and empty tensors go wrong


def shapes(min_dims=0, max_dims=5):
    return st.lists(SIDES, min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcast_shapes(draw, count=2, fits=True, max_dims=5):
    """`count` shapes that broadcast together: suffixes of one shape with some sides set to 1. When not
    `fits`, two of them get sizes that clash (neither 1) in one aligned dim."""
    out = draw(shapes(max_dims=max_dims))
    result = []
    for _ in range(count):
        suffix = out[len(out) - draw(st.integers(0, len(out))) :]
        result.append([1 if draw(st.booleans()) else s for s in suffix])
    if not fits:
        a, b = result[0], result[1]
        x, y = draw(st.sampled_from([(0, 2), (2, 0), (2, 3), (5, 3), (3, 0)]))
        i = draw(st.integers(0, min(len(a), len(b))))
        if i == min(len(a), len(b)):  # a new trailing dim for every shape keeps the others aligned
            result = [s + [1] for s in result]
            a, b = result[0], result[1]
            i = 0
        a[len(a) - 1 - i], b[len(b) - 1 - i] = x, y
    return [tuple(s) for s in result]


def _exact(values, dtype):
    return [float(dtype(v)) for v in values]  # representable, as hnp.arrays requires


INF, NAN = float("inf"), float("nan")
COMMON_EXTREMES = [INF, -INF, NAN, -0.0, 0.0, 1e38, -1e38, 1.0, -1.0, 0.5, 88.7, -103.0, 16777217.0, 2.0**62]
EXTREMES = {
    np.float32: _exact(
        COMMON_EXTREMES + [3.4028235e38, -3.4028235e38, 1e-45, -1e-45, 1e-40, 1.1754944e-38], np.float32
    ),
    np.float64: COMMON_EXTREMES + [1.7976931348623157e308, -1e308, 5e-324, -5e-324, 1e-310, 1e-40, 709.8],
}
INT_EXTREMES = [0, 1, -1, 2**62, -(2**62), 2**63 - 1, -(2**63), 2**31, 2**53 + 1, 16777217]
# float16: its limits, the smallest normal and subnormal, a float32-only value (2049 rounds to 2048 in
# float16), what overflows it (65520 and up round to inf); bfloat16: its limits, subnormals, 257 (256)
EXTREMES[np.float16] = _exact(
    [INF, -INF, NAN, -0.0, 0.0, 1.0, -1.0, 0.5, 65504.0, -65504.0, 2.0**-14, 2.0**-24, -(2.0**-24), 2048.0, 2050.0]
    + [11.09, -17.33, 255.9, 32768.0],
    np.float16,
)
EXTREMES[BFLOAT16] = [
    float(v)
    for v in round_to_bfloat16(
        [INF, -INF, NAN, -0.0, 0.0, 1.0, -1.0, 0.5, 3.3895314e38, -3.3895314e38, 1e38, 1.1754944e-38, 1e-40, 9.2e-41]
        + [256.0, 258.0, 88.7, -103.0, 2.0**62, 2.0**31, 65536.0, 300.0]
    )
]


def _ints(dtype, extremes):
    info = np.iinfo(dtype)
    limits = [int(info.min), int(info.max), int(info.min) + 1, int(info.max) - 1]
    small = st.integers(max(-5, info.min), 5)
    return st.one_of(small, st.sampled_from(limits + extremes), st.integers(int(info.min), int(info.max)))


VALUES = {
    np.float32: st.one_of(st.floats(-10, 10, width=32), st.sampled_from(EXTREMES[np.float32]), st.floats(width=32)),
    np.float64: st.one_of(st.floats(-10, 10), st.sampled_from(EXTREMES[np.float64]), st.floats()),
    np.int64: st.one_of(st.integers(-5, 5), st.sampled_from(INT_EXTREMES), st.integers(-(2**63), 2**63 - 1)),
    np.bool_: st.booleans(),
    np.int32: _ints(np.int32, [2**24 + 1, -(2**24) - 1, 65536]),
    np.int16: _ints(np.int16, [256, -256, 2049]),
    np.int8: _ints(np.int8, [64, -64]),
    np.uint8: _ints(np.uint8, [128, 200]),
    np.float16: st.one_of(st.floats(-10, 10, width=16), st.sampled_from(EXTREMES[np.float16]), st.floats(width=16)),
    BFLOAT16: st.one_of(st.floats(-10, 10, width=32), st.sampled_from(EXTREMES[BFLOAT16]), st.floats(width=32)).map(
        lambda v: float(round_to_bfloat16(v))
    ),
}
WIDE_DTYPES = [np.float32, np.float64] + ([np.int64, np.bool_] if torch is not None else [])
# The narrow dtypes under PyTorch only: numpy has no bfloat16, and it divides and promotes the integers its
# own way; its float16 rounds like PyTorch's per op, but not the compositions (a + 2 * b) nor the mixtures.
NARROW_DTYPES = [np.int32, np.int16, np.int8, np.uint8, np.float16, BFLOAT16] if torch is not None else []
DTYPES = st.sampled_from(WIDE_DTYPES + NARROW_DTYPES)
WIDE = st.sampled_from(WIDE_DTYPES)  # for the families whose kernels and tolerances are float32/float64's
# Python numbers as operands: bools (not for numpy, which subtracts them), ints up to int64's limits, floats
# with the extremes.
NUMBERS = st.one_of(
    st.booleans() if torch is not None else st.nothing(),
    st.integers(-5, 5),
    st.sampled_from(INT_EXTREMES),
    st.floats(-10, 10),
    st.sampled_from(EXTREMES[np.float64]),
)
# What reading past a view's elements would pick up, so that such a read shows.
POISON = {np.float32: np.nan, np.float64: np.nan, np.int64: 123456789, np.bool_: True, np.int32: 123456789}
POISON.update({np.int16: 12345, np.int8: 123, np.uint8: 201, np.float16: np.nan, BFLOAT16: np.nan})
STORED_AS = {BFLOAT16: np.float32}  # the numpy dtype that holds a dtype's values, where it is not its own


class Operand:
    """Values, and the layout autocore (and PyTorch) see them in; build(lib) makes a fresh tensor each time,
    with lib's own view ops (transpose, slicing, expand)."""

    def __init__(self, values, layout, base=None, dtype=None):
        self.values, self.layout, self.base = values, layout, base
        self.dtype = dtype or values.dtype.type  # BFLOAT16 for bfloat16 values (held in float32)

    def build(self, lib):
        a = self.values
        if self.layout == "transposed":
            return self._tensor(lib, np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        if self.layout == "strided":
            wide = np.full(a.shape[:-1] + (2 * a.shape[-1],), POISON[self.dtype], a.dtype)
            wide[..., ::2] = a
            return self._tensor(lib, wide)[..., ::2]
        if self.layout == "offset":
            wide = np.full((a.shape[0] + 1,) + a.shape[1:], POISON[self.dtype], a.dtype)
            wide[1:] = a
            return self._tensor(lib, wide)[1:]
        if self.layout == "expanded":
            return self._tensor(lib, self.base.copy()).expand(*a.shape)
        return self._tensor(lib, a.copy())

    def _tensor(self, lib, a):
        return lib.from_numpy(a).to(lib.bfloat16) if self.dtype is BFLOAT16 else lib.from_numpy(a)

    def __repr__(self):
        name = "bfloat16" if self.dtype is BFLOAT16 else f"np.{self.values.dtype}"
        return f"Operand(np.array({self.values.tolist()!r}, {name}), {self.layout!r})"


@st.composite
def operands(draw, shape, dtype=None, elements=None):
    """An Operand of this shape; elements (Python numbers) replace the dtype's usual values."""
    dtype = dtype or draw(DTYPES)
    if elements is not None and dtype in (np.float32, np.float16):
        elements = elements.map(lambda v: float(dtype(v)))  # representable, as hnp.arrays requires
    if elements is not None and dtype is BFLOAT16:
        elements = elements.map(lambda v: float(round_to_bfloat16(v)))
    stored = STORED_AS.get(dtype, dtype)
    a = draw(hnp.arrays(stored, shape, elements=VALUES[dtype] if elements is None else elements))
    layouts = ["contiguous"] + ["strided", "offset", "expanded"] * (a.ndim > 0) + ["transposed"] * (a.ndim > 1)
    layout = draw(st.sampled_from(layouts))
    if layout != "expanded":
        return Operand(a, layout, dtype=dtype)
    d = draw(st.integers(0, a.ndim - 1))  # a stride-0 dim: the values repeat along it
    base = a.take([0], axis=d) if a.shape[d] else np.zeros(a.shape[:d] + (1,) + a.shape[d + 1 :], a.dtype)
    return Operand(np.broadcast_to(base, a.shape).copy(), layout, base, dtype)


def same_dtype_pairs(data, dtypes=DTYPES):
    """Operand dtypes for a binary op: independent under PyTorch (promotion is part of the check); one shared
    float dtype under numpy, whose promotion rules are not PyTorch's."""
    first = data.draw(dtypes)
    return first, data.draw(dtypes) if torch is not None else first


# ---- binary ops on two tensors ---------------------------------------------------------------------

BINARY = {  # name: (call on autocore or torch, numpy for same-dtype floats, comparison mode)
    "add": (lambda m, a, b: m.add(a, b), np.add, "bits"),
    "sub": (lambda m, a, b: m.sub(a, b), np.subtract, "bits"),
    "mul": (lambda m, a, b: m.mul(a, b), np.multiply, "bits"),
    "div": (lambda m, a, b: m.div(a, b), np.divide, "bits"),
    "add_alpha": (lambda m, a, b: m.add(a, b, alpha=2), lambda a, b: a + 2 * b, "close"),
    "sub_alpha": (lambda m, a, b: a.sub(b, alpha=-3), lambda a, b: a + 3 * b, "close"),
    "pow": (lambda m, a, b: m.pow(a, b), np.power, "close"),
    "maximum": (lambda m, a, b: m.maximum(a, b), np.maximum, "exact"),
    "minimum": (lambda m, a, b: m.minimum(a, b), np.minimum, "exact"),
    "max_binary": (lambda m, a, b: m.max(a, b), np.maximum, "exact"),
    "eq": (lambda m, a, b: m.eq(a, b), np.equal, "exact"),
    "ne": (lambda m, a, b: a != b, np.not_equal, "exact"),
    "lt": (lambda m, a, b: m.lt(a, b), np.less, "exact"),
    "le": (lambda m, a, b: a <= b, np.less_equal, "exact"),
    "gt": (lambda m, a, b: m.gt(a, b), np.greater, "exact"),
    "ge": (lambda m, a, b: a.ge(b), np.greater_equal, "exact"),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@fuzz(60)
@given(data=st.data(), fits=st.sampled_from([True, True, True, False]))
def test_binary(name, data, fits):
    call, reference, mode = BINARY[name]
    shape_a, shape_b = data.draw(broadcast_shapes(2, fits))
    dtype_a, dtype_b = same_dtype_pairs(data)
    a, b = data.draw(operands(shape_a, dtype_a)), data.draw(operands(shape_b, dtype_b))
    check(
        data,
        "elementwise",
        name,
        lambda m: call(m, a.build(m), b.build(m)),
        (a, b),
        numpy=lambda: reference(a.values, b.values),
        mode=mode,
    )


# ---- a tensor and a Python number ------------------------------------------------------------------

WITH_NUMBER = {  # the number on either side, through the operators and the functions
    "a+s": (operator.add, "bits"),
    "s+a": (lambda a, s: s + a, "bits"),
    "a-s": (operator.sub, "bits"),
    "s-a": (lambda a, s: s - a, "bits"),
    "a*s": (operator.mul, "bits"),
    "a/s": (operator.truediv, "bits"),
    "s/a": (lambda a, s: s / a, "bits"),
    "a**s": (operator.pow, "close"),
    "s**a": (lambda a, s: s**a, "close"),
    "a<s": (operator.lt, "exact"),
    "s<=a": (lambda a, s: s <= a, "exact"),
    "a==s": (operator.eq, "exact"),
    "a!=s": (operator.ne, "exact"),
    "a>=s": (operator.ge, "exact"),
    "add(a,s)": (lambda a, s: a.add(s), "bits"),
    "mul(s)": (lambda a, s: a.mul(s), "bits"),
    "pow(a,s)": (lambda a, s: a.pow(s), "close"),
}


def _number_over_tensor(a, s):
    """s / a as PyTorch means it: a true division (its own operator takes a.reciprocal() * s, which turns
    0 / 1e-45 into NaN), for a float16 or bfloat16 result in float32."""
    dtype = torch.result_type(a, s)  # (an integer s as a 0-d int64: int32's a / 2**62 converts 2**62 to float)
    if dtype in (torch.float16, torch.bfloat16):  # in float32, rounded once (s is not rounded to a half first)
        return torch.div(torch.tensor(s, dtype=torch.float32), a.float()).to(dtype)
    return torch.div(torch.tensor(s, dtype=dtype if dtype.is_floating_point else None), a)


def _power_either_way(fn, a, number):
    """PyTorch raises a float32 tensor to a Python float in double in its scalar loop (std::pow(double(x), s),
    rounded), but its vectorised loop (contiguous runs) rounds the exponent to float32 first, so PyTorch's answer
    depends on an element's place in memory. autocore always keeps the exponent double: the reference takes the
    double-exponent answer wherever autocore's equals it, and PyTorch's own answer elsewhere."""
    actual = fn(a.build(torch), number)
    if not isinstance(number, float) or actual.dtype != torch.float32:
        return actual
    wide = fn(a.build(torch).to(torch.float32).double(), number).to(torch.float32).numpy()
    try:
        ours = fn(a.build(autocore), number).numpy()
    except Exception:  # (then the comparison itself reports it)
        return actual
    with np.errstate(invalid="ignore"):
        take_wide = (ours == wide) | (np.isnan(ours) & np.isnan(wide))
    return torch.from_numpy(np.where(take_wide, wide, actual.numpy()))


def _exponent_overflows(dtype, number):
    """Whether PyTorch refuses a Python number as the exponent of a tensor of this narrow dtype: it converts an
    int exponent to an integer dtype, any exponent to a half one, checked."""
    if isinstance(number, bool) or dtype in WIDE_DTYPES:
        return False
    if dtype == np.uint8 and isinstance(number, int) and number < 0:  # (PyTorch: no negative integer powers)
        return True
    if dtype in HALVES:
        return math.isfinite(number) and abs(number) > finfo(dtype).max
    info = np.iinfo(dtype)
    return isinstance(number, int) and not (min(int(info.min), -int(info.max)) <= number <= info.max)


@pytest.mark.parametrize("name", sorted(WITH_NUMBER))
@fuzz(40)
@given(data=st.data(), number=NUMBERS)
def test_with_python_number(name, data, number):
    fn, mode = WITH_NUMBER[name]
    a = data.draw(operands(data.draw(shapes())))
    reference = (
        (lambda: _number_over_tensor(a.build(torch), number))
        if name == "s/a"
        else (lambda: _power_either_way(fn, a, number))
        if name in ("a**s", "pow(a,s)")
        else None
    )
    numpy = None if "(" in name else lambda: fn(a.values, number)
    if name == "a**s" and isinstance(number, float) and a.values.dtype != np.float64:
        # a float32 result of a double exponent (numpy would round the exponent to float32 first)
        numpy = lambda: (a.values.astype(np.float32).astype(np.float64) ** number).astype(np.float32)  # noqa: E731
    check(
        data,
        "elementwise",
        name,
        lambda m: fn(a.build(m), number),
        (a, number),
        numpy=numpy,
        reference=reference,
        mode=mode,
    )


NUMBER_OR_TENSOR = {  # torch.maximum(t, 2) is a TypeError; where(c, t, 2) is allowed
    "maximum(t,s)": lambda m, c, a, s: m.maximum(a, s),
    "minimum(s,t)": lambda m, c, a, s: m.minimum(s, a),
    "where(c,t,s)": lambda m, c, a, s: m.where(c, a, s),
    "where(c,s,t)": lambda m, c, a, s: m.where(c, s, a),
}


@pytest.mark.parametrize("name", sorted(NUMBER_OR_TENSOR))
@fuzz(40)
@given(data=st.data(), number=NUMBERS)
def test_number_or_tensor(name, data, number):
    a = data.draw(operands(data.draw(shapes())))
    cond = data.draw(operands(a.values.shape, np.bool_))
    check(
        data,
        "elementwise",
        name,
        lambda m: NUMBER_OR_TENSOR[name](m, cond.build(m), a.build(m), number),
        (cond, a, number),
        mode="bits",
    )


# ---- unary ops ---------------------------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {  # name: (call, numpy for floats or None, mode)
    "neg": (lambda m, x: m.neg(x), np.negative, "bits"),
    "-x": (lambda m, x: -x, np.negative, "bits"),
    "abs": (lambda m, x: m.abs(x), np.abs, "bits"),
    "sqrt": (lambda m, x: m.sqrt(x), np.sqrt, "close"),
    "exp": (lambda m, x: m.exp(x), np.exp, "close"),
    "log": (lambda m, x: m.log(x), np.log, "close"),
    "sin": (lambda m, x: m.sin(x), np.sin, "close"),
    "cos": (lambda m, x: x.cos(), np.cos, "close"),
    "tanh": (lambda m, x: m.tanh(x), np.tanh, "close"),
    "sigmoid": (lambda m, x: m.sigmoid(x), _sigmoid, "close"),
    "erf": (lambda m, x: m.erf(x), None, "close"),
    "relu": (lambda m, x: m.relu(x), lambda x: np.where(np.isnan(x) | (x > 0), x, 0).astype(x.dtype), "exact"),
    "leaky_relu": (
        lambda m, x: m.nn.functional.leaky_relu(x, 0.2),
        lambda x: np.where(x > 0, x, x * x.dtype.type(0.2)),
        "close",
    ),
    "gelu": (lambda m, x: m.nn.functional.gelu(x), None, "close"),
    "gelu_tanh": (lambda m, x: m.nn.functional.gelu(x, approximate="tanh"), None, "close"),
    "logical_not": (lambda m, x: ~x if x.dtype == m.bool else x.logical_not(), None, "exact"),
    "clamp": (lambda m, x: m.clamp(x, -1.5, 2.0), lambda x: np.minimum(np.maximum(x, -1.5), 2.0), "exact"),
    "clamp_min": (lambda m, x: x.clamp(min=0.25), lambda x: np.maximum(x, 0.25), "exact"),
    "clip_max": (lambda m, x: m.clip(x, max=-3), lambda x: np.minimum(x, -3), "exact"),
    "clamp_crossed": (lambda m, x: m.clamp(x, 1, -1), lambda x: np.minimum(np.maximum(x, 1), -1), "exact"),
}


def _widened(call, x):
    """call on x in float64, narrowed to the dtype call gives (or raising as it raises): PyTorch's float32
    gelu is not the spec to follow (its vectorised kernel gives NaN at inf and 1e-4 relative errors)."""
    narrow = call(torch, x.build(torch))
    return call(torch, x.build(torch).double()).to(narrow.dtype) if narrow.is_floating_point() else narrow


def _gelu_slack(x):
    """x * Phi(x) with Phi = (1 + erf) / 2 loses Phi's absolute error (a few eps) relative to x; a half type's
    Phi is float32's (1 + tanh(-7) is 0 there, 4e-16 in the float64 reference)."""
    eps = np.finfo(np.float32 if x.dtype.itemsize < 4 or x.dtype in HALVES else x.dtype).eps
    return 8 * eps * np.abs(np.where(np.isfinite(x), x, 0).astype(np.float64))


@pytest.mark.parametrize("name", sorted(UNARY))
@fuzz(60)
@given(data=st.data())
def test_unary(name, data):
    call, reference, mode = UNARY[name]
    x = data.draw(operands(data.draw(shapes())))
    gelu = name.startswith("gelu")
    # PyTorch's float16 and bfloat16 erf give -0 for |x| < 1e-8 or so: the halves' reference is float64's,
    # rounded once, as autocore's float32 is.
    widened = gelu or (mode == "close" and x.dtype in HALVES)
    check(
        data,
        "elementwise",
        name,
        lambda m: call(m, x.build(m)),
        (x,),
        numpy=None if reference is None else lambda: reference(x.values),
        reference=(lambda: _widened(call, x)) if widened else None,
        mode=mode,
        slack=(lambda: _gelu_slack(x.values)) if gelu and x.dtype in (np.float32, np.float64, *HALVES) else None,
    )


@fuzz(60)
@given(data=st.data(), low=st.one_of(st.none(), NUMBERS), high=st.one_of(st.none(), NUMBERS))
def test_clamp_with_any_bounds(data, low, high):
    x = data.draw(operands(data.draw(shapes())))
    check(data, "elementwise", "clamp(lo,hi)", lambda m: m.clamp(x.build(m), low, high), (x, low, high), mode="exact")


@fuzz(60)
@given(data=st.data(), fits=st.sampled_from([True, True, True, False]))
def test_where(data, fits):
    shape_c, shape_a, shape_b = data.draw(broadcast_shapes(3, fits))
    dtype_a, dtype_b = same_dtype_pairs(data)
    cond = data.draw(operands(shape_c, np.bool_ if torch is None or data.draw(st.integers(0, 5)) else None))
    a, b = data.draw(operands(shape_a, dtype_a)), data.draw(operands(shape_b, dtype_b))
    check(
        data,
        "elementwise",
        "where",
        lambda m: m.where(cond.build(m), a.build(m), b.build(m)),
        (cond, a, b),
        numpy=lambda: np.where(cond.values, a.values, b.values),
        mode="bits",
    )


@pytest.mark.parametrize("name", ["&", "|", "^"])
@needs_torch
@fuzz(30)
@given(data=st.data(), fits=st.sampled_from([True, True, True, False]))
def test_logical_on_bools(name, data, fits):
    """autocore has &, | and ^ for bool tensors only (PyTorch's bitwise integer forms are not there)."""
    shape_a, shape_b = data.draw(broadcast_shapes(2, fits))
    a, b = data.draw(operands(shape_a, np.bool_)), data.draw(operands(shape_b, np.bool_))
    fn = {"&": operator.and_, "|": operator.or_, "^": operator.xor}[name]
    check(data, "elementwise", name, lambda m: fn(a.build(m), b.build(m)), (a, b), mode="exact")


# ---- in place ------------------------------------------------------------------------------------------


def _iadd(x, y):
    x += y
    return x


def _itruediv(x, y):
    x /= y
    return x


IN_PLACE = {  # name: (call(self, other tensor or number), mode); other is None for the unary ones
    "add_": (lambda x, y: x.add_(y), "bits"),
    "sub_": (lambda x, y: x.sub_(y), "bits"),
    "mul_": (lambda x, y: x.mul_(y), "bits"),
    "div_": (lambda x, y: x.div_(y), "bits"),
    "+=": (_iadd, "bits"),
    "/=": (_itruediv, "bits"),
    "copy_": (lambda x, y: x.copy_(y), "bits"),
    "clamp_": (lambda x, y: x.clamp_(-1.0, 1.0), "exact"),
    "relu_": (lambda x, y: x.relu_(), "exact"),
    "exp_": (lambda x, y: x.exp_(), "close"),
    "neg_": (lambda x, y: x.neg_(), "bits"),
    "sigmoid_": (lambda x, y: x.sigmoid_(), "close"),
    "tanh_": (lambda x, y: x.tanh_(), "close"),
    "fill_": (lambda x, y: x.fill_(2.5), "bits"),
    "zero_": (lambda x, y: x.zero_(), "bits"),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
@needs_torch
@fuzz(40)
@given(data=st.data(), fits=st.sampled_from([True, True, True, False]), number=st.one_of(st.none(), NUMBERS))
def test_in_place(name, data, fits, number):
    """The result and self afterwards; writing into an expanded view, a dtype the result can't be cast to,
    or a shape smaller than the broadcast one must raise, as in PyTorch."""
    call, mode = IN_PLACE[name]
    shape_x, shape_y = data.draw(broadcast_shapes(2, fits))
    x, y = data.draw(operands(shape_x)), data.draw(operands(shape_y))

    def run(m):
        self = x.build(m)
        result = call(self, y.build(m) if number is None or name == "copy_" else number)
        return self, result

    check(data, "elementwise", name, run, (x, y, number), mode=mode)


KNOWN = {  # minimal cases of the bugs the properties above found: name: (run, mode, what is wrong)
}

FIXED = {  # minimal cases of bugs found and fixed, kept as regression tests: name: (run, mode, what was wrong)
    "where(uint8 condition)": (
        lambda m: m.where(m.tensor([1, 0], dtype=m.uint8), m.ones(2), m.zeros(2)),
        "bits",
        "RuntimeError, where expected condition to be a boolean tensor (PyTorch takes a uint8 condition, with a"
        " deprecation warning: [1., 0.])",
    ),
    "int8 ** 300": (
        lambda m: m.tensor([3], dtype=m.int8) ** 300,
        "bits",
        "[113]: the exponent is not converted to the tensor's dtype, checked (PyTorch: RuntimeError, value cannot"
        " be converted to type int8_t without overflow); int32's a ** 2**53, float16's a ** 70000 and bfloat16's"
        " a ** 1e39 too; uint8's a ** -2 takes -2 as 254 (PyTorch: Integers to negative integer powers are not"
        " allowed)",
    ),
    "where(c, int16, 1)": (
        lambda m: m.where(m.tensor([False]), m.zeros(1, dtype=m.int16), 1),
        "bits",
        "KeyError: DType.int16 (PyTorch: [1], int16); int8 and uint8 too",
    ),
    "add(int32, bool, alpha=2)": (
        lambda m: m.add(m.tensor([0], dtype=m.int32), m.tensor([True]), alpha=2),
        "bits",
        "int64: alpha * b was taken in b's dtype first (PyTorch: [2], int32)",
    ),
    "sub(uint8 3, int8 119, alpha=-3)": (
        lambda m: m.tensor(3, dtype=m.uint8).sub(m.tensor(119, dtype=m.int8), alpha=-3),
        "bits",
        "104: alpha * b wrapped around in int8 (PyTorch: 360 in int16, the result's dtype)",
    ),
    "clamp(uint8, 1, -1)": (
        lambda m: m.clamp(m.tensor([0], dtype=m.uint8), 1, -1),
        "bits",
        "[255]: the bounds were taken as int64 (PyTorch converts them to uint8 first, -1 to 255: [1]); int8's"
        " clamp(x, 1000) gave a result (PyTorch: RuntimeError, value cannot be converted to type int8_t without"
        " overflow), int32's too; clamp_ as well",
    ),
    "gelu(float16 -3)": (
        lambda m: m.nn.functional.gelu(m.tensor([-3.0], dtype=m.float16)),
        "close",
        "-0.004395: each step rounded to float16 (PyTorch computes in float32 and rounds once: -0.00405)",
    ),
    "std([1.2e-38, 0], correction=2)": (
        lambda m: m.tensor([1.1754943508222875e-38, 0.0]).std(correction=2),
        "close",
        "nan: the squared deviation underflowed float32 to 0, and 0 / 0 (PyTorch: inf)",
    ),
    "addmm(int64, K=0, beta=0.5)": (
        lambda m: m.addmm(m.tensor([1, 2, 3]), m.ones(1, 0, dtype=m.int64), m.ones(0, 3, dtype=m.int64), beta=0.5),
        "bits",
        "a result (PyTorch scales the int bias by a float beta in place: RuntimeError)",
    ),
    "sub(tensor(1.), int64 2**62, alpha=2)": (
        lambda m: m.sub(m.tensor(1.0), m.tensor([[2**62]]), alpha=2),
        "close",
        "+9.2e18: alpha * b wrapped around in int64 (PyTorch: in float32)",
    ),
    "linear(1-D x, bias (7,))": (
        lambda m: m.nn.functional.linear(m.zeros(1), m.ones(1, 1), m.zeros(7)),
        "bits",
        "shape (7,): the bias broadcast the output (PyTorch adds it in place: RuntimeError)",
    ),
    "linear(1-D x, bias (1, 3))": (
        lambda m: m.nn.functional.linear(m.zeros(1), m.ones(3, 1), m.zeros(1, 3)),
        "bits",
        "shape (1, 3) (PyTorch: a batch of one, squeezed: (3,))",
    ),
    "tensor(True).amin((-1, -1, -2))": (
        lambda m: m.tensor(True).amin((-1, -1, -2)),
        "bits",
        "RuntimeError for the repeat (PyTorch wraps every dim first: IndexError)",
    ),
    "zeros(0, 3).amax((0, 5))": (
        lambda m: m.zeros(0, 3).amax((0, 5)),
        "bits",
        "IndexError for dim 5 (PyTorch: dim 0 is empty, IndexError for it first)",
    ),
    "tensor(1.).std((-1, 0, 1))": (
        lambda m: m.tensor(1.0).std((-1, 0, 1)),
        "bits",
        "IndexError for dim 1 (PyTorch's var finds the repeat first: RuntimeError)",
    ),
    "0.0**1e-311": (
        lambda m: m.tensor([0.0]) ** 2.225073858507e-311,
        "close",
        "the Python float exponent was rounded to float32 first, to 0: result 1 (PyTorch 0)",
    ),
    "10.0**8.837672654912726": (
        lambda m: m.tensor([10.0]) ** 8.837672654912726,
        "close",
        "the exponent was rounded to float32 first: 11 ulps off (PyTorch keeps it double)",
    ),
    "bool**True": (lambda m: m.tensor([False, True]) ** True, "bits", "raised 'pow not implemented for bool'"),
    "bool**False": (lambda m: m.tensor([False, True]) ** False, "bits", "raised 'pow not implemented for bool'"),
}


test_known_bugs, test_fixed_bugs = reproducer_tests(KNOWN, FIXED)
