// Copies on the device and between host and device: core/copy_entry.h over the cast kernel of
// cuda/elementwise.cu, and the transfers to_device and to_cpu.
#include "core/copy_entry.h"
#include "cuda/elementwise.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

// The CUDA side of core/copy_entry.h.
struct CudaBackend {
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }
  static Tensor adopt(const Tensor& src, const Tensor& dst) {  // upload, then convert and broadcast on the device
    return src.device().is_cpu() ? to_device(src, dst.device().index) : src;
  }
  static void cast(StridedIter& it, DType to, DType from, const char* scalar) { launch_cast(it, to, from, scalar); }

  static Tensor to_device(const Tensor& host, int device) {
    check_device_type(host, DeviceType::CPU, "to_device");
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

  static Tensor to_cpu(const Tensor& t) {
    int device = tensor_device(t, "cpu");
    Tensor dense = cuda::contiguous(t);
    Tensor out = Tensor::empty(t.shape(), t.dtype(), Device{});
    size_t nbytes = static_cast<size_t>(t.numel()) * t.itemsize();
    if (nbytes) {
      AC_CUDA_CHECK(cudaMemcpyAsync(out.data_ptr(), dense.data_ptr(), nbytes, cudaMemcpyDeviceToHost, stream(device)));
      AC_CUDA_CHECK(cudaStreamSynchronize(stream(device)));
    }
    return out;
  }
  static void synchronize(int index) { wait_for_stream(index); }
};

using Entry = CopyEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/copy.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
