// What an elementwise op means, independent of the device that runs it: the op list, the dtype it computes
// in, and the rules for `out=` tensors. cpu/elementwise.cpp and cuda/elementwise.cu both apply these.
#pragma once
#include <cstdint>
#include <limits>

#include "core/dtype.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore {

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
  // clamp's bounds for int64 data, exact: through a double, 2**63 - 1 would round to 2**63 and wrap.
  int64_t int_min = std::numeric_limits<int64_t>::min(), int_max = std::numeric_limits<int64_t>::max();
};

inline bool is_comparison(EwOp op) { return op >= EwOp::eq && op <= EwOp::ge; }
// The dtype an op computes in, given its inputs' promoted dtype: true division and the transcendental
// functions take integers to the default float dtype.
DType compute_dtype(EwOp op, DType promoted);
// PyTorch refuses `-` whenever a bool is involved, tensor or Python bool, even if the other side would
// promote it to a number.
void check_sub_without_bool(EwOp op, bool a_is_bool, bool b_is_bool);

// PyTorch's canCast: no float -> integer, no number -> bool.
bool can_cast(DType from, DType to);
// Refuses outputs where two elements share memory (an expanded tensor), which parallel writes would race on.
void check_no_internal_overlap(const Tensor& out, const char* op);
// The same memory with each broadcast (stride-0) dim cut to one element, so every location appears once: what
// fill_ writes, since its value does not depend on the position (PyTorch fills expanded views).
Tensor distinct_elements(const Tensor& t);
// Checks an `out=` tensor against the result's shape and dtype.
void check_out(const Tensor& out, const Dims& shape, DType dtype, EwOp op);

}  // namespace autocore
