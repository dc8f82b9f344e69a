// Reduction kernels, compiled once per instruction set. Rows (inner == 1) are reduced with several
// independent vector accumulators; columns (inner > 1) accumulate whole rows at once, vectorised
// across inner. Float sums are cascaded (blocks summed in T, block totals in double) so their error
// grows with log(n)-like blocks rather than with n, close to numpy's pairwise summation.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cpu/isa.h"
#include "cpu/reduce.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

constexpr int64_t kBlock = 4096;  // elements per cascade block
constexpr int64_t kTile = 256;    // inner elements accumulated on the stack at once

template <class T> using SumOut = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;
template <class T> using Total = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

template <class T>
Total<T> sum_row(const T* x, int64_t n) {
  if constexpr (!std::is_floating_point_v<T>) {
    uint64_t total = 0;  // integers wrap around, as in PyTorch
    for (int64_t i = 0; i < n; ++i) total += static_cast<uint64_t>(x[i]);
    return total;
  } else {
    constexpr int kLanes = 4 * 64 / sizeof(T);  // four AVX-512 registers of partial sums
    double total = 0;
    for (int64_t b = 0; b < n; b += kBlock) {
      const int64_t e = b + kBlock < n ? b + kBlock : n;
      T acc[kLanes] = {};
      int64_t i = b;
      for (; i + kLanes <= e; i += kLanes)
        for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
      for (int width = kLanes / 2; width > 0; width /= 2)  // pairwise fold of the lanes
        for (int j = 0; j < width; ++j) acc[j] += acc[j + width];
      T block = acc[0];
      for (; i < e; ++i) block += x[i];
      total += block;
    }
    return total;
  }
}

template <class T>
void sum_loop(const void* xv, void* outv, const ReduceShape& s) {
  const T* x = static_cast<const T*>(xv);
  SumOut<T>* out = static_cast<SumOut<T>*>(outv);
  for (int64_t o = 0; o < s.outer; ++o) {
    const T* xo = x + o * s.outer_stride;
    SumOut<T>* oo = out + o * s.out_outer_stride;
    if (s.inner == 1) {
      oo[0] = static_cast<SumOut<T>>(sum_row(xo, s.r));
      continue;
    }
    for (int64_t i0 = 0; i0 < s.inner; i0 += kTile) {
      const int64_t n = s.inner - i0 < kTile ? s.inner - i0 : kTile;
      Total<T> total[kTile] = {};
      for (int64_t b = 0; b < s.r; b += 128) {  // cascade over blocks of rows
        const int64_t e = b + 128 < s.r ? b + 128 : s.r;
        SumOut<T> acc[kTile] = {};
        for (int64_t r = b; r < e; ++r) {
          const T* row = xo + r * s.r_stride + i0;
          for (int64_t i = 0; i < n; ++i) acc[i] = static_cast<SumOut<T>>(acc[i] + static_cast<SumOut<T>>(row[i]));
        }
        for (int64_t i = 0; i < n; ++i) total[i] += static_cast<Total<T>>(acc[i]);
      }
      for (int64_t i = 0; i < n; ++i) oo[i0 + i] = static_cast<SumOut<T>>(total[i]);
    }
  }
}

// True when v should replace the current extreme: NaN beats everything (and the first NaN stays).
template <bool Max, class T>
inline bool better(T v, T best) {
  if constexpr (std::is_floating_point_v<T>) {
    if (best != best) return false;
    if (v != v) return true;
  }
  return Max ? v > best : v < best;
}

template <bool Max, class T>
void arg_loop(const void* xv, void* valuesv, int64_t* indices, const ReduceShape& s) {
  const T* x = static_cast<const T*>(xv);
  T* values = static_cast<T*>(valuesv);
  for (int64_t o = 0; o < s.outer; ++o) {
    const T* xo = x + o * s.outer_stride;
    for (int64_t i = 0; i < s.inner; ++i) {
      T best = xo[i];
      int64_t index = 0;
      for (int64_t r = 1; r < s.r; ++r) {
        T v = xo[r * s.r_stride + i];
        if (better<Max>(v, best)) {
          best = v;
          index = r;
        }
      }
      if (values) values[o * s.out_outer_stride + i] = best;
      if (indices) indices[o * s.out_outer_stride + i] = index;
    }
  }
}

template <class T>
void var_loop(const void* xv, void* outv, const ReduceShape& s, double correction) {
  const T* x = static_cast<const T*>(xv);
  T* out = static_cast<T*>(outv);
  const double divisor = s.r - correction > 0 ? s.r - correction : 0.0;
  for (int64_t o = 0; o < s.outer; ++o) {
    const T* xo = x + o * s.outer_stride;
    for (int64_t i = 0; i < s.inner; ++i) {
      double total = 0;
      for (int64_t r = 0; r < s.r; ++r) total += xo[r * s.r_stride + i];
      const T mean = static_cast<T>(total / s.r);
      double squares = 0;
      for (int64_t r = 0; r < s.r; ++r) {
        const double d = xo[r * s.r_stride + i] - mean;  // squared in double: d * d may underflow T
        squares += d * d;
      }
      out[o * s.out_outer_stride + i] = static_cast<T>(squares / divisor);
    }
  }
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

ReduceKernels build() {
  ReduceKernels k{};
  k.sum[idx<bool>] = &sum_loop<bool>;
  k.sum[idx<int64_t>] = &sum_loop<int64_t>;
  k.sum[idx<float>] = &sum_loop<float>;
  k.sum[idx<double>] = &sum_loop<double>;
  k.max[idx<bool>] = &arg_loop<true, bool>;
  k.max[idx<int64_t>] = &arg_loop<true, int64_t>;
  k.max[idx<float>] = &arg_loop<true, float>;
  k.max[idx<double>] = &arg_loop<true, double>;
  k.min[idx<bool>] = &arg_loop<false, bool>;
  k.min[idx<int64_t>] = &arg_loop<false, int64_t>;
  k.min[idx<float>] = &arg_loop<false, float>;
  k.min[idx<double>] = &arg_loop<false, double>;
  k.var[idx<float>] = &var_loop<float>;
  k.var[idx<double>] = &var_loop<double>;
  return k;
}

const ReduceKernels reduce_kernels = build();

}  // namespace

AUTOCORE_REGISTER_KERNELS(ReduceKernels, reduce_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
