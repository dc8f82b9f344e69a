// Random fill loops, compiled once per instruction set. Counters are processed a block at a time: the
// Philox rounds run across the block's counters (one vector lane per counter), and the transforms are
// branch-free loops over the block's words, with simd_math's log and a polynomial sin/cos so that
// Box-Muller vectorises too. The partial counters at either end of a thread's
// range go through the same transforms one counter at a time.
#include <cmath>
#include <cstdint>

#include "core/random.h"
#include "cpu/isa.h"
#include "cpu/random.h"
#include "cpu/simd_math.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

constexpr int kBlock = 16;  // counters per block: one AVX-512 register per Philox word

// Philox4x32-10 of counters first .. first+kBlock-1 (philox_at's layout and rounds), stored counter-major:
// words[4 * j + w] is word w of counter j, so element order in the words is element order in the output.
inline void philox_block(uint64_t seed, uint64_t first, uint32_t* __restrict words) {
  using namespace philox_detail;
  const uint32_t key0 = static_cast<uint32_t>(seed), key1 = static_cast<uint32_t>(seed >> 32);
  for (int j = 0; j < kBlock; ++j) {  // vectorised across j; the rounds unroll inside each lane
    const uint64_t counter = first + static_cast<uint64_t>(j);
    uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = key0, k1 = key1;
#pragma GCC unroll 10
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = static_cast<uint64_t>(kMul0) * c0, p1 = static_cast<uint64_t>(kMul1) * c2;
      c0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
      c2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
      c1 = static_cast<uint32_t>(p1);
      c3 = static_cast<uint32_t>(p0);
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    words[4 * j] = c0;
    words[4 * j + 1] = c1;
    words[4 * j + 2] = c2;
    words[4 * j + 3] = c3;
  }
}

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
  for (; k + kBlock <= k_end && (k + kBlock) * E <= end; k += kBlock) {
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
