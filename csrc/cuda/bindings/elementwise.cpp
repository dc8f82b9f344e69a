// The elementwise family's Python entry points on CUDA: the twins of csrc/bindings/elementwise.cpp.
#include <limits>
#include <optional>

#include "cuda/bindings/common.h"
#include "cuda/elementwise.h"

namespace autocore::cuda::bindings {

namespace {

const Tensor* optional_out(const std::optional<Tensor>& out) { return out ? &*out : nullptr; }

std::optional<Scalar> as_scalar(py::handle h) {
  py::detail::make_caster<Scalar> caster;
  if (!caster.load(h, true)) return std::nullopt;
  return py::detail::cast_op<Scalar>(caster);
}

[[noreturn]] void bad_operands(EwOp op, py::handle a, py::handle b) {
  fail<TypeError>(ew_op_name(op), "(): expected tensors or numbers, got ", py::str(py::type::of(a)).cast<std::string>(),
                  " and ", py::str(py::type::of(b)).cast<std::string>());
}

void def_binary(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op),
      [op](py::handle a, py::handle b, const std::optional<Tensor>& out) {
        const Tensor* out_ptr = optional_out(out);
        bool a_tensor = py::isinstance<Tensor>(a), b_tensor = py::isinstance<Tensor>(b);
        if (a_tensor && b_tensor) return binary(op, a.cast<const Tensor&>(), b.cast<const Tensor&>(), out_ptr);
        if (a_tensor) {
          std::optional<Scalar> y = as_scalar(b);
          if (!y) bad_operands(op, a, b);
          return binary(op, a.cast<const Tensor&>(), *y, out_ptr);
        }
        std::optional<Scalar> x = as_scalar(a);
        if (!b_tensor || !x) bad_operands(op, a, b);
        return binary(op, *x, b.cast<const Tensor&>(), out_ptr);
      },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
}

void def_unary(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op),
      [op](const Tensor& x, const std::optional<Tensor>& out) { return unary(op, x, {}, optional_out(out)); },
      py::arg("input"), py::kw_only(), py::arg("out") = py::none());
}

}  // namespace

void bind_elementwise(py::module_& m) {
  for (int i = 0; i < kNumEwOps; ++i) {  // core/elementwise_ops.def's ops, as the CPU module binds them
    const auto op = static_cast<EwOp>(i);
    switch (kEwKinds[i]) {
      case EwKind::UNARY:
        def_unary(m, op);
        break;
      case EwKind::BINARY:
      case EwKind::COMPARE:
        def_binary(m, op);
        break;
      case EwKind::GRAD:
        m.def(
            ew_op_name(op), [op](const Tensor& grad, const Tensor& saved) { return binary(op, grad, saved); },
            py::arg("grad"), py::arg("saved"));
        break;
      case EwKind::GRAD3:
        m.def(
            ew_op_name(op),
            [op](const Tensor& grad, const Tensor& a, const Tensor& b) { return ternary(op, grad, a, b); },
            py::arg("grad"), py::arg("input"), py::arg("other"));
        break;
      default:
        break;  // bound below, with their own arguments
    }
  }

  m.def(
      "leaky_relu",
      [](const Tensor& x, double slope, const std::optional<Tensor>& out) {
        return unary(EwOp::leaky_relu, x, OpParams{slope, 0}, optional_out(out));
      },
      py::arg("input"), py::arg("negative_slope") = 0.01, py::kw_only(), py::arg("out") = py::none());
  m.def(
      "leaky_relu_backward",
      [](const Tensor& grad, const Tensor& x, double slope) {
        return binary(EwOp::leaky_relu_backward, grad, x, nullptr, OpParams{slope, 0});
      },
      py::arg("grad"), py::arg("saved"), py::arg("negative_slope") = 0.01);
  m.def(
      "clamp",
      [](const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max, const std::optional<Tensor>& out) {
        return clamp(x, min ? &*min : nullptr, max ? &*max : nullptr, optional_out(out));
      },
      py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none(), py::kw_only(),
      py::arg("out") = py::none());
  m.def(
      "clamp_backward",
      [](const Tensor& grad, const Tensor& x, std::optional<double> min, std::optional<double> max) {
        OpParams params{min.value_or(-std::numeric_limits<double>::infinity()),
                        max.value_or(std::numeric_limits<double>::infinity())};
        return binary(EwOp::clamp_backward, grad, x, nullptr, params);
      },
      py::arg("grad"), py::arg("saved"), py::arg("min") = py::none(), py::arg("max") = py::none());
  m.def(
      "where", [](const Tensor& c, const Tensor& a, const Tensor& b) { return where(c, a, b); }, py::arg("condition"),
      py::arg("input"), py::arg("other"));
}

}  // namespace autocore::cuda::bindings
