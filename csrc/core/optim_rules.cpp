// The device-independent rules of the optimizer steps (see the header).
#include "core/optim_rules.h"

#include <cmath>

#include "core/elementwise_rules.h"

namespace autocore {

namespace {

// The PyTorch optimizer constructors' checks, e.g. "Invalid learning rate: -1".
void check_hyper(bool ok, const char* what, double value) { AC_CHECK(ok, ValueError, "Invalid ", what, ": ", value); }

void check_step_count(int64_t step, const char* op) {
  AC_CHECK(step >= 1, RuntimeError, op, ": step counts from 1 (the value after the increment), got ", step);
}

}  // namespace

OptimStep sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
                   double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
                   bool first_step) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(momentum >= 0, "momentum value", momentum);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  AC_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
           "Nesterov momentum requires a momentum and zero dampening");
  OptimStep step{"sgd_",
                 {{"params", &params, true},
                  {"grads", &grads, false},
                  {"momentum_buffers", momentum != 0 ? &momentum_buffers : nullptr, true}},
                 {}};
  OptimHyper& h = step.hyper;
  h.lr = lr, h.momentum = momentum, h.dampening = dampening, h.weight_decay = weight_decay;
  h.nesterov = nesterov, h.maximize = maximize, h.first_step = first_step;
  return step;
}

OptimStep adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                    const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, int64_t step_count, double lr,
                    double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
                    bool decoupled_weight_decay) {
  const char* op = decoupled_weight_decay ? "adamw_" : "adam_";
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(eps >= 0, "epsilon value", eps);
  AC_CHECK(beta1 >= 0 && beta1 < 1, ValueError, "Invalid beta parameter at index 0: ", beta1);
  AC_CHECK(beta2 >= 0 && beta2 < 1, ValueError, "Invalid beta parameter at index 1: ", beta2);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  check_step_count(step_count, op);
  OptimStep step{op,
                 {{"params", &params, true},
                  {"grads", &grads, false},
                  {"exp_avgs", &exp_avgs, true},
                  {"exp_avg_sqs", &exp_avg_sqs, true},
                  {"max_exp_avg_sqs", amsgrad ? &max_exp_avg_sqs : nullptr, true}},
                 {}};
  OptimHyper& h = step.hyper;
  h.lr = lr, h.beta1 = beta1, h.beta2 = beta2, h.eps = eps, h.weight_decay = weight_decay;
  h.amsgrad = amsgrad, h.maximize = maximize, h.decoupled_weight_decay = decoupled_weight_decay;
  const double steps = static_cast<double>(step_count);
  h.step_size = lr / (1 - std::pow(beta1, steps));
  h.bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, steps));
  return step;
}

OptimStep adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                       int64_t step_count, double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(lr_decay >= 0, "lr_decay value", lr_decay);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  check_hyper(eps >= 0, "epsilon value", eps);
  check_step_count(step_count, "adagrad_");
  OptimStep step{
      "adagrad_", {{"params", &params, true}, {"grads", &grads, false}, {"state_sums", &state_sums, true}}, {}};
  OptimHyper& h = step.hyper;
  h.weight_decay = weight_decay, h.eps = eps, h.maximize = maximize;
  h.clr = lr / (1 + static_cast<double>(step_count - 1) * lr_decay);
  return step;
}

OptimStep adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                        const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                        bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(rho >= 0 && rho <= 1, "rho value", rho);
  check_hyper(eps >= 0, "epsilon value", eps);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  OptimStep step{"adadelta_",
                 {{"params", &params, true},
                  {"grads", &grads, false},
                  {"square_avgs", &square_avgs, true},
                  {"acc_deltas", &acc_deltas, true}},
                 {}};
  OptimHyper& h = step.hyper;
  h.lr = lr, h.rho = rho, h.eps = eps, h.weight_decay = weight_decay, h.maximize = maximize;
  return step;
}

OptimStep rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                       const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha,
                       double eps, double weight_decay, double momentum, bool centered, bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(eps >= 0, "epsilon value", eps);
  check_hyper(momentum >= 0, "momentum value", momentum);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  check_hyper(alpha >= 0, "alpha value", alpha);
  OptimStep step{"rmsprop_",
                 {{"params", &params, true},
                  {"grads", &grads, false},
                  {"square_avgs", &square_avgs, true},
                  {"momentum_buffers", momentum > 0 ? &momentum_buffers : nullptr, true},
                  {"grad_avgs", centered ? &grad_avgs : nullptr, true}},
                 {}};
  OptimHyper& h = step.hyper;
  h.lr = lr, h.alpha = alpha, h.eps = eps, h.weight_decay = weight_decay, h.momentum = momentum;
  h.centered = centered, h.maximize = maximize;
  return step;
}

void check_step_lists(const OptimStep& step, DeviceType device_type) {
  const char* op = step.op;
  const TensorList& params = *step.lists[0].tensors;
  const size_t count = params.size();
  for (const NamedList& list : step.lists) {
    if (!list.tensors) continue;
    AC_CHECK(list.tensors->size() == count, RuntimeError, op, ": expected as many ", list.name, " as params (", count,
             "), got ", list.tensors->size());
  }
  for (size_t i = 0; i < count; ++i) {
    const Tensor& p = params[i];
    AC_CHECK(p.defined(), RuntimeError, op, ": params[", i, "] is None");
    AC_CHECK(is_floating(p.dtype()), RuntimeError, op, ": params[", i,
             "] must be a floating point tensor (float32 or float64), got ", dtype_name(p.dtype()));
    AC_CHECK(p.device().type == device_type, RuntimeError, op, ": params[", i, "] is on ", p.device().str(),
             "; expected a ", device_type == DeviceType::CPU ? "CPU" : "CUDA", " tensor");
    for (const NamedList& list : step.lists) {
      if (!list.tensors || list.tensors == &params) continue;
      const Tensor& t = (*list.tensors)[i];
      AC_CHECK(t.defined(), RuntimeError, op, ": ", list.name, "[", i, "] is None");
      AC_CHECK(t.shape() == p.shape(), RuntimeError, op, ": ", list.name, "[", i, "] has shape ", t.shape().str(),
               " but params[", i, "] has shape ", p.shape().str());
      AC_CHECK(t.dtype() == p.dtype(), RuntimeError, op, ": ", list.name, "[", i, "] has dtype ", dtype_name(t.dtype()),
               " but params[", i, "] has dtype ", dtype_name(p.dtype()));
      AC_CHECK(t.device() == p.device(), RuntimeError, op, ": ", list.name, "[", i, "] is on ", t.device().str(),
               " but params[", i, "] is on ", p.device().str());
    }
    for (const NamedList& list : step.lists)  // (an empty tensor, whatever its strides, has nothing to overlap)
      if (list.tensors && list.written && p.numel() > 0) check_no_internal_overlap((*list.tensors)[i], op);
  }
}

void bump_written_versions(const OptimStep& step) {
  for (const NamedList& list : step.lists)
    if (list.written && list.tensors)
      for (const Tensor& t : *list.tensors) t.bump_version();
}

}  // namespace autocore
