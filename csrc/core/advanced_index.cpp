// The device-neutral half of advanced indexing: see core/advanced_index.h.
#include "core/advanced_index.h"

#include <algorithm>
#include <string>

#include "core/errors.h"
#include "core/strided_iter.h"

namespace autocore {

IndexPlan plan_index(const Tensor& x, const std::vector<Tensor>& indices) {
  AC_CHECK(static_cast<int>(indices.size()) <= x.dim(), IndexError, "too many indices for tensor of dimension ",
           x.dim(), " (got ", indices.size(), ")");
  IndexPlan plan;
  std::vector<int> indexed;
  for (int k = 0; k < static_cast<int>(indices.size()); ++k) {
    const Tensor& index = indices[k];
    if (!index.defined()) continue;
    AC_CHECK(index.dtype() == DType::Int64, IndexError,
             "tensors used as indices must be long, int, byte or bool tensors, got ", dtype_name(index.dtype()));
    AC_CHECK(index.device().is_cpu() || index.device() == x.device(), RuntimeError,
             "indices should be either on cpu or on the same device as the indexed tensor (", x.device().str(), ")");
    indexed.push_back(k);
  }
  // The index tensors broadcast together, or PyTorch's IndexError naming every shape.
  bool first_index = true;
  for (int k : indexed) {
    const Dims& shape = indices[k].shape();
    if (first_index) {
      plan.index_shape = shape;
      first_index = false;
      continue;
    }
    Dims& b = plan.index_shape;
    const int n = std::max(b.size(), shape.size());
    Dims merged = Dims::filled(n, 1);
    bool ok = true;
    for (int i = 1; i <= n; ++i) {
      const int64_t u = i <= b.size() ? b[b.size() - i] : 1, v = i <= shape.size() ? shape[shape.size() - i] : 1;
      ok = ok && (u == v || u == 1 || v == 1);
      merged[n - i] = u == 1 ? v : u;
    }
    if (!ok) {
      std::string shapes;
      for (int j : indexed) shapes += (shapes.empty() ? "" : ", ") + indices[j].shape().str();
      fail<IndexError>("shape mismatch: indexing tensors could not be broadcast together with shapes ", shapes);
    }
    b = merged;
  }
  AC_CHECK(!indexed.empty(), RuntimeError, "advanced indexing needs at least one index tensor");
  // No position lies in an empty dim: PyTorch reports a non-empty index into one before it looks at any value (or
  // at the value index_put_ writes), with this message.
  if (product(plan.index_shape) != 0)
    for (int k : indexed) AC_CHECK(x.shape()[k] != 0, IndexError, "index is out of bounds for dimension with size 0");
  bool adjacent = indexed.back() - indexed.front() + 1 == static_cast<int>(indexed.size());

  // The result's dims, as (source dim or -1 for B) in order: B in place of the indexed dims, or first.
  const int first = adjacent ? indexed.front() : 0;
  auto add_kept = [&](int d) {
    plan.result_shape.push_back(x.shape()[d]);
    plan.base_strides.push_back(x.strides()[d]);
    plan.offsets_strides.push_back(0);
  };
  auto is_indexed = [&](int d) { return d < static_cast<int>(indices.size()) && indices[d].defined(); };
  if (adjacent)
    for (int d = 0; d < first; ++d) add_kept(d);
  const Dims b_strides = contiguous_strides(plan.index_shape);
  for (int j = 0; j < plan.index_shape.size(); ++j) {
    plan.result_shape.push_back(plan.index_shape[j]);
    plan.base_strides.push_back(0);
    plan.offsets_strides.push_back(b_strides[j]);
  }
  for (int d = adjacent ? first : 0; d < x.dim(); ++d)
    if (!is_indexed(d)) add_kept(d);

  for (int d : indexed) {
    plan.indices.push_back(indices[d].expand(plan.index_shape));
    plan.sizes.push_back(x.shape()[d]);
    plan.strides.push_back(x.strides()[d]);
    plan.dims.push_back(d);
  }
  return plan;
}

// sum_k index_k * stride_k over the broadcast index shape, each index checked and wrapped (-1 is the last).
Tensor index_offsets(const IndexPlan& plan) {
  Tensor offsets = Tensor::empty(plan.index_shape, DType::Int64);
  int64_t* out = offsets.data<int64_t>();
  std::fill(out, out + offsets.numel(), int64_t{0});
  for (size_t k = 0; k < plan.indices.size(); ++k) {
    StridedIter it(offsets);
    it.add_input(plan.indices[k]);
    it.coalesce();
    const int64_t size = plan.sizes[k], stride = plan.strides[k];
    const int dim = plan.dims[k];
    it.run(0, it.numel(), [&](char* const* p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t& offset = *reinterpret_cast<int64_t*>(p[0] + i * s[0]);
        const int64_t v = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
        if (v < -size || v >= size) index_out_of_range(v, dim, size);
        offset += (v < 0 ? v + size : v) * stride;
      }
    });
  }
  return offsets;
}

Tensor index_base(const Tensor& x, const IndexPlan& plan) {
  return x.as_strided(plan.result_shape, plan.base_strides, x.offset());
}

Tensor offsets_in_result(const IndexPlan& plan, const Tensor& offsets) {
  return offsets.as_strided(plan.result_shape, plan.offsets_strides, offsets.offset());
}

void check_put_values(const IndexPlan& plan, const Tensor& x, const Tensor& values) {
  const Dims& target = plan.result_shape;
  const Dims& shape = values.shape();
  bool ok = shape.size() <= target.size();
  for (int i = 1; ok && i <= shape.size(); ++i) {
    const int64_t v = shape[shape.size() - i], t = target[target.size() - i];
    ok = v == t || v == 1;
  }
  AC_CHECK(ok, RuntimeError, "shape mismatch: value tensor of shape ", shape.str(),
           " cannot be broadcast to indexing result of shape ", target.str());
  AC_CHECK(values.dtype() == x.dtype(), RuntimeError,
           "Index put requires the source and destination dtypes match, got ", scalar_type_name(x.dtype()),
           " for the destination and ", scalar_type_name(values.dtype()), " for the source.");
  AC_CHECK(values.device() == x.device(), RuntimeError, "Expected all tensors to be on the same device, but found ",
           x.device().str(), " and ", values.device().str());
}

void index_out_of_range(int64_t index, int dim, int64_t size) {
  fail<IndexError>("index ", index, " is out of bounds for dimension ", dim, " with size ", size);
}

}  // namespace autocore
