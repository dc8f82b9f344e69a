// Random fill loops, compiled once per instruction set. Counters are processed a block at a time: the
// Philox rounds run across the block's counters (one vector lane per counter), and the transforms are
// branch-free loops over the block's words, with simd_math's log and a polynomial sin/cos so that
// Box-Muller vectorises too. The partial counters at either end of a thread's range go through the same
// transforms one counter at a time.
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif
// GCC 12's _mm512_mul_epu32 passes an undefined register as its masked-off source and then warns that it
// may be used uninitialised; every lane is computed, so the warning is noise.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/random.h"
#include "cpu/isa.h"
#include "cpu/random.h"
#include "cpu/simd_math.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

constexpr int kBlock = 32;  // counters per block: two AVX-512 registers per Philox word, for ILP

#if defined(__AVX512F__) || defined(__AVX2__)
// Philox's 32x32->64 multiplies with intrinsics: auto-vectorised, they become 64-bit multiplies (vpmullq
// on AVX-512, ~15 cycles) or widening shuffles; two even-lane multiplies (vpmuludq) per product are ~2x faster.
#if defined(__AVX512F__)
using Vec = __m512i;
inline Vec mul_even(Vec a, Vec b) { return _mm512_mul_epu32(a, b); }
inline Vec high_half(Vec a) { return _mm512_srli_epi64(a, 32); }
inline Vec low_half_up(Vec a) { return _mm512_slli_epi64(a, 32); }
inline Vec odd_lanes_from(Vec even, Vec odd) { return _mm512_mask_blend_epi32(0xAAAA, even, odd); }
inline Vec xor3(Vec a, Vec b, Vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
inline Vec broadcast(uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
#else
using Vec = __m256i;
inline Vec mul_even(Vec a, Vec b) { return _mm256_mul_epu32(a, b); }
inline Vec high_half(Vec a) { return _mm256_srli_epi64(a, 32); }
inline Vec low_half_up(Vec a) { return _mm256_slli_epi64(a, 32); }
inline Vec odd_lanes_from(Vec even, Vec odd) { return _mm256_blend_epi32(even, odd, 0xAA); }
inline Vec xor3(Vec a, Vec b, Vec c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
inline Vec broadcast(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
#endif
constexpr int kLanes = sizeof(Vec) / 4, kVecs = kBlock / kLanes;

// hi and lo 32 bits of a * m in every 32-bit lane.
inline void mulhilo(Vec a, Vec m, Vec* hi, Vec* lo) {
  const Vec even = mul_even(a, m), odd = mul_even(high_half(a), m);
  *hi = odd_lanes_from(high_half(even), odd);
  *lo = odd_lanes_from(even, low_half_up(odd));
}

// Philox4x32-10 of counters first .. first+kBlock-1 (philox_at's layout and rounds), stored counter-major:
// words[4 * j + w] is word w of counter j, so element order in the words is element order in the output.
inline void philox_block(uint64_t seed, uint64_t first, uint32_t* __restrict words) {
  using namespace philox_detail;
  alignas(64) uint32_t lanes[4][kBlock];
  for (int j = 0; j < kBlock; ++j) {
    const uint64_t counter = first + static_cast<uint64_t>(j);
    lanes[0][j] = static_cast<uint32_t>(counter);
    lanes[1][j] = static_cast<uint32_t>(counter >> 32);
  }
  Vec c0[kVecs], c1[kVecs], c2[kVecs], c3[kVecs];
  for (int v = 0; v < kVecs; ++v) {
    std::memcpy(&c0[v], lanes[0] + v * kLanes, sizeof(Vec));
    std::memcpy(&c1[v], lanes[1] + v * kLanes, sizeof(Vec));
    c2[v] = c3[v] = broadcast(0);
  }
  const Vec m0 = broadcast(kMul0), m1 = broadcast(kMul1);
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const Vec key0 = broadcast(k0), key1 = broadcast(k1);
    for (int v = 0; v < kVecs; ++v) {
      Vec hi0, lo0, hi1, lo1;
      mulhilo(c0[v], m0, &hi0, &lo0);
      mulhilo(c2[v], m1, &hi1, &lo1);
      c0[v] = xor3(hi1, c1[v], key0);
      c2[v] = xor3(hi0, c3[v], key1);
      c1[v] = lo1;
      c3[v] = lo0;
    }
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  for (int v = 0; v < kVecs; ++v) {
    std::memcpy(lanes[0] + v * kLanes, &c0[v], sizeof(Vec));
    std::memcpy(lanes[1] + v * kLanes, &c1[v], sizeof(Vec));
    std::memcpy(lanes[2] + v * kLanes, &c2[v], sizeof(Vec));
    std::memcpy(lanes[3] + v * kLanes, &c3[v], sizeof(Vec));
  }
  for (int j = 0; j < kBlock; ++j)
    for (int w = 0; w < 4; ++w) words[4 * j + w] = lanes[w][j];
}
#else
// As above, written for the auto-vectoriser: across j, the rounds unrolled inside each lane.
inline void philox_block(uint64_t seed, uint64_t first, uint32_t* __restrict words) {
  for (int j = 0; j < kBlock; ++j) {
    const uint64_t counter = first + static_cast<uint64_t>(j);
    const Philox4x32 r = philox_at(seed, counter);
    for (int w = 0; w < 4; ++w) words[4 * j + w] = r.v[w];
  }
}
#endif

// Uniform in [0, 1) from the top 24 (float) or 53 (double) random bits: every value is exact. Conversions
// go through int32 so they vectorise on every ISA.
inline float unit_float(uint32_t r) { return static_cast<float>(static_cast<int32_t>(r >> 8)) * 0x1.0p-24f; }
inline double unit_double(uint32_t lo, uint32_t hi) {  // ((hi << 32 | lo) >> 11) * 2^-53
  const double top = static_cast<double>(static_cast<int32_t>(hi ^ 0x80000000u)) + 2147483648.0;
  return top * 0x1.0p-32 + static_cast<double>(static_cast<int32_t>(lo >> 11)) * 0x1.0p-53;
}

// Taylor terms for sin and cos on |x| <= pi/4: the first omitted one, (pi/4)^(2N+1) / (2N+1)!, is below
// T's rounding error.
template <class T> constexpr int kSinCosTerms = sizeof(T) == 4 ? 6 : 10;

// sin and cos of 2 pi u for u in [0, 1): u = q / 4 + r exactly, |r| <= 1/8, then Taylor series of
// x = 2 pi r (|x| <= pi / 4) rotated by q quarter turns (q in 0..4; 4 is a whole turn).
template <class T>
inline void sincos_2pi(T u, T* sin_out, T* cos_out) {
  const int32_t q = static_cast<int32_t>(u * T(4) + T(0.5));
  const T x = (u - static_cast<T>(q) * T(0.25)) * T(6.283185307179586476925286766559);
  const T x2 = x * x;
  constexpr int N = kSinCosTerms<T>;
  T s = T(1), c = T(1);  // Horner over the Taylor coefficients (-1)^k / (2k+1)! and (-1)^k / (2k)!
#pragma GCC unroll 16
  for (int k = N; k >= 1; --k) {
    s = T(1) - x2 * T(1.0 / ((2 * k) * (2 * k + 1))) * s;
    c = T(1) - x2 * T(1.0 / ((2 * k - 1) * (2 * k))) * c;
  }
  s = s * x;
  // Quadrant logic on the integer q: integer selects vectorise on every ISA.
  const bool odd = q & 1;
  const T sin_abs = odd ? c : s, cos_abs = odd ? s : c;
  *sin_out = sin_abs * ((q & 2) ? T(-1) : T(1));
  *cos_out = cos_abs * (((q + 1) & 2) ? T(-1) : T(1));
}

// Each rule turns `counters` counters' words into their E values each.
template <class T> struct Uniform;
template <> struct Uniform<float> {
  static constexpr int E = 4;
  static void apply(const uint32_t* w, float* out, int counters, const RandomParams& p, int64_t) {
    const float from = static_cast<float>(p.a), to = static_cast<float>(p.b), span = to - from;
    const float below_to = std::nextafter(to, from);  // rounding may reach `to`; the range is half-open
    for (int i = 0; i < 4 * counters; ++i) {
      const float x = unit_float(w[i]) * span + from;
      out[i] = x < to ? x : below_to;
    }
  }
};
template <> struct Uniform<double> {
  static constexpr int E = 2;
  static void apply(const uint32_t* w, double* out, int counters, const RandomParams& p, int64_t) {
    const double from = p.a, to = p.b, span = to - from, below_to = std::nextafter(to, from);
    for (int i = 0; i < 2 * counters; ++i) {
      const double x = unit_double(w[2 * i], w[2 * i + 1]) * span + from;
      out[i] = x < to ? x : below_to;
    }
  }
};

// Box-Muller: radius sqrt(-2 log u1) with u1 in (0, 1] (so the log is finite), angle 2 pi u2, two normals.
template <class T> struct Normal;
template <> struct Normal<float> {
  static constexpr int E = 4;
  static void apply(const uint32_t* w, float* out, int counters, const RandomParams& p, int64_t) {
    const float mean = static_cast<float>(p.a), std = static_cast<float>(p.b);
    for (int i = 0; i < 2 * counters; ++i) {
      const float u1 = unit_float(w[2 * i]) + 0x1.0p-24f;
      const float radius = std::sqrt(-2.0f * simd::log(u1));
      float s, c;
      sincos_2pi(unit_float(w[2 * i + 1]), &s, &c);
      out[2 * i] = radius * c * std + mean;
      out[2 * i + 1] = radius * s * std + mean;
    }
  }
};
template <> struct Normal<double> {
  static constexpr int E = 2;
  static void apply(const uint32_t* w, double* out, int counters, const RandomParams& p, int64_t) {
    const double mean = p.a, std = p.b;
    for (int i = 0; i < counters; ++i) {
      const double u1 = unit_double(w[4 * i], w[4 * i + 1]) + 0x1.0p-53;
      const double radius = std::sqrt(-2.0 * simd::log(u1));
      double s, c;
      sincos_2pi(unit_double(w[4 * i + 2], w[4 * i + 3]), &s, &c);
      out[2 * i] = radius * c * std + mean;
      out[2 * i + 1] = radius * s * std + mean;
    }
  }
};

// Lemire's multiply-shift maps 64 random bits onto [0, range) with a bias of at most range / 2^64:
// (bits * range) >> 64. For range < 2^32 the same value comes from two 32x32->64 products, which vectorise:
// (hi * range + (lo * range >> 32)) >> 32, with no overflow since hi * range + 2^32 < 2^64.
struct RandInt {
  static constexpr int E = 2;
  static void apply(const uint32_t* w, int64_t* out, int counters, const RandomParams& p, int64_t) {
    const uint64_t low = static_cast<uint64_t>(p.low), range = p.range;
    if (range >> 32 == 0) {
      for (int i = 0; i < 2 * counters; ++i) {
        const uint64_t partial = (static_cast<uint64_t>(w[2 * i]) * range) >> 32;
        out[i] = static_cast<int64_t>(low + ((static_cast<uint64_t>(w[2 * i + 1]) * range + partial) >> 32));
      }
      return;
    }
    for (int i = 0; i < 2 * counters; ++i) {
      const uint64_t bits = (static_cast<uint64_t>(w[2 * i + 1]) << 32) | w[2 * i];
      const auto scaled = static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * range) >> 64);
      out[i] = static_cast<int64_t>(low + scaled);
    }
  }
};

struct RawBits {
  static constexpr int E = 2;
  static void apply(const uint32_t* w, uint64_t* out, int counters, const RandomParams&, int64_t) {
    for (int i = 0; i < 2 * counters; ++i) out[i] = (static_cast<uint64_t>(w[2 * i + 1]) << 32) | w[2 * i];
  }
};

// 1 with probability p: a 53-bit uniform below p (so p = 0 never fires and p = 1 always does).
template <class T> struct Bernoulli {
  static constexpr int E = 2;
  static void apply(const uint32_t* w, T* out, int counters, const RandomParams& p, int64_t first) {
    if (p.p) {
      const double* probabilities = p.p + first;
      for (int i = 0; i < 2 * counters; ++i)
        out[i] = static_cast<T>(unit_double(w[2 * i], w[2 * i + 1]) < probabilities[i]);
    } else {
      const double probability = p.a;
      for (int i = 0; i < 2 * counters; ++i) out[i] = static_cast<T>(unit_double(w[2 * i], w[2 * i + 1]) < probability);
    }
  }
};

// Fills elements [begin, end): whole blocks straight into `out`, the counters around them one at a time.
template <class Rule, class T>
void fill_loop(void* outv, int64_t begin, int64_t end, uint64_t seed, uint64_t base, const RandomParams& p) {
  constexpr int E = Rule::E;
  T* out = static_cast<T*>(outv);
  int64_t k = begin / E;
  const int64_t k_end = (end + E - 1) / E;
  uint32_t words[4 * kBlock];
  for (; k * E >= begin && (k + kBlock) * E <= end; k += kBlock) {  // whole blocks inside [begin, end)
    philox_block(seed, base + static_cast<uint64_t>(k), words);
    Rule::apply(words, out + k * E, kBlock, p, k * E);
  }
  for (; k < k_end; ++k) {
    const Philox4x32 r = philox_at(seed, base + static_cast<uint64_t>(k));
    T values[E];
    Rule::apply(r.v, values, 1, p, k * E);
    for (int e = 0; e < E; ++e)
      if (k * E + e >= begin && k * E + e < end) out[k * E + e] = values[e];
  }
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

RandomKernels build() {
  RandomKernels k{};
  k.uniform[idx<float>] = &fill_loop<Uniform<float>, float>;
  k.uniform[idx<double>] = &fill_loop<Uniform<double>, double>;
  k.normal[idx<float>] = &fill_loop<Normal<float>, float>;
  k.normal[idx<double>] = &fill_loop<Normal<double>, double>;
  k.randint = &fill_loop<RandInt, int64_t>;
  k.raw_bits = &fill_loop<RawBits, uint64_t>;
  k.bernoulli[idx<bool>] = &fill_loop<Bernoulli<bool>, bool>;
  k.bernoulli[idx<float>] = &fill_loop<Bernoulli<float>, float>;
  k.bernoulli[idx<double>] = &fill_loop<Bernoulli<double>, double>;
  return k;
}

const RandomKernels random_kernels = build();

}  // namespace

AUTOCORE_REGISTER_KERNELS(RandomKernels, random_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
