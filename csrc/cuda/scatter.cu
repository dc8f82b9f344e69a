// Scatters and masks on CUDA. scatter_ checks its index on the host first (PyTorch's RuntimeError instead of a device
// fault), then runs a thread per index element. The reductions combine through atomics, compare-and-swap where
// CUDA has no atomic of the kind, so repeated indices all count; for an assignment one of them wins, as in PyTorch.
// masked_fill_ is a thread per element; masked_select gathers at the positions nonzero finds.
#include <cstring>
#include <type_traits>

#include "core/convert.h"
#include "core/kernels.h"
#include "cuda/atomic.cuh"
#include "cuda/elementwise_kernel.cuh"
#include "cuda/runtime.h"
#include "cuda/walk.cuh"

namespace autocore::cuda {

namespace {

// NaN wins amax and amin, as in PyTorch.
template <class T>
__device__ T extreme(T current, T candidate, bool larger) {
  if constexpr (std::is_floating_point_v<T> || kHalfType<T>) {
    if (candidate != candidate) return candidate;
  }
  return (larger ? candidate > current : candidate < current) ? candidate : current;
}

template <class T>
__device__ void combine_at(T* target, T value, ScatterReduce reduce) {
  if constexpr (std::is_same_v<T, bool>) {  // one byte: or and and, written without a read-modify-write
    if (reduce == ScatterReduce::Assign) *target = value;
    else if (reduce == ScatterReduce::Sum || reduce == ScatterReduce::Amax) {
      if (value) *target = true;
    } else if (!value) {
      *target = false;
    }
  } else {
    switch (reduce) {
      case ScatterReduce::Assign:
        *target = value;
        break;
      case ScatterReduce::Sum:
        atomic_add(target, value);
        break;
      case ScatterReduce::Prod:
        atomic_apply(target, value, [](T a, T b) { return static_cast<T>(a * b); });
        break;
      case ScatterReduce::Amax:
        atomic_apply(target, value, [](T a, T b) { return extreme(a, b, true); });
        break;
      case ScatterReduce::Amin:
        atomic_apply(target, value, [](T a, T b) { return extreme(a, b, false); });
        break;
    }
  }
}

// walk over index: offsets (index, self without dim d, src)
template <class T>
__global__ void scatter_kernel(Walk w, const int64_t* ids, const T* src, T* self, int64_t step, ScatterReduce reduce,
                               int64_t n) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    walk_offsets(w, i, off);
    combine_at(self + off[1] + ids[off[0]] * step, src[off[2]], reduce);
  }
}

// walk over self: offsets (self, mask, unused)
template <class T>
__global__ void masked_fill_kernel(Walk w, T* self, const bool* mask, T value, int64_t n) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    walk_offsets(w, i, off);
    if (mask[off[1]]) self[off[0]] = value;
  }
}

}  // namespace

void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterReduce reduce) {
  const int device = tensor_device(self, "scatter_");
  const GatherWalk g = scatter_walk(self, dim, index, src);
  const Tensor host = to_cpu(index);
  for (int64_t j = 0; j < host.numel(); ++j) check_gather_index(host.data<int64_t>()[j], g);
  const int64_t n = index.numel();
  if (n > 0) {
    const Dims src_strides = src.dim() == index.dim() ? src.strides() : Dims::filled(index.dim(), 0);
    const Walk w = make_walk(index.shape(), index.strides(), g.strides, src_strides);
    dispatch_all(self.dtype(), [&](auto zero) {
      using T = decltype(zero);
      scatter_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(w, index.data<int64_t>(), src.data<T>(),
                                                                        self.data<T>(), g.step, reduce, n);
      AC_CUDA_CHECK_LAUNCH();
    });
  }
  self.bump_version();
}

void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value) {
  const int device = tensor_device(self, "masked_fill_");
  check_mask(self, mask, "masked_fill_");
  alignas(8) char bytes[8];
  value.store_as(self.dtype(), bytes);
  const int64_t n = self.numel();
  if (n > 0) {
    const Walk w = make_walk(self.shape(), self.strides(), mask.strides(), self.strides());
    dispatch_all(self.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T v;
      std::memcpy(&v, bytes, sizeof v);
      masked_fill_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(w, self.data<T>(), mask.data<bool>(), v, n);
      AC_CUDA_CHECK_LAUNCH();
    });
  }
  self.bump_version();
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  tensor_device(x, "masked_select");
  check_mask(x, mask, "masked_select");
  const int64_t n = x.numel();
  if (n == 0) return Tensor::empty(Dims{0}, x.dtype(), x.device());
  const Tensor positions = nonzero(contiguous(mask).view(Dims{n}));  // [count, 1]
  return index(contiguous(x).view(Dims{n}), {positions.view(Dims{positions.shape()[0]})});
}

}  // namespace autocore::cuda
