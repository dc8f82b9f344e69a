// Walks shared by the CPU's index kernels (cpu/layout_index.cpp, cpu/advanced_index.cpp, cpu/scatter.cpp).
#pragma once
#include <cstdint>

#include "core/index_rules.h"
#include "core/tensor.h"

namespace autocore::cpu {

// Calls fn(U{}) with an unsigned type of the dtype's size: a gather moves bits, whatever they mean.
template <class Fn>
void by_itemsize(size_t itemsize, Fn&& fn) {
  switch (itemsize) {
    case 1:
      return fn(uint8_t{});
    case 2:
      return fn(uint16_t{});
    case 4:
      return fn(uint32_t{});
    default:
      return fn(uint64_t{});
  }
}

// The walk of gather and the scatters over the index's coordinates: calls fn(data_offset, other_offset) for each
// index element, with data_offset the element of the data tensor (gather's input, a scatter's self) its value
// selects, after checking the value, and other_offset the element of the tensor walked alongside (gather's result,
// a scatter's src). Offsets follow each tensor's own strides, in elements.
template <class Fn>
void for_each_gathered(const Tensor& index, const GatherWalk& w, const Dims& other_strides, const Fn& fn) {
  const Dims& shape = index.shape();
  const Dims& index_strides = index.strides();
  const int64_t* ids = index.data<int64_t>();
  const int64_t total = product(shape);
  int64_t coord[kMaxDims] = {};
  int64_t oi = 0, od = 0, oo = 0;
  for (int64_t n = 0; n < total; ++n) {
    const int64_t k = ids[oi];
    check_gather_index(k, w);
    fn(od + k * w.step, oo);
    for (int d = shape.size() - 1; d >= 0; --d) {
      oi += index_strides[d], od += w.strides[d], oo += other_strides[d];
      if (++coord[d] < shape[d]) break;
      oi -= index_strides[d] * shape[d], od -= w.strides[d] * shape[d], oo -= other_strides[d] * shape[d];
      coord[d] = 0;
    }
  }
}

}  // namespace autocore::cpu
