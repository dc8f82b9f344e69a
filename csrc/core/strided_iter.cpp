// Building the multi-operand walk: broadcast strides, then merging dims that are contiguous for all.
#include "core/strided_iter.h"

namespace autocore {

StridedIter::StridedIter(const Tensor& out) : numel_(out.numel()), shape_(out.shape()) {
  add_operand(static_cast<char*>(out.data_ptr()), out.shape(), out.strides(), out.itemsize());
}

void StridedIter::add_input(const Tensor& in) {
  add_operand(static_cast<char*>(in.data_ptr()), in.shape(), in.strides(), in.itemsize());
}

void StridedIter::add_operand(char* data, const Dims& shape, const Dims& strides, size_t itemsize) {
  AC_CHECK(nops_ < kMaxOperands, RuntimeError, "too many operands for one elementwise kernel");
  const int lead = shape_.size() - shape.size();
  for (int d = 0; d < shape_.size(); ++d) {
    int src = d - lead;
    // A size-1 dim never steps, so its stride (any value as_strided allowed) is not even multiplied.
    bool broadcast = src < 0 || shape[src] == 1;
    strides_[nops_][d] = broadcast ? 0 : strides[src] * static_cast<int64_t>(itemsize);
  }
  data_[nops_++] = data;
}

void StridedIter::add_scalar(const void* data) {
  for (int d = 0; d < shape_.size(); ++d) strides_[nops_][d] = 0;
  data_[nops_++] = static_cast<char*>(const_cast<void*>(data));
}

void StridedIter::coalesce() {
  // An empty iteration stays one empty dim: merging the others could overflow (2^40 x 2^40 x 0 is a valid shape).
  for (int64_t size : shape_)
    if (size == 0) {
      shape_ = Dims{0};
      for (int op = 0; op < nops_; ++op) strides_[op][0] = 0;
      ndim_ = 1;
      return;
    }
  // Drop size-1 dims, then merge each dim into the one inside it when every operand steps evenly across both.
  int n = 0;
  for (int d = 0; d < shape_.size(); ++d) {
    if (shape_[d] == 1) continue;
    bool merge = n > 0;
    for (int op = 0; op < nops_ && merge; ++op) merge = strides_[op][n - 1] == strides_[op][d] * shape_[d];
    if (merge) {
      shape_[n - 1] *= shape_[d];
      for (int op = 0; op < nops_; ++op) strides_[op][n - 1] = strides_[op][d];
    } else {
      shape_[n] = shape_[d];
      for (int op = 0; op < nops_; ++op) strides_[op][n] = strides_[op][d];
      ++n;
    }
  }
  if (n == 0) {  // a 0-d or all-ones shape: one element
    shape_[0] = 1;
    for (int op = 0; op < nops_; ++op) strides_[op][0] = 0;
    n = 1;
  }
  ndim_ = n;
  Dims trimmed;
  for (int d = 0; d < n; ++d) trimmed.push_back(shape_[d]);
  shape_ = trimmed;
}

}  // namespace autocore
