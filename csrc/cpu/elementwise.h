// Elementwise ops with numpy broadcasting and PyTorch's type promotion, forward and backward.
// Kernels: cpu/elementwise_simd.cpp (per-ISA loops). Binding: bindings/elementwise.cpp.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore::cpu {

// The backward ops take (grad, saved...) and give the gradient for one input.
enum class EwOp : uint8_t {
  // binary, out dtype = compute dtype
  add, sub, mul, div, pow, maximum, minimum,
  // binary, out dtype = bool
  eq, ne, lt, le, gt, ge,
  // unary
  neg, abs, exp, log, sqrt, sin, cos, relu, leaky_relu, sigmoid, tanh, clamp, erf,
  // binary backward: (grad, x) or (grad, out)
  abs_backward, sqrt_backward, sin_backward, cos_backward, relu_backward, leaky_relu_backward,
  sigmoid_backward, tanh_backward, clamp_backward,
  // ternary
  where, div_backward_other, pow_backward_base, pow_backward_exponent, maximum_backward, minimum_backward,
  count
};
constexpr int kNumEwOps = static_cast<int>(EwOp::count);
const char* ew_op_name(EwOp op);

struct OpParams {
  double alpha = 0;  // leaky_relu's negative slope; clamp's min
  double beta = 0;   // clamp's max
};

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
