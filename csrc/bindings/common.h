// Shared by every binding file: Python numbers as Scalars, dtype names, GIL release for large work.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "core/kernels.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace py = pybind11;

namespace autocore::bindings {

// Releasing and re-taking the GIL costs ~100 ns: worth it only when the kernel runs for longer.
constexpr int64_t kReleaseGilAbove = 16384;

class ReleaseGilIfLarge {
 public:
  explicit ReleaseGilIfLarge(int64_t work) {
    if (work > kReleaseGilAbove) release_.emplace();
  }

 private:
  std::optional<py::gil_scoped_release> release_;
};

// The Tensor a Python object holds, or nullptr when it is not one. An exact type match is one pointer compare;
// pybind11's isinstance and cast each look the type up in its registry (~20 ns a time, on every small op).
inline const Tensor* tensor_in(py::handle h) {
  static PyTypeObject* const tensor_type = reinterpret_cast<PyTypeObject*>(py::type::of<Tensor>().ptr());
  if (Py_TYPE(h.ptr()) == tensor_type) {
    auto* inst = reinterpret_cast<py::detail::instance*>(h.ptr());
    return static_cast<const Tensor*>(inst->get_value_and_holder().value_ptr());
  }
  return py::isinstance<Tensor>(h) ? &h.cast<const Tensor&>() : nullptr;  // a subclass
}

Dims to_dims(const std::vector<int64_t>& values);
py::tuple to_tuple(const Dims& dims);

void bind_tensor(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_reduce(py::module_& m);
void bind_layout_index(py::module_& m);
void bind_advanced_index(py::module_& m);
void bind_matmul(py::module_& m);
void bind_softmax_loss(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_random(py::module_& m);
void bind_optim_update(py::module_& m);

}  // namespace autocore::bindings

namespace pybind11::detail {

// bool, int and float (and numpy scalars) become a Scalar that remembers which it was, so that
// type promotion can treat `x * 2` and `x * 2.0` differently, as PyTorch does. Tensors are refused.
template <>
struct type_caster<autocore::Scalar> {
  PYBIND11_TYPE_CASTER(autocore::Scalar, const_name("Number"));

  bool load(handle src, bool) {
    PyObject* o = src.ptr();
    if (PyBool_Check(o)) {
      value = autocore::Scalar::from_bool(o == Py_True);
      return true;
    }
    if (PyLong_Check(o)) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow) return false;
      value = autocore::Scalar::from_int(v);
      return true;
    }
    if (PyFloat_Check(o)) {
      value = autocore::Scalar::from_float(PyFloat_AS_DOUBLE(o));
      return true;
    }
    // numpy scalars (np.float32(2), np.int64(3), np.bool_(True)) convert through their Python value.
    static py::handle numpy_generic = py::object(py::module_::import("numpy").attr("generic")).release();
    if (PyObject_IsInstance(o, numpy_generic.ptr()) == 1) return load(src.attr("item")(), false);
    return false;
  }

  static handle cast(const autocore::Scalar& s, return_value_policy, handle) {
    switch (s.kind) {
      case autocore::Scalar::Kind::Bool:
        return py::bool_(s.i != 0).release();
      case autocore::Scalar::Kind::Int:
        return PyLong_FromLongLong(s.i);
      case autocore::Scalar::Kind::Float:
        return PyFloat_FromDouble(s.f);
    }
    return nullptr;
  }
};

}  // namespace pybind11::detail
