// Copy, fill and dtype conversion on the CPU: core/copy_entry.h over the elementwise cast loops.
#include "core/copy_entry.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/elementwise.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// The CPU side of core/copy_entry.h. The CPU is the host: a transfer to it is at most a copy into contiguous
// memory, and its kernels finish before they return.
struct CpuBackend {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }
  static const Tensor& adopt(const Tensor& src, const Tensor&) { return src; }
  static void cast(StridedIter& it, DType to, DType from, const char*) {  // a scalar is read where add_scalar put it
    CastLoop loop = kernels<ElementwiseKernels>().cast[int(to)][int(from)];
    it.coalesce();
    parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      it.run(b, e, [loop](char* const* p, const int64_t* s, int64_t n) { loop(p, s, n); });
    });
  }
  static Tensor to_device(const Tensor& host, int) { return host; }
  static Tensor to_cpu(const Tensor& t) { return cpu::contiguous(t); }
  static void synchronize(int) {}
};

using Entry = CopyEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/copy.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
