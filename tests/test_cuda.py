"""The CUDA backend: what holds on every machine (availability, the errors a CPU-only machine gives), and on a
GPU every op family against the CPU result of the same autocore call (values, dtypes, shapes, gradients),
optimizers and training runs step for step, the memory statistics, and the device-mixing errors."""

import gc
import math
import re

import numpy as np
import pytest

import autocore
from autocore import nn
from autocore.nn import functional as F

CUDA = "cuda"  # the device under test; every comparison runs the same call on the CPU as its reference
requires_cuda = pytest.mark.skipif(
    not autocore.cuda.is_available(), reason="no CUDA GPU: autocore.cuda.is_available() is False"
)
without_cuda = pytest.mark.skipif(autocore.cuda.is_available(), reason="a CUDA GPU is available")

FLOATS = [np.float32, np.float64]
ALL_DTYPES = [np.float32, np.float64, np.int64, np.bool_]
SAME_DEVICE = "Expected all tensors to be on the same device"


# ---- on every machine --------------------------------------------------------------------------------------


def test_availability_queries_are_well_typed():
    available = autocore.cuda.is_available()
    assert isinstance(available, bool)
    assert isinstance(autocore.cuda.is_built(), bool)
    count = autocore.cuda.device_count()
    assert isinstance(count, int) and count >= 0
    assert (count > 0) == available
    assert not available or autocore.cuda.is_built()


def test_backends_info_reports_cuda_as_built():
    info = autocore.backends_info()["cuda"]
    assert isinstance(info, (bool, dict))
    assert bool(info) == autocore.cuda.is_built()
    if isinstance(info, dict) and "available" in info:
        assert info["available"] == autocore.cuda.is_available()


def test_backends_info_says_how_the_build_decided_on_cuda():
    decision = autocore.backends_info()["cuda_build"]
    if autocore.cuda.is_built():
        assert re.fullmatch(r"built \(AUTOCORE_CUDA=(AUTO|ON)\) for CUDA architectures [0-9a-z -]+", decision)
    else:  # the reason, and the setting that changes it
        assert decision.startswith("not built: ") and ("AUTOCORE_CUDA" in decision), decision


def test_device_objects_parse_and_compare_without_a_gpu():
    assert autocore.device("cuda:0") == "cuda:0" and autocore.device("cuda", 1).index == 1
    assert autocore.device("cuda").type == "cuda" and autocore.device("cuda").index is None
    assert autocore.device("cpu") != autocore.device("cuda:0")


@without_cuda
def test_asking_for_cuda_without_a_gpu_says_why():
    why = "(?i)cuda|nvidia"
    with pytest.raises(RuntimeError, match=why):
        autocore.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match=why):
        autocore.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match=why):
        autocore.ones(2).cuda()
    model = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=why):
        model.to("cuda")
    assert all(p.device == "cpu" for p in model.parameters())
    with pytest.raises(RuntimeError, match=why):
        autocore.cuda.memory_allocated()
    autocore.cuda.empty_cache()  # a no-op without a GPU, as in PyTorch


@without_cuda
def test_cpu_work_is_unaffected_by_a_failed_cuda_request():
    with pytest.raises(RuntimeError):
        autocore.zeros(2, device="cuda:0")
    x = autocore.ones(2, 3, requires_grad=True)
    (x * 2 + 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0, np.float32))
    assert x.device == "cpu" and not x.is_cuda


# ---- comparison helpers ------------------------------------------------------------------------------------


def kind(device):
    return autocore.device(device).type


def host(x):
    """Tensors (also inside tuples and lists) as numpy arrays in host memory; anything else unchanged."""
    if isinstance(x, autocore.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, (tuple, list)):
        return [host(v) for v in x]
    return x


def run_on(device, fn, arrays, grad=()):
    """fn applied to `arrays` as tensors on `device`, then (when `grad` lists input positions) its first output
    backpropagated with a fixed random gradient. Returns (outputs, grads of those inputs) in host memory, or
    the exception it raised."""
    try:
        inputs = [autocore.tensor(a, device=device, requires_grad=i in grad) for i, a in enumerate(arrays)]
        out = fn(*inputs)
        grads = None
        if grad:
            first = out[0] if isinstance(out, (tuple, list)) else out
            g = np.random.default_rng(99).uniform(-1.0, 1.0, tuple(first.shape))
            first.backward(autocore.tensor(g, dtype=first.dtype, device=device))
            grads = [host(inputs[i].grad) for i in grad]
    except Exception as error:  # noqa: BLE001 - the CPU's exception is the reference for CUDA's
        return error
    return host(out), grads


def default_tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def assert_close(got, expected, rtol=None, atol=None):
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_close(g, e, rtol, atol)
        return
    if expected is None or isinstance(expected, (bool, int, float)):
        assert got == expected or (isinstance(expected, float) and math.isclose(got, expected, rel_tol=rtol or 1e-6))
        return
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, f"dtype {got.dtype} on CUDA, {expected.dtype} on the CPU"
    assert got.shape == expected.shape, f"shape {got.shape} on CUDA, {expected.shape} on the CPU"
    if expected.dtype.kind == "f":
        tol = default_tol(expected.dtype)
        np.testing.assert_allclose(
            got,
            expected,
            rtol=tol["rtol"] if rtol is None else rtol,
            atol=tol["atol"] if atol is None else atol,
            equal_nan=True,
        )
    else:
        np.testing.assert_array_equal(got, expected)


def check(fn, arrays, grad=(), may_raise=False, rtol=None, atol=None):
    """fn on CUDA gives the CPU's outputs and gradients; where the CPU raises (allowed only with may_raise),
    CUDA raises the same kind of exception."""
    expected, got = run_on("cpu", fn, arrays, grad), run_on(CUDA, fn, arrays, grad)
    if isinstance(expected, Exception):
        if not may_raise:
            raise expected
        assert isinstance(got, type(expected)), f"the CPU raised {expected!r}; CUDA gave {got!r}"
        return
    if isinstance(got, Exception):
        raise got
    assert_close(got, expected, rtol, atol)


def rand(rng, shape, dtype, low=-2.0, high=2.0):
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype == np.int64:
        return rng.integers(int(low), int(high) + 1, size=shape).astype(np.int64)
    return rng.uniform(low, high, size=shape).astype(dtype)


def laid_out(a, layout):
    """(array to upload, view to take of it on the device) so that the kernel sees `a` through a contiguous,
    a stepped (every other element of the last dim) or a transposed (last two dims swapped) layout."""
    if layout == "stepped" and a.ndim >= 1:
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return wide, lambda t: t[..., ::2]
    if layout == "transposed" and a.ndim >= 2:
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)), lambda t: t.transpose(-1, -2)
    return a, lambda t: t


LAYOUTS = ["contiguous", "stepped", "transposed"]


# ---- elementwise -------------------------------------------------------------------------------------------

BINARY = {  # (type promotion and Python numbers on either side, on every device: tests/test_op_db.py)
    "add": autocore.add,
    "sub": autocore.sub,
    "mul": autocore.mul,
    "div": autocore.div,
    "pow": autocore.pow,
    "maximum": autocore.maximum,
    "minimum": autocore.minimum,
    "eq": autocore.eq,
    "ne": autocore.ne,
    "lt": autocore.lt,
    "le": autocore.le,
    "gt": autocore.gt,
    "ge": autocore.ge,
}
DIFFERENTIABLE = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"}
SHAPE_PAIRS = [
    ((), ()),
    ((5,), ()),
    ((), (4,)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((0, 3), (3,)),
    ((1,), (0,)),
    ((2, 1, 3), (2, 4, 1)),
    ((1, 1), (1, 1)),
    ((70000,), (70000,)),
    ((300, 1), (1, 257)),
]


def operands(rng, name, dtype, shape_a, shape_b):
    """Inputs on which the op is defined and smooth: divisors and exponents are positive, and so are pow's
    bases (an integer's negative power is an error, a float's is NaN)."""
    if dtype == np.int64:
        return rand(rng, shape_a, dtype, 0 if name == "pow" else -5, 3), rand(rng, shape_b, dtype, 1, 3)
    return rand(rng, shape_a, dtype, 0.5 if name == "pow" else -2.0, 2.0), rand(rng, shape_b, dtype, 0.5, 2.0)


def broadcast_sum_length(shape_a, shape_b):
    """The most terms an input's gradient sums (undoing its broadcast): float32 rounding grows with it."""
    out = math.prod(np.broadcast_shapes(shape_a, shape_b))
    return max(1, out // max(1, min(math.prod(shape_a), math.prod(shape_b))))


@requires_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_match_cpu_with_broadcasting_and_strided_views(name, dtype):
    rng = np.random.default_rng(1)
    op = BINARY[name]
    grad = (0, 1) if name in DIFFERENTIABLE and dtype in FLOATS else ()
    for shape_a, shape_b in SHAPE_PAIRS:
        a, b = operands(rng, name, dtype, shape_a, shape_b)
        atol = 1e-6 * math.sqrt(broadcast_sum_length(shape_a, shape_b)) if dtype == np.float32 else None
        for layout in LAYOUTS:
            (base_a, view_a), (base_b, view_b) = laid_out(a, layout), laid_out(b, layout)
            # bool has no sub or pow (as in PyTorch): the CPU's error is then the reference
            check(
                lambda x, y: op(view_a(x), view_b(y)),
                [base_a, base_b],
                grad=grad,
                may_raise=dtype == np.bool_,
                atol=atol,
            )


@requires_cuda
def test_in_place_ops_and_out_write_through_views():
    rng = np.random.default_rng(3)
    for dtype in FLOATS:
        dst, other = rand(rng, (4, 6), dtype), rand(rng, (3,), dtype, 0.5, 2.0)

        def in_place(d, o):
            view = d[:, ::2]  # a stepped destination; the untouched columns must stay as they were
            view.add_(o).mul_(o).sub_(1.5).div_(o)
            d[1].clamp_(-0.5, 0.5)
            d[2].relu_()
            d[3].exp_()
            return d

        check(in_place, [dst, other])
        check(lambda d: d.t().sigmoid_().t(), [dst])
        check(lambda d: d.add_(2), [dst])

        def out_argument(a, b, o):
            autocore._C.mul(a._c, b._c, out=o[:, 1::2]._c)
            autocore._C.tanh(a._c, out=o[:, ::2]._c)
            return o

        check(out_argument, [rand(rng, (4, 3), dtype), rand(rng, (3,), dtype), np.zeros((4, 6), dtype)])
    # an int64 destination cannot hold a float result: the same error on both
    check(lambda d, o: d.add_(o), [np.arange(3), np.full(3, 0.5, np.float32)], may_raise=True)


UNARY = {  # ops with extra arguments; each pointwise op runs on every device in tests/test_op_db.py
    "leaky_relu": lambda x: autocore.leaky_relu(x, 0.2),
    "clamp": lambda x: autocore.clamp(x, -0.5, 0.7),
    "clamp_min": lambda x: autocore.clamp(x, min=0.2),
    "clamp_max": lambda x: autocore.clamp(x, max=-0.2),
}
UNARY_SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 3, 4), (40000,)]


@requires_cuda
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_and_their_backwards_match_cpu(name, dtype):
    rng = np.random.default_rng(4)
    low, high = -3.0, 3.0
    for shape in UNARY_SHAPES:
        x = rand(rng, shape, dtype, low, high)
        for layout in LAYOUTS:
            base, view = laid_out(x, layout)
            check(lambda t: UNARY[name](view(t)), [base], grad=(0,) if dtype in FLOATS else ())


@requires_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES[:3], ids=lambda d: np.dtype(d).name)
def test_where_matches_cpu_with_broadcasting_scalars_and_gradients(dtype):
    rng = np.random.default_rng(5)
    cond, a, b = rng.random((3, 4)) < 0.5, rand(rng, (3, 1), dtype), rand(rng, (4,), dtype)
    grad = (1, 2) if dtype in FLOATS else ()
    check(lambda c, x, y: autocore.where(c, x, y), [cond, a, b], grad=grad)
    check(lambda c, x, y: autocore.where(c.t(), x.t(), y), [cond.T.copy(), a.T.copy(), b], grad=grad)
    check(lambda c, x: autocore.where(c, x, 0.0), [cond, a])
    check(lambda c, x: autocore.where(c, 1.5, x), [cond, b])
    check(lambda c, x, y: autocore.where(c, x, y), [cond, a, rand(rng, (4,), np.float64)])  # promotion


@requires_cuda
def test_nan_propagates_through_maximum_minimum_and_reductions():
    a = np.array([np.nan, 1.0, 2.0, np.nan, -1.0], np.float32)
    b = np.array([0.0, np.nan, 1.0, np.nan, 3.0], np.float32)
    for op in (autocore.maximum, autocore.minimum):
        check(op, [a, b])
        got = op(autocore.tensor(a, device=CUDA), autocore.tensor(b, device=CUDA)).cpu().numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(a) | np.isnan(b))  # as numpy and PyTorch
    check(lambda x: (autocore.amax(x), autocore.amin(x, 0), autocore.max(x, 0)), [a])
    assert math.isnan(autocore.amax(autocore.tensor(a, device=CUDA)).item())


# ---- tensors on the device: factories, copies, properties ----------------------------------------------


@requires_cuda
def test_device_properties_item_tolist_and_repr():
    t = autocore.tensor([[1.5, -2.0], [3.0, 4.25]], device=CUDA)
    assert t.is_cuda and t.device == autocore.device("cuda:0") and t.device == "cuda:0" and str(t.device) == "cuda:0"
    assert t.device.type == "cuda" and t.device.index == 0
    assert t[1, 1].item() == 4.25 and isinstance(t[0, 0].item(), float)
    assert t.tolist() == [[1.5, -2.0], [3.0, 4.25]]
    assert autocore.tensor([3, 4], device=CUDA).sum().item() == 7
    assert "device='cuda:0'" in repr(t) and "4.2500" in repr(t)
    cpu = t.cpu()
    assert not cpu.is_cuda and cpu.device == "cpu"
    assert t.cuda() is t and t.to("cuda") is t and cpu.cpu() is cpu  # already there: no copy, as in PyTorch
    assert autocore.cuda.is_built() and autocore.cuda.device_count() >= 1
    name = autocore.cuda.get_device_name()
    assert isinstance(name, str) and name
    assert autocore.cuda.synchronize() is None


@requires_cuda
def test_factories_create_on_the_device_and_like_follows_the_input():
    cases = {
        "zeros": lambda d: autocore.zeros(2, 3, device=d),
        "ones": lambda d: autocore.ones((4,), device=d),
        "full": lambda d: autocore.full((2, 2), 7, device=d),
        "empty": lambda d: autocore.empty(3, device=d),
        "tensor": lambda d: autocore.tensor([[1, 2], [3, 4]], device=d),
        "arange": lambda d: autocore.arange(0, 10, 3, device=d),
        "float64": lambda d: autocore.ones(3, dtype=autocore.float64, device=d),
        "randn": lambda d: autocore.randn(1000, device=d),
        "rand": lambda d: autocore.rand(10, 10, device=d),
    }
    for name, make in cases.items():
        ref, t = make("cpu"), make(CUDA)
        assert t.is_cuda and t.device == "cuda:0", name
        assert t.shape == ref.shape and t.dtype == ref.dtype, name
        if name not in ("empty", "randn", "rand"):
            np.testing.assert_array_equal(host(t), host(ref))
    assert abs(autocore.randn(10000, device=CUDA).mean().item()) < 0.1
    u = host(autocore.rand(10000, device=CUDA))
    assert u.min() >= 0.0 and u.max() < 1.0
    for device in ("cuda:0", autocore.device("cuda"), autocore.device("cuda", 0), 0):
        assert autocore.zeros(1, device=device).is_cuda
    base = autocore.ones(2, 3, device=CUDA)
    for like in (
        autocore.zeros_like,
        autocore.ones_like,
        autocore.empty_like,
        autocore.rand_like,
        autocore.randn_like,
        lambda t: autocore.full_like(t, 2.5),
    ):
        made = like(base)
        assert made.is_cuda and made.shape == base.shape and made.dtype == base.dtype
    assert not autocore.zeros_like(base, device="cpu").is_cuda
    assert autocore.zeros_like(autocore.ones(2), device=CUDA).is_cuda


@requires_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_round_trip_to_the_device_and_back_is_exact_for_any_layout(dtype):
    rng = np.random.default_rng(6)
    for shape in [(), (0,), (5,), (3, 4), (2, 3, 4), (100000,)]:
        a = rand(rng, shape, dtype, -100, 100)
        for layout in LAYOUTS:
            base, view = laid_out(a, layout)
            source = view(autocore.tensor(base))  # non-contiguous on the CPU
            there = source.to(CUDA)
            assert there.is_cuda and there.dtype == source.dtype and there.shape == source.shape
            np.testing.assert_array_equal(there.cpu().numpy(), a)
            np.testing.assert_array_equal(view(autocore.tensor(base, device=CUDA)).cpu().numpy(), a)  # a CUDA view
            for target in (autocore.float32, autocore.float64, autocore.int64, autocore.bool):
                check(lambda t: view(t).to(target), [base])
                moved = source.to(CUDA, target)
                assert moved.is_cuda and moved.dtype == target
                np.testing.assert_array_equal(moved.cpu().numpy(), source.to(target).numpy())
    t = autocore.ones(2, dtype=autocore.float64)
    other = autocore.zeros(1, dtype=autocore.float32, device=CUDA)
    assert t.to(other).is_cuda and t.to(other).dtype == autocore.float32
    assert t.to(device=CUDA, dtype=autocore.int64).dtype == autocore.int64
    assert t.to(autocore.device("cuda:0")).is_cuda and t.cuda().is_cuda


@requires_cuda
def test_copy_between_devices_broadcasts_and_converts():
    rng = np.random.default_rng(7)
    src32, dst64 = rand(rng, (4,), np.float32), rand(rng, (3, 4), np.float64)
    for dst_device, src_device in ((CUDA, "cpu"), ("cpu", CUDA), (CUDA, CUDA)):
        dst = autocore.tensor(dst64, device=dst_device)
        dst.copy_(autocore.tensor(src32, device=src_device))
        assert dst.device.type == kind(dst_device) and dst.dtype == autocore.float64
        np.testing.assert_array_equal(host(dst), np.broadcast_to(src32.astype(np.float64), (3, 4)))
        ints = autocore.zeros(3, 4, dtype=autocore.int64, device=dst_device)
        ints[:, ::2].copy_(autocore.tensor(np.array([[7, -8]]), device=src_device))
        np.testing.assert_array_equal(host(ints), np.array([[7, 0, -8, 0]] * 3))
    # a strided destination and a transposed source, both on the device
    check(lambda d, s: (d[:, 1::2].copy_(s.t()), d), [np.zeros((3, 8)), rand(rng, (4, 3), np.float32)])
    check(lambda d, s: (d.t().copy_(s), d), [np.zeros((5, 3), np.float32), rand(rng, (5,), np.int64)])
    check(lambda d, s: d.copy_(s), [np.zeros((2, 3), np.int64), np.array([1.7, -2.7, 0.5])])
    check(lambda d: (d[::2, 1:].fill_(2.5), d), [rand(rng, (5, 4), np.float64)])
    check(lambda d: (d.t().fill_(7), d), [rand(rng, (3, 4), np.int64)])
    check(lambda d: (d.fill_(True), d), [np.zeros(6, np.bool_)])


@requires_cuda
def test_contiguous_clone_and_reshape_of_views():
    rng = np.random.default_rng(8)
    a = rand(rng, (6, 5, 4), np.float32)
    check(lambda t: t.transpose(0, 2).contiguous(), [a])
    check(lambda t: t[:, ::2].contiguous(), [a])
    check(lambda t: t.transpose(0, 1).reshape(-1), [a])  # not viewable: a copy
    check(lambda t: t[:, 1:4:2].reshape(6, 2, 2, 2), [a])
    check(lambda t: t.permute(2, 0, 1).reshape(4, 30).clone(), [a])
    check(lambda t: t.transpose(0, 2).clone(), [a], grad=(0,))
    t = autocore.tensor(a, device=CUDA).transpose(0, 1)
    c = t.contiguous()
    assert c.is_cuda and c.is_contiguous() and not t.is_contiguous()
    copy = t.clone()
    copy.fill_(0.0)
    np.testing.assert_array_equal(t.cpu().numpy(), a.transpose(1, 0, 2))  # the clone owns its memory


@requires_cuda
def test_gradients_flow_back_across_devices():
    x = autocore.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x.to(CUDA) * 3.0).cpu() + x
    y.sum().backward()
    assert not x.grad.is_cuda
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 4.0))
    w = autocore.ones(3, device=CUDA, requires_grad=True)
    (w.cpu() * autocore.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.is_cuda
    np.testing.assert_array_equal(w.grad.cpu().numpy(), np.array([1.0, 2.0, 3.0], np.float32))


# ---- reductions --------------------------------------------------------------------------------------------

REDUCTIONS = {
    "sum": lambda x, d, k: autocore.sum(x, d, k),
    "mean": lambda x, d, k: autocore.mean(x, d, k),
    "var": lambda x, d, k: autocore.var(x, d, keepdim=k),
    "std": lambda x, d, k: autocore.std(x, d, correction=0, keepdim=k),
    "amax": lambda x, d, k: autocore.amax(x, d, k),
    "amin": lambda x, d, k: autocore.amin(x, d, k),
    "max": lambda x, d, k: autocore.max(x, d, k),
    "min": lambda x, d, k: autocore.min(x, d, k),
    "argmax": lambda x, d, k: autocore.argmax(x, d, k),
    "argmin": lambda x, d, k: autocore.argmin(x, d, k),
}
SINGLE_DIM_ONLY = {"max", "min", "argmax", "argmin"}
REDUCE_DIMS = [None, 0, 1, -1, (0, 2), (-1, 0)]
REDUCE_SHAPES = [(3, 4, 5), (4, 0, 3), (3, 129, 1025)]


def reduced_count(shape, dim):
    dims = range(len(shape)) if dim is None else dim if isinstance(dim, tuple) else (dim,)
    return max(math.prod(shape[d] for d in dims), 1)


@requires_cuda
@pytest.mark.parametrize("dtype", ALL_DTYPES[:3], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions_match_cpu_over_any_dims(name, dtype):
    rng = np.random.default_rng(9)
    op = REDUCTIONS[name]
    dims = [d for d in REDUCE_DIMS if not (name in SINGLE_DIM_ONLY and isinstance(d, tuple))]
    for shape in REDUCE_SHAPES:
        x = rand(rng, shape, dtype, -3, 3)  # int64 values in [-3, 3]: ties, where arg* must pick the first
        for layout in LAYOUTS if shape == (3, 4, 5) else ["contiguous"]:
            base, view = laid_out(x, layout)
            for dim in dims:
                for keepdim in (False, True):
                    # int64 has no mean/var/std, and an empty dim has no extreme: the CPU's error is the reference
                    raising = 0 in shape or (dtype == np.int64 and name in ("mean", "var", "std"))
                    atol = 1e-5 * (math.sqrt(reduced_count(shape, dim)) if name == "sum" else 1.0)
                    check(
                        lambda t: op(view(t), dim, keepdim),
                        [base],
                        may_raise=raising,
                        atol=atol if dtype == np.float32 else None,
                    )


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "var"])
def test_reduction_backwards_match_cpu(name, dtype):
    rng = np.random.default_rng(10)
    x = rand(rng, (3, 4, 5), dtype)
    ties = np.round(x)  # amax shares its gradient between tied maxima
    for dim in (None, 1, -1, (0, 2)):
        for keepdim in (False, True):
            fn = lambda t: REDUCTIONS[name](t.transpose(0, 1), dim, keepdim)  # noqa: E731
            check(fn, [x], grad=(0,))
            check(fn, [ties], grad=(0,))


# ---- matrix products ---------------------------------------------------------------------------------------


def matmul_tol(dtype, length):
    """Products over `length` terms: float32 rounding grows like sqrt(length)."""
    scale = math.sqrt(max(length, 1))
    return dict(rtol=1e-4, atol=1e-4 * scale) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12 * scale)


MATMUL_SHAPES = [
    ((7,), (7,)),
    ((3, 7), (7,)),
    ((7,), (7, 5)),
    ((1, 1), (1, 1)),
    ((33, 129), (129, 7)),
    ((2, 3, 7), (7, 5)),
    ((7,), (2, 7, 5)),
    ((2, 1, 3, 7), (4, 7, 5)),
    ((4, 3, 7), (4, 7, 1)),
    ((257, 33), (33, 129)),
    ((1, 257), (257, 1)),
    ((0, 3), (3, 4)),
    ((3, 0), (0, 4)),
    ((2, 0, 4), (2, 4, 3)),
]


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_cpu_with_broadcast_batches_and_gradients(shapes, dtype):
    rng = np.random.default_rng(11)
    a, b = rand(rng, shapes[0], dtype, -1, 1), rand(rng, shapes[1], dtype, -1, 1)
    check(autocore.matmul, [a, b], grad=(0, 1), **matmul_tol(dtype, max(shapes[0] + shapes[1])))
    check(lambda x, y: x @ y, [a, b], **matmul_tol(dtype, max(shapes[0] + shapes[1])))


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "m,k,n",
    [(1, 1, 1), (1, 7, 33), (7, 33, 1), (33, 129, 7), (129, 257, 33), (257, 1, 129), (257, 257, 257), (512, 384, 256)],
)
def test_mm_odd_and_large_sizes_with_transposed_operands(m, k, n, dtype):
    rng = np.random.default_rng(12)
    a, b = rand(rng, (m, k), dtype, -1, 1), rand(rng, (k, n), dtype, -1, 1)
    tol = matmul_tol(dtype, max(m, k, n))
    check(autocore.mm, [a, b], grad=(0, 1), **tol)
    check(lambda x, y: autocore.mm(x.t(), y.t()), [a.T.copy(), b.T.copy()], grad=(0, 1), **tol)  # column-major
    check(lambda x, y: x.t() @ y, [a.T.copy(), b], **tol)
    wide_a, view_a = laid_out(a, "stepped")
    check(lambda x, y: view_a(x) @ y.t(), [wide_a, b.T.copy()], **tol)  # strided rows


FAMILY = {
    "mm": (lambda a, b: autocore.mm(a, b), [(5, 7), (7, 3)]),
    "bmm": (lambda a, b: autocore.bmm(a, b), [(4, 5, 7), (4, 7, 3)]),
    "bmm_transposed": (lambda a, b: autocore.bmm(a.mT, b.mT), [(4, 7, 5), (4, 3, 7)]),
    "mv": (lambda a, v: autocore.mv(a, v), [(33, 17), (17,)]),
    "mv_transposed": (lambda a, v: autocore.mv(a.t(), v), [(17, 33), (17,)]),
    "dot": (lambda a, b: autocore.dot(a, b), [(129,), (129,)]),
    "addmm": (lambda c, a, b: autocore.addmm(c, a, b), [(5, 3), (5, 7), (7, 3)]),
    "addmm_scaled": (lambda c, a, b: autocore.addmm(c, a, b, beta=0.5, alpha=-2.0), [(3,), (5, 7), (7, 3)]),
    "addmm_beta0": (lambda c, a, b: autocore.addmm(c, a, b, beta=0.0, alpha=1.5), [(5, 3), (5, 7), (7, 3)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(6, 7), (3, 7), (3,)]),
    "linear_no_bias": (lambda x, w: F.linear(x, w), [(6, 7), (3, 7)]),
    "linear_batched": (lambda x, w, b: F.linear(x, w, b), [(2, 4, 7), (3, 7), (3,)]),
    "linear_large": (lambda x, w, b: F.linear(x, w, b), [(64, 257), (129, 257), (129,)]),
}


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(FAMILY))
def test_matmul_family_and_backwards_match_cpu(name, dtype):
    rng = np.random.default_rng(13)
    fn, shapes = FAMILY[name]
    arrays = [rand(rng, s, dtype, -1, 1) for s in shapes]
    check(fn, arrays, grad=tuple(range(len(arrays))), **matmul_tol(dtype, max(max(s) for s in shapes)))


@pytest.fixture
def tf32():
    """autocore.backends.cuda.matmul, with allow_tf32 restored to its value before the test."""
    matmul = autocore.backends.cuda.matmul
    before = matmul.allow_tf32
    yield matmul
    matmul.allow_tf32 = before


@requires_cuda
def test_allow_tf32_trades_precision_for_speed_and_is_restored(tf32):
    assert tf32.allow_tf32 is False  # the default, as in PyTorch >= 1.12
    rng = np.random.default_rng(14)
    a, b = rand(rng, (512, 384), np.float32, -1, 1), rand(rng, (384, 256), np.float32, -1, 1)
    expected = (autocore.tensor(a) @ autocore.tensor(b)).numpy()
    tf32.allow_tf32 = True
    got = host(autocore.tensor(a, device=CUDA) @ autocore.tensor(b, device=CUDA))
    assert got.dtype == np.float32
    scale = np.abs(expected).max()
    assert np.abs(got - expected).max() <= 1e-2 * scale
    assert np.linalg.norm(got - expected) <= 1e-2 * np.linalg.norm(expected)
    check(autocore.mm, [a.astype(np.float64), b.astype(np.float64)], **matmul_tol(np.float64, 512))  # float64 untouched


# ---- softmax and losses ------------------------------------------------------------------------------------


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_match_cpu_over_each_dim(name, dim, dtype):
    rng = np.random.default_rng(15)
    op = getattr(autocore, name)
    x = rand(rng, (4, 5, 6), dtype, -3, 3)
    check(lambda t: op(t, dim), [x], grad=(0,))
    check(lambda t: op(t.transpose(0, 2), dim), [x], grad=(0,))
    big = rand(rng, (3, 2000), dtype, -50, 50)  # long rows, large logits: the max must be subtracted
    check(lambda t: op(t, dim % 2), [big], grad=(0,))


CLASS_SHAPES = {"N,C": ((8, 5), (8,)), "N,C,d": ((4, 5, 3), (4, 3))}
CLASS_OPTIONS = [
    dict(),
    dict(weight=True),
    dict(ignore_index=1),
    dict(weight=True, ignore_index=1),
    dict(label_smoothing=0.1),
    dict(weight=True, ignore_index=1, label_smoothing=0.2),
]


@requires_cuda
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("layout", sorted(CLASS_SHAPES))
@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_nll_loss_and_cross_entropy_match_cpu(name, layout, reduction):
    rng = np.random.default_rng(16)
    input_shape, target_shape = CLASS_SHAPES[layout]
    loss = getattr(F, name)
    for dtype in FLOATS:
        x, weight = rand(rng, input_shape, dtype, -3, 3), rand(rng, (5,), dtype, 0.2, 2.0)
        target = rng.integers(0, 5, target_shape)
        target.flat[0], target.flat[1] = 1, 3  # some targets are ignored (index 1), never all of them
        for options in CLASS_OPTIONS:
            if name == "nll_loss" and "label_smoothing" in options:
                continue
            kwargs = dict(options, reduction=reduction)
            use_weight = kwargs.pop("weight", False)
            check(
                lambda i, t, w: loss(i, t, weight=w if use_weight else None, **kwargs),
                [x, target, weight],
                grad=(0,),
                rtol=2e-5 if dtype == np.float32 else None,
            )


POINTWISE_LOSSES = {
    "mse_loss": (F.mse_loss, (-2, 2), (0, 1)),
    "l1_loss": (F.l1_loss, (-2, 2), (0, 1)),
    "binary_cross_entropy": (F.binary_cross_entropy, (0.05, 0.95), (0,)),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, (-3, 3), (0,)),
}


@requires_cuda
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", sorted(POINTWISE_LOSSES))
def test_pointwise_losses_match_cpu(name, reduction):
    rng = np.random.default_rng(17)
    loss, (low, high), grad = POINTWISE_LOSSES[name]
    for dtype in FLOATS:
        x, y = rand(rng, (6, 4), dtype, low, high), rand(rng, (6, 4), dtype, 0, 1)
        tol = dict(rtol=2e-5) if dtype == np.float32 else {}
        check(lambda i, t: loss(i, t, reduction=reduction), [x, y], grad=grad, **tol)
        check(lambda i, t: loss(i.t(), t.t(), reduction=reduction), [x.T.copy(), y.T.copy()], grad=grad, **tol)
        if name.startswith("binary"):
            weight = rand(rng, (4,), dtype, 0.5, 2.0)
            check(lambda i, t, w: loss(i, t, weight=w, reduction=reduction), [x, y, weight], grad=(0,), **tol)
        if name == "binary_cross_entropy_with_logits":
            pos_weight = rand(rng, (4,), dtype, 0.5, 3.0)
            check(lambda i, t, p: loss(i, t, pos_weight=p, reduction=reduction), [x, y, pos_weight], grad=(0,), **tol)


# ---- optimizers and training -------------------------------------------------------------------------------

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
]


def optimize(device, name, options, start, grads):
    params = [autocore.tensor(p, device=device, requires_grad=True) for p in start]
    optimizer = getattr(autocore.optim, name)(params, **options)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = autocore.tensor(g, device=device)
        optimizer.step()
    assert all(p.device.type == kind(device) for p in params)
    return [host(p) for p in params]


@requires_cuda
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=str)
def test_optimizer_steps_on_cuda_match_cpu(name, options, dtype):
    rng = np.random.default_rng(18)
    shapes = [(5, 3), (3,), (5000,)]
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(5)]
    expected, got = optimize("cpu", name, options, start, grads), optimize(CUDA, name, options, start, grads)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, **tol)


def train_mlp(device, steps=50):
    """The MLP, SGD with momentum built before the model moves (the parameters keep their identity), and
    `steps` full-batch steps; returns the losses and the model."""
    rng = np.random.default_rng(19)
    x, y = rng.normal(size=(64, 10)).astype(np.float32), rng.integers(0, 3, 64)
    autocore.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 3), nn.LogSoftmax(dim=1)
    )
    params = list(model.parameters())
    optimizer = autocore.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    assert model.to(device) is model
    assert all(a is b for a, b in zip(model.parameters(), params))
    inputs, targets = autocore.tensor(x, device=device), autocore.tensor(y, device=device)
    loss_fn, losses = nn.NLLLoss(), []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, model


@requires_cuda
def test_mlp_trains_on_cuda_as_on_the_cpu():
    expected, cpu_model = train_mlp("cpu")
    got, model = train_mlp(CUDA)
    assert all(p.is_cuda and p.grad.is_cuda for p in model.parameters())
    assert got[-1] < 0.7 * got[0]
    np.testing.assert_allclose(got, expected, rtol=1e-3)
    params = list(model.parameters())
    assert model.cpu() is model
    for p, q in zip(model.parameters(), cpu_model.parameters()):
        assert not p.is_cuda
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-3, atol=1e-4)
    assert model.cuda() is model and all(p.is_cuda for p in model.parameters())
    assert all(a is b for a, b in zip(model.parameters(), params))


class OnDevice:
    """A loader whose batches are moved to `device`: how a training loop feeds a GPU from CPU data."""

    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    def __iter__(self):
        return ((x.to(self.device), y.to(self.device)) for x, y in self.loader)


def titanic_accuracy(device):
    """autocore/examples/titanic.py with its model and batches on `device` (the example itself takes no
    device option)."""
    from autocore.examples._common import train
    from autocore.utils.data import DataLoader, TensorDataset

    autocore.manual_seed(0)
    data = autocore.datasets.load_titanic(seed=0)
    model = nn.Sequential(
        nn.Linear(data.x_train.shape[1], 32),
        nn.ReLU(),
        nn.Linear(32, 16),
        nn.ReLU(),
        nn.Linear(16, 2),
        nn.LogSoftmax(dim=1),
    ).to(device)
    optimizer = autocore.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=32, shuffle=True)
    train(model, nn.NLLLoss(), optimizer, OnDevice(loader, device), 60, "titanic")
    with autocore.no_grad():
        predictions = model(data.x_test.to(device)).argmax(1)
        return (predictions == data.y_test.to(device)).float().mean().item()


@pytest.mark.parametrize("device", ["cpu", pytest.param(CUDA, marks=requires_cuda)])
def test_titanic_example_meets_its_quality_bar(device):
    assert titanic_accuracy(device) >= 0.78  # tests/test_examples.py's bar


# ---- memory ------------------------------------------------------------------------------------------------

MiB = 1 << 20


@pytest.fixture
def quiet_gc():
    """No garbage collection (which could free unrelated device tensors) while memory is measured."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@requires_cuda
def test_memory_allocated_follows_tensor_lifetimes(quiet_gc):
    cuda = autocore.cuda
    cuda.empty_cache()  # so that no cached block (which may be larger than asked for) serves the request
    base = cuda.memory_allocated()
    x = autocore.empty(MiB, device=CUDA)  # 4 MiB of float32
    grown = cuda.memory_allocated() - base
    assert 4 * MiB <= grown <= 6 * MiB  # the allocator may round a block up
    assert cuda.max_memory_allocated() >= cuda.memory_allocated()
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    del x
    assert cuda.memory_allocated() == base
    small = autocore.ones(10, device=CUDA)
    assert 40 <= cuda.memory_allocated() - base <= MiB
    del small
    assert cuda.memory_allocated() == base


@requires_cuda
def test_freed_blocks_are_reused_and_empty_cache_returns_them(quiet_gc):
    cuda = autocore.cuda
    x = autocore.empty(3 * MiB, device=CUDA)
    del x
    reserved = cuda.memory_reserved()
    for _ in range(3):
        y = autocore.empty(3 * MiB, device=CUDA)
        assert cuda.memory_reserved() == reserved  # served from the cache
        del y
    cuda.empty_cache()
    assert cuda.memory_reserved() <= reserved - 12 * MiB
    assert cuda.memory_reserved() >= cuda.memory_allocated()


@requires_cuda
def test_peak_memory_is_tracked_and_reset(quiet_gc):
    cuda = autocore.cuda
    cuda.reset_peak_memory_stats()
    base = cuda.memory_allocated()
    assert cuda.max_memory_allocated() == base
    x = autocore.zeros(2 * MiB, device=CUDA)
    y = x + 1
    del x, y
    assert cuda.memory_allocated() == base
    assert cuda.max_memory_allocated() >= base + 16 * MiB
    cuda.reset_peak_memory_stats()
    assert cuda.max_memory_allocated() == base


# ---- errors and ops without a CUDA kernel ------------------------------------------------------------------


@requires_cuda
def test_mixing_devices_raises_like_pytorch():
    g, c = autocore.ones(3, device=CUDA), autocore.ones(3)
    mixed = [
        lambda: g + c,
        lambda: c * g,
        lambda: autocore.maximum(c, g),
        lambda: g.add_(c),
        lambda: autocore.ones(2, 3) @ autocore.ones(3, 2, device=CUDA),
        lambda: autocore.where(g > 0, g, c),
        lambda: F.cross_entropy(autocore.ones(2, 3, device=CUDA), autocore.tensor([0, 1])),
        lambda: F.linear(autocore.ones(2, 3, device=CUDA), autocore.ones(4, 3)),
    ]
    for op in mixed:
        with pytest.raises(RuntimeError, match=SAME_DEVICE):
            op()
    # a 0-d CPU tensor is a number to a CUDA op, as in PyTorch
    for result in (g + autocore.tensor(2.0), autocore.tensor(2.0) * g, g * autocore.tensor(3)):
        assert result.is_cuda
    np.testing.assert_array_equal(host(g - autocore.tensor(0.5)), np.full(3, 0.5, np.float32))


@requires_cuda
def test_device_errors():
    g = autocore.ones(3, device=CUDA)
    with pytest.raises(TypeError):
        g.numpy()
    with pytest.raises(RuntimeError):
        autocore.zeros(1, device="cuda:99")
    with pytest.raises(RuntimeError):
        autocore.ones(1).to("cuda:99")
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        autocore.ones(2, 3, device=CUDA) @ autocore.ones(2, 3, device=CUDA)


@requires_cuda
def test_layout_and_indexing_match_cpu():
    rng = np.random.default_rng(20)
    a, b = rand(rng, (2, 3), np.float32), rand(rng, (4, 3), np.float32)
    arrays = [a, b, np.array([2, 0, 2])]
    cases = [
        lambda x, y, i: autocore.cat([x, y]),
        lambda x, y, i: autocore.stack([x, y[:2]], 1),
        lambda x, y, i: y.index_select(0, i),
        lambda x, y, i: autocore.cat([y, y], 1).sum(),
        lambda x, y, i: y[i],
        lambda x, y, i: y[y > 0],
        lambda x, y, i: y[1:, ::2][i[:2]],
    ]
    for fn in cases:  # values, and gradients for y through the scatter-add backwards
        expected, got = run_on("cpu", fn, arrays, grad=(1,)), run_on(CUDA, fn, arrays, grad=(1,))
        assert not isinstance(expected, Exception), expected
        if isinstance(got, Exception):
            raise got
        assert_close(got, expected)
    with pytest.raises(IndexError, match="index out of range"):
        autocore.ones(3, device=CUDA).index_select(0, autocore.tensor([3], device=CUDA))


NARROW = ["int8", "uint8", "int16", "int32", "float16", "bfloat16"]
EVERY_DTYPE = NARROW + ["bool", "int64", "float32", "float64"]


def narrow_dtype_results(device):
    """The narrow dtypes' device paths: casts between every pair, elementwise ops (widened, rounded back once),
    reductions, masks, gathers, the accumulating writes (CUDA: compare-and-swap on the enclosing word for the 1-
    and 2-byte types), the integer and half products and a half optimizer step; each result on the CPU as
    {case: (dtype name, float64 values)}."""
    rng = np.random.default_rng(21)
    values = rng.integers(0, 50, (4, 6))
    results = {}

    def keep(name, t):
        results[name] = (str(t.dtype), t.cpu().to(autocore.float64).numpy())

    for src in EVERY_DTYPE:
        x = autocore.tensor(values, device=device).to(getattr(autocore, src))
        for dst in EVERY_DTYPE:
            keep(f"{src}->{dst}", x[:, ::2].to(getattr(autocore, dst)))
    for name in NARROW:
        dtype = getattr(autocore, name)
        x = autocore.tensor(values, device=device).to(dtype)
        row = autocore.tensor(values[0], device=device).to(dtype)
        index = autocore.tensor([0, 2, 0, 3], device=device)
        keep(f"{name} x + row", x + row)
        keep(f"{name} x * 3", x * 3)
        keep(f"{name} x < row", x < row)
        keep(f"{name} where", autocore.where(x > 20, x, row))
        keep(f"{name} sum", x.sum(1))
        keep(f"{name} amax", x.amax(0))
        keep(f"{name} x[mask]", x[x > 10])
        keep(f"{name} x[index]", x[index])
        keep(f"{name} gather", x.gather(1, index[:, None].expand(4, 2)))
        written = x.clone()
        written[written > 30] = 7
        keep(f"{name} x[mask] = 7", written)
        accumulated = autocore.zeros(5, dtype=dtype, device=device)
        accumulated.index_put_((index,), x[:, 0], accumulate=True)
        keep(f"{name} index_put_ accumulate", accumulated)
        keep(
            f"{name} scatter_add",
            autocore.zeros(4, 6, dtype=dtype, device=device).scatter_add(0, index[:, None].expand(4, 6), x),
        )
        keep(f"{name} matmul", x @ x.t())
    half = autocore.tensor(values[0] / 7, device=device).to(autocore.float16).requires_grad_()
    half.grad = autocore.tensor(values[1] / 9, device=device).to(autocore.float16)
    autocore.optim.Adam([half], lr=0.1).step()
    keep("float16 Adam step", half.detach())
    return results


@requires_cuda
def test_narrow_dtypes_match_cpu():
    expected, got = narrow_dtype_results("cpu"), narrow_dtype_results(CUDA)
    for case, (dtype, values) in expected.items():
        assert got[case][0] == dtype, case
        if "sum" in case and ("float16" in case or "bfloat16" in case):  # the order of the float32 accumulation
            np.testing.assert_allclose(got[case][1], values, rtol=1e-2, err_msg=case)
        else:
            np.testing.assert_array_equal(got[case][1], values, err_msg=case)


@requires_cuda
def test_dlpack_shares_device_memory_with_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity checks skipped")
    if not torch.cuda.is_available():
        pytest.skip("this PyTorch has no CUDA")
    a = autocore.arange(6.0, device=CUDA).reshape(2, 3) * 2
    t = torch.from_dlpack(a)
    assert t.device.type == "cuda" and t.data_ptr() == a.data_ptr()
    np.testing.assert_array_equal(t.cpu().numpy(), np.arange(6.0).reshape(2, 3) * 2)
    back = autocore.from_dlpack(torch.arange(4.0, device="cuda") + 1)
    assert back.is_cuda
    np.testing.assert_array_equal(host(back), [1.0, 2.0, 3.0, 4.0])


@requires_cuda
def test_save_and_load_keep_devices_and_honour_map_location(tmp_path):
    path = str(tmp_path / "gpu.ac")
    model = nn.Linear(3, 2).cuda()
    autocore.save(model.state_dict(), path)
    state = autocore.load(path)
    assert all(t.is_cuda for t in state.values())
    on_cpu = autocore.load(path, map_location="cpu")
    assert all(t.device == "cpu" for t in on_cpu.values())
    np.testing.assert_array_equal(host(state["weight"]), on_cpu["weight"].numpy())
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(on_cpu)
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), host(model.weight))


@requires_cuda
def test_python_m_autocore_checks_a_gpu_matmul():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "autocore"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "on " in result.stdout and "-> ok" in result.stdout.split("float32 on")[-1]
