// Reductions over any set of dims with keepdim: sum, mean, var/std, max/min (with indices), amax/amin,
// argmax/argmin, and their backwards. Kernels: cpu/reduce_simd.cpp. Binding: bindings/reduce.cpp.
#pragma once
#include <cstdint>
#include <utility>

#include "core/kernels.h"
#include "core/reduce_plan.h"
#include "core/tensor.h"

namespace autocore::cpu {

using ReduceLoop = void (*)(const void* x, void* out, const ReduceShape& shape);
using ArgReduceLoop = void (*)(const void* x, void* values, int64_t* indices, const ReduceShape& shape);
using VarLoop = void (*)(const void* x, void* out, const ReduceShape& shape, double correction);

struct ReduceKernels {
  ReduceLoop sum[kNumDTypes];     // float -> same float; int64 and bool -> int64
  ArgReduceLoop max[kNumDTypes];  // values and first index of the maximum; NaN wins
  ArgReduceLoop min[kNumDTypes];
  VarLoop var[kNumDTypes];  // floats only; two-pass (mean, then squared deviations)
};

}  // namespace autocore::cpu
