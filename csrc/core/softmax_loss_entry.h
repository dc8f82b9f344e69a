// Softmax and the losses, written once over a device backend: PyTorch's checks (core/loss_rules.h) and the contiguous
// operands every device computes from. Each function is named after its kernel (core/kernels/softmax_loss.def).
// cpu/softmax_loss.cpp and cuda/softmax_loss.cu each define a Backend, derived from its device's kernels (CpuKernels,
// CudaKernels: Backend::contiguous, ...), that computes on checked operands:
//   static void check_device(const Tensor& t, const char* op);  // t lives on this backend's device (made current)
//   static void softmax_into(const Tensor& x, const Tensor& out, const ReduceShape& s, bool log);
//   static void softmax_backward_into(const Tensor& grad, const Tensor& out, const Tensor& grad_input,
//                                     const ReduceShape& s, bool log);  // contiguous [outer, r, inner], along r
//   static void check_targets(const Tensor& target, int64_t classes, int64_t ignore_index);  // IndexError
//   static void check_unit_interval(const PointwiseLossOperands& o);  // binary_cross_entropy's input and target
//   static std::pair<Tensor, Tensor> nll_loss_of(const ClassLossOperands& o, Reduction reduction, int64_t
//   ignore_index); static void nll_loss_backward_into(const ClassLossOperands& o, int64_t grad_stride, Reduction
//   reduction,
//                                      int64_t ignore_index, const Tensor& total_weight, const Tensor& grad_input);
//   static CrossEntropyResult cross_entropy_of(const CrossEntropyOperands& o, Reduction reduction,
//                                              int64_t ignore_index, double label_smoothing);
//   static void cross_entropy_backward_into(const CrossEntropyOperands& o, const Tensor& grad, int64_t grad_stride,
//                                           const Tensor& row_stats, const Tensor& total_weight, Reduction reduction,
//                                           int64_t ignore_index, double label_smoothing, const Tensor& rows_grad);
//   static Tensor pointwise_loss_of(const PointwiseLossOperands& o, Reduction reduction);
//   static void pointwise_loss_backward_into(const PointwiseLossOperands& o, const Tensor& grad, int64_t grad_stride,
//                                            Reduction reduction, bool wrt_target, const Tensor& grad_input);
// grad_stride: 1 for a grad of the unreduced loss's shape, 0 for a single number (core/loss_rules.h).
#pragma once
#include <limits>
#include <utility>

#include "core/loss_rules.h"
#include "core/reduce_plan.h"
#include "core/scalar.h"

namespace autocore {

// A class-index loss's operands: values [batch, classes, inner] (nll_loss's input, or its backward's grad), target
// (batch * inner indices, each ignore_index or a class), weight (one per class, or undefined), n = batch * inner.
struct ClassLossOperands {
  ClassLayout layout;
  Tensor values, target, weight;
  int64_t n;
};

// cross_entropy's: rows [n, classes] of logits, and target class indices (n) or probabilities (shaped as rows).
struct CrossEntropyOperands {
  ClassLayout layout;
  bool probs;
  Tensor rows, target, weight;
  int64_t n;
};

// A pointwise loss's: input, target, weight and pos_weight (the last two may be undefined), all of `shape` in `dtype`.
// mean_weight: for weighted mse and l1, the weight as given, whose sum divides the mean (undefined otherwise).
struct PointwiseLossOperands {
  PointwiseLoss kind;
  DType dtype;
  Dims shape;
  Tensor input, target, weight, pos_weight, mean_weight;
};

// The [outer, r, inner] view of a contiguous tensor, r along dim d.
inline ReduceShape softmax_shape(const Dims& shape, int d) {
  int64_t outer = 1, r = 1, inner = 1;
  for (int i = 0; i < shape.size(); ++i) (i < d ? outer : i == d ? r : inner) *= shape[i];
  return {outer, r, inner, r * inner, inner, r * inner};
}

template <class Backend>
struct SoftmaxLossEntry {
  static Tensor softmax(const Tensor& x, int64_t dim) { return softmax_forward(x, dim, false); }
  static Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_forward(x, dim, true); }
  static Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim) {
    return softmax_gradient(grad, out, dim, false);
  }
  static Tensor log_softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim) {
    return softmax_gradient(grad, out, dim, true);
  }

  static std::pair<Tensor, Tensor> nll_loss(const Tensor& input, const Tensor& target, const Tensor* weight,
                                            Reduction reduction, int64_t ignore_index) {
    check_devices(input, target, "nll_loss");
    const ClassLayout layout = nll_layout(input.shape(), input, target, weight, "nll_loss_out_frame");
    return Backend::nll_loss_of(class_operands(layout, input, target, weight, ignore_index), reduction, ignore_index);
  }

  static Tensor nll_loss_backward(const Tensor& grad, const Dims& input_shape, const Tensor& target,
                                  const Tensor* weight, Reduction reduction, int64_t ignore_index,
                                  const Tensor& total_weight) {
    const char* op = "nll_loss_backward";
    check_devices(grad, target, op);
    const ClassLayout layout = nll_layout(input_shape, grad, target, weight, "nll_loss_backward_out_frame");
    const int64_t stride = grad_stride(grad, layout.target_shape, reduction, op);
    const ClassLossOperands o = class_operands(layout, grad, target, weight, ignore_index);
    Tensor result = Tensor::empty(input_shape, grad.dtype(), grad.device());
    Backend::nll_loss_backward_into(o, stride, reduction, ignore_index, total_weight, result);
    return result;
  }

  static CrossEntropyResult cross_entropy(const Tensor& input, const Tensor& target, const Tensor* weight,
                                          int64_t ignore_index, Reduction reduction, double label_smoothing) {
    const CrossEntropyOperands o =
        cross_entropy_operands(input, target, weight, ignore_index, label_smoothing, "cross_entropy");
    CrossEntropyResult result = Backend::cross_entropy_of(o, reduction, ignore_index, label_smoothing);
    if (reduction == Reduction::sum && smoothing_over_no_classes(o.layout, o.probs, label_smoothing))
      Backend::fill_(result.loss, Scalar::from_float(std::numeric_limits<double>::quiet_NaN()));
    return result;
  }

  static Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                       const Tensor& row_stats, const Tensor& total_weight, const Tensor* weight,
                                       int64_t ignore_index, Reduction reduction, double label_smoothing) {
    const char* op = "cross_entropy_backward";
    const CrossEntropyOperands o = cross_entropy_operands(input, target, weight, ignore_index, label_smoothing, op);
    check_same_device(input, grad, op);
    check_loss_dtype(grad, input.dtype());
    check_same_device(input, row_stats, op);
    check_row_stats(row_stats, o.layout, op);
    const int64_t stride = grad_stride(grad, o.layout.target_shape, reduction, op);
    const int64_t C = o.layout.classes;
    Tensor rows_grad = Tensor::empty(Dims{o.n, C}, input.dtype(), input.device());
    Backend::cross_entropy_backward_into(o, Backend::contiguous(grad), stride, Backend::contiguous(row_stats),
                                         total_weight, reduction, ignore_index, label_smoothing, rows_grad);
    if (o.layout.inner == 1) return rows_grad.view(input.shape());
    Tensor grouped = rows_grad.view(Dims{o.layout.batch, o.layout.inner, C}).permute(Dims{0, 2, 1});
    return Backend::contiguous(grouped).view(input.shape());
  }

  static Tensor pointwise_loss(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                               const Tensor* pos_weight, Reduction reduction) {
    return Backend::pointwise_loss_of(pointwise_operands(kind, input, target, weight, pos_weight), reduction);
  }

  static Tensor pointwise_loss_backward(PointwiseLoss kind, const Tensor& grad, const Tensor& input,
                                        const Tensor& target, const Tensor* weight, const Tensor* pos_weight,
                                        Reduction reduction, bool wrt_target) {
    const PointwiseLossOperands o = pointwise_operands(kind, input, target, weight, pos_weight);
    check_same_device(input, grad, "loss backward");
    check_loss_dtype(grad, o.dtype);
    const int64_t stride = grad_stride(grad, o.shape, reduction, pointwise_loss_name(kind));
    Tensor result = Tensor::empty(o.shape, o.dtype, input.device());
    Backend::pointwise_loss_backward_into(o, Backend::contiguous(grad), stride, reduction, wrt_target, result);
    return result;
  }

  // ---- shared by the entry points ----

  static void check_devices(const Tensor& t, const Tensor& other, const char* op) {
    Backend::check_device(t, op);
    check_same_device(t, other, op);
  }

  static Tensor softmax_forward(const Tensor& x, int64_t dim, bool log) {
    const char* op = log ? "log_softmax" : "softmax";
    Backend::check_device(x, op);
    const int d = wrap_dim(dim, x.dim());
    const bool last = d >= x.dim() - 1;
    check_loss_floating(x, log ? (last ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
                               : (last ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl"));
    Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
    if (x.numel() > 0) Backend::softmax_into(Backend::contiguous(x), out, softmax_shape(x.shape(), d), log);
    return out;
  }

  static Tensor softmax_gradient(const Tensor& grad, const Tensor& out, int64_t dim, bool log) {
    const char* op = log ? "log_softmax_backward" : "softmax_backward";
    check_devices(grad, out, op);
    AC_CHECK(grad.shape() == out.shape(), RuntimeError, op, ": grad of shape ", grad.shape().str(),
             " does not match output of shape ", out.shape().str());
    check_loss_floating(out, op);
    check_loss_dtype(grad, out.dtype());
    const int d = wrap_dim(dim, out.dim());
    Tensor result = Tensor::empty(out.shape(), out.dtype(), out.device());
    if (out.numel() > 0)
      Backend::softmax_backward_into(Backend::contiguous(grad), Backend::contiguous(out), result,
                                     softmax_shape(out.shape(), d), log);
    return result;
  }

  static ClassLossOperands class_operands(const ClassLayout& layout, const Tensor& values, const Tensor& target,
                                          const Tensor* weight, int64_t ignore_index) {
    ClassLossOperands o{layout, Backend::contiguous(values), Backend::contiguous(target),
                        weight ? Backend::contiguous(*weight) : Tensor(), layout.batch * layout.inner};
    Backend::check_targets(o.target, layout.classes, ignore_index);
    return o;
  }

  // [N, C, inner] -> [N * inner, C] rows of contiguous logits (a copy only when inner > 1).
  static Tensor class_rows(const Tensor& input, const ClassLayout& layout) {
    if (layout.inner == 1) return Backend::contiguous(input);
    Tensor grouped = Backend::reshape(input, Dims{layout.batch, layout.classes, layout.inner});
    return Backend::contiguous(grouped.permute(Dims{0, 2, 1}));
  }

  static CrossEntropyOperands cross_entropy_operands(const Tensor& input, const Tensor& target, const Tensor* weight,
                                                     int64_t ignore_index, double label_smoothing, const char* op) {
    check_devices(input, target, op);
    const CrossEntropyLayout checked = cross_entropy_layout(input, target, weight, ignore_index, label_smoothing);
    CrossEntropyOperands o;
    o.layout = checked.layout;
    o.probs = checked.probs;
    o.rows = class_rows(input, o.layout);
    o.target = o.probs ? class_rows(target, o.layout) : Backend::contiguous(target);
    o.n = o.layout.batch * o.layout.inner;
    if (!o.probs) Backend::check_targets(o.target, o.layout.classes, ignore_index);
    if (weight) o.weight = Backend::contiguous(*weight);
    return o;
  }

  static Tensor expanded(const Tensor& t, const Dims& shape) { return Backend::contiguous(t.expand(shape)); }

  static PointwiseLossOperands pointwise_operands(PointwiseLoss kind, const Tensor& input, const Tensor& target,
                                                  const Tensor* weight, const Tensor* pos_weight) {
    check_devices(input, target, pointwise_loss_name(kind));
    const PointwiseShape checked = pointwise_shape(kind, input, target, weight, pos_weight);
    PointwiseLossOperands o;
    o.kind = kind;
    o.dtype = checked.dtype;
    o.shape = checked.shape;
    o.input = expanded(Backend::to_dtype(input, o.dtype), o.shape);
    o.target = expanded(Backend::to_dtype(target, o.dtype), o.shape);
    if (weight) o.weight = expanded(*weight, o.shape);
    if (pos_weight) o.pos_weight = expanded(*pos_weight, o.shape);
    if (weight && checked.promotes) o.mean_weight = *weight;
    if (kind == PointwiseLoss::bce) Backend::check_unit_interval(o);
    return o;
  }
};

}  // namespace autocore
