// The index ops' checks, independent of the device: PyTorch's order, exception types and texts. Its CPU kernel of
// index_select reports an out-of-range index as a RuntimeError on two paths (dim 1 of a tensor of 2 or more dims,
// and an empty input) and as an IndexError elsewhere; autocore reports them the same way on every device.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace autocore {

// The dim of x that index_select walks (0 for a 0-d x), after the checks that need no index values.
int index_select_dim(const Tensor& x, int64_t dim, const Tensor& index);
// ids: the index's `count` values, in host memory.
void check_index_select_range(const Tensor& x, int d, const int64_t* ids, int64_t count);
// index_add_backward's grad holds `count` rows of `shape` (input_shape, or [1] for a 0-d input) along d, and the
// `count` ids (host memory) lie in that dim.
void check_index_add(const Tensor& grad, const Dims& input_shape, const Dims& shape, int d, const int64_t* ids,
                     int64_t count);

// gather and scatter_add walk the index's coordinates over a data tensor (gather's input, scatter_add's result) whose
// dim d the index's values choose: element (i, k) of a 2-D walk along d = 1 is data[i * strides[0] + index * step].
// gather_walk checks that the index has the data's number of dims and no larger sizes off d (a 0-d data tensor is
// one element, d 0), unless the index is empty. An index value k must lie in [0, size).
struct GatherWalk {
  int d;
  int64_t size, step;
  Dims strides;  // the data's, with d's set to 0
};
GatherWalk gather_walk(const Tensor& data, int64_t dim, const Tensor& index);
inline void check_gather_index(int64_t k, const GatherWalk& w) {
  AC_CHECK(k >= 0 && k < w.size, RuntimeError, "index ", k, " is out of bounds for dimension ", w.d, " with size ",
           w.size);
}

// one_hot's number of classes (num_classes, or the largest of the n ids + 1 for -1), after checking the ids.
int64_t one_hot_classes(const int64_t* ids, int64_t n, int64_t num_classes);

}  // namespace autocore
