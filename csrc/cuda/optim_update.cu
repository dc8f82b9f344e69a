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

// The same on a float16 or bfloat16 param: computed in float, rounded back once per step.
template <template <class> class Rule, class Narrow>
__global__ void widened_optim_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  const Rule<float> rule(h);
  const auto flags = Rule<float>::flags(h);
  AC_GRID_STRIDE_LOOP(i, n) optim_math::apply_rule_widened<Narrow>(rule, o.ptrs, i, flags);
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
      const unsigned blocks = blocks_for(n, 4);
      switch (params[i].dtype()) {  // (check_step_lists let only floating dtypes through)
        case DType::Float32:
          optim_kernel<Rule, float><<<blocks, kThreads, 0, s>>>(o, n, step.hyper);
          break;
        case DType::Float64:
          optim_kernel<Rule, double><<<blocks, kThreads, 0, s>>>(o, n, step.hyper);
          break;
        case DType::Float16:
          widened_optim_kernel<Rule, Half><<<blocks, kThreads, 0, s>>>(o, n, step.hyper);
          break;
        default:
          widened_optim_kernel<Rule, BFloat16><<<blocks, kThreads, 0, s>>>(o, n, step.hyper);
          break;
      }
      AC_CUDA_CHECK_LAUNCH();
    }
  }
};

using Entry = OptimEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/optim_update.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
