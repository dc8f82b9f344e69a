"""Property-based fuzzing of the layout ops (view, reshape, flatten, permute, transpose, t/T/mT, squeeze,
unsqueeze, expand), indexing (ints, slices, None, ..., index tensors and lists, bool masks), index_select,
cat, stack, dtype casts and the factories, against PyTorch: values, dtype, shape, and for the view ops the
strides (a view that copies, or strides computed differently, shows there). PyTorch only: numpy's rules
for these differ too often to serve."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from test_fuzz import (
    BFLOAT16,
    DTYPES,
    FLOATS,
    NUMBERS,
    SIDES,
    check,
    fuzz,
    needs_torch,
    operands,
    reproducer_tests,
    shapes,
    torch,
)

pytestmark = needs_torch


def with_strides(t):
    """t and its strides where they mean something: dims of size 0 or 1 may have any stride."""
    numel = int(np.prod(t.shape))
    return t, np.array([s if n > 1 and numel else 0 for n, s in zip(t.shape, t.stride())], np.int64)


@st.composite
def target_shapes(draw, shape):
    """A shape for view/reshape: shape's sides shuffled and regrouped, maybe with a -1 or extra 1s (mostly
    valid), or any shape at all (mostly not)."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.lists(st.sampled_from([-1, 0, 1, 2, 3, 4, 6]), max_size=4).map(tuple))
    out = []
    for side in draw(st.permutations(shape)):
        if out and draw(st.booleans()):
            out[-1] *= side
        else:
            out.append(side)
    if draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), 1)
    if out and draw(st.booleans()):
        out[draw(st.integers(0, len(out) - 1))] = -1
    return tuple(out)


def dim_in(ndim, extra=1):
    return st.integers(-ndim - extra, ndim + extra - 1)


VIEWS = {  # name: a strategy for the arguments, given the shape; call(m, t, args)
    "view": (lambda s: target_shapes(s), lambda m, t, a: t.view(*a) if a else t.view(())),
    "reshape": (lambda s: target_shapes(s), lambda m, t, a: m.reshape(t, a)),
    "flatten": (lambda s: st.tuples(dim_in(len(s)), dim_in(len(s))), lambda m, t, a: m.flatten(t, *a)),
    "permute": (
        lambda s: st.one_of(st.permutations(range(len(s))), st.lists(dim_in(len(s)), max_size=5)),
        lambda m, t, a: t.permute(*a) if a else t.permute(()),
    ),
    "transpose": (lambda s: st.tuples(dim_in(len(s)), dim_in(len(s))), lambda m, t, a: m.transpose(t, *a)),
    "t": (lambda s: st.none(), lambda m, t, a: t.t()),
    "T": (lambda s: st.none(), lambda m, t, a: t.T),
    "mT": (lambda s: st.none(), lambda m, t, a: t.mT),
    "squeeze": (
        lambda s: st.one_of(st.none(), dim_in(len(s)), st.lists(dim_in(len(s)), max_size=3).map(tuple)),
        lambda m, t, a: t.squeeze() if a is None else m.squeeze(t, a),
    ),
    "unsqueeze": (lambda s: dim_in(len(s), 2), lambda m, t, a: m.unsqueeze(t, a)),
    "expand": (
        lambda s: st.lists(st.sampled_from([-1, 0, 1, 2, 3, 5]), min_size=max(len(s) - 1, 0), max_size=len(s) + 2).map(
            tuple
        ),
        lambda m, t, a: t.expand(a),
    ),
    "contiguous": (lambda s: st.none(), lambda m, t, a: t.contiguous()),
    "clone": (lambda s: st.none(), lambda m, t, a: t.clone()),  # (strides: PyTorch's clone keeps a dense layout's)
}


@pytest.mark.parametrize("name", sorted(VIEWS))
@fuzz(60)
@given(data=st.data())
def test_views(name, data):
    arguments, call = VIEWS[name]
    x = data.draw(operands(data.draw(shapes())))
    args = data.draw(arguments(x.values.shape))
    if name == "expand" and data.draw(st.booleans()):  # mostly the sides that may be expanded: 1s, and -1
        args = tuple(-1 if s != 1 or data.draw(st.booleans()) else 3 for s in x.values.shape)
    keep = with_strides if name != "clone" else lambda t: t
    check(data, "layout", name, lambda m: keep(call(m, x.build(m), args)), (x, args), mode="bits")


class IndexTensor:
    """An index tensor (int64 or bool) in an indexing expression; made for each library when the
    expression is."""

    def __init__(self, values):
        self.values = values

    def __repr__(self):
        return f"IndexTensor(np.array({self.values.tolist()!r}, np.{self.values.dtype}))"


@st.composite
def index_parts(draw, side):
    """One part of an index for a dim of this size, in range or just past it."""
    position = st.integers(-side - 1, side)
    bound = st.one_of(st.none(), st.integers(-side - 2, side + 2))
    return draw(
        st.one_of(
            position,
            st.none(),
            st.just(Ellipsis),
            st.builds(slice, bound, bound, st.sampled_from([None, 1, 2, 3, -1, 0])),
            st.lists(position, max_size=3),
            st.lists(position, max_size=4).map(lambda v: IndexTensor(np.array(v, np.int64))),
            st.lists(st.booleans(), min_size=side, max_size=side + draw(st.sampled_from([0, 0, 0, 1]))).map(
                lambda v: IndexTensor(np.array(v, np.bool_))
            ),
        )
    )


def _index_for(m, index):
    made = tuple(m.from_numpy(p.values.copy()) if isinstance(p, IndexTensor) else p for p in index)
    return made[0] if len(made) == 1 else made


@fuzz(200)
@given(data=st.data())
def test_getitem(data):
    x = data.draw(operands(data.draw(shapes(max_dims=4))))
    sides = x.values.shape + (3,)  # and one part past the last dim
    index = tuple(data.draw(index_parts(side)) for side in sides[: data.draw(st.integers(1, len(sides)))])
    if index.count(Ellipsis) > 1:  # PyTorch takes x[..., ...]; autocore follows numpy, which refuses it
        return
    advanced = any(isinstance(p, (list, IndexTensor)) for p in index)

    def run(m):
        out = x.build(m)[_index_for(m, index)]
        return out if advanced else with_strides(out)

    def reference():
        """PyTorch's answer; for an empty result it skips the bounds check, which numpy (whose rules autocore's
        indexing follows) makes: an index numpy finds out of range must raise IndexError."""
        out = run(torch)
        if out[0].numel() == 0 if isinstance(out, tuple) else out.numel() == 0:
            x.values[tuple(p.values if isinstance(p, IndexTensor) else p for p in index)]
        return out

    check(data, "indexing", "getitem", run, (x, index), reference=reference, mode="bits")


@fuzz(60)
@given(data=st.data())
def test_index_select(data):
    x = data.draw(operands(data.draw(shapes(max_dims=4))))
    dim = data.draw(dim_in(x.values.ndim))
    side = x.values.shape[dim] if -x.values.ndim <= dim < x.values.ndim else 1
    index = data.draw(
        operands(data.draw(st.sampled_from([(), (0,), (1,), (3,), (2, 2)])), np.int64, elements=st.integers(-1, side))
    )
    check(
        data,
        "indexing",
        "index_select",
        lambda m: x.build(m).index_select(dim, index.build(m)),
        (x, dim, index),
        mode="bits",
    )


@pytest.mark.parametrize("name", ["cat", "stack"])
@fuzz(80)
@given(data=st.data(), count=st.integers(0, 3))
def test_cat_and_stack(name, data, count):
    """Equal shapes but for the cat dim (sometimes not), mixed dtypes, and cat's legacy 1-D empty tensor."""
    shape = data.draw(shapes(max_dims=4))
    dim = data.draw(dim_in(len(shape) + (name == "stack")))
    parts = []
    for _ in range(count):
        own = list(shape)
        if own and (name == "cat" or not data.draw(st.integers(0, 5))):
            own[dim % len(own) if data.draw(st.integers(0, 5)) else data.draw(st.integers(0, len(own) - 1))] = (
                data.draw(SIDES)
            )
        parts.append(data.draw(operands(tuple(own) if data.draw(st.integers(0, 9)) else (0,))))
    fn = (lambda m: m.cat) if name == "cat" else (lambda m: m.stack)
    check(data, "layout", name, lambda m: fn(m)([p.build(m) for p in parts], dim), (parts, dim), mode="bits")


@fuzz(80)
@given(data=st.data(), target=DTYPES, how=st.sampled_from(["to", "method"]))
def test_casts(data, target, how):
    """Float to an integer dtype is checked where the value fits int64 (int32 for the narrower ones: PyTorch
    goes through int32, and elsewhere C++ and PyTorch leave it undefined)."""
    x = data.draw(operands(data.draw(shapes())))
    names = {np.float32: "float", np.float64: "double", np.int64: "long", np.bool_: "bool", np.int32: "int"}
    names.update({np.int16: "short", np.int8: "char", np.uint8: "byte", np.float16: "half", BFLOAT16: "bfloat16"})
    dtype_names = {np.int8: "int8", np.uint8: "uint8"}  # (there is no torch.char or torch.byte)

    def run(m):
        t = x.build(m)
        return t.to(getattr(m, dtype_names.get(target, names[target]))) if how == "to" else getattr(t, names[target])()

    undefined = None
    if target not in FLOATS and target != np.bool_ and x.dtype in FLOATS:
        v, limit = x.values.astype(np.float64), 2.0**63 if target == np.int64 else 2.0**31
        undefined = np.where(np.isfinite(v) & (np.abs(v) < limit), 0.0, np.inf)
    check(
        data,
        "layout",
        f"cast to {names[target]}",
        run,
        (x, target),
        mode="bits",
        slack=None if undefined is None else (lambda: undefined),
    )


# ---- factories -------------------------------------------------------------------------------------

SMALL = st.one_of(st.integers(-4, 6), st.floats(-4, 6), st.sampled_from([0.1, 0.3, 1e-3, float("inf"), float("nan")]))
FACTORY_DTYPES = st.sampled_from([None, "float32", "float64", "int64", "bool"])
DATA = st.one_of(NUMBERS, st.sampled_from([2**63, -(2**63) - 1]))  # for tensor(): ints int64 can't hold, too


def _dtype(m, name):
    return None if name is None else getattr(m, name)


FACTORIES = {  # name: (arguments strategy, call(m, args, dtype))
    "arange": (st.tuples(SMALL, SMALL, st.one_of(st.just(1), SMALL)), lambda m, a, d: m.arange(*a, dtype=_dtype(m, d))),
    "arange_end": (SMALL, lambda m, a, d: m.arange(a, dtype=_dtype(m, d))),
    "linspace": (st.tuples(SMALL, SMALL, st.integers(-1, 7)), lambda m, a, d: m.linspace(*a, dtype=_dtype(m, d))),
    "full": (st.tuples(shapes(max_dims=3), NUMBERS), lambda m, a, d: m.full(a[0], a[1], dtype=_dtype(m, d))),
    "zeros": (st.lists(st.integers(-1, 3), max_size=3).map(tuple), lambda m, a, d: m.zeros(a, dtype=_dtype(m, d))),
    "ones": (shapes(max_dims=3), lambda m, a, d: m.ones(a, dtype=_dtype(m, d))),
    "eye": (st.tuples(st.integers(-1, 4), st.integers(-1, 4)), lambda m, a, d: m.eye(*a, dtype=_dtype(m, d))),
    "tensor": (
        st.one_of(
            DATA,
            shapes(max_dims=3).flatmap(  # nested lists of mixed numbers, rectangular
                lambda s: st.lists(DATA, min_size=int(np.prod(s)), max_size=int(np.prod(s))).map(
                    lambda v: np.array(v, dtype=object).reshape(s).tolist()
                )
            ),
        ),
        lambda m, a, d: m.tensor(a, dtype=_dtype(m, d)),
    ),
    "randn": (shapes(max_dims=3), lambda m, a, d: m.zeros_like(m.randn(a, dtype=_dtype(m, d)))),
    "randint": (
        st.tuples(st.integers(-3, 3), st.integers(-3, 3), shapes(max_dims=3)),
        lambda m, a, d: m.zeros_like(m.randint(a[0], a[1], a[2], dtype=_dtype(m, d))),
    ),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@fuzz(60)
@given(data=st.data(), dtype=FACTORY_DTYPES)
def test_factories(name, data, dtype):
    """Values, and the dtype each infers from its arguments; the random ones by shape and dtype alone."""
    arguments, call = FACTORIES[name]
    args = data.draw(arguments)
    if name == "arange":  # a tiny step over a finite range asks for gigabytes, from PyTorch and autocore alike
        with np.errstate(all="ignore"):
            count = np.float64(args[1] - args[0]) / np.float64(args[2]) if args[2] else np.nan
        assume(not np.isfinite(count) or abs(count) <= 1e6)
    ends = [abs(float(v)) for v in (args if isinstance(args, tuple) else [args])[:2] if isinstance(v, (int, float))]
    # start + i * step cancels near 0: an error of eps (|start| + |end|), whichever way it is computed
    slack = 4 * np.finfo(np.float32 if dtype != "float64" else np.float64).eps * sum(e for e in ends if e < np.inf)
    check(
        data,
        "factories",
        name,
        lambda m: call(m, args, dtype),
        (args, dtype),
        ulps=4,
        slack=(lambda: slack) if name in ("arange", "arange_end", "linspace") else None,
    )


KNOWN = {  # minimal cases of the bugs the properties above found: name: (run, mode, what is wrong)
}


FIXED = {  # minimal cases of bugs found and fixed, kept as regression tests: name: (run, mode, what was wrong)
    "zeros(1, 5, 0, 1)[[-1], ..., empty mask]": (
        lambda m: m.zeros(1, 5, 0, 1)[[-1], ..., m.tensor([], dtype=m.bool)],
        "bits",
        "a result: numpy checks no mask over an empty array",
    ),
    "zeros(5, 0)[5, [], ::0]": (
        lambda m: m.zeros(5, 0)[5, [], ::0],
        "bits",
        "ValueError for the step (PyTorch counts the indices first: IndexError)",
    ),
    "tensor(3.)[2::-1]": (
        lambda m: m.tensor(3.0)[2::-1],
        "bits",
        "IndexError (PyTorch checks a lone slice's step first: ValueError)",
    ),
    "arange(0, 5, inf, int64)": (
        lambda m: m.arange(0, 5, float("inf"), dtype=m.int64),
        "bits",
        "an empty result (PyTorch converts the step to int64 first: RuntimeError)",
    ),
    "tensor([[1], 2])": (lambda m: m.tensor([[1], 2]), "bits", "raised ValueError (PyTorch TypeError)"),
    "tensor([1.5, -2**63-1])": (
        lambda m: m.tensor([1.5, -(2**63) - 1]),
        "close",
        "TypeError 'Could not infer dtype of list' (PyTorch: float32)",
    ),
    "tensor([1, 2**63])": (lambda m: m.tensor([1, 2**63]), "bits", "float32 (PyTorch infers int64: ValueError)"),
    "tensor([[], [1]])": (
        lambda m: m.tensor([[], [1]]),
        "bits",
        "ValueError (PyTorch: sizes from the first elements, nothing stored when one is 0)",
    ),
    "tensor([None, 'a'])": (
        lambda m: m.tensor([None, "a"]),
        "bits",
        "TypeError (PyTorch's first bad element: RuntimeError)",
    ),
    "tensor([np.float64])": (
        lambda m: m.tensor([np.float64(1.5), 2]),
        "bits",
        "float32 (PyTorch keeps numpy's float64)",
    ),
    "linspace(4.55, 5.16, 6, int64)": (
        lambda m: m.linspace(4.551672921242888, 5.157069737343113, 6, dtype=m.int64),
        "bits",
        "[4, 4, 4, 4, 5, 5]: computed in double, then truncated (PyTorch truncates the ends first: [4, 4, 4, 4, 4, 5])",
    ),
    "linspace(1e30, 0.5, 0, int64)": (
        lambda m: m.linspace(1e30, 0.5, 0, dtype=m.int64),
        "bits",
        "zero steps convert nothing",
    ),
    "linspace(inf, 1, 1, int64)": (
        lambda m: m.linspace(float("inf"), 1, 1, dtype=m.int64),
        "bits",
        "one step fills with start, which int64 cannot hold",
    ),
    "index_select(dim 1, out of range)": (
        lambda m: m.zeros(2, 3).index_select(1, m.tensor(3)),
        "bits",
        "raised IndexError (PyTorch's dim-1 path: RuntimeError)",
    ),
    "index_select(empty, out of range)": (
        lambda m: m.zeros(3, 0).index_select(0, m.tensor([5])),
        "bits",
        "raised IndexError (PyTorch's empty-input path: RuntimeError)",
    ),
    "x[0, None, []]": (
        lambda m: m.zeros(1, 0)[0, None, []],
        "bits",
        "shape (0, 1): an int beside a list counted as an advanced index, as in numpy (PyTorch (1, 0))",
    ),
    "x[0, :, [0, 1]]": (
        lambda m: m.arange(24.0).reshape(2, 3, 4)[0, :, [0, 1]],
        "bits",
        "shape (2, 3), numpy's rule (PyTorch selects first: (3, 2))",
    ),
    "x[tensor(1), :, [0, 1]]": (
        lambda m: m.arange(24.0).reshape(2, 3, 4)[m.tensor(1), :, [0, 1]],
        "bits",
        "a 0-d integer tensor counted as an advanced index (PyTorch: a select)",
    ),
}


test_known_bugs, test_fixed_bugs = reproducer_tests(KNOWN, FIXED)
