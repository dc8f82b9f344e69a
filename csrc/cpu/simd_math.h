// exp, log, log1p, tanh and sigmoid for float and double, written without branches or library calls so that
// the loops in the *_simd.cpp files that call them auto-vectorise for every ISA. Special values follow std::.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

// Every function is force-inlined: a call left in a loop (GCC's inliner gives up once a loop body holds a
// few of these) stops that loop from vectorising.
#if defined(__GNUC__)
#define AUTOCORE_SIMD_INLINE inline __attribute__((always_inline))
#else
#define AUTOCORE_SIMD_INLINE inline
#endif

namespace autocore::cpu::simd {

namespace detail {

// a * b + c, fused where the ISA has FMA (one rounding, and half the instructions of the polynomials);
// elsewhere std::fma would be a slow library call, so the baseline build multiplies and adds.
template <class T>
AUTOCORE_SIMD_INLINE T madd(T a, T b, T c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

template <class T> struct Bits;
template <> struct Bits<float> {
  using Int = int32_t;
  using UInt = uint32_t;
  static constexpr int kMantissa = 23, kBias = 127;
};
template <> struct Bits<double> {
  using Int = int64_t;
  using UInt = uint64_t;
  static constexpr int kMantissa = 52, kBias = 1023;
};

template <class T>
AUTOCORE_SIMD_INLINE typename Bits<T>::Int to_bits(T x) {
  typename Bits<T>::Int i;
  std::memcpy(&i, &x, sizeof(T));
  return i;
}

template <class T>
AUTOCORE_SIMD_INLINE T from_bits(typename Bits<T>::Int i) {
  T x;
  std::memcpy(&x, &i, sizeof(T));
  return x;
}

// 2^n for n in the normal exponent range, built straight into the exponent field.
template <class T>
AUTOCORE_SIMD_INLINE T pow2(typename Bits<T>::Int n) {
  using Int = typename Bits<T>::Int;
  using UInt = typename Bits<T>::UInt;
  return from_bits<T>(static_cast<Int>(static_cast<UInt>(n + Bits<T>::kBias) << Bits<T>::kMantissa));
}

// exp(r) on |r| <= ln2/2. float: Cephes' minimax polynomial (~1 ulp); double: Taylor to degree 12,
// whose truncation error there is 0.35^13/13! ~ 2e-16.
AUTOCORE_SIMD_INLINE float exp_reduced(float r) {
  float p = 1.9875691500e-4f;
  p = madd(p, r, 1.3981999507e-3f);
  p = madd(p, r, 8.3334519073e-3f);
  p = madd(p, r, 4.1665795894e-2f);
  p = madd(p, r, 1.6666665459e-1f);
  p = madd(p, r, 5.0000001201e-1f);
  return madd(p, r * r, r) + 1.0f;
}

AUTOCORE_SIMD_INLINE double exp_reduced(double r) {
  double p = 1.0 / 479001600.0;  // 1/12!
  p = madd(p, r, 1.0 / 39916800.0);
  p = madd(p, r, 1.0 / 3628800.0);
  p = madd(p, r, 1.0 / 362880.0);
  p = madd(p, r, 1.0 / 40320.0);
  p = madd(p, r, 1.0 / 5040.0);
  p = madd(p, r, 1.0 / 720.0);
  p = madd(p, r, 1.0 / 120.0);
  p = madd(p, r, 1.0 / 24.0);
  p = madd(p, r, 1.0 / 6.0);
  p = madd(p, r, 0.5);
  return madd(p, r * r, r) + 1.0;
}

template <class T> struct ExpConstants;
// Inputs are clamped to [lo, hi]: below lo the result rounds to +0, above hi it is +inf, and in between
// n = round(x / ln2) stays within what two normal powers of two can express. ln2 is split hi + lo so
// that n * ln2_hi is exact (Cody and Waite).
template <> struct ExpConstants<float> {
  static constexpr float lo = -104.0f, hi = 89.0f;
  static constexpr float log2e = 1.44269504088896341f, ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  static constexpr float round_magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
};
template <> struct ExpConstants<double> {
  static constexpr double lo = -746.0, hi = 710.0;
  static constexpr double log2e = 1.4426950408889634074, ln2_hi = 6.93145751953125e-1,
                          ln2_lo = 1.42860682030941723212e-6;
  static constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52
};

}  // namespace detail

// exp(x) = 2^n * exp(r), x = n ln2 + r. 2^n is applied as two factors 2^(n/2) * 2^(n - n/2) so that
// results that overflow become inf and those in the subnormal range round once, as std::exp does.
// -inf gives 0, +inf gives inf, NaN stays NaN (the clamps are written so that NaN passes through).
template <class T>
AUTOCORE_SIMD_INLINE T exp(T x) {
  using C = detail::ExpConstants<T>;
  using Int = typename detail::Bits<T>::Int;
  T xc = x < C::lo ? C::lo : x;
  xc = xc > C::hi ? C::hi : xc;
  const T shifted = detail::madd(xc, C::log2e, C::round_magic);
  const T n = shifted - C::round_magic;
  // The integers n and n/2 sit in the low mantissa bits of the shifted values: reading them there needs
  // no float->int conversion (undefined for NaN) and no 64-bit arithmetic shift (which AVX2 lacks).
  const Int magic_bits = detail::to_bits(C::round_magic);
  const Int ni = detail::to_bits(shifted) - magic_bits;
  const Int half = detail::to_bits(n * T(0.5) + C::round_magic) - magic_bits;
  const T r = detail::madd(-n, C::ln2_lo, detail::madd(-n, C::ln2_hi, xc));
  return detail::exp_reduced(r) * detail::pow2<T>(half) * detail::pow2<T>(ni - half);
}

namespace detail {

// log(1 + f) for m = 1 + f in [sqrt(1/2), sqrt(2)): with s = f / (2 + f), log(m) = 2 atanh(s)
// = 2s (1 + s^2/3 + s^4/5 + ...), |s| <= 0.172, so s^2 <= 0.0295.
AUTOCORE_SIMD_INLINE float log_mantissa(float f) {
  const float s = f / (2.0f + f), z = s * s;
  float p = 1.0f / 11.0f;
  p = madd(p, z, 1.0f / 9.0f);
  p = madd(p, z, 1.0f / 7.0f);
  p = madd(p, z, 1.0f / 5.0f);
  p = madd(p, z, 1.0f / 3.0f);
  return f - s * f + 2.0f * s * (z * p);  // see the double version
}

AUTOCORE_SIMD_INLINE double log_mantissa(double f) {
  const double s = f / (2.0 + f), z = s * s;
  double p = 1.0 / 23.0;
  p = madd(p, z, 1.0 / 21.0);
  p = madd(p, z, 1.0 / 19.0);
  p = madd(p, z, 1.0 / 17.0);
  p = madd(p, z, 1.0 / 15.0);
  p = madd(p, z, 1.0 / 13.0);
  p = madd(p, z, 1.0 / 11.0);
  p = madd(p, z, 1.0 / 9.0);
  p = madd(p, z, 1.0 / 7.0);
  p = madd(p, z, 1.0 / 5.0);
  p = madd(p, z, 1.0 / 3.0);
  // log(1+f) = f - (f - 2s) + 2s z p, and f - 2s = s f exactly in real arithmetic: this form keeps
  // the leading f exact, which is what keeps the relative error near 1 ulp close to m = 1.
  return f - s * f + 2.0 * s * (z * p);
}

template <class T> struct LogConstants;
template <> struct LogConstants<float> {
  static constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  static constexpr float subnormal_scale = 16777216.0f;  // 2^24
  static constexpr int subnormal_shift = 24, exponent_bias = 128;
};
template <> struct LogConstants<double> {
  static constexpr double ln2_hi = 6.93145751953125e-1, ln2_lo = 1.42860682030941723212e-6;
  static constexpr double subnormal_scale = 18014398509481984.0;  // 2^54
  static constexpr int subnormal_shift = 54, exponent_bias = 1024;
};

}  // namespace detail

// log(x) = e ln2 + log(m), x = m 2^e with m in [sqrt(1/2), sqrt(2)). Subnormal inputs are scaled up by
// a power of two first. x < 0 or NaN gives NaN, 0 gives -inf, +inf gives +inf.
template <class T>
AUTOCORE_SIMD_INLINE T log(T x) {
  using B = detail::Bits<T>;
  using C = detail::LogConstants<T>;
  using Int = typename B::Int;
  using UInt = typename B::UInt;
  const bool subnormal = x < std::numeric_limits<T>::min();
  const T xs = subnormal ? x * C::subnormal_scale : x;
  const Int bits = detail::to_bits(xs);
  // Shift the mantissa range from [1, 2) to [sqrt(1/2), sqrt(2)) by biasing with the bits of sqrt(1/2).
  const Int sqrt_half_bits = detail::to_bits(static_cast<T>(0.70710678118654752440));
  // Unsigned subtraction: for x < 0 (whose result is replaced below) the signed difference would overflow.
  const Int offset = static_cast<Int>(static_cast<UInt>(bits) - static_cast<UInt>(sqrt_half_bits));
  // The exponent, biased to be positive so that a logical shift extracts it, is turned into a float by
  // planting it in the mantissa of 2^kMantissa: AVX2 has neither 64-bit arithmetic shifts nor int64->double.
  const UInt bias_bits = static_cast<UInt>(C::exponent_bias) << B::kMantissa;
  const UInt biased = (static_cast<UInt>(offset) + bias_bits) >> B::kMantissa;
  const T two_mantissa = detail::pow2<T>(B::kMantissa);
  const T ef = detail::from_bits<T>(static_cast<Int>(biased) | detail::to_bits(two_mantissa)) - two_mantissa -
               (subnormal ? T(C::exponent_bias + C::subnormal_shift) : T(C::exponent_bias));
  const Int mantissa_mask = (Int(1) << B::kMantissa) - 1;
  const T m = detail::from_bits<T>((offset & mantissa_mask) + sqrt_half_bits);
  const T result = ef * C::ln2_hi + (detail::log_mantissa(m - T(1)) + ef * C::ln2_lo);
  const T inf = std::numeric_limits<T>::infinity();
  // Special values, each a select the vectoriser turns into a blend.
  T special = x == T(0) ? -inf : x;                                    // 0 -> -inf, +inf -> +inf
  special = x < T(0) ? std::numeric_limits<T>::quiet_NaN() : special;  // NaN stays NaN through x itself
  const bool ordinary = x > T(0) && x < inf;
  return ordinary ? result : special;
}

// log(1 + u), accurate for tiny u: log(w) * u / (w - 1) with w = 1 + u rounded cancels the rounding of w
// (Goldberg's trick); when w rounds to 1, log1p(u) = u to working precision.
template <class T>
AUTOCORE_SIMD_INLINE T log1p(T u) {
  const T w = u + T(1);
  const T d = w - T(1);
  const T ratio = u / (d == T(0) ? T(1) : d);
  const T inf = std::numeric_limits<T>::infinity();
  return d == T(0) ? u : (w == inf ? w : log(w) * ratio);
}

namespace detail {

// tanh(x) / x - 1 = z P(z) / Q(z) with z = x^2 on |x| < 0.625 (Cephes' tanh and tanhf approximations).
AUTOCORE_SIMD_INLINE float tanh_small(float x) {
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = madd(p, z, 2.06390887954e-2f);
  p = madd(p, z, -5.37397155531e-2f);
  p = madd(p, z, 1.33314422036e-1f);
  p = madd(p, z, -3.33332819422e-1f);
  return madd(x * z, p, x);
}

AUTOCORE_SIMD_INLINE double tanh_small(double x) {
  const double z = x * x;
  double p = -9.64399179425052238628e-1;
  p = madd(p, z, -9.92877231001918586564e1);
  p = madd(p, z, -1.61468768441708447952e3);
  double q = z + 1.12811678491632931402e2;
  q = madd(q, z, 2.23548839060100448583e3);
  q = madd(q, z, 4.84406305325125486048e3);
  return madd(x * z, p / q, x);
}

}  // namespace detail

// tanh(x): the polynomial near 0, where 1 - 2 / (exp(2|x|) + 1) would cancel, and that form elsewhere
// (exp's overflow to inf gives exactly +-1). Both are computed and one selected, so loops vectorise.
template <class T>
AUTOCORE_SIMD_INLINE T tanh(T x) {
  const T ax = x < T(0) ? -x : x;
  const T large = T(1) - T(2) / (exp(ax + ax) + T(1));
  const T signed_large = x < T(0) ? -large : large;
  return ax < T(0.625) ? detail::tanh_small(x) : (x != x ? x : signed_large);
}

// The logistic function 1 / (1 + exp(-x)): exp(-x) = inf for very negative x gives exactly 0.
template <class T>
AUTOCORE_SIMD_INLINE T sigmoid(T x) {
  return T(1) / (T(1) + exp(-x));
}

}  // namespace autocore::cpu::simd
