// Elementwise ops with numpy broadcasting and PyTorch's type promotion, forward and backward.
// Kernels: cpu/elementwise_simd.cpp (per-ISA loops). Binding: bindings/elementwise.cpp.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/elementwise_rules.h"
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

// `out`, when given, receives the result (it must have the result's shape); it may alias an input.
Tensor unary(EwOp op, const Tensor& x, const OpParams& params = {}, const Tensor* out = nullptr);
Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out = nullptr, const OpParams& params = {});
Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out = nullptr);
Tensor binary(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out = nullptr);
Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out = nullptr);
Tensor leaky_relu(const Tensor& x, double negative_slope, const Tensor* out = nullptr);

}  // namespace autocore::cpu
