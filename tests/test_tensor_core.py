"""The C++ tensor core: views share storage and match numpy's, numpy interop is zero-copy both ways,
and bad input raises PyTorch's exception types."""

import numpy as np
import pytest

from autocore import _C

from conftest import array, noncontiguous, tensor, torch_or_skip

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_numpy_shares_memory_both_ways(dtype):
    a = np.arange(12).reshape(3, 4).astype(dtype)
    t = tensor(a)
    assert t.shape == (3, 4) and t.strides == (4, 1) and t.dtype.name == np.dtype(dtype).name.replace("bool", "bool")
    back = t.numpy()
    assert np.shares_memory(back, a)
    back[1, 2] = 0
    assert a[1, 2] == 0
    assert np.shares_memory(np.asarray(t), a)  # buffer protocol


def test_numpy_view_outlives_tensor_and_array():
    a = np.arange(6.0)
    view = tensor(a).numpy()
    del a
    assert view.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_noncontiguous_numpy_input_keeps_its_strides():
    a = np.arange(24.0).reshape(4, 6)[::2, 1::3]
    t = tensor(a)
    assert not t.is_contiguous
    assert t.strides == (12, 3)
    np.testing.assert_array_equal(array(t), a)


def test_zero_size_and_zero_d():
    t = tensor(np.zeros((0, 3)))
    assert t.shape == (0, 3) and t.numel == 0 and t.is_contiguous
    s = tensor(np.array(5.0))
    assert s.shape == () and s.numel == 1 and array(s) == 5.0


@pytest.mark.parametrize("bad", [np.arange(3, dtype=np.uint16), np.arange(3, dtype=np.complex64), np.array(["a"])])
def test_unsupported_numpy_dtypes_raise_type_error(bad):
    with pytest.raises(TypeError, match="supported types"):
        _C.from_numpy(bad)


def test_negative_strides_raise_value_error():
    with pytest.raises(ValueError, match="negative"):
        _C.from_numpy(np.arange(4.0)[::-1])


def test_views_match_numpy_and_share_storage():
    a = np.arange(60.0).reshape(3, 4, 5)
    t = tensor(a)
    cases = [
        (t.transpose(0, 2), a.transpose(2, 1, 0)),
        (t.permute([1, 2, 0]), a.transpose(1, 2, 0)),
        (t.slice(1, 1, 4, 2), a[:, 1:4:2]),
        (t.slice(2, -3, 100, 1), a[:, :, -3:]),
        (t.select(1, -1), a[:, -1]),
        (t.unsqueeze(1), a[:, None]),
        (t.unsqueeze(-1), a[..., None]),
        (t.view([12, 5]), a.reshape(12, 5)),
        (t.view([-1]), a.reshape(-1)),
        (tensor(a[:, :1]).expand([3, 7, 5]), np.broadcast_to(a[:, :1], (3, 7, 5))),
        (tensor(a[:, :1]).squeeze(1), a[:, 0]),
        (tensor(a[None]).squeeze(), a),
    ]
    for view, expected in cases:
        np.testing.assert_array_equal(array(view), expected)
        assert view.storage_ptr == t.storage_ptr


def test_view_of_a_transposed_tensor_follows_pytorch():
    t = tensor(np.arange(12.0).reshape(3, 4)).transpose(0, 1)  # (4, 3), strides (1, 4)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view([12])
    np.testing.assert_array_equal(array(t.view([4, 3, 1])), np.arange(12.0).reshape(3, 4).T[..., None])
    # reshape copies when a view is impossible
    r = t.reshape([12])
    np.testing.assert_array_equal(array(r), np.arange(12.0).reshape(3, 4).T.reshape(-1))
    assert r.storage_ptr != t.storage_ptr
    # ...and does not copy when one is possible
    assert tensor(np.zeros((2, 6))).reshape([3, 4]).is_contiguous


def test_contiguous_copies_only_when_needed():
    t = tensor(np.arange(6.0).reshape(2, 3))
    assert t.contiguous().data_ptr == t.data_ptr
    tt = t.transpose(0, 1)
    c = tt.contiguous()
    assert c.is_contiguous and c.data_ptr != t.data_ptr
    np.testing.assert_array_equal(array(c), np.arange(6.0).reshape(2, 3).T)


@pytest.mark.parametrize("src_dtype", DTYPES)
@pytest.mark.parametrize("dst_dtype", DTYPES)
def test_to_dtype_matches_numpy_astype(src_dtype, dst_dtype):
    rng = np.random.default_rng(0)
    a = (rng.normal(size=(5, 7)) * 10).astype(src_dtype)
    np.testing.assert_array_equal(
        array(tensor(noncontiguous(a)).to_dtype(getattr(_C.DType, np.dtype(dst_dtype).name))), a.astype(dst_dtype)
    )


def test_copy_broadcasts_and_converts():
    dst = tensor(np.zeros((3, 4)))
    dst.copy_(tensor(np.arange(4, dtype=np.int64)))
    np.testing.assert_array_equal(array(dst), np.broadcast_to(np.arange(4.0), (3, 4)))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        tensor(np.zeros(4)).copy_(tensor(np.zeros((3, 4))))
    with pytest.raises(RuntimeError, match="more than one element"):
        tensor(np.zeros((1, 4))).expand([3, 4]).copy_(tensor(np.ones((3, 4))))
    # fill_ writes one value, so PyTorch fills an expanded view (each location once)
    base = tensor(np.zeros((1, 4)))
    np.testing.assert_array_equal(array(base.expand([3, 4]).fill_(1.0)), np.ones((3, 4)))
    np.testing.assert_array_equal(array(base), np.ones((1, 4)))


def test_fill_and_full():
    t = _C.full([2, 3], 2.5, _C.DType.float64)
    np.testing.assert_array_equal(array(t), np.full((2, 3), 2.5))
    view = tensor(np.zeros((4, 4))).slice(1, 0, 4, 2)
    view.fill_(7)
    assert array(view).tolist() == [[7.0, 7.0]] * 4


def test_bad_dims_raise_index_error_with_range():
    t = tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        t.transpose(0, 2)
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 2"):
        t.select(0, 2)
    with pytest.raises(RuntimeError, match="duplicate dims"):
        t.permute([0, 0])
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        t.view([4, 2])
    with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
        t.expand([2, 4])
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t.slice(0, 0, 2, 0)


def test_as_strided_refuses_views_outside_storage():
    t = tensor(np.zeros(6))
    np.testing.assert_array_equal(array(t.as_strided([2, 3], [3, 1], 0)), np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="out of bounds"):
        t.as_strided([3, 3], [3, 1], 0)
    with pytest.raises(RuntimeError, match="out of bounds"):
        t.as_strided([2], [1], 5)


def test_too_many_dims_is_a_clear_error():
    with pytest.raises(RuntimeError, match="at most 16 dimensions"):
        _C.empty([1] * 17)


def test_isa_selection_is_reported_and_switchable(isa):
    assert _C.active_isa() == isa
    assert "baseline" in _C.compiled_isas().split(",")
    with pytest.raises(ValueError, match="unknown instruction set"):
        _C.set_active_isa("sse9")


# ---- DLPack ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_round_trip_with_numpy_shares_memory(dtype):
    a = np.arange(24).reshape(4, 6).astype(dtype)[1:, ::2]
    t = _C.from_dlpack(a)
    assert t.shape == a.shape and t.strides == (6, 2)
    np.testing.assert_array_equal(array(t), a)
    b = np.from_dlpack(t)
    assert np.shares_memory(a, b)
    np.testing.assert_array_equal(b, a)


def test_dlpack_keeps_the_producer_alive():
    t = _C.from_dlpack(np.arange(5.0) * 2)  # the temporary array lives on through the tensor
    np.testing.assert_array_equal(array(t), np.arange(5.0) * 2)
    exported = np.from_dlpack(tensor(np.arange(3.0) + 1))
    np.testing.assert_array_equal(exported, [1.0, 2.0, 3.0])


def test_dlpack_rejects_unsupported_dtypes_and_used_capsules():
    with pytest.raises(TypeError, match="unsupported dtype"):
        _C.from_dlpack(np.arange(3, dtype=np.uint16))
    capsule = tensor(np.arange(3.0)).__dlpack__()
    _C.from_dlpack(capsule)
    with pytest.raises(TypeError, match="unused DLPack capsule"):
        _C.from_dlpack(capsule)


def test_dlpack_with_pytorch_where_installed():
    torch = torch_or_skip()
    x = torch.arange(6.0).reshape(2, 3)
    t = _C.from_dlpack(x)
    np.testing.assert_array_equal(array(t), x.numpy())
    back = torch.from_dlpack(tensor(np.arange(4.0)))
    assert back.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_empty_tensor_with_zero_strides_can_be_written():
    """numpy gives some empty arrays zero strides; writing into them writes nothing and must not raise."""
    empty = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=(0, 3), strides=(0, 0))
    t = _C.from_numpy(empty)
    t.fill_(1.0)
    t.copy_(_C.from_numpy(np.zeros((0, 3), np.float32)))
    assert t.shape == (0, 3)


HUGE = 1 << 40


@pytest.mark.parametrize("shape", [(HUGE, HUGE), (1 << 31, 1 << 31, 4), (1 << 62,), ((1 << 63) - 1,), (1 << 61,)])
def test_sizes_whose_bytes_overflow_raise_instead_of_allocating_too_little(shape):
    # 2^40 * 2^40 wraps to 0 in int64: without checked arithmetic this allocates nothing and writes far past it.
    import autocore

    with pytest.raises(RuntimeError, match="overflow"):
        autocore.zeros(*shape)
    with pytest.raises(RuntimeError, match="overflow"):
        autocore.empty(shape, dtype=autocore.float64)


def test_huge_sizes_that_are_empty_or_only_views_are_fine_or_refused_clearly():
    import autocore

    assert autocore.zeros(HUGE, HUGE, 0).shape == (HUGE, HUGE, 0)
    one = autocore.ones(1)
    with pytest.raises(RuntimeError, match="overflow"):
        one.expand(1 << 62, 1 << 62)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        autocore.ones(6).view(1 << 32, 1 << 32, -1)
    with pytest.raises(RuntimeError, match="out of memory"):
        autocore.empty(1 << 58, dtype=autocore.float32)


def test_as_strided_bounds_are_checked_without_wrapping_around():
    c = tensor(np.ones(4, np.float32))
    # (2^32) * 2^32 wraps to 0, which would put the last element "at" the first one.
    for shape, strides, offset in [
        ([(1 << 32) + 1], [1 << 32], 0),
        ([4], [1 << 62], 0),
        ([2], [1], 1 << 62),
        ([3, 3], [(1 << 62) + 1, -(1 << 62)], 1),
    ]:
        with pytest.raises(RuntimeError, match="out of bounds"):
            c.as_strided(shape, strides, offset)
    with pytest.raises(RuntimeError, match="invalid storage offset -1"):
        c.as_strided([0], [1], -1)
    np.testing.assert_array_equal(array(c.as_strided([2], [-1], 1)), [1, 1])  # backwards, still inside


def test_empty_tensors_with_huge_dims_and_size_one_views_with_huge_strides_work():
    import autocore

    empty = autocore.zeros(HUGE, HUGE, 0)
    assert (empty + 1).shape == (HUGE, HUGE, 0) and empty.sum().item() == 0  # iterating merges no huge dims
    one = tensor(np.arange(4.0)).as_strided([1, 2], [1 << 62, 1], 1)  # a size-1 dim may carry any stride
    np.testing.assert_array_equal(array(_C.add(one, one)), [[2.0, 4.0]])
