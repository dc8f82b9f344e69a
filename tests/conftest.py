"""Shared test helpers: numpy round trips, non-contiguous views, central finite differences, a fixture that
runs a test once per instruction set this machine supports, and the list of devices to run on."""

import os

import numpy as np
import pytest

import autocore
from autocore import _C

# Tests that run on every device take `device` from this list: the CPU always, a GPU where one is usable
# (elsewhere the CUDA case skips and says why).
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not autocore.cuda.is_available(), reason="no CUDA GPU: autocore.cuda.is_available() is False"
        ),
    ),
]

ISAS = [isa for isa in ("baseline", "avx2", "avx512") if _C.isa_supported(isa)]


@pytest.fixture(autouse=True)
def _seeded():
    """The default generator starts from the OS's entropy, as PyTorch's does: each test starts from seed 0, so that
    it draws the same numbers whatever ran before it."""
    autocore.manual_seed(0)


@pytest.fixture(params=ISAS)
def isa(request):
    """Runs the test with each compiled ISA's kernels active, restoring the default afterwards."""
    default = _C.active_isa()
    _C.set_active_isa(request.param)
    yield request.param
    _C.set_active_isa(default)


@pytest.fixture
def restore_thread_count():
    """Lets a test set the thread count, restoring it afterwards."""
    threads = autocore.get_num_threads()
    try:
        yield
    finally:
        autocore.set_num_threads(threads)


def tensor(array):
    """A C++ tensor sharing `array`'s memory (any layout numpy has)."""
    return _C.from_numpy(np.asarray(array))


def array(t):
    return np.asarray(t.numpy())


def rand(rng, shape, dtype=np.float64, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape).astype(dtype)


def noncontiguous(a):
    """The same values as `a`, laid out with a step of 2 along the last dim (and transposed if 2-D+),
    so kernels see a genuinely strided view."""
    a = np.asarray(a)
    if a.ndim == 0:
        return a
    wide = np.zeros(a.shape[:-1] + (a.shape[-1] * 2,), a.dtype)
    wide[..., ::2] = a
    view = wide[..., ::2]
    assert not view.flags.c_contiguous or view.size <= 1
    return view


def numeric_grad(f, inputs, grad_out, eps=1e-6):
    """Central finite differences of sum(f(*inputs) * grad_out) with respect to each float64 input."""
    grads = []
    for x in inputs:
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = np.sum(f(*inputs) * grad_out)
            flat[i] = old - eps
            minus = np.sum(f(*inputs) * grad_out)
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


PARITY_SKIP = "PyTorch is not installed"  # every PyTorch comparison's skip reason starts with this


def torch_or_skip():
    return pytest.importorskip("torch", reason=f"{PARITY_SKIP}; parity checks skipped")


# With AUTOCORE_PARITY=required (CI's PyTorch stage) a PyTorch comparison that skips fails instead: the stage
# exists to run them, and a broken PyTorch install must not pass as a green run.
PARITY_REQUIRED = os.environ.get("AUTOCORE_PARITY") == "required"


def _fail_parity_skip(report):
    # An expected failure (xfail) also reports as skipped, with its traceback as longrepr: it is not a skip.
    expected_failure = hasattr(report, "wasxfail")
    if PARITY_REQUIRED and report.skipped and not expected_failure and PARITY_SKIP in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"AUTOCORE_PARITY=required, but a PyTorch comparison skipped: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_parity_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_parity_skip(outcome.get_result())


def outcome(case, lib):
    """What case(lib) gives, to compare autocore with PyTorch: its values and dtype name, or for a RuntimeError
    the exception's name and the message up to its first colon."""
    try:
        result = case(lib)
    except RuntimeError as error:
        return type(error).__name__, str(error).split(":")[0]
    return result.tolist(), str(result.dtype).split(".")[-1]
