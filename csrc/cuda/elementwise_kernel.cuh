// The strided walk every elementwise kernel uses: up to four operands (the output first) over a coalesced
// shape, byte strides per operand (0 where broadcast), and scalars carried by value in the launch itself.
#pragma once
#include <cstdint>

#include "core/strided_iter.h"
#include "core/tensor.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

constexpr int kMaxEwOperands = 4;

struct EwOperands {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxEwOperands][kMaxDims];
  char* data[kMaxEwOperands];
  bool is_scalar[kMaxEwOperands];
  alignas(8) char scalar[kMaxEwOperands][8];
};

// From a coalesced StridedIter; scalar operands (added with add_scalar) read their 8 bytes from `values`.
inline EwOperands make_operands(const StridedIter& it) {
  EwOperands o{};
  o.ndim = it.ndim();
  for (int d = 0; d < o.ndim; ++d) o.shape[d] = it.shape()[d];
  for (int k = 0; k < it.num_operands(); ++k) {
    for (int d = 0; d < o.ndim; ++d) o.strides[k][d] = it.byte_strides(k)[d];
    o.data[k] = it.data(k);
    o.is_scalar[k] = false;
  }
  return o;
}

// Byte offsets of element i for the first `nops` operands. Dense 1-D walks (most calls, after
// coalescing) take one multiply per operand; others divide their way through the shape.
template <int nops>
__device__ __forceinline__ void element_offsets(const EwOperands& o, int64_t i, int64_t* off) {
  if (o.ndim == 1) {
#pragma unroll
    for (int k = 0; k < nops; ++k) off[k] = i * o.strides[k][0];
    return;
  }
#pragma unroll
  for (int k = 0; k < nops; ++k) off[k] = 0;
  for (int d = o.ndim - 1; d >= 0; --d) {
    int64_t index = i % o.shape[d];
    i /= o.shape[d];
#pragma unroll
    for (int k = 0; k < nops; ++k) off[k] += index * o.strides[k][d];
  }
}

template <class T>
__device__ __forceinline__ T load_operand(const EwOperands& o, int k, int64_t offset) {
  if (o.is_scalar[k]) return *reinterpret_cast<const T*>(o.scalar[k]);
  return *reinterpret_cast<const T*>(o.data[k] + offset);
}

template <class T>
__device__ __forceinline__ T* output_at(const EwOperands& o, int64_t offset) {
  return reinterpret_cast<T*>(o.data[0] + offset);
}

#define AC_GRID_STRIDE_LOOP(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

}  // namespace autocore::cuda
