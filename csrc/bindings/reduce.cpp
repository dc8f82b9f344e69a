// Python entry points for reductions. `dim` may be None, an int, or a sequence of ints, as in PyTorch.
#include "cpu/reduce.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {

std::optional<Dims> parse_dims(const py::handle& dim) {
  if (dim.is_none()) return std::nullopt;
  if (py::isinstance<py::int_>(dim)) return Dims{dim.cast<int64_t>()};
  AC_CHECK(py::isinstance<py::sequence>(dim) && !py::isinstance<py::str>(dim), TypeError,
           "dim must be None, an int, or a sequence of ints, got ", py::str(py::type::of(dim)).cast<std::string>());
  return to_dims(dim.cast<std::vector<int64_t>>());
}

const Dims* ptr(const std::optional<Dims>& dims) { return dims ? &*dims : nullptr; }

py::tuple values_indices(const std::pair<Tensor, Tensor>& result) {
  return py::make_tuple(result.first, result.second);
}

}  // namespace

void bind_reduce(py::module_& m) {
  m.def(
      "sum",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::sum(device_of(x), x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::mean(device_of(x), x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::var(device_of(x), x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::std(device_of(x), x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "amax",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::amax(device_of(x), x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def(
      "amin",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::amin(device_of(x), x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def(
      "max",
      [](const Tensor& x) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::max_all(device_of(x), x);
      },
      py::arg("input"));
  m.def(
      "max",
      [](const Tensor& x, int64_t dim, bool keepdim) {
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(x.numel());
          result = dispatch::max_dim(device_of(x), x, dim, keepdim);
        }
        return values_indices(result);
      },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def(
      "min",
      [](const Tensor& x) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::min_all(device_of(x), x);
      },
      py::arg("input"));
  m.def(
      "min",
      [](const Tensor& x, int64_t dim, bool keepdim) {
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(x.numel());
          result = dispatch::min_dim(device_of(x), x, dim, keepdim);
        }
        return values_indices(result);
      },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def(
      "argmax",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::argmax(device_of(x), x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "argmin",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::argmin(device_of(x), x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);

  m.def(
      "sum_to_shape",
      [](const Tensor& grad, const std::vector<int64_t>& shape) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::sum_to_shape(device_of(grad), grad, to_dims(shape));
      },
      py::arg("grad"), py::arg("shape"));
  m.def(
      "sum_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return dispatch::sum_backward(device_of(grad), grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return dispatch::mean_backward(device_of(grad), grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var_backward",
      [](const Tensor& grad, const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return dispatch::var_backward(device_of(grad, x), grad, x, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return dispatch::std_backward(device_of(grad, x, out), grad, x, out, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::kw_only(),
      py::arg("correction") = 1.0, py::arg("keepdim") = false);
  m.def(
      "amax_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return dispatch::amax_backward(device_of(grad, x, out), grad, x, out, ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "index_reduce_backward",
      [](const Tensor& grad, const Tensor& indices, int64_t dim, const std::vector<int64_t>& shape, bool keepdim) {
        return dispatch::index_reduce_backward(device_of(grad, indices), grad, indices, dim, to_dims(shape), keepdim);
      },
      py::arg("grad"), py::arg("indices"), py::arg("dim"), py::arg("input_shape"), py::arg("keepdim") = false);
}

}  // namespace autocore::bindings
