// Optimizer step entry points: hyper-parameter and list checks (all before any memory is touched),
// the step-dependent scalars, and threading over the concatenation of every param's elements.
#include "cpu/optim_update.h"

#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "cpu/copy.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// The PyTorch optimizer constructors' checks, e.g. "Invalid learning rate: -1".
void check_hyper(bool ok, const char* what, double value) {
  AC_CHECK(ok, ValueError, "Invalid ", what, ": ", value);
}

struct NamedList {
  const char* name;
  const TensorList* tensors;
  bool written;  // updated in place (a param or a state buffer), not only read (a grad)
};

// One update: up to kOptimOperands lists, index 0 the params, 1 the grads, then the state lists the rule
// uses (nullptr for the ones this configuration leaves alone, so they may be empty).
class Step {
 public:
  Step(const char* op, std::initializer_list<NamedList> lists) : op_(op), lists_(lists) {}

  // Checks every list against the params; then makes the pointer table. In-place operands that are not
  // contiguous are updated through contiguous copies written back by finish().
  void prepare() {
    const TensorList& params = *lists_[0].tensors;
    const size_t count = params.size();
    for (const NamedList& list : lists_) {
      if (!list.tensors) continue;
      AC_CHECK(list.tensors->size() == count, RuntimeError, op_, ": expected as many ", list.name, " as params (",
               count, "), got ", list.tensors->size());
    }
    for (size_t i = 0; i < count; ++i) {
      const Tensor& p = params[i];
      AC_CHECK(p.defined(), RuntimeError, op_, ": params[", i, "] is None");
      AC_CHECK(is_floating(p.dtype()), RuntimeError, op_, ": params[", i,
               "] must be a floating point tensor (float32 or float64), got ", dtype_name(p.dtype()));
      AC_CHECK(p.device().is_cpu(), RuntimeError, op_, ": params[", i, "] is on ", p.device().str(),
               "; expected a CPU tensor");
      for (const NamedList& list : lists_) {
        if (!list.tensors || list.tensors == &params) continue;
        const Tensor& t = (*list.tensors)[i];
        AC_CHECK(t.defined(), RuntimeError, op_, ": ", list.name, "[", i, "] is None");
        AC_CHECK(t.shape() == p.shape(), RuntimeError, op_, ": ", list.name, "[", i, "] has shape ", t.shape().str(),
                 " but params[", i, "] has shape ", p.shape().str());
        AC_CHECK(t.dtype() == p.dtype(), RuntimeError, op_, ": ", list.name, "[", i, "] has dtype ",
                 dtype_name(t.dtype()), " but params[", i, "] has dtype ", dtype_name(p.dtype()));
        AC_CHECK(t.device() == p.device(), RuntimeError, op_, ": ", list.name, "[", i, "] is on ", t.device().str(),
                 " but params[", i, "] is on ", p.device().str());
      }
      for (const NamedList& list : lists_)  // (an empty tensor, whatever its strides, has nothing to overlap)
        if (list.tensors && list.written && p.numel() > 0) check_no_internal_overlap((*list.tensors)[i], op_);
    }
    // Validation is over: from here on memory is read and written.
    starts_.assign(1, 0);
    data_.resize(count * kOptimOperands, nullptr);
    for (size_t i = 0; i < count; ++i) {
      for (size_t k = 0; k < lists_.size(); ++k) {
        if (!lists_[k].tensors) continue;
        const Tensor& t = (*lists_[k].tensors)[i];
        Tensor source = t.is_contiguous() ? t : contiguous(t);
        if (!t.is_contiguous() && lists_[k].written) write_back_.push_back({t, source});
        kept_.push_back(source);
        data_[i * kOptimOperands + k] = source.data_ptr();
      }
      starts_.push_back(starts_.back() + params[i].numel());
      dtypes_.push_back(params[i].dtype());
    }
  }

  // Runs the loop of each param's dtype over every element, split at any element boundary: a thread's
  // range may start inside one tensor and end inside another.
  void run(const OptimLoop* loops, const OptimHyper& hyper) {
    const int64_t total = starts_.back();
    // ~5 operands read or written per element: threads pay off at a fifth of the elementwise grain.
    parallel_for(0, total, kElementwiseGrain / 4, [&](int64_t begin, int64_t end) {
      size_t i = std::upper_bound(starts_.begin(), starts_.end(), begin) - starts_.begin() - 1;
      for (int64_t at = begin; at < end; ++i) {
        const int64_t stop = std::min(end, starts_[i + 1]), local = at - starts_[i];
        if (stop == at) continue;
        const int64_t item = static_cast<int64_t>(itemsize(dtypes_[i]));
        void* ptrs[kOptimOperands] = {};
        for (int k = 0; k < kOptimOperands; ++k)
          if (void* base = data_[i * kOptimOperands + k]) ptrs[k] = static_cast<char*>(base) + local * item;
        loops[int(dtypes_[i])](ptrs, stop - at, hyper);
        at = stop;
      }
    });
    for (const auto& [target, source] : write_back_) copy_(target, source);
  }

 private:
  const char* op_;
  std::vector<NamedList> lists_;
  std::vector<DType> dtypes_;
  std::vector<int64_t> starts_;
  std::vector<void*> data_;
  std::vector<Tensor> kept_;
  std::vector<std::pair<Tensor, Tensor>> write_back_;
};

}  // namespace

void sgd_(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(momentum >= 0, "momentum value", momentum);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  AC_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
           "Nesterov momentum requires a momentum and zero dampening");
  const bool use_momentum = momentum != 0;
  Step step("sgd_", {{"params", &params, true}, {"grads", &grads, false},
                     {"momentum_buffers", use_momentum ? &momentum_buffers : nullptr, true}});
  step.prepare();
  OptimHyper h;
  h.lr = lr, h.momentum = momentum, h.dampening = dampening, h.weight_decay = weight_decay;
  h.nesterov = nesterov, h.maximize = maximize, h.first_step = first_step;
  step.run(kernels<OptimKernels>().sgd, h);
}

void adam_(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
           const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, int64_t step_count, double lr,
           double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
           bool decoupled_weight_decay) {
  const char* op = decoupled_weight_decay ? "adamw_" : "adam_";
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(eps >= 0, "epsilon value", eps);
  AC_CHECK(beta1 >= 0 && beta1 < 1, ValueError, "Invalid beta parameter at index 0: ", beta1);
  AC_CHECK(beta2 >= 0 && beta2 < 1, ValueError, "Invalid beta parameter at index 1: ", beta2);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  AC_CHECK(step_count >= 1, RuntimeError, op, ": step counts from 1 (the value after the increment), got ", step_count);
  Step step(op, {{"params", &params, true}, {"grads", &grads, false}, {"exp_avgs", &exp_avgs, true},
                 {"exp_avg_sqs", &exp_avg_sqs, true}, {"max_exp_avg_sqs", amsgrad ? &max_exp_avg_sqs : nullptr, true}});
  step.prepare();
  OptimHyper h;
  h.lr = lr, h.beta1 = beta1, h.beta2 = beta2, h.eps = eps, h.weight_decay = weight_decay;
  h.amsgrad = amsgrad, h.maximize = maximize, h.decoupled_weight_decay = decoupled_weight_decay;
  const double steps = static_cast<double>(step_count);
  h.step_size = lr / (1 - std::pow(beta1, steps));
  h.bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, steps));
  step.run(kernels<OptimKernels>().adam, h);
}

void adagrad_(const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step_count,
              double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(lr_decay >= 0, "lr_decay value", lr_decay);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  check_hyper(eps >= 0, "epsilon value", eps);
  AC_CHECK(step_count >= 1, RuntimeError, "adagrad_: step counts from 1 (the value after the increment), got ",
           step_count);
  Step step("adagrad_", {{"params", &params, true}, {"grads", &grads, false}, {"state_sums", &state_sums, true}});
  step.prepare();
  OptimHyper h;
  h.weight_decay = weight_decay, h.eps = eps, h.maximize = maximize;
  h.clr = lr / (1 + static_cast<double>(step_count - 1) * lr_decay);
  step.run(kernels<OptimKernels>().adagrad, h);
}

void adadelta_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
               const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay, bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(rho >= 0 && rho <= 1, "rho value", rho);
  check_hyper(eps >= 0, "epsilon value", eps);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  Step step("adadelta_", {{"params", &params, true}, {"grads", &grads, false}, {"square_avgs", &square_avgs, true},
                          {"acc_deltas", &acc_deltas, true}});
  step.prepare();
  OptimHyper h;
  h.lr = lr, h.rho = rho, h.eps = eps, h.weight_decay = weight_decay, h.maximize = maximize;
  step.run(kernels<OptimKernels>().adadelta, h);
}

void rmsprop_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
              const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize) {
  check_hyper(lr >= 0, "learning rate", lr);
  check_hyper(eps >= 0, "epsilon value", eps);
  check_hyper(momentum >= 0, "momentum value", momentum);
  check_hyper(weight_decay >= 0, "weight_decay value", weight_decay);
  check_hyper(alpha >= 0, "alpha value", alpha);
  Step step("rmsprop_", {{"params", &params, true}, {"grads", &grads, false}, {"square_avgs", &square_avgs, true},
                         {"momentum_buffers", momentum > 0 ? &momentum_buffers : nullptr, true},
                         {"grad_avgs", centered ? &grad_avgs : nullptr, true}});
  step.prepare();
  OptimHyper h;
  h.lr = lr, h.alpha = alpha, h.eps = eps, h.weight_decay = weight_decay, h.momentum = momentum;
  h.centered = centered, h.maximize = maximize;
  step.run(kernels<OptimKernels>().rmsprop, h);
}

}  // namespace autocore::cpu
