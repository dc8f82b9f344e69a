// Copy, fill and dtype conversion on the CPU: core/copy_entry.h over the elementwise cast loops.
#include "core/copy_entry.h"
#include "core/elementwise_table.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/cast_loop.h"
#include "cpu/elementwise.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// Every pair of dtypes, built once without instruction-set flags: the loops per instruction set cover only the
// dtypes with loops of their own (core/elementwise_table.h's WideTypes), and take precedence.
struct PortableLoops {
  template <class To, class From> static constexpr CastLoop cast = &cast_loop<To, From>;
};
struct PortableCasts {
  CastLoop cast[kNumDTypes][kNumDTypes] = {};
  PortableCasts() { fill_casts<PortableLoops>(cast, AllTypes{}); }
};

CastLoop find_cast(DType to, DType from) {
  static const PortableCasts portable;
  CastLoop loop = kernels<ElementwiseKernels>().cast[int(to)][int(from)];
  return loop ? loop : portable.cast[int(to)][int(from)];
}

// The CPU side of core/copy_entry.h. The CPU is the host: a transfer to it is at most a copy into contiguous
// memory, and its kernels finish before they return.
struct CpuBackend {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }
  static const Tensor& adopt(const Tensor& src, const Tensor&) { return src; }
  static void cast(StridedIter& it, DType to, DType from, const char*) {  // a scalar is read where add_scalar put it
    CastLoop loop = find_cast(to, from);
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
