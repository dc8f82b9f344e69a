// The C++ tensor as seen from Python: metadata, views, copies, and zero-copy numpy interop.
#include <pybind11/numpy.h>

#include "bindings/common.h"
#include "core/kernels.h"

namespace autocore::bindings {

namespace {

py::dtype numpy_dtype(DType dtype) {
  AC_CHECK(*buffer_format(dtype), TypeError, "Got unsupported ScalarType ", scalar_type_name(dtype));
  return py::dtype(buffer_format(dtype));
}

DType dtype_from_numpy(const py::dtype& dt) {
  if (dt.byteorder() == '>')
    fail<TypeError>("can't convert a big-endian np.ndarray; use arr.astype(arr.dtype.newbyteorder('='))");
  const size_t size = dt.itemsize();
  switch (dt.kind()) {
    case 'b':
      if (size == 1) return DType::Bool;
      break;
    case 'i':
      for (DType d : {DType::Int8, DType::Int16, DType::Int32, DType::Int64})
        if (size == itemsize(d)) return d;
      break;
    case 'u':
      if (size == 1) return DType::UInt8;
      break;
    case 'f':
      for (DType d : {DType::Float16, DType::Float32, DType::Float64})
        if (size == itemsize(d)) return d;
      break;
  }
  fail<TypeError>("can't convert np.ndarray of type numpy.", py::str(dt).cast<std::string>(),
                  ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, "
                  "and bool.");
}

// Shares the array's memory: the storage holds a reference to the array until the last view dies.
Tensor from_numpy(const py::array& array) {
  DType dtype = dtype_from_numpy(array.dtype());
  int64_t item = static_cast<int64_t>(itemsize(dtype));
  Dims shape, strides;
  int64_t reach = 0;
  bool empty = false;
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    int64_t byte_stride = array.strides(d), size = array.shape(d);
    AC_CHECK(byte_stride >= 0, ValueError,
             "At least one stride in the given numpy array is negative, and tensors with negative strides are not "
             "currently supported. (You can probably work around this by making a copy of your array  with "
             "array.copy().) ");
    AC_CHECK(byte_stride % item == 0, ValueError,
             "given numpy array strides not a multiple of the element byte size. "
             "Copy the numpy array to reallocate the memory.");
    shape.push_back(size);
    strides.push_back(byte_stride / item);
    empty |= size == 0;
    reach += (size - 1) * (byte_stride / item);
  }
  size_t nbytes = empty ? 0 : static_cast<size_t>(reach + 1) * item;
  PyObject* owner = array.ptr();
  Py_INCREF(owner);
  auto release = [owner] {
    py::gil_scoped_acquire gil;
    Py_DECREF(owner);
  };
  auto storage = Storage::borrow(const_cast<void*>(array.data()), nbytes, Device{}, release);
  return Tensor(storage, dtype, shape, strides, 0);
}

// A numpy array over the tensor's memory; the array keeps the storage alive through a capsule.
py::array to_numpy(const Tensor& t) {
  AC_CHECK(t.device().is_cpu(), TypeError, "can't convert ", t.device().str(),
           " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(t.itemsize()));
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.data_ptr(), owner);
}

}  // namespace

Dims to_dims(const std::vector<int64_t>& values) { return Dims(values); }

py::tuple to_tuple(const Dims& dims) {
  py::tuple out(dims.size());
  for (int i = 0; i < dims.size(); ++i) out[i] = py::int_(dims[i]);
  return out;
}

void bind_tensor(py::module_& m) {
  py::enum_<DType>(m, "DType")
      .value("bool", DType::Bool)
      .value("int64", DType::Int64)
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .value("int32", DType::Int32)
      .value("int8", DType::Int8)
      .value("uint8", DType::UInt8)
      .value("int16", DType::Int16)
      .value("float16", DType::Float16)
      .value("bfloat16", DType::BFloat16)
      .def_property_readonly("itemsize", [](DType d) { return itemsize(d); })
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating(d); });

  py::class_<Tensor>(m, "Tensor", py::buffer_protocol())
      .def_property_readonly("shape", [](const Tensor& t) { return to_tuple(t.shape()); })
      .def_property_readonly("strides", [](const Tensor& t) { return to_tuple(t.strides()); })
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("device", [](const Tensor& t) { return t.device().str(); })
      .def_property_readonly("offset", &Tensor::offset)
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("numel", &Tensor::numel)
      .def_property_readonly("itemsize", &Tensor::itemsize)
      .def_property_readonly("is_contiguous", &Tensor::is_contiguous)
      .def_property_readonly("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def_property_readonly("storage_ptr",
                             [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.storage()->data()); })
      .def_property_readonly("storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes(); })
      .def("numpy", &to_numpy)
      .def("view_dtype", &Tensor::view_dtype)
      .def_buffer([](const Tensor& t) {
        AC_CHECK(t.device().is_cpu(), TypeError, "can't expose a ", t.device().str(),
                 " tensor through the buffer protocol");
        std::vector<py::ssize_t> strides;
        for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(t.itemsize()));
        AC_CHECK(*buffer_format(t.dtype()), TypeError, "Got unsupported ScalarType ", scalar_type_name(t.dtype()));
        return py::buffer_info(t.data_ptr(), static_cast<py::ssize_t>(t.itemsize()), buffer_format(t.dtype()), t.dim(),
                               std::vector<py::ssize_t>(t.shape().begin(), t.shape().end()), strides);
      })
      .def("view", [](const Tensor& t, const std::vector<int64_t>& shape) { return t.view(to_dims(shape)); })
      .def("reshape",
           [](const Tensor& t, const std::vector<int64_t>& shape) {
             return dispatch::reshape(device_of(t), t, to_dims(shape));
           })
      .def("transpose", &Tensor::transpose)
      .def("permute", [](const Tensor& t, const std::vector<int64_t>& order) { return t.permute(to_dims(order)); })
      .def("slice", &Tensor::slice, py::arg("dim"), py::arg("start"), py::arg("stop"), py::arg("step") = 1)
      .def("select", &Tensor::select)
      .def("expand", [](const Tensor& t, const std::vector<int64_t>& shape) { return t.expand(to_dims(shape)); })
      .def("unsqueeze", &Tensor::unsqueeze)
      .def("squeeze", py::overload_cast<int64_t>(&Tensor::squeeze, py::const_))
      .def("squeeze", py::overload_cast<>(&Tensor::squeeze, py::const_))
      .def("as_strided", [](const Tensor& t, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                            int64_t offset) { return t.as_strided(to_dims(shape), to_dims(strides), offset); })
      .def("contiguous",
           [](const Tensor& t) {
             ReleaseGilIfLarge nogil(t.numel());
             return dispatch::contiguous(device_of(t), t);
           })
      .def("clone",
           [](const Tensor& t) {
             ReleaseGilIfLarge nogil(t.numel());
             return dispatch::clone(device_of(t), t);
           })
      .def("to_dtype",
           [](const Tensor& t, DType dtype) {
             ReleaseGilIfLarge nogil(t.numel());
             return dispatch::to_dtype(device_of(t), t, dtype);
           })
      .def("copy_",
           [](const Tensor& dst, const Tensor& src) {
             // Across devices: a CPU source is made contiguous here and uploaded by the device's copy_; a device
             // source is downloaded whole, then copied (with broadcasting and conversion) on the CPU.
             ReleaseGilIfLarge nogil(dst.numel());
             if (!dst.device().is_cpu()) {
               dispatch::copy_(device_of(dst), dst, src.device().is_cpu() ? cpu::contiguous(src) : src);
             } else if (!src.device().is_cpu()) {
               cpu::copy_(dst, dispatch::to_cpu(device_of(src), src));
             } else {
               cpu::copy_(dst, src);
             }
             return dst;
           })
      .def("fill_",
           [](const Tensor& dst, const Scalar& value) {
             ReleaseGilIfLarge nogil(dst.numel());
             dispatch::fill_(device_of(dst), dst, value);
             return dst;
           })
      .def("shares_storage_with", [](const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.storage()->version(); });

  m.def("from_numpy", &from_numpy, py::arg("array"));
  m.def(
      "empty", [](const std::vector<int64_t>& shape, DType dtype) { return Tensor::empty(to_dims(shape), dtype); },
      py::arg("shape"), py::arg("dtype") = DType::Float32);
  m.def(
      "full",
      [](const std::vector<int64_t>& shape, const Scalar& value, DType dtype) {
        Tensor t = Tensor::empty(to_dims(shape), dtype);
        ReleaseGilIfLarge nogil(t.numel());
        cpu::fill_(t, value);
        return t;
      },
      py::arg("shape"), py::arg("value"), py::arg("dtype") = DType::Float32);
  m.def("broadcast_shapes", [](const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    return to_tuple(broadcast_shapes(to_dims(a), to_dims(b)));
  });
  m.def("default_float_dtype", &default_float_dtype);
  m.def("set_default_float_dtype", &set_default_float_dtype);
  m.def("promote_types", &promote_types);
  // PyTorch's result_type over tensors (their dtype and dims) and Python numbers, as the elementwise ops promote.
  m.def("result_type", [](const std::vector<Tensor>& tensors, const std::vector<Scalar>& numbers) {
    ResultType promotion;
    for (const Tensor& t : tensors) promotion.add_tensor(t.dtype(), t.dim());
    for (const Scalar& s : numbers) promotion.add_scalar(s);
    return promotion.result();
  });
}

}  // namespace autocore::bindings
