// Elementwise ops with numpy broadcasting and PyTorch's type promotion, forward and backward.
// Kernels: cpu/elementwise_simd.cpp (per-ISA loops). Binding: bindings/elementwise.cpp.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/elementwise_rules.h"
#include "core/kernels.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore::cpu {

// ptrs[0] is the output, ptrs[1..] the inputs; strides are in bytes, one per operand.
using ElementwiseLoop = void (*)(char* const* ptrs, const int64_t* strides, int64_t n, const OpParams& params);
using CastLoop = void (*)(char* const* ptrs, const int64_t* strides, int64_t n);

struct ElementwiseKernels {
  ElementwiseLoop loops[kNumEwOps][kNumDTypes];  // by the dtype the op computes in; null: not supported
  CastLoop cast[kNumDTypes][kNumDTypes];         // [to][from]
};

}  // namespace autocore::cpu
