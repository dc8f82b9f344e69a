// Python entry points for advanced indexing: index, index_put_ and nonzero (ops/indexing.py builds x[...] and
// x[...] = v on them). An index list holds int64 tensors, or None for a dim taken whole.
#include <algorithm>

#include "bindings/common.h"

namespace autocore::bindings {

namespace {

std::vector<Tensor> index_list(const std::vector<std::optional<Tensor>>& indices) {
  std::vector<Tensor> out;
  out.reserve(indices.size());
  for (const auto& index : indices) out.push_back(index ? *index : Tensor());
  return out;
}

// The size of x[indices]: what the kernel moves, which is what decides whether releasing the GIL pays. (x's own
// size does not: a lookup of 96 rows in a table of 64 million elements is still a small job.)
int64_t result_size(const Tensor& x, const std::vector<Tensor>& indices) {
  int64_t selected = 1, rest = x.numel();
  for (size_t k = 0; k < indices.size() && k < static_cast<size_t>(x.dim()); ++k) {
    if (!indices[k].defined()) continue;
    selected = std::max(selected, indices[k].numel());
    rest /= std::max<int64_t>(x.shape()[k], 1);
  }
  return selected * rest;
}

}  // namespace

void bind_advanced_index(py::module_& m) {
  m.def(
      "index",
      [](const Tensor& x, const std::vector<std::optional<Tensor>>& indices) {
        const std::vector<Tensor> list = index_list(indices);
        ReleaseGilIfLarge nogil(result_size(x, list));
        return dispatch::index(device_of(x), x, list);
      },
      py::arg("input"), py::arg("indices"));
  m.def(
      "index_put_",
      [](const Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
        const std::vector<Tensor> list = index_list(indices);
        {
          ReleaseGilIfLarge nogil(values.numel());
          dispatch::index_put_(device_of(x), x, list, values, accumulate);
        }
        return x;
      },
      py::arg("input"), py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  m.def(
      "nonzero",
      [](const Tensor& x) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::nonzero(device_of(x), x);
      },
      py::arg("input"));
}

}  // namespace autocore::bindings
