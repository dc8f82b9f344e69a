#include "core/index_rules.h"

namespace autocore {

int index_select_dim(const Tensor& x, int64_t dim, const Tensor& index) {
  const int d = wrap_dim(dim, x.dim());  // (a 0-d x takes dim 0 or -1)
  AC_CHECK(index.dim() <= 1, IndexError, "index_select(): Index is supposed to be a vector");
  AC_CHECK(!(x.dim() == 0 && index.numel() != 1), RuntimeError,
           "index_select(): Index to scalar can have only 1 value, got ", index.numel(), " value(s)");
  AC_CHECK(index.dtype() == DType::Int64, RuntimeError, "index_select(): Expected dtype int64 for index, got ",
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

}  // namespace autocore
