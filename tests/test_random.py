"""The Philox generator and random fills: published Philox4x32-10 test vectors, the element-to-counter
mapping, reproducibility and state handling, thread-count independence, statistics against the target
distributions, ranges, dropout, and PyTorch's errors."""

import numpy as np
import pytest

import autocore
from autocore import _C

from conftest import array, noncontiguous, tensor, torch_or_skip

FLOATS = [np.float32, np.float64]
MASK32 = 0xFFFFFFFF


def filled(fill, shape, dtype, *args, **kwargs):
    out = np.zeros(shape, dtype)
    fill(tensor(out), *args, **kwargs)
    return out


@pytest.mark.parametrize(
    "counter,key,expected",
    [
        ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
        ([MASK32] * 4, [MASK32] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
        (
            [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344],
            [0xA4093822, 0x299F31D0],
            [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1],
        ),
    ],
)
def test_philox4x32_10_known_answers(counter, key, expected):
    # Random123's kat_vectors for philox4x32 with 10 rounds.
    assert list(_C._philox4x32(counter, key)) == expected


def philox_words(seed, counter):
    """The four words of counter `counter` under our layout: (lo, hi, 0, 0), key (seed lo, seed hi)."""
    return _C._philox4x32([counter & MASK32, counter >> 32, 0, 0], [seed & MASK32, seed >> 32])


def test_uniform_draws_element_i_from_counter_i_over_4_for_float_and_i_over_2_for_double(isa):
    seed = 0x123456789ABCDEF0
    _C.manual_seed(seed)
    got = filled(_C.uniform_, 11, np.float32)
    words = [w for c in range(3) for w in philox_words(seed, c)]
    np.testing.assert_array_equal(got, np.array([(w >> 8) * 2.0**-24 for w in words[:11]], np.float32))
    assert _C.get_rng_state().numpy()[1] == 3  # ceil(11 / 4) counters used
    got = filled(_C.uniform_, 5, np.float64)
    words = [w for c in range(3, 6) for w in philox_words(seed, c)]
    bits = [(words[2 * i + 1] << 32 | words[2 * i]) >> 11 for i in range(5)]
    np.testing.assert_array_equal(got, np.array(bits, np.float64) * 2.0**-53)
    assert _C.get_rng_state().numpy()[1] == 6


def box_muller(u1, u2):
    r = np.sqrt(-2 * np.log(u1))
    return np.stack([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)], -1).ravel()


def test_normal_is_box_muller_of_the_counter_words(isa):
    # Our log and sin/cos are polynomials (so Box-Muller vectorises): numpy's libm is the reference.
    seed, counters = 7, 64
    words = np.array([philox_words(seed, c) for c in range(2 * counters)], np.uint64)
    _C.manual_seed(seed)
    got = filled(_C.normal_, 4 * counters, np.float32, 1.0, 2.0)
    w = words[:counters].ravel()
    u1, u2 = ((w[0::2] >> 8) + 1) * 2.0**-24, (w[1::2] >> 8) * 2.0**-24
    np.testing.assert_allclose(got, 1 + 2 * box_muller(u1, u2), rtol=2e-6, atol=2e-6)
    got = filled(_C.normal_, 2 * counters, np.float64, 1.0, 2.0)
    w = words[counters:]
    u1 = (((w[:, 1] << 32 | w[:, 0]) >> 11) + 1) * 2.0**-53
    u2 = ((w[:, 3] << 32 | w[:, 2]) >> 11) * 2.0**-53
    np.testing.assert_allclose(got, 1 + 2 * box_muller(u1, u2), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("dtype", FLOATS)
def test_manual_seed_reproduces_and_consecutive_calls_continue_the_stream(isa, dtype):
    _C.manual_seed(42)
    whole = filled(_C.uniform_, 64, dtype)
    _C.manual_seed(42)
    first, second = filled(_C.uniform_, 32, dtype), filled(_C.uniform_, 32, dtype)
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)
    _C.manual_seed(43)
    assert not np.array_equal(filled(_C.uniform_, 64, dtype), whole)


def test_seeds_map_like_torch():
    g = _C.Generator()
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    assert g.manual_seed(2**63).initial_seed() == 2**63
    assert g.manual_seed(-(2**63)).initial_seed() == 2**63
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError, match="Overflow"):
            g.manual_seed(bad)
    assert _C.manual_seed(5).initial_seed() == 5 and _C.initial_seed() == 5
    fresh = _C.seed()
    assert _C.initial_seed() == fresh and 0 <= fresh < 2**64


def test_state_save_and_restore():
    _C.manual_seed(3)
    filled(_C.normal_, 10, np.float32)
    state = _C.get_rng_state()
    a = filled(_C.normal_, 100, np.float64)
    _C.set_rng_state(state)
    np.testing.assert_array_equal(filled(_C.normal_, 100, np.float64), a)
    g = _C.Generator().manual_seed(9)
    saved = g.get_state()
    b = _C.randint(0, 1000, [50], generator=g).numpy()
    g.set_state(saved)
    np.testing.assert_array_equal(_C.randint(0, 1000, [50], generator=g).numpy(), b)
    with pytest.raises(RuntimeError, match="2 int64 values"):
        _C.set_rng_state(tensor(np.zeros(3, np.int64)))
    with pytest.raises(RuntimeError, match="2 int64 values"):
        _C.set_rng_state(tensor(np.zeros(2, np.float32)))


def test_generator_argument_leaves_the_default_generator_alone():
    _C.manual_seed(1)
    before = _C.get_rng_state().numpy()
    g1, g2 = _C.Generator().manual_seed(11), _C.Generator().manual_seed(11)
    a = filled(_C.uniform_, 9, np.float32, generator=g1)
    np.testing.assert_array_equal(filled(_C.uniform_, 9, np.float32, generator=g2), a)
    np.testing.assert_array_equal(_C.get_rng_state().numpy(), before)
    assert g1.get_state().numpy()[1] == 3


def draw_all(n):
    x = np.arange(n, dtype=np.float32) - n / 2
    out, mask = _C.dropout(tensor(x), 0.3, True)
    return [
        filled(_C.uniform_, n, np.float32, -1.0, 3.0),
        filled(_C.uniform_, n + 1, np.float64),
        filled(_C.normal_, n, np.float32),
        filled(_C.normal_, n - 1, np.float64, 2.0, 0.5),
        _C.randint(-5, 1000, [n]).numpy(),
        filled(_C.bernoulli_, n, np.float32, 0.25),
        array(out),
        array(mask),
        _C.randperm(1000).numpy(),
    ]


@pytest.mark.skipif(not _C.has_openmp, reason="built without OpenMP")
def test_results_do_not_depend_on_the_thread_count(isa):
    threads = _C.get_num_threads()
    try:
        _C.set_num_threads(1)
        _C.manual_seed(2024)
        one = draw_all(10**6 + 3)
        _C.set_num_threads(2)
        _C.manual_seed(2024)
        two = draw_all(10**6 + 3)
    finally:
        _C.set_num_threads(threads)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_results_agree_across_instruction_sets():
    default = _C.active_isa()
    results = []
    try:
        for isa in [i for i in ("baseline", "avx2", "avx512") if _C.isa_supported(i)]:
            _C.set_active_isa(isa)
            _C.manual_seed(5)
            results.append(draw_all(1000))
    finally:
        _C.set_active_isa(default)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # FMA contraction may differ in the last bit


def within_standard_errors(sample_mean, expected, variance, n, k=5):
    assert abs(sample_mean - expected) < k * np.sqrt(variance / n), (sample_mean, expected)


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_statistics_and_half_open_range(isa, dtype):
    _C.manual_seed(10)
    n = 10**6
    x = filled(_C.uniform_, n, dtype, -2.0, 6.0).astype(np.float64)
    assert x.min() >= -2.0 and x.max() < 6.0
    within_standard_errors(x.mean(), 2.0, 64 / 12, n)
    within_standard_errors(((x - 2) ** 2).mean(), 64 / 12, 64**2 / 180, n)  # Var[(x-m)^2] = w^4/80 - w^4/144
    counts, _ = np.histogram(x, bins=50, range=(-2, 6))
    chi2 = ((counts - n / 50) ** 2 / (n / 50)).sum()
    assert chi2 < 100  # 49 degrees of freedom: p < 1e-4 above 100


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_never_returns_to_even_when_rounding_would_reach_it(dtype):
    width = 2.0**-20 if dtype == np.float32 else 2.0**-49  # a few representable values in [from, to)
    x = filled(_C.uniform_, 10000, dtype, 1.0, 1.0 + width)
    assert x.min() >= 1.0 and x.max() < 1.0 + width
    assert len(np.unique(x)) > 1
    np.testing.assert_array_equal(filled(_C.uniform_, 5, dtype, 3.0, 3.0), np.full(5, 3.0, dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_statistics_and_finiteness(isa, dtype):
    _C.manual_seed(11)
    n = 10**6
    x = filled(_C.normal_, n, dtype, 3.0, 2.0).astype(np.float64)
    assert np.isfinite(x).all()
    within_standard_errors(x.mean(), 3.0, 4.0, n)
    within_standard_errors(((x - 3) ** 2).mean(), 4.0, 2 * 16.0, n)
    z = (x - 3) / 2
    within_standard_errors((z**4).mean(), 3.0, 96.0, n)  # the fourth moment: Var[z^4] = 105 - 9
    from math import erf

    edges = np.array([-np.inf, -2, -1, -0.5, 0, 0.5, 1, 2, np.inf])
    cdf = np.array([0.5 * (1 + erf(e / np.sqrt(2))) if np.isfinite(e) else float(e > 0) for e in edges])
    expected = np.diff(cdf) * n
    counts = np.histogram(z, bins=edges)[0]
    assert ((counts - expected) ** 2 / expected).sum() < 30  # 7 degrees of freedom


@pytest.mark.parametrize("low,high", [(0, 10), (-7, 13), (5, 5 + 2**32 - 1), (-(2**40), 2**41), (-(2**63), 2**63 - 1)])
def test_randint_is_lemire_multiply_shift_of_64_counter_bits(isa, low, high):
    seed, n = 99, 37
    _C.manual_seed(seed)
    got = _C.randint(low, high, [n]).numpy()
    words = [w for c in range((n + 1) // 2) for w in philox_words(seed, c)]
    bits = [words[2 * i + 1] << 32 | words[2 * i] for i in range(n)]
    np.testing.assert_array_equal(got, [low + (b * (high - low) >> 64) for b in bits])


def test_normal_with_zero_std_is_the_mean():
    np.testing.assert_array_equal(filled(_C.normal_, 7, np.float32, 1.5, 0.0), np.full(7, 1.5, np.float32))


def test_randint_range_and_bucket_uniformity(isa):
    _C.manual_seed(12)
    n, low, high = 10**6, -7, 13
    x = _C.randint(low, high, [1000, 1000]).numpy()
    assert x.dtype == np.int64 and x.shape == (1000, 1000)
    assert x.min() == low and x.max() == high - 1
    counts = np.bincount((x - low).ravel(), minlength=high - low)
    chi2 = ((counts - n / 20) ** 2 / (n / 20)).sum()
    assert chi2 < 50  # 19 degrees of freedom
    assert _C.randint(5, [0]).numpy().shape == (0,)
    big = _C.randint(-(2**63), 2**63 - 1, [10000]).numpy()
    assert (big < 0).mean() == pytest.approx(0.5, abs=0.03)
    np.testing.assert_array_equal(_C.randint(4, 5, [3]).numpy(), [4, 4, 4])


@pytest.mark.parametrize("dtype", FLOATS + [np.bool_])
def test_bernoulli_scalar_and_tensor_probabilities(isa, dtype):
    _C.manual_seed(13)
    n = 10**6
    x = filled(_C.bernoulli_, n, dtype, 0.3)
    assert set(np.unique(x).tolist()) <= {0, 1}
    within_standard_errors(x.astype(np.float64).mean(), 0.3, 0.21, n)
    p = np.repeat(np.array([0.0, 0.1, 0.9, 1.0]), n // 4)
    y = filled(_C.bernoulli_, n, dtype, tensor(p)).astype(np.float64).reshape(4, -1)
    assert y[0].sum() == 0 and y[3].all()
    within_standard_errors(y[1].mean(), 0.1, 0.09, n // 4)
    within_standard_errors(y[2].mean(), 0.9, 0.09, n // 4)
    rows = filled(_C.bernoulli_, (3, 3), dtype, tensor(np.array([0.0, 1.0, 0.0], np.float32)))  # odd count
    np.testing.assert_array_equal(rows, np.array([[0, 1, 0]] * 3, dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_dropout_scales_kept_elements_and_handles_p_0_and_1(isa, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 400)).astype(dtype)
    for view in (x, noncontiguous(x)):
        out, mask = _C.dropout(tensor(view), 0.25, True)
        out, mask = array(out), array(mask)
        assert mask.dtype == np.bool_
        np.testing.assert_allclose(out, np.where(mask, x * dtype(1 / 0.75), 0), rtol=1e-6)
        within_standard_errors(mask.mean(), 0.75, 0.1875, x.size)
    out, mask = _C.dropout(tensor(x), 0.0, True)
    np.testing.assert_array_equal(array(out), x)
    assert array(mask).all()
    out, mask = _C.dropout(tensor(x), 1.0, True)
    np.testing.assert_array_equal(array(out), np.zeros_like(x))
    assert not array(mask).any()
    out, mask = _C.dropout(tensor(x), 0.5, False)
    np.testing.assert_array_equal(array(out), x)
    assert array(mask).all()
    out, mask = _C.dropout(tensor(np.zeros((0, 3), dtype)), 0.5, True)
    assert array(out).shape == (0, 3)


def test_randperm_is_fisher_yates_over_the_randint_bit_stream(isa):
    seed, n = 31, 40000  # more steps than one chunk of bits
    _C.manual_seed(seed)
    got = _C.randperm(n).numpy()
    words = np.array([philox_words(seed, c) for c in range(n // 2)], np.uint64).ravel()
    bits = (words[1::2] << np.uint64(32)) | words[0::2]
    expected = list(range(n))
    for s in range(n - 1):
        i = n - 1 - s
        j = int(bits[s]) * (i + 1) >> 64
        expected[i], expected[j] = expected[j], expected[i]
    np.testing.assert_array_equal(got, expected)
    assert _C.get_rng_state().numpy()[1] == n // 2


def test_randperm_is_a_uniform_permutation(isa):
    _C.manual_seed(14)
    for n in (0, 1, 2, 17, 100000):
        p = _C.randperm(n).numpy()
        assert p.dtype == np.int64
        np.testing.assert_array_equal(np.sort(p), np.arange(n))
    n, draws = 5, 20000
    counts = np.zeros((n, n))
    for _ in range(draws):
        counts[np.arange(n), _C.randperm(n).numpy()] += 1
    expected = draws / n
    assert ((counts - expected) ** 2 / expected).sum() < 60  # 16 degrees of freedom; p < 1e-6 above 60
    orders = {}
    for _ in range(6000):
        key = tuple(_C.randperm(3).numpy())
        orders[key] = orders.get(key, 0) + 1
    assert len(orders) == 6 and all(700 < c < 1300 for c in orders.values())


@pytest.mark.parametrize("dtype", FLOATS)
def test_noncontiguous_outputs_get_the_contiguous_stream_in_row_major_order(isa, dtype):
    base = np.zeros((6, 10), dtype)
    view = base[:, ::2].T  # shape (5, 6), strided and transposed
    for fill, args in ((_C.uniform_, (-1.0, 1.0)), (_C.normal_, ()), (_C.bernoulli_, (0.5,))):
        base[:] = 0
        _C.manual_seed(15)
        fill(tensor(view), *args)
        _C.manual_seed(15)
        expected = filled(fill, view.shape, dtype, *args)
        np.testing.assert_array_equal(view, expected)
        assert not base[:, 1::2].any()


def test_bad_inputs_raise_like_torch():
    x = tensor(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        _C.dropout(x, 1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        _C.dropout(x, -0.1)
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=1 > to=0"):
        _C.uniform_(x, 1.0, 0.0)
    with pytest.raises(RuntimeError, match="to-from to exceed the limit"):
        _C.uniform_(x, -3e38, 3e38)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        _C.normal_(x, 0.0, -1.0)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=5 >= to=3"):
        _C.randint(5, 3, [2])
    with pytest.raises(RuntimeError, match="negative dimension"):
        _C.randint(0, 3, [-1])
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"):
        _C.bernoulli_(x, 1.5)
    with pytest.raises(RuntimeError, match=r"probability in p to be in \[0, 1\]"):
        _C.bernoulli_(x, tensor(np.array([0.5, np.nan, 0.5])))
    with pytest.raises(RuntimeError, match="must match the size|cannot be broadcast"):
        _C.bernoulli_(x, tensor(np.full(4, 0.5)))
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        _C.randperm(-1)
    for fill, kernel in ((_C.uniform_, "check_uniform_bounds"), (_C.normal_, "normal_kernel_cpu")):
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Long'"):
            fill(tensor(np.zeros(3, np.int64)))
    with pytest.raises(RuntimeError, match="bernoulli_"):
        _C.bernoulli_(tensor(np.zeros(3, np.int64)), 0.5)
    with pytest.raises(RuntimeError):
        _C.uniform_(tensor(np.zeros(3, np.float32)).expand([2, 3]))  # overlapping outputs


def test_error_types_match_torch():
    torch = torch_or_skip()
    cases = [
        (lambda: torch.nn.functional.dropout(torch.ones(3), 1.5), lambda: _C.dropout(tensor(np.ones(3)), 1.5)),
        (lambda: torch.empty(3).uniform_(1, 0), lambda: _C.uniform_(tensor(np.ones(3)), 1.0, 0.0)),
        (lambda: torch.empty(3).normal_(0, -1), lambda: _C.normal_(tensor(np.ones(3)), 0.0, -1.0)),
        (lambda: torch.randint(5, 3, (2,)), lambda: _C.randint(5, 3, [2])),
        (lambda: torch.empty(3).bernoulli_(1.5), lambda: _C.bernoulli_(tensor(np.ones(3)), 1.5)),
        (lambda: torch.randperm(-1), lambda: _C.randperm(-1)),
        (lambda: torch.manual_seed(2**64), lambda: _C.manual_seed(2**64)),
    ]
    for theirs, ours in cases:
        with pytest.raises(Exception) as expected:
            theirs()
        with pytest.raises(expected.type):
            ours()
    assert torch.Generator().manual_seed(-1).initial_seed() == _C.Generator().manual_seed(-1).initial_seed()


def test_bernoulli_function_and_method_draw_zeros_and_ones_at_the_given_rates():
    autocore.manual_seed(3)
    p = autocore.tensor([0.0, 1.0, 0.2, 0.7] * 5000)
    draws = autocore.bernoulli(p)
    assert draws.dtype == p.dtype and draws.shape == p.shape
    values = draws.numpy().reshape(-1, 4)
    assert set(np.unique(values)) <= {0.0, 1.0}
    assert values[:, 0].sum() == 0 and values[:, 1].sum() == 5000
    # 5000 draws each: the rates within 5 standard deviations
    for column, rate in ((2, 0.2), (3, 0.7)):
        assert abs(values[:, column].mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / 5000)
    filled = autocore.empty(20000, dtype=autocore.float64).bernoulli_(0.25)
    assert filled.dtype == autocore.float64 and abs(filled.numpy().mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 20000)
    assert set(np.unique(p.bernoulli().numpy())) <= {0.0, 1.0}
    autocore.manual_seed(4)
    first = autocore.bernoulli(p).numpy()
    autocore.manual_seed(4)
    np.testing.assert_array_equal(autocore.bernoulli(p).numpy(), first)
    with pytest.raises(RuntimeError, match="probability"):
        autocore.bernoulli(autocore.tensor([1.5]))
