// Layout and indexing kernels. These move memory rather than compute, so they are compiled once
// (no per-ISA copies): rows are copied with memcpy and copy_ does the strided and casting work.

#include <cstring>

#include "core/concat.h"
#include "core/index_rules.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/scalar.h"
#include "cpu/index_walk.h"

namespace autocore::cpu {

namespace {

void check_cpu(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }

void check_index_tensor(const Tensor& index, const char* op) {
  AC_CHECK(index.dtype() == DType::Int64, RuntimeError, op, "(): Expected dtype int64 for index, got ",
           dtype_name(index.dtype()));
  AC_CHECK(index.device().is_cpu(), RuntimeError, op, ": expected a CPU index tensor");
}

Tensor zeros(const Dims& shape, DType dtype, Device device) {
  Tensor out = Tensor::empty(shape, dtype, device);
  fill_(out, Scalar::from_int(0));
  return out;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (!tensors.empty()) check_cpu(tensors[0], "cat");  // the rest share its device (checked in concatenate)
  return concatenate(tensors, dim, [](const Tensor& dst, const Tensor& src) { copy_(dst, src); });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (!tensors.empty()) check_cpu(tensors[0], "stack");
  return stack_with(tensors, dim, [](const Tensor& dst, const Tensor& src) { copy_(dst, src); });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const int d = index_select_dim(x, dim, index);
  check_index_tensor(index, "index_select");
  Tensor idx = contiguous(index.dim() == 0 ? index.view(Dims{1}) : index);
  const int64_t* ids = idx.data<int64_t>();
  check_index_select_range(x, d, ids, idx.numel());
  Tensor src = contiguous(x.dim() == 0 ? x.view(Dims{1}) : x);
  const int64_t size = src.shape()[d], count = idx.numel();
  Dims shape = src.shape();
  shape[d] = count;
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; ++i) outer *= shape[i];
  for (int i = d + 1; i < shape.size(); ++i) inner *= shape[i];
  const size_t row_bytes = inner * x.itemsize();
  const char* from = static_cast<const char*>(src.data_ptr());
  char* to = static_cast<char*>(out.data_ptr());
  parallel_for(0, outer * count, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t n = b; n < e; ++n) {
                   int64_t o = n / count, j = n % count, k = ids[j];
                   std::memcpy(to + n * row_bytes, from + (o * size + k) * row_bytes, row_bytes);
                 }
               });
  return x.dim() == 0 ? out.view(Dims{}) : out;
}

Tensor index_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape) {
  check_index_tensor(index, "index_add");
  Tensor out = zeros(input_shape, grad.dtype(), grad.device());
  if (out.numel() == 0 || index.numel() == 0) return out;
  const int d = input_shape.size() == 0 ? 0 : wrap_dim(dim, input_shape.size());
  Dims shape = input_shape.size() == 0 ? Dims{1} : input_shape;
  Tensor g = contiguous(grad), idx = contiguous(index);
  const int64_t size = shape[d], count = idx.numel();
  const int64_t* ids = idx.data<int64_t>();
  check_index_add(grad, input_shape, shape, d, ids, count);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; ++i) outer *= shape[i];
  for (int i = d + 1; i < shape.size(); ++i) inner *= shape[i];
  dispatch_floating(grad.dtype(), "index_add", [&](auto zero) {
    using T = decltype(zero);
    const T* from = g.data<T>();
    T* to = out.data<T>();
    // Parallel over outer only: two indices may name the same row, so rows within one outer slice add serially.
    parallel_for(0, outer, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, count * inner)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o)
                     for (int64_t j = 0; j < count; ++j) {
                       int64_t k = ids[j];
                       const T* src = from + (o * count + j) * inner;
                       T* dst = to + (o * size + k) * inner;
                       for (int64_t i = 0; i < inner; ++i) dst[i] += src[i];
                     }
                 });
  });
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_tensor(index, "gather");
  const GatherWalk w = gather_walk(x, dim, index);
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    for_each_gathered(index, w, out.strides(), [&](int64_t from, int64_t to) { dst[to] = src[from]; });
  });
  return out;
}

Tensor one_hot(const Tensor& classes, int64_t num_classes) {
  AC_CHECK(classes.dtype() == DType::Int64, RuntimeError,
           "one_hot is only applicable to index tensor of type LongTensor.");
  Tensor idx = contiguous(classes);
  const int64_t* ids = idx.data<int64_t>();
  const int64_t n = idx.numel();
  num_classes = one_hot_classes(ids, n, num_classes);
  Dims shape = classes.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::Int64, classes.device());
  int64_t* dst = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) dst[i * num_classes + ids[i]] = 1;
  return out;
}

}  // namespace autocore::cpu
