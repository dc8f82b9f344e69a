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
        if (on_device(x)) return call_on_device("sum", x, x, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::sum(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean",
      [](const Tensor& x, py::object dim, bool keepdim) {
        if (on_device(x)) return call_on_device("mean", x, x, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::mean(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        if (on_device(x))
          return call_on_device("var", x, x, dim, py::arg("correction") = correction, py::arg("keepdim") = keepdim)
              .cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::var(x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std",
      [](const Tensor& x, py::object dim, double correction, bool keepdim) {
        if (on_device(x))
          return call_on_device("std", x, x, dim, py::arg("correction") = correction, py::arg("keepdim") = keepdim)
              .cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::std(x, ptr(dims), correction, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "amax",
      [](const Tensor& x, py::object dim, bool keepdim) {
        if (on_device(x)) return call_on_device("amax", x, x, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::amax(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def(
      "amin",
      [](const Tensor& x, py::object dim, bool keepdim) {
        if (on_device(x)) return call_on_device("amin", x, x, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::amin(x, ptr(dims), keepdim);
      },
      py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  m.def(
      "max",
      [](const Tensor& x) {
        if (on_device(x)) return call_on_device("max", x, x).cast<Tensor>();
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::max_all(x);
      },
      py::arg("input"));
  m.def(
      "max",
      [](const Tensor& x, int64_t dim, bool keepdim) {
        if (on_device(x)) return call_on_device("max", x, x, dim, keepdim).cast<py::tuple>();
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(x.numel());
          result = cpu::max_dim(x, dim, keepdim);
        }
        return values_indices(result);
      },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def(
      "min",
      [](const Tensor& x) {
        if (on_device(x)) return call_on_device("min", x, x).cast<Tensor>();
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::min_all(x);
      },
      py::arg("input"));
  m.def(
      "min",
      [](const Tensor& x, int64_t dim, bool keepdim) {
        if (on_device(x)) return call_on_device("min", x, x, dim, keepdim).cast<py::tuple>();
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(x.numel());
          result = cpu::min_dim(x, dim, keepdim);
        }
        return values_indices(result);
      },
      py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def(
      "argmax",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        if (on_device(x)) return call_on_device("argmax", x, x, dim, keepdim).cast<Tensor>();
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::argmax(x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "argmin",
      [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
        if (on_device(x)) return call_on_device("argmin", x, x, dim, keepdim).cast<Tensor>();
        ReleaseGilIfLarge nogil(x.numel());
        return cpu::argmin(x, dim ? &*dim : nullptr, keepdim);
      },
      py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);

  m.def(
      "sum_to_shape",
      [](const Tensor& grad, const std::vector<int64_t>& shape) {
        if (on_device(grad)) return call_on_device("sum_to_shape", grad, grad, shape).cast<Tensor>();
        ReleaseGilIfLarge nogil(grad.numel());
        return cpu::sum_to_shape(grad, to_dims(shape));
      },
      py::arg("grad"), py::arg("shape"));
  m.def(
      "sum_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        if (on_device(grad)) return call_on_device("sum_backward", grad, grad, shape, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        return cpu::sum_backward(grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "mean_backward",
      [](const Tensor& grad, const std::vector<int64_t>& shape, py::object dim, bool keepdim) {
        if (on_device(grad)) return call_on_device("mean_backward", grad, grad, shape, dim, keepdim).cast<Tensor>();
        auto dims = parse_dims(dim);
        return cpu::mean_backward(grad, to_dims(shape), ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input_shape"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "var_backward",
      [](const Tensor& grad, const Tensor& x, py::object dim, double correction, bool keepdim) {
        if (on_device(grad) || on_device(x)) {
          const Tensor& t = on_device(grad) ? grad : x;
          return call_on_device("var_backward", t, grad, x, dim, py::arg("correction") = correction,
                                py::arg("keepdim") = keepdim)
              .cast<Tensor>();
        }
        auto dims = parse_dims(dim);
        return cpu::var_backward(grad, x, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = 1.0,
      py::arg("keepdim") = false);
  m.def(
      "std_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, double correction, bool keepdim) {
        if (on_device(grad) || on_device(x) || on_device(out)) {
          const Tensor& t = on_device(grad) ? grad : on_device(x) ? x : out;
          return call_on_device("std_backward", t, grad, x, out, dim, py::arg("correction") = correction,
                                py::arg("keepdim") = keepdim)
              .cast<Tensor>();
        }
        auto dims = parse_dims(dim);
        return cpu::std_backward(grad, x, out, ptr(dims), correction, keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::kw_only(),
      py::arg("correction") = 1.0, py::arg("keepdim") = false);
  m.def(
      "amax_backward",
      [](const Tensor& grad, const Tensor& x, const Tensor& out, py::object dim, bool keepdim) {
        if (on_device(grad) || on_device(x) || on_device(out)) {
          const Tensor& t = on_device(grad) ? grad : on_device(x) ? x : out;
          return call_on_device("amax_backward", t, grad, x, out, dim, keepdim).cast<Tensor>();
        }
        auto dims = parse_dims(dim);
        return cpu::amax_backward(grad, x, out, ptr(dims), keepdim);
      },
      py::arg("grad"), py::arg("input"), py::arg("result"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  m.def(
      "index_reduce_backward",
      [](const Tensor& grad, const Tensor& indices, int64_t dim, const std::vector<int64_t>& shape, bool keepdim) {
        if (on_device(grad) || on_device(indices)) {
          const Tensor& t = on_device(grad) ? grad : indices;
          return call_on_device("index_reduce_backward", t, grad, indices, dim, shape, keepdim).cast<Tensor>();
        }
        return cpu::index_reduce_backward(grad, indices, dim, to_dims(shape), keepdim);
      },
      py::arg("grad"), py::arg("indices"), py::arg("dim"), py::arg("input_shape"), py::arg("keepdim") = false);
}

}  // namespace autocore::bindings
