// Softmax and the losses for CUDA tensors: bindings/softmax_loss.cpp's signatures (names, order, defaults,
// keyword-only arguments), since _C forwards its calls here as they came. No _simd_* hooks: those test the CPU's math.
#include "cuda/softmax_loss.h"

#include "cuda/bindings/common.h"

namespace autocore::cuda::bindings {

namespace {

using autocore::bindings::ReleaseGilIfLarge;

const Tensor* ptr(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }

// mse_loss and l1_loss broadcast a target of another shape, warning as PyTorch does (and as _C does: it forwards
// before it would warn, so the warning is given once).
void warn_if_broadcast(const Tensor& input, const Tensor& target) {
  if (input.shape() == target.shape()) return;
  std::string message = "Using a target size (torch.Size(" + target.shape().str() +
                        ")) that is different to the input size (torch.Size(" + input.shape().str() +
                        ")). This will likely lead to incorrect results due to broadcasting. "
                        "Please ensure they have the same size.";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 2) != 0) throw py::error_already_set();
}

void def_pointwise(py::module_& m, const char* name, const char* backward_name, const char* target_backward_name,
                   PointwiseLoss kind) {
  const bool broadcasts = kind == PointwiseLoss::mse || kind == PointwiseLoss::l1;
  m.def(
      name,
      [kind, broadcasts](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                         std::optional<Tensor> pos_weight, const std::string& reduction) {
        Reduction r = parse_reduction(reduction);
        if (broadcasts) warn_if_broadcast(input, target);
        ReleaseGilIfLarge nogil(input.numel());
        return cuda::pointwise_loss(kind, input, target, ptr(weight), ptr(pos_weight), r);
      },
      py::arg("input"), py::arg("target"), py::kw_only(), py::arg("weight") = py::none(),
      py::arg("pos_weight") = py::none(), py::arg("reduction") = "mean");
  for (bool wrt_target : {false, true}) {
    m.def(
        wrt_target ? target_backward_name : backward_name,
        [kind, wrt_target](const Tensor& grad, const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                           std::optional<Tensor> pos_weight, const std::string& reduction) {
          Reduction r = parse_reduction(reduction);
          ReleaseGilIfLarge nogil(input.numel());
          return cuda::pointwise_loss_backward(kind, grad, input, target, ptr(weight), ptr(pos_weight), r, wrt_target);
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
        return cuda::softmax(x, dim);
      },
      py::arg("input"), py::arg("dim"));
  m.def(
      "log_softmax",
      [](const Tensor& x, int64_t dim) {
        ReleaseGilIfLarge nogil(x.numel());
        return cuda::log_softmax(x, dim);
      },
      py::arg("input"), py::arg("dim"));
  m.def(
      "softmax_backward",
      [](const Tensor& grad, const Tensor& out, int64_t dim) {
        ReleaseGilIfLarge nogil(out.numel());
        return cuda::softmax_backward(grad, out, dim);
      },
      py::arg("grad_output"), py::arg("output"), py::arg("dim"));
  m.def(
      "log_softmax_backward",
      [](const Tensor& grad, const Tensor& out, int64_t dim) {
        ReleaseGilIfLarge nogil(out.numel());
        return cuda::log_softmax_backward(grad, out, dim);
      },
      py::arg("grad_output"), py::arg("output"), py::arg("dim"));

  // nll_loss -> (loss, total_weight), as PyTorch's nll_loss_forward.
  m.def(
      "nll_loss",
      [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight, const std::string& reduction,
         int64_t ignore_index) {
        Reduction r = parse_reduction(reduction);
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(input.numel());
          result = cuda::nll_loss(input, target, ptr(weight), r, ignore_index);
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
        return cuda::nll_loss_backward(grad, shape, target, ptr(weight), r, ignore_index, total_weight);
      },
      py::arg("grad_output"), py::arg("input_shape"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("reduction") = "mean", py::arg("ignore_index") = -100, py::arg("total_weight"));

  // cross_entropy -> (loss, row_stats, total_weight); the last two feed cross_entropy_backward.
  m.def(
      "cross_entropy",
      [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight, int64_t ignore_index,
         const std::string& reduction, double label_smoothing) {
        Reduction r = parse_reduction(reduction);
        CrossEntropyResult result;
        {
          ReleaseGilIfLarge nogil(input.numel());
          result = cuda::cross_entropy(input, target, ptr(weight), r, ignore_index, label_smoothing);
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
        return cuda::cross_entropy_backward(grad, input, target, row_stats, total_weight, ptr(weight), r, ignore_index,
                                            label_smoothing);
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
}

}  // namespace autocore::cuda::bindings
