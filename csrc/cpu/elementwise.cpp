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
  if (!loop) fail_no_kernel(op, dtype);
  return loop;
}

// The CPU side of core/elementwise_entry.h: scalars are read in place (add_scalar's pointer), rows of the
// walk are split across threads.
struct CpuBackend : CpuKernels {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }
  static void check_supported(EwOp op, DType dtype) { find_loop(op, dtype); }
  static bool foreign(const Tensor&, const Tensor&) { return false; }
  static const Tensor& adopt(const Tensor& t, const Tensor&) { return t; }
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

#define AC_KERNEL_FAMILY "core/kernels/elementwise.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
