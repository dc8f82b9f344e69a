"""finfo, iinfo and is_floating_point, checked against numpy and hand-known numbers, and against PyTorch where it
is installed."""

import numpy as np
import pytest

import autocore as ac
from autocore import nn

from conftest import torch_or_skip

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
