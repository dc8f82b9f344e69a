// One Python function from one dispatch table (core/kernels.def), generated from the kernel's signature: each
// parameter is taken in its Python form (below), the kernel runs on the device of its first operand not on the CPU,
// without the GIL when the operands are large, and returns a tensor (None when undefined), a tuple of them, or None.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bindings/common.h"

namespace autocore::bindings {

// `dim` as PyTorch takes it: None (every dim), an int, or a sequence of ints.
struct DimsArg {
  std::optional<Dims> dims;
};

// A kernel parameter's Python form, and the parameter made from it.
template <class T>
struct PyArg {
  using type = T;
  static T get(T value) { return value; }
};
template <>
struct PyArg<const Tensor&> {
  using type = const Tensor&;
  static const Tensor& get(const Tensor& t) { return t; }
};
template <>
struct PyArg<const Tensor*> {  // None: null
  using type = const std::optional<Tensor>&;
  static const Tensor* get(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }
};
template <>
struct PyArg<const int64_t*> {
  using type = const std::optional<int64_t>&;
  static const int64_t* get(const std::optional<int64_t>& v) { return v ? &*v : nullptr; }
};
template <>
struct PyArg<const Dims*> {
  using type = const DimsArg&;
  static const Dims* get(const DimsArg& d) { return d.dims ? &*d.dims : nullptr; }
};
template <>
struct PyArg<const Dims&> {
  using type = const std::vector<int64_t>&;
  static Dims get(const std::vector<int64_t>& values) { return to_dims(values); }
};
template <>
struct PyArg<Reduction> {  // "none", "mean", "sum"
  using type = const std::string&;
  static Reduction get(const std::string& name) { return parse_reduction(name); }
};

template <>
struct PyArg<ScatterReduce> {  // "none", "sum", "prod", "amax", "amin"
  using type = const std::string&;
  static ScatterReduce get(const std::string& name) { return parse_scatter_reduce(name); }
};

// The tensors among the operands, for the device and the size of the work.
inline const Tensor* operand(const Tensor& t) { return &t; }
inline const Tensor* operand(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }
template <class T>
const Tensor* operand(const T&) {
  return nullptr;
}
inline DeviceType operand_device(const std::vector<Tensor>& tensors) { return device_of(tensors); }
template <class T>
DeviceType operand_device(const T& value) {
  return device_of(operand(value));
}
inline int64_t operand_numel(const std::vector<Tensor>& tensors) {
  int64_t total = 0;
  for (const Tensor& t : tensors) total += t.defined() ? t.numel() : 0;
  return total;
}
template <class T>
int64_t operand_numel(const T& value) {
  const Tensor* t = operand(value);
  return t && t->defined() ? t->numel() : 0;
}

// A kernel's tuple of results as Python sees it, with None for an undefined tensor (a gradient not asked for).
inline py::object tensor_or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }
inline py::tuple to_python(const std::pair<Tensor, Tensor>& p) {
  return py::make_tuple(tensor_or_none(p.first), tensor_or_none(p.second));
}
inline py::tuple to_python(const std::array<Tensor, 3>& a) {
  return py::make_tuple(tensor_or_none(a[0]), tensor_or_none(a[1]), tensor_or_none(a[2]));
}
inline py::tuple to_python(const CrossEntropyResult& r) {
  return py::make_tuple(tensor_or_none(r.loss), tensor_or_none(r.row_stats), tensor_or_none(r.total_weight));
}

// def_kernel(m, "sum", dispatch::sum, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false).
template <class R, class... Args, class... Extra>
void def_kernel(py::module_& m, const char* name, const DispatchStub<R(Args...)>& kernel, const Extra&... extra) {
  m.def(
      name,
      [stub = &kernel](typename PyArg<Args>::type... values) {
        DeviceType device = DeviceType::CPU;
        ((device = device == DeviceType::CPU ? operand_device(values) : device), ...);
        const int64_t work = (operand_numel(values) + ... + 0);
        auto run = [&] {
          ReleaseGilIfLarge nogil(work);
          return (*stub)(device, PyArg<Args>::get(values)...);
        };
        if constexpr (std::is_void_v<R>) run();
        else if constexpr (std::is_same_v<R, Tensor>) return run();
        else return to_python(run());
      },
      extra...);
}

}  // namespace autocore::bindings

namespace pybind11::detail {

template <>
struct type_caster<autocore::bindings::DimsArg> {
  PYBIND11_TYPE_CASTER(autocore::bindings::DimsArg, const_name("None | int | Sequence[int]"));

  bool load(handle dim, bool) {
    if (dim.is_none()) return true;
    if (isinstance<int_>(dim)) {
      value.dims = autocore::Dims{dim.cast<int64_t>()};
      return true;
    }
    AC_CHECK(isinstance<sequence>(dim) && !isinstance<str>(dim), autocore::TypeError,
             "dim must be None, an int, or a sequence of ints, got ", str(type::of(dim)).cast<std::string>());
    value.dims = autocore::bindings::to_dims(dim.cast<std::vector<int64_t>>());
    return true;
  }
};

}  // namespace pybind11::detail
