// Reductions over any set of dims with keepdim: sum, mean, var/std, max/min (with indices), amax/amin,
// argmax/argmin, and their backwards. Kernels: cpu/reduce_simd.cpp. Binding: bindings/reduce.cpp.
#pragma once
#include <cstdint>
#include <utility>

#include "core/reduce_plan.h"
#include "core/tensor.h"

namespace autocore::cpu {

using ReduceLoop = void (*)(const void* x, void* out, const ReduceShape& shape);
using ArgReduceLoop = void (*)(const void* x, void* values, int64_t* indices, const ReduceShape& shape);
using VarLoop = void (*)(const void* x, void* out, const ReduceShape& shape, double correction);

struct ReduceKernels {
  ReduceLoop sum[kNumDTypes];     // float -> same float; int64 and bool -> int64
  ArgReduceLoop max[kNumDTypes];  // values and first index of the maximum; NaN wins
  ArgReduceLoop min[kNumDTypes];
  VarLoop var[kNumDTypes];  // floats only; two-pass (mean, then squared deviations)
};

// dims == nullptr (or empty) reduces every dim, as PyTorch's dim=None does.
Tensor sum(const Tensor& x, const Dims* dims, bool keepdim);
Tensor mean(const Tensor& x, const Dims* dims, bool keepdim);
Tensor var(const Tensor& x, const Dims* dims, double correction, bool keepdim);
Tensor std(const Tensor& x, const Dims* dims, double correction, bool keepdim);
Tensor amax(const Tensor& x, const Dims* dims, bool keepdim);
Tensor amin(const Tensor& x, const Dims* dims, bool keepdim);
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim);  // (values, indices)
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim);
Tensor max_all(const Tensor& x);
Tensor min_all(const Tensor& x);
Tensor argmax(const Tensor& x, const int64_t* dim, bool keepdim);  // dim == nullptr: over the flattened input
Tensor argmin(const Tensor& x, const int64_t* dim, bool keepdim);

// Backwards.
Tensor sum_to_shape(const Tensor& grad, const Dims& shape);  // undoes broadcasting: sums the expanded dims
Tensor sum_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim);  // an expanded view
Tensor mean_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim);
Tensor var_backward(const Tensor& grad, const Tensor& x, const Dims* dims, double correction, bool keepdim);
Tensor std_backward(const Tensor& grad, const Tensor& x, const Tensor& std_out, const Dims* dims, double correction,
                    bool keepdim);
// amax/amin and full max/min: the gradient is shared evenly between tied extremes, as in PyTorch.
Tensor amax_backward(const Tensor& grad, const Tensor& x, const Tensor& out, const Dims* dims, bool keepdim);
// max(dim)/min(dim): the gradient goes to the element the indices chose.
Tensor index_reduce_backward(const Tensor& grad, const Tensor& indices, int64_t dim, const Dims& input_shape,
                             bool keepdim);

}  // namespace autocore::cpu
