// The pointwise losses' formulas, written once for the CPU loops (cpu/softmax_loss_simd.cpp) and the CUDA kernels
// (cuda/softmax_loss.cu): the loss of one element (input x, target y, weight w, pos_weight pw) and its derivatives
// by x and by y. M is the backend's math (M::exp, M::log, M::log1p: the CPU's SIMD polynomials, CUDA's library);
// has_pw says pos_weight was given, a std::bool_constant on the CPU (so that its loops have no test left) and a bool
// on CUDA. Without pos_weight PyTorch never forms 1 + (pw - 1) y, which is NaN for an infinite y.
#pragma once
#include "core/loss_rules.h"
#include "core/pointwise_math.h"  // AC_INLINE; math::fabs on either side

namespace autocore::loss_math {

using pointwise::math::fabs;

// The CPU's max: the first operand when the comparison fails, so that a NaN log is clamped to -100.
template <class T>
AC_INLINE T max_of(T a, T b) {
  return a > b ? a : b;
}

template <PointwiseLoss K, class M, class T, class HasPw>
AC_INLINE T pointwise_value(T x, T y, T w, T pw, HasPw has_pw) {
  if constexpr (K == PointwiseLoss::mse) {
    return w * (x - y) * (x - y);
  } else if constexpr (K == PointwiseLoss::l1) {
    return w * fabs(x - y);
  } else if constexpr (K == PointwiseLoss::bce) {
    // PyTorch clamps each log at -100 so that x = 0 or 1 gives a finite loss; log1p keeps log(1 - x)
    // exact for tiny x, where 1 - x would round to 1.
    const T log_x = max_of(M::log(x), T(-100)), log_1mx = max_of(M::log1p(-x), T(-100));
    return -w * (y * log_x + (T(1) - y) * log_1mx);
  } else {
    // (1 - y) x + (1 + (pw - 1) y) softplus(-x), softplus(-x) = max(-x, 0) + log1p(exp(-|x|)).
    const T softplus = max_of(-x, T(0)) + M::log1p(M::exp(-fabs(x)));
    if (!has_pw) return w * ((T(1) - y) * x + softplus);
    return w * ((T(1) - y) * x + (T(1) + (pw - T(1)) * y) * softplus);
  }
}

template <PointwiseLoss K, class M, class T, class HasPw>
AC_INLINE T pointwise_derivative(T x, T y, T w, T pw, HasPw has_pw) {
  if constexpr (K == PointwiseLoss::mse) {
    return w * T(2) * (x - y);
  } else if constexpr (K == PointwiseLoss::l1) {
    const T d = x - y;
    return d > T(0) ? w : (d < T(0) ? -w : T(0));
  } else if constexpr (K == PointwiseLoss::bce) {
    const T denominator = (T(1) - x) * x;  // PyTorch bounds it below by 1e-12
    return w * (x - y) / (denominator > T(1e-12) ? denominator : T(1e-12));
  } else {
    const T sigmoid = T(1) / (T(1) + M::exp(-x));
    if (!has_pw) return w * (sigmoid - y);
    return w * ((T(1) + (pw - T(1)) * y) * sigmoid - pw * y);
  }
}

// d loss / d target.
template <PointwiseLoss K, class M, class T, class HasPw>
AC_INLINE T pointwise_target_derivative(T x, T y, T w, T pw, HasPw has_pw) {
  if constexpr (K == PointwiseLoss::mse || K == PointwiseLoss::l1) {
    return -pointwise_derivative<K, M>(x, y, w, pw, has_pw);
  } else if constexpr (K == PointwiseLoss::bce) {
    const T log_x = max_of(M::log(x), T(-100)), log_1mx = max_of(M::log1p(-x), T(-100));
    return w * (log_1mx - log_x);
  } else {
    if (!has_pw) return -w * x;
    const T softplus = max_of(-x, T(0)) + M::log1p(M::exp(-fabs(x)));  // -log sigmoid(x)
    return w * ((pw - T(1)) * softplus - x);
  }
}

}  // namespace autocore::loss_math
