// The counter-based random generator: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11), the design PyTorch's CUDA generator, cuRAND and JAX use. A generator is only a
// (seed, offset) pair: the seed is the 64-bit key, and a request for n counters takes counters
// offset .. offset+n-1 and advances the offset by n. Every counter is an independent function of
// (key, counter), so a kernel can split the counters over threads in any way and give the same numbers.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace autocore {

struct Philox4x32 {
  uint32_t v[4];
};

namespace philox_detail {
constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;    // round multipliers
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key schedule: golden ratio, sqrt(3) - 1
}  // namespace philox_detail

// Ten rounds of Philox4x32 on a 128-bit counter under a 64-bit key. Branch-free integer code: loops over
// many counters vectorise (the 32x32->64 multiplies map onto vpmuludq). `static`: each *_simd.cpp copy
// keeps its own, so the linker never swaps an AVX-512 body into the baseline kernels.
static inline Philox4x32 philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  using namespace philox_detail;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kMul0) * c0, p1 = static_cast<uint64_t>(kMul1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return {{c0, c1, c2, c3}};
}

// Our counter layout: counter index i (64 bits) fills the low two words; the high two stay 0.
static inline Philox4x32 philox_at(uint64_t seed, uint64_t counter) {
  return philox4x32(static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0,
                    static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// A (seed, offset) pair that hands out disjoint counter ranges; thread-safe, so kernels may run without the GIL.
class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;  // PyTorch's default_rng_seed_val

  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}

  void manual_seed(uint64_t seed);
  uint64_t seed();  // a fresh seed from the OS's entropy; returned, as PyTorch's seed() does
  uint64_t initial_seed() const;
  uint64_t offset() const;
  void set_state(uint64_t seed, uint64_t offset);
  // Reserves `counters` consecutive counters; returns (seed, first counter).
  std::pair<uint64_t, uint64_t> reserve(uint64_t counters);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The generator used when no generator= is given.
const std::shared_ptr<Generator>& default_generator();

}  // namespace autocore
