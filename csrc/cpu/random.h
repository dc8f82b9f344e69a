// Random fills from a Philox generator: uniform_, normal_, randint, bernoulli_, dropout, randperm, multinomial.
// Element i of a request reads counter (offset + i / per_counter), so the numbers do not depend on how the
// work is split over threads. Kernels: cpu/random_simd.cpp. Binding: bindings/random.cpp.
#pragma once
#include <cstdint>
#include <utility>

#include "core/random.h"
#include "core/tensor.h"

namespace autocore::cpu {

struct RandomParams {
  double a = 0, b = 0;        // uniform: from, to; normal: mean, std; bernoulli: p (scalar)
  int64_t low = 0;            // randint: low
  uint64_t range = 0;         // randint: high - low
  const double* p = nullptr;  // bernoulli: one probability per element, or null for the scalar p
};

// Fills elements [begin, end) of `out` (element 0 is the request's first element; begin is a multiple of
// the loop's per-counter count) from counters base + i / per_counter under key `seed`.
using RandomLoop = void (*)(void* out, int64_t begin, int64_t end, uint64_t seed, uint64_t base,
                            const RandomParams& params);

struct RandomKernels {
  RandomLoop uniform[kNumDTypes];    // floats: 4 per counter (float, 24-bit), 2 per counter (double, 53-bit)
  RandomLoop normal[kNumDTypes];     // floats: Box-Muller, 4 (float) or 2 (double) per counter
  RandomLoop randint;                // int64: 2 per counter, 64 random bits each
  RandomLoop raw_bits;               // uint64 (stored in int64): the 64 bits randint maps, unmapped
  RandomLoop bernoulli[kNumDTypes];  // bool, float, double outputs: 2 per counter, a 53-bit uniform each
};
// Elements drawn per counter: one 32-bit word per float, two per double or 64-bit integer.
constexpr int per_counter(DType dtype) { return dtype == DType::Float32 ? 4 : 2; }
constexpr int kWidePerCounter = 2;  // randint, bernoulli, randperm: 64 bits per element

// `generator` null: the default generator. All fill `t` in place and return it.
Tensor uniform_(const Tensor& t, double from, double to, Generator* generator);
Tensor normal_(const Tensor& t, double mean, double std, Generator* generator);
Tensor randint(int64_t low, int64_t high, const Dims& shape, Generator* generator);
Tensor bernoulli_(const Tensor& t, double p, Generator* generator);
Tensor bernoulli_(const Tensor& t, const Tensor& p, Generator* generator);
std::pair<Tensor, Tensor> dropout(const Tensor& x, double p, bool train, Generator* generator);  // (output, mask)
Tensor randperm(int64_t n, Generator* generator);
// num_samples category indices (int64) per row of probs, a 1-D or 2-D table of weights (cpu/multinomial.cpp).
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* generator);

}  // namespace autocore::cpu
