// Python entry points for reductions on CUDA: bindings/reduce.cpp's signatures, calling cuda/reduce.h.
#include "cuda/reduce.h"

#include "cuda/bindings/common.h"

namespace autocore::cuda::bindings {

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
        return cuda::sum(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::mean(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::var(x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::std(x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "amax",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::amax(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def(
      "amin",
      [](const Tensor& x, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::amin(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def("max", [](const Tensor& x) { return cuda::max_all(x); }, py::arg("input"));
  m.def(
      "max", [](const Tensor& x, int64_t dim, bool keepdim) { return values_indices(cuda::max_dim(x, dim, keepdim)); },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def("min", [](const Tensor& x) { return cuda::min_all(x); }, py::arg("input"));
  m.def(
      "min", [](const Tensor& x, int64_t dim, bool keepdim) { return values_indices(cuda::min_dim(x, dim, keepdim)); },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def(
      "argmax",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        return cuda::argmax(x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "argmin",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        return cuda::argmin(x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);

  m.def(
      "sum_to_shape",
      [](const Tensor& grad, const std::vector<int64_t>& shape) { return cuda::sum_to_shape(grad, to_dims(shape)); },
      py::arg("grad"), py::arg("shape"));
  m.def(
      "sum_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::sum_backward(grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::mean_backward(grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var_backward",
      [](const Tensor& grad, const Tensor& x, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::var_backward(grad, x, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, double correction, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::std_backward(grad, x, out, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::kw_only(),
      py::arg("correction") = 1.0, py::arg("keepdim") = false);
  m.def(
      "amax_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, bool keepdim) {
        auto dims = parse_dims(dim);
        return cuda::amax_backward(grad, x, out, ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "index_reduce_backward",
      [](const Tensor& grad, const Tensor& indices, int64_t dim, const std::vector<int64_t>& shape, bool keepdim) {
        return cuda::index_reduce_backward(grad, indices, dim, to_dims(shape), keepdim);
      },
      py::arg("grad"), py::arg("indices"), py::arg("dim"), py::arg("input_shape"), py::arg("keepdim") = false);
}

}  // namespace autocore::cuda::bindings
