// Python entry points for matrix products, with PyTorch's argument names.
#include "cpu/matmul.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {
// Products cost about m*n*k; inputs' sizes are a cheap proxy that errs towards keeping the GIL.
int64_t work(const Tensor& a, const Tensor& b) { return std::max(a.numel(), b.numel()) * 8; }

// The operand whose device the call forwards to: the first one on a device.
const Tensor& device_operand(const Tensor& a, const Tensor& b, const Tensor* c = nullptr) {
  if (on_device(a)) return a;
  if (on_device(b) || !c) return b;
  return *c;
}
}  // namespace

void bind_matmul(py::module_& m) {
  m.def(
      "matmul",
      [](const Tensor& a, const Tensor& b, std::optional<Tensor> out) {
        if (on_device(a) || on_device(b) || (out && on_device(*out)))
          return call_on_device("matmul", device_operand(a, b, out ? &*out : nullptr), a, b, py::arg("out") = out)
              .cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, b));
        return cpu::matmul(a, b, out ? &*out : nullptr);
      },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def(
      "mm",
      [](const Tensor& a, const Tensor& b) {
        if (on_device(a) || on_device(b)) return call_on_device("mm", device_operand(a, b), a, b).cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, b));
        return cpu::mm(a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "bmm",
      [](const Tensor& a, const Tensor& b) {
        if (on_device(a) || on_device(b)) return call_on_device("bmm", device_operand(a, b), a, b).cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, b));
        return cpu::bmm(a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "mv",
      [](const Tensor& a, const Tensor& v) {
        if (on_device(a) || on_device(v)) return call_on_device("mv", device_operand(a, v), a, v).cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, v));
        return cpu::mv(a, v);
      },
      py::arg("input"), py::arg("vec"));
  m.def(
      "dot",
      [](const Tensor& a, const Tensor& b) {
        if (on_device(a) || on_device(b)) return call_on_device("dot", device_operand(a, b), a, b).cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, b));
        return cpu::dot(a, b);
      },
      py::arg("input"), py::arg("tensor"));
  m.def(
      "addmm",
      [](const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
        if (on_device(bias) || on_device(a) || on_device(b))
          return call_on_device("addmm", device_operand(a, b, &bias), bias, a, b, py::arg("beta") = beta,
                                py::arg("alpha") = alpha)
              .cast<Tensor>();
        ReleaseGilIfLarge nogil(work(a, b));
        return cpu::addmm(bias, a, b, beta, alpha);
      },
      py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = Scalar::from_int(1),
      py::arg("alpha") = Scalar::from_int(1));
  m.def(
      "linear",
      [](const Tensor& x, const Tensor& weight, std::optional<Tensor> bias) {
        if (on_device(x) || on_device(weight) || (bias && on_device(*bias)))
          return call_on_device("linear", device_operand(x, weight, bias ? &*bias : nullptr), x, weight, bias)
              .cast<Tensor>();
        ReleaseGilIfLarge nogil(work(x, weight));
        return cpu::linear(x, weight, bias ? &*bias : nullptr);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "matmul_backward",
      [](const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a, bool need_b) -> py::object {
        if (on_device(grad) || on_device(a) || on_device(b))
          return call_on_device("matmul_backward", device_operand(a, b, &grad), grad, a, b, need_a, need_b);
        std::pair<Tensor, Tensor> grads;
        {
          ReleaseGilIfLarge nogil(work(a, b));
          grads = cpu::matmul_backward(grad, a, b, need_a, need_b);
        }
        auto& [grad_a, grad_b] = grads;
        return py::make_tuple(grad_a.defined() ? py::cast(grad_a) : py::none(),
                              grad_b.defined() ? py::cast(grad_b) : py::none());
      },
      py::arg("grad"), py::arg("input"), py::arg("other"), py::arg("need_input") = true, py::arg("need_other") = true);
  m.def(
      "linear_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& weight, std::array<bool, 3> needs) {
        if (on_device(grad) || on_device(x) || on_device(weight))
          return call_on_device("linear_backward", device_operand(x, weight, &grad), grad, x, weight, needs)
              .cast<py::tuple>();
        std::array<Tensor, 3> grads;
        {
          ReleaseGilIfLarge nogil(work(x, weight));
          grads = cpu::linear_backward(grad, x, weight, needs);
        }
        py::tuple result(3);
        for (int i = 0; i < 3; ++i) result[i] = grads[i].defined() ? py::cast(grads[i]) : py::none();
        return result;
      },
      py::arg("grad"), py::arg("input"), py::arg("weight"),
      py::arg("output_mask") = std::array<bool, 3>{true, true, true});
}

}  // namespace autocore::bindings
