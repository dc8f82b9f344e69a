// Errors, devices and streams.
#include "cuda/runtime.h"

#include <mutex>
#include <vector>

namespace autocore::cuda {

void raise_cuda_error(cudaError_t error, const char* call) {
  cudaGetLastError();  // clear a sticky non-fatal error so the next call starts clean
  if (error == cudaErrorMemoryAllocation)
    fail<RuntimeError>("CUDA out of memory (", cudaGetErrorString(error), " in ", call, ")");
  fail<RuntimeError>("CUDA error: ", cudaGetErrorString(error), " (", cudaGetErrorName(error), " in ", call, ")");
}

int device_count() {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

int current_device() {
  int device = 0;
  AC_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

cudaStream_t stream(int device) {
  static std::mutex mutex;
  static std::vector<cudaStream_t> streams;
  std::lock_guard<std::mutex> lock(mutex);
  if (streams.empty()) streams.assign(device_count(), nullptr);
  AC_CHECK(device >= 0 && device < static_cast<int>(streams.size()), RuntimeError,
           "CUDA error: invalid device ordinal ", device, " (", streams.size(), " devices)");
  if (!streams[device]) {
    DeviceGuard guard(device);
    AC_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[device], cudaStreamNonBlocking));
  }
  return streams[device];
}

void wait_for_stream(int device) {
  if (device >= 0) {
    DeviceGuard guard(device);
    AC_CUDA_CHECK(cudaStreamSynchronize(stream(device)));
    return;
  }
  for (int d = 0; d < device_count(); ++d) wait_for_stream(d);
}

DeviceGuard::DeviceGuard(int device) {
  AC_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != device) AC_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  int now = previous_;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

void check_cuda(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CUDA, op); }

int tensor_device(const Tensor& t, const char* op) {
  check_cuda(t, op);
  int device = t.device().index;
  int now = 0;
  AC_CUDA_CHECK(cudaGetDevice(&now));
  if (now != device) AC_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

}  // namespace autocore::cuda
