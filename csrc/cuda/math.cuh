// CUDA's library math under the names the formulas shared with the CPU call: M::exp, M::log, M::log1p, M::tanh
// (core/pointwise_math.h, core/loss_math.h), where the CPU's M is its SIMD polynomials (cpu/simd_math.h).
#pragma once
#include <cmath>

namespace autocore::cuda {

struct CudaMath {
  template <class T> __device__ static T exp(T x) { return ::exp(x); }
  template <class T> __device__ static T log(T x) { return ::log(x); }
  template <class T> __device__ static T log1p(T x) { return ::log1p(x); }
  template <class T> __device__ static T tanh(T x) { return ::tanh(x); }
};

}  // namespace autocore::cuda
