// Copy, fill and dtype conversion over the elementwise cast loops.
#include "core/kernels.h"

#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/elementwise.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {
void run_cast(StridedIter& it, DType to, DType from) {
  CastLoop loop = kernels<ElementwiseKernels>().cast[int(to)][int(from)];
  it.coalesce();
  parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    it.run(b, e, [loop](char* const* p, const int64_t* s, int64_t n) { loop(p, s, n); });
  });
}
}  // namespace

void copy_(const Tensor& dst, const Tensor& src) {
  check_same_device(dst, src, "copy_");
  broadcast_shapes(dst.shape(), src.shape());  // raises with both shapes when incompatible
  AC_CHECK(src.dim() <= dst.dim() && broadcast_shapes(dst.shape(), src.shape()) == dst.shape(), RuntimeError,
           "output with shape ", dst.shape().str(), " doesn't match the broadcast shape ",
           broadcast_shapes(dst.shape(), src.shape()).str());
  check_no_internal_overlap(dst, "copy_");
  StridedIter it(dst);
  it.add_input(src);
  run_cast(it, dst.dtype(), src.dtype());
  dst.bump_version();
}

void fill_(const Tensor& dst, const Scalar& value) {
  const Tensor target = distinct_elements(dst);
  alignas(8) char buffer[8];
  value.store_as(dst.dtype(), buffer);
  StridedIter it(target);
  it.add_scalar(buffer);
  run_cast(it, dst.dtype(), dst.dtype());
  dst.bump_version();
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  copy_(out, t);
  return out;
}

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor reshape(const Tensor& t, const Dims& shape) {
  Dims resolved = t.infer_shape(shape), strides;
  if (t.can_view(resolved, &strides)) return t.as_strided(resolved, strides, t.offset());
  return contiguous(t).view(resolved);
}

// The CPU is the host: a transfer to it is at most a copy into contiguous memory.
Tensor to_device(const Tensor& host, int index) { return host; }
Tensor to_cpu(const Tensor& t) { return contiguous(t); }
void synchronize(int index) {}  // CPU kernels finish before they return

}  // namespace autocore::cpu
