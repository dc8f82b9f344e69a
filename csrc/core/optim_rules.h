// What an optimizer step means, independent of the device that runs it: PyTorch's hyper-parameter checks, the
// step-dependent scalars (computed once per call in double, as PyTorch's Python arithmetic does), and the checks
// on the lists of params, grads and state. cpu/optim_update.cpp and cuda/optim_update.cu both apply these.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace autocore {

using TensorList = std::vector<Tensor>;

// Everything a rule may need.
struct OptimHyper {
  double lr = 0, weight_decay = 0, eps = 0;
  double momentum = 0, dampening = 0;               // sgd, rmsprop (momentum)
  double beta1 = 0, beta2 = 0;                      // adam
  double step_size = 0, bias_correction2_sqrt = 1;  // adam: lr / (1 - beta1^step), sqrt(1 - beta2^step)
  double clr = 0;                                   // adagrad: lr / (1 + (step - 1) * lr_decay)
  double rho = 0;                                   // adadelta
  double alpha = 0;                                 // rmsprop
  bool nesterov = false, maximize = false, first_step = false, amsgrad = false, decoupled_weight_decay = false,
       centered = false;
};

struct NamedList {
  const char* name;
  const TensorList* tensors;  // nullptr: a state list this configuration does not use (it may be empty)
  bool written;               // updated in place (a param or a state buffer), not only read (a grad)
};

// The most lists a rule takes: param, grad and three state buffers (Adam with amsgrad, centered RMSprop).
constexpr int kOptimOperands = 5;

// One checked update: index 0 of `lists` the params, 1 the grads, then the rule's state lists in the order of
// the entry point's arguments.
struct OptimStep {
  const char* op;
  std::vector<NamedList> lists;
  OptimHyper hyper;
};

// After a step: the version of every tensor it updated in place (params and state buffers) moves on.
void bump_written_versions(const OptimStep& step);

OptimStep sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
                   double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
                   bool first_step);
OptimStep adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                    const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, int64_t step, double lr,
                    double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
                    bool decoupled_weight_decay);
OptimStep adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step,
                       double lr, double lr_decay, double weight_decay, double eps, bool maximize);
OptimStep adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                        const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                        bool maximize);
OptimStep rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                       const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha,
                       double eps, double weight_decay, double momentum, bool centered, bool maximize);

// Every list against the params: as many, none missing, same shape, dtype and device, params floating point and
// on a device of `device_type`, no written tensor with overlapping elements. Raises before memory is touched.
void check_step_lists(const OptimStep& step, DeviceType device_type);

}  // namespace autocore
