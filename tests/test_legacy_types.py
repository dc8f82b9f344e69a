"""The legacy tensor-type API that tutorials still use: Tensor(data) and Tensor(*sizes), FloatTensor and its kin,
x.type(), the casts to dtypes autocore lacks (loud errors), finfo, iinfo and is_floating_point. Values are checked
against numpy and hand-known numbers, and against PyTorch where it is installed."""

import copy

import numpy as np
import pytest

import autocore as ac
from autocore import nn

from conftest import DEVICES, torch_or_skip

TYPED = {  # the class, and its dtype's name
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "BFloat16Tensor": "bfloat16",
    "LongTensor": "int64",
    "IntTensor": "int32",
    "ShortTensor": "int16",
    "CharTensor": "int8",
    "ByteTensor": "uint8",
    "BoolTensor": "bool",
}
CASTS = {"float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16", "long": "int64"}
CASTS.update(int="int32", short="int16", char="int8", byte="uint8", bool="bool")


def values(t):
    return t.detach().cpu().numpy()


# ---- what each call form makes: (call, the expected array (data forms) or (shape, numpy dtype) (size forms)) ----

DATA_CASES = {
    "nested list of ints": (lambda L: L.Tensor([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], np.float32)),
    "tuple of floats": (lambda L: L.Tensor((1.5, -2.25)), np.array([1.5, -2.25], np.float32)),
    "list of ints is data, not a size": (lambda L: L.Tensor([2, 3]), np.array([2.0, 3.0], np.float32)),
    "tuple of ints is data": (lambda L: L.Tensor((2, 3)), np.array([2.0, 3.0], np.float32)),
    "bools": (lambda L: L.Tensor([True, False]), np.array([1.0, 0.0], np.float32)),
    "mixed numbers": (lambda L: L.Tensor([1, 2.5, True]), np.array([1.0, 2.5, 1.0], np.float32)),
    "range": (lambda L: L.Tensor(range(3)), np.array([0.0, 1.0, 2.0], np.float32)),
    "int64 array": (lambda L: L.Tensor(np.array([[1, 2], [3, 4]])), np.array([[1, 2], [3, 4]], np.float32)),
    "float64 array": (lambda L: L.Tensor(np.array([0.1, 0.2])), np.array([0.1, 0.2], np.float32)),
    "0-d float array": (lambda L: L.Tensor(np.array(2.5)), np.array(2.5, np.float32)),
    "empty list": (lambda L: L.Tensor([]), np.zeros(0, np.float32)),
    "list of an empty list": (lambda L: L.Tensor([[]]), np.zeros((1, 0), np.float32)),
    "past float32's range": (lambda L: L.Tensor([1e40]), np.array([np.inf], np.float32)),
    "FloatTensor": (lambda L: L.FloatTensor([1, 2]), np.array([1.0, 2.0], np.float32)),
    "DoubleTensor": (lambda L: L.DoubleTensor([0.1, 2]), np.array([0.1, 2.0], np.float64)),
    "LongTensor truncates": (lambda L: L.LongTensor([1.5, 2.7, -1.5]), np.array([1, 2, -1], np.int64)),
    "LongTensor from bools": (lambda L: L.LongTensor([True, 2]), np.array([1, 2], np.int64)),
    "LongTensor from an array": (lambda L: L.LongTensor(np.array([1.9, -2.0])), np.array([1, -2], np.int64)),
    "BoolTensor": (lambda L: L.BoolTensor([0, 1, 2, 0.5]), np.array([False, True, True, True])),
    "DoubleTensor nested": (lambda L: L.DoubleTensor([[1], [2]]), np.array([[1.0], [2.0]])),
}

SIZE_CASES = {
    "no argument: 1-d, empty": (lambda L: L.Tensor(), ((0,), np.float32)),
    "sizes": (lambda L: L.Tensor(2, 3), ((2, 3), np.float32)),
    "one size": (lambda L: L.Tensor(5), ((5,), np.float32)),
    "zero size": (lambda L: L.Tensor(0), ((0,), np.float32)),
    "a zero among sizes": (lambda L: L.Tensor(1, 0), ((1, 0), np.float32)),
    "four sizes": (lambda L: L.Tensor(2, 3, 4, 5), ((2, 3, 4, 5), np.float32)),
    "a Size": (lambda L: L.Tensor(L.Size([2, 3])), ((2, 3), np.float32)),
    "numpy ints": (lambda L: L.Tensor(np.int64(2), np.int32(3)), ((2, 3), np.float32)),
    "a 0-d integer array is a size": (lambda L: L.Tensor(np.array(3)), ((3,), np.float32)),
    "device='cpu'": (lambda L: L.Tensor(2, 3, device="cpu"), ((2, 3), np.float32)),
    "FloatTensor sizes": (lambda L: L.FloatTensor(2, 3), ((2, 3), np.float32)),
    "DoubleTensor size": (lambda L: L.DoubleTensor(4), ((4,), np.float64)),
    "LongTensor Size": (lambda L: L.LongTensor(L.Size([3, 1])), ((3, 1), np.int64)),
    "BoolTensor sizes": (lambda L: L.BoolTensor(2, 2), ((2, 2), np.bool_)),
    "FloatTensor()": (lambda L: L.FloatTensor(), ((0,), np.float32)),
    "LongTensor()": (lambda L: L.LongTensor(), ((0,), np.int64)),
}

ERROR_CASES = {
    "a float": (lambda L: L.Tensor(2.5), TypeError),
    "a bool": (lambda L: L.Tensor(True), TypeError),
    "None": (lambda L: L.Tensor(None), TypeError),
    "a string": (lambda L: L.Tensor("ab"), TypeError),
    "a dict": (lambda L: L.Tensor({1: 2}), TypeError),
    "an iterator": (lambda L: L.Tensor(iter([1, 2])), TypeError),
    "a numpy float": (lambda L: L.Tensor(np.float64(2.5)), TypeError),
    "a float among sizes": (lambda L: L.Tensor(2, 3.0), TypeError),
    "None among sizes": (lambda L: L.Tensor(2, None), TypeError),
    "data then a size": (lambda L: L.Tensor([2, 3], 4), TypeError),
    "a Size then a size": (lambda L: L.Tensor(L.Size([2, 3]), 4), TypeError),
    "a bool then a size": (lambda L: L.Tensor(True, 2), TypeError),
    "a tensor then a size": (lambda L: L.Tensor(L.tensor([1.0, 2.0]), 2), TypeError),
    "dtype=": (lambda L: L.Tensor(2, dtype=L.float64), TypeError),
    "requires_grad=": (lambda L: L.Tensor([1.0], requires_grad=True), TypeError),
    "a string element": (lambda L: L.Tensor([1, "a"]), TypeError),
    "typed: a float": (lambda L: L.LongTensor(2.5), TypeError),
    "typed: another dtype's tensor": (lambda L: L.FloatTensor(L.tensor([1, 2])), TypeError),
    "typed: another float dtype's tensor": (lambda L: L.DoubleTensor(L.tensor([1.0])), TypeError),
    "typed: dtype=": (lambda L: L.FloatTensor(2, 3, dtype=L.float64), TypeError),
    "a negative size": (lambda L: L.Tensor(2, -1), RuntimeError),
    "a negative size alone": (lambda L: L.Tensor(-1), RuntimeError),
    "a negative Size": (lambda L: L.Tensor(L.Size([2, -1])), RuntimeError),
    "LongTensor overflow": (lambda L: L.LongTensor([1e20]), RuntimeError),
    "device='cuda' on a CPU type": (lambda L: L.Tensor(2, device="cuda"), RuntimeError),
    "data on device='cuda'": (lambda L: L.FloatTensor([1.0], device="cuda"), RuntimeError),
    "a tensor with device=": (lambda L: L.Tensor(L.zeros(2), device="cpu"), RuntimeError),
    "ragged data": (lambda L: L.Tensor([[1, 2], [3]]), ValueError),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_data_forms_match_numpy(case):
    make, expected = DATA_CASES[case]
    t = make(ac)
    assert type(t) is ac.Tensor and not t.requires_grad
    assert t.numpy().dtype == expected.dtype and t.shape == expected.shape
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("case", sorted(SIZE_CASES))
def test_size_forms_make_zeros_of_the_shape(case):
    make, (shape, dtype) = SIZE_CASES[case]
    t = make(ac)
    assert type(t) is ac.Tensor and t.shape == shape and t.numpy().dtype == dtype and not t.requires_grad
    assert not t.numpy().any()  # autocore fills with zeros where PyTorch leaves the memory uninitialised


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_arguments_raise(case):
    make, error = ERROR_CASES[case]
    with pytest.raises(error):
        make(ac)


def test_forms_and_errors_match_pytorch():
    torch = torch_or_skip()
    for case, (make, _) in DATA_CASES.items():
        ours, theirs = make(ac), make(torch)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], case
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=case)
    for case, (make, _) in SIZE_CASES.items():
        ours, theirs = make(ac), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape), case
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], case
    for case, (make, error) in ERROR_CASES.items():
        for lib in (ac, torch):
            with pytest.raises(error):
                make(lib)


def test_the_default_dtype_is_read_at_each_call():
    try:
        ac.set_default_dtype(ac.float64)
        assert ac.Tensor([0.1]).dtype is ac.float64 and ac.Tensor(2).dtype is ac.float64
        assert ac.Tensor(2).type() == "torch.DoubleTensor" and ac.FloatTensor([0.1]).dtype is ac.float32
        assert ac.zeros(2, dtype=ac.float32).type(ac.Tensor).dtype is ac.float64
        np.testing.assert_array_equal(ac.Tensor([0.1]).numpy(), np.array([0.1]))
    finally:
        ac.set_default_dtype(ac.float32)
    assert ac.Tensor([0.1]).dtype is ac.float32


def test_an_array_of_the_dtype_is_shared_as_in_pytorch():
    a = np.array([1.0, 2.0], np.float32)
    t = ac.Tensor(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    b = np.array([1.0, 2.0])  # float64: converted, so a copy
    u = ac.Tensor(b)
    b[0] = 5.0
    assert u.tolist() == [1.0, 2.0] and ac.DoubleTensor(b).tolist() == [5.0, 2.0]


@pytest.mark.parametrize("device", DEVICES)
def test_a_tensor_argument_is_an_alias_of_any_dtype(device):
    for dtype in (ac.float32, ac.float64, ac.int64, ac.bool):
        t = ac.zeros(3, dtype=dtype, device=device)
        alias = ac.Tensor(t)
        assert type(alias) is ac.Tensor and alias is not t and alias.dtype is dtype and alias.device == t.device
        assert alias.data_ptr() == t.data_ptr()
        alias[1] = 1
        assert values(t).tolist() == [0, 1, 0]
    x = ac.tensor([[1.0, 2.0], [3.0, 4.0]], device=device).t()  # a strided view keeps its layout
    np.testing.assert_array_equal(values(ac.Tensor(x)), [[1.0, 3.0], [2.0, 4.0]])


def test_a_tensor_argument_stays_in_the_graph():
    x = ac.tensor([1.0, -2.0, 3.0], requires_grad=True)
    for make in (ac.Tensor, ac.FloatTensor):
        alias = make(x)
        assert alias.requires_grad and not alias.is_leaf
        (alias * alias).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])
        x.grad = None


def test_alias_matches_pytorch():
    torch = torch_or_skip()
    for lib in (ac, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        alias = lib.Tensor(x)
        assert alias.requires_grad and alias.grad_fn is not None
        assert lib.Tensor(lib.tensor([1, 2])).dtype == lib.int64  # torch.Tensor(t) keeps t's dtype


def test_parameter_from_a_legacy_tensor():
    w = nn.Parameter(ac.Tensor(3, 4))
    assert type(w) is nn.Parameter and w.shape == (3, 4) and w.dtype is ac.float32 and w.requires_grad and w.is_leaf
    nn.init.uniform_(w, -1.0, 1.0)  # as the tutorials do next
    x = ac.ones(2, 4)
    (x @ w.T).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), 2.0, np.float32))

    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(ac.Tensor(2, 3))
            self.bias = nn.Parameter(ac.Tensor(2))

    assert [p.shape for p in Affine().parameters()] == [(2, 3), (2,)]


class Tagged(ac.Tensor):
    """A user's subclass: the legacy constructor makes instances of it, as PyTorch's does."""


def test_subclasses_construct_through_the_legacy_forms():
    data, sized = Tagged([1.0, 2.0]), Tagged(2, 3)
    assert type(data) is Tagged and data.tolist() == [1.0, 2.0] and data.dtype is ac.float32
    assert type(sized) is Tagged and sized.shape == (2, 3)
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    view = Tagged(x)
    assert type(view) is Tagged and view.requires_grad and view.data_ptr() == x.data_ptr()
    out = view * 3
    assert type(out) is ac.Tensor
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_copy_still_copies():
    # copy.copy makes the instance through Tensor.__new__ with no arguments, then fills its fields
    x = ac.tensor([1.0, 2.0])
    y = copy.copy(x)
    assert type(y) is ac.Tensor and y is not x and y.tolist() == [1.0, 2.0]


# ---- the typed classes ----


def test_isinstance_asks_the_dtype():
    tensors = {name: ac.zeros(2, dtype=getattr(ac, dt)) for name, dt in TYPED.items()}
    for name, t in tensors.items():
        for cls_name in TYPED:
            assert isinstance(t, getattr(ac, cls_name)) == (name == cls_name), (name, cls_name)
        assert isinstance(t, ac.Tensor)
        assert not isinstance(t, getattr(ac.cuda, name))  # a CPU tensor is no CUDA type
    assert isinstance(nn.Parameter(ac.zeros(2)), ac.FloatTensor)
    assert not isinstance(nn.Parameter(ac.zeros(2)), ac.DoubleTensor)
    assert not isinstance(3.0, ac.FloatTensor) and not isinstance(np.zeros(2, np.float32), ac.FloatTensor)


def test_the_classes_are_not_tensor_subclasses():
    for name, dt in TYPED.items():
        cls = getattr(ac, name)
        assert not issubclass(cls, ac.Tensor) and type(cls([1])) is ac.Tensor
        assert cls.dtype is getattr(ac, dt) and cls.is_cuda is False and cls.__name__ == name
        cuda_cls = getattr(ac.cuda, name)
        assert cuda_cls.dtype is cls.dtype and cuda_cls.is_cuda is True
    assert repr(ac.FloatTensor) == "<class 'autocore.FloatTensor'>"
    assert repr(ac.cuda.LongTensor) == "<class 'autocore.cuda.LongTensor'>"


def test_classes_match_pytorch():
    torch = torch_or_skip()
    for name in TYPED:
        ours, theirs = getattr(ac, name), getattr(torch, name)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.is_cuda == theirs.is_cuda and issubclass(ours, ac.Tensor) == issubclass(theirs, torch.Tensor)
        for other in TYPED:
            t, u = ac.zeros(1, dtype=getattr(ac, other).dtype), torch.zeros(1, dtype=getattr(torch, other).dtype)
            assert isinstance(t, ours) == isinstance(u, theirs)
        assert getattr(ac.cuda, name).is_cuda == getattr(torch.cuda, name).is_cuda


@pytest.mark.parametrize("name", sorted(TYPED))
def test_every_class_makes_its_dtype(name):
    cls, dtype = getattr(ac, name), getattr(ac, TYPED[name])
    for made, shape in ((cls([1, 0]), (2,)), (cls(2, 3), (2, 3)), (cls(), (0,)), (ac.ones(2).type(cls), (2,))):
        assert made.dtype is dtype and tuple(made.shape) == shape and isinstance(made, cls)
    assert ac.ones(2).type(f"torch.{name}").dtype is dtype
    assert cls([1, 0]).tolist() == [1, 0] and cls(2, 3).tolist() == [[0] * 3] * 2


@pytest.mark.parametrize("method", sorted(CASTS))
def test_casts_by_name(method):
    x = getattr(ac.tensor([1.0, 0.0, 2.0]), method)()
    assert x.dtype is getattr(ac, CASTS[method]) and x.tolist() == [1, 0, 1 if method == "bool" else 2]


def test_classes_and_casts_are_the_ones_pytorch_names():
    torch = torch_or_skip()
    for name, dtype in TYPED.items():
        assert str(getattr(torch, name)([1]).dtype) == f"torch.{dtype}"
    for method, dtype in CASTS.items():
        assert str(getattr(torch.zeros(1), method)().dtype) == f"torch.{dtype}"


# ---- x.type() ----

TYPE_NAMES = {ac.float32: "FloatTensor", ac.float64: "DoubleTensor", ac.int64: "LongTensor", ac.bool: "BoolTensor"}


@pytest.mark.parametrize("device", DEVICES)
def test_type_names(device):
    place = "torch." if device == "cpu" else "torch.cuda."
    for dtype, name in TYPE_NAMES.items():
        t = ac.zeros(2, dtype=dtype, device=device)
        assert t.type() == place + name and t.type(None) == t.type()
    assert nn.Parameter(ac.zeros(2, device=device)).type() == place + "FloatTensor"


@pytest.mark.parametrize("device", DEVICES)
def test_type_converts(device):
    x = ac.tensor([1.5, -2.5, 0.0], device=device)
    for target in (ac.float64, "torch.DoubleTensor", ac.DoubleTensor, "autocore.DoubleTensor"):
        out = x.type(target)
        assert out.dtype is ac.float64 and out.device == x.device
        np.testing.assert_array_equal(values(out), np.array([1.5, -2.5, 0.0]))
    np.testing.assert_array_equal(values(x.type(ac.LongTensor)), [1, -2, 0])
    np.testing.assert_array_equal(values(x.type("torch.BoolTensor")), [True, True, False])
    assert x.type(ac.int64, True).dtype is ac.int64 and x.type(dtype=ac.bool).dtype is ac.bool
    own_class = ac.FloatTensor if device == "cpu" else ac.cuda.FloatTensor
    assert x.type(ac.float32) is x and x.type(x.type()) is x and x.type(own_class) is x
    assert ac.zeros(2, dtype=ac.float64).type(ac.Tensor).dtype is ac.float32  # torch.Tensor: the default dtype
    assert ac.zeros(2, dtype=ac.int64).type("torch.Tensor").dtype is ac.float32


@pytest.mark.parametrize("device", DEVICES)
def test_type_is_differentiable(device):
    x = ac.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.type(ac.DoubleTensor if device == "cpu" else ac.cuda.DoubleTensor)
    assert y.dtype is ac.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype is ac.float32
    np.testing.assert_array_equal(values(x.grad), [2.0, 4.0])


def test_type_moves_between_devices():
    if ac.cuda.is_available():
        x = ac.ones(2).type("torch.cuda.DoubleTensor")
        assert x.is_cuda and x.dtype is ac.float64 and x.type() == "torch.cuda.DoubleTensor"
        back = x.type("torch.FloatTensor")
        assert not back.is_cuda and back.type() == "torch.FloatTensor"
        assert ac.cuda.FloatTensor([1.5]).type() == "torch.cuda.FloatTensor"
        assert isinstance(x, ac.cuda.DoubleTensor) and not isinstance(x, ac.DoubleTensor)
    else:  # no GPU: asking for one says why, as PyTorch's does
        for call in (lambda: ac.ones(2).type("torch.cuda.FloatTensor"), lambda: ac.cuda.FloatTensor(2)):
            with pytest.raises(RuntimeError):
                call()


def test_bad_type_arguments():
    x = ac.zeros(2)
    for bad in ("float", "torch.float64", "FloatTensor", "torch.Foo", "torch.FloatTensorX", ac.Size, nn.Parameter):
        with pytest.raises(ValueError, match="invalid type"):
            x.type(bad)
    for bad in (5, 2.0, [ac.float64]):
        with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
            x.type(bad)
    with pytest.raises(TypeError):
        x.type(foo=1)
    with pytest.raises(TypeError):
        x.type(ac.float64, True, 3)


def test_type_matches_pytorch():
    torch = torch_or_skip()
    a = np.array([1.5, -2.5, 0.0])
    for dtype in ("float32", "float64", "int64", "bool"):
        ours, theirs = ac.tensor(a).type(getattr(ac, dtype)), torch.tensor(a).type(getattr(torch, dtype))
        assert ours.type() == theirs.type()
        for target in (
            "torch.FloatTensor",
            "torch.DoubleTensor",
            "torch.LongTensor",
            "torch.BoolTensor",
            "torch.Tensor",
        ):
            np.testing.assert_array_equal(ours.type(target).numpy(), theirs.type(target).numpy())
            assert ours.type(target).type() == theirs.type(target).type()
    for bad in ("float", "torch.Foo", 5):
        errors = []
        for x in (ac.zeros(2), torch.zeros(2)):
            with pytest.raises((ValueError, TypeError)) as info:
                x.type(bad)
            errors.append(info.type)
        assert errors[0] is errors[1]


def test_assigning_a_bad_value_names_the_type():
    with pytest.raises(TypeError, match="can't assign a str to a torch.FloatTensor"):
        ac.zeros(3)[0] = "a"


# ---- finfo, iinfo, is_floating_point ----


def test_finfo_matches_numpy():
    for dtype, np_dtype, resolution in ((ac.float32, np.float32, 1e-06), (ac.float64, np.float64, 1e-15)):
        info, ref = ac.finfo(dtype), np.finfo(np_dtype)
        assert (info.bits, info.dtype) == (ref.bits, np.dtype(np_dtype).name)
        assert (info.eps, info.max, info.min) == (float(ref.eps), float(ref.max), float(ref.min))
        assert info.tiny == info.smallest_normal == float(ref.smallest_normal)
        assert info.resolution == resolution
        assert all(type(getattr(info, k)) is float for k in ("eps", "max", "min", "tiny", "resolution"))
    assert ac.finfo(ac.float32).eps == 2.0**-23 and ac.finfo(ac.float64).eps == 2.0**-52
    assert ac.finfo(ac.float32).tiny == 2.0**-126 and ac.finfo(ac.float32).max == (2 - 2.0**-23) * 2.0**127
    assert ac.finfo(float) == ac.finfo(ac.float64) and ac.finfo(type=ac.float32) == ac.finfo(ac.float32)
    assert ac.finfo(ac.float32) != ac.finfo(ac.float64) and ac.finfo(ac.float32) != 3
    with pytest.raises(TypeError):
        hash(ac.finfo(ac.float32))


def test_finfo_without_argument_is_the_default_dtype():
    assert ac.finfo() == ac.finfo(ac.float32)
    try:
        ac.set_default_dtype(ac.float64)
        assert ac.finfo().dtype == "float64"
    finally:
        ac.set_default_dtype(ac.float32)


def test_iinfo_matches_numpy():
    info = ac.iinfo(ac.int64)
    assert (info.bits, info.min, info.max, info.dtype) == (64, -(2**63), 2**63 - 1, "int64")
    assert type(info.min) is int and type(info.max) is int
    assert ac.iinfo(int) == info and ac.iinfo(type=ac.int64) == info


INFO_ERRORS = {
    "finfo(int64)": lambda L: L.finfo(L.int64),
    "finfo(bool)": lambda L: L.finfo(L.bool),
    "finfo(int)": lambda L: L.finfo(int),
    "finfo(None)": lambda L: L.finfo(None),
    "finfo('float32')": lambda L: L.finfo("float32"),
    "finfo(np.float32)": lambda L: L.finfo(np.float32),
    "iinfo(float32)": lambda L: L.iinfo(L.float32),
    "iinfo(bool)": lambda L: L.iinfo(L.bool),
    "iinfo(bool type)": lambda L: L.iinfo(bool),
    "iinfo()": lambda L: L.iinfo(),
    "iinfo(5)": lambda L: L.iinfo(5),
}


@pytest.mark.parametrize("case", sorted(INFO_ERRORS))
def test_info_of_the_wrong_kind_raises_type_error(case):
    with pytest.raises(TypeError):
        INFO_ERRORS[case](ac)


def test_info_matches_pytorch():
    torch = torch_or_skip()
    for name in ("float32", "float64"):
        ours, theirs = ac.finfo(getattr(ac, name)), torch.finfo(getattr(torch, name))
        for key in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(ours, key) == getattr(theirs, key) and type(getattr(ours, key)) is type(getattr(theirs, key))
        assert repr(ours) == repr(theirs)
    assert ac.finfo().dtype == torch.finfo().dtype
    ours, theirs = ac.iinfo(ac.int64), torch.iinfo(torch.int64)
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert repr(ours) == repr(theirs)
    for case, make in INFO_ERRORS.items():
        with pytest.raises(TypeError):
            make(torch)


def test_is_floating_point():
    for dtype, expected in ((ac.float32, True), (ac.float64, True), (ac.int64, False), (ac.bool, False)):
        t = ac.zeros(1, dtype=dtype)
        assert ac.is_floating_point(t) is expected and t.is_floating_point() is expected
        assert ac.is_floating_point(input=t) is expected
    assert ac.is_floating_point(nn.Parameter(ac.zeros(1)))
    for bad in (1.0, np.zeros(1), None):
        with pytest.raises(TypeError):
            ac.is_floating_point(bad)


def test_is_floating_point_matches_pytorch():
    torch = torch_or_skip()
    for name in ("float32", "float64", "int64", "bool"):
        assert ac.is_floating_point(ac.zeros(1, dtype=getattr(ac, name))) == torch.is_floating_point(
            torch.zeros(1, dtype=getattr(torch, name))
        )
    with pytest.raises(TypeError):
        torch.is_floating_point(1.0)
