// Python entry points for matrix products, with PyTorch's argument names.
#include "core/kernels.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {
// Products cost about m*n*k; inputs' sizes are a cheap proxy that errs towards keeping the GIL.
int64_t work(const Tensor& a, const Tensor& b) { return std::max(a.numel(), b.numel()) * 8; }

}  // namespace

void bind_matmul(py::module_& m) {
  m.def(
      "matmul",
      [](const Tensor& a, const Tensor& b, std::optional<Tensor> out) {
        const Tensor* out_ptr = out ? &*out : nullptr;
        ReleaseGilIfLarge nogil(work(a, b));
        return dispatch::matmul(device_of(a, b, out_ptr), a, b, out_ptr);
      },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def(
      "mm",
      [](const Tensor& a, const Tensor& b) {
        ReleaseGilIfLarge nogil(work(a, b));
        return dispatch::mm(device_of(a, b), a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "bmm",
      [](const Tensor& a, const Tensor& b) {
        ReleaseGilIfLarge nogil(work(a, b));
        return dispatch::bmm(device_of(a, b), a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "mv",
      [](const Tensor& a, const Tensor& v) {
        ReleaseGilIfLarge nogil(work(a, v));
        return dispatch::mv(device_of(a, v), a, v);
      },
      py::arg("input"), py::arg("vec"));
  m.def(
      "dot",
      [](const Tensor& a, const Tensor& b) {
        ReleaseGilIfLarge nogil(work(a, b));
        return dispatch::dot(device_of(a, b), a, b);
      },
      py::arg("input"), py::arg("tensor"));
  m.def(
      "addmm",
      [](const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
        ReleaseGilIfLarge nogil(work(a, b));
        return dispatch::addmm(device_of(bias, a, b), bias, a, b, beta, alpha);
      },
      py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = Scalar::from_int(1),
      py::arg("alpha") = Scalar::from_int(1));
  m.def(
      "linear",
      [](const Tensor& x, const Tensor& weight, std::optional<Tensor> bias) {
        ReleaseGilIfLarge nogil(work(x, weight));
        return dispatch::linear(device_of(x, weight, bias), x, weight, bias ? &*bias : nullptr);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "matmul_backward",
      [](const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a, bool need_b) -> py::object {
        std::pair<Tensor, Tensor> grads;
        {
          ReleaseGilIfLarge nogil(work(a, b));
          grads = dispatch::matmul_backward(device_of(grad, a, b), grad, a, b, need_a, need_b);
        }
        auto& [grad_a, grad_b] = grads;
        return py::make_tuple(grad_a.defined() ? py::cast(grad_a) : py::none(),
                              grad_b.defined() ? py::cast(grad_b) : py::none());
      },
      py::arg("grad"), py::arg("input"), py::arg("other"), py::arg("need_input") = true, py::arg("need_other") = true);
  m.def(
      "linear_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& weight, std::array<bool, 3> needs) {
        std::array<Tensor, 3> grads;
        {
          ReleaseGilIfLarge nogil(work(x, weight));
          grads = dispatch::linear_backward(device_of(grad, x, weight), grad, x, weight, needs);
        }
        py::tuple result(3);
        for (int i = 0; i < 3; ++i) result[i] = grads[i].defined() ? py::cast(grads[i]) : py::none();
        return result;
      },
      py::arg("grad"), py::arg("input"), py::arg("weight"),
      py::arg("output_mask") = std::array<bool, 3>{true, true, true});
}

}  // namespace autocore::bindings
