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

// The conversions are branch-free (each case computed, then selected), so that the cast loops vectorise.

// IEEE binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits; rounded to nearest, ties to even.
AC_INLINE uint16_t from_float32(float f) {
  const uint32_t x = of_float(f), sign = (x >> 16) & 0x8000, magnitude = x & 0x7fffffff;
  // 2**-14 and above, a normal half: the exponent rebiased from 127 to 15 (112 << 23), the mantissa cut from 23 to
  // 10 bits, rounding half to even (a carry out of the mantissa rightly moves up the exponent).
  const uint32_t rebiased = magnitude - (112u << 23);
  const uint32_t normal = (rebiased + 0xfff + ((rebiased >> 13) & 1)) >> 13;
  // Below 2**-14, a subnormal half counts units of 2**-24: adding 0.5 (whose float ulp is 2**-24) lets the FPU
  // round the magnitude to that unit, to nearest even; the units are then the sum's low bits.
  const uint32_t subnormal = of_float(to_float(magnitude) + 0.5f) - 0x3f000000;
  uint32_t result = magnitude >= 0x38800000 ? normal : subnormal;
  result = magnitude >= 0x477ff000 ? 0x7c00 : result;                               // 65520 and above round to infinity
  result = magnitude > 0x7f800000 ? 0x7e00 | ((magnitude >> 13) & 0x3ff) : result;  // NaN: quiet, payload kept
  return uint16_t(sign | result);
}

AC_INLINE float to_float32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, shifted = uint32_t(h & 0x7fff) << 13;
  const uint32_t exponent = shifted & 0x0f800000;
  const uint32_t normal = shifted + (112u << 23);  // exponent rebiased from 15 to 127
  // Infinity and NaN: all exponent bits set; a NaN comes out quiet, as F16C's conversion and PyTorch's give it.
  const uint32_t special = (shifted + (224u << 23)) | ((shifted & 0x007fe000) != 0 ? 0x00400000u : 0u);
  const uint32_t subnormal = of_float(to_float(shifted + (113u << 23)) - 6.103515625e-05f);  // minus 2**-14
  const uint32_t magnitude = exponent == 0x0f800000 ? special : exponent == 0 ? subnormal : normal;
  return to_float(sign | magnitude);
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
