// softmax / log_softmax over a dim, nll_loss, fused cross_entropy (one log-sum-exp pass per row), and the
// pointwise losses mse, l1, binary cross-entropy with and without logits; forwards and backwards.
// Kernels: cpu/softmax_loss_simd.cpp (exp/log from cpu/simd_math.h). Binding: bindings/softmax_loss.cpp.
#pragma once
#include <cstdint>
#include <string>

#include "core/kernels.h"
#include "core/loss_rules.h"
#include "core/tensor.h"
#include "cpu/reduce.h"

namespace autocore::cpu {

using autocore::parse_reduction;
using autocore::Reduction;

using autocore::pointwise_loss_name;
using autocore::PointwiseLoss;

// Softmax kernels see a contiguous [outer, r, inner] block (the softmax runs along r) through a
// ReduceShape; out and the gradients share its layout, so one set of offsets serves every operand.
using SoftmaxLoop = void (*)(const void* x, void* out, const ReduceShape& s, bool log);
using SoftmaxBackwardLoop = void (*)(const void* grad, const void* out, void* grad_input, const ReduceShape& s,
                                     bool log);

// Cross-entropy over rows of `classes` contiguous logits, for the rows [begin, end). Targets have been
// checked to lie in [0, classes) or equal ignore_index. weight (per class) may be null: all ones.
struct CrossEntropyArgs {
  const void* input;
  const int64_t* target;  // class indices, or null when probs is given
  const void* probs;      // class probabilities, rows like input (PyTorch's float targets)
  const void* weight;
  int64_t classes, ignore_index;
  double label_smoothing;
  double weight_total;  // sum of the class weights (classes when weight is null), for label smoothing
};
// Writes the row's log-sum-exp (float64: with logits of 1e4 a float32 one would lose the gradient's
// low bits), its loss (1 - eps) w[t] (lse - x_t) + eps/C sum_c w_c (lse - x_c) and w[t]; ignored rows get
// 0, 0, 0. With probs: the loss sum_c w_c y_c (lse - x_c), y = (1 - eps) probs + eps/C, and weight 1.
using CrossEntropyLoop = void (*)(const CrossEntropyArgs& a, int64_t begin, int64_t end, double* row_stats,
                                  double* row_loss, double* row_weight);
// grad_input row = grad[i * grad_stride] * scale * d(row loss)/dx, from the saved log-sum-exp.
using CrossEntropyBackwardLoop = void (*)(const CrossEntropyArgs& a, int64_t begin, int64_t end,
                                          const double* row_stats, const void* grad, int64_t grad_stride, double scale,
                                          void* grad_input);

// Pointwise losses over n contiguous elements of equal shape (broadcasting is done by the caller);
// weight and pos_weight may be null.
struct PointwiseArgs {
  const void* input;
  const void* target;
  const void* weight;
  const void* pos_weight;
};
// With out: writes each element's loss and returns 0. Without: returns the sum over [begin, end).
using PointwiseLossLoop = double (*)(PointwiseLoss kind, const PointwiseArgs& a, void* out, int64_t begin, int64_t end);
// grad_input[i] = grad[i * grad_stride] * scale * d loss_i / d input_i (or d target_i).
using PointwiseLossBackwardLoop = void (*)(PointwiseLoss kind, const PointwiseArgs& a, const void* grad,
                                           int64_t grad_stride, double scale, bool wrt_target, void* grad_input,
                                           int64_t begin, int64_t end);

// True when every x_i lies in [0, 1] (NaN does not): binary_cross_entropy's input check.
using RangeCheckLoop = bool (*)(const void* x, int64_t n);

enum class MathFn : uint8_t { exp, log, log1p, count };
using MathLoop = void (*)(const void* x, void* out, int64_t n);

struct SoftmaxLossKernels {
  SoftmaxLoop softmax[kNumDTypes];  // floats only
  SoftmaxBackwardLoop softmax_backward[kNumDTypes];
  CrossEntropyLoop cross_entropy[kNumDTypes];
  CrossEntropyBackwardLoop cross_entropy_backward[kNumDTypes];
  PointwiseLossLoop pointwise_loss[kNumDTypes];
  PointwiseLossBackwardLoop pointwise_loss_backward[kNumDTypes];
  RangeCheckLoop in_unit_interval[kNumDTypes];
  MathLoop math[static_cast<int>(MathFn::count)][kNumDTypes];  // simd_math.h over an array
};

// simd_math.h's functions over a tensor, for testing them against numpy.
Tensor simd_math(MathFn fn, const Tensor& x);

}  // namespace autocore::cpu
