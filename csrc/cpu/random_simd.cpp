// Random fill loops, compiled once per instruction set. Counters are processed a block at a time: the
// Philox rounds of a block are independent lanes the compiler can vectorise; the partial counters at
// either end of a thread's range go through the same code one at a time.
#include <cmath>
#include <cstdint>

#include "core/random.h"
#include "cpu/isa.h"
#include "cpu/random.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

constexpr int kBlock = 16;  // counters per block: 64 words, a few vector registers per Philox lane
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Uniform in [0, 1) from the top 24 (float) or 53 (double) bits: every value is exactly representable.
inline float unit_float(uint32_t r) { return static_cast<float>(r >> 8) * 0x1.0p-24f; }
inline double unit_double(uint32_t lo, uint32_t hi) {
  return static_cast<double>(((static_cast<uint64_t>(hi) << 32) | lo) >> 11) * 0x1.0p-53;
}
// Uniform in (0, 1]: the radius of Box-Muller takes its log, which must stay finite.
inline float unit_float_open0(uint32_t r) { return static_cast<float>((r >> 8) + 1) * 0x1.0p-24f; }
inline double unit_double_open0(uint32_t lo, uint32_t hi) {
  return static_cast<double>((((static_cast<uint64_t>(hi) << 32) | lo) >> 11) + 1) * 0x1.0p-53;
}

// Each transform turns one counter's four words into its E output values.
template <class T> struct Uniform;
template <> struct Uniform<float> {
  static constexpr int E = 4;
  static void apply(const uint32_t* r, float* out, const RandomParams& p) {
    const float from = static_cast<float>(p.a), to = static_cast<float>(p.b), span = to - from;
    for (int e = 0; e < 4; ++e) {
      const float x = unit_float(r[e]) * span + from;
      out[e] = x < to ? x : std::nextafter(to, from);  // rounding may reach `to`; the range is half-open
    }
  }
};
template <> struct Uniform<double> {
  static constexpr int E = 2;
  static void apply(const uint32_t* r, double* out, const RandomParams& p) {
    const double span = p.b - p.a;
    for (int e = 0; e < 2; ++e) {
      const double x = unit_double(r[2 * e], r[2 * e + 1]) * span + p.a;
      out[e] = x < p.b ? x : std::nextafter(p.b, p.a);
    }
  }
};

// Box-Muller: radius sqrt(-2 log u1), angle 2 pi u2 give two independent standard normals.
template <class T> struct Normal;
template <> struct Normal<float> {
  static constexpr int E = 4;
  static void apply(const uint32_t* r, float* out, const RandomParams& p) {
    const float mean = static_cast<float>(p.a), std = static_cast<float>(p.b);
    for (int e = 0; e < 4; e += 2) {
      const float radius = std::sqrt(-2.0f * std::log(unit_float_open0(r[e])));
      const float angle = static_cast<float>(kTwoPi) * unit_float(r[e + 1]);
      out[e] = radius * std::cos(angle) * std + mean;
      out[e + 1] = radius * std::sin(angle) * std + mean;
    }
  }
};
template <> struct Normal<double> {
  static constexpr int E = 2;
  static void apply(const uint32_t* r, double* out, const RandomParams& p) {
    const double radius = std::sqrt(-2.0 * std::log(unit_double_open0(r[0], r[1])));
    const double angle = kTwoPi * unit_double(r[2], r[3]);
    out[0] = radius * std::cos(angle) * p.b + p.a;
    out[1] = radius * std::sin(angle) * p.b + p.a;
  }
};

// Lemire's multiply-shift maps 64 random bits onto [0, range) with a bias of at most range / 2^64.
struct RandInt {
  static constexpr int E = 2;
  static void apply(const uint32_t* r, int64_t* out, const RandomParams& p) {
    for (int e = 0; e < 2; ++e) {
      const uint64_t bits = (static_cast<uint64_t>(r[2 * e + 1]) << 32) | r[2 * e];
      const uint64_t scaled = static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * p.range) >> 64);
      out[e] = static_cast<int64_t>(static_cast<uint64_t>(p.low) + scaled);
    }
  }
};

// 1 with probability p: a 53-bit uniform below p (so p = 0 never fires and p = 1 always does).
template <class T> struct Bernoulli {
  static constexpr int E = 2;
  static void apply(const uint32_t* r, T* out, const double* probabilities, double p) {
    for (int e = 0; e < 2; ++e)
      out[e] = static_cast<T>(unit_double(r[2 * e], r[2 * e + 1]) < (probabilities ? probabilities[e] : p));
  }
};

// Runs `transform(words, values, first_element)` for counters covering [begin, end) and stores the values
// that fall inside the range.
template <class T, int E, class Transform>
inline void fill_range(T* out, int64_t begin, int64_t end, uint64_t seed, uint64_t base, const Transform& transform) {
  int64_t k = begin / E;
  const int64_t k_end = (end + E - 1) / E;
  for (; k + kBlock <= k_end && (k + kBlock) * E <= end; k += kBlock) {
    uint32_t words[kBlock][4];
    for (int j = 0; j < kBlock; ++j) {
      const Philox4x32 r = philox_at(seed, base + static_cast<uint64_t>(k + j));
      for (int w = 0; w < 4; ++w) words[j][w] = r.v[w];
    }
    for (int j = 0; j < kBlock; ++j) transform(words[j], out + (k + j) * E, (k + j) * E);
  }
  for (; k < k_end; ++k) {  // the tail: fewer than a block of counters, the last maybe partial
    const Philox4x32 r = philox_at(seed, base + static_cast<uint64_t>(k));
    T values[E];
    transform(r.v, values, k * E);
    for (int e = 0; e < E; ++e)
      if (k * E + e >= begin && k * E + e < end) out[k * E + e] = values[e];
  }
}

template <class Rule, class T>
void fill_loop(void* outv, int64_t begin, int64_t end, uint64_t seed, uint64_t base, const RandomParams& p) {
  fill_range<T, Rule::E>(static_cast<T*>(outv), begin, end, seed, base,
                         [&](const uint32_t* r, T* values, int64_t) { Rule::apply(r, values, p); });
}

template <class T>
void bernoulli_loop(void* outv, int64_t begin, int64_t end, uint64_t seed, uint64_t base, const RandomParams& p) {
  fill_range<T, 2>(static_cast<T*>(outv), begin, end, seed, base, [&](const uint32_t* r, T* values, int64_t first) {
    Bernoulli<T>::apply(r, values, p.p ? p.p + first : nullptr, p.a);
  });
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

RandomKernels build() {
  RandomKernels k{};
  k.uniform[idx<float>] = &fill_loop<Uniform<float>, float>;
  k.uniform[idx<double>] = &fill_loop<Uniform<double>, double>;
  k.normal[idx<float>] = &fill_loop<Normal<float>, float>;
  k.normal[idx<double>] = &fill_loop<Normal<double>, double>;
  k.randint = &fill_loop<RandInt, int64_t>;
  k.bernoulli[idx<bool>] = &bernoulli_loop<bool>;
  k.bernoulli[idx<float>] = &bernoulli_loop<float>;
  k.bernoulli[idx<double>] = &bernoulli_loop<double>;
  return k;
}

const RandomKernels random_kernels = build();

}  // namespace

AUTOCORE_REGISTER_KERNELS(RandomKernels, random_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
