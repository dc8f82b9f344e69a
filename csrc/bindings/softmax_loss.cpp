// Python entry points for softmax and the losses, with PyTorch's argument names and defaults. Forwards
// whose backward needs more than input and target return it alongside the loss.
#include "cpu/softmax_loss.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {

const Tensor* ptr(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }

// mse_loss and l1_loss broadcast a target of another shape, warning as PyTorch does.
void warn_if_broadcast(const Tensor& input, const Tensor& target, const char* op) {
  if (input.shape() == target.shape()) return;
  std::string message = "Using a target size (torch.Size(" + target.shape().str() +
                        ")) that is different to the input size (torch.Size(" + input.shape().str() +
                        ")). This will likely lead to incorrect results due to broadcasting. "
                        "Please ensure they have the same size.";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 2) != 0) throw py::error_already_set();
}

// <loss>(input, target, ...), <loss>_backward(grad_output, input, target, ...) for the input's gradient,
// <loss>_target_backward(...) for the target's.
void def_pointwise(py::module_& m, const char* name, const char* backward_name, const char* target_backward_name,
                   PointwiseLoss kind) {
  const bool broadcasts = kind == PointwiseLoss::mse || kind == PointwiseLoss::l1;
  m.def(
      name,
      [kind, broadcasts, name](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                               std::optional<Tensor> pos_weight, const std::string& reduction) {
        Reduction r = parse_reduction(reduction);
        if (broadcasts) warn_if_broadcast(input, target, name);
        ReleaseGilIfLarge nogil(input.numel());
        return dispatch::pointwise_loss(device_of(input, target), kind, input, target, ptr(weight), ptr(pos_weight), r);
      },
      py::arg("input"), py::arg("target"), py::kw_only(), py::arg("weight") = py::none(),
      py::arg("pos_weight") = py::none(), py::arg("reduction") = "mean");
  for (bool wrt_target : {false, true}) {
    const char* function_name = wrt_target ? target_backward_name : backward_name;
    m.def(
        function_name,
        [kind, wrt_target, function_name](const Tensor& grad, const Tensor& input, const Tensor& target,
                                          std::optional<Tensor> weight, std::optional<Tensor> pos_weight,
                                          const std::string& reduction) {
          Reduction r = parse_reduction(reduction);
          ReleaseGilIfLarge nogil(input.numel());
          return dispatch::pointwise_loss_backward(device_of(grad, input, target), kind, grad, input, target,
                                                   ptr(weight), ptr(pos_weight), r, wrt_target);
        },
        py::arg("grad_output"), py::arg("input"), py::arg("target"), py::kw_only(), py::arg("weight") = py::none(),
        py::arg("pos_weight") = py::none(), py::arg("reduction") = "mean");
  }
}

}  // namespace

void bind_softmax_loss(py::module_& m) {
  m.def(
      "softmax",
      [](const Tensor& x, int64_t dim) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::softmax(device_of(x), x, dim);
      },
      py::arg("input"), py::arg("dim"));
  m.def(
      "log_softmax",
      [](const Tensor& x, int64_t dim) {
        ReleaseGilIfLarge nogil(x.numel());
        return dispatch::log_softmax(device_of(x), x, dim);
      },
      py::arg("input"), py::arg("dim"));
  m.def(
      "softmax_backward",
      [](const Tensor& grad, const Tensor& out, int64_t dim) {
        ReleaseGilIfLarge nogil(out.numel());
        return dispatch::softmax_backward(device_of(grad, out), grad, out, dim);
      },
      py::arg("grad_output"), py::arg("output"), py::arg("dim"));
  m.def(
      "log_softmax_backward",
      [](const Tensor& grad, const Tensor& out, int64_t dim) {
        ReleaseGilIfLarge nogil(out.numel());
        return dispatch::log_softmax_backward(device_of(grad, out), grad, out, dim);
      },
      py::arg("grad_output"), py::arg("output"), py::arg("dim"));

  // nll_loss -> (loss, total_weight), as PyTorch's nll_loss_forward.
  m.def(
      "nll_loss",
      [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight, const std::string& reduction,
         int64_t ignore_index) -> py::object {
        Reduction r = parse_reduction(reduction);
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(input.numel());
          result = dispatch::nll_loss(device_of(input, target), input, target, ptr(weight), r, ignore_index);
        }
        return py::make_tuple(result.first, result.second);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
      py::arg("ignore_index") = -100);
  m.def(
      "nll_loss_backward",
      [](const Tensor& grad, const std::vector<int64_t>& input_shape, const Tensor& target,
         std::optional<Tensor> weight, const std::string& reduction, int64_t ignore_index, const Tensor& total_weight) {
        Reduction r = parse_reduction(reduction);
        Dims shape = to_dims(input_shape);
        ReleaseGilIfLarge nogil(product(shape));
        return dispatch::nll_loss_backward(device_of(grad, target), grad, shape, target, ptr(weight), r, ignore_index,
                                           total_weight);
      },
      py::arg("grad_output"), py::arg("input_shape"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean", py::arg("ignore_index") = -100, py::arg("total_weight"));

  // cross_entropy -> (loss, row_stats, total_weight); the last two feed cross_entropy_backward.
  m.def(
      "cross_entropy",
      [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight, int64_t ignore_index,
         const std::string& reduction, double label_smoothing) -> py::object {
        Reduction r = parse_reduction(reduction);
        CrossEntropyResult result;
        {
          ReleaseGilIfLarge nogil(input.numel());
          result = dispatch::cross_entropy(device_of(input, target), input, target, ptr(weight), r, ignore_index,
                                           label_smoothing);
        }
        return py::make_tuple(result.loss, result.row_stats, result.total_weight);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
      py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);
  m.def(
      "cross_entropy_backward",
      [](const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& row_stats,
         const Tensor& total_weight, std::optional<Tensor> weight, int64_t ignore_index, const std::string& reduction,
         double label_smoothing) {
        Reduction r = parse_reduction(reduction);
        ReleaseGilIfLarge nogil(input.numel());
        return dispatch::cross_entropy_backward(device_of(grad, input, target), grad, input, target, row_stats,
                                                total_weight, ptr(weight), r, ignore_index, label_smoothing);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("target"), py::arg("row_stats"), py::arg("total_weight"),
      py::arg("weight") = py::none(), py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
      py::arg("label_smoothing") = 0.0);

  def_pointwise(m, "mse_loss", "mse_loss_backward", "mse_loss_target_backward", PointwiseLoss::mse);
  def_pointwise(m, "l1_loss", "l1_loss_backward", "l1_loss_target_backward", PointwiseLoss::l1);
  def_pointwise(m, "binary_cross_entropy", "binary_cross_entropy_backward", "binary_cross_entropy_target_backward",
                PointwiseLoss::bce);
  def_pointwise(m, "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_backward",
                "binary_cross_entropy_with_logits_target_backward", PointwiseLoss::bce_with_logits);

  // simd_math.h over a tensor: for the accuracy tests, not part of the public API.
  m.def("_simd_exp", [](const Tensor& x) { return cpu::simd_math(cpu::MathFn::exp, x); }, py::arg("input"));
  m.def("_simd_log", [](const Tensor& x) { return cpu::simd_math(cpu::MathFn::log, x); }, py::arg("input"));
  m.def("_simd_log1p", [](const Tensor& x) { return cpu::simd_math(cpu::MathFn::log1p, x); }, py::arg("input"));
}

}  // namespace autocore::bindings
