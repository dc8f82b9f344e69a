// softmax / log_softmax over a dim, nll_loss, fused cross_entropy and the pointwise losses (mse, l1, bce, bce with
// logits) on CUDA, with cpu/softmax_loss.h's entry points, checks and math. Kernels: cuda/softmax_loss.cu.
#pragma once
#include <string>
#include <utility>

#include "core/loss_rules.h"
#include "core/tensor.h"
#include "cpu/softmax_loss.h"  // for CrossEntropyResult only: no cpu:: function is linked into _C_cuda

namespace autocore::cuda {

using cpu::CrossEntropyResult;

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim);
Tensor log_softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim);

// As cpu::nll_loss: (loss, total_weight). total_weight may be a CUDA tensor on grad's device (what the forward
// returns; the kernels read it there) or a CPU scalar.
std::pair<Tensor, Tensor> nll_loss(const Tensor& input, const Tensor& target, const Tensor* weight, Reduction reduction,
                                   int64_t ignore_index);
Tensor nll_loss_backward(const Tensor& grad, const Dims& input_shape, const Tensor& target, const Tensor* weight,
                         Reduction reduction, int64_t ignore_index, const Tensor& total_weight);

CrossEntropyResult cross_entropy(const Tensor& input, const Tensor& target, const Tensor* weight, Reduction reduction,
                                 int64_t ignore_index, double label_smoothing);
Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& row_stats,
                              const Tensor& total_weight, const Tensor* weight, Reduction reduction,
                              int64_t ignore_index, double label_smoothing);

Tensor pointwise_loss(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                      const Tensor* pos_weight, Reduction reduction);
Tensor pointwise_loss_backward(PointwiseLoss kind, const Tensor& grad, const Tensor& input, const Tensor& target,
                               const Tensor* weight, const Tensor* pos_weight, Reduction reduction,
                               bool wrt_target = false);

}  // namespace autocore::cuda
