// Layout and indexing kernels. These move memory rather than compute, so they are compiled once
// (no per-ISA copies): rows are copied with memcpy and copy_ does the strided and casting work.

#include <cstring>

#include "core/concat.h"
#include "core/index_rules.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/scalar.h"

namespace autocore::cpu {

namespace {

void check_cpu(const Tensor& t, const char* op) {
  AC_CHECK(t.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", t.device().str());
}

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

// Calls fn(index_offset, a_offset, b_offset, coordinate along dim) for every element of `shape`, where the
// offsets follow each tensor's own strides (in elements). Used by gather and scatter, which index by data.
template <class Fn>
void for_each_coordinate(const Dims& shape, int dim, const Dims& s_index, const Dims& s_a, const Dims& s_b,
                         const Fn& fn) {
  int64_t total = product(shape);
  if (total == 0) return;
  int64_t coord[kMaxDims] = {};
  int64_t oi = 0, oa = 0, ob = 0;
  for (int64_t n = 0; n < total; ++n) {
    fn(oi, oa, ob, shape.size() ? coord[dim] : 0);
    for (int d = shape.size() - 1; d >= 0; --d) {
      oi += s_index[d], oa += s_a[d], ob += s_b[d];
      if (++coord[d] < shape[d]) break;
      oi -= s_index[d] * shape[d], oa -= s_a[d] * shape[d], ob -= s_b[d] * shape[d];
      coord[d] = 0;
    }
  }
}

void check_gather_shapes(const Tensor& x_like, const Dims& x_shape, int d, const Tensor& index, const char* op) {
  AC_CHECK(index.dim() == static_cast<int>(x_shape.size()) || (index.dim() <= 1 && x_shape.size() <= 1), RuntimeError,
           "Index tensor must have the same number of dimensions as input tensor");
  for (int i = 0; i < index.dim(); ++i)
    AC_CHECK(i == d || index.shape()[i] <= x_shape[i], RuntimeError, "Size does not match at dimension ", i,
             " expected index ", index.shape().str(), " to be smaller than self ", x_shape.str(),
             " apart from dimension ", d);
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
  AC_CHECK(g.numel() == product(shape) / size * count, RuntimeError, "index_add: gradient of shape ",
           grad.shape().str(), " does not match ", count, " indices into ", input_shape.str());
  const int64_t* ids = idx.data<int64_t>();
  for (int64_t j = 0; j < count; ++j)
    AC_CHECK(ids[j] >= 0 && ids[j] < size, IndexError, "index out of range in self (index ", ids[j], ")");
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
  const int d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim());
  check_gather_shapes(x, x.shape(), d, index, "gather");
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  const int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  const int64_t step = x.dim() == 0 ? 0 : x.strides()[d];
  const int64_t* ids = index.data<int64_t>();
  Dims x_strides = x.dim() == 0 ? Dims::filled(index.dim(), 0) : x.strides();
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    Dims out_strides = out.strides();
    // Offsets into x skip dim `d`: its coordinate comes from the index's value instead.
    Dims x_off = x_strides;
    if (x_off.size()) x_off[d] = 0;
    for_each_coordinate(index.shape(), d, index.strides(), x_off, out_strides,
                        [&](int64_t oi, int64_t ox, int64_t oo, int64_t) {
                          int64_t k = ids[oi];
                          AC_CHECK(k >= 0 && k < size, RuntimeError, "index ", k, " is out of bounds for dimension ", d,
                                   " with size ", size);
                          dst[oo] = src[ox + k * step];
                        });
  });
  return out;
}

Tensor scatter_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape) {
  check_index_tensor(index, "scatter_add");
  Tensor out = zeros(input_shape, grad.dtype(), grad.device());
  const int d = input_shape.size() == 0 ? 0 : wrap_dim(dim, input_shape.size());
  check_gather_shapes(out, input_shape, d, index, "scatter_add");
  AC_CHECK(grad.shape() == index.shape(), RuntimeError, "scatter_add: grad of shape ", grad.shape().str(),
           " must match index of shape ", index.shape().str());
  const int64_t size = input_shape.size() == 0 ? 1 : input_shape[d];
  const int64_t step = input_shape.size() == 0 ? 0 : out.strides()[d];
  const int64_t* ids = index.data<int64_t>();
  dispatch_floating(grad.dtype(), "scatter_add", [&](auto zero) {
    using T = decltype(zero);
    const T* src = grad.data<T>();
    T* dst = out.data<T>();
    Dims out_off = input_shape.size() == 0 ? Dims::filled(index.dim(), 0) : out.strides();
    if (out_off.size()) out_off[d] = 0;
    for_each_coordinate(index.shape(), d, index.strides(), out_off, grad.strides(),
                        [&](int64_t oi, int64_t oo, int64_t og, int64_t) {
                          int64_t k = ids[oi];
                          AC_CHECK(k >= 0 && k < size, RuntimeError, "index ", k, " is out of bounds for dimension ", d,
                                   " with size ", size);
                          dst[oo + k * step] += src[og];
                        });
  });
  return out;
}

Tensor one_hot(const Tensor& classes, int64_t num_classes) {
  AC_CHECK(classes.dtype() == DType::Int64, RuntimeError,
           "one_hot is only applicable to index tensor of type LongTensor.");
  Tensor idx = contiguous(classes);
  const int64_t* ids = idx.data<int64_t>();
  const int64_t n = idx.numel();
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
  Dims shape = classes.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::Int64, classes.device());
  int64_t* dst = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) dst[i * num_classes + ids[i]] = 1;
  return out;
}

}  // namespace autocore::cpu
