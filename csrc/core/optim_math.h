// Each optimizer's update of one element, written once for the CPU loops (cpu/optim_update_simd.cpp) and the CUDA
// kernels (cuda/optim_update.cu): PyTorch's single-tensor rules (torch/optim/*.py, foreach=False) op for op, with the
// Python-float hyper-parameters rounded to T first, as PyTorch's scalar arguments (alpha=, value=, weight=) are.
// A rule is made once per stretch from the step's OptimHyper; flags(h) are its switches, which reach operator() as
// std::bool_constant on the CPU (each combination its own branch-free loop, which vectorises) and as bools on CUDA
// (uniform across a launch, so a branch costs less than another kernel would).
#pragma once
#include <cstdint>
#include <type_traits>
#include <utility>

#include "core/optim_rules.h"
#include "core/pointwise_math.h"  // AC_INLINE; math::sqrt and math::fabs on either side

namespace autocore::optim_math {

using pointwise::math::fabs;
using pointwise::math::sqrt;

enum class OptimRule : uint8_t { sgd, adam, adagrad, adadelta, rmsprop, count };
constexpr int kNumOptimRules = static_cast<int>(OptimRule::count);

// A rule's switches, in the order its operator() takes them.
template <int N>
struct OptimFlags {
  bool v[N];
};

// A stretch's operands: the param, the grad and the rule's state buffers (OptimStep's lists, in order).
template <class T>
struct OptimArrays {
  T* param;
  const T* grad;
  T* state[kOptimOperands - 2];
};

template <class T>
AC_INLINE OptimArrays<T> optim_arrays(void* const* ptrs) {
  return {static_cast<T*>(ptrs[0]),
          static_cast<const T*>(ptrs[1]),
          {static_cast<T*>(ptrs[2]), static_cast<T*>(ptrs[3]), static_cast<T*>(ptrs[4])}};
}

// PyTorch's lerp (ATen/native/Lerp.h): the formula switches at |weight| = 0.5 to stay exact at both ends.
template <class T>
AC_INLINE T lerp(T self, T end, T weight) {
  return fabs(weight) < T(0.5) ? self + weight * (end - self) : end - (end - self) * (T(1) - weight);
}

// torch.maximum: NaN in either operand wins.
template <class T>
AC_INLINE T maximum(T a, T b) {
  return a != a ? a : (a > b ? a : b);
}

// rule(a, i, flags...) with the flags as bools (CUDA).
template <class Rule, class Arrays, int N, int... I>
AC_INLINE void apply_rule(const Rule& rule, const Arrays& a, int64_t i, const OptimFlags<N>& flags,
                          std::integer_sequence<int, I...>) {
  rule(a, i, flags.v[I]...);
}
template <class Rule, class Arrays, int N>
AC_INLINE void apply_rule(const Rule& rule, const Arrays& a, int64_t i, const OptimFlags<N>& flags) {
  apply_rule(rule, a, i, flags, std::make_integer_sequence<int, N>{});
}

// rule(...) on element i of a float16 or bfloat16 param (CUDA; the CPU widens whole blocks): the operands widened to
// float, the float rule applied, and the param and state rounded back (ptrs[1], the grad, is only read).
template <class Narrow, class Rule, int N>
AC_INLINE void apply_rule_widened(const Rule& rule, void* const* ptrs, int64_t i, const OptimFlags<N>& flags) {
  float v[kOptimOperands] = {};
  for (int k = 0; k < kOptimOperands; ++k)
    if (ptrs[k]) v[k] = float(static_cast<const Narrow*>(ptrs[k])[i]);
  const OptimArrays<float> a{&v[0], &v[1], {&v[2], &v[3], &v[4]}};
  apply_rule(rule, a, 0, flags);
  for (int k = 0; k < kOptimOperands; ++k)
    if (ptrs[k] && k != 1) static_cast<Narrow*>(ptrs[k])[i] = Narrow(v[k]);
}

// fn(std::bool_constant<flag>...) for the runtime flags, so that each combination is its own loop (the CPU).
template <int I = 0, int N, class Fn, class... Fixed>
void with_constant_flags(const OptimFlags<N>& flags, const Fn& fn, Fixed... fixed) {
  if constexpr (I == N) fn(fixed...);
  else if (flags.v[I]) with_constant_flags<I + 1>(flags, fn, fixed..., std::true_type{});
  else with_constant_flags<I + 1>(flags, fn, fixed..., std::false_type{});
}

// What every rule starts from: the grad, negated when maximizing, plus weight_decay * param when L2 decay applies.
template <class T>
struct DecayedGrad {
  T sign, weight_decay;
  AC_INLINE explicit DecayedGrad(const OptimHyper& h)
      : sign(h.maximize ? T(-1) : T(1)), weight_decay(T(h.weight_decay)) {}
  template <class Flag>
  AC_INLINE T operator()(T g, T p, Flag decay) const {
    g = g * sign;
    if (decay) g = g + weight_decay * p;
    return g;
  }
};

// state: momentum_buffer.
template <class T>
struct SgdRule {
  static constexpr OptimRule id = OptimRule::sgd;
  DecayedGrad<T> decayed;
  T momentum, keep, neg_lr;
  AC_INLINE explicit SgdRule(const OptimHyper& h)
      : decayed(h), momentum(T(h.momentum)), keep(T(1 - h.dampening)), neg_lr(T(-h.lr)) {}
  AC_INLINE static OptimFlags<4> flags(const OptimHyper& h) {
    return {{h.weight_decay != 0, h.momentum != 0, h.nesterov, h.first_step}};
  }
  template <class Decay, class UseMomentum, class Nesterov, class FirstStep>
  AC_INLINE void operator()(const OptimArrays<T>& a, int64_t i, Decay decay, UseMomentum use_momentum,
                            Nesterov nesterov, FirstStep first_step) const {
    T g = decayed(a.grad[i], a.param[i], decay);
    if (use_momentum) {
      T* buf = a.state[0];
      T b;
      if (first_step) b = g;  // PyTorch clones the gradient into a new buffer
      else b = buf[i] * momentum + keep * g;
      buf[i] = b;
      if (nesterov) g = g + momentum * b;
      else g = b;
    }
    a.param[i] = a.param[i] + neg_lr * g;
  }
};

// Adam and AdamW; step_size = lr / (1 - beta1^step), bias_correction2_sqrt = sqrt(1 - beta2^step).
// state: exp_avg, exp_avg_sq, max_exp_avg_sq.
template <class T>
struct AdamRule {
  static constexpr OptimRule id = OptimRule::adam;
  DecayedGrad<T> decayed;
  T shrink, weight1, beta2, weight2, bc2_sqrt, eps, neg_step;
  AC_INLINE explicit AdamRule(const OptimHyper& h)
      : decayed(h),
        shrink(T(1 - h.lr * h.weight_decay)),
        weight1(T(1 - h.beta1)),
        beta2(T(h.beta2)),
        weight2(T(1 - h.beta2)),
        bc2_sqrt(T(h.bias_correction2_sqrt)),
        eps(T(h.eps)),
        neg_step(T(-h.step_size)) {}
  AC_INLINE static OptimFlags<3> flags(const OptimHyper& h) {
    const bool decay = h.weight_decay != 0;
    return {{decay && !h.decoupled_weight_decay, decay && h.decoupled_weight_decay, h.amsgrad}};
  }
  template <class L2, class Decoupled, class Amsgrad>
  AC_INLINE void operator()(const OptimArrays<T>& a, int64_t i, L2 l2, Decoupled decoupled, Amsgrad amsgrad) const {
    T *exp_avg = a.state[0], *exp_avg_sq = a.state[1], *max_exp_avg_sq = a.state[2];
    T p = a.param[i];
    if (decoupled) p = p * shrink;
    const T g = decayed(a.grad[i], p, l2);
    const T m = lerp(exp_avg[i], g, weight1);
    const T v = exp_avg_sq[i] * beta2 + weight2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T denom_sq = v;
    if (amsgrad) max_exp_avg_sq[i] = denom_sq = maximum(max_exp_avg_sq[i], v);
    const T denom = sqrt(denom_sq) / bc2_sqrt + eps;
    a.param[i] = p + neg_step * (m / denom);
  }
};

// clr = lr / (1 + (step - 1) * lr_decay). state: state_sum.
template <class T>
struct AdagradRule {
  static constexpr OptimRule id = OptimRule::adagrad;
  DecayedGrad<T> decayed;
  T eps, neg_clr;
  AC_INLINE explicit AdagradRule(const OptimHyper& h) : decayed(h), eps(T(h.eps)), neg_clr(T(-h.clr)) {}
  AC_INLINE static OptimFlags<1> flags(const OptimHyper& h) { return {{h.weight_decay != 0}}; }
  template <class Decay>
  AC_INLINE void operator()(const OptimArrays<T>& a, int64_t i, Decay decay) const {
    T* state_sum = a.state[0];
    const T g = decayed(a.grad[i], a.param[i], decay);
    const T sum = state_sum[i] + g * g;
    state_sum[i] = sum;
    a.param[i] = a.param[i] + neg_clr * (g / (sqrt(sum) + eps));
  }
};

// state: square_avg, acc_delta.
template <class T>
struct AdadeltaRule {
  static constexpr OptimRule id = OptimRule::adadelta;
  DecayedGrad<T> decayed;
  T eps, rho, weight, neg_lr;
  AC_INLINE explicit AdadeltaRule(const OptimHyper& h)
      : decayed(h), eps(T(h.eps)), rho(T(h.rho)), weight(T(1 - h.rho)), neg_lr(T(-h.lr)) {}
  AC_INLINE static OptimFlags<1> flags(const OptimHyper& h) { return {{h.weight_decay != 0}}; }
  template <class Decay>
  AC_INLINE void operator()(const OptimArrays<T>& a, int64_t i, Decay decay) const {
    T *square_avg = a.state[0], *acc_delta = a.state[1];
    const T g = decayed(a.grad[i], a.param[i], decay);
    const T sq = square_avg[i] * rho + weight * g * g;
    square_avg[i] = sq;
    const T delta = sqrt(acc_delta[i] + eps) / sqrt(sq + eps) * g;
    acc_delta[i] = acc_delta[i] * rho + weight * delta * delta;
    a.param[i] = a.param[i] + neg_lr * delta;
  }
};

// state: square_avg, momentum_buffer, grad_avg.
template <class T>
struct RmspropRule {
  static constexpr OptimRule id = OptimRule::rmsprop;
  DecayedGrad<T> decayed;
  T eps, alpha, weight, momentum, neg_lr;
  AC_INLINE explicit RmspropRule(const OptimHyper& h)
      : decayed(h),
        eps(T(h.eps)),
        alpha(T(h.alpha)),
        weight(T(1 - h.alpha)),
        momentum(T(h.momentum)),
        neg_lr(T(-h.lr)) {}
  AC_INLINE static OptimFlags<3> flags(const OptimHyper& h) {
    return {{h.weight_decay != 0, h.centered, h.momentum > 0}};
  }
  template <class Decay, class Centered, class UseMomentum>
  AC_INLINE void operator()(const OptimArrays<T>& a, int64_t i, Decay decay, Centered centered,
                            UseMomentum use_momentum) const {
    T *square_avg = a.state[0], *buf = a.state[1], *grad_avg = a.state[2];
    const T g = decayed(a.grad[i], a.param[i], decay);
    const T sq = square_avg[i] * alpha + weight * g * g;
    square_avg[i] = sq;
    T avg;
    if (centered) {
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
      a.param[i] = a.param[i] + neg_lr * b;
    } else {
      a.param[i] = a.param[i] + neg_lr * (g / avg);
    }
  }
};

}  // namespace autocore::optim_math
