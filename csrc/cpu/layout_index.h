// Layout and indexing: cat, stack, index_select and gather with their scatter-add backwards, one_hot.
// Binding: bindings/layout_index.cpp. (Plain copies and dtype casts are in cpu/copy.h.)
#pragma once
#include <vector>

#include "core/tensor.h"

namespace autocore::cpu {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);

// out[..., j, ...] = x[..., index[j], ...] along dim; index is 1-D (or 0-d) int64.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// The backward of index_select: zeros of input_shape with grad rows added at their indices.
Tensor index_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape);

// out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1); index has x's ndim and no larger sizes off dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// The backward of gather: zeros of input_shape, then out[i][index[i][j][k]][k] += grad[i][j][k].
Tensor scatter_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape);

Tensor one_hot(const Tensor& classes, int64_t num_classes);  // num_classes -1: max + 1

}  // namespace autocore::cpu
