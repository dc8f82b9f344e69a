// Copies on the device and between host and device: copy_, fill_, contiguous, to(dtype), clone, reshape,
// to_device and to_cpu. Device-side copies run the cast kernel of cuda/elementwise.cu.
#include "cuda/elementwise.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

void copy_(const Tensor& dst, const Tensor& src) {
  check_cuda(dst, "copy_");
  if (src.device().is_cpu()) {  // upload, then convert and broadcast on the device
    copy_(dst, to_device(src, dst.device().index));
    return;
  }
  check_same_device(dst, src, "copy_");
  tensor_device(dst, "copy_");
  AC_CHECK(src.dim() <= dst.dim() && broadcast_shapes(dst.shape(), src.shape()) == dst.shape(), RuntimeError,
           "output with shape ", dst.shape().str(), " doesn't match the broadcast shape ",
           broadcast_shapes(dst.shape(), src.shape()).str());
  check_no_internal_overlap(dst, "copy_");
  StridedIter it(dst);
  it.add_input(src);
  launch_cast(it, dst.dtype(), src.dtype());
  dst.bump_version();
}

void fill_(const Tensor& dst, const Scalar& value) {
  tensor_device(dst, "fill_");
  const Tensor target = distinct_elements(dst);
  alignas(8) char buffer[8];
  value.store_as(dst.dtype(), buffer);
  StridedIter it(target);
  it.add_scalar(buffer);
  launch_cast(it, dst.dtype(), dst.dtype(), buffer);
  dst.bump_version();
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  copy_(out, t);
  return out;
}

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor reshape(const Tensor& t, const Dims& shape) {
  Dims resolved = t.infer_shape(shape), strides;
  if (t.can_view(resolved, &strides)) return t.as_strided(resolved, strides, t.offset());
  return contiguous(t).view(resolved);
}

Tensor to_device(const Tensor& host, int device) {
  AC_CHECK(host.device().is_cpu(), RuntimeError, "to_device: expected a CPU tensor, got one on ", host.device().str());
  AC_CHECK(host.is_contiguous(), RuntimeError, "to_device: expected a contiguous CPU tensor");
  AC_CHECK(device >= 0 && device < device_count(), RuntimeError, "CUDA error: invalid device ordinal ", device, " (",
           device_count(), " devices are available)");
  DeviceGuard guard(device);
  Tensor out = Tensor::empty(host.shape(), host.dtype(), Device{DeviceType::CUDA, device});
  size_t nbytes = static_cast<size_t>(host.numel()) * host.itemsize();
  // From pageable memory the call returns once the data is staged, so the host tensor may go at once.
  if (nbytes)
    AC_CUDA_CHECK(cudaMemcpyAsync(out.data_ptr(), host.data_ptr(), nbytes, cudaMemcpyHostToDevice, stream(device)));
  return out;
}

Tensor to_cpu(const Tensor& t) {
  int device = tensor_device(t, "cpu");
  Tensor dense = contiguous(t);
  Tensor out = Tensor::empty(t.shape(), t.dtype(), Device{});
  size_t nbytes = static_cast<size_t>(t.numel()) * t.itemsize();
  if (nbytes) {
    AC_CUDA_CHECK(cudaMemcpyAsync(out.data_ptr(), dense.data_ptr(), nbytes, cudaMemcpyDeviceToHost, stream(device)));
    AC_CUDA_CHECK(cudaStreamSynchronize(stream(device)));
  }
  return out;
}

}  // namespace autocore::cuda
