"""Optimizer steps against numpy transcriptions of PyTorch's single-tensor (foreach=False) update rules
over several steps, against torch.optim itself when installed, on many small tensors at once (size-0
and size-1 included), both float dtypes, strided params, and mismatched inputs."""

import numpy as np
import pytest

from autocore import _C

from conftest import noncontiguous, tensor, torch_or_skip

FLOATS = [np.float32, np.float64]
SHAPES = [(3, 4), (5,), (), (0,), (1,), (2, 3, 2), (1, 1)]
STEPS = 5


def tol(dtype):
    return dict(rtol=2e-6, atol=2e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-14)


def lerp(start, end, weight):
    """PyTorch's lerp: exact at both ends, the formula switching at |weight| = 0.5."""
    w = np.asarray(weight, start.dtype)
    return start + w * (end - start) if abs(w) < 0.5 else end - (end - start) * (1 - w)


# Numpy transcriptions of torch/optim/*.py's _single_tensor_* bodies. Python floats combine with arrays
# as weak scalars (NEP 50), so they are rounded to the array's dtype, as PyTorch's scalar arguments are.
def ref_sgd(p, g, s, step, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        if step == 1:
            s["buf"] = g.copy()
        else:
            s["buf"] = s["buf"] * momentum + (1 - dampening) * g
        g = g + momentum * s["buf"] if nesterov else s["buf"]
    p[...] = p + (-lr) * g


def ref_adam(
    p,
    g,
    s,
    step,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled_weight_decay=False,
):
    g = -g if maximize else g
    if weight_decay != 0:
        if decoupled_weight_decay:
            p[...] = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    s["exp_avg"] = lerp(s["exp_avg"], g, 1 - beta1)
    s["exp_avg_sq"] = s["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    if amsgrad:
        s["max_exp_avg_sq"] = np.maximum(s["max_exp_avg_sq"], s["exp_avg_sq"])
        denom = np.sqrt(s["max_exp_avg_sq"]) / bias_correction2_sqrt + eps
    else:
        denom = np.sqrt(s["exp_avg_sq"]) / bias_correction2_sqrt + eps
    p[...] = p + (-step_size) * (s["exp_avg"] / denom)


def ref_adagrad(p, g, s, step, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False):
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    clr = lr / (1 + (step - 1) * lr_decay)
    s["sum"] = s["sum"] + g * g
    p[...] = p + (-clr) * (g / (np.sqrt(s["sum"]) + eps))


def ref_adadelta(p, g, s, step, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    s["square_avg"] = s["square_avg"] * rho + (1 - rho) * g * g
    std = np.sqrt(s["square_avg"] + eps)
    delta = np.sqrt(s["acc_delta"] + eps) / std * g
    s["acc_delta"] = s["acc_delta"] * rho + (1 - rho) * delta * delta
    p[...] = p + (-lr) * delta


def ref_rmsprop(
    p, g, s, step, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    s["square_avg"] = s["square_avg"] * alpha + (1 - alpha) * g * g
    if centered:
        s["grad_avg"] = lerp(s["grad_avg"], g, 1 - alpha)
        avg = np.sqrt(s["square_avg"] + (-1) * s["grad_avg"] * s["grad_avg"])
    else:
        avg = np.sqrt(s["square_avg"])
    avg = avg + eps
    if momentum > 0:
        s["buf"] = s["buf"] * momentum + g / avg
        p[...] = p + (-lr) * s["buf"]
    else:
        p[...] = p + (-lr) * (g / avg)


# name -> (state buffer names in _C argument order, numpy reference, torch.optim class, how our kwargs map to it)
RULES = {
    "sgd": (["buf"], ref_sgd, "SGD", {}),
    "adam": (["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], ref_adam, "Adam", {"beta1": None, "beta2": None}),
    "adagrad": (["sum"], ref_adagrad, "Adagrad", {}),
    "adadelta": (["square_avg", "acc_delta"], ref_adadelta, "Adadelta", {}),
    "rmsprop": (["square_avg", "buf", "grad_avg"], ref_rmsprop, "RMSprop", {}),
}
CONFIGS = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.1, momentum=0.9)),
    ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("sgd", dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True, maximize=True)),
    ("adam", dict(lr=0.01)),
    ("adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("adam", dict(lr=0.01, beta1=0.5, beta2=0.6, eps=1e-3, maximize=True)),
    ("adam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True)),
    ("adam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True, amsgrad=True, maximize=True)),
    ("adagrad", dict(lr=0.1)),
    ("adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, eps=1e-4, maximize=True)),
    ("adadelta", dict()),
    ("adadelta", dict(lr=0.5, rho=0.7, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("rmsprop", dict()),
    ("rmsprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("rmsprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("rmsprop", dict(lr=0.01, alpha=0.8, centered=True, momentum=0.9, maximize=True, eps=1e-3)),
]


def call_ours(name, params, grads, states, step, config, dtype=None):
    """One _C step; params, grads and states are numpy arrays updated in place: through shared memory, or in a half
    `dtype` (the arrays float32, holding its values) through copies written back."""
    made = []

    def t(arrays):
        made.extend((a, tensor(a) if dtype is None else tensor(a).to_dtype(dtype)) for a in arrays)
        return [c for _, c in made[len(made) - len(arrays) :]]

    P, G = t(params), t(grads)
    S = [t([s[k] for s in states]) for k in RULES[name][0]]
    if name == "sgd":
        _C.sgd_(P, G, S[0], first_step=step == 1, **config)
    elif name == "adam":
        _C.adam_(P, G, S[0], S[1], S[2], step, **config)
    elif name == "adagrad":
        _C.adagrad_(P, G, S[0], step, **config)
    elif name == "adadelta":
        _C.adadelta_(P, G, S[0], S[1], **config)
    else:
        _C.rmsprop_(P, G, S[0], S[1], S[2], **config)
    if dtype is not None:
        for array, copy in made:
            array[...] = copy.to_dtype(_C.DType.float32).numpy()


def make_problem(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(STEPS)]
    return params, grads


def zero_states(name, params):
    return [{k: np.zeros_like(p) for k in RULES[name][0]} for p in params]


@pytest.mark.parametrize("name,config", CONFIGS, ids=lambda v: str(v) if isinstance(v, dict) else v)
@pytest.mark.parametrize("dtype", FLOATS)
def test_matches_numpy_transcription_of_pytorch(isa, name, config, dtype):
    params, grads = make_problem(SHAPES, dtype)
    ours, ref = [p.copy() for p in params], [p.copy() for p in params]
    our_states, ref_states = zero_states(name, params), zero_states(name, params)
    for step in range(1, STEPS + 1):
        call_ours(name, ours, grads[step - 1], our_states, step, config)
        for p, g, s in zip(ref, grads[step - 1], ref_states):
            RULES[name][1](p, g, s, step, **config)
    for mine, theirs, s_mine, s_theirs in zip(ours, ref, our_states, ref_states):
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, theirs, **tol(dtype))
        for key in s_theirs:
            used = key != "max_exp_avg_sq" or config.get("amsgrad", False)
            used &= key != "grad_avg" or config.get("centered", False)
            used &= key != "buf" or config.get("momentum", 0) > 0
            if used:
                np.testing.assert_allclose(s_mine[key], s_theirs[key], **tol(dtype))


@pytest.mark.parametrize("name,config", CONFIGS, ids=lambda v: str(v) if isinstance(v, dict) else v)
@pytest.mark.parametrize("dtype", FLOATS)
def test_matches_torch_optim(name, config, dtype):
    torch = torch_or_skip()
    params, grads = make_problem(SHAPES, dtype, seed=1)
    ours = [p.copy() for p in params]
    states = zero_states(name, params)
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    kwargs = dict(config)
    if name == "adam":
        kwargs["betas"] = (kwargs.pop("beta1", 0.9), kwargs.pop("beta2", 0.999))
        cls = torch.optim.AdamW if kwargs.pop("decoupled_weight_decay", False) else torch.optim.Adam
        if cls is torch.optim.AdamW:
            kwargs.setdefault("weight_decay", 0.0)
    else:
        cls = getattr(torch.optim, RULES[name][2])
    optimizer = cls(theirs, foreach=False, **kwargs)
    for step in range(1, STEPS + 1):
        call_ours(name, ours, grads[step - 1], states, step, config)
        for p, g in zip(theirs, grads[step - 1]):
            p.grad = torch.tensor(g)
        optimizer.step()
    for mine, p in zip(ours, theirs):
        np.testing.assert_allclose(mine, p.detach().numpy(), **tol(dtype))


@pytest.mark.parametrize("name,config", CONFIGS, ids=lambda v: str(v) if isinstance(v, dict) else v)
def test_every_isa_gives_the_same_bits(name, config):
    """A rule rounds as written on every instruction set: the compiler may not fuse a * b + c where the ISA has FMA
    (SGD's momentum differed between the baseline and AVX2 builds before)."""
    params, grads = make_problem(SHAPES + [(999,)], np.float32, seed=4)
    default, results = _C.active_isa(), []
    try:
        for isa in [isa for isa in ("baseline", "avx2", "avx512") if _C.isa_supported(isa)]:
            _C.set_active_isa(isa)
            ours, states = [p.copy() for p in params], zero_states(name, params)
            for step in range(1, STEPS + 1):
                call_ours(name, ours, grads[step - 1], states, step, config)
            results.append(np.concatenate([p.ravel() for p in ours]))
    finally:
        _C.set_active_isa(default)
    for other in results[1:]:
        np.testing.assert_array_equal(other.view(np.uint32), results[0].view(np.uint32))


def round_to(half, values):
    """float32 values rounded to float16 or bfloat16 (to nearest, ties to even), as float32."""
    values = np.asarray(values, np.float32)
    if half == "float16":
        return np.array(values.astype(np.float16), np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    return np.array(((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)).view(np.float32)


@pytest.mark.parametrize("name,config", CONFIGS, ids=lambda v: str(v) if isinstance(v, dict) else v)
@pytest.mark.parametrize("half", ["float16", "bfloat16"])
def test_half_params_step_in_float32_rounding_once(isa, name, config, half):
    """float16 and bfloat16 params and state: each step is the float32 rule on their values, the param and state
    rounded back once, as PyTorch's fused steps compute these dtypes. Within one rounding of the transcription (a
    float32 result within an ulp of a rounding boundary may round either way)."""
    params, grads = make_problem(SHAPES + [(1000,)], np.float32, seed=3)
    params = [round_to(half, p) for p in params]
    grads = [[round_to(half, g) for g in step] for step in grads]
    ours, ref = [p.copy() for p in params], [p.copy() for p in params]
    our_states, ref_states = zero_states(name, params), zero_states(name, params)
    for step in range(1, STEPS + 1):
        call_ours(name, ours, grads[step - 1], our_states, step, config, dtype=getattr(_C.DType, half))
        for p, g, s in zip(ref, grads[step - 1], ref_states):
            RULES[name][1](p, g, s, step, **config)
            p[...] = round_to(half, p)
            for key in s:
                s[key] = round_to(half, s[key])
    eps = 2.0**-10 if half == "float16" else 2.0**-7
    for mine, theirs in zip(ours, ref):
        assert np.array_equal(mine, round_to(half, mine))  # values of the half dtype
        np.testing.assert_allclose(mine, theirs, rtol=eps, atol=1e-6)
    mine, theirs = (np.concatenate([p.ravel() for p in ps]) for ps in (ours, ref))
    assert (mine != theirs).sum() <= mine.size // 100  # the rare boundary cases only: no rounding in between


@pytest.mark.skipif(not _C.has_openmp, reason="built without OpenMP")
@pytest.mark.parametrize(
    "name,config", [c for c in CONFIGS if c[0] == "adam"][:2] + [c for c in CONFIGS if c[0] == "rmsprop"][:2]
)
def test_threads_split_inside_and_across_tensors_without_changing_results(name, config):
    shapes = [(40001,), (3,), (0,), (50000,), (1,), (123, 45)]
    params, grads = make_problem(shapes, np.float32, seed=2)
    threads = _C.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            _C.set_num_threads(n)
            ours = [p.copy() for p in params]
            states = zero_states(name, params)
            for step in range(1, 3):
                call_ours(name, ours, grads[step - 1], states, step, config)
            results.append(ours)
    finally:
        _C.set_num_threads(threads)
    ref = [p.copy() for p in params]
    ref_states = zero_states(name, params)
    for step in range(1, 3):
        for p, g, s in zip(ref, grads[step - 1], ref_states):
            RULES[name][1](p, g, s, step, **config)
    for one, two, expected in zip(*results, ref):
        np.testing.assert_array_equal(one, two)
        np.testing.assert_allclose(one, expected, **tol(np.float32))


def test_many_small_tensors_of_both_dtypes_in_one_call(isa):
    rng = np.random.default_rng(3)
    shapes = [tuple(rng.integers(0, 4, size=rng.integers(0, 3))) for _ in range(200)]
    params = [rng.standard_normal(s).astype(FLOATS[i % 2]) for i, s in enumerate(shapes)]
    grads = [rng.standard_normal(s).astype(FLOATS[i % 2]) for i, s in enumerate(shapes)]
    ours, ref = [p.copy() for p in params], [p.copy() for p in params]
    states, ref_states = zero_states("adam", params), zero_states("adam", params)
    call_ours("adam", ours, grads, states, 1, dict(lr=0.1, weight_decay=0.01))
    for p, g, s in zip(ref, grads, ref_states):
        ref_adam(p, g, s, 1, lr=0.1, weight_decay=0.01)
    for mine, theirs in zip(ours, ref):
        np.testing.assert_allclose(mine, theirs, **tol(mine.dtype))


def test_strided_params_and_states_are_updated_in_place():
    rng = np.random.default_rng(4)
    base = rng.standard_normal((6, 8))
    grad = rng.standard_normal((6, 8))
    param_view = noncontiguous(base)
    buf_storage = np.zeros((6, 16))
    buf_view = buf_storage[:, ::2]
    expected, state = np.array(param_view), {}
    for step in (1, 2):
        _C.sgd_(
            [tensor(param_view)],
            [tensor(noncontiguous(grad))],
            [tensor(buf_view)],
            lr=0.1,
            momentum=0.9,
            first_step=step == 1,
        )
        ref_sgd(expected, grad, state, step, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(param_view, expected, rtol=1e-14)
    np.testing.assert_allclose(buf_view, state["buf"], rtol=1e-14)
    assert not buf_storage[:, 1::2].any()


def test_sgd_without_momentum_needs_no_buffers():
    p, g = np.ones(3), np.full(3, 2.0)
    _C.sgd_([tensor(p)], [tensor(g)], [], lr=0.5)
    np.testing.assert_array_equal(p, [0.0, 0.0, 0.0])


def test_mismatched_inputs_raise_before_touching_memory():
    p = [np.ones((2, 3)), np.ones(4)]
    g = [np.ones((2, 3)), np.ones(4)]
    m = [np.zeros((2, 3)), np.zeros(4)]
    T = lambda arrays: [tensor(a) for a in arrays]
    adam = lambda P, G, M, V, **kw: _C.adam_(T(P), T(G), T(M), T(V), [], 1, **kw)
    with pytest.raises(RuntimeError, match=r"expected as many grads as params \(2\), got 1"):
        adam(p, g[:1], m, m)
    with pytest.raises(RuntimeError, match=r"exp_avg_sqs\[1\] has shape \[5\] but params\[1\] has shape \[4\]"):
        adam(p, g, m, [np.zeros((2, 3)), np.zeros(5)])
    with pytest.raises(RuntimeError, match=r"grads\[0\] has dtype float32 but params\[0\] has dtype float64"):
        adam(p, [g[0].astype(np.float32), g[1]], m, m)
    with pytest.raises(RuntimeError, match=r"params\[0\] must be a floating point tensor, got int64"):
        _C.sgd_([tensor(np.ones(3, np.int64))], [tensor(np.ones(3, np.int64))], [], lr=0.1)
    with pytest.raises(RuntimeError, match=r"expected as many max_exp_avg_sqs as params"):
        _C.adam_(T(p), T(g), T(m), T(m), [], 1, amsgrad=True)
    with pytest.raises(RuntimeError, match=r"momentum_buffers\[1\] has shape"):
        _C.sgd_(T(p), T(g), T([m[0], np.zeros(3)]), lr=0.1, momentum=0.9)
    with pytest.raises(RuntimeError, match="step"):
        _C.adam_(T(p), T(g), T(m), T(m), [], 0)
    with pytest.raises(RuntimeError):
        _C.sgd_([tensor(np.ones(3)).expand([2, 3])], [tensor(np.ones((2, 3)))], [], lr=0.1)
    np.testing.assert_array_equal(p[0], np.ones((2, 3)))  # nothing was written by the failed calls
    np.testing.assert_array_equal(m[1], np.zeros(4))


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda P: _C.sgd_(P, P, [], lr=-1), "Invalid learning rate: -1"),
        (lambda P: _C.sgd_(P, P, P, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda P: _C.sgd_(P, P, P, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda P: _C.adam_(P, P, P, P, [], 1, beta1=1.0), "Invalid beta parameter at index 0: 1"),
        (lambda P: _C.adam_(P, P, P, P, [], 1, beta2=-0.1), "Invalid beta parameter at index 1: -0.1"),
        (lambda P: _C.adam_(P, P, P, P, [], 1, eps=-1e-8), "Invalid epsilon value"),
        (lambda P: _C.adam_(P, P, P, P, [], 1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda P: _C.adagrad_(P, P, P, 1, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda P: _C.adadelta_(P, P, P, P, rho=1.5), "Invalid rho value: 1.5"),
        (lambda P: _C.rmsprop_(P, P, P, [], [], alpha=-1), "Invalid alpha value: -1"),
    ],
)
def test_invalid_hyper_parameters_raise_value_error_like_torch(call, message):
    P = [tensor(np.ones(2))]
    with pytest.raises(ValueError, match=message):
        call(P)
