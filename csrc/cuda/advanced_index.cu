// Advanced indexing on CUDA. The index tensors come to the host, where core/advanced_index.cpp checks them
// (PyTorch's IndexError instead of a device fault) and turns them into element offsets; the offsets (one per
// index position, so the copy follows the result's size) go up, and one thread per result element reads or
// writes its element. Accumulating writes use atomicAdd, since two indices may name the same element.
#include "core/advanced_index.h"
#include "core/kernels.h"
#include "cuda/atomic.cuh"
#include "cuda/elementwise_kernel.cuh"
#include "cuda/runtime.h"
#include "cuda/walk.cuh"

namespace autocore::cuda {

namespace {

template <class T>
__global__ void index_kernel(Walk w, T* out, const T* base, const int64_t* offsets, int64_t n) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    walk_offsets(w, i, off);
    out[off[0]] = base[off[1] + offsets[off[2]]];
  }
}

template <class T>
__global__ void index_put_kernel(Walk w, const T* values, T* base, const int64_t* offsets, bool accumulate, int64_t n) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    walk_offsets(w, i, off);
    T* target = base + off[1] + offsets[off[2]];
    if (accumulate) {
      atomic_add(target, values[off[0]]);
    } else {
      *target = values[off[0]];
    }
  }
}

// The plan with its index tensors in host memory, and the offsets on x's device, viewed in the result's shape.
struct DevicePlan {
  IndexPlan plan;
  Tensor offsets;
};

// values: index_put_'s, checked after the plan and before the bounds, as on the CPU; undefined for index.
DevicePlan plan_on_device(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& values = Tensor()) {
  DevicePlan d{plan_index(x, indices), {}};
  if (values.defined()) check_put_values(d.plan, x, values);
  for (Tensor& index : d.plan.indices) index = index.device().is_cpu() ? index : to_cpu(index);
  d.offsets = offsets_in_result(d.plan, to_device(index_offsets(d.plan), x.device().index));
  return d;
}

}  // namespace

Tensor index(const Tensor& x, const std::vector<Tensor>& indices) {
  const int device = tensor_device(x, "index");
  const DevicePlan d = plan_on_device(x, indices);
  Tensor out = Tensor::empty(d.plan.result_shape, x.dtype(), x.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  const Walk w = make_walk(d.plan.result_shape, out.strides(), d.plan.base_strides, d.offsets.strides());
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
        w, out.data<T>(), static_cast<const T*>(x.data_ptr()), d.offsets.data<int64_t>(), n);
    AC_CUDA_CHECK_LAUNCH();
  });
  return out;
}

void index_put_(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  const int device = tensor_device(x, "index_put_");
  const DevicePlan d = plan_on_device(x, indices, values);
  const int64_t n = product(d.plan.result_shape);
  if (n > 0) {
    const Tensor spread = values.expand(d.plan.result_shape);
    const Walk w = make_walk(d.plan.result_shape, spread.strides(), d.plan.base_strides, d.offsets.strides());
    dispatch_all(x.dtype(), [&](auto zero) {
      using T = decltype(zero);
      index_put_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(w, static_cast<const T*>(spread.data_ptr()),
                                                                          static_cast<T*>(x.data_ptr()),
                                                                          d.offsets.data<int64_t>(), accumulate, n);
      AC_CUDA_CHECK_LAUNCH();
    });
  }
  x.bump_version();
}

// Drawn on the host: the count decides the result's shape, which the host must know anyway.
Tensor nonzero(const Tensor& x) { return to_device(cpu::nonzero(to_cpu(x)), x.device().index); }

}  // namespace autocore::cuda
