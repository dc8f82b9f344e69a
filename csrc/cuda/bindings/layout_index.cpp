// Layout and indexing on CUDA: the twins of csrc/bindings/layout_index.cpp.
#include "cuda/layout_index.h"
#include "cuda/bindings/common.h"

namespace autocore::cuda::bindings {

void bind_layout_index(py::module_& m) {
  m.def("cat", &cat, py::arg("tensors"), py::arg("dim") = 0);
  m.def("stack", &stack, py::arg("tensors"), py::arg("dim") = 0);
  m.def("index_select", &index_select, py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "index_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        return index_add_backward(grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def("gather", &gather, py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "scatter_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        return scatter_add_backward(grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def("one_hot", &one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
}

}  // namespace autocore::cuda::bindings
