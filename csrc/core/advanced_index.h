// Advanced indexing (x[idx], x[idx] = v, index_put_) independent of the device: PyTorch's layout of the result,
// its checks, and the restrided views through which one strided walk reads or writes every selected element, so
// that the cost follows the result's size, not x's.
//
// indices[k], when defined, is an int64 tensor selecting along dim k of x; undefined entries, and the dims past
// the list, are taken whole. The index tensors broadcast together to a shape B. As in PyTorch (and numpy), the
// result is x's shape with the indexed dims replaced by B where they stand, when they are adjacent, or with B
// first and the other dims after, when they are not.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace autocore {

struct IndexPlan {
  Dims result_shape;
  Dims base_strides;             // x's strides laid over the result's shape, 0 along B (see index_base)
  std::vector<Tensor> indices;   // the defined index tensors, each broadcast to B
  std::vector<int64_t> sizes;    // the size of the dim each one selects along (for the bounds check)
  std::vector<int64_t> strides;  // that dim's stride in x, in elements
  std::vector<int> dims;         // that dim's number in x (for the error message)
  Dims index_shape;              // B
  Dims offsets_strides;          // how a contiguous int64 tensor of shape B is laid over the result's shape
};

// Checks the indices (dtype, device, count) with PyTorch's exception types and messages, and plans the walk.
IndexPlan plan_index(const Tensor& x, const std::vector<Tensor>& indices);

// The element offset each index position selects, sum_k index_k * stride_k over B (contiguous int64, in host
// memory), each index checked (IndexError) and wrapped (-1 is the last). plan.indices must be in host memory.
Tensor index_offsets(const IndexPlan& plan);

// x viewed in the result's shape, stride 0 along B: each element's address before its index offset. Made after
// index_offsets, whose bounds check must come first (an index into an empty dim is an IndexError, not a view
// out of bounds).
Tensor index_base(const Tensor& x, const IndexPlan& plan);

// The offsets seen in the result's shape (stride 0 outside B).
Tensor offsets_in_result(const IndexPlan& plan, const Tensor& offsets);

// index_put_'s value checks, in PyTorch's order (after the plan's, before the bounds): values must broadcast to the
// indexing result, then have x's dtype, then live on x's device.
void check_put_values(const IndexPlan& plan, const Tensor& x, const Tensor& values);

[[noreturn]] void index_out_of_range(int64_t index, int dim, int64_t size);

}  // namespace autocore
