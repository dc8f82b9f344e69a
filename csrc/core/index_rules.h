// index_select's checks, independent of the device: PyTorch's order, exception types and texts. Its CPU
// kernel reports an out-of-range index as a RuntimeError on two paths (dim 1 of a tensor of 2 or more dims,
// and an empty input) and as an IndexError elsewhere; autocore reports them the same way on every device.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace autocore {

// The dim of x that index_select walks (0 for a 0-d x), after the checks that need no index values.
int index_select_dim(const Tensor& x, int64_t dim, const Tensor& index);
// ids: the index's `count` values, in host memory.
void check_index_select_range(const Tensor& x, int d, const int64_t* ids, int64_t count);

}  // namespace autocore
