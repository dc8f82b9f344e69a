// In-place optimizer steps over lists of tensors (params, grads, state buffers), one call per step:
// sgd_, adam_ (and AdamW), adagrad_, adadelta_, rmsprop_. The update rules are core/optim_math.h's; checks and step
// scalars: core/optim_entry.h. Loops: cpu/optim_update_simd.cpp. Binding: bindings/optim_update.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "core/kernels.h"
#include "core/optim_math.h"
#include "core/optim_rules.h"
#include "core/tensor.h"

namespace autocore::cpu {

using autocore::OptimHyper;

// Operands of one contiguous stretch: ptrs[0] the param, ptrs[1] the grad, ptrs[2..4] the rule's state
// buffers in the order of the entry point's arguments (unused ones null).
using OptimLoop = void (*)(void* const* ptrs, int64_t n, const OptimHyper& hyper);

struct OptimKernels {
  OptimLoop loops[optim_math::kNumOptimRules][kNumDTypes];  // by rule (optim_math::OptimRule), then param dtype
};

}  // namespace autocore::cpu
