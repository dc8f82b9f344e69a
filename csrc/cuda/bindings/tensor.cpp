// Tensors on the device: creation, copies within and across devices, and the Tensor methods that copy
// (the twins of csrc/bindings/tensor.cpp's).
#include "cuda/bindings/common.h"
#include "cuda/elementwise.h"
#include "cuda/runtime.h"

namespace autocore::cuda::bindings {

namespace {
Device cuda_device(int index) {
  AC_CHECK(index >= 0 && index < device_count(), RuntimeError, "CUDA error: invalid device ordinal ", index, " (",
           device_count(), " devices are available)");
  return Device{DeviceType::CUDA, index};
}
}  // namespace

void bind_tensor(py::module_& m) {
  m.def(
      "empty",
      [](const std::vector<int64_t>& shape, DType dtype, int device) {
        DeviceGuard guard(cuda_device(device).index);
        return Tensor::empty(to_dims(shape), dtype, cuda_device(device));
      },
      py::arg("shape"), py::arg("dtype"), py::arg("device"));
  m.def(
      "full",
      [](const std::vector<int64_t>& shape, const Scalar& value, DType dtype, int device) {
        DeviceGuard guard(cuda_device(device).index);
        Tensor t = Tensor::empty(to_dims(shape), dtype, cuda_device(device));
        fill_(t, value);
        return t;
      },
      py::arg("shape"), py::arg("value"), py::arg("dtype"), py::arg("device"));
  // Each module keeps its own copy of the core's default float dtype; autocore.set_default_dtype sets both.
  m.def("set_default_float_dtype", &set_default_float_dtype);
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
  m.def("reshape", [](const Tensor& t, const std::vector<int64_t>& shape) { return reshape(t, to_dims(shape)); });
  m.def("contiguous", &contiguous);
  m.def("clone", &clone);
  m.def("to_dtype", &to_dtype);
  m.def("copy_", [](const Tensor& dst, const Tensor& src) {
    copy_(dst, src);
    return dst;
  });
  m.def("fill_", [](const Tensor& dst, const Scalar& value) {
    fill_(dst, value);
    return dst;
  });
}

}  // namespace autocore::cuda::bindings
