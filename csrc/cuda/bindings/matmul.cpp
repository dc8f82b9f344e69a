// Python entry points for matrix products on CUDA: bindings/matmul.cpp's signatures, plus the TF32 switch.
#include "cuda/matmul.h"

#include "cuda/bindings/common.h"
#include "cuda/gemm.h"

namespace autocore::cuda::bindings {

namespace {
// Tuples of optional gradients: None where a gradient was not asked for.
py::object optional(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }
}  // namespace

void bind_matmul(py::module_& m) {
  m.def(
      "matmul",
      [](const Tensor& a, const Tensor& b, std::optional<Tensor> out) {
        py::gil_scoped_release nogil;
        return cuda::matmul(a, b, out ? &*out : nullptr);
      },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def(
      "mm",
      [](const Tensor& a, const Tensor& b) {
        py::gil_scoped_release nogil;
        return cuda::mm(a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "bmm",
      [](const Tensor& a, const Tensor& b) {
        py::gil_scoped_release nogil;
        return cuda::bmm(a, b);
      },
      py::arg("input"), py::arg("mat2"));
  m.def(
      "mv",
      [](const Tensor& a, const Tensor& v) {
        py::gil_scoped_release nogil;
        return cuda::mv(a, v);
      },
      py::arg("input"), py::arg("vec"));
  m.def(
      "dot",
      [](const Tensor& a, const Tensor& b) {
        py::gil_scoped_release nogil;
        return cuda::dot(a, b);
      },
      py::arg("input"), py::arg("tensor"));
  m.def(
      "addmm",
      [](const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
        py::gil_scoped_release nogil;
        return cuda::addmm(bias, a, b, beta, alpha);
      },
      py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = Scalar::from_int(1),
      py::arg("alpha") = Scalar::from_int(1));
  m.def(
      "linear",
      [](const Tensor& x, const Tensor& weight, std::optional<Tensor> bias) {
        py::gil_scoped_release nogil;
        return cuda::linear(x, weight, bias ? &*bias : nullptr);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "matmul_backward",
      [](const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a, bool need_b) {
        std::pair<Tensor, Tensor> grads;
        {
          py::gil_scoped_release nogil;
          grads = cuda::matmul_backward(grad, a, b, need_a, need_b);
        }
        return py::make_tuple(optional(grads.first), optional(grads.second));
      },
      py::arg("grad"), py::arg("input"), py::arg("other"), py::arg("need_input") = true, py::arg("need_other") = true);
  m.def(
      "linear_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& weight, std::array<bool, 3> needs) {
        std::array<Tensor, 3> grads;
        {
          py::gil_scoped_release nogil;
          grads = cuda::linear_backward(grad, x, weight, needs);
        }
        return py::make_tuple(optional(grads[0]), optional(grads[1]), optional(grads[2]));
      },
      py::arg("grad"), py::arg("input"), py::arg("weight"),
      py::arg("output_mask") = std::array<bool, 3>{true, true, true});
  // torch.backends.cuda.matmul.allow_tf32: float32 products may round their inputs to TF32 on tensor cores.
  m.def("set_allow_tf32", &set_allow_tf32, py::arg("allow"));
  m.def("get_allow_tf32", &allow_tf32);
}

}  // namespace autocore::cuda::bindings
