// The elementwise formulas, written once for the CPU and CUDA kernels (core/elementwise_ops.def lists the ops).
// Each formula is a functor: `template <class M, class T> static R apply(operands..., const OpParams& p)`, where
// M is the backend's vector math: the CPU's branch-free SIMD polynomials (cpu/elementwise_simd.cpp), CUDA's
// library functions (cuda/elementwise.cu), behind the same names: M::exp, M::log, M::tanh. Every other function
// is the C library's on the host and CUDA's on the device (math:: below).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/elementwise_rules.h"
#include "core/host_device.h"

namespace autocore::pointwise {

// The library functions both sides have under one name (CUDA's device overloads take float and double).
namespace math {
#if defined(__CUDA_ARCH__)
#define AC_LIBM(name) ::name
#else
#define AC_LIBM(name) std::name
#endif
#define AC_MATH_FUNCTION(name) \
  template <class T> AC_HOST_DEVICE T name(T x) { return AC_LIBM(name)(x); }
AC_MATH_FUNCTION(fabs)
AC_MATH_FUNCTION(sqrt)
AC_MATH_FUNCTION(sin)
AC_MATH_FUNCTION(cos)
AC_MATH_FUNCTION(erf)
AC_MATH_FUNCTION(exp2)
AC_MATH_FUNCTION(log2)
AC_MATH_FUNCTION(log10)
#undef AC_MATH_FUNCTION
template <class T> AC_HOST_DEVICE T pow(T a, T b) { return AC_LIBM(pow)(a, b); }
#undef AC_LIBM
}  // namespace math

template <class T> constexpr bool kFloat = std::is_floating_point_v<T>;

// int64 arithmetic wraps around as in PyTorch (signed overflow would be undefined in C++).
template <class T> AC_HOST_DEVICE T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) + uint64_t(b));
  else if constexpr (std::is_same_v<T, bool>) return a || b;
  else return a + b;
}
template <class T> AC_HOST_DEVICE T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) - uint64_t(b));
  else return a - b;
}
template <class T> AC_HOST_DEVICE T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) * uint64_t(b));
  else if constexpr (std::is_same_v<T, bool>) return a && b;
  else return a * b;
}
// Floats flip or clear the sign bit: 0 - x would give +0.0 for +0.0 (not -0.0), and abs(-0.0) must be +0.0.
template <class T> AC_HOST_DEVICE T negate(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return wrap_sub(T(0), x);
  else return -x;
}
template <class T> AC_HOST_DEVICE T magnitude(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return x < 0 ? wrap_sub(T(0), x) : x;
  else return math::fabs(x);
}
template <class T> AC_HOST_DEVICE T int_pow(T base, T exponent) {
  if (exponent < 0) return base == 1 ? 1 : base == -1 ? (exponent % 2 == 0 ? 1 : -1) : 0;
  T result = 1;
  for (; exponent > 0; exponent >>= 1, base = wrap_mul(base, base))
    if (exponent & 1) result = wrap_mul(result, base);
  return result;
}

#define AC_BINARY(Name, expr)                                                                               \
  struct Name {                                                                                             \
    template <class M, class T> AC_HOST_DEVICE static T apply(T a, T b, const OpParams& p) { return expr; } \
  }
#define AC_COMPARE(Name, expr)                                                                                 \
  struct Name {                                                                                                \
    template <class M, class T> AC_HOST_DEVICE static bool apply(T a, T b, const OpParams& p) { return expr; } \
  }
#define AC_UNARY(Name, expr)                                                                           \
  struct Name {                                                                                        \
    template <class M, class T> AC_HOST_DEVICE static T apply(T x, const OpParams& p) { return expr; } \
  }
#define AC_TERNARY(Name, expr)                                                                                   \
  struct Name {                                                                                                  \
    template <class M, class T> AC_HOST_DEVICE static T apply(T g, T a, T b, const OpParams& p) { return expr; } \
  }

AC_BINARY(Add, wrap_add(a, b));
AC_BINARY(Sub, wrap_sub(a, b));
AC_BINARY(Mul, wrap_mul(a, b));
AC_BINARY(Div, a / b);
struct Pow {
  template <class M, class T> AC_HOST_DEVICE static T apply(T a, T b, const OpParams&) {
    if constexpr (kFloat<T>) return math::pow(a, b);
    else return int_pow(a, b);
  }
};
// maximum/minimum propagate NaN, as torch.maximum does.
AC_BINARY(Maximum, a != a ? a : b != b ? b : a > b ? a : b);
AC_BINARY(Minimum, a != a ? a : b != b ? b : a < b ? a : b);

AC_COMPARE(Eq, a == b);
AC_COMPARE(Ne, a != b);
AC_COMPARE(Lt, a < b);
AC_COMPARE(Le, a <= b);
AC_COMPARE(Gt, a > b);
AC_COMPARE(Ge, a >= b);

AC_UNARY(Neg, negate(x));
AC_UNARY(Abs, magnitude(x));
AC_UNARY(Exp, M::exp(x));
AC_UNARY(Exp2, math::exp2(x));
AC_UNARY(Log, M::log(x));
AC_UNARY(Log2, math::log2(x));
AC_UNARY(Log10, math::log10(x));
AC_UNARY(Sqrt, math::sqrt(x));
AC_UNARY(Rsqrt, T(1) / math::sqrt(x));  // PyTorch's formula: rsqrt(0) = inf, rsqrt(-1) = nan
AC_UNARY(Sin, math::sin(x));
AC_UNARY(Cos, math::cos(x));
AC_UNARY(Relu, x < 0 ? T(0) : x);  // NaN passes through, as in PyTorch
AC_UNARY(LeakyRelu, x < 0 ? x * T(p.alpha) : x);
// The logistic function: exp(-x) = inf for very negative x gives exactly 0.
AC_UNARY(Sigmoid, T(1) / (T(1) + M::exp(-x)));
AC_UNARY(Tanh, M::tanh(x));
AC_UNARY(Erf, math::erf(x));
struct Clamp {  // min(max(x, lo), hi): with lo > hi every element becomes hi, as in PyTorch
  template <class M, class T> AC_HOST_DEVICE static T apply(T x, const OpParams& p) {
    if constexpr (kFloat<T>) {  // a NaN bound makes every element NaN, as PyTorch's clamp does
      T r = x < p.alpha || p.alpha != p.alpha ? T(p.alpha) : x;
      return r > p.beta || p.beta != p.beta ? T(p.beta) : r;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      T r = x < p.int_min ? p.int_min : x;
      return r > p.int_max ? p.int_max : r;
    } else {
      T r = x < p.alpha ? T(p.alpha) : x;
      return r > p.beta ? T(p.beta) : r;
    }
  }
};

// Backward rules: a is the incoming gradient, b the saved input x (or output y); the result is x's gradient.
AC_BINARY(AbsBackward, b > 0 ? a : b < 0 ? -a : T(0));
AC_BINARY(SqrtBackward, a / (T(2) * b));
AC_BINARY(SinBackward, a* math::cos(b));
AC_BINARY(CosBackward, -a* math::sin(b));
AC_BINARY(ReluBackward, b > 0 ? a : T(0));
AC_BINARY(LeakyReluBackward, b > 0 ? a : a * T(p.alpha));
AC_BINARY(SigmoidBackward, a*(T(1) - b) * b);
AC_BINARY(TanhBackward, a*(T(1) - b * b));
AC_BINARY(ClampBackward, (b >= p.alpha && b <= p.beta) ? a : T(0));

AC_TERNARY(DivBackwardOther, -g*(a / b) / b);
AC_TERNARY(PowBackwardBase, b == 0 ? T(0) : g * b * math::pow(a, b - 1));
AC_TERNARY(PowBackwardExponent, (a == 0 && b >= 0) ? T(0) : g * math::pow(a, b) * M::log(a));
// Ties split the gradient in half between the two inputs, as PyTorch does.
AC_TERNARY(MaximumBackward, a < b ? T(0) : a == b ? g / 2 : g);
AC_TERNARY(MinimumBackward, a > b ? T(0) : a == b ? g / 2 : g);
struct Where {
  template <class M, class T> AC_HOST_DEVICE static T apply(bool c, T a, T b, const OpParams&) { return c ? a : b; }
};

#undef AC_BINARY
#undef AC_COMPARE
#undef AC_UNARY
#undef AC_TERNARY

// The dtypes each op has kernels for (the `dtypes` column of core/elementwise_ops.def).
template <class... Ts> struct TypeList {};
using FLOATS = TypeList<float, double>;
using SIGNED = TypeList<int64_t, float, double>;
using ALL = TypeList<bool, int64_t, float, double>;

}  // namespace autocore::pointwise
