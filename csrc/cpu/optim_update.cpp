// Optimizer step entry points: hyper-parameter and list checks (all before any memory is touched),
// the step-dependent scalars, and threading over the concatenation of every param's elements.
#include "cpu/optim_update.h"

#include <algorithm>
#include <cmath>

#include "core/kernels.h"
#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// Runs a checked OptimStep (core/optim_rules.h) over the concatenation of every param's elements.
class Step {
 public:
  explicit Step(const OptimStep& step) : step_(step) {}

  // Checks every list against the params; then makes the pointer table. In-place operands that are not
  // contiguous are updated through contiguous copies written back by run().
  void prepare() {
    check_step_lists(step_, DeviceType::CPU);
    const std::vector<NamedList>& lists = step_.lists;
    const TensorList& params = *lists[0].tensors;
    const size_t count = params.size();
    // Validation is over: from here on memory is read and written.
    starts_.assign(1, 0);
    data_.resize(count * kOptimOperands, nullptr);
    for (size_t i = 0; i < count; ++i) {
      for (size_t k = 0; k < lists.size(); ++k) {
        if (!lists[k].tensors) continue;
        const Tensor& t = (*lists[k].tensors)[i];
        Tensor source = t.is_contiguous() ? t : contiguous(t);
        if (!t.is_contiguous() && lists[k].written) write_back_.push_back({t, source});
        kept_.push_back(source);
        data_[i * kOptimOperands + k] = source.data_ptr();
      }
      starts_.push_back(starts_.back() + params[i].numel());
      dtypes_.push_back(params[i].dtype());
    }
  }

  // Runs the loop of each param's dtype over every element, split at any element boundary: a thread's
  // range may start inside one tensor and end inside another.
  void run(const OptimLoop* loops) {
    const OptimHyper& hyper = step_.hyper;
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
  const OptimStep& step_;
  std::vector<DType> dtypes_;
  std::vector<int64_t> starts_;
  std::vector<void*> data_;
  std::vector<Tensor> kept_;
  std::vector<std::pair<Tensor, Tensor>> write_back_;
};

}  // namespace

namespace {
void run(const OptimStep& checked, const OptimLoop* loops) {
  Step step(checked);
  step.prepare();
  step.run(loops);
  bump_written_versions(checked);
}
}  // namespace

void sgd_(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step) {
  run(sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step),
      kernels<OptimKernels>().sgd);
}

void adam_(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
           const TensorList& max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2, double eps,
           double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
  run(adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
                amsgrad, maximize, decoupled_weight_decay),
      kernels<OptimKernels>().adam);
}

void adagrad_(const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step, double lr,
              double lr_decay, double weight_decay, double eps, bool maximize) {
  run(adagrad_step(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize),
      kernels<OptimKernels>().adagrad);
}

void adadelta_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
               const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay, bool maximize) {
  run(adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize),
      kernels<OptimKernels>().adadelta);
}

void rmsprop_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
              const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize) {
  run(rmsprop_step(params, grads, square_avgs, momentum_buffers, grad_avgs, lr, alpha, eps, weight_decay, momentum,
                   centered, maximize),
      kernels<OptimKernels>().rmsprop);
}

}  // namespace autocore::cpu
