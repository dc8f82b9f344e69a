// float16 and bfloat16 as storage types, for the host and CUDA alike: 16 bits that convert to and from float.
// Arithmetic on them converts to float and rounds the result back (as PyTorch's c10::Half does); the elementwise
// ops and reductions instead compute a whole op in float32 and round once (core/dtype.h's narrow dtypes).
#pragma once
#include <cstdint>
#include <cstring>

#include "core/host_device.h"

namespace autocore {

namespace half_bits {

AC_INLINE uint32_t of_float(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
AC_INLINE float to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

// Rounds `value`, shifted right by `shift` bits, to the nearest integer, ties to even.
AC_INLINE uint32_t shift_round_even(uint32_t value, int shift) {
  const uint32_t kept = value >> shift, rest = value & ((1u << shift) - 1), tie = 1u << (shift - 1);
  return kept + (rest > tie || (rest == tie && (kept & 1)));
}

// IEEE binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; rounded to nearest, ties to even.
AC_INLINE uint16_t from_float32(float f) {
  const uint32_t x = of_float(f), sign = (x >> 16) & 0x8000, magnitude = x & 0x7fffffff;
  if (magnitude > 0x7f800000) return uint16_t(sign | 0x7e00);   // NaN stays NaN, made quiet
  if (magnitude >= 0x477ff000) return uint16_t(sign | 0x7c00);  // 65520 and above round to infinity
  if (magnitude >= 0x38800000) {                                // 2**-14 and above: a normal half
    // The exponent rebiased from 127 to 15 (112 << 23) and the mantissa cut from 23 to 10 bits; a carry out of
    // the mantissa rightly moves up the exponent.
    return uint16_t(sign | shift_round_even(magnitude - (112u << 23), 13));
  }
  const int exponent = int(magnitude >> 23);
  if (exponent < 102) return uint16_t(sign);  // under 2**-25: rounds to zero (2**-25 itself ties to even, zero)
  // A subnormal half counts units of 2**-24; the float is mantissa * 2**(exponent - 150).
  const uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
  return uint16_t(sign | shift_round_even(mantissa, 126 - exponent));
}

AC_INLINE float to_float32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0x1f) return to_float(sign | 0x7f800000 | (mantissa << 13));
  if (exponent != 0) return to_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
  const float magnitude = float(mantissa) * 5.9604644775390625e-8f;  // mantissa * 2**-24, exact
  return sign ? -magnitude : magnitude;
}

// bfloat16: float32's upper half (8 exponent bits, 7 mantissa bits), rounded to nearest, ties to even.
AC_INLINE uint16_t bfloat16_from_float32(float f) {
  const uint32_t x = of_float(f);
  if ((x & 0x7fffffff) > 0x7f800000) return 0x7fc0;  // NaN, as PyTorch writes it
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

AC_INLINE float bfloat16_to_float32(uint16_t b) { return to_float(uint32_t(b) << 16); }

}  // namespace half_bits

// Value-initialised (Half{}) they are +0. Conversions from other numbers go through float, as c10's do, so a
// double is rounded twice.
struct Half {
  uint16_t bits;
  Half() = default;
  AC_INLINE Half(float f) : bits(half_bits::from_float32(f)) {}
  AC_INLINE operator float() const { return half_bits::to_float32(bits); }
};

struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  AC_INLINE BFloat16(float f) : bits(half_bits::bfloat16_from_float32(f)) {}
  AC_INLINE operator float() const { return half_bits::bfloat16_to_float32(bits); }
};

}  // namespace autocore
