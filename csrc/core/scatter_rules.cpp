#include "core/scatter_rules.h"

#include "core/elementwise_rules.h"
#include "core/errors.h"

namespace autocore {

ScatterReduce parse_scatter_reduce(const std::string& name) {
  if (name == "none") return ScatterReduce::Assign;
  if (name == "sum") return ScatterReduce::Sum;
  if (name == "prod") return ScatterReduce::Prod;
  if (name == "amax") return ScatterReduce::Amax;
  if (name == "amin") return ScatterReduce::Amin;
  fail<RuntimeError>("reduce argument must be either sum, prod, mean, amax or amin, got ", name);
}

int check_scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int d = wrap_dim(dim, self.dim());  // (a 0-d self takes dim 0 or -1)
  AC_CHECK(index.dtype() == DType::Int64, RuntimeError, "scatter(): Expected dtype int32/int64 for index");
  AC_CHECK(self.dtype() == src.dtype(), RuntimeError, "scatter(): Expected self.dtype to be equal to src.dtype");
  AC_CHECK(self.device() == index.device() && self.device() == src.device(), RuntimeError,
           "Expected all tensors to be on the same device, but found ", self.device().str(), ", ", index.device().str(),
           " and ", src.device().str());
  if (index.numel() > 0) {  // PyTorch checks no shape for an empty index: nothing is written
    AC_CHECK(index.dim() == self.dim() || (index.dim() <= 1 && self.dim() <= 1), RuntimeError,
             "Index tensor must have the same number of dimensions as self tensor");
    AC_CHECK(index.dim() == src.dim() || (index.dim() <= 1 && src.dim() <= 1), RuntimeError,
             "Index tensor must have the same number of dimensions as src tensor");
    const Dims& self_shape = self.shape();
    const Dims& src_shape = src.shape();
    for (int i = 0; i < index.dim(); ++i) {
      const int64_t size = index.shape()[i];
      const bool fits_self = i == d || self.dim() == 0 || size <= self_shape[i];
      const bool fits_src = size <= (src.dim() == 0 ? 1 : src_shape[i]);
      AC_CHECK(fits_self && fits_src, RuntimeError, "Expected index ", index.shape().str(),
               " to be no larger than self ", self_shape.str(), " apart from dimension ", d,
               " and to be no larger size than src ", src_shape.str());
    }
  }
  check_no_internal_overlap(self);  // (an empty index too)
  return d;
}

GatherWalk scatter_walk(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return gather_walk(self, check_scatter(self, dim, index, src), index);
}

void check_mask(const Tensor& x, const Tensor& mask, const char* op) {
  AC_CHECK(mask.dtype() == DType::Bool, RuntimeError, op, " only supports boolean masks, but got mask with dtype ",
           dtype_name(mask.dtype()));
  AC_CHECK(mask.shape() == x.shape(), RuntimeError, op, ": mask of shape ", mask.shape().str(),
           " must have the shape of the tensor, ", x.shape().str());
  AC_CHECK(mask.device() == x.device(), RuntimeError, "Expected all tensors to be on the same device, but found ",
           x.device().str(), " and ", mask.device().str());
}

}  // namespace autocore
