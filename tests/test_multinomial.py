"""multinomial: category frequencies against the weights (with replacement) and against the exact law of the first
two draws (without), the draws' shapes and dtype, generators, and PyTorch's errors."""

import numpy as np
import pytest

import autocore as ac

from conftest import torch_or_skip

WEIGHTS = [0.1, 0.0, 0.6, 0.3]


def within_sigmas(counts, probabilities, n, sigmas=5):
    """Observed counts within `sigmas` binomial standard deviations of n * p."""
    expected = n * np.asarray(probabilities)
    spread = np.sqrt(n * np.asarray(probabilities) * (1 - np.asarray(probabilities)))
    return np.all(np.abs(counts - expected) <= sigmas * spread + 1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_with_replacement_follows_the_weights(dtype):
    n = 200_000
    weights = ac.tensor([w * 5 for w in WEIGHTS], dtype=getattr(ac, dtype))  # unnormalised, as PyTorch allows
    samples = ac.multinomial(weights, n, replacement=True)
    assert samples.dtype is ac.int64 and samples.shape == (n,)
    counts = np.bincount(samples.numpy(), minlength=4)
    assert counts[1] == 0  # a zero weight is never drawn
    assert within_sigmas(counts, WEIGHTS, n)


def test_rows_draw_independently_and_views_are_read_as_they_are():
    table = ac.tensor([[1.0, 0.0, 3.0], [0.0, 1.0, 0.0]]).t().contiguous().t()  # a transposed layout
    samples = table.multinomial(50_000, replacement=True)
    assert samples.shape == (2, 50_000)
    assert within_sigmas(np.bincount(samples[0].numpy(), minlength=3), [0.25, 0.0, 0.75], 50_000)
    assert set(samples[1].tolist()) == {1}


def test_without_replacement_draws_each_category_once_in_order_of_the_law():
    """P(first = i) = p_i and P(second = j) = sum_i p_i p_j / (1 - p_i): the law of drawing without replacement."""
    p = np.array([0.5, 0.3, 0.2])
    rows = 60_000
    samples = ac.multinomial(ac.tensor(np.tile(p, (rows, 1))), 3).numpy()
    assert all(sorted(row) == [0, 1, 2] for row in samples[:100])
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(3) if i != j) for j in range(3)])
    assert within_sigmas(np.bincount(samples[:, 0], minlength=3), p, rows)
    assert within_sigmas(np.bincount(samples[:, 1], minlength=3), second, rows)


def test_without_replacement_takes_zero_weights_last_in_index_order():
    assert ac.multinomial(ac.tensor([0.0, 1.0, 0.0, 0.0]), 3).tolist() == [1, 0, 2]


def test_generators_make_draws_repeatable():
    weights = ac.tensor([[0.2, 0.8], [0.5, 0.5]])
    first = ac.multinomial(weights, 10, True, generator=ac.Generator().manual_seed(3))
    again = ac.multinomial(weights, 10, True, generator=ac.Generator().manual_seed(3))
    assert first.tolist() == again.tolist()
    ac.manual_seed(7)
    default = ac.multinomial(weights, 10, True)
    ac.manual_seed(7)
    assert ac.multinomial(weights, 10, True).tolist() == default.tolist()
    with pytest.raises(TypeError, match="argument 'generator' must be torch.Generator"):
        ac.multinomial(weights, 1, generator=3)


def test_empty_rows_give_an_empty_result():
    assert ac.multinomial(ac.ones(0, 3), 2).shape == (0, 2)


BAD = [
    (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda m: m.multinomial(m.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda m: m.multinomial(m.ones(3, dtype=m.long), 1), RuntimeError, "only supports floating-point dtypes"),
    (lambda m: m.multinomial(m.ones(3), 0), RuntimeError, "cannot sample n_sample <= 0 samples"),
    (lambda m: m.multinomial(m.ones(3), 4), RuntimeError, r"cannot sample n_sample > prob_dist.size\(-1\) samples"),
    (lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1), RuntimeError, "contains either `inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.zeros(3), 1, True), RuntimeError, r"sum of probabilities <= 0"),
    (lambda m: m.multinomial(m.ones(3), 1.5), TypeError, "'num_samples' .* must be int, not float"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call(ac)


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_matches_pytorch(call, error, message):
    torch = torch_or_skip()
    with pytest.raises(error, match=message):
        call(torch)
