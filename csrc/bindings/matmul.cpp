// Python entry points for matrix products, from their kernels' signatures, with PyTorch's argument names.
#include "bindings/def_kernel.h"

namespace autocore::bindings {

void bind_matmul(py::module_& m) {
  const py::arg input("input"), mat2("mat2");
  const py::arg_v out = py::arg("out") = py::none();
  def_kernel(m, "matmul", dispatch::matmul, input, py::arg("other"), py::kw_only(), out);
  def_kernel(m, "mm", dispatch::mm, input, mat2);
  def_kernel(m, "bmm", dispatch::bmm, input, mat2);
  def_kernel(m, "mv", dispatch::mv, input, py::arg("vec"));
  def_kernel(m, "dot", dispatch::dot, input, py::arg("tensor"));
  def_kernel(m, "addmm", dispatch::addmm, input, py::arg("mat1"), mat2, py::kw_only(),
             py::arg("beta") = Scalar::from_int(1), py::arg("alpha") = Scalar::from_int(1));
  def_kernel(m, "linear", dispatch::linear, input, py::arg("weight"), py::arg("bias") = py::none());
  // The gradients the inputs need, None for the others.
  def_kernel(m, "matmul_backward", dispatch::matmul_backward, py::arg("grad"), input, py::arg("other"),
             py::arg("need_input") = true, py::arg("need_other") = true);
  def_kernel(m, "linear_backward", dispatch::linear_backward, py::arg("grad"), input, py::arg("weight"),
             py::arg("output_mask") = std::array<bool, 3>{true, true, true});
}

}  // namespace autocore::bindings
