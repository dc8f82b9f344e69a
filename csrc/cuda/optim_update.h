// In-place optimizer steps on CUDA, with cpu/optim_update.h's entry points and rules: PyTorch's single-tensor
// update rules op for op, hyper-parameters rounded to the param's dtype where the CPU rounds them, the same
// list checks. Kernels: cuda/optim_update.cu. Binding: cuda/bindings/optim_update.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "core/optim_rules.h"
#include "core/tensor.h"

namespace autocore::cuda {

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

}  // namespace autocore::cuda
