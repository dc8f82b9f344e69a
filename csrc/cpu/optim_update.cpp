// Optimizer steps on the CPU: core/optim_entry.h's checks and step scalars (all before any memory is touched) over
// the per-ISA loops of cpu/optim_update_simd.cpp, threaded over the concatenation of every param's elements.
#include "cpu/optim_update.h"

#include <algorithm>
#include <cmath>

#include "core/kernels.h"
#include "core/optim_entry.h"
#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// The CPU side of core/optim_entry.h: the rule's loop of each param's dtype over the concatenation of every param's
// elements, split across threads at any element boundary (a thread's range may start inside one tensor and end
// inside another).
struct CpuBackend {
  static constexpr DeviceType kDevice = DeviceType::CPU;

  template <template <class> class Rule>
  static void run(const OptimStep& step, const OptimOperands& operands) {
    run_loops(step, operands, kernels<OptimKernels>().loops[int(Rule<float>::id)]);
  }

  static void run_loops(const OptimStep& step, const OptimOperands& operands, const OptimLoop* loops) {
    const TensorList& params = *step.lists[0].tensors;
    std::vector<int64_t> starts{0};
    for (const Tensor& p : params) starts.push_back(starts.back() + p.numel());
    // ~5 operands read or written per element: threads pay off at a fifth of the elementwise grain.
    parallel_for(0, starts.back(), kElementwiseGrain / 4, [&](int64_t begin, int64_t end) {
      size_t i = std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin() - 1;
      for (int64_t at = begin; at < end; ++i) {
        const int64_t stop = std::min(end, starts[i + 1]), local = at - starts[i];
        if (stop == at) continue;
        const DType dtype = params[i].dtype();
        const int64_t item = static_cast<int64_t>(itemsize(dtype));
        void* ptrs[kOptimOperands] = {};
        for (int k = 0; k < kOptimOperands; ++k)
          if (void* base = operands.row(i)[k]) ptrs[k] = static_cast<char*>(base) + local * item;
        loops[int(dtype)](ptrs, stop - at, step.hyper);
        at = stop;
      }
    });
  }
};

using Entry = OptimEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/optim_update.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
