// Optimizer steps on CUDA: the checks of cpu/optim_update.cpp (all before any memory is touched), the same
// step-dependent scalars computed on the host in double, and one grid-stride kernel launch per param whose
// body is cpu/optim_update_simd.cpp's loop body, op for op, with the hyper-parameters rounded to T as there.
// Flags are uniform across a launch, so branching on them costs nothing worth a template instantiation.
#include "cuda/optim_update.h"

#include <cmath>
#include <utility>

#include "core/elementwise_rules.h"
#include "cpu/optim_update.h"  // OptimHyper: the scalars a rule needs (device-neutral)
#include "cuda/elementwise.h"
#include "cuda/elementwise_kernel.cuh"  // AC_GRID_STRIDE_LOOP
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

using cpu::OptimHyper;
constexpr int kOperands = cpu::kOptimOperands;

// ptrs[0] the param, ptrs[1] the grad, ptrs[2..4] the rule's state buffers (unused ones null).
struct OptimPtrs {
  void* ptrs[kOperands];
};

// PyTorch's lerp (ATen/native/Lerp.h): the formula switches at |weight| = 0.5 to stay exact at both ends.
template <class T>
__device__ T lerp(T self, T end, T weight) {
  return fabs(weight) < T(0.5) ? self + weight * (end - self) : end - (end - self) * (T(1) - weight);
}

// torch.maximum: NaN in either operand wins.
template <class T>
__device__ T maximum(T a, T b) {
  return a != a ? a : (a > b ? a : b);
}

// grad (negated when maximizing) plus weight_decay * param when L2 decay applies.
template <class T>
__device__ T decayed_grad(T g, T p, T sign, T weight_decay, bool decay) {
  g = g * sign;
  if (decay) g = g + weight_decay * p;
  return g;
}

template <class T>
__global__ void sgd_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  T* param = static_cast<T*>(o.ptrs[0]);
  const T* grad = static_cast<const T*>(o.ptrs[1]);
  T* buf = static_cast<T*>(o.ptrs[2]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), momentum = T(h.momentum);
  const T keep = T(1 - h.dampening), neg_lr = T(-h.lr);
  const bool decay = h.weight_decay != 0, use_momentum = h.momentum != 0;
  AC_GRID_STRIDE_LOOP(i, n) {
    T g = decayed_grad(grad[i], param[i], sign, wd, decay);
    if (use_momentum) {
      T b;
      if (h.first_step) b = g;  // PyTorch clones the gradient into a new buffer
      else b = buf[i] * momentum + keep * g;
      buf[i] = b;
      if (h.nesterov) g = g + momentum * b;
      else g = b;
    }
    param[i] = param[i] + neg_lr * g;
  }
}

// Adam and AdamW; step_size = lr / (1 - beta1^step), bias_correction2_sqrt = sqrt(1 - beta2^step).
template <class T>
__global__ void adam_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  T* param = static_cast<T*>(o.ptrs[0]);
  const T* grad = static_cast<const T*>(o.ptrs[1]);
  T* exp_avg = static_cast<T*>(o.ptrs[2]);
  T* exp_avg_sq = static_cast<T*>(o.ptrs[3]);
  T* max_exp_avg_sq = static_cast<T*>(o.ptrs[4]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), shrink = T(1 - h.lr * h.weight_decay);
  const T weight1 = T(1 - h.beta1), beta2 = T(h.beta2), weight2 = T(1 - h.beta2);
  const T bc2_sqrt = T(h.bias_correction2_sqrt), eps = T(h.eps), neg_step = T(-h.step_size);
  const bool decay = h.weight_decay != 0;
  const bool l2 = decay && !h.decoupled_weight_decay, decoupled = decay && h.decoupled_weight_decay;
  AC_GRID_STRIDE_LOOP(i, n) {
    T p = param[i];
    if (decoupled) p = p * shrink;
    const T g = decayed_grad(grad[i], p, sign, wd, l2);
    const T m = lerp(exp_avg[i], g, weight1);
    const T v = exp_avg_sq[i] * beta2 + weight2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T denom_sq = v;
    if (h.amsgrad) max_exp_avg_sq[i] = denom_sq = maximum(max_exp_avg_sq[i], v);
    const T denom = sqrt(denom_sq) / bc2_sqrt + eps;
    param[i] = p + neg_step * (m / denom);
  }
}

template <class T>
__global__ void adagrad_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  T* param = static_cast<T*>(o.ptrs[0]);
  const T* grad = static_cast<const T*>(o.ptrs[1]);
  T* state_sum = static_cast<T*>(o.ptrs[2]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps), neg_clr = T(-h.clr);
  const bool decay = h.weight_decay != 0;
  AC_GRID_STRIDE_LOOP(i, n) {
    const T g = decayed_grad(grad[i], param[i], sign, wd, decay);
    const T sum = state_sum[i] + g * g;
    state_sum[i] = sum;
    param[i] = param[i] + neg_clr * (g / (sqrt(sum) + eps));
  }
}

template <class T>
__global__ void adadelta_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  T* param = static_cast<T*>(o.ptrs[0]);
  const T* grad = static_cast<const T*>(o.ptrs[1]);
  T* square_avg = static_cast<T*>(o.ptrs[2]);
  T* acc_delta = static_cast<T*>(o.ptrs[3]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps);
  const T rho = T(h.rho), weight = T(1 - h.rho), neg_lr = T(-h.lr);
  const bool decay = h.weight_decay != 0;
  AC_GRID_STRIDE_LOOP(i, n) {
    const T g = decayed_grad(grad[i], param[i], sign, wd, decay);
    const T sq = square_avg[i] * rho + weight * g * g;
    square_avg[i] = sq;
    const T delta = sqrt(acc_delta[i] + eps) / sqrt(sq + eps) * g;
    acc_delta[i] = acc_delta[i] * rho + weight * delta * delta;
    param[i] = param[i] + neg_lr * delta;
  }
}

template <class T>
__global__ void rmsprop_kernel(OptimPtrs o, int64_t n, OptimHyper h) {
  T* param = static_cast<T*>(o.ptrs[0]);
  const T* grad = static_cast<const T*>(o.ptrs[1]);
  T* square_avg = static_cast<T*>(o.ptrs[2]);
  T* buf = static_cast<T*>(o.ptrs[3]);
  T* grad_avg = static_cast<T*>(o.ptrs[4]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps);
  const T alpha = T(h.alpha), weight = T(1 - h.alpha), momentum = T(h.momentum), neg_lr = T(-h.lr);
  const bool decay = h.weight_decay != 0, use_momentum = h.momentum > 0;
  AC_GRID_STRIDE_LOOP(i, n) {
    const T g = decayed_grad(grad[i], param[i], sign, wd, decay);
    const T sq = square_avg[i] * alpha + weight * g * g;
    square_avg[i] = sq;
    T avg;
    if (h.centered) {
      const T mean = lerp(grad_avg[i], g, weight);
      grad_avg[i] = mean;
      avg = sqrt(sq + T(-1) * mean * mean);
    } else {
      avg = sqrt(sq);
    }
    avg = avg + eps;
    if (use_momentum) {
      const T b = buf[i] * momentum + g / avg;
      buf[i] = b;
      param[i] = param[i] + neg_lr * b;
    } else {
      param[i] = param[i] + neg_lr * (g / avg);
    }
  }
}

using OptimKernel = void (*)(OptimPtrs, int64_t, OptimHyper);

// The PyTorch optimizer constructors' checks, e.g. "Invalid learning rate: -1".
void check_hyper(bool ok, const char* what, double value) {
  AC_CHECK(ok, ValueError, "Invalid ", what, ": ", value);
}

struct NamedList {
  const char* name;
  const TensorList* tensors;
  bool written;  // updated in place (a param or a state buffer), not only read (a grad)
};

// One update: up to kOperands lists, index 0 the params, 1 the grads, then the state lists the rule uses
// (nullptr for the ones this configuration leaves alone, so they may be empty). As cpu/optim_update.cpp's.
class Step {
 public:
  Step(const char* op, std::initializer_list<NamedList> lists) : op_(op), lists_(lists) {}

  // Checks every list against the params; then makes the pointer table. In-place operands that are not
  // contiguous are updated through contiguous copies written back by run().
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
      AC_CHECK(p.device().type == DeviceType::CUDA, RuntimeError, op_, ": params[", i, "] is on ", p.device().str(),
               "; expected a CUDA tensor");
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
    operands_.assign(count, OptimPtrs{});
    for (size_t i = 0; i < count; ++i) {
      if (params[i].numel() == 0) continue;
      tensor_device(params[i], op_);
      for (size_t k = 0; k < lists_.size(); ++k) {
        if (!lists_[k].tensors) continue;
        const Tensor& t = (*lists_[k].tensors)[i];
        Tensor source = contiguous(t);
        if (!t.is_contiguous() && lists_[k].written) write_back_.push_back({t, source});
        kept_.push_back(source);
        operands_[i].ptrs[k] = source.data_ptr();
      }
    }
  }

  // One launch per param, on its device's stream, with the kernel of its dtype.
  void run(OptimKernel f32, OptimKernel f64, const OptimHyper& hyper) {
    const TensorList& params = *lists_[0].tensors;
    for (size_t i = 0; i < params.size(); ++i) {
      const int64_t n = params[i].numel();
      if (n == 0) continue;
      const cudaStream_t s = stream(tensor_device(params[i], op_));
      if (params[i].dtype() == DType::Float32) f32<<<blocks_for(n, 4), kThreads, 0, s>>>(operands_[i], n, hyper);
      else f64<<<blocks_for(n, 4), kThreads, 0, s>>>(operands_[i], n, hyper);
      AC_CUDA_CHECK_LAUNCH();
    }
    for (const auto& [target, source] : write_back_) copy_(target, source);
  }

 private:
  const char* op_;
  std::vector<NamedList> lists_;
  std::vector<OptimPtrs> operands_;
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
  step.run(sgd_kernel<float>, sgd_kernel<double>, h);
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
  step.run(adam_kernel<float>, adam_kernel<double>, h);
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
  step.run(adagrad_kernel<float>, adagrad_kernel<double>, h);
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
  step.run(adadelta_kernel<float>, adadelta_kernel<double>, h);
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
  step.run(rmsprop_kernel<float>, rmsprop_kernel<double>, h);
}

}  // namespace autocore::cuda
