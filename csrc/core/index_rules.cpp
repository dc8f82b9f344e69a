#include "core/index_rules.h"

#include <algorithm>

namespace autocore {

int index_select_dim(const Tensor& x, int64_t dim, const Tensor& index) {
  const int d = wrap_dim(dim, x.dim());  // (a 0-d x takes dim 0 or -1)
  AC_CHECK(index.dim() <= 1, IndexError, "index_select(): Index is supposed to be a vector");
  AC_CHECK(!(x.dim() == 0 && index.numel() != 1), RuntimeError,
           "index_select(): Index to scalar can have only 1 value, got ", index.numel(), " value(s)");
  AC_CHECK(index.dtype() == DType::Int64, RuntimeError, "index_select(): Expected dtype int32 or int64 for index, got ",
           dtype_name(index.dtype()));
  return x.dim() == 0 ? 0 : d;
}

void check_index_select_range(const Tensor& x, int d, const int64_t* ids, int64_t count) {
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  const bool bounds_path = x.dim() > 1 && (d == 1 || x.numel() == 0);  // PyTorch's RuntimeError paths
  if (x.dim() > 1 && x.numel() == 0 && count > 0)
    AC_CHECK(size > 0, RuntimeError, "index_select(): self indexing axis dim should be positive");
  for (int64_t j = 0; j < count; ++j) {
    if (ids[j] >= 0 && ids[j] < size) continue;
    if (bounds_path) fail<RuntimeError>("INDICES element is out of DATA bounds, id=", ids[j], " axis_dim=", size);
    fail<IndexError>("index out of range in self");
  }
}

void check_index_add(const Tensor& grad, const Dims& input_shape, const Dims& shape, int d, const int64_t* ids,
                     int64_t count) {
  const int64_t size = shape[d];
  AC_CHECK(grad.numel() == product(shape) / size * count, RuntimeError, "index_add: gradient of shape ",
           grad.shape().str(), " does not match ", count, " indices into ", input_shape.str());
  for (int64_t j = 0; j < count; ++j)
    AC_CHECK(ids[j] >= 0 && ids[j] < size, IndexError, "index out of range in self (index ", ids[j], ")");
}

GatherWalk gather_walk(const Tensor& data, int64_t dim, const Tensor& index) {
  const Dims& shape = data.shape();
  const int d = wrap_dim(dim, data.dim());  // (a 0-d data tensor takes dim 0 or -1)
  if (index.numel() > 0) {                  // PyTorch checks no shape for an empty index: nothing is walked
    AC_CHECK(index.dim() == data.dim() || (index.dim() <= 1 && data.dim() <= 1), RuntimeError,
             "Index tensor must have the same number of dimensions as input tensor");
    for (int i = 0; i < index.dim(); ++i)
      AC_CHECK(i == d || index.shape()[i] <= shape[i], RuntimeError, "Size does not match at dimension ", i,
               " expected index ", index.shape().str(), " to be smaller than self ", shape.str(),
               " apart from dimension ", d);
  }
  if (data.dim() == 0) return {d, 1, 0, Dims::filled(index.dim(), 0)};
  GatherWalk walk{d, shape[d], data.strides()[d], data.strides()};
  walk.strides[d] = 0;
  return walk;
}

int64_t one_hot_classes(const int64_t* ids, int64_t n, int64_t num_classes) {
  int64_t max_class = -1;
  for (int64_t i = 0; i < n; ++i) {
    AC_CHECK(ids[i] >= 0, RuntimeError, "Class values must be non-negative.");
    max_class = std::max(max_class, ids[i]);
  }
  if (num_classes == -1) {
    AC_CHECK(n > 0, RuntimeError, "Can not infer total number of classes from empty tensor.");
    num_classes = max_class + 1;
  }
  AC_CHECK(num_classes > max_class, RuntimeError, "Class values must be smaller than num_classes.");
  return num_classes;
}

}  // namespace autocore
