"""Threads: kernels release the GIL (another Python thread runs while they compute), two Python threads
training independent models get exactly what running them one after the other gets, and results do not
depend on the OpenMP thread count (elementwise ops bit for bit, reductions and products to rounding)."""

import contextlib
import operator
import sys
import threading
import time
from functools import partial

import numpy as np
import pytest

import autocore
from autocore import _C

F = autocore.nn.functional
THREAD_COUNTS = (1, 2, 3, 4)


@pytest.fixture
def restore_grad_mode():
    enabled = autocore.is_grad_enabled()
    try:
        yield
    finally:
        autocore.set_grad_enabled(enabled)


def run_in_threads(*jobs):
    """Runs each job in its own Python thread, all at once; re-raises the first exception one raised."""
    errors = []

    def guarded(job):
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# ---- the GIL is released while kernels run ----


@contextlib.contextmanager
def gil_probe():
    """Yields measure(op) -> how far a pure-Python counter in another thread advanced during calls of op
    (at least 5 calls, and at least 50 ms of them), and the seconds those calls took. The switch interval
    is raised to 1 s, so the interpreter never takes the GIL from the calling thread within a call: the
    counter can advance only if the call itself releases the GIL. Kernels run on one OpenMP thread,
    leaving the second core to the counter."""
    if hasattr(sys, "_is_gil_enabled") and not sys._is_gil_enabled():
        pytest.skip("free-threaded Python: there is no GIL to release")
    counter, stop = [0], [False]

    def count():
        while not stop[0]:
            for _ in range(100):
                counter[0] += 1
            time.sleep(1e-4)  # hands the GIL back promptly once the kernel wants it

    def measure(op, min_calls=5, min_seconds=0.05):
        advance, seconds, calls = 0, 0.0, 0
        while calls < min_calls or (seconds < min_seconds and calls < 500):
            time.sleep(0.002)  # let the counter run, so that its wait for the GIL starts afresh
            before, started = counter[0], time.perf_counter()
            op()
            seconds += time.perf_counter() - started
            advance += counter[0] - before
            calls += 1
        return advance, seconds

    threads, interval = autocore.get_num_threads(), sys.getswitchinterval()
    thread = threading.Thread(target=count, daemon=True)
    autocore.set_num_threads(1)
    sys.setswitchinterval(1.0)
    thread.start()
    try:
        yield measure
    finally:
        stop[0] = True
        thread.join()
        sys.setswitchinterval(interval)
        autocore.set_num_threads(threads)


def _big(rng, *shape):
    return autocore.from_numpy(rng.normal(size=shape).astype(np.float32))


def _linear_backward(rng):
    x, w = _big(rng, 1024, 1024), _big(rng, 1024, 1024).requires_grad_()
    return lambda: F.linear(x, w).sum().backward()


def _adam_step(rng):
    p = autocore.nn.Parameter(_big(rng, 2048, 2048))
    p.grad = _big(rng, 2048, 2048)
    return autocore.optim.Adam([p], lr=1e-3).step


# Each op, made from a generator, as a call taking from one to tens of milliseconds on one thread (4M
# elements, or a 1024^3 product).
GIL_OPS = {
    "matmul": lambda rng: partial(operator.matmul, _big(rng, 1024, 1024), _big(rng, 1024, 1024)),
    "linear backward": _linear_backward,
    "add (broadcast)": lambda rng: partial(operator.add, _big(rng, 2048, 2048), _big(rng, 2048)),
    "exp": lambda rng: _big(rng, 2048, 2048).exp,
    "tanh": lambda rng: _big(rng, 2048, 2048).tanh,
    "sum": lambda rng: _big(rng, 2048, 2048).sum,
    "softmax": lambda rng: partial(autocore.softmax, _big(rng, 2048, 2048), 1),
    "cross_entropy": lambda rng: partial(
        F.cross_entropy, _big(rng, 2048, 2048), autocore.from_numpy(rng.integers(0, 2048, 2048))
    ),
    "Adam step": _adam_step,
    "contiguous (transposed)": lambda rng: _big(rng, 2048, 2048).T.contiguous,
    "clone": lambda rng: _big(rng, 2048, 2048).clone,
    "to float64": lambda rng: _big(rng, 2048, 2048).double,
    "cat": lambda rng: partial(autocore.cat, [_big(rng, 2048, 2048), _big(rng, 2048, 2048)]),
}


def test_the_gil_probe_sees_a_call_that_holds_the_gil():
    """The control for the test below: a builtin that holds the GIL for tens of milliseconds lets the
    counter advance not at all."""
    with gil_probe() as measure:
        advance, seconds = measure(lambda: sum(range(2_000_000)), min_calls=3)
    assert advance == 0, f"the counter advanced by {advance} in {seconds * 1e3:.0f} ms of a GIL-holding call"


@pytest.mark.parametrize("op", list(GIL_OPS))
def test_large_kernels_release_the_gil(op):
    run = GIL_OPS[op](np.random.default_rng(0))
    run()  # first-call costs (page faults, dispatch) outside the measurement
    with gil_probe() as measure:
        advance, seconds = measure(run)
    assert advance > 0, f"{op} held the GIL: another thread made no progress during {seconds * 1e3:.0f} ms of calls"


# ---- two Python threads give what running one after the other gives ----


def _model_and_data(seed):
    """A 256-512-10 tanh MLP and its data, all drawn from numpy with `seed` (not from autocore's global
    generator, which two threads would share)."""
    rng = np.random.default_rng(seed)
    model = autocore.nn.Sequential(autocore.nn.Linear(256, 512), autocore.nn.Tanh(), autocore.nn.Linear(512, 10))
    with autocore.no_grad():
        for p in model.parameters():
            p.copy_(autocore.from_numpy(rng.normal(0, 0.05, size=tuple(p.shape)).astype(np.float32)))
    X = autocore.from_numpy(rng.normal(size=(256, 256)).astype(np.float32))
    y = autocore.from_numpy(rng.integers(0, 10, size=256))
    return model, X, y


def _train(model, X, y, steps):
    """SGD with momentum, full batch: the losses and the final parameters."""
    optimizer = autocore.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def test_two_threads_training_independent_models_match_a_sequential_run(restore_grad_mode):
    """Each thread runs forward, backward and optimizer steps while the other does too; the kernels release
    the GIL, so the two really interleave. Models and data are built first, in this thread. Grad mode must
    be per thread (as PyTorch's is): one thread's no_grad (in optimizer.step) or backward must not stop
    the other's forward from recording its graph."""
    steps = 10
    sequential = [_train(*_model_and_data(seed), steps) for seed in (0, 1)]
    threaded = [None, None]
    setups = [_model_and_data(seed) for seed in (0, 1)]

    def job(i):
        threaded[i] = _train(*setups[i], steps)

    run_in_threads(lambda: job(0), lambda: job(1))
    assert autocore.is_grad_enabled(), "training in two threads left grad mode off"
    for (losses, params), (threaded_losses, threaded_params) in zip(sequential, threaded):
        assert losses[-1] < 0.5 * losses[0]  # it trained
        assert threaded_losses == losses
        for got, want in zip(threaded_params, params):
            np.testing.assert_array_equal(got, want)


def test_two_threads_running_kernels_at_once_match_a_sequential_run():
    """Forward passes only, on tensors that need no gradient, so that no thread touches grad mode: the
    kernels (and their OpenMP teams, one per calling thread) may run concurrently without interfering."""
    rng = np.random.default_rng(4)
    inputs = [
        [
            autocore.from_numpy(rng.normal(size=shape).astype(np.float32))
            for shape in ((512, 512), (512, 512), (512,), (512, 512))
        ]
        for _ in range(2)
    ]

    def compute(x, w, b, z):
        h = autocore.tanh(F.linear(x, w, b)) * z + x.exp() * 0.01
        return [h.numpy(), autocore.softmax(h, 1).numpy(), h.sum(0).numpy(), (h @ h.T).numpy()]

    def repeat(i, out):
        out[i] = [compute(*inputs[i]) for _ in range(5)]

    sequential, threaded = {}, {}
    for i in (0, 1):
        repeat(i, sequential)
    run_in_threads(*(lambda i=i: repeat(i, threaded) for i in (0, 1)))
    for i in (0, 1):
        for got_round in threaded[i]:
            for got, want in zip(got_round, sequential[i][0]):
                np.testing.assert_array_equal(got, want)
    # and the values themselves, against numpy in float64
    x, w, b, z = (t.numpy().astype(np.float64) for t in inputs[0])
    h = np.tanh(x @ w.T + b) * z + np.exp(x) * 0.01
    np.testing.assert_allclose(sequential[0][0][0], h, rtol=1e-4, atol=2e-4)  # 512-term float32 sums
    ours = sequential[0][0][0].astype(np.float64)
    np.testing.assert_allclose(sequential[0][0][3], ours @ ours.T, rtol=1e-5, atol=1e-3)


# ---- results do not depend on the OpenMP thread count ----

needs_openmp = pytest.mark.skipif(not _C.has_openmp, reason="built without OpenMP: one thread only")

# 600 x 700 = 420,000 elements: past 3 x the 32,768-element grain of core/parallel.h, so four threads
# each get a share.
ROWS, COLS = 600, 700


def _operands(dtype):
    rng = np.random.default_rng(5)
    a = rng.uniform(-3, 3, size=(ROWS, COLS)).astype(dtype)
    row = rng.uniform(-3, 3, size=COLS).astype(dtype)
    col = rng.uniform(-3, 3, size=(ROWS, 1)).astype(dtype)
    return a, row, col


ELEMENTWISE = {
    "add (row broadcast)": (lambda a, row, col: a + row, lambda a, row, col: a + row),
    "mul (column broadcast)": (lambda a, row, col: a * col, lambda a, row, col: a * col),
    "sub (outer broadcast)": (lambda a, row, col: col - row, lambda a, row, col: col - row),
    "div": (lambda a, row, col: a / (col.abs() + 1), lambda a, row, col: a / (np.abs(col) + 1)),
    "exp": (lambda a, row, col: autocore.exp(a), lambda a, row, col: np.exp(a)),
    "exp (transposed view)": (lambda a, row, col: autocore.exp(a.T), lambda a, row, col: np.exp(a.T)),
    "tanh": (lambda a, row, col: autocore.tanh(a), lambda a, row, col: np.tanh(a)),
    "sigmoid": (lambda a, row, col: autocore.sigmoid(a), lambda a, row, col: 1 / (1 + np.exp(-a))),
    "where (broadcast)": (
        lambda a, row, col: autocore.where(a > col, a, row),
        lambda a, row, col: np.where(a > col, a, row),
    ),
}


def _at_each_thread_count(fn):
    results = []
    for n in THREAD_COUNTS:
        autocore.set_num_threads(n)
        results.append(fn())
    return results


@needs_openmp
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise_results_are_bit_identical_for_any_thread_count(op, dtype, restore_thread_count):
    ours, reference = ELEMENTWISE[op]
    arrays = _operands(dtype)
    tensors = [autocore.from_numpy(x) for x in arrays]
    results = _at_each_thread_count(lambda: ours(*tensors).numpy())
    for n, result in zip(THREAD_COUNTS[1:], results[1:]):
        np.testing.assert_array_equal(result, results[0], err_msg=f"{n} threads vs 1")
    want = reference(*(x.astype(np.float64) for x in arrays))
    np.testing.assert_allclose(
        results[0], want, rtol=2e-6 if dtype == np.float32 else 1e-14, atol=1e-7 if dtype == np.float32 else 1e-15
    )


def _softmax(a, dim):
    e = np.exp(a - a.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


def _sum_of_magnitudes(reference):
    """The scale of a sum's rounding error: the same sum over |terms|."""
    return lambda a: reference(np.abs(a))


# Each op: ours, numpy's (float64), and the scale its rounding error is relative to.
REDUCTIONS = {
    "sum (all)": (lambda a: a.sum(), lambda a: a.sum(), _sum_of_magnitudes(lambda a: a.sum())),
    "sum (dim 0)": (lambda a: a.sum(0), lambda a: a.sum(0), _sum_of_magnitudes(lambda a: a.sum(0))),
    "sum (dim 1)": (lambda a: a.sum(1), lambda a: a.sum(1), _sum_of_magnitudes(lambda a: a.sum(1))),
    "mean (all)": (lambda a: a.mean(), lambda a: a.mean(), _sum_of_magnitudes(lambda a: a.mean())),
    "mean (dim 0)": (lambda a: a.mean(0), lambda a: a.mean(0), _sum_of_magnitudes(lambda a: a.mean(0))),
    "softmax (dim 1)": (lambda a: autocore.softmax(a, 1), lambda a: _softmax(a, 1), lambda a: _softmax(a, 1)),
    "softmax (dim 0)": (lambda a: autocore.softmax(a, 0), lambda a: _softmax(a, 0), lambda a: _softmax(a, 0)),
    "log_softmax (dim 1)": (
        lambda a: autocore.log_softmax(a, 1),
        lambda a: np.log(_softmax(a, 1)),
        lambda a: np.abs(a) - np.log(_softmax(a, 1)),
    ),
    "matmul": (lambda a: a @ a.T[:, :400], lambda a: a @ a.T[:, :400], _sum_of_magnitudes(lambda a: a @ a.T[:, :400])),
    "matmul (transposed operand)": (
        lambda a: a.T @ a[:, :300],
        lambda a: a.T @ a[:, :300],
        _sum_of_magnitudes(lambda a: a.T @ a[:, :300]),
    ),
}


@needs_openmp
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reductions_and_products_agree_to_rounding_for_any_thread_count(op, dtype, restore_thread_count):
    """Splitting a sum across threads may regroup its terms (a full sum adds per-thread partials), so the
    last bits may differ: results must agree within 4 eps of the error scale (the sum of |terms|, or the
    value itself for softmax), and match numpy's float64 within 64 eps of it."""
    ours, reference, error_scale = REDUCTIONS[op]
    a = _operands(dtype)[0]
    x = autocore.from_numpy(a)
    results = _at_each_thread_count(lambda: np.asarray(ours(x).numpy(), np.float64))
    eps = np.finfo(dtype).eps
    a64 = a.astype(np.float64)
    scale = error_scale(a64)
    for n, result in zip(THREAD_COUNTS[1:], results[1:]):
        np.testing.assert_array_less(np.abs(result - results[0]), 4 * eps * scale, err_msg=f"{n} threads vs 1")
    np.testing.assert_array_less(np.abs(results[0] - reference(a64)), 64 * eps * scale)


@needs_openmp
def test_training_gradients_agree_to_rounding_for_any_thread_count(restore_thread_count):
    """One forward and backward of a 64-256-10 MLP on a batch of 2,048: linear, tanh, cross-entropy and
    their backward kernels, with the batch large enough to be split across threads; the one-thread
    gradients also match a numpy backward pass in float64."""
    rng = np.random.default_rng(6)
    X = autocore.from_numpy(rng.normal(size=(2048, 64)).astype(np.float32))
    y = autocore.from_numpy(rng.integers(0, 10, size=2048))
    weights = [rng.normal(0, 0.1, size=shape).astype(np.float32) for shape in ((256, 64), (256,), (10, 256), (10,))]

    def gradients():
        params = [autocore.from_numpy(w.copy()).requires_grad_() for w in weights]
        hidden = autocore.tanh(F.linear(X, params[0], params[1]))
        loss = F.cross_entropy(F.linear(hidden, params[2], params[3]), y)
        loss.backward()
        return [loss.item()] + [p.grad.numpy() for p in params]

    results = _at_each_thread_count(gradients)
    for n, result in zip(THREAD_COUNTS[1:], results[1:]):
        for got, want in zip(result, results[0]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=f"{n} threads vs 1")

    x, labels = X.numpy().astype(np.float64), y.numpy()
    w1, b1, w2, b2 = (w.astype(np.float64) for w in weights)
    hidden = np.tanh(x @ w1.T + b1)
    probs = _softmax(hidden @ w2.T + b2, 1)
    rows = np.arange(len(labels))
    grad_logits = probs.copy()
    grad_logits[rows, labels] -= 1
    grad_logits /= len(labels)
    grad_pre = (grad_logits @ w2) * (1 - hidden**2)
    want = [
        -np.log(probs[rows, labels]).mean(),
        grad_pre.T @ x,
        grad_pre.sum(0),
        grad_logits.T @ hidden,
        grad_logits.sum(0),
    ]
    for got, expected in zip(results[0], want):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
