// What the losses mean, independent of the device that runs them: reductions, the names PyTorch gives the
// pointwise losses, how a class-index loss lays out its input and target, and the checks PyTorch makes.
// cpu/softmax_loss.cpp and cuda/softmax_loss.cu both apply these.
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace autocore {

enum class Reduction : uint8_t { none, mean, sum };
Reduction parse_reduction(const std::string& name);  // ValueError: "'xyz' is not a valid value for reduction"

// cross_entropy's results: the loss, each row's max and log-sum (float64; what the backward needs besides input and
// target) and total_weight, the divisor of the mean. A floating target of input's shape holds class probabilities,
// as in PyTorch: its mean divides by the number of samples, which is then what total_weight holds.
struct CrossEntropyResult {
  Tensor loss, row_stats, total_weight;
};

enum class PointwiseLoss : uint8_t { mse, l1, bce, bce_with_logits };
const char* pointwise_loss_name(PointwiseLoss kind);

std::string torch_size(const Dims& shape);  // "torch.Size([2, 3])", as PyTorch prints shapes in loss messages
void check_loss_floating(const Tensor& x, const char* kernel_name);  // "\"kernel\" not implemented for 'Long'"
void check_loss_dtype(const Tensor& t, DType expected);              // "expected scalar type Float but found ..."

// input (C), (N, C) or (N, C, d1, ...) seen as [batch, classes, inner]; target has `batch * inner` entries.
struct ClassLayout {
  int64_t batch = 1, classes = 1, inner = 1;
  Dims target_shape;
};
ClassLayout class_layout(const Dims& input, const Tensor& target);
void check_class_target_dtype(const Tensor& target);

// nll_loss's operands, checked: `values` (the input, or in the backward the incoming grad) must be floating point
// (else "\"kernel_name\" not implemented"), the target int64 class indices, the weight one per class.
ClassLayout nll_layout(const Dims& input_shape, const Tensor& values, const Tensor& target, const Tensor* weight,
                       const char* kernel_name);

// cross_entropy's input and target, checked, as [batch, classes, inner]. PyTorch's rule: a target of the
// input's own shape holds class probabilities (`probs`); otherwise class indices, as for nll_loss.
struct CrossEntropyLayout {
  ClassLayout layout;
  bool probs;
};
CrossEntropyLayout cross_entropy_layout(const Tensor& input, const Tensor& target, const Tensor* weight,
                                        int64_t ignore_index, double label_smoothing);
// A per-class weight: on input's device, one per class, of input's dtype.
void check_class_weight(const Tensor* weight, const Tensor& input, int64_t classes);

// PyTorch scales its label-smoothing term by eps / C: with no classes that is inf times a sum of nothing, so a
// summed class-index loss is NaN even over no rows (each row's loss is NaN too).
inline bool smoothing_over_no_classes(const ClassLayout& layout, bool probs, double label_smoothing) {
  return !probs && label_smoothing != 0 && layout.classes == 0;
}

// What cross_entropy's forward keeps for its backward: per row, the max m and log(sum exp(x - m)), in float64,
// shaped as the unreduced loss + [2]. The softmax is then exp((x - m) - log_sum), exact at any scale of the
// logits; exp(x - lse) would lose log_sum against an m of 1e30, as lse = m + log_sum rounds to m.
Dims row_stats_shape(const ClassLayout& layout);
void check_row_stats(const Tensor& stats, const ClassLayout& layout, const char* op);

// A pointwise loss's operands, checked: the dtype it computes in (mse and l1 promote input and target, the binary
// cross-entropies need one dtype), the shape the operands broadcast to, and whether weight and pos_weight may
// broadcast to it. Devices are the backend's to check.
struct PointwiseShape {
  DType dtype;
  Dims shape;
  bool promotes;  // mse, l1: a weighted mean divides by the weights' sum
};
PointwiseShape pointwise_shape(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                               const Tensor* pos_weight);

// The grad of a loss: the target's shape for reduction='none' (stride 1), a single number otherwise (stride 0).
int64_t grad_stride(const Tensor& grad, const Dims& unreduced_shape, Reduction reduction, const char* op);

}  // namespace autocore
