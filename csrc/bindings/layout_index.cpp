// Python entry points for layout and indexing.
#include "cpu/layout_index.h"

#include "bindings/common.h"

namespace autocore::bindings {

void bind_layout_index(py::module_& m) {
  m.def("cat", [](const std::vector<Tensor>& tensors, int64_t dim) { return cpu::cat(tensors, dim); },
        py::arg("tensors"), py::arg("dim") = 0);
  m.def("stack", [](const std::vector<Tensor>& tensors, int64_t dim) { return cpu::stack(tensors, dim); },
        py::arg("tensors"), py::arg("dim") = 0);
  m.def("index_select", [](const Tensor& x, int64_t dim, const Tensor& index) {
    ReleaseGilIfLarge nogil(x.numel());
    return cpu::index_select(x, dim, index);
  }, py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("index_add_backward", [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
    return cpu::index_add_backward(grad, dim, index, to_dims(shape));
  }, py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def("gather", [](const Tensor& x, int64_t dim, const Tensor& index) { return cpu::gather(x, dim, index); },
        py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("scatter_add_backward", [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
    return cpu::scatter_add_backward(grad, dim, index, to_dims(shape));
  }, py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def("one_hot", &cpu::one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
}

}  // namespace autocore::bindings
