// In-place optimizer steps over lists of tensors (params, grads, state buffers), one call per step:
// sgd_, adam_ (and AdamW), adagrad_, adadelta_, rmsprop_. The update rules are PyTorch's single-tensor
// (foreach=False) paths in torch/optim/*.py, op for op, with Python-float hyper-parameters rounded to the
// param's dtype where PyTorch's tensor ops round them. Checks and step scalars: core/optim_rules.h.
// Kernels: cpu/optim_update_simd.cpp.
// Binding: bindings/optim_update.cpp.
#pragma once
#include <cstdint>
#include <vector>

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

using autocore::TensorList;

// State lists a configuration does not use (momentum_buffers with momentum == 0, max_exp_avg_sqs without
// amsgrad, grad_avgs without centered) may be empty.
void sgd_(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step);
void adam_(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
           const TensorList& max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2, double eps,
           double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay);
void adagrad_(const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step, double lr,
              double lr_decay, double weight_decay, double eps, bool maximize);
void adadelta_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
               const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay, bool maximize);
void rmsprop_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
              const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize);

}  // namespace autocore::cpu
