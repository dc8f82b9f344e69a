// The CUDA runtime as the kernels see it: error checks that raise Python exceptions with CUDA's text,
// one stream per device that every kernel and copy runs on, and a guard that makes a device current.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/errors.h"
#include "core/tensor.h"

namespace autocore::cuda {

[[noreturn]] void raise_cuda_error(cudaError_t error, const char* call);

// Devices the driver reports; 0 when there is no driver, no GPU, or the driver is too old for this build.
int device_count();
// The device a "cuda" with no index means: the current one.
int current_device();
// The stream all of autocore's work on `device` is ordered on. Ordering everything on one stream is what
// lets the caching allocator hand a freed block to the next op at once.
cudaStream_t stream(int device);
void wait_for_stream(int device);  // waits for the work queued on the stream of `device` (-1: every device)

class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

// The device of a CUDA tensor, made current; refuses CPU tensors.
int tensor_device(const Tensor& t, const char* op);
void check_cuda(const Tensor& t, const char* op);

// Launch geometry: enough blocks of kThreads to cover n, capped (grid-stride loops cover the rest).
constexpr int kThreads = 256;
inline unsigned blocks_for(int64_t n, int per_thread = 1) {
  int64_t blocks = (n + int64_t(kThreads) * per_thread - 1) / (int64_t(kThreads) * per_thread);
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

}  // namespace autocore::cuda

#define AC_CUDA_CHECK(call)                                                             \
  do {                                                                                  \
    cudaError_t ac_error_ = (call);                                                     \
    if (ac_error_ != cudaSuccess) ::autocore::cuda::raise_cuda_error(ac_error_, #call); \
  } while (0)

// After every kernel launch: a bad configuration or an earlier asynchronous fault surfaces here.
#define AC_CUDA_CHECK_LAUNCH() AC_CUDA_CHECK(cudaGetLastError())
