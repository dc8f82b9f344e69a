// Optimizer steps on CUDA: the checks of cpu/optim_update.cpp (all before any memory is touched), the same
// step-dependent scalars computed on the host in double, and one grid-stride kernel launch per param whose
// body is cpu/optim_update_simd.cpp's loop body, op for op, with the hyper-parameters rounded to T as there.
// Flags are uniform across a launch, so branching on them costs nothing worth a template instantiation.
#include "core/kernels.h"

#include <cmath>
#include <utility>

#include "core/elementwise_rules.h"
#include "core/optim_rules.h"
#include "cuda/elementwise.h"
#include "cuda/elementwise_kernel.cuh"  // AC_GRID_STRIDE_LOOP
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

constexpr int kOperands = kOptimOperands;

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

// Runs a checked OptimStep (core/optim_rules.h): one launch per param.
class Step {
 public:
  explicit Step(const OptimStep& step) : step_(step) {}

  // Checks every list against the params; then makes the pointer table. In-place operands that are not
  // contiguous are updated through contiguous copies written back by run().
  void prepare() {
    check_step_lists(step_, DeviceType::CUDA);
    const std::vector<NamedList>& lists = step_.lists;
    const TensorList& params = *lists[0].tensors;
    const size_t count = params.size();
    // Validation is over: from here on memory is read and written.
    operands_.assign(count, OptimPtrs{});
    for (size_t i = 0; i < count; ++i) {
      if (params[i].numel() == 0) continue;
      tensor_device(params[i], step_.op);
      for (size_t k = 0; k < lists.size(); ++k) {
        if (!lists[k].tensors) continue;
        const Tensor& t = (*lists[k].tensors)[i];
        Tensor source = contiguous(t);
        if (!t.is_contiguous() && lists[k].written) write_back_.push_back({t, source});
        kept_.push_back(source);
        operands_[i].ptrs[k] = source.data_ptr();
      }
    }
  }

  // One launch per param, on its device's stream, with the kernel of its dtype.
  void run(OptimKernel f32, OptimKernel f64) {
    const OptimHyper& hyper = step_.hyper;
    const TensorList& params = *step_.lists[0].tensors;
    for (size_t i = 0; i < params.size(); ++i) {
      const int64_t n = params[i].numel();
      if (n == 0) continue;
      const cudaStream_t s = stream(tensor_device(params[i], step_.op));
      if (params[i].dtype() == DType::Float32) f32<<<blocks_for(n, 4), kThreads, 0, s>>>(operands_[i], n, hyper);
      else f64<<<blocks_for(n, 4), kThreads, 0, s>>>(operands_[i], n, hyper);
      AC_CUDA_CHECK_LAUNCH();
    }
    for (const auto& [target, source] : write_back_) copy_(target, source);
  }

 private:
  const OptimStep& step_;
  std::vector<OptimPtrs> operands_;
  std::vector<Tensor> kept_;
  std::vector<std::pair<Tensor, Tensor>> write_back_;
};

}  // namespace

namespace {
void run(const OptimStep& checked, OptimKernel f32, OptimKernel f64) {
  Step step(checked);
  step.prepare();
  step.run(f32, f64);
  bump_written_versions(checked);
}
}  // namespace

void sgd_(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step) {
  run(sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step),
      sgd_kernel<float>, sgd_kernel<double>);
}

void adam_(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
           const TensorList& max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2, double eps,
           double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
  run(adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
                amsgrad, maximize, decoupled_weight_decay),
      adam_kernel<float>, adam_kernel<double>);
}

void adagrad_(const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step, double lr,
              double lr_decay, double weight_decay, double eps, bool maximize) {
  run(adagrad_step(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize), adagrad_kernel<float>,
      adagrad_kernel<double>);
}

void adadelta_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
               const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay, bool maximize) {
  run(adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize),
      adadelta_kernel<float>, adadelta_kernel<double>);
}

void rmsprop_(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
              const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize) {
  run(rmsprop_step(params, grads, square_avgs, momentum_buffers, grad_avgs, lr, alpha, eps, weight_decay, momentum,
                   centered, maximize),
      rmsprop_kernel<float>, rmsprop_kernel<double>);
}

}  // namespace autocore::cuda
