// Devices, streams and memory statistics, for autocore.cuda.
#include "cuda/runtime.h"
#include "cuda/allocator.h"
#include "cuda/bindings/common.h"

namespace autocore::cuda::bindings {

void bind_runtime(py::module_& m) {
  m.def("device_count", &device_count);
  m.def("current_device", &current_device);
  m.def("set_device", [](int device) {
    AC_CHECK(device >= 0 && device < device_count(), RuntimeError, "CUDA error: invalid device ordinal ", device);
    AC_CUDA_CHECK(cudaSetDevice(device));
  });
  m.def(
      "synchronize",
      [](int device) {
        py::gil_scoped_release nogil;
        synchronize(device);
      },
      py::arg("device") = -1);
  m.def("synchronize_device", [](int device) {  // every stream of the device, ours and other libraries'
    py::gil_scoped_release nogil;
    DeviceGuard guard(device);
    AC_CUDA_CHECK(cudaDeviceSynchronize());
  });
  m.def("get_device_name", [](int device) {
    cudaDeviceProp prop{};
    AC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return std::string(prop.name);
  });
  m.def("get_device_capability", [](int device) {
    cudaDeviceProp prop{};
    AC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return py::make_tuple(prop.major, prop.minor);
  });
  m.def("driver_version", [] {
    int version = 0;
    if (cudaDriverGetVersion(&version) != cudaSuccess) cudaGetLastError();
    return version;
  });
  m.def("runtime_version", [] {
    int version = 0;
    AC_CUDA_CHECK(cudaRuntimeGetVersion(&version));
    return version;
  });
  m.def("memory_allocated", [](int device) { return memory_stats(device).allocated; });
  m.def("max_memory_allocated", [](int device) { return memory_stats(device).max_allocated; });
  m.def("memory_reserved", [](int device) { return memory_stats(device).reserved; });
  m.def("reset_peak_memory_stats", &reset_peak_memory_stats);
  m.def("empty_cache", &empty_cache);
}

}  // namespace autocore::cuda::bindings
