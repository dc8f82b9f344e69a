// Softmax and loss entry points: PyTorch's shape, dtype and target checks, the [outer, r, inner] plan,
// threading over rows, and the reductions of per-row losses (summed serially in double, so that results
// do not depend on the thread count).
#include "cpu/softmax_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels.h"
#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

constexpr int64_t kLossBlock = 16384;  // elements per partial sum of a pointwise loss

const SoftmaxLossKernels& table() { return kernels<SoftmaxLossKernels>(); }

void check_cpu(const Tensor& x, const char* op) {
  AC_CHECK(x.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", x.device().str());
}

// Splits [0, rows) over threads, giving each thread at least kElementwiseGrain elements of work.
template <class Fn>
void parallel_rows(int64_t rows, int64_t row_size, const Fn& fn) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, row_size));
  parallel_for(0, rows, grain, fn);
}

// The same split as reduce's: along outer, or along inner when there is one outer block of columns.
template <class Fn>
void parallel_blocks(const ReduceShape& s, const Fn& fn) {
  if (s.outer > 1 || s.inner == 1) {
    parallel_rows(s.outer, s.r * s.inner, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.outer = e - b;
      fn(part, b * s.outer_stride);
    });
  } else {
    const int64_t grain = std::max<int64_t>(256, kElementwiseGrain / std::max<int64_t>(1, s.r));
    parallel_for(0, s.inner, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.inner = e - b;
      fn(part, b);
    });
  }
}

ReduceShape softmax_shape(const Dims& shape, int d) {
  int64_t outer = 1, r = 1, inner = 1;
  for (int i = 0; i < shape.size(); ++i) (i < d ? outer : i == d ? r : inner) *= shape[i];
  return {outer, r, inner, r * inner, inner, r * inner};
}

Tensor softmax_impl(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_cpu(x, op);
  const int d = wrap_dim(dim, x.dim());
  const bool last = d >= x.dim() - 1;
  check_loss_floating(x, log ? (last ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
                             : (last ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl"));
  Tensor src = contiguous(x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return out;
  const ReduceShape s = softmax_shape(x.shape(), d);
  SoftmaxLoop loop = table().softmax[int(x.dtype())];
  const char* in = static_cast<const char*>(src.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  const size_t size = x.itemsize();
  parallel_blocks(
      s, [&](const ReduceShape& part, int64_t offset) { loop(in + offset * size, dst + offset * size, part, log); });
  return out;
}

Tensor softmax_backward_impl(const Tensor& grad, const Tensor& out, int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  check_cpu(grad, op);
  check_cpu(out, op);
  AC_CHECK(grad.shape() == out.shape(), RuntimeError, op, ": grad of shape ", grad.shape().str(),
           " does not match output of shape ", out.shape().str());
  check_loss_floating(out, op);
  check_loss_dtype(grad, out.dtype());
  const int d = wrap_dim(dim, out.dim());
  Tensor g = contiguous(grad), o = contiguous(out);
  Tensor result = Tensor::empty(out.shape(), out.dtype(), out.device());
  if (out.numel() == 0) return result;
  const ReduceShape s = softmax_shape(out.shape(), d);
  SoftmaxBackwardLoop loop = table().softmax_backward[int(out.dtype())];
  const char* gp = static_cast<const char*>(g.data_ptr());
  const char* outp = static_cast<const char*>(o.data_ptr());
  char* dst = static_cast<char*>(result.data_ptr());
  const size_t size = out.itemsize();
  parallel_blocks(s, [&](const ReduceShape& part, int64_t offset) {
    loop(gp + offset * size, outp + offset * size, dst + offset * size, part, log);
  });
  return result;
}

// ---- class-index losses ------------------------------------------------------------------------------

void check_targets(const int64_t* target, int64_t n, int64_t classes, int64_t ignore_index) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = target[i];
    AC_CHECK(t == ignore_index || (t >= 0 && t < classes), IndexError, "Target ", t, " is out of bounds.");
  }
}

Tensor scalar_tensor(double value, DType dtype) {
  Tensor out = Tensor::empty(Dims{}, dtype);
  dispatch_floating(dtype, "loss", [&](auto zero) {
    using T = decltype(zero);
    *out.data<T>() = static_cast<T>(value);
  });
  return out;
}

// The reduced loss of a class-index loss: the sum, or the sum over the total weight (0/0 = nan).
Tensor reduce_rows(const std::vector<double>& row_loss, double total_weight, Reduction reduction, DType dtype,
                   const Dims& target_shape) {
  if (reduction == Reduction::none) {
    Tensor out = Tensor::empty(target_shape, dtype);
    dispatch_floating(dtype, "loss", [&](auto zero) {
      using T = decltype(zero);
      T* dst = out.data<T>();
      for (size_t i = 0; i < row_loss.size(); ++i) dst[i] = static_cast<T>(row_loss[i]);
    });
    return out;
  }
  double total = 0;
  for (double v : row_loss) total += v;
  if (reduction == Reduction::mean) total /= total_weight;
  return scalar_tensor(total, dtype);
}

double scalar_value(const Tensor& t, const char* name) {
  AC_CHECK(t.device().is_cpu(), RuntimeError, name, ": expected a CPU tensor");
  AC_CHECK(t.numel() == 1, RuntimeError, name, " should be a single number, got a tensor of shape ", t.shape().str());
  return dispatch_floating(t.dtype(), name, [&](auto zero) { return static_cast<double>(*t.data<decltype(zero)>()); });
}

// [N, C, inner] -> [N * inner, C] rows of contiguous logits (a copy only when inner > 1).
Tensor class_rows(const Tensor& input, const ClassLayout& layout) {
  if (layout.inner == 1) return contiguous(input);
  Tensor grouped = reshape(input, Dims{layout.batch, layout.classes, layout.inner});
  return contiguous(grouped.permute(Dims{0, 2, 1}));
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }
Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim) {
  return softmax_backward_impl(grad, out, dim, false);
}
Tensor log_softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim) {
  return softmax_backward_impl(grad, out, dim, true);
}

// ---- nll_loss ------------------------------------------------------------------------------------------

std::pair<Tensor, Tensor> nll_loss(const Tensor& input, const Tensor& target, const Tensor* weight, Reduction reduction,
                                   int64_t ignore_index) {
  check_cpu(input, "nll_loss");
  check_cpu(target, "nll_loss");
  const ClassLayout layout = nll_layout(input.shape(), input, target, weight, "nll_loss_out_frame");
  Tensor x = contiguous(input), t = contiguous(target), w = weight ? contiguous(*weight) : Tensor();
  const int64_t n = layout.batch * layout.inner, C = layout.classes, inner = layout.inner;
  const int64_t* tp = t.data<int64_t>();
  check_targets(tp, n, C, ignore_index);
  std::vector<double> row_loss(n);
  double total_weight = 0;
  dispatch_floating(input.dtype(), "nll_loss", [&](auto zero) {
    using T = decltype(zero);
    const T* xp = x.data<T>();
    const T* wp = weight ? w.data<T>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = tp[i];
      if (c == ignore_index) {
        row_loss[i] = 0;
        continue;
      }
      const double wc = wp ? static_cast<double>(wp[c]) : 1.0;
      const int64_t b = i / inner, k = i % inner;
      row_loss[i] = -wc * static_cast<double>(xp[(b * C + c) * inner + k]);
      total_weight += wc;
    }
  });
  return {reduce_rows(row_loss, total_weight, reduction, input.dtype(), layout.target_shape),
          scalar_tensor(total_weight, input.dtype())};
}

Tensor nll_loss_backward(const Tensor& grad, const Dims& input_shape, const Tensor& target, const Tensor* weight,
                         Reduction reduction, int64_t ignore_index, const Tensor& total_weight) {
  check_cpu(grad, "nll_loss_backward");
  check_cpu(target, "nll_loss_backward");
  const ClassLayout layout = nll_layout(input_shape, grad, target, weight, "nll_loss_backward_out_frame");
  const int64_t stride = grad_stride(grad, layout.target_shape, reduction, "nll_loss_backward");
  const double scale = reduction == Reduction::mean ? 1.0 / scalar_value(total_weight, "total_weight") : 1.0;
  Tensor g = contiguous(grad), t = contiguous(target), w = weight ? contiguous(*weight) : Tensor();
  const int64_t n = layout.batch * layout.inner, C = layout.classes, inner = layout.inner;
  const int64_t* tp = t.data<int64_t>();
  check_targets(tp, n, C, ignore_index);
  Tensor result = Tensor::empty(input_shape, grad.dtype());
  dispatch_floating(grad.dtype(), "nll_loss_backward", [&](auto zero) {
    using T = decltype(zero);
    T* dst = result.data<T>();
    const T* gp = g.data<T>();
    const T* wp = weight ? w.data<T>() : nullptr;
    // Each sample's [C, inner] block is zeroed and then given its targets' entries by the same thread:
    // the output is mostly zeros, and writing them is the cost worth spreading.
    parallel_rows(layout.batch, C * inner, [&](int64_t b0, int64_t b1) {
      std::fill(dst + b0 * C * inner, dst + b1 * C * inner, T(0));
      for (int64_t i = b0 * inner; i < b1 * inner; ++i) {
        const int64_t c = tp[i];
        if (c == ignore_index) continue;
        const int64_t b = i / inner, k = i % inner;
        const double wc = wp ? static_cast<double>(wp[c]) : 1.0;
        dst[(b * C + c) * inner + k] = static_cast<T>(-wc * static_cast<double>(gp[i * stride]) * scale);
      }
    });
  });
  return result;
}

// ---- cross_entropy -------------------------------------------------------------------------------------

namespace {

struct CrossEntropyPlan {
  ClassLayout layout;
  Tensor rows, target, weight;  // contiguous; rows is [N * inner, C]
  CrossEntropyArgs args;
  int64_t n;
};

CrossEntropyPlan plan_cross_entropy(const Tensor& input, const Tensor& target, const Tensor* weight,
                                    int64_t ignore_index, double label_smoothing, const char* op) {
  check_cpu(input, op);
  check_cpu(target, op);
  const CrossEntropyLayout checked = cross_entropy_layout(input, target, weight, ignore_index, label_smoothing);
  const bool probs = checked.probs;
  CrossEntropyPlan plan;
  plan.layout = checked.layout;
  plan.rows = class_rows(input, plan.layout);
  plan.target = probs ? class_rows(target, plan.layout) : contiguous(target);
  plan.n = plan.layout.batch * plan.layout.inner;
  if (!probs) check_targets(plan.target.data<int64_t>(), plan.n, plan.layout.classes, ignore_index);
  double weight_total = static_cast<double>(plan.layout.classes);
  if (weight) {
    plan.weight = contiguous(*weight);
    weight_total = dispatch_floating(input.dtype(), op, [&](auto zero) {
      const auto* w = plan.weight.data<decltype(zero)>();
      double total = 0;
      for (int64_t c = 0; c < plan.layout.classes; ++c) total += w[c];
      return total;
    });
  }
  plan.args = {plan.rows.data_ptr(),
               probs ? nullptr : plan.target.data<int64_t>(),
               probs ? plan.target.data_ptr() : nullptr,
               weight ? plan.weight.data_ptr() : nullptr,
               plan.layout.classes,
               ignore_index,
               label_smoothing,
               weight_total};
  return plan;
}

}  // namespace

CrossEntropyResult cross_entropy(const Tensor& input, const Tensor& target, const Tensor* weight, Reduction reduction,
                                 int64_t ignore_index, double label_smoothing) {
  CrossEntropyPlan plan = plan_cross_entropy(input, target, weight, ignore_index, label_smoothing, "cross_entropy");
  Tensor stats = Tensor::empty(row_stats_shape(plan.layout), DType::Float64);
  std::vector<double> row_loss(plan.n), row_weight(plan.n);
  CrossEntropyLoop loop = table().cross_entropy[int(input.dtype())];
  double* stats_data = stats.data<double>();
  parallel_rows(plan.n, plan.layout.classes,
                [&](int64_t b, int64_t e) { loop(plan.args, b, e, stats_data, row_loss.data(), row_weight.data()); });
  double total_weight = 0;
  for (double w : row_weight) total_weight += w;
  Tensor loss = reduce_rows(row_loss, total_weight, reduction, input.dtype(), plan.layout.target_shape);
  if (reduction == Reduction::sum && smoothing_over_no_classes(plan.layout, plan.args.probs, label_smoothing))
    fill_(loss, Scalar::from_float(std::numeric_limits<double>::quiet_NaN()));
  return {loss, stats, scalar_tensor(total_weight, input.dtype())};
}

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& row_stats,
                              const Tensor& total_weight, const Tensor* weight, Reduction reduction,
                              int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy_backward";
  CrossEntropyPlan plan = plan_cross_entropy(input, target, weight, ignore_index, label_smoothing, op);
  check_cpu(grad, op);
  check_cpu(row_stats, op);
  check_loss_dtype(grad, input.dtype());
  check_row_stats(row_stats, plan.layout, op);
  const int64_t stride = grad_stride(grad, plan.layout.target_shape, reduction, op);
  const double scale = reduction == Reduction::mean ? 1.0 / scalar_value(total_weight, "total_weight") : 1.0;
  Tensor g = contiguous(grad), stats = contiguous(row_stats);
  const int64_t C = plan.layout.classes;
  Tensor rows_grad = Tensor::empty(Dims{plan.n, C}, input.dtype());
  CrossEntropyBackwardLoop loop = table().cross_entropy_backward[int(input.dtype())];
  const double* stats_data = stats.data<double>();
  parallel_rows(plan.n, C, [&](int64_t b, int64_t e) {
    loop(plan.args, b, e, stats_data, g.data_ptr(), stride, scale, rows_grad.data_ptr());
  });
  if (plan.layout.inner == 1) return rows_grad.view(input.shape());
  Tensor grouped = rows_grad.view(Dims{plan.layout.batch, plan.layout.inner, C}).permute(Dims{0, 2, 1});
  return contiguous(grouped).view(input.shape());
}

// ---- pointwise losses ----------------------------------------------------------------------------------

namespace {

struct PointwisePlan {
  DType dtype;
  Dims shape;
  Tensor input, target, weight, pos_weight;  // contiguous, all of `shape`
  PointwiseArgs args;
  double mean_divisor;
};

Tensor expanded(const Tensor& t, const Dims& shape) { return contiguous(t.expand(shape)); }

PointwisePlan plan_pointwise(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                             const Tensor* pos_weight) {
  const char* op = pointwise_loss_name(kind);
  check_cpu(input, op);
  check_cpu(target, op);
  const PointwiseShape checked = pointwise_shape(kind, input, target, weight, pos_weight);
  const bool promotes = checked.promotes;
  PointwisePlan plan;
  plan.dtype = checked.dtype;
  plan.shape = checked.shape;
  plan.input = expanded(to_dtype(input, plan.dtype), plan.shape);
  plan.target = expanded(to_dtype(target, plan.dtype), plan.shape);
  if (weight) plan.weight = expanded(*weight, plan.shape);
  if (pos_weight) plan.pos_weight = expanded(*pos_weight, plan.shape);
  if (kind == PointwiseLoss::bce) {
    const auto in_unit_interval = table().in_unit_interval[int(plan.dtype)];
    AC_CHECK(in_unit_interval(plan.input.data_ptr(), plan.input.numel()), RuntimeError,
             "all elements of input should be between 0 and 1");
    AC_CHECK(in_unit_interval(plan.target.data_ptr(), plan.target.numel()), RuntimeError,
             "all elements of target should be between 0 and 1");
  }
  // The mean's divisor: the element count, or for weighted mse and l1 the weights' sum, as in PyTorch.
  plan.mean_divisor = static_cast<double>(product(plan.shape));
  if (weight && promotes) plan.mean_divisor = scalar_value(sum(*weight, nullptr, false), "weight sum");
  plan.args = {plan.input.data_ptr(), plan.target.data_ptr(), weight ? plan.weight.data_ptr() : nullptr,
               pos_weight ? plan.pos_weight.data_ptr() : nullptr};
  return plan;
}

}  // namespace

Tensor pointwise_loss(PointwiseLoss kind, const Tensor& input, const Tensor& target, const Tensor* weight,
                      const Tensor* pos_weight, Reduction reduction) {
  PointwisePlan plan = plan_pointwise(kind, input, target, weight, pos_weight);
  PointwiseLossLoop loop = table().pointwise_loss[int(plan.dtype)];
  const int64_t n = product(plan.shape);
  if (reduction == Reduction::none) {
    Tensor out = Tensor::empty(plan.shape, plan.dtype);
    parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) { loop(kind, plan.args, out.data_ptr(), b, e); });
    return out;
  }
  // Fixed blocks, summed in order: the same result on any number of threads.
  const int64_t blocks = (n + kLossBlock - 1) / kLossBlock;
  std::vector<double> partial(blocks);
  parallel_for(0, blocks, std::max<int64_t>(1, kElementwiseGrain / kLossBlock), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      partial[k] = loop(kind, plan.args, nullptr, k * kLossBlock, std::min(n, (k + 1) * kLossBlock));
  });
  double total = 0;
  for (double v : partial) total += v;
  if (reduction == Reduction::mean) total /= plan.mean_divisor;  // 0/0 = nan for an empty input
  return scalar_tensor(total, plan.dtype);
}

Tensor pointwise_loss_backward(PointwiseLoss kind, const Tensor& grad, const Tensor& input, const Tensor& target,
                               const Tensor* weight, const Tensor* pos_weight, Reduction reduction, bool wrt_target) {
  PointwisePlan plan = plan_pointwise(kind, input, target, weight, pos_weight);
  check_cpu(grad, "loss backward");
  check_loss_dtype(grad, plan.dtype);
  const int64_t stride = grad_stride(grad, plan.shape, reduction, pointwise_loss_name(kind));
  const int64_t n = product(plan.shape);
  const double scale = reduction == Reduction::mean ? 1.0 / plan.mean_divisor : 1.0;
  Tensor g = contiguous(grad);
  Tensor result = Tensor::empty(plan.shape, plan.dtype);
  PointwiseLossBackwardLoop loop = table().pointwise_loss_backward[int(plan.dtype)];
  parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    loop(kind, plan.args, g.data_ptr(), stride, scale, wrt_target, result.data_ptr(), b, e);
  });
  return result;
}

Tensor simd_math(MathFn fn, const Tensor& x) {
  check_cpu(x, "simd_math");
  check_loss_floating(x, "simd_math");
  Tensor src = contiguous(x);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  table().math[int(fn)][int(x.dtype())](src.data_ptr(), out.data_ptr(), x.numel());
  return out;
}

}  // namespace autocore::cpu
