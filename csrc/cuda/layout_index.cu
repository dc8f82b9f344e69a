// Layout and indexing kernels on CUDA. cat and stack are copies into slices of the output. The index ops
// check their indices on the host first (one copy of the index tensor), so an index out of range raises
// PyTorch's IndexError or RuntimeError instead of faulting the device; the gathers then run a thread per
// output element, and the scatter-adds use atomicAdd, since two indices may name the same destination.
#include "core/kernels.h"

#include "core/concat.h"
#include "core/index_rules.h"

#include "cuda/elementwise.h"
#include "cuda/elementwise_kernel.cuh"
#include "cuda/runtime.h"
#include "cuda/walk.cuh"

namespace autocore::cuda {

namespace {

void check_index_tensor(const Tensor& index, const char* op) {
  AC_CHECK(index.dtype() == DType::Int64, RuntimeError, op, "(): Expected dtype int64 for index, got ",
           dtype_name(index.dtype()));
}

Tensor zeros(const Dims& shape, DType dtype, Device device) {
  Tensor out = Tensor::empty(shape, dtype, device);
  fill_(out, Scalar::from_int(0));
  return out;
}

// The index's values on the host, for checking.
Tensor host_indices(const Tensor& index, const Tensor& like, const char* op) {
  check_index_tensor(index, op);
  check_same_device(like, index, op);
  return to_cpu(index);
}

template <class T>
__global__ void index_select_kernel(const T* src, const int64_t* ids, T* out, int64_t count, int64_t size,
                                    int64_t inner, int64_t n) {
  AC_GRID_STRIDE_LOOP(i, n) {
    int64_t c = i % inner, rest = i / inner, j = rest % count, o = rest / count;
    out[i] = src[(o * size + ids[j]) * inner + c];
  }
}

template <class T>
__global__ void index_add_kernel(const T* grad, const int64_t* ids, T* out, int64_t count, int64_t size, int64_t inner,
                                 int64_t n) {
  AC_GRID_STRIDE_LOOP(i, n) {
    int64_t c = i % inner, rest = i / inner, j = rest % count, o = rest / count;
    atomicAdd(out + (o * size + ids[j]) * inner + c, grad[i]);
  }
}

// walk over index: offsets (index, x without dim d, out)
template <class T>
__global__ void gather_kernel(Walk w, const int64_t* ids, const T* src, T* dst, int64_t step, int64_t n) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    walk_offsets(w, i, off);
    dst[off[2]] = src[off[1] + ids[off[0]] * step];
  }
}

__global__ void one_hot_kernel(const int64_t* ids, int64_t* out, int64_t classes, int64_t n) {
  AC_GRID_STRIDE_LOOP(i, n) { out[i * classes + ids[i]] = 1; }
}

}  // namespace

// cuda::copy_ makes the output's device current for each piece.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  return concatenate(tensors, dim, [](const Tensor& dst, const Tensor& src) { copy_(dst, src); });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  return stack_with(tensors, dim, [](const Tensor& dst, const Tensor& src) { copy_(dst, src); });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const int d = index_select_dim(x, dim, index);
  Tensor host = host_indices(index, x, "index_select");
  int device = tensor_device(x, "index_select");
  check_index_select_range(x, d, host.data<int64_t>(), host.numel());
  Tensor src = contiguous(x.dim() == 0 ? x.view(Dims{1}) : x);
  const int64_t size = src.shape()[d], count = host.numel();
  Tensor idx = contiguous(index.dim() == 0 ? index.view(Dims{1}) : index);
  Dims shape = src.shape();
  shape[d] = count;
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  int64_t inner = 1;
  for (int i = d + 1; i < shape.size(); ++i) inner *= shape[i];
  const int64_t n = out.numel();
  if (n > 0) {
    dispatch_all(x.dtype(), [&](auto zero) {
      using T = decltype(zero);
      index_select_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(src.data<T>(), idx.data<int64_t>(),
                                                                             out.data<T>(), count, size, inner, n);
    });
    AC_CUDA_CHECK_LAUNCH();
  }
  return x.dim() == 0 ? out.view(Dims{}) : out;
}

Tensor index_add_backward(const Tensor& grad, int64_t dim, const Tensor& index, const Dims& input_shape) {
  Tensor host = host_indices(index, grad, "index_add");
  int device = tensor_device(grad, "index_add");
  Tensor out = zeros(input_shape, grad.dtype(), grad.device());
  if (out.numel() == 0 || index.numel() == 0) return out;
  const int d = input_shape.size() == 0 ? 0 : wrap_dim(dim, input_shape.size());
  Dims shape = input_shape.size() == 0 ? Dims{1} : input_shape;
  const int64_t size = shape[d], count = host.numel();
  check_index_add(grad, input_shape, shape, d, host.data<int64_t>(), count);
  Tensor g = contiguous(grad), idx = contiguous(index);
  int64_t inner = 1;
  for (int i = d + 1; i < shape.size(); ++i) inner *= shape[i];
  const int64_t n = g.numel();
  dispatch_floating(grad.dtype(), "index_add", [&](auto zero) {
    using T = decltype(zero);
    index_add_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(g.data<T>(), idx.data<int64_t>(), out.data<T>(),
                                                                        count, size, inner, n);
  });
  AC_CUDA_CHECK_LAUNCH();
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor host = host_indices(index, x, "gather");
  int device = tensor_device(x, "gather");
  const GatherWalk g = gather_walk(x, dim, index);
  for (int64_t j = 0; j < host.numel(); ++j) check_gather_index(host.data<int64_t>()[j], g);
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  Walk w = make_walk(index.shape(), index.strides(), g.strides, out.strides());
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    gather_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(w, index.data<int64_t>(), x.data<T>(),
                                                                     out.data<T>(), g.step, n);
  });
  AC_CUDA_CHECK_LAUNCH();
  return out;
}

Tensor one_hot(const Tensor& classes, int64_t num_classes) {
  AC_CHECK(classes.dtype() == DType::Int64, RuntimeError,
           "one_hot is only applicable to index tensor of type LongTensor.");
  int device = tensor_device(classes, "one_hot");
  Tensor host = to_cpu(classes);
  const int64_t n = host.numel();
  num_classes = one_hot_classes(host.data<int64_t>(), n, num_classes);
  Dims shape = classes.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::Int64, classes.device());
  if (n == 0) return out;
  Tensor idx = contiguous(classes);
  one_hot_kernel<<<blocks_for(n), kThreads, 0, stream(device)>>>(idx.data<int64_t>(), out.data<int64_t>(), num_classes,
                                                                 n);
  AC_CUDA_CHECK_LAUNCH();
  return out;
}

}  // namespace autocore::cuda
