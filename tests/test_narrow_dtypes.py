"""The narrow dtypes int8, uint8, int16, float16 and bfloat16, which compute in a wide dtype (int64, float32) and
round or wrap back once: the dtype objects and their limits, creation and the legacy names, casts between every pair
of the ten dtypes, type promotion, arithmetic, reductions, indexing, numpy and DLPack interop, printing, autograd and
saving. Values come from numpy (whose float16 loops also compute in float32) and from a bfloat16 rounding written
here; PyTorch, where installed, is compared too."""

import operator

import numpy as np
import pytest

import autocore as ac

from conftest import torch_or_skip

NARROW = ["int8", "uint8", "int16", "float16", "bfloat16"]
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
PREFIX = repr(ac.float32).rsplit(".", 1)[0]  # how this library prints a dtype's module ("torch" in PyTorch)


def dt(name):
    return getattr(ac, name)


def round_bf16(values):
    """float32 values rounded to bfloat16 (to nearest, ties to even), as float32: PyTorch's round_to_nearest_even."""
    values = np.asarray(values, np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(values), values, rounded)


def np_value(name, values):
    """`values` as the numpy array that holds `name`'s values exactly (bfloat16's as float32)."""
    if name == "bfloat16":
        return round_bf16(np.asarray(values, np.float64).astype(np.float32))
    return np.array(values, dtype=np.bool_ if name == "bool" else name)


def to_np(t):
    return (t.to(ac.float32) if t.dtype is ac.bfloat16 else t).numpy()


def assert_same(got, expected):
    """Equal values and dtypes, NaN equal to NaN (whatever its sign: PyTorch's bfloat16 NaN is negative) and -0.0
    told apart from 0.0."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    if got.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(got) & ~np.isnan(got), np.signbit(expected) & ~np.isnan(expected))


def assert_tensor(t, name, expected):
    assert t.dtype is dt(name), (t.dtype, name)
    assert_same(to_np(t), np_value(name, expected))


# ---- the dtype objects -------------------------------------------------------------------------------------------


def test_dtype_objects():
    assert ac.half is ac.float16 and ac.short is ac.int16
    for name, itemsize, floating in [
        ("int8", 1, False),
        ("uint8", 1, False),
        ("int16", 2, False),
        ("float16", 2, True),
        ("bfloat16", 2, True),
    ]:
        d = dt(name)
        assert d.itemsize == itemsize and d.is_floating_point == floating
        assert repr(d) == str(d) == f"{PREFIX}.{name}"
    assert len({dt(n) for n in ALL}) == 10


def test_finfo_and_iinfo():
    half, bf16 = ac.finfo(ac.float16), ac.finfo(ac.bfloat16)
    assert (half.bits, half.eps, half.max, half.min) == (16, 2.0**-10, 65504.0, -65504.0)
    assert (half.tiny, half.smallest_normal, half.resolution) == (2.0**-14, 2.0**-14, 10.0**-3)
    bf16_max = (2 - 2.0**-7) * 2.0**127
    assert (bf16.bits, bf16.eps, bf16.max, bf16.min) == (16, 2.0**-7, bf16_max, -bf16_max)
    assert (bf16.tiny, bf16.resolution) == (2.0**-126, 10.0**-2)
    assert (half.dtype, bf16.dtype) == ("float16", "bfloat16")
    for name, low, high, bits in [("int8", -128, 127, 8), ("uint8", 0, 255, 8), ("int16", -32768, 32767, 16)]:
        info = ac.iinfo(dt(name))
        assert (info.min, info.max, info.bits, info.dtype) == (low, high, bits, name)
    with pytest.raises(TypeError):
        ac.finfo(ac.int8)
    with pytest.raises(TypeError):
        ac.iinfo(ac.float16)


# ---- creation and the legacy names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NARROW)
def test_creation(name):
    d = dt(name)
    assert_tensor(ac.tensor([[1, 2], [3, 100]], dtype=d), name, [[1, 2], [3, 100]])
    assert_tensor(ac.zeros(2, 3, dtype=d), name, np.zeros((2, 3)))
    assert_tensor(ac.ones(4, dtype=d), name, np.ones(4))
    assert_tensor(ac.full((2,), 7, dtype=d), name, [7, 7])
    assert_tensor(ac.arange(0, 6, 2, dtype=d), name, [0, 2, 4])
    assert_tensor(ac.ones(3).to(d), name, [1, 1, 1])
    assert ac.tensor(5, dtype=d).shape == () and ac.tensor(5, dtype=d).item() == 5


def test_creation_rounds_and_checks():
    assert_tensor(ac.tensor([0.1, 1 / 3, 70000.0], dtype=ac.float16), "float16", np.float16([0.1, 1 / 3, np.inf]))
    assert_tensor(ac.full((2,), 0.1, dtype=ac.bfloat16), "bfloat16", [0.1, 0.1])
    assert_tensor(ac.arange(0, 1, 0.25, dtype=ac.float16), "float16", [0, 0.25, 0.5, 0.75])
    assert_tensor(ac.arange(-3, 3, dtype=ac.int8), "int8", [-3, -2, -1, 0, 1, 2])
    assert_tensor(ac.tensor([-1, 255], dtype=ac.uint8), "uint8", [255, 255])  # PyTorch lets a negative wrap here
    assert_tensor(ac.CharTensor([1.7, -1.7]), "int8", [1, -1])  # truncated toward zero
    with pytest.raises(RuntimeError, match="without overflow"):
        ac.tensor([300], dtype=ac.int8)


LEGACY = [
    ("HalfTensor", "float16", "half"),
    ("BFloat16Tensor", "bfloat16", "bfloat16"),
    ("ByteTensor", "uint8", "byte"),
    ("CharTensor", "int8", "char"),
    ("ShortTensor", "int16", "short"),
]


@pytest.mark.parametrize("legacy, name, method", LEGACY)
def test_legacy_names(legacy, name, method):
    cls = getattr(ac, legacy)
    x = cls([1.75, -2.0]) if name in FLOATS else cls([1.7, 2])
    assert x.dtype is dt(name) and isinstance(x, cls) and x.type() == f"torch.{legacy}"
    assert_tensor(x, name, [1.75, -2.0] if name in FLOATS else [1, 2])
    sized = cls(2, 3)
    assert sized.shape == (2, 3) and sized.dtype is dt(name)
    assert isinstance(ac.zeros(2, dtype=dt(name)), cls) and not isinstance(ac.zeros(2), cls)
    assert getattr(ac.ones(2), method)().dtype is dt(name)
    assert ac.ones(2).type(cls).dtype is dt(name) and ac.ones(2).type(f"torch.{legacy}").dtype is dt(name)


# ---- casts between every pair --------------------------------------------------------------------------------------

HALF_MIN = 2.0**-24  # the smallest float16 subnormal
SOURCES = {
    "bool": [True, False, True],
    "uint8": [0, 1, 127, 128, 200, 255],
    "int8": [-128, -100, -1, 0, 1, 127],
    "int16": [-32768, -129, -1, 0, 255, 256, 300, 2049, 2051, 32767],
    "int32": [-(2**31), -70000, -129, -1, 0, 257, 259, 300, 65519, 65520, 2**31 - 1],
    "int64": [-(2**40) - 1, -129, -1, 0, 255, 300, 2049, 2051, 2**24 + 1, 2**40 + 5],
    "float16": [0.0, -0.0, 1.0, -2.5, 0.1, 1 / 3, 65504, -65504, HALF_MIN, 2.0**-14, 100.5, 127.75, -128.5],
    "bfloat16": [0.0, -0.0, 1.0, -2.5, 1 / 3, 1e30, 3e38, 1e-40, 2.0**-126, 100.5, 127.5, -128.5, 257],
    "float32": [0.0, -0.0, 1.0, 0.1, -1.5, 127.9, -128.9, 65519.99, 65520.0, 1e-8, 3.4e38, 1e-45]
    + [1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8, HALF_MIN, HALF_MIN / 2, 3 * HALF_MIN / 2],  # ties
    "float64": [0.0, -0.0, 0.1, -1.5, 127.9, -128.9, 1 + 2**-11 + 2**-40, 1 + 2**-8 + 2**-40, 1e300, 1e-300, 65520.0],
}
SPECIALS = [float("nan"), float("inf"), -float("inf")]


# The floats whose conversion into each integer dtype PyTorch defines: those in the dtype's range, and for uint8,
# whose conversion goes through int64, those in int32's range (beyond it, into int64 works too).
INT_LIMITS = {"int8": 2**7, "uint8": 2**31, "int16": 2**15, "int32": 2**31, "int64": 2**63}


def source_values(src, dst):
    """src's test values, less those whose conversion into dst PyTorch leaves undefined."""
    values = SOURCES[src]
    if src in FLOATS and dst in INT_LIMITS:
        return [v for v in values if -INT_LIMITS[dst] - 1 < v < INT_LIMITS[dst]]
    return values + SPECIALS if src in FLOATS else values


def reference_cast(values, src, dst):
    """What PyTorch's cast gives, computed in numpy: integers wrap; floats truncate toward zero into int64 before
    wrapping (so -1.5 into uint8 is 255); everything reaches float16 and bfloat16 through float32 (so float64's
    1 + 2**-11 + 2**-40 rounds twice, to 1.0)."""
    if dst == "bool":
        return values != 0
    if src in FLOATS and dst not in FLOATS:
        return np.trunc(values).astype(np.int64).astype(dst)
    if dst == "bfloat16":
        return round_bf16(values.astype(np.float32))
    if dst == "float16":
        return values.astype(np.float32).astype(np.float16)
    return values.astype(dst)


@pytest.mark.parametrize("dst", ALL)
@pytest.mark.parametrize("src", ALL)
def test_cast(src, dst):
    values = np_value(src, source_values(src, dst))
    x = ac.tensor(values.tolist(), dtype=dt(src))
    assert_tensor(x, src, values)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = reference_cast(values, src, dst)
    assert_tensor(x.to(dt(dst)), dst, expected)
    assert_tensor(x[::2].to(dt(dst)), dst, expected[::2])  # a strided source


def test_casts_match_pytorch():
    torch = torch_or_skip()
    for src in ALL:
        for dst in ALL:
            values = np_value(src, source_values(src, dst)).tolist()
            ours = ac.tensor(values, dtype=dt(src)).to(dt(dst))
            theirs = torch.tensor(values, dtype=getattr(torch, src)).to(getattr(torch, dst))
            assert_same(to_np(ours), (theirs.float() if dst == "bfloat16" else theirs).numpy())


def float32_bits(array):
    return np.asarray(array, np.float32).view(np.uint32)


def test_float16_conversions_on_every_isa(isa):
    """Every float16 to float32, and 4M random float32 bit patterns to float16, against numpy's conversion (F16C's
    instructions where the ISA has them, the portable rounding otherwise). A NaN comes out quiet, its payload's top
    bits kept, as the instructions and PyTorch give it; numpy keeps a signalling NaN signalling."""
    halves = np.arange(1 << 16, dtype=np.uint16)
    widened = ac.tensor(halves.view(np.int16)).view(ac.float16).float()
    expected = float32_bits(halves.view(np.float16).astype(np.float32))
    expected = np.where(np.isnan(halves.view(np.float16)), expected | 0x00400000, expected)
    np.testing.assert_array_equal(float32_bits(widened.numpy()), expected)
    singles = np.random.default_rng(0).integers(0, 1 << 32, 1 << 22, dtype=np.uint64).astype(np.uint32)
    with np.errstate(over="ignore"):
        expected = singles.view(np.float32).astype(np.float16).view(np.uint16)
    nan = (singles >> 16 & 0x8000 | 0x7E00 | singles >> 13 & 0x03FF).astype(np.uint16)
    expected = np.where(np.isnan(singles.view(np.float32)), nan, expected)
    rounded = ac.tensor(singles.view(np.float32)).half().view(ac.int16).numpy().view(np.uint16)
    np.testing.assert_array_equal(rounded, expected)


def test_float16_conversions_match_pytorch():
    torch = torch_or_skip()
    halves = np.arange(1 << 16, dtype=np.uint16).view(np.int16)
    ours = ac.tensor(halves).view(ac.float16).float().view(ac.int32).numpy()
    theirs = torch.tensor(halves).view(torch.float16).float().view(torch.int32).numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_a_half_default_dtype(name):
    """set_default_dtype takes the half types: Python floats and the float factories then make them (bfloat16,
    which numpy lacks, included)."""
    try:
        ac.set_default_dtype(dt(name))
        assert ac.get_default_dtype() is dt(name)
        made = [ac.tensor([1.5]), ac.tensor(0.1), ac.as_tensor([[0.1, 2]]), ac.ones(2), ac.arange(0.0, 2), ac.rand(3)]
        assert all(t.dtype is dt(name) for t in made)
        assert_tensor(ac.tensor([0.1, 1 / 3]), name, np_value(name, [0.1, 1 / 3]))
        assert ac.tensor([1, 2]).dtype is ac.int64 and (ac.tensor([1, 2]) / 2).dtype is dt(name)
        assert ac.tensor(np.float32([1.5])).dtype is ac.float32  # numpy's dtype stays
    finally:
        ac.set_default_dtype(ac.float32)
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        ac.set_default_dtype(ac.int16)


def test_signed_and_complex_flags():
    for name in ALL:
        signed = name not in ("bool", "uint8")
        assert dt(name).is_signed is signed and dt(name).is_complex is False
        assert ac.zeros(1, dtype=dt(name)).is_signed() is signed and not ac.zeros(1, dtype=dt(name)).is_complex()


def test_random_draws_in_the_half_types_and_refusals_elsewhere():
    for name in ("float16", "bfloat16"):
        drawn = ac.bernoulli(ac.full((20_000,), 0.3, dtype=dt(name)))
        assert drawn.dtype is dt(name)
        values = to_np(drawn)
        assert set(np.unique(values)) <= {0.0, 1.0} and abs(values.mean() - 0.3) < 0.02
        assert abs(to_np(ac.zeros(20_000, dtype=dt(name)).bernoulli_(0.7)).mean() - 0.7) < 0.02
    for call, message in [
        (lambda: ac.rand(3, dtype=ac.int8), "\"check_uniform_bounds\" not implemented for 'Char'"),
        (lambda: ac.randn(3, dtype=ac.int32), "\"normal_kernel_cpu\" not implemented for 'Int'"),
        (lambda: ac.zeros(2, dtype=ac.int64).uniform_(), "\"check_uniform_bounds\" not implemented for 'Long'"),
        (lambda: ac.bernoulli(ac.ones(3, dtype=ac.int8)), "\"bernoulli_tensor_cpu_p_\" not implemented for 'Char'"),
        (lambda: ac.randperm(3, dtype=ac.bool), "\"randperm\" not implemented for 'Bool'"),
    ]:
        with pytest.raises(NotImplementedError, match=message):
            call()


# ---- type promotion ------------------------------------------------------------------------------------------------

FLOAT_RANK = {"float16": 0, "bfloat16": 0, "float32": 1, "float64": 2}
INT_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}


def expected_promotion(a, b):
    """PyTorch's documented table: bool < integers < floats; uint8 with a signed type needs one wider than int8;
    float16 with bfloat16 meets at float32."""
    if a == b or b == "bool":
        return a
    if a == "bool":
        return b
    if (a in FLOATS) != (b in FLOATS):
        return a if a in FLOATS else b
    if a in FLOATS:
        return "float32" if {a, b} == {"float16", "bfloat16"} else max(a, b, key=FLOAT_RANK.get)
    if "uint8" in (a, b):
        other = b if a == "uint8" else a
        return "int16" if other == "int8" else other
    return max(a, b, key=INT_BITS.get)


@pytest.mark.parametrize("a", ALL)
def test_promotion_of_two_tensors(a):
    for b in ALL:
        x, y = ac.ones(2, dtype=dt(a)), ac.ones(2, dtype=dt(b))
        expected = dt(expected_promotion(a, b))
        assert (x + y).dtype is expected and (y * x).dtype is expected, (a, b)


def test_promote_types_and_result_type():
    for a in ALL:
        for b in ALL:
            assert ac.promote_types(dt(a), dt(b)) is dt(expected_promotion(a, b)), (a, b)
            assert ac.result_type(ac.ones(2, dtype=dt(a)), ac.ones(2, dtype=dt(b))) is dt(expected_promotion(a, b))
    assert ac.result_type(ac.ones(2, dtype=ac.uint8), 1000) is ac.uint8
    assert ac.result_type(ac.ones(2, dtype=ac.float16), 2.5) is ac.float16
    assert ac.result_type(3, ac.ones((), dtype=ac.int8)) is ac.int8
    with pytest.raises(TypeError, match="must be Tensor or Number"):
        ac.result_type(ac.ones(2), "a")


def expected_cast(a, b):
    """PyTorch's casting rule for type-promoting writes: never floating into an integer, nor non-bool into bool."""
    return not (dt(a).is_floating_point and not dt(b).is_floating_point) and (a == "bool" or b != "bool")


def test_can_cast():
    for a in ALL:
        for b in ALL:
            assert ac.can_cast(dt(a), dt(b)) == expected_cast(a, b), (a, b)


def test_promotion_matches_pytorch():
    torch = torch_or_skip()
    for a in ALL:
        for b in ALL:
            assert str(torch.promote_types(getattr(torch, a), getattr(torch, b))) == f"torch.{expected_promotion(a, b)}"
            assert torch.can_cast(getattr(torch, a), getattr(torch, b)) == expected_cast(a, b), (a, b)


# A Python number or a 0-d tensor of the same kind as a dimensioned operand leaves its dtype alone; of a higher
# kind, a Python float gives the default float32 and a 0-d tensor its own dtype.
SCALARS = [
    ("uint8", 1000, "uint8"),
    ("uint8", True, "uint8"),
    ("int8", 2.5, "float32"),
    ("int16", -7, "int16"),
    ("float16", 2.5, "float16"),
    ("bfloat16", 1e10, "bfloat16"),
    ("bool", 3, "int64"),
    ("int8", ("int64", 5), "int8"),
    ("uint8", ("int8", -1), "uint8"),
    ("uint8", ("float64", 2.5), "float64"),
    ("float16", ("float64", 2.5), "float16"),
    ("bfloat16", ("float16", 1), "bfloat16"),
    ("bool", ("uint8", 1), "uint8"),
]


@pytest.mark.parametrize("name, other, expected", SCALARS)
def test_promotion_with_scalars(name, other, expected):
    if isinstance(other, tuple):
        other = ac.tensor(other[1], dtype=dt(other[0]))
    x = ac.ones(3, dtype=dt(name))
    assert (x + other).dtype is dt(expected) and (other * x).dtype is dt(expected)


def test_uint8_plus_a_large_int_wraps():
    x = ac.tensor([1, 2, 255], dtype=ac.uint8)
    assert_tensor(x + 1000, "uint8", (np.array([1, 2, 255]) + 1000).astype(np.uint8))


# ---- elementwise arithmetic ----------------------------------------------------------------------------------------

INT_OPERANDS = {
    "int8": ([127, -128, -7, 5, 100, 0], [1, -1, 3, -2, 100, 9]),
    "uint8": ([0, 255, 7, 200, 16, 1], [1, 1, 3, 100, 16, 9]),
    "int16": ([32767, -32768, -7, 300, 256, 0], [1, -1, 3, 300, -256, 9]),
}


@pytest.mark.parametrize("name", list(INT_OPERANDS))
def test_integer_arithmetic_wraps(name):
    a_np, b_np = (np.array(v, dtype=name) for v in INT_OPERANDS[name])
    a, b = ac.tensor(a_np), ac.tensor(b_np)
    with np.errstate(over="ignore"):
        for got, expected in [
            (a + b, a_np + b_np),
            (a - b, a_np - b_np),
            (a * b, a_np * b_np),
            (-a, -a_np),
            (abs(a), np.abs(a_np)),
            (a + 1, a_np + np.array(1, name)),
            (a * 3, a_np * np.array(3, name)),
            (ac.maximum(a, b), np.maximum(a_np, b_np)),
        ]:
            assert_tensor(got, name, expected)
    assert_tensor(a / b, "float32", a_np.astype(np.float32) / b_np.astype(np.float32))  # true division
    for got, expected in [(a < b, a_np < b_np), (a == b, a_np == b_np), (a >= 5, a_np >= 5)]:
        assert_tensor(got, "bool", expected)


FLOAT_OPERANDS = ([1.5, -2.0, 65504.0, 0.1, 3.0, -0.0, 1e-4], [0.25, 3.0, 65504.0, 0.2, 7.0, 0.0, 3.0])


def narrow_op(name, op, *operands):
    """op computed in float32 on the narrow values and rounded back once, as PyTorch does."""
    result = op(*(np.asarray(o, np.float32) for o in operands))
    return round_bf16(result) if name == "bfloat16" else np.asarray(result, np.float32).astype(np.float16)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_float_arithmetic_rounds_once(name):
    a_np, b_np = (np_value(name, v) for v in FLOAT_OPERANDS)
    a, b = ac.tensor(a_np.tolist(), dtype=dt(name)), ac.tensor(b_np.tolist(), dtype=dt(name))
    with np.errstate(all="ignore"):
        for got, op, operands in [
            (a + b, np.add, (a_np, b_np)),
            (a - b, np.subtract, (a_np, b_np)),
            (a * b, np.multiply, (a_np, b_np)),
            (a / b, np.divide, (a_np, b_np)),
            (-a, np.negative, (a_np,)),
            (abs(a), np.abs, (a_np,)),
            (a * 0.1, lambda x: x * np.float32(0.1), (a_np,)),
            (a + 1, lambda x: x + np.float32(1), (a_np,)),
        ]:
            assert_tensor(got, name, narrow_op(name, op, *operands))
    assert_tensor(a > b, "bool", a_np > b_np)
    assert_tensor(a == b, "bool", a_np == b_np)


UNARY = {
    "exp": (np.exp, -6.0, 12.0),
    "log": (np.log, 0.01, 100.0),
    "sin": (np.sin, -4.0, 4.0),
    "tanh": (np.tanh, -3.0, 3.0),
    "sqrt": (np.sqrt, 0.0, 1000.0),
}


def well_rounded(name, exact):
    """Which float64 results round to the same `name` value however a few float32 ulps perturb them: there any
    float32 implementation gives the correctly rounded answer, bit for bit."""
    with np.errstate(over="ignore"):
        rounded = [np_value(name, exact * (1 + s)) for s in (-1e-5, 0.0, 1e-5)]
    return (rounded[0] == rounded[1]) & (rounded[1] == rounded[2])


def function_inputs(name, function):
    """200 random `name` values in the function's range, less those whose result lies too near a rounding boundary;
    and the correctly rounded results."""
    np_function, low, high = UNARY[function]
    inputs = np_value(name, np.random.default_rng(3).uniform(low, high, 200))
    with np.errstate(all="ignore"):
        exact = np_function(inputs.astype(np.float64))
        keep = well_rounded(name, exact)
        assert keep.sum() > 150
        return inputs[keep], np_value(name, exact[keep])


@pytest.mark.parametrize("function", list(UNARY))
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_float_functions(name, function):
    inputs, expected = function_inputs(name, function)
    x = ac.tensor(inputs.tolist(), dtype=dt(name))
    assert_tensor(getattr(x, function)(), name, expected)
    assert_tensor(getattr(ac, function)(x[::2]), name, expected[::2])


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_float_functions_match_pytorch(name):
    torch = torch_or_skip()
    for function in UNARY:
        inputs = function_inputs(name, function)[0].tolist()
        ours = getattr(ac, function)(ac.tensor(inputs, dtype=dt(name)))
        theirs = getattr(torch, function)(torch.tensor(inputs, dtype=getattr(torch, name)))
        assert_same(to_np(ours), theirs.float().numpy().astype(to_np(ours).dtype))


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_how_a_python_number_enters(name):
    """PyTorch's CPU add and sub round a Python number (or a 0-d tensor) to the tensor's dtype first, so -s + s is
    exactly zero; mul keeps it in float32 and rounds only the product."""
    s = 0.1 if name == "float16" else 1 / 3
    x = ac.tensor([-s], dtype=dt(name))
    for result in (x + s, s + x, x - (-s), x + ac.tensor(s), x.clone().add_(s)):
        assert_tensor(result, name, [0.0])
    y = ac.tensor([3.0, 7.0, 77.0], dtype=dt(name))
    expected = narrow_op(name, lambda v: v * np.float32(s), np_value(name, [3.0, 7.0, 77.0]))
    for result in (y * s, s * y, y * ac.tensor(s), y.clone().mul_(s)):
        assert_tensor(result, name, expected)


MIXED = [
    ("int8", "uint8", "int16", operator.add),
    ("uint8", "int16", "int16", operator.mul),
    ("float16", "int8", "float16", operator.mul),
    ("bfloat16", "uint8", "bfloat16", operator.add),
    ("float16", "bfloat16", "float32", operator.add),
    ("bool", "int8", "int8", operator.add),
    ("int16", "float32", "float32", operator.mul),
    ("float16", "float64", "float64", operator.sub),
]


@pytest.mark.parametrize("a, b, result, op", MIXED)
def test_mixed_dtypes(a, b, result, op):
    a_np, b_np = np_value(a, [1, 0, 1, 1]), np_value(b, [100, -3, 7, 0] if b != "uint8" else [100, 200, 7, 0])
    if a in FLOATS:
        a_np = np_value(a, [1.5, -0.1, 300.0, 2.0])
    x, y = ac.tensor(a_np.tolist(), dtype=dt(a)), ac.tensor(b_np.tolist(), dtype=dt(b))
    wide = np.float32 if result in ("float16", "bfloat16") else np_value(result, []).dtype
    computed = op(a_np.astype(wide), b_np.astype(wide))
    expected = narrow_op(result, lambda v: v, computed) if result in ("float16", "bfloat16") else computed
    assert_tensor(op(x, y), result, expected)


def test_in_place_keeps_the_dtype():
    x = ac.tensor([126, 127, -128], dtype=ac.int8)
    x.add_(1)
    assert_tensor(x, "int8", [127, -128, -127])
    u = ac.zeros(2, dtype=ac.uint8)
    u -= 1
    assert_tensor(u, "uint8", [255, 255])
    h = ac.tensor([1.0, 2.0], dtype=ac.float16)
    h.mul_(ac.tensor([1.5, 1e5]))  # a float32 operand; the result rounds back into float16
    assert_tensor(h, "float16", [1.5, np.inf])
    b = ac.tensor([3.0, 7.0, 77.0], dtype=ac.bfloat16)
    b *= 1 / 3
    assert_tensor(b, "bfloat16", round_bf16(np.float32([3.0, 7.0, 77.0]) * np.float32(1 / 3)))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        ac.tensor([1], dtype=ac.int8).add_(1.5)


def _accepts_out():
    try:
        ac.add(ac.ones(1), ac.ones(1), out=ac.empty(1))
    except TypeError:
        return False
    return True


@pytest.mark.skipif(not _accepts_out(), reason="autocore's ops take no out= argument")
def test_out_argument():
    out = ac.empty(3, dtype=ac.float16)
    ac.add(ac.tensor([1, 2, 100], dtype=ac.int8), 0.1, out=out)
    assert_tensor(out, "float16", np.float16([1.1, 2.1, 100.1]))


# The CPU widens a narrow op's operands in blocks (512 elements) inside the row walk: rows longer than a block,
# strided and broadcast operands, in-place writes and several threads all cross block edges.
BLOCK_VALUES = {"int8": (-100, 100), "uint8": (0, 250), "int16": (-30000, 30000)}


def blocked_operands(name, rng, shape):
    if name in BLOCK_VALUES:
        return np.asarray(rng.integers(*BLOCK_VALUES[name], shape), name)
    return np_value(name, rng.standard_normal(shape) * 100)


def wide_reference(name, op, *arrays):
    """op in the wide dtype (int64, wrapping back; float32, rounding back once)."""
    if name in BLOCK_VALUES:
        return op(*(a.astype(np.int64) for a in arrays)).astype(name)
    return narrow_op(name, op, *arrays)


@pytest.mark.parametrize("name", NARROW)
def test_ops_longer_than_a_widening_block(name, isa):
    rng = np.random.default_rng(5)
    a_np, row_np = blocked_operands(name, rng, (9, 4001)), blocked_operands(name, rng, (4001,))
    a, row = ac.tensor(a_np.tolist(), dtype=dt(name)), ac.tensor(row_np.tolist(), dtype=dt(name))
    with np.errstate(all="ignore"):
        cases = [
            (a + row, np.add, (a_np, row_np)),  # a broadcast row
            (a[:, ::3] * a[:, 1::3], np.multiply, (a_np[:, ::3], a_np[:, 1::3])),  # strided
            (a.t() - row[:9], np.subtract, (a_np.T, row_np[:9])),  # transposed, a broadcast column
            (ac.maximum(a[3], row), np.maximum, (a_np[3], row_np)),
            (-a, np.negative, (a_np,)),
            (a * 3, lambda x: x * 3, (a_np,)),
            (2 - a, lambda x: 2 - x, (a_np,)),
        ]
        for got, op, arrays in cases:
            assert_tensor(got, name, wide_reference(name, op, *arrays))
        assert_tensor(a > row, "bool", a_np > row_np)
        assert_tensor(ac.where(a > row, a, row), name, np.where(a_np > row_np, a_np, row_np))
        in_place = a.clone()
        in_place[:, 1:].add_(row[:-1])
        expected = a_np.copy()
        expected[:, 1:] = wide_reference(name, np.add, a_np[:, 1:], row_np[:-1])
        assert_tensor(in_place, name, expected)
        assert_tensor(a.t().clone().mul_(3), name, wide_reference(name, lambda x: x * 3, a_np.T))


@pytest.mark.parametrize("threads", [1, 2])
def test_blocked_widening_is_the_same_on_any_thread_count(threads, restore_thread_count):
    ac.set_num_threads(threads)
    x_np = np_value("float16", np.random.default_rng(6).standard_normal(100_003))
    x = ac.tensor(x_np.tolist(), dtype=ac.float16)
    assert_tensor(
        x * x + x, "float16", narrow_op("float16", np.add, narrow_op("float16", np.multiply, x_np, x_np), x_np)
    )


INTEGERS = ["int8", "uint8", "int16", "int32"]


@pytest.mark.parametrize("name", INTEGERS)
def test_integer_products_wrap_once(name):
    """matmul, mm, mv, dot, bmm and addmm of the narrow integers: the int64 product wrapped back, as PyTorch's
    integer GEMM wraps."""
    rng = np.random.default_rng(7)
    low, high = (0, 200) if name == "uint8" else (-100, 100)
    a_np, b_np = rng.integers(low, high, (2, 3, 50)), rng.integers(low, high, (50, 4))
    a, b = ac.tensor(a_np, dtype=dt(name)), ac.tensor(b_np, dtype=dt(name))
    c_np = rng.integers(low, high, (3, 4))
    c = ac.tensor(c_np, dtype=dt(name))
    cases = [
        (a @ b, a_np @ b_np),
        (ac.mm(a[1], b), a_np[1] @ b_np),
        (ac.mv(a[0], b[:, 2]), a_np[0] @ b_np[:, 2]),
        (ac.dot(a[0, 0], a[1, 1]), a_np[0, 0] @ a_np[1, 1]),
        (ac.bmm(a, b.expand(2, 50, 4)), a_np @ b_np),
        (ac.addmm(c, a[0], b, beta=2, alpha=3), 2 * c_np + 3 * (a_np[0] @ b_np)),
    ]
    for got, wide in cases:
        assert_tensor(got, name, np.asarray(wide, np.int64).astype(name))


def test_integer_products_match_pytorch():
    torch = torch_or_skip()
    values = np.random.default_rng(8).integers(-100, 100, (6, 30))
    for name in INTEGERS:
        ours = ac.tensor(values, dtype=dt(name)) @ ac.tensor(values.T, dtype=dt(name))
        theirs = torch.tensor(values, dtype=getattr(torch, name)) @ torch.tensor(values.T, dtype=getattr(torch, name))
        assert_same(ours.numpy(), theirs.numpy())


# ---- reductions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["int8", "uint8", "int16"])
def test_integer_reductions(name):
    values = np_value(name, [[100, 127, 5], [100, 3, 64]])
    x = ac.tensor(values)
    assert_tensor(x.sum(), "int64", values.astype(np.int64).sum())  # no wrapping: sums are int64
    assert_tensor(x.sum(0), "int64", values.astype(np.int64).sum(0))
    assert_tensor(x.max(), name, values.max())
    assert_tensor(x.amin(1), name, values.min(1))
    maxima, indices = x.max(1)
    assert_tensor(maxima, name, values.max(1))
    assert_tensor(indices, "int64", values.argmax(1))
    assert x.argmax().item() == values.argmax()
    with pytest.raises(RuntimeError):
        x.mean()


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_float_reductions_accumulate_in_float32(name):
    assert_tensor(ac.ones(4096, dtype=dt(name)).sum(), name, 4096)  # a float16 accumulator would stop at 2048
    spacing_two = 2048.0 if name == "float16" else 256.0  # where the dtype's spacing becomes 2
    x = ac.tensor([spacing_two, 1, 1, 2], dtype=dt(name))
    assert_tensor(x.sum(), name, spacing_two + 4)  # each 1 would be lost, rounding back at every step
    assert_tensor(x.mean(), name, (spacing_two + 4) / 4)
    if name == "float16":
        assert_tensor(ac.tensor([6e4, 6e4, -6e4], dtype=ac.float16).sum(), name, 6e4)  # no overflow on the way
        assert_tensor(ac.tensor([6e4, 6e4], dtype=ac.float16).mean(), name, 6e4)
    values = np_value(name, [[0.1, 2.5, -3.0], [1 / 3, 7.0, 0.25]])
    x = ac.tensor(values.tolist(), dtype=dt(name))
    assert_tensor(x.mean(1), name, narrow_op(name, lambda v: v.mean(1, dtype=np.float32), values))
    assert_tensor(x.max(), name, values.max())
    assert_tensor(x.amin(0), name, values.min(0))
    assert x.argmax().item() == values.argmax() and x.argmin(1).tolist() == values.argmin(1).tolist()


@pytest.mark.parametrize("method", ["prod", "cumsum", "any", "all"])
def test_more_reductions(method):
    if not hasattr(ac.Tensor, method):
        pytest.skip(f"autocore's Tensor has no {method}")
    x = ac.tensor([100, -100, 3], dtype=ac.int8)
    h = ac.tensor([0.0, -0.0, 2.5], dtype=ac.float16)
    if method == "prod":
        assert_tensor(x.prod(), "int64", -30000)
        assert_tensor(h[2:].prod(), "float16", 2.5)
    elif method == "cumsum":
        assert_tensor(x.cumsum(0), "int64", [100, 0, 3])
        assert_tensor(h.cumsum(0), "float16", [0.0, 0.0, 2.5])
    else:
        assert_tensor(getattr(h[:2], method)(), "bool", False)  # -0.0 is zero
        assert_tensor(getattr(ac.tensor([1, 255], dtype=ac.uint8), method)(), "uint8", 1)  # PyTorch keeps uint8


# ---- indexing and writes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NARROW)
def test_indexing_and_writes(name):
    base = np_value(name, [[1, 2, 3], [4, 5, 6]] if name not in FLOATS else [[0.1, -2, 3], [4, 1 / 3, 6]])
    x = ac.tensor(base.tolist(), dtype=dt(name))
    assert x[1, 2].dtype is dt(name) and x[1, 2].item() == base[1, 2]
    mask = base > 2
    assert_tensor(x[ac.tensor(mask)], name, base[mask])
    assert_tensor(x[:, [0, 2]], name, base[:, [0, 2]])
    assert_tensor(x.t().contiguous().reshape(6), name, base.T.reshape(6))
    assert_tensor(x.view(3, 2).transpose(0, 1), name, base.reshape(3, 2).T)
    assert_tensor(ac.cat([x, x[:1]]), name, np.concatenate([base, base[:1]]))
    assert_tensor(ac.stack([x[0], x[1]], 1), name, np.stack([base[0], base[1]], 1))
    index = ac.tensor([[1, 0, 1]])
    assert_tensor(x.gather(0, index), name, np.take_along_axis(base, np.array([[1, 0, 1]]), 0))
    assert_tensor(x.masked_fill(ac.tensor(mask), 9), name, np.where(mask, np_value(name, 9), base))
    y = x.clone()
    y[0, [0, 2]] = ac.tensor([7, 8], dtype=dt(name))
    y[1] = 1
    expected = base.copy()
    expected[0, [0, 2]], expected[1] = np_value(name, [7, 8]), np_value(name, 1)
    assert_tensor(y, name, expected)
    assert_tensor(x.scatter(1, ac.tensor([[2, 0]]), x[:, :2]), name, np.array([base[0, [1, 1, 0]], base[1]]))


def test_accumulating_writes_round_and_wrap():
    counts = ac.zeros(3, dtype=ac.int8)
    counts.index_put_((ac.tensor([0, 0, 2]),), ac.tensor([100, 100, 5], dtype=ac.int8), accumulate=True)
    assert_tensor(counts, "int8", [-56, 0, 5])  # 200 wraps
    for name, spacing_two in (("float16", 2048.0), ("bfloat16", 256.0)):
        x = ac.tensor([spacing_two, 0.0], dtype=dt(name))
        x.index_put_((ac.tensor([0, 0, 1]),), ac.tensor([1.0, 1.0, 0.1], dtype=dt(name)), accumulate=True)
        assert_tensor(x, name, np_value(name, [spacing_two, 0.1]))  # PyTorch rounds after each addition
    u = ac.zeros(4, dtype=ac.uint8).scatter_add(0, ac.tensor([1, 1, 3]), ac.tensor([200, 100, 7], dtype=ac.uint8))
    assert_tensor(u, "uint8", [0, 44, 0, 7])
    h = ac.zeros(3, dtype=ac.float16).scatter_add(0, ac.tensor([2, 0, 2]), ac.tensor([0.5, 0.1, -4.0]).half())
    assert_tensor(h, "float16", np.float16([0.1, 0, -3.5]))


def test_where_and_nonzero():
    cond = ac.tensor([True, False, True])
    a, b = ac.tensor([1, -2, 3], dtype=ac.int8), ac.tensor([200, 250, 0], dtype=ac.uint8)
    assert_tensor(ac.where(cond, a, b), "int16", [1, 250, 3])
    assert_tensor(ac.where(cond, a, 5), "int8", [1, 5, 3])  # a number of the tensor's kind takes its dtype
    assert_tensor(ac.where(cond, b, 2.5), "float32", [200, 2.5, 0])
    h, bf = ac.tensor([0.1, 2.0, -0.0], dtype=ac.float16), ac.tensor([1 / 3, 5.0, 6.0], dtype=ac.bfloat16)
    expected = np.where([True, False, True], np.float16([0.1, 2, -0.0]).astype(np.float32), round_bf16([1 / 3, 5, 6]))
    assert_tensor(ac.where(cond, h, bf), "float32", expected)
    assert ac.tensor([0.0, -0.0, 1.0, float("nan")], dtype=ac.float16).nonzero().tolist() == [[2], [3]]
    assert ac.tensor([0, 3, 0, 255], dtype=ac.uint8).nonzero().tolist() == [[1], [3]]
    with pytest.raises(RuntimeError, match="without overflow"):
        ac.tensor([1.0], dtype=ac.float16).masked_fill(ac.tensor([True]), 1e5)


def test_index_tensors_of_narrow_dtypes():
    x = ac.tensor([10.0, 11.0, 12.0, 13.0])
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        picked = x[ac.tensor([1, 0, 1, 0], dtype=ac.uint8)]  # a byte tensor is a mask
    assert picked.tolist() == [10.0, 12.0]
    for name in ("int8", "int16"):
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            x[ac.tensor([1, 0], dtype=dt(name))]


# ---- numpy, printing, autograd, saving, DLPack ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["int8", "uint8", "int16", "float16"])
def test_numpy_interop(name):
    array = np_value(name, [1, 2, 3, 100])
    assert ac.tensor(array).dtype is dt(name) and ac.tensor(array).numpy().dtype == array.dtype
    shared = ac.from_numpy(array)
    array[0] = 42
    assert shared.dtype is dt(name) and shared[0].item() == 42
    assert shared.numpy().dtype == np.dtype(name)
    item = ac.tensor([0.1 if name == "float16" else -3], dtype=dt(name))[0].item()
    expected = float(np.float16(0.1)) if name == "float16" else int(np.array(-3).astype(name))
    assert item == expected and type(item) is type(expected)


def test_bfloat16_values_out():
    x = ac.tensor([1 / 3, -2.0], dtype=ac.bfloat16)
    assert x.tolist() == [0.333984375, -2.0] and x[0].item() == 0.333984375
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        x.numpy()


REPRS = [
    (lambda: ac.tensor([1.5, -2.0, 0.1], dtype=ac.float16), "tensor([ 1.5000, -2.0000,  0.1000], dtype={}.float16)"),
    (lambda: ac.tensor([1 / 3, 1e30], dtype=ac.bfloat16), "tensor([3.3398e-01, 1.0003e+30], dtype={}.bfloat16)"),
    (lambda: ac.tensor([float("nan"), float("inf")], dtype=ac.float16), "tensor([nan, inf], dtype={}.float16)"),
    (lambda: ac.tensor([0, 255], dtype=ac.uint8), "tensor([  0, 255], dtype={}.uint8)"),
    (lambda: ac.tensor([-128, 5], dtype=ac.int8), "tensor([-128,    5], dtype={}.int8)"),
    (lambda: ac.tensor(3, dtype=ac.int16), "tensor(3, dtype={}.int16)"),
]


@pytest.mark.parametrize("make, expected", REPRS)
def test_printing(make, expected):
    assert repr(make()) == expected.format(PREFIX)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_autograd(name):
    values = [0.5, -1.25, 3.0, 0.1]
    x = ac.tensor(values, dtype=dt(name), requires_grad=True)
    x_np = np_value(name, values)
    y = (x * x).sum()
    assert y.dtype is dt(name)
    y.backward()
    assert_tensor(x.grad, name, 2 * x_np)
    x.grad = None
    w = ac.tensor([1.0, 2.0, 3.0, 0.1], requires_grad=True)
    (x * w).sum().backward()  # a float32 result: the gradient is rounded back into x's dtype
    assert_tensor(x.grad, name, np_value(name, np.float32([1.0, 2.0, 3.0, 0.1])))
    assert_tensor(w.grad, "float32", x_np.astype(np.float32))
    for integer in ("int8", "uint8", "int16"):
        with pytest.raises(RuntimeError, match="can require gradients"):
            ac.tensor([1, 2], dtype=dt(integer), requires_grad=True)
        with pytest.raises(RuntimeError, match="can require gradients"):
            ac.ones(2, dtype=dt(integer)).requires_grad_()


def test_autograd_matches_pytorch():
    torch = torch_or_skip()
    for name in ("float16", "bfloat16"):
        values = np_value(name, np.random.default_rng(4).uniform(-2, 2, 20)).tolist()
        grads = []
        for lib in (ac, torch):
            x = lib.tensor(values, dtype=getattr(lib, name), requires_grad=True)
            (x * x).sum().backward()
            grads.append(x.grad.float().numpy())
        assert_same(*grads)


TWO_INPUT_GRADIENTS = {  # op, and its gradients with respect to x and y in float64 (a tie splits the gradient)
    "div": (operator.truediv, lambda x, y: (1 / y, -x / (y * y))),
    "pow": (operator.pow, lambda x, y: (y * x ** (y - 1), x**y * np.log(x))),
    "maximum": (lambda x, y: x.maximum(y), lambda x, y: ((x > y) + (x == y) / 2, (x < y) + (x == y) / 2)),
    "minimum": (lambda x, y: x.minimum(y), lambda x, y: ((x < y) + (x == y) / 2, (x > y) + (x == y) / 2)),
}


@pytest.mark.parametrize("op", list(TWO_INPUT_GRADIENTS))
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_gradients_of_two_input_ops(name, op):
    """The backward rules that read both inputs run in float32 too: the gradients, rounded once, are within one
    rounding of the exact ones."""
    forward, gradients = TWO_INPUT_GRADIENTS[op]
    rng = np.random.default_rng(8)
    x_np, y_np = np_value(name, rng.uniform(0.5, 2, 600)), np_value(name, rng.uniform(0.5, 2, 600))
    x = ac.tensor(x_np.tolist(), dtype=dt(name), requires_grad=True)
    y = ac.tensor(y_np.tolist(), dtype=dt(name), requires_grad=True)
    forward(x, y).sum().backward()
    eps = float(ac.finfo(dt(name)).eps)
    for got, exact in zip((x.grad, y.grad), gradients(x_np.astype(np.float64), y_np.astype(np.float64))):
        assert got.dtype is dt(name)
        np.testing.assert_allclose(to_np(got), np.asarray(exact, np.float64), rtol=eps, atol=0)


@pytest.mark.parametrize("name", NARROW)
def test_save_and_load(name, tmp_path):
    values = np_value(name, [1, 2, 127] if name not in FLOATS else [1 / 3, -0.0, float("nan"), 1e-6])
    x = ac.tensor(values.tolist(), dtype=dt(name))
    ac.save({"x": x, "view": x[1:]}, tmp_path / "x.pt")
    loaded = ac.load(tmp_path / "x.pt")
    assert_tensor(loaded["x"], name, values)
    assert_tensor(loaded["view"], name, values[1:])


@pytest.mark.parametrize("name", NARROW)
def test_dlpack_with_pytorch(name):
    torch = torch_or_skip()
    values = np_value(name, [1, 2, 100] if name not in FLOATS else [1 / 3, -0.0, 65504.0])
    theirs = torch.from_dlpack(ac.tensor(values.tolist(), dtype=dt(name)))
    assert theirs.dtype == getattr(torch, name)
    assert_same((theirs.float() if name == "bfloat16" else theirs).numpy(), values)
    ours = ac.from_dlpack(torch.tensor(values.tolist(), dtype=getattr(torch, name)))
    assert_tensor(ours, name, values)


# ---- families with float32/float64 kernels only: computed in float32, rounded once ---------------------------------


def _rounded(name, values):
    """float32 values rounded once to the half type `name`, as a numpy array holding them exactly."""
    return np_value(name, np.asarray(values, np.float32))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


HALF_FAMILIES = {  # name: (autocore call on (x, w), numpy reference on float32 arrays)
    "matmul": (lambda x, w: x @ w, lambda x, w: x @ w),
    "linear": (lambda x, w: ac.nn.functional.linear(x, w.t()), lambda x, w: x @ w),
    "softmax": (lambda x, w: ac.softmax(x, 1), lambda x, w: _softmax(x, 1)),
    "log_softmax": (lambda x, w: ac.log_softmax(x, 1), lambda x, w: np.log(_softmax(x, 1))),
    "mse_loss": (lambda x, w: ac.nn.functional.mse_loss(x, x * 0.5), lambda x, w: np.mean((x - x * 0.5) ** 2)),
}


@pytest.mark.parametrize("family", sorted(HALF_FAMILIES))
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_types_through_float32_families(family, name):
    """matmul, softmax and the losses have float32 and float64 loops only: a half type computes in float32 and rounds
    the result once (within one rounding of the numpy reference), and its gradient comes back in the half type."""
    rng = np.random.default_rng(0)
    xv, wv = np_value(name, rng.standard_normal((4, 6))), np_value(name, rng.standard_normal((6, 3)))
    x = ac.tensor(xv, dtype=dt(name), requires_grad=True)
    w = ac.tensor(wv, dtype=dt(name), requires_grad=True)
    call, reference = HALF_FAMILIES[family]
    out = call(x, w)
    assert out.dtype is dt(name)
    expected = _rounded(name, reference(xv.astype(np.float32), wv.astype(np.float32)))
    ulp = 2.0**-10 if name == "float16" else 2.0**-7
    np.testing.assert_allclose(to_np(out.detach()), expected, rtol=ulp, atol=ulp * 1e-2)
    out.float().sum().backward()
    assert x.grad.dtype is dt(name) and x.grad.shape == x.shape


def test_half_draws_and_families_without_loops_refuse_cleanly():
    for name in ("float16", "bfloat16"):
        drawn = ac.rand(1000, dtype=dt(name))
        assert drawn.dtype is dt(name) and 0 <= float(drawn.min()) and float(drawn.max()) <= 1
        assert ac.randn(3, dtype=dt(name)).dtype is dt(name)
        assert ac.empty(4, dtype=dt(name)).uniform_(2, 3).float().min().item() >= 2
    with pytest.raises(NotImplementedError, match="not implemented for 'Char'"):  # (PyTorch's message; never a crash)
        ac.softmax(ac.ones(2, dtype=ac.int8), 0)
    integer = ac.ones(2, dtype=ac.int16)
    integer.grad = ac.ones(2, dtype=ac.int16)
    with pytest.raises(RuntimeError, match=r"params\[0\] must be a floating point tensor, got int16"):
        ac.optim.SGD([integer], lr=0.1).step()


def test_half_families_match_pytorch():
    torch = torch_or_skip()
    rng = np.random.default_rng(1)
    values = rng.standard_normal((5, 7)).astype(np.float32)
    target = rng.integers(0, 7, 5)
    for name in ("float16", "bfloat16"):
        ours = ac.tensor(values).to(dt(name)).requires_grad_()
        theirs = torch.tensor(values).to(getattr(torch, name)).requires_grad_()
        for call in (
            lambda m, x: m.nn.functional.cross_entropy(x, m.tensor(target)),
            lambda m, x: m.softmax(x, 0),
            lambda m, x: x @ x.t(),
        ):
            a, b = call(ac, ours), call(torch, theirs)
            assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
            ulp = 2.0**-10 if name == "float16" else 2.0**-7
            np.testing.assert_allclose(to_np(a.detach()), b.detach().float().numpy(), rtol=2 * ulp, atol=ulp * 1e-2)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_a_module_in_a_half_type_trains_forward_and_backward(name):
    """model.half() / model.bfloat16(): parameters keep their identity in the half type; a forward pass, a loss
    and a backward pass run in it (matmul and the loss computed in float32, rounded once)."""
    model = ac.nn.Sequential(ac.nn.Linear(6, 4), ac.nn.Tanh(), ac.nn.Linear(4, 3))
    first = model[0].weight
    assert getattr(model, "half" if name == "float16" else "bfloat16")() is model
    assert model[0].weight is first and all(p.dtype is dt(name) for p in model.parameters())
    x = ac.randn(5, 6, dtype=dt(name))
    loss = ac.nn.functional.cross_entropy(model(x), ac.tensor([0, 1, 2, 0, 1]))
    assert loss.dtype is dt(name)
    loss.backward()
    assert all(p.grad is not None and p.grad.dtype is dt(name) for p in model.parameters())
    w0, b0, w2, b2 = (to_np(p.detach()).astype(np.float32) for p in model.parameters())
    hidden = _rounded(name, np.tanh(_rounded(name, to_np(x).astype(np.float32) @ w0.T + b0)))  # each op rounded once
    expected = _rounded(name, hidden.astype(np.float32) @ w2.T + b2)
    ulp = 2.0**-10 if name == "float16" else 2.0**-7
    np.testing.assert_allclose(to_np(model(x).detach()), expected, rtol=2 * ulp, atol=ulp * 1e-2)
