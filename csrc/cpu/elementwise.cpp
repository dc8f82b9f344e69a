// Elementwise entry points on the CPU: core/elementwise_entry.h's promotion, broadcasting and output checks
// over the per-ISA loops (cpu/elementwise_simd.cpp), split across threads.
#include "cpu/elementwise.h"

#include "core/elementwise_entry.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

ElementwiseLoop find_loop(EwOp op, DType dtype) {
  ElementwiseLoop loop = kernels<ElementwiseKernels>().loops[int(op)][int(dtype)];
  if (!loop) {
    if (op == EwOp::neg && dtype == DType::Bool)
      fail<RuntimeError>(
          "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
          "invert a mask, use the `~` or `logical_not()` operator instead.");
    fail<RuntimeError>("\"", ew_op_name(op), "\" not implemented for '", dtype_name(dtype), "'");
  }
  return loop;
}

// The CPU side of core/elementwise_entry.h: scalars are read in place (add_scalar's pointer), rows of the
// walk are split across threads.
struct CpuBackend {
  static void check_device(const Tensor& t, const char* op) {
    AC_CHECK(t.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", t.device().str());
  }
  static void check_supported(EwOp op, DType dtype) { find_loop(op, dtype); }
  static bool foreign(const Tensor&, const Tensor&) { return false; }
  static const Tensor& adopt(const Tensor& t, const Tensor&) { return t; }
  static Tensor to_dtype(const Tensor& t, DType dtype) { return cpu::to_dtype(t, dtype); }
  static void copy_(const Tensor& dst, const Tensor& src) { cpu::copy_(dst, src); }
  static void fill_(const Tensor& dst, const Scalar& value) { cpu::fill_(dst, value); }
  static void run(EwOp op, DType dtype, StridedIter& it, const OpParams& params, const char* const*) {
    ElementwiseLoop loop = find_loop(op, dtype);
    it.coalesce();
    parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      it.run(begin, end, [&](char* const* p, const int64_t* s, int64_t n) { loop(p, s, n, params); });
    });
  }
};

using Entry = ElementwiseEntry<CpuBackend>;

}  // namespace

Tensor unary(EwOp op, const Tensor& x, const OpParams& params, const Tensor* out) {
  return Entry::unary(op, x, params, out);
}

Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out, const OpParams& params) {
  return Entry::binary(op, a, b, out, params);
}

Tensor binary_tensor_scalar(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, a, b, false, out);
}

Tensor binary_scalar_tensor(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, b, a, true, out);
}

Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c) { return Entry::ternary(op, a, b, c); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) { return Entry::where(condition, a, b); }

Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out) {
  return Entry::clamp(x, min, max, out);
}

}  // namespace autocore::cpu
