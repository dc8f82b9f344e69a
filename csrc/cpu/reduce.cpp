// Reductions on the CPU: core/reduce_entry.h's entry points and backwards over the per-ISA loops
// (cpu/reduce_simd.cpp), run on the [outer, r, inner] plan of core/reduce_plan.h and split across threads.
#include "cpu/reduce.h"

#include <cmath>

#include "core/kernels.h"
#include "core/parallel.h"
#include "core/reduce_entry.h"
#include "cpu/elementwise.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

struct Plan {
  Tensor source;  // x itself, or a contiguous copy with the kept dims moved in front
  ReduceShape shape;
};

Plan make_plan(const Tensor& x, const DimMask& mask) {
  ReduceLayout layout = reduce_layout(x, mask);
  return {layout.needs_copy ? contiguous(x.permute(layout.order)) : x, layout.shape};
}

// Splits the work over threads along outer, or along inner when there is a single outer row.
template <class Fn>
void run_parallel(const ReduceShape& s, const Fn& fn) {
  const int64_t work = s.outer * s.r * s.inner;
  if (s.outer > 1 || s.inner == 1) {
    int64_t grain = work > kElementwiseGrain
                        ? std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, s.r * s.inner))
                        : s.outer;
    parallel_for(0, s.outer, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.outer = e - b;
      fn(part, b * s.outer_stride, b * s.out_outer_stride);
    });
  } else {
    int64_t grain =
        work > kElementwiseGrain ? std::max<int64_t>(256, kElementwiseGrain / std::max<int64_t>(1, s.r)) : s.inner;
    parallel_for(0, s.inner, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.inner = e - b;
      fn(part, b, b);
    });
  }
}

// The CPU side of core/reduce_entry.h.
struct CpuBackend : CpuKernels {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }

  static void sum_into(const Tensor& x, const DimMask& mask, const Tensor& out) {
    Plan plan = make_plan(x, mask);
    ReduceLoop loop = loop_for(kernels<ReduceKernels>().sum, x.dtype(), "sum");
    const char* src = static_cast<const char*>(plan.source.data_ptr());
    char* dst = static_cast<char*>(out.data_ptr());
    const size_t in_size = x.itemsize(), out_size = out.itemsize();
    const ReduceShape& s = plan.shape;
    // One long row (the loss of a big batch): a partial sum per thread, then a sum of the partials.
    if (s.outer == 1 && s.inner == 1 && s.r > 4 * kElementwiseGrain && get_num_threads() > 1) {
      const int64_t chunks = get_num_threads(), step = (s.r + chunks - 1) / chunks;
      Tensor partial = Tensor::empty(Dims{chunks}, out.dtype(), x.device());
      char* partial_data = static_cast<char*>(partial.data_ptr());
      parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          int64_t lo = std::min(s.r, c * step), n = std::min(s.r, lo + step) - lo;
          loop(src + lo * in_size, partial_data + c * out_size, ReduceShape{1, n, 1, n, 1, 1});
        }
      });
      kernels<ReduceKernels>().sum[int(out.dtype())](partial_data, dst, ReduceShape{1, chunks, 1, chunks, 1, 1});
      return;
    }
    run_parallel(s, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
      loop(src + in_offset * in_size, dst + out_offset * out_size, part);
    });
  }

  static void arg_reduce_into(const Tensor& x, const DimMask& mask, bool is_max, const Tensor& values,
                              const Tensor& indices) {
    Plan plan = make_plan(x, mask);
    ArgReduceLoop loop = loop_for(is_max ? kernels<ReduceKernels>().max : kernels<ReduceKernels>().min, x.dtype(),
                                  is_max ? "max" : "min");
    const char* src = static_cast<const char*>(plan.source.data_ptr());
    char* vdst = values.defined() ? static_cast<char*>(values.data_ptr()) : nullptr;
    int64_t* idst = indices.defined() ? indices.data<int64_t>() : nullptr;
    const size_t size = x.itemsize();
    run_parallel(plan.shape, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
      loop(src + in_offset * size, vdst ? vdst + out_offset * size : nullptr, idst ? idst + out_offset : nullptr, part);
    });
  }

  static void var_into(const Tensor& x, const DimMask& mask, double correction, const Tensor& out) {
    Plan plan = make_plan(x, mask);
    VarLoop loop = loop_for(kernels<ReduceKernels>().var, x.dtype(), "var");
    const char* src = static_cast<const char*>(plan.source.data_ptr());
    char* dst = static_cast<char*>(out.data_ptr());
    const size_t size = x.itemsize();
    run_parallel(plan.shape, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
      loop(src + in_offset * size, dst + out_offset * size, part, correction);
    });
  }

  static void scatter_index(const Tensor& g, const Tensor& index, const Tensor& result, int64_t outer, int64_t inner,
                            int64_t size, int d) {
    const int64_t* idx = index.data<int64_t>();
    for (int64_t k = 0; k < outer * inner; ++k)
      AC_CHECK(idx[k] >= 0 && idx[k] < size, IndexError, "index ", idx[k], " is out of bounds for dimension ", d,
               " with size ", size);
    dispatch_floating(g.dtype(), "index_reduce_backward", [&](auto zero) {
      using T = decltype(zero);
      const T* src = g.data<T>();
      T* dst = result.data<T>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) dst[(o * size + idx[o * inner + i]) * inner + i] = src[o * inner + i];
    });
  }
};

using Entry = ReduceEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/reduce.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
