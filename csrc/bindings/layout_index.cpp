// Python entry points for layout and indexing.
#include "cpu/layout_index.h"

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
        for (const Tensor& t : tensors)
          if (on_device(t)) return call_on_device("cat", t, tensors, dim).cast<Tensor>();
        ReleaseGilIfLarge nogil(total_numel(tensors));
        return cpu::cat(tensors, dim);
      },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "stack",
      [](const std::vector<Tensor>& tensors, int64_t dim) {
        for (const Tensor& t : tensors)
          if (on_device(t)) return call_on_device("stack", t, tensors, dim).cast<Tensor>();
        ReleaseGilIfLarge nogil(total_numel(tensors));
        return cpu::stack(tensors, dim);
      },
      py::arg("tensors"), py::arg("dim") = 0);
  m.def(
      "index_select",
      [](const Tensor& x, int64_t dim, const Tensor& index) {
        if (on_device(x) || on_device(index))
          return call_on_device("index_select", on_device(x) ? x : index, x, dim, index).cast<Tensor>();
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::index_select(x, dim, index);
      },
      py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "index_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        if (on_device(grad) || on_device(index))
          return call_on_device("index_add_backward", on_device(grad) ? grad : index, grad, dim, index, shape)
              .cast<Tensor>();
        ReleaseGilIfLarge nogil(grad.numel());
        return cpu::index_add_backward(grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def(
      "gather",
      [](const Tensor& x, int64_t dim, const Tensor& index) {
        if (on_device(x) || on_device(index))
          return call_on_device("gather", on_device(x) ? x : index, x, dim, index).cast<Tensor>();
        ReleaseGilIfLarge nogil(index.numel());
        return cpu::gather(x, dim, index);
      },
      py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def(
      "scatter_add_backward",
      [](const Tensor& grad, int64_t dim, const Tensor& index, const std::vector<int64_t>& shape) {
        if (on_device(grad) || on_device(index))
          return call_on_device("scatter_add_backward", on_device(grad) ? grad : index, grad, dim, index, shape)
              .cast<Tensor>();
        ReleaseGilIfLarge nogil(grad.numel());
        return cpu::scatter_add_backward(grad, dim, index, to_dims(shape));
      },
      py::arg("grad"), py::arg("dim"), py::arg("index"), py::arg("input_shape"));
  m.def(
      "one_hot",
      [](const Tensor& classes, int64_t num_classes) {
        if (on_device(classes)) return call_on_device("one_hot", classes, classes, num_classes).cast<Tensor>();
        ReleaseGilIfLarge nogil(classes.numel());
        return cpu::one_hot(classes, num_classes);
      },
      py::arg("tensor"), py::arg("num_classes") = -1);
}

}  // namespace autocore::bindings
