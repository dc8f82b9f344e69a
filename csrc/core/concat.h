// torch.cat and torch.stack, written once over the device's copy: PyTorch's checks (legacy empty 1-D tensors
// skipped, sizes matching off the cat dim, dtypes promoted), then one copy into a slice of the result per input.
// cpu/layout_index.cpp and cuda/layout_index.cu instantiate them with their own copy_.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace autocore {

// copy(dst, src) writes src into the view dst, converting its dtype.
template <class Copy>
Tensor concatenate(const std::vector<Tensor>& tensors, int64_t dim, const Copy& copy) {
  AC_CHECK(!tensors.empty(), RuntimeError, "torch.cat(): expected a non-empty list of Tensors");
  // PyTorch still skips legacy empty 1-D tensors (shape [0]) whatever the other tensors' shapes.
  std::vector<const Tensor*> parts;
  DType dtype = tensors[0].dtype();
  for (const Tensor& t : tensors) {
    dtype = promote_types(dtype, t.dtype());
    check_same_device(tensors[0], t, "cat");
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(&t);
  }
  if (parts.empty()) return Tensor::empty(Dims{0}, dtype, tensors[0].device());
  const Tensor& first = *parts[0];
  AC_CHECK(first.dim() > 0, RuntimeError, "zero-dimensional tensor (at position 0) cannot be concatenated");
  const int d = wrap_dim(dim, first.dim());
  Dims shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = *parts[i];
    AC_CHECK(t.dim() == first.dim(), RuntimeError, "Tensors must have same number of dimensions: got ", first.dim(),
             " and ", t.dim());
    for (int k = 0; k < t.dim(); ++k)
      AC_CHECK(k == d || t.shape()[k] == first.shape()[k], RuntimeError,
               "Sizes of tensors must match except in dimension ", d, ". Expected size ", first.shape()[k],
               " but got size ", t.shape()[k], " for tensor number ", i, " in the list.");
    shape[d] += t.shape()[d];
  }
  Tensor out = Tensor::empty(shape, dtype, first.device());
  int64_t offset = 0;
  for (const Tensor* t : parts) {
    copy(out.slice(d, offset, offset + t->shape()[d], 1), *t);
    offset += t->shape()[d];
  }
  return out;
}

template <class Copy>
Tensor stack_with(const std::vector<Tensor>& tensors, int64_t dim, const Copy& copy) {
  AC_CHECK(!tensors.empty(), RuntimeError, "stack expects a non-empty TensorList");
  const int d = wrap_dim(dim, tensors[0].dim() + 1);
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < tensors.size(); ++i) {
    AC_CHECK(tensors[i].shape() == tensors[0].shape(), RuntimeError,
             "stack expects each tensor to be equal size, but got ", tensors[0].shape().str(), " at entry 0 and ",
             tensors[i].shape().str(), " at entry ", i);
    expanded.push_back(tensors[i].unsqueeze(d));
  }
  return concatenate(expanded, d, copy);
}

}  // namespace autocore
