// Optimizer steps on CUDA: core/optim_entry.h's checks (all before any memory is touched) and step scalars (on the
// host, in double), and one grid-stride launch per param of the rule the CPU's loops apply (core/optim_math.h).
#include "core/kernels.h"

#include <algorithm>

#include "core/elementwise_rules.h"
#include "core/optim_entry.h"
#include "cuda/elementwise.h"
#include "cuda/elementwise_kernel.cuh"  // AC_GRID_STRIDE_LOOP
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

// ptrs[0] the param, ptrs[1] the grad, ptrs[2..4] the rule's state buffers (unused ones null), passed by value.
struct OptimPtrs {
  void* ptrs[kOptimOperands];
};

// One rule (core/optim_math.h) over a param's n elements; its flags are uniform across the launch.
template <template <class> class Rule, class T>
__global__ void optim_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  const Rule<T> rule(h);
  const optim_math::OptimArrays<T> a = optim_math::optim_arrays<T>(o.ptrs);
  const auto flags = Rule<T>::flags(h);
  AC_GRID_STRIDE_LOOP(i, n) optim_math::apply_rule(rule, a, i, flags);
}

// The CUDA side of core/optim_entry.h: one launch per param, on its device's stream, with the kernel of its dtype.
struct CudaBackend {
  static constexpr DeviceType kDevice = DeviceType::CUDA;

  template <template <class> class Rule>
  static void run(const OptimStep& step, const OptimOperands& operands) {
    const TensorList& params = *step.lists[0].tensors;
    for (size_t i = 0; i < params.size(); ++i) {
      const int64_t n = params[i].numel();
      if (n == 0) continue;
      OptimPtrs o;
      std::copy(operands.row(i), operands.row(i) + kOptimOperands, o.ptrs);
      const cudaStream_t s = stream(tensor_device(params[i], step.op));
      if (params[i].dtype() == DType::Float32)
        optim_kernel<Rule, float><<<blocks_for(n, 4), kThreads, 0, s>>>(o, n, step.hyper);
      else optim_kernel<Rule, double><<<blocks_for(n, 4), kThreads, 0, s>>>(o, n, step.hyper);
      AC_CUDA_CHECK_LAUNCH();
    }
  }
};

using Entry = OptimEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/optim_update.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
