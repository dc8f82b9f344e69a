// Python entry points for the elementwise family, on every device: one function per op of core/elementwise_ops.def,
// tensors or numbers as operands; the ops with extra arguments (leaky_relu, clamp and their backward rules, where) by
// hand.
#include "bindings/common.h"

namespace autocore::bindings {

namespace {

const Tensor* optional_out(const std::optional<Tensor>& out) { return out ? &*out : nullptr; }

// One overload taking either operand as a tensor or a number: pybind11's failed-overload path costs
// ~0.4 us per call, as much as the rest of a small op.
std::optional<Scalar> as_scalar(py::handle h) {
  py::detail::make_caster<Scalar> caster;
  if (!caster.load(h, true)) return std::nullopt;
  return py::detail::cast_op<Scalar>(caster);
}

[[noreturn]] void bad_operands(EwOp op, py::handle a, py::handle b) {
  fail<TypeError>(ew_op_name(op), "(): expected tensors or numbers, got ", py::str(py::type::of(a)).cast<std::string>(),
                  " and ", py::str(py::type::of(b)).cast<std::string>());
}

Tensor binary(EwOp op, py::handle a, py::handle b, const Tensor* out) {
  const Tensor *x = tensor_in(a), *y = tensor_in(b);
  if (x && y) {
    ReleaseGilIfLarge nogil(std::max(x->numel(), y->numel()));
    return dispatch::binary(device_of(*x, *y, out), op, *x, *y, out, OpParams{});
  }
  if (x) {
    std::optional<Scalar> s = as_scalar(b);
    if (!s) bad_operands(op, a, b);
    ReleaseGilIfLarge nogil(x->numel());
    return dispatch::binary_tensor_scalar(device_of(*x, out), op, *x, *s, out);
  }
  std::optional<Scalar> s = as_scalar(a);
  if (!y || !s) bad_operands(op, a, b);
  ReleaseGilIfLarge nogil(y->numel());
  return dispatch::binary_scalar_tensor(device_of(*y, out), op, *s, *y, out);
}

// Two overloads, without and with out=: pybind11 fills a missing default argument on every call, which costs a
// small op ~40 ns; a call with out= fails the first overload on its argument count, before converting anything.
void def_binary(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op), [op](py::handle a, py::handle b) { return binary(op, a, b, nullptr); }, py::arg("input"),
      py::arg("other"));
  m.def(
      ew_op_name(op), [op](py::handle a, py::handle b, const Tensor& out) { return binary(op, a, b, &out); },
      py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out"));
}

void def_unary(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op),
      [op](const Tensor& x) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::unary(device_of(x), op, x, OpParams{}, nullptr);
      },
      py::arg("input"));
  m.def(
      ew_op_name(op),
      [op](const Tensor& x, const Tensor& out) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::unary(device_of(x, &out), op, x, OpParams{}, &out);
      },
      py::arg("input"), py::kw_only(), py::arg("out"));
}

void def_backward(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op),
      [op](const Tensor& grad, const Tensor& saved) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::binary(device_of(grad, saved), op, grad, saved, nullptr, OpParams{});
      },
      py::arg("grad"), py::arg("saved"));
}

void def_ternary(py::module_& m, EwOp op) {
  m.def(
      ew_op_name(op),
      [op](const Tensor& grad, const Tensor& a, const Tensor& b) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::ternary(device_of(grad, a, b), op, grad, a, b);
      },
      py::arg("grad"), py::arg("input"), py::arg("other"));
}

}  // namespace

void bind_elementwise(py::module_& m) {
  for (int i = 0; i < kNumEwOps; ++i) {
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
        def_backward(m, op);
        break;
      case EwKind::GRAD3:
        def_ternary(m, op);
        break;
      default:
        break;  // bound below, with their own arguments
    }
  }

  m.def(
      "leaky_relu",
      [](const Tensor& x, double slope, const std::optional<Tensor>& out) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::unary(device_of(x, optional_out(out)), EwOp::leaky_relu, x, OpParams{slope, 0},
                               optional_out(out));
      },
      py::arg("input"), py::arg("negative_slope") = 0.01, py::kw_only(), py::arg("out") = py::none());
  m.def(
      "leaky_relu_backward",
      [](const Tensor& grad, const Tensor& x, double slope) {
        ReleaseGilIfLarge nogil(grad.numel());
        return dispatch::binary(device_of(grad, x), EwOp::leaky_relu_backward, grad, x, nullptr, OpParams{slope, 0});
      },
      py::arg("grad"), py::arg("saved"), py::arg("negative_slope") = 0.01);
  m.def(
      "clamp",
      [](const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max, const std::optional<Tensor>& out) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::clamp(device_of(x, optional_out(out)), x, min ? &*min : nullptr, max ? &*max : nullptr,
                               optional_out(out));
      },
      py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none(), py::kw_only(),
      py::arg("out") = py::none());
  m.def(
      "clamp_backward",
      [](const Tensor& grad, const Tensor& x, std::optional<double> min, std::optional<double> max) {
        ReleaseGilIfLarge nogil(grad.numel());
        OpParams params{min.value_or(-std::numeric_limits<double>::infinity()),
                        max.value_or(std::numeric_limits<double>::infinity())};
        return dispatch::binary(device_of(grad, x), EwOp::clamp_backward, grad, x, nullptr, params);
      },
      py::arg("grad"), py::arg("saved"), py::arg("min") = py::none(), py::arg("max") = py::none());
  m.def(
      "where",
      [](const Tensor& c, const Tensor& a, const Tensor& b) {
        ReleaseGilIfLarge nogil(c.numel());
        return dispatch::where(device_of(c, a, b), c, a, b);
      },
      py::arg("condition"), py::arg("input"), py::arg("other"));
}

}  // namespace autocore::bindings
