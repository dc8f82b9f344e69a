// Softmax and the losses on the CPU: core/softmax_loss_entry.h's checks and operands over the per-ISA loops
// (cpu/softmax_loss_simd.cpp), threaded over rows, and the reductions of per-row losses (summed serially in double,
// so that results do not depend on the thread count).
#include "cpu/softmax_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels.h"
#include "core/parallel.h"
#include "core/softmax_loss_entry.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

constexpr int64_t kLossBlock = 16384;  // elements per partial sum of a pointwise loss

const SoftmaxLossKernels& table() { return kernels<SoftmaxLossKernels>(); }

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

// ---- class-index losses ------------------------------------------------------------------------------

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

// A mean's gradient scale: 1 / total_weight (a forward's result), or 1 for the other reductions.
double gradient_scale(Reduction reduction, const Tensor& total_weight) {
  return reduction == Reduction::mean ? 1.0 / scalar_value(total_weight, "total_weight") : 1.0;
}

// The loops' view of cross_entropy's operands, with the sum of the class weights for label smoothing.
CrossEntropyArgs cross_entropy_args(const CrossEntropyOperands& o, int64_t ignore_index, double label_smoothing) {
  double weight_total = static_cast<double>(o.layout.classes);
  if (o.weight.defined())
    weight_total = dispatch_floating(o.rows.dtype(), "cross_entropy", [&](auto zero) {
      const auto* w = o.weight.data<decltype(zero)>();
      double total = 0;
      for (int64_t c = 0; c < o.layout.classes; ++c) total += w[c];
      return total;
    });
  return {o.rows.data_ptr(),
          o.probs ? nullptr : o.target.data<int64_t>(),
          o.probs ? o.target.data_ptr() : nullptr,
          o.weight.defined() ? o.weight.data_ptr() : nullptr,
          o.layout.classes,
          ignore_index,
          label_smoothing,
          weight_total};
}

PointwiseArgs pointwise_args(const PointwiseLossOperands& o) {
  return {o.input.data_ptr(), o.target.data_ptr(), o.weight.defined() ? o.weight.data_ptr() : nullptr,
          o.pos_weight.defined() ? o.pos_weight.data_ptr() : nullptr};
}

// The mean's divisor: the element count, or for weighted mse and l1 the weights' sum, as in PyTorch.
double mean_divisor(const PointwiseLossOperands& o) {
  if (o.mean_weight.defined()) return scalar_value(sum(o.mean_weight, nullptr, false), "weight sum");
  return static_cast<double>(product(o.shape));
}

// The CPU side of core/softmax_loss_entry.h.
struct CpuBackend : CpuKernels {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }

  static void softmax_into(const Tensor& x, const Tensor& out, const ReduceShape& s, bool log) {
    SoftmaxLoop loop = loop_for(table().softmax, x.dtype(), "softmax");
    const char* in = static_cast<const char*>(x.data_ptr());
    char* dst = static_cast<char*>(out.data_ptr());
    const size_t size = x.itemsize();
    parallel_blocks(
        s, [&](const ReduceShape& part, int64_t offset) { loop(in + offset * size, dst + offset * size, part, log); });
  }

  static void softmax_backward_into(const Tensor& grad, const Tensor& out, const Tensor& grad_input,
                                    const ReduceShape& s, bool log) {
    SoftmaxBackwardLoop loop = loop_for(table().softmax_backward, out.dtype(), "softmax_backward");
    const char* gp = static_cast<const char*>(grad.data_ptr());
    const char* outp = static_cast<const char*>(out.data_ptr());
    char* dst = static_cast<char*>(grad_input.data_ptr());
    const size_t size = out.itemsize();
    parallel_blocks(s, [&](const ReduceShape& part, int64_t offset) {
      loop(gp + offset * size, outp + offset * size, dst + offset * size, part, log);
    });
  }

  static void check_targets(const Tensor& target, int64_t classes, int64_t ignore_index) {
    const int64_t* tp = target.data<int64_t>();
    for (int64_t i = 0; i < target.numel(); ++i) {
      const int64_t t = tp[i];
      AC_CHECK(t == ignore_index || (t >= 0 && t < classes), IndexError, "Target ", t, " is out of bounds.");
    }
  }

  static void check_unit_interval(const PointwiseLossOperands& o) {
    const auto in_unit_interval = loop_for(table().in_unit_interval, o.dtype, "binary_cross_entropy");
    AC_CHECK(in_unit_interval(o.input.data_ptr(), o.input.numel()), RuntimeError,
             "all elements of input should be between 0 and 1");
    AC_CHECK(in_unit_interval(o.target.data_ptr(), o.target.numel()), RuntimeError,
             "all elements of target should be between 0 and 1");
  }

  static std::pair<Tensor, Tensor> nll_loss_of(const ClassLossOperands& o, Reduction reduction, int64_t ignore_index) {
    const int64_t n = o.n, C = o.layout.classes, inner = o.layout.inner;
    const int64_t* tp = o.target.data<int64_t>();
    const DType dtype = o.values.dtype();
    std::vector<double> row_loss(n);
    double total_weight = 0;
    dispatch_floating(dtype, "nll_loss", [&](auto zero) {
      using T = decltype(zero);
      const T* xp = o.values.data<T>();
      const T* wp = o.weight.defined() ? o.weight.data<T>() : nullptr;
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
    return {reduce_rows(row_loss, total_weight, reduction, dtype, o.layout.target_shape),
            scalar_tensor(total_weight, dtype)};
  }

  static void nll_loss_backward_into(const ClassLossOperands& o, int64_t grad_stride, Reduction reduction,
                                     int64_t ignore_index, const Tensor& total_weight, const Tensor& grad_input) {
    const double scale = gradient_scale(reduction, total_weight);
    const int64_t C = o.layout.classes, inner = o.layout.inner;
    const int64_t* tp = o.target.data<int64_t>();
    dispatch_floating(o.values.dtype(), "nll_loss_backward", [&](auto zero) {
      using T = decltype(zero);
      T* dst = grad_input.data<T>();
      const T* gp = o.values.data<T>();
      const T* wp = o.weight.defined() ? o.weight.data<T>() : nullptr;
      // Each sample's [C, inner] block is zeroed and then given its targets' entries by the same thread:
      // the output is mostly zeros, and writing them is the cost worth spreading.
      parallel_rows(o.layout.batch, C * inner, [&](int64_t b0, int64_t b1) {
        std::fill(dst + b0 * C * inner, dst + b1 * C * inner, T(0));
        for (int64_t i = b0 * inner; i < b1 * inner; ++i) {
          const int64_t c = tp[i];
          if (c == ignore_index) continue;
          const int64_t b = i / inner, k = i % inner;
          const double wc = wp ? static_cast<double>(wp[c]) : 1.0;
          dst[(b * C + c) * inner + k] = static_cast<T>(-wc * static_cast<double>(gp[i * grad_stride]) * scale);
        }
      });
    });
  }

  static CrossEntropyResult cross_entropy_of(const CrossEntropyOperands& o, Reduction reduction, int64_t ignore_index,
                                             double label_smoothing) {
    const CrossEntropyArgs args = cross_entropy_args(o, ignore_index, label_smoothing);
    const DType dtype = o.rows.dtype();
    Tensor stats = Tensor::empty(row_stats_shape(o.layout), DType::Float64);
    std::vector<double> row_loss(o.n), row_weight(o.n);
    CrossEntropyLoop loop = loop_for(table().cross_entropy, dtype, "cross_entropy");
    double* stats_data = stats.data<double>();
    parallel_rows(o.n, o.layout.classes,
                  [&](int64_t b, int64_t e) { loop(args, b, e, stats_data, row_loss.data(), row_weight.data()); });
    double total_weight = 0;
    for (double w : row_weight) total_weight += w;
    return {reduce_rows(row_loss, total_weight, reduction, dtype, o.layout.target_shape), stats,
            scalar_tensor(total_weight, dtype)};
  }

  static void cross_entropy_backward_into(const CrossEntropyOperands& o, const Tensor& grad, int64_t grad_stride,
                                          const Tensor& row_stats, const Tensor& total_weight, Reduction reduction,
                                          int64_t ignore_index, double label_smoothing, const Tensor& rows_grad) {
    const double scale = gradient_scale(reduction, total_weight);
    const CrossEntropyArgs args = cross_entropy_args(o, ignore_index, label_smoothing);
    CrossEntropyBackwardLoop loop = loop_for(table().cross_entropy_backward, o.rows.dtype(), "cross_entropy_backward");
    const double* stats_data = row_stats.data<double>();
    parallel_rows(o.n, o.layout.classes, [&](int64_t b, int64_t e) {
      loop(args, b, e, stats_data, grad.data_ptr(), grad_stride, scale, rows_grad.data_ptr());
    });
  }

  static Tensor pointwise_loss_of(const PointwiseLossOperands& o, Reduction reduction) {
    const PointwiseArgs args = pointwise_args(o);
    const double divisor = mean_divisor(o);
    PointwiseLossLoop loop = loop_for(table().pointwise_loss, o.dtype, pointwise_loss_name(o.kind));
    const int64_t n = product(o.shape);
    if (reduction == Reduction::none) {
      Tensor out = Tensor::empty(o.shape, o.dtype);
      parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) { loop(o.kind, args, out.data_ptr(), b, e); });
      return out;
    }
    // Fixed blocks, summed in order: the same result on any number of threads.
    const int64_t blocks = (n + kLossBlock - 1) / kLossBlock;
    std::vector<double> partial(blocks);
    parallel_for(0, blocks, std::max<int64_t>(1, kElementwiseGrain / kLossBlock), [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k)
        partial[k] = loop(o.kind, args, nullptr, k * kLossBlock, std::min(n, (k + 1) * kLossBlock));
    });
    double total = 0;
    for (double v : partial) total += v;
    if (reduction == Reduction::mean) total /= divisor;  // 0/0 = nan for an empty input
    return scalar_tensor(total, o.dtype);
  }

  static void pointwise_loss_backward_into(const PointwiseLossOperands& o, const Tensor& grad, int64_t grad_stride,
                                           Reduction reduction, bool wrt_target, const Tensor& grad_input) {
    const PointwiseArgs args = pointwise_args(o);
    const double divisor = mean_divisor(o);
    const double scale = reduction == Reduction::mean ? 1.0 / divisor : 1.0;
    PointwiseLossBackwardLoop loop = loop_for(table().pointwise_loss_backward, o.dtype, pointwise_loss_name(o.kind));
    parallel_for(0, product(o.shape), kElementwiseGrain, [&](int64_t b, int64_t e) {
      loop(o.kind, args, grad.data_ptr(), grad_stride, scale, wrt_target, grad_input.data_ptr(), b, e);
    });
  }
};

using Entry = SoftmaxLossEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/softmax_loss.def"
#include "core/kernels_from_entry.h"

Tensor simd_math(MathFn fn, const Tensor& x) {
  CpuBackend::check_device(x, "simd_math");
  check_loss_floating(x, "simd_math");
  Tensor src = contiguous(x);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  loop_for(table().math[int(fn)], x.dtype(), "math")(src.data_ptr(), out.data_ptr(), x.numel());
  return out;
}

}  // namespace autocore::cpu
