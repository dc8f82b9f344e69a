// The reduction entry points and their backwards, written once over a device backend: dim handling, PyTorch's
// checks and messages, and the backwards composed of elementwise ops. Each function is named after its kernel
// (core/kernels/reduce.def). cpu/reduce.cpp and cuda/reduce.cu each define a Backend, derived from its device's
// kernels (CpuKernels, CudaKernels: Backend::reshape, Backend::binary, ...), with
//   static void check_device(const Tensor& t, const char* op);  // t lives on this backend's device (made current)
// and loops that write the reduction of x over the dims of `mask` into a result of x's reduced shape:
//   static void sum_into(const Tensor& x, const DimMask& mask, const Tensor& out);  // out: x's float dtype, or int64
//   static void arg_reduce_into(const Tensor& x, const DimMask& mask, bool is_max, const Tensor& values,
//                               const Tensor& indices);  // each may be undefined; the first extreme; NaN wins
//   static void var_into(const Tensor& x, const DimMask& mask, double correction, const Tensor& out);  // two-pass
//   static void scatter_index(const Tensor& g, const Tensor& index, const Tensor& result, int64_t outer,
//                             int64_t inner, int64_t size, int d);  // result[o, index[o, i], i] = g[o, i], after
//                                                                   // checking every index lies in [0, size)
#pragma once
#include <algorithm>
#include <utility>

#include "core/elementwise_rules.h"
#include "core/reduce_plan.h"
#include "core/scalar.h"

namespace autocore {

template <class Backend>
struct ReduceEntry {
  static Tensor binary(EwOp op, const Tensor& a, const Tensor& b) { return Backend::binary(op, a, b, nullptr, {}); }
  static Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out = nullptr) {
    return Backend::binary_tensor_scalar(op, a, b, out);
  }
  static Tensor scale(const Tensor& t, double factor) { return binary(EwOp::mul, t, Scalar::from_float(factor)); }

  // A narrow dtype (core/dtype.h) reduced in its wide dtype; a half type's result is rounded back once.
  static Tensor widened(const Tensor& x) { return Backend::to_dtype(x, wide_dtype(x.dtype())); }
  static Tensor float_back(const Tensor& wide, DType dtype) {
    return is_floating(dtype) ? Backend::to_dtype(wide, dtype) : wide;
  }

  // float -> same float; every integer dtype and bool -> int64.
  static Tensor sum_over(const Tensor& x, const DimMask& mask, bool keepdim) {
    if (is_narrow(x.dtype())) return float_back(sum_over(widened(x), mask, keepdim), x.dtype());
    const DType dtype = is_floating(x.dtype()) ? x.dtype() : DType::Int64;
    Tensor out = Tensor::empty(output_shape(x.shape(), mask, keepdim), dtype, x.device());
    Backend::sum_into(x, mask, out);
    return out;
  }

  static std::pair<Tensor, Tensor> arg_reduce(const Tensor& x, const DimMask& mask, bool keepdim, bool is_max,
                                              bool want_values, bool want_indices) {
    if (is_narrow(x.dtype())) {  // found in the wide dtype; the values come back exactly
      auto [values, indices] = arg_reduce(widened(x), mask, keepdim, is_max, want_values, want_indices);
      return {values.defined() ? Backend::to_dtype(values, x.dtype()) : values, indices};
    }
    const Dims shape = output_shape(x.shape(), mask, keepdim);
    Tensor values = want_values ? Tensor::empty(shape, x.dtype(), x.device()) : Tensor();
    Tensor indices = want_indices ? Tensor::empty(shape, DType::Int64, x.device()) : Tensor();
    Backend::arg_reduce_into(x, mask, is_max, values, indices);
    return {values, indices};
  }

  static Tensor sum(const Tensor& x, const Dims* dims, bool keepdim) {
    Backend::check_device(x, "sum");
    return sum_over(x, make_mask(x.dim(), dims), keepdim);
  }

  static Tensor mean(const Tensor& x, const Dims* dims, bool keepdim) {
    Backend::check_device(x, "mean");
    check_reduce_floating(x, "mean");
    if (is_narrow(x.dtype())) return float_back(mean(widened(x), dims, keepdim), x.dtype());
    DimMask mask = make_mask(x.dim(), dims);
    Tensor total = sum_over(x, mask, keepdim);
    return binary(EwOp::div, total, Scalar::from_int(reduced_count(x.shape(), mask)), &total);  // 0/0: nan
  }

  static Tensor var(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
    Backend::check_device(x, "var");
    check_reduce_floating(x, "var");
    if (is_narrow(x.dtype())) return float_back(var(widened(x), dims, correction, keepdim), x.dtype());
    DimMask mask = make_mask(x.dim(), dims);
    Tensor out = Tensor::empty(output_shape(x.shape(), mask, keepdim), x.dtype(), x.device());
    Backend::var_into(x, mask, correction, out);
    return out;
  }

  static Tensor std(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
    if (is_narrow(x.dtype()) && is_floating(x.dtype()))
      return float_back(std(widened(x), dims, correction, keepdim), x.dtype());
    Tensor variance = var(x, dims, correction, keepdim);
    return Backend::unary(EwOp::sqrt, variance, {}, &variance);
  }

  static std::pair<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
    const char* op = is_max ? "max" : "min";
    Backend::check_device(x, op);
    DimMask mask = single_dim_mask(x, dim);
    check_reduce_nonempty(x, mask, op);
    return arg_reduce(x, mask, keepdim, is_max, true, true);
  }

  static Tensor extreme_all(const Tensor& x, bool is_max) {
    const char* op = is_max ? "max" : "min";
    Backend::check_device(x, op);
    AC_CHECK(x.numel() > 0, RuntimeError, op,
             "(): Expected reduction dim to be specified for input.numel() == 0. "
             "Specify the reduction dim with the 'dim' argument.");
    return arg_reduce(x, make_mask(x.dim(), nullptr), false, is_max, true, false).first;
  }

  static Tensor extreme_over(const Tensor& x, const Dims* dims, bool keepdim, bool is_max) {
    const char* op = is_max ? "amax" : "amin";
    Backend::check_device(x, op);
    AC_CHECK(x.numel() > 0 || (dims && !dims->empty()), RuntimeError, op,
             "(): Expected reduction dim to be "
             "specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
    // PyTorch wraps every dim before it looks for repeats; over an empty input it checks each for size 0 as it
    // wraps it, before anything else.
    if (x.numel() > 0 && dims)
      for (int64_t d : *dims) wrap_dim(d, x.dim());
    if (x.numel() == 0 && dims)
      for (int64_t d : *dims)
        AC_CHECK(x.shape()[wrap_dim(d, x.dim())] != 0, IndexError, op, "(): Expected reduction dim ",
                 wrap_dim(d, x.dim()), " to have non-zero size.");
    DimMask mask = make_mask(x.dim(), dims);
    check_reduce_nonempty(x, mask, op);
    if (x.numel() == 0 && x.dim() > 0)  // an empty kept dim: nothing to reduce, an empty result
      return Tensor::empty(output_shape(x.shape(), mask, keepdim), x.dtype(), x.device());
    return arg_reduce(x, mask, keepdim, is_max, true, false).first;
  }

  static Tensor arg_extreme(const Tensor& x, const int64_t* dim, bool keepdim, bool is_max) {
    const char* op = is_max ? "argmax" : "argmin";
    Backend::check_device(x, op);
    AC_CHECK(x.dtype() != DType::Bool, RuntimeError, op, "(): does not support bool input");
    if (!dim) {
      AC_CHECK(x.numel() > 0, IndexError, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
      Tensor flat = Backend::reshape(x, Dims{x.numel()});
      Tensor index = arg_reduce(flat, make_mask(1, nullptr), false, is_max, false, true).second;
      return keepdim ? index.view(Dims::filled(x.dim(), 1)) : index;
    }
    DimMask mask = single_dim_mask(x, *dim);
    check_reduce_nonempty(x, mask, op);
    return arg_reduce(x, mask, keepdim, is_max, false, true).second;
  }

  static Tensor amax(const Tensor& x, const Dims* dims, bool keepdim) { return extreme_over(x, dims, keepdim, true); }
  static Tensor amin(const Tensor& x, const Dims* dims, bool keepdim) { return extreme_over(x, dims, keepdim, false); }
  static std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme_dim(x, dim, keepdim, true);
  }
  static std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme_dim(x, dim, keepdim, false);
  }
  static Tensor max_all(const Tensor& x) { return extreme_all(x, true); }
  static Tensor min_all(const Tensor& x) { return extreme_all(x, false); }
  static Tensor argmax(const Tensor& x, const int64_t* dim, bool keepdim) { return arg_extreme(x, dim, keepdim, true); }
  static Tensor argmin(const Tensor& x, const int64_t* dim, bool keepdim) {
    return arg_extreme(x, dim, keepdim, false);
  }

  // ---- backwards ----

  static Tensor sum_to_shape(const Tensor& grad, const Dims& shape) {
    if (grad.shape() == shape) return grad;
    const int lead = grad.dim() - shape.size();
    AC_CHECK(lead >= 0, RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
             " cannot be reduced to the larger shape ", shape.str());
    Dims dims;
    for (int d = 0; d < grad.dim(); ++d) {
      int src = d - lead;
      if (src < 0) {
        dims.push_back(d);
        continue;
      }
      if (shape[src] == 1 && grad.shape()[d] != 1) dims.push_back(d);
      else
        AC_CHECK(shape[src] == grad.shape()[d], RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
                 " is not a broadcast of shape ", shape.str());
    }
    if (dims.empty()) return grad.view(shape);
    return Backend::reshape(sum(grad, &dims, true), shape);
  }

  static Tensor sum_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
    DimMask mask = make_mask(input_shape.size(), dims);
    return with_reduced_dims(grad, input_shape, mask, keepdim).expand(input_shape);
  }

  static Tensor mean_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
    DimMask mask = make_mask(input_shape.size(), dims);
    Tensor g = with_reduced_dims(grad, input_shape, mask, keepdim).expand(input_shape);
    return scale(g, 1.0 / static_cast<double>(reduced_count(input_shape, mask)));
  }

  // d var / dx = 2 (x - mean) / (N - correction)
  static Tensor var_backward(const Tensor& grad, const Tensor& x, const Dims* dims, double correction, bool keepdim) {
    DimMask mask = make_mask(x.dim(), dims);
    const double divisor = std::max(0.0, static_cast<double>(reduced_count(x.shape(), mask)) - correction);
    Tensor centered = binary(EwOp::sub, x, mean(x, dims, true));
    Tensor g = with_reduced_dims(grad, x.shape(), mask, keepdim);
    return binary(EwOp::mul, scale(centered, 2.0 / divisor), g);
  }

  // d std = d var / (2 std), taken as 0 where std is 0 (PyTorch's choice, instead of nan)
  static Tensor std_backward(const Tensor& grad, const Tensor& x, const Tensor& std_out, const Dims* dims,
                             double correction, bool keepdim) {
    Backend::check_device(grad, "std_backward");
    Tensor zero = Tensor::empty(Dims{}, grad.dtype(), grad.device());
    Backend::fill_(zero, Scalar::from_int(0));
    Tensor g = Backend::where(binary(EwOp::eq, std_out, Scalar::from_int(0)), zero,
                              binary(EwOp::div, grad, scale(std_out, 2.0)));
    return var_backward(g, x, dims, correction, keepdim);
  }

  // The gradient is shared evenly between tied extremes, as in PyTorch.
  static Tensor amax_backward(const Tensor& grad, const Tensor& x, const Tensor& out, const Dims* dims, bool keepdim) {
    DimMask mask = make_mask(x.dim(), dims);
    Tensor extreme = with_reduced_dims(out, x.shape(), mask, keepdim);
    Tensor hits = Backend::to_dtype(binary(EwOp::eq, x, extreme), grad.dtype());
    Tensor count = sum(hits, dims, true);
    Tensor share = binary(EwOp::div, with_reduced_dims(grad, x.shape(), mask, keepdim), count);
    return binary(EwOp::mul, hits, share);
  }

  // max(dim)/min(dim): the gradient goes to the element the indices chose.
  static Tensor index_reduce_backward(const Tensor& grad, const Tensor& indices, int64_t dim, const Dims& input_shape,
                                      bool keepdim) {
    if (is_narrow(grad.dtype()))
      return float_back(index_reduce_backward(widened(grad), indices, dim, input_shape, keepdim), grad.dtype());
    check_same_device(grad, indices, "index_reduce_backward");
    Backend::check_device(grad, "index_reduce_backward");
    AC_CHECK(indices.dtype() == DType::Int64, RuntimeError, "expected indices of dtype int64, got ",
             dtype_name(indices.dtype()));
    Tensor result = Tensor::empty(input_shape, grad.dtype(), grad.device());
    Backend::fill_(result, Scalar::from_int(0));
    if (result.numel() == 0) return result;
    const int d = wrap_dim(dim, input_shape.size());
    DimMask mask = make_mask(input_shape.size(), nullptr);
    for (int i = 0; i < input_shape.size(); ++i) mask.reduced[i] = i == d;
    Tensor g = Backend::contiguous(with_reduced_dims(grad, input_shape, mask, keepdim));
    Tensor index = Backend::contiguous(with_reduced_dims(indices, input_shape, mask, keepdim));
    Dims kept_shape = output_shape(input_shape, mask, true);
    AC_CHECK(g.shape() == kept_shape && index.shape() == kept_shape, RuntimeError, "index_reduce_backward: grad ",
             grad.shape().str(), " and indices ", indices.shape().str(), " do not match input ", input_shape.str());
    int64_t outer = 1, inner = 1, size = input_shape.size() ? input_shape[d] : 1;
    for (int i = 0; i < d; ++i) outer *= input_shape[i];
    for (int i = d + 1; i < input_shape.size(); ++i) inner *= input_shape[i];
    dispatch_floating(grad.dtype(), "index_reduce_backward", [](auto) {});
    Backend::scatter_index(g, index, result, outer, inner, size, d);
    return result;
  }
};

}  // namespace autocore
