// Python entry points for layout and indexing.
#include "core/kernels.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {
int64_t total_numel(const std::vector<Tensor>& tensors) {
  int64_t total = 0;
  for (const Tensor& t : tensors) total += t.numel();
  return total;
}
}  // namespace

void bind_layout_index(py::module_& m) {
  m.def(
      "cat",
      [](const std::vector<Tensor>& tensors, int64_t dim) {
        ReleaseGilIfLarge nogil(total_numel(tensors));
        return dispatch::cat(device_of(tensors), tensors, dim);
      },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "stack",
      [](const std::vector<Tensor>& tensors, int64_t dim) {
        ReleaseGilIfLarge nogil(total_numel(tensors));
        return dispatch::stack(device_of(tensors), tensors, dim);
      },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "index_select",
      [](const Tensor& x, int64_t dim, const Tensor& index) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::index_select(device_of(x, index), x, dim, index);
      },
      py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "index_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::index_add_backward(device_of(grad, index), grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def(
      "gather",
      [](const Tensor& x, int64_t dim, const Tensor& index) {
        ReleaseGilIfLarge nogil(index.numel());
        return dispatch::gather(device_of(x, index), x, dim, index);
      },
      py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "scatter_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::scatter_add_backward(device_of(grad, index), grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def(
      "one_hot",
      [](const Tensor& classes, int64_t num_classes) {
        ReleaseGilIfLarge nogil(classes.numel());
        return dispatch::one_hot(device_of(classes), classes, num_classes);
      },
      py::arg("tensor"), py::arg("num_classes") = -1);
}

}  // namespace autocore::bindings
