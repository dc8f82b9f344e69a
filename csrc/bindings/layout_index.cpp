// Python entry points for layout, indexing, scatters and masks, from their kernels' signatures.
#include "bindings/def_kernel.h"
#include "core/elementwise_rules.h"

namespace autocore::bindings {

void bind_layout_index(py::module_& m) {
  const py::arg input("input"), grad("grad"), dim("dim"), index("index"), input_shape("input_shape");
  def_kernel(m, "cat", dispatch::cat, py::arg("tensors"), py::arg("dim") = 0);
  def_kernel(m, "stack", dispatch::stack, py::arg("tensors"), py::arg("dim") = 0);
  def_kernel(m, "index_select", dispatch::index_select, input, dim, index);
  def_kernel(m, "index_add_backward", dispatch::index_add_backward, grad, dim, index, input_shape);
  def_kernel(m, "gather", dispatch::gather, input, dim, index);
  def_kernel(m, "one_hot", dispatch::one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
  // Scatters and masks (core/kernels/scatter.def): the in-place ones return None; ops/scatter.py returns self.
  def_kernel(m, "scatter_", dispatch::scatter_, input, dim, index, py::arg("src"), py::arg("reduce"));
  def_kernel(m, "masked_fill_", dispatch::masked_fill_, input, py::arg("mask"), py::arg("value"));
  def_kernel(m, "masked_select", dispatch::masked_select, input, py::arg("mask"));
  // Checks that ops/scatter.py runs before its own: a scatter's arguments (PyTorch checks scatter_reduce's name and
  // mean after them), and the refusal to write in place into an expanded tensor that the index ops share.
  m.def("check_scatter", &check_scatter, input, dim, index, py::arg("src"));
  m.def("check_no_internal_overlap", &check_no_internal_overlap, py::arg("out"));
}

}  // namespace autocore::bindings
