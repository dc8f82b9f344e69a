// autocore._C._cuda, for autocore.cuda: what only the CUDA backend has (devices, streams, memory statistics, the
// TF32 switch, tensors made on a device). The ops are not here: their one binding each dispatches in C++
// (core/dispatch.h). Compiled into _C only where the backend is built (CMakeLists.txt).
#include "bindings/common.h"
#include "core/kernels.h"
#include "cuda/allocator.h"
#include "cuda/gemm.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

void register_backend();

namespace {

Device cuda_device(int index) {
  AC_CHECK(index >= 0 && index < device_count(), RuntimeError, "CUDA error: invalid device ordinal ", index, " (",
           device_count(), " devices are available)");
  return Device{DeviceType::CUDA, index};
}

}  // namespace

void bind_cuda(py::module_& parent) {
  register_backend();
  py::module_ m = parent.def_submodule("_cuda", "the CUDA backend's devices, streams and memory");
  m.def("device_count", &device_count);
  m.def("current_device", &current_device);
  m.def("set_device", [](int device) { AC_CUDA_CHECK(cudaSetDevice(cuda_device(device).index)); });
  m.def(
      "synchronize",
      [](int device) {
        py::gil_scoped_release nogil;
        wait_for_stream(device);
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
  // torch.backends.cuda.matmul.allow_tf32: float32 products may round their inputs to TF32 on tensor cores.
  m.def("set_allow_tf32", &set_allow_tf32, py::arg("allow"));
  m.def("get_allow_tf32", &allow_tf32);

  m.def(
      "empty",
      [](const std::vector<int64_t>& shape, DType dtype, int device) {
        DeviceGuard guard(cuda_device(device).index);
        return Tensor::empty(bindings::to_dims(shape), dtype, cuda_device(device));
      },
      py::arg("shape"), py::arg("dtype"), py::arg("device"));
  m.def(
      "full",
      [](const std::vector<int64_t>& shape, const Scalar& value, DType dtype, int device) {
        DeviceGuard guard(cuda_device(device).index);
        Tensor t = Tensor::empty(bindings::to_dims(shape), dtype, cuda_device(device));
        fill_(t, value);
        return t;
      },
      py::arg("shape"), py::arg("value"), py::arg("dtype"), py::arg("device"));
  m.def(
      "to_device",
      [](const Tensor& host, int device) {
        py::gil_scoped_release nogil;
        return to_device(host, device);
      },
      py::arg("input"), py::arg("device"));
  m.def(
      "to_cpu",
      [](const Tensor& t) {
        py::gil_scoped_release nogil;
        return to_cpu(t);
      },
      py::arg("input"));
}

}  // namespace autocore::cuda
