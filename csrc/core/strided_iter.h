// Walks several same-shaped (after broadcasting) operands together, handing rows of the innermost
// dimension to a loop. Dims that are contiguous across all operands are merged first, so a dense
// tensor is one long row however many dims it has.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace autocore {

constexpr int kMaxOperands = 5;

class StridedIter {
 public:
  // Operand 0 is the output; inputs, added in order, are broadcast to its shape.
  explicit StridedIter(const Tensor& out);
  void add_input(const Tensor& in);
  // A scalar input: stride 0 everywhere, reading one value from `data`.
  void add_scalar(const void* data);
  // Call once all operands are added, before run().
  void coalesce();

  int64_t numel() const { return numel_; }
  int num_operands() const { return nops_; }
  // The walk after coalesce(), for device kernels that index it themselves.
  int ndim() const { return ndim_; }
  const Dims& shape() const { return shape_; }
  const int64_t* byte_strides(int op) const { return strides_[op]; }
  char* data(int op) const { return data_[op]; }

  // loop(char* const* ptrs, const int64_t* byte_strides, int64_t n) for each row piece of [begin, end).
  template <class Loop>
  void run(int64_t begin, int64_t end, const Loop& loop) const;

 private:
  void add_operand(char* data, const Dims& shape, const Dims& strides, size_t itemsize);

  int ndim_ = 0;  // after coalescing; dim ndim_-1 is the innermost
  int nops_ = 0;
  int64_t numel_ = 0;
  Dims shape_;
  int64_t strides_[kMaxOperands][kMaxDims] = {};  // bytes
  char* data_[kMaxOperands] = {};
};

template <class Loop>
void StridedIter::run(int64_t begin, int64_t end, const Loop& loop) const {
  if (begin >= end) return;
  const int inner = ndim_ - 1;
  const int64_t row = shape_[inner];
  int64_t index[kMaxDims] = {};
  int64_t rest = begin / row;
  for (int d = inner - 1; d >= 0; --d) {
    index[d] = rest % shape_[d];
    rest /= shape_[d];
  }
  int64_t col = begin % row, remaining = end - begin;
  char* ptrs[kMaxOperands];
  int64_t inner_strides[kMaxOperands];
  for (int op = 0; op < nops_; ++op) inner_strides[op] = strides_[op][inner];
  while (remaining > 0) {
    for (int op = 0; op < nops_; ++op) {
      char* p = data_[op] + col * strides_[op][inner];
      for (int d = 0; d < inner; ++d) p += index[d] * strides_[op][d];
      ptrs[op] = p;
    }
    int64_t n = std::min(row - col, remaining);
    loop(static_cast<char* const*>(ptrs), static_cast<const int64_t*>(inner_strides), n);
    remaining -= n;
    col = 0;
    for (int d = inner - 1; d >= 0 && ++index[d] == shape_[d]; --d) index[d] = 0;
  }
}

}  // namespace autocore
