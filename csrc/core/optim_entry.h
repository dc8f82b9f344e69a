// The optimizer steps, written once over a device backend: PyTorch's hyper-parameter checks and the step-dependent
// scalars (computed once per call in double, as PyTorch's Python arithmetic does), each function named after its
// kernel (core/kernels/optim_update.def); then the lists checked and made contiguous (OptimOperands,
// core/optim_rules.h), the backend's update, and the copies written back. cpu/optim_update.cpp and
// cuda/optim_update.cu each define a Backend with
//   static constexpr DeviceType kDevice;
//   template <template <class> class Rule>
//   static void run(const OptimStep& step, const OptimOperands& operands);  // Rule (core/optim_math.h), every element
#pragma once
#include <cmath>

#include "core/optim_math.h"
#include "core/optim_rules.h"

namespace autocore {

template <class Backend>
struct OptimEntry {
  template <template <class> class Rule>
  static void run(const OptimStep& step) {
    const OptimOperands operands(step, Backend::kDevice);
    Backend::template run<Rule>(step, operands);
    operands.finish();
  }

  static void sgd_(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
                   double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
                   bool first_step) {
    check_hyper(lr >= 0, "learning rate", lr);
    check_hyper(momentum >= 0, "momentum value", momentum);
    check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
    AC_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
             "Nesterov momentum requires a momentum and zero dampening");
    OptimStep step =
        optim_step("sgd_", params, grads, {{"momentum_buffers", momentum != 0 ? &momentum_buffers : nullptr}});
    OptimHyper& h = step.hyper;
    h.lr = lr, h.momentum = momentum, h.dampening = dampening, h.weight_decay = weight_decay;
    h.nesterov = nesterov, h.maximize = maximize, h.first_step = first_step;
    run<optim_math::SgdRule>(step);
  }

  static void adam_(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
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
    OptimStep step = optim_step(op, params, grads,
                                {{"exp_avgs", &exp_avgs},
                                 {"exp_avg_sqs", &exp_avg_sqs},
                                 {"max_exp_avg_sqs", amsgrad ? &max_exp_avg_sqs : nullptr}});
    OptimHyper& h = step.hyper;
    h.lr = lr, h.beta1 = beta1, h.beta2 = beta2, h.eps = eps, h.weight_decay = weight_decay;
    h.amsgrad = amsgrad, h.maximize = maximize, h.decoupled_weight_decay = decoupled_weight_decay;
    const double steps = static_cast<double>(step_count);
    h.step_size = lr / (1 - std::pow(beta1, steps));
    h.bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, steps));
    run<optim_math::AdamRule>(step);
  }

  static void adagrad_(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                       int64_t step_count, double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
    check_hyper(lr >= 0, "learning rate", lr);
    check_hyper(lr_decay >= 0, "lr_decay value", lr_decay);
    check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
    check_hyper(eps >= 0, "epsilon value", eps);
    check_step_count(step_count, "adagrad_");
    OptimStep step = optim_step("adagrad_", params, grads, {{"state_sums", &state_sums}});
    OptimHyper& h = step.hyper;
    h.weight_decay = weight_decay, h.eps = eps, h.maximize = maximize;
    h.clr = lr / (1 + static_cast<double>(step_count - 1) * lr_decay);
    run<optim_math::AdagradRule>(step);
  }

  static void adadelta_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                        const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                        bool maximize) {
    check_hyper(lr >= 0, "learning rate", lr);
    check_hyper(rho >= 0 && rho <= 1, "rho value", rho);
    check_hyper(eps >= 0, "epsilon value", eps);
    check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
    OptimStep step =
        optim_step("adadelta_", params, grads, {{"square_avgs", &square_avgs}, {"acc_deltas", &acc_deltas}});
    OptimHyper& h = step.hyper;
    h.lr = lr, h.rho = rho, h.eps = eps, h.weight_decay = weight_decay, h.maximize = maximize;
    run<optim_math::AdadeltaRule>(step);
  }

  static void rmsprop_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                       const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha,
                       double eps, double weight_decay, double momentum, bool centered, bool maximize) {
    check_hyper(lr >= 0, "learning rate", lr);
    check_hyper(eps >= 0, "epsilon value", eps);
    check_hyper(momentum >= 0, "momentum value", momentum);
    check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
    check_hyper(alpha >= 0, "alpha value", alpha);
    OptimStep step = optim_step("rmsprop_", params, grads,
                                {{"square_avgs", &square_avgs},
                                 {"momentum_buffers", momentum > 0 ? &momentum_buffers : nullptr},
                                 {"grad_avgs", centered ? &grad_avgs : nullptr}});
    OptimHyper& h = step.hyper;
    h.lr = lr, h.alpha = alpha, h.eps = eps, h.weight_decay = weight_decay, h.momentum = momentum;
    h.centered = centered, h.maximize = maximize;
    run<optim_math::RmspropRule>(step);
  }
};

}  // namespace autocore
