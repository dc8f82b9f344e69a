// The CPU's dtype conversion loop, over core/convert.h's element conversion. It has internal linkage: each file
// that includes it is compiled for its own instruction set (cpu/isa.h), and must keep its own copy.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/convert.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace autocore::cpu {
namespace {

// A dense run of conversions. float16's take the F16C instructions where this instruction set has them: the same
// round-to-nearest-even as core/half.h's, 16 or 8 at a time (the portable loop does not vectorise to them).
template <class To, class From>
void convert_dense(To* out, const From* in, int64_t n) {
  int64_t i = 0;
#if defined(__F16C__)
  if constexpr (std::is_same_v<To, float> && std::is_same_v<From, Half>) {
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i))));
#endif
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  } else if constexpr (std::is_same_v<To, Half> && std::is_same_v<From, float>) {
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                          _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
    for (; i + 8 <= n; i += 8)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                       _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
#endif
  for (; i < n; ++i) out[i] = convert_element<To>(in[i]);
}

template <class To, class From>
void cast_loop(char* const* p, const int64_t* s, int64_t n) {
  To* out = reinterpret_cast<To*>(p[0]);
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    if constexpr (std::is_same_v<To, From>) {
      std::memcpy(out, p[1], n * sizeof(To));
    } else {
      convert_dense(out, reinterpret_cast<const From*>(p[1]), n);
    }
  } else if (s[0] == sizeof(To) && s[1] == 0) {  // fill
    const To v = convert_element<To>(*reinterpret_cast<const From*>(p[1]));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<To*>(p[0] + i * s[0]) = convert_element<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
  }
}

}  // namespace
}  // namespace autocore::cpu
