// The device-independent rules of the losses (see the header).
#include "core/loss_rules.h"

namespace autocore {

Reduction parse_reduction(const std::string& name) {
  if (name == "none") return Reduction::none;
  if (name == "mean") return Reduction::mean;
  if (name == "sum") return Reduction::sum;
  fail<ValueError>("'", name, "' is not a valid value for reduction");
}

const char* pointwise_loss_name(PointwiseLoss kind) {
  static constexpr const char* kNames[] = {"mse_loss", "l1_loss", "binary_cross_entropy",
                                           "binary_cross_entropy_with_logits"};  // in PointwiseLoss's order
  return kNames[int(kind)];
}

std::string torch_size(const Dims& shape) { return "torch.Size(" + shape.str() + ")"; }

void check_loss_floating(const Tensor& x, const char* kernel_name) {
  AC_CHECK(is_floating(x.dtype()), NotImplementedError, "\"", kernel_name, "\" not implemented for '",
           scalar_type_name(x.dtype()), "'");
}

void check_loss_dtype(const Tensor& t, DType expected) {
  AC_CHECK(t.dtype() == expected, RuntimeError, "expected scalar type ", scalar_type_name(expected), " but found ",
           scalar_type_name(t.dtype()));
}

ClassLayout class_layout(const Dims& input, const Tensor& target) {
  AC_CHECK(input.size() >= 1, ValueError, "Expected 1 or more dimensions (got ", input.size(), ")");
  ClassLayout layout;
  if (input.size() == 1) {
    layout.classes = input[0];
    AC_CHECK(target.dim() <= 1, RuntimeError, "0D or 1D target tensor expected, multi-target not supported");
    check_class_target_dtype(target);
    // A 1-D target of one class is a batch of one, and the loss stays 0-d.
    AC_CHECK(target.dim() == 0 || target.shape()[0] == 1, ValueError,
             "For 1D input, 1D target must have size 1, but got target size: ", target.shape()[0]);
    return layout;
  }
  // A 0-d target for a batch counts as a batch of 0, as PyTorch words it.
  const int64_t target_batch = target.dim() == 0 ? 0 : target.shape()[0];
  AC_CHECK(input[0] == target_batch, ValueError, "Expected input batch_size (", input[0],
           ") to match target batch_size (", target_batch, ").");
  if (target.dim() == 0) {  // (an empty batch, to have passed:) PyTorch's 2-D nll reads the target's size(0)
    if (input.size() == 2) check_class_target_dtype(target);  // after its dtype
    AC_CHECK(input.size() != 2, IndexError, "Dimension specified as 0 but tensor has no dimensions");
    fail<RuntimeError>("0D or 1D target tensor expected, multi-target not supported");
  }
  AC_CHECK(input[0] == target.shape()[0], ValueError, "Expected input batch_size (", input[0],
           ") to match target batch_size (", target.shape()[0], ").");
  layout.batch = input[0];
  layout.classes = input[1];
  layout.target_shape.push_back(layout.batch);
  for (int d = 2; d < input.size(); ++d) {
    layout.inner *= input[d];
    layout.target_shape.push_back(input[d]);
  }
  if (input.size() == 2) {  // PyTorch's nll_loss checks: the target's dims, its dtype, then its size
    AC_CHECK(target.dim() == 1, RuntimeError, "0D or 1D target tensor expected, multi-target not supported");
    check_class_target_dtype(target);
    AC_CHECK(target.shape() == layout.target_shape, RuntimeError, "size mismatch (got input: ", input.str(),
             ", target: ", target.shape().str(), ")");
  }
  AC_CHECK(target.shape() == layout.target_shape, RuntimeError, "Expected target size ", layout.target_shape.str(),
           ", got ", target.shape().str());
  // PyTorch views an empty 3-D or 5-D+ input as [N, C, 0, 0] for its 2-D kernel, which then finds the target's
  // [N, 1, rest] of another size (a 4-D input goes to that kernel as it is).
  const int64_t target_numel = product(target.shape());
  AC_CHECK(input.size() < 3 || input.size() == 4 || product(input) != 0 || target_numel == 0, RuntimeError,
           "size mismatch (got input: ", Dims{input[0], input[1], 0, 0}.str(),
           " , target: ", Dims{input[0], 1, target_numel / input[0]}.str());
  return layout;
}

void check_class_target_dtype(const Tensor& target) {
  AC_CHECK(target.dtype() == DType::Int64, RuntimeError, "expected target dtype to be Long, but got ",
           scalar_type_name(target.dtype()));
}

void check_class_weight(const Tensor* weight, const Tensor& input, int64_t classes) {
  if (!weight) return;
  check_same_device(input, *weight, "weight");
  AC_CHECK(weight->dim() == 1 && weight->numel() == classes, RuntimeError,
           "weight tensor should be defined either for all ", classes,
           " classes or no classes but got weight tensor of shape: ", weight->shape().str());
  check_loss_dtype(*weight, input.dtype());
}

ClassLayout nll_layout(const Dims& input_shape, const Tensor& values, const Tensor& target, const Tensor* weight,
                       const char* kernel_name) {
  const ClassLayout layout = class_layout(input_shape, target);
  check_loss_floating(values, kernel_name);
  check_class_target_dtype(target);
  check_class_weight(weight, values, layout.classes);
  return layout;
}

CrossEntropyLayout cross_entropy_layout(const Tensor& input, const Tensor& target, const Tensor* weight,
                                        int64_t ignore_index, double label_smoothing) {
  AC_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, RuntimeError,
           "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  CrossEntropyLayout result;
  ClassLayout& layout = result.layout;
  result.probs = input.dim() >= 1 && target.shape() == input.shape();
  if (result.probs) {
    AC_CHECK(is_floating(target.dtype()), RuntimeError,
             "Expected floating point type for target with class probabilities, got ",
             scalar_type_name(target.dtype()));
    AC_CHECK(ignore_index < 0, RuntimeError, "ignore_index is not supported for floating point target");
    layout.classes = input.dim() == 1 ? input.shape()[0] : input.shape()[1];
    if (input.dim() > 1) {
      layout.batch = input.shape()[0];
      layout.target_shape.push_back(layout.batch);
      for (int d = 2; d < input.dim(); ++d) {
        layout.inner *= input.shape()[d];
        layout.target_shape.push_back(input.shape()[d]);
      }
    }
  }
  // PyTorch takes log_softmax over the class dim before anything else looks at the class-index target, and
  // after the weight check for probabilities; its error names the kernel (the last dim has its own).
  const int class_dim = input.dim() == 1 ? 0 : 1;
  const char* kernel = class_dim == input.dim() - 1 ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl";
  if (result.probs) {
    check_class_weight(weight, input, layout.classes);
    check_loss_floating(input, kernel);
    check_loss_dtype(target, input.dtype());
    return result;
  }
  wrap_dim(class_dim, input.dim());  // a 0-d input has no dim 1: IndexError, as log_softmax raises it
  if (input.numel() > 0) check_loss_floating(input, kernel);  // (log_softmax returns an empty input unchecked)
  layout = class_layout(input.shape(), target);
  check_loss_floating(input, "nll_loss_out_frame");
  check_class_target_dtype(target);
  check_class_weight(weight, input, layout.classes);
  // PyTorch's smoothing term masks a 0-d loss with the 1-D target's mask in place, which cannot broadcast back.
  AC_CHECK(!(label_smoothing > 0 && input.dim() == 1 && target.dim() == 1), RuntimeError,
           "output with shape [] doesn't match the broadcast shape [1]");
  return result;
}

Dims row_stats_shape(const ClassLayout& layout) {
  Dims shape = layout.target_shape;
  shape.push_back(2);
  return shape;
}

void check_row_stats(const Tensor& stats, const ClassLayout& layout, const char* op) {
  check_loss_dtype(stats, DType::Float64);
  const Dims expected = row_stats_shape(layout);
  AC_CHECK(stats.shape() == expected, RuntimeError, op, ": row_stats of shape ", stats.shape().str(),
           " does not match the expected ", expected.str());
}

namespace {
bool broadcasts_to(const Dims& from, const Dims& to) {
  if (from.size() > to.size()) return false;
  for (int i = 1; i <= from.size(); ++i)
    if (from[from.size() - i] != 1 && from[from.size() - i] != to[to.size() - i]) return false;
  return true;
}
}  // namespace

PointwiseShape pointwise_shape(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                               const Tensor* pos_weight) {
  const char* op = pointwise_loss_name(kind);
  PointwiseShape plan;
  plan.promotes = kind == PointwiseLoss::mse || kind == PointwiseLoss::l1;
  // l1 subtracts, and PyTorch refuses bool subtraction (mse_loss goes through another kernel and takes bools).
  AC_CHECK(kind != PointwiseLoss::l1 || (input.dtype() != DType::Bool && target.dtype() != DType::Bool),
           NotImplementedError,
           "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
  plan.dtype = plan.promotes ? promote_types(input.dtype(), target.dtype()) : input.dtype();
  AC_CHECK(is_floating(plan.dtype), NotImplementedError, "\"", op, "\" not implemented for '",
           scalar_type_name(plan.dtype), "'");
  if (!plan.promotes) check_loss_dtype(target, input.dtype());
  if (plan.promotes) {
    plan.shape = broadcast_shapes(input.shape(), target.shape());
  } else if (kind == PointwiseLoss::bce) {
    AC_CHECK(input.shape() == target.shape(), ValueError, "Using a target size (", torch_size(target.shape()),
             ") that is different to the input size (", torch_size(input.shape()),
             ") is deprecated. Please ensure they have the same size.");
    plan.shape = input.shape();
  } else {
    AC_CHECK(input.shape() == target.shape(), ValueError, "Target size (", torch_size(target.shape()),
             ") must be the same as input size (", torch_size(input.shape()), ")");
    plan.shape = input.shape();
  }
  AC_CHECK(!pos_weight || kind == PointwiseLoss::bce_with_logits, TypeError, op,
           "() got an unexpected keyword argument 'pos_weight'");
  // PyTorch's weighted mse and l1 want the weight in the input's exact shape.
  AC_CHECK(!weight || !plan.promotes || weight->shape() == input.shape(), ValueError,
           "Weights and input must have the same size.");
  for (const Tensor* extra : {weight, pos_weight}) {
    if (!extra) continue;
    check_same_device(input, *extra, op);
    check_loss_dtype(*extra, plan.dtype);
    AC_CHECK(broadcasts_to(extra->shape(), plan.shape), RuntimeError, op, ": ",
             extra == weight ? "weight" : "pos_weight", " of shape ", extra->shape().str(),
             " cannot be broadcast to the input's shape ", plan.shape.str());
  }
  return plan;
}

int64_t grad_stride(const Tensor& grad, const Dims& unreduced_shape, Reduction reduction, const char* op) {
  if (reduction == Reduction::none) {
    AC_CHECK(grad.shape() == unreduced_shape, RuntimeError, op, ": grad_output of shape ", grad.shape().str(),
             " does not match the loss of shape ", unreduced_shape.str());
    return 1;
  }
  AC_CHECK(grad.numel() == 1, RuntimeError, op, ": expected grad_output to be a single number, got shape ",
           grad.shape().str());
  return 0;
}

}  // namespace autocore
