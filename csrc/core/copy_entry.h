// The copy family, written once over a device backend: copy_'s and fill_'s checks and walks, and contiguous,
// to_dtype, clone and reshape, which are copies. Each function is named after its kernel (core/kernels/copy.def).
// cpu/copy.cpp and cuda/copy.cu each define a Backend with
//   static void check_device(const Tensor& t, const char* op);   // t lives on this backend's device (made current)
//   static Tensor adopt(const Tensor& src, const Tensor& dst);     // src on dst's device (a CPU src is uploaded)
//   static void cast(StridedIter& it, DType to, DType from, const char* scalar);  // the cast loops over (dst, src);
//                                                                  // scalar: src's value, when src is one (fill_)
//   static Tensor to_device(const Tensor& host, int index);
//   static Tensor to_cpu(const Tensor& t);
//   static void synchronize(int index);
#pragma once
#include "core/elementwise_rules.h"
#include "core/scalar.h"
#include "core/strided_iter.h"
#include "core/tensor.h"

namespace autocore {

template <class Backend>
struct CopyEntry {
  static void copy_(const Tensor& dst, const Tensor& src) {
    Backend::check_device(dst, "copy_");
    const Tensor& from = Backend::adopt(src, dst);
    check_same_device(dst, from, "copy_");
    broadcast_shapes(dst.shape(), from.shape());  // raises with both shapes when incompatible
    AC_CHECK(from.dim() <= dst.dim() && broadcast_shapes(dst.shape(), from.shape()) == dst.shape(), RuntimeError,
             "output with shape ", dst.shape().str(), " doesn't match the broadcast shape ",
             broadcast_shapes(dst.shape(), from.shape()).str());
    check_no_internal_overlap(dst);
    StridedIter it(dst);
    it.add_input(from);
    Backend::cast(it, dst.dtype(), from.dtype(), nullptr);
    dst.bump_version();
  }

  static void fill_(const Tensor& dst, const Scalar& value) {
    Backend::check_device(dst, "fill_");
    const Tensor target = distinct_elements(dst);
    alignas(8) char buffer[8];
    value.store_as(dst.dtype(), buffer);
    StridedIter it(target);
    it.add_scalar(buffer);
    Backend::cast(it, dst.dtype(), dst.dtype(), buffer);
    dst.bump_version();
  }

  static Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

  static Tensor to_dtype(const Tensor& t, DType dtype) {
    if (t.dtype() == dtype) return t;
    Tensor out = Tensor::empty(t.shape(), dtype, t.device());
    copy_(out, t);
    return out;
  }

  static Tensor clone(const Tensor& t) {
    Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
    copy_(out, t);
    return out;
  }

  static Tensor reshape(const Tensor& t, const Dims& shape) {
    Dims resolved = t.infer_shape(shape), strides;
    if (t.can_view(resolved, &strides)) return t.as_strided(resolved, strides, t.offset());
    return contiguous(t).view(resolved);
  }

  static Tensor to_device(const Tensor& host, int index) { return Backend::to_device(host, index); }
  static Tensor to_cpu(const Tensor& t) { return Backend::to_cpu(t); }
  static void synchronize(int index) { Backend::synchronize(index); }
};

}  // namespace autocore
