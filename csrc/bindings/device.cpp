// The registry behind device dispatch: which Python module runs the ops of each non-CPU device type.
#include "bindings/common.h"

namespace autocore::bindings {

namespace {
// Owned references, deliberately never released: the modules live until the interpreter exits.
PyObject* device_modules[2] = {};
}  // namespace

py::object device_function(const Tensor& t, const char* name) {
  const Device device = t.device();
  PyObject* module = device_modules[static_cast<int>(device.type)];
  AC_CHECK(module, RuntimeError, "no backend is loaded for ", device.str(), " tensors");
  py::object function = py::getattr(module, name, py::none());
  if (function.is_none())
    fail<NotImplementedError>("'", name, "' is not implemented for ", device.str(),
                              " tensors in this version of autocore");
  return function;
}

void bind_device(py::module_& m) {
  m.def("_register_device_module", [](const std::string& type, py::object module) {
    AC_CHECK(type == "cuda", ValueError, "unknown device type '", type, "'");
    PyObject*& slot = device_modules[static_cast<int>(DeviceType::CUDA)];
    Py_XDECREF(slot);
    slot = module.release().ptr();
  });
}

}  // namespace autocore::bindings
