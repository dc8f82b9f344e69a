// What a reduction means, independent of the device that runs it: which dims are reduced, the output's
// shape, the checks PyTorch makes, and the [outer, r, inner] layout both cpu/reduce.cpp and cuda/reduce.cu
// run their kernels over.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace autocore {

// Kernels see the input as [outer, r, inner] (r reduced) with element strides (outer_stride, r_stride, 1);
// when inner == 1 the r elements of a row are contiguous (r_stride == 1). out is [outer, inner].
struct ReduceShape {
  int64_t outer, r, inner, outer_stride, r_stride, out_outer_stride;
};

// Which dims are reduced; nullptr or [] means all of them, as PyTorch's dim=None.
struct DimMask {
  bool reduced[kMaxDims] = {};
};

DimMask make_mask(int ndim, const Dims* dims);  // RuntimeError for a dim named twice
DimMask single_dim_mask(const Tensor& x, int64_t dim);
Dims output_shape(const Dims& in, const DimMask& mask, bool keepdim);
int64_t reduced_count(const Dims& shape, const DimMask& mask);

// The input as [outer, r, inner]: in place when x is contiguous and its reduced dims (size-1 dims aside)
// are adjacent; otherwise x must first be copied contiguously with its dims in `order` (kept ones first).
struct ReduceLayout {
  bool needs_copy;
  Dims order;
  ReduceShape shape;
};
ReduceLayout reduce_layout(const Tensor& x, const DimMask& mask);

void check_reduce_floating(const Tensor& x, const char* op);                       // var/std/mean of integers
void check_reduce_nonempty(const Tensor& x, const DimMask& mask, const char* op);  // max/min over a size-0 dim

// The grad of a reduction, reshaped so that it broadcasts against the input (reduced dims as size 1).
Tensor with_reduced_dims(const Tensor& grad, const Dims& input_shape, const DimMask& mask, bool keepdim);

}  // namespace autocore
