// Elementwise entry points on the CPU: core/elementwise_entry.h's promotion, broadcasting and output checks
// over the per-ISA loops (cpu/elementwise_simd.cpp), split across threads.
#include "cpu/elementwise.h"

#include <algorithm>

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

  // A narrow dtype's op runs its wide dtype's loop on blocks of kWideningBlock elements: the narrow operands are
  // widened into buffers that stay in L1 and the result is rounded back from one, so the op makes one pass over
  // memory, as a loop of its own would. An operand broadcast along the row (stride 0) is widened once.
  static constexpr bool kWidensInBlocks = true;
  static constexpr int64_t kWideningBlock = 1024;  // 5 operands of 8 bytes: 40 KiB, in L1 (512: 20% slower)
  static void run_widened(EwOp op, DType dtype, StridedIter& it, const OpParams& params, const char* const*,
                          unsigned narrow_operands) {
    const DType wide = wide_dtype(dtype);
    const ElementwiseLoop loop = find_loop(op, wide);
    const ElementwiseKernels& table = kernels<ElementwiseKernels>();
    const CastLoop widen = table.cast[int(wide)][int(dtype)], round_back = table.cast[int(dtype)][int(wide)];
    const int64_t wide_size = int64_t(itemsize(wide));
    const int operands = it.num_operands();
    it.coalesce();
    parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      alignas(64) char buffers[kMaxOperands][kWideningBlock * 8];
      it.run(begin, end, [&](char* const* p, const int64_t* s, int64_t n) {
        char* ptrs[kMaxOperands];
        int64_t strides[kMaxOperands];
        for (int64_t done = 0; done < n; done += kWideningBlock) {
          const int64_t count = std::min(kWideningBlock, n - done);
          for (int k = 0; k < operands; ++k) {
            ptrs[k] = p[k] + done * s[k];
            strides[k] = s[k];
            if (!(narrow_operands >> k & 1)) continue;
            if (k > 0) {
              char* cast_ptrs[2] = {buffers[k], ptrs[k]};
              const int64_t cast_strides[2] = {wide_size, s[k]};
              widen(cast_ptrs, cast_strides, s[k] == 0 ? 1 : count);
            }
            ptrs[k] = buffers[k];
            strides[k] = k > 0 && s[k] == 0 ? 0 : wide_size;
          }
          loop(ptrs, strides, count, params);
          if (narrow_operands & 1) {
            char* cast_ptrs[2] = {p[0] + done * s[0], buffers[0]};
            const int64_t cast_strides[2] = {s[0], wide_size};
            round_back(cast_ptrs, cast_strides, count);
          }
        }
      });
    });
  }
};

using Entry = ElementwiseEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/elementwise.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
