// Optimizer update loops, compiled once per instruction set. One pass over a contiguous stretch reads
// each operand once and writes each updated one once. Flags are template arguments so every loop body
// is branch-free and vectorises; Python-float hyper-parameters become T first, as PyTorch's scalar
// arguments (alpha=, value=, weight=) do.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cpu/isa.h"
#include "cpu/optim_update.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

// Calls fn(std::integral_constant<bool, b>) so runtime flags pick a template instantiation.
template <class Fn>
inline void with_flag(bool b, const Fn& fn) {
  if (b) fn(std::true_type{});
  else fn(std::false_type{});
}

// PyTorch's lerp (ATen/native/Lerp.h): the formula switches at |weight| = 0.5 to stay exact at both ends.
template <class T>
inline T lerp(T self, T end, T weight) {
  return std::abs(weight) < T(0.5) ? self + weight * (end - self) : end - (end - self) * (T(1) - weight);
}

// torch.maximum: NaN in either operand wins.
template <class T>
inline T maximum(T a, T b) {
  return a != a ? a : (a > b ? a : b);
}

// grad (negated when maximizing) plus weight_decay * param when L2 decay applies.
template <bool Decay, class T>
inline T decayed_grad(T g, T p, T sign, T weight_decay) {
  g = g * sign;
  if constexpr (Decay) g = g + weight_decay * p;
  return g;
}

template <class T>
void sgd_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  T* param = static_cast<T*>(ptrs[0]);
  const T* grad = static_cast<const T*>(ptrs[1]);
  T* buf = static_cast<T*>(ptrs[2]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), momentum = T(h.momentum);
  const T keep = T(1 - h.dampening), neg_lr = T(-h.lr);
  with_flag(h.weight_decay != 0, [&](auto decay) {
    with_flag(h.momentum != 0, [&](auto use_momentum) {
      with_flag(h.nesterov, [&](auto nesterov) {
        with_flag(h.first_step, [&](auto first) {
          for (int64_t i = 0; i < n; ++i) {
            T g = decayed_grad<decay.value>(grad[i], param[i], sign, wd);
            if constexpr (use_momentum.value) {
              T b;
              if constexpr (first.value) b = g;  // PyTorch clones the gradient into a new buffer
              else b = buf[i] * momentum + keep * g;
              buf[i] = b;
              if constexpr (nesterov.value) g = g + momentum * b;
              else g = b;
            }
            param[i] = param[i] + neg_lr * g;
          }
        });
      });
    });
  });
}

// Adam and AdamW; step_size = lr / (1 - beta1^step), bias_correction2_sqrt = sqrt(1 - beta2^step).
template <class T>
void adam_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  T* param = static_cast<T*>(ptrs[0]);
  const T* grad = static_cast<const T*>(ptrs[1]);
  T* exp_avg = static_cast<T*>(ptrs[2]);
  T* exp_avg_sq = static_cast<T*>(ptrs[3]);
  T* max_exp_avg_sq = static_cast<T*>(ptrs[4]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), shrink = T(1 - h.lr * h.weight_decay);
  const T weight1 = T(1 - h.beta1), beta2 = T(h.beta2), weight2 = T(1 - h.beta2);
  const T bc2_sqrt = T(h.bias_correction2_sqrt), eps = T(h.eps), neg_step = T(-h.step_size);
  const bool decay = h.weight_decay != 0;
  with_flag(decay && !h.decoupled_weight_decay, [&](auto l2) {
    with_flag(decay && h.decoupled_weight_decay, [&](auto decoupled) {
      with_flag(h.amsgrad, [&](auto amsgrad) {
        for (int64_t i = 0; i < n; ++i) {
          T p = param[i];
          if constexpr (decoupled.value) p = p * shrink;
          const T g = decayed_grad<l2.value>(grad[i], p, sign, wd);
          const T m = lerp(exp_avg[i], g, weight1);
          const T v = exp_avg_sq[i] * beta2 + weight2 * g * g;
          exp_avg[i] = m;
          exp_avg_sq[i] = v;
          T denom_sq = v;
          if constexpr (amsgrad.value) max_exp_avg_sq[i] = denom_sq = maximum(max_exp_avg_sq[i], v);
          const T denom = std::sqrt(denom_sq) / bc2_sqrt + eps;
          param[i] = p + neg_step * (m / denom);
        }
      });
    });
  });
}

template <class T>
void adagrad_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  T* param = static_cast<T*>(ptrs[0]);
  const T* grad = static_cast<const T*>(ptrs[1]);
  T* state_sum = static_cast<T*>(ptrs[2]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps), neg_clr = T(-h.clr);
  with_flag(h.weight_decay != 0, [&](auto decay) {
    for (int64_t i = 0; i < n; ++i) {
      const T g = decayed_grad<decay.value>(grad[i], param[i], sign, wd);
      const T sum = state_sum[i] + g * g;
      state_sum[i] = sum;
      param[i] = param[i] + neg_clr * (g / (std::sqrt(sum) + eps));
    }
  });
}

template <class T>
void adadelta_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  T* param = static_cast<T*>(ptrs[0]);
  const T* grad = static_cast<const T*>(ptrs[1]);
  T* square_avg = static_cast<T*>(ptrs[2]);
  T* acc_delta = static_cast<T*>(ptrs[3]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps);
  const T rho = T(h.rho), weight = T(1 - h.rho), neg_lr = T(-h.lr);
  with_flag(h.weight_decay != 0, [&](auto decay) {
    for (int64_t i = 0; i < n; ++i) {
      const T g = decayed_grad<decay.value>(grad[i], param[i], sign, wd);
      const T sq = square_avg[i] * rho + weight * g * g;
      square_avg[i] = sq;
      const T delta = std::sqrt(acc_delta[i] + eps) / std::sqrt(sq + eps) * g;
      acc_delta[i] = acc_delta[i] * rho + weight * delta * delta;
      param[i] = param[i] + neg_lr * delta;
    }
  });
}

template <class T>
void rmsprop_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  T* param = static_cast<T*>(ptrs[0]);
  const T* grad = static_cast<const T*>(ptrs[1]);
  T* square_avg = static_cast<T*>(ptrs[2]);
  T* buf = static_cast<T*>(ptrs[3]);
  T* grad_avg = static_cast<T*>(ptrs[4]);
  const T sign = h.maximize ? T(-1) : T(1), wd = T(h.weight_decay), eps = T(h.eps);
  const T alpha = T(h.alpha), weight = T(1 - h.alpha), momentum = T(h.momentum), neg_lr = T(-h.lr);
  with_flag(h.weight_decay != 0, [&](auto decay) {
    with_flag(h.centered, [&](auto centered) {
      with_flag(h.momentum > 0, [&](auto use_momentum) {
        for (int64_t i = 0; i < n; ++i) {
          const T g = decayed_grad<decay.value>(grad[i], param[i], sign, wd);
          const T sq = square_avg[i] * alpha + weight * g * g;
          square_avg[i] = sq;
          T avg;
          if constexpr (centered.value) {
            const T mean = lerp(grad_avg[i], g, weight);
            grad_avg[i] = mean;
            avg = std::sqrt(sq + T(-1) * mean * mean);
          } else {
            avg = std::sqrt(sq);
          }
          avg = avg + eps;
          if constexpr (use_momentum.value) {
            const T b = buf[i] * momentum + g / avg;
            buf[i] = b;
            param[i] = param[i] + neg_lr * b;
          } else {
            param[i] = param[i] + neg_lr * (g / avg);
          }
        }
      });
    });
  });
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

OptimKernels build() {
  OptimKernels k{};
  k.sgd[idx<float>] = &sgd_loop<float>;
  k.sgd[idx<double>] = &sgd_loop<double>;
  k.adam[idx<float>] = &adam_loop<float>;
  k.adam[idx<double>] = &adam_loop<double>;
  k.adagrad[idx<float>] = &adagrad_loop<float>;
  k.adagrad[idx<double>] = &adagrad_loop<double>;
  k.adadelta[idx<float>] = &adadelta_loop<float>;
  k.adadelta[idx<double>] = &adadelta_loop<double>;
  k.rmsprop[idx<float>] = &rmsprop_loop<float>;
  k.rmsprop[idx<double>] = &rmsprop_loop<double>;
  return k;
}

const OptimKernels optim_kernels = build();

}  // namespace

AUTOCORE_REGISTER_KERNELS(OptimKernels, optim_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
