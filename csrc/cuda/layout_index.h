// Layout and indexing on CUDA, with cpu/layout_index.h's entry points and checks. Kernels: cuda/layout_index.cu.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace autocore::cuda {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor index_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape);
Tensor one_hot(const Tensor& classes, int64_t num_classes);

}  // namespace autocore::cuda
