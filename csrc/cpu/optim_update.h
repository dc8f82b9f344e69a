// In-place optimizer steps over lists of tensors (params, grads, state buffers), one call per step:
// sgd_, adam_ (and AdamW), adagrad_, adadelta_, rmsprop_. The update rules are PyTorch's single-tensor
// (foreach=False) paths in torch/optim/*.py, op for op, with Python-float hyper-parameters rounded to the
// param's dtype where PyTorch's tensor ops round them. Checks and step scalars: core/optim_rules.h.
// Kernels: cpu/optim_update_simd.cpp.
// Binding: bindings/optim_update.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "core/kernels.h"
#include "core/optim_rules.h"
#include "core/tensor.h"

namespace autocore::cpu {

using autocore::OptimHyper;

// Operands of one contiguous stretch: ptrs[0] the param, ptrs[1] the grad, ptrs[2..4] the rule's state
// buffers in the order of the entry point's arguments (unused ones null).
using OptimLoop = void (*)(void* const* ptrs, int64_t n, const OptimHyper& hyper);

struct OptimKernels {
  OptimLoop sgd[kNumDTypes];       // state: momentum_buffer
  OptimLoop adam[kNumDTypes];      // state: exp_avg, exp_avg_sq, max_exp_avg_sq
  OptimLoop adagrad[kNumDTypes];   // state: state_sum
  OptimLoop adadelta[kNumDTypes];  // state: square_avg, acc_delta
  OptimLoop rmsprop[kNumDTypes];   // state: square_avg, momentum_buffer, grad_avg
};

}  // namespace autocore::cpu
