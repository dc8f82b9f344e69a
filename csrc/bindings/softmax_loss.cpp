// Python entry points for softmax and the losses, with PyTorch's argument names and defaults. Forwards
// whose backward needs more than input and target return it alongside the loss.
#include "cpu/softmax_loss.h"

#include "bindings/def_kernel.h"

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
  const py::arg input("input"), target("target"), dim("dim"), grad_output("grad_output"), output("output");
  const py::arg_v weight = py::arg("weight") = py::none(), reduction = py::arg("reduction") = "mean";
  const py::arg_v ignore_index = py::arg("ignore_index") = -100, label_smoothing = py::arg("label_smoothing") = 0.0;
  def_kernel(m, "softmax", dispatch::softmax, input, dim);
  def_kernel(m, "log_softmax", dispatch::log_softmax, input, dim);
  def_kernel(m, "softmax_backward", dispatch::softmax_backward, grad_output, output, dim);
  def_kernel(m, "log_softmax_backward", dispatch::log_softmax_backward, grad_output, output, dim);
  // nll_loss -> (loss, total_weight), as PyTorch's nll_loss_forward.
  def_kernel(m, "nll_loss", dispatch::nll_loss, input, target, weight, reduction, ignore_index);
  def_kernel(m, "nll_loss_backward", dispatch::nll_loss_backward, grad_output, py::arg("input_shape"), target, weight,
             reduction, ignore_index, py::arg("total_weight"));
  // cross_entropy -> (loss, row_stats, total_weight); the last two feed cross_entropy_backward.
  def_kernel(m, "cross_entropy", dispatch::cross_entropy, input, target, weight, ignore_index, reduction,
             label_smoothing);
  def_kernel(m, "cross_entropy_backward", dispatch::cross_entropy_backward, grad_output, input, target,
             py::arg("row_stats"), py::arg("total_weight"), weight, ignore_index, reduction, label_smoothing);

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
