// A walk over a shape for kernels that read or write several strided tensors at once (gathers and scatters): the
// shape and up to three tensors' strides, in elements; walk_offsets gives each tensor's offset for element i.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace autocore::cuda {

struct Walk {
  int ndim;
  int64_t shape[kMaxDims];
  int64_t stride[3][kMaxDims];
};

inline Walk make_walk(const Dims& shape, const Dims& s0, const Dims& s1, const Dims& s2) {
  Walk w{};
  w.ndim = shape.size();
  for (int d = 0; d < w.ndim; ++d) {
    w.shape[d] = shape[d];
    w.stride[0][d] = s0[d];
    w.stride[1][d] = s1[d];
    w.stride[2][d] = s2[d];
  }
  return w;
}

__device__ inline void walk_offsets(const Walk& w, int64_t i, int64_t* off) {
  off[0] = off[1] = off[2] = 0;
  for (int d = w.ndim - 1; d >= 0; --d) {
    const int64_t c = i % w.shape[d];
    i /= w.shape[d];
    off[0] += c * w.stride[0][d];
    off[1] += c * w.stride[1][d];
    off[2] += c * w.stride[2][d];
  }
}

}  // namespace autocore::cuda
