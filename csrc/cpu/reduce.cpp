// Reduction entry points: dim handling, the [outer, r, inner] layout plan, threading, and backwards.
#include "cpu/reduce.h"

#include <cmath>

#include "core/parallel.h"
#include "cpu/copy.h"
#include "cpu/elementwise.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

struct Plan {
  Tensor source;  // x itself, or a contiguous copy with the kept dims moved in front
  ReduceShape shape;
};

Plan make_plan(const Tensor& x, const DimMask& mask) {
  ReduceLayout layout = reduce_layout(x, mask);
  return {layout.needs_copy ? contiguous(x.permute(layout.order)) : x, layout.shape};
}

// Splits the work over threads along outer, or along inner when there is a single outer row.
template <class Fn>
void run_parallel(const ReduceShape& s, const Fn& fn) {
  const int64_t work = s.outer * s.r * s.inner;
  if (s.outer > 1 || s.inner == 1) {
    int64_t grain = work > kElementwiseGrain ? std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, s.r * s.inner)) : s.outer;
    parallel_for(0, s.outer, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.outer = e - b;
      fn(part, b * s.outer_stride, b * s.out_outer_stride);
    });
  } else {
    int64_t grain = work > kElementwiseGrain ? std::max<int64_t>(256, kElementwiseGrain / std::max<int64_t>(1, s.r)) : s.inner;
    parallel_for(0, s.inner, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.inner = e - b;
      fn(part, b, b);
    });
  }
}

void check_cpu(const Tensor& x, const char* op) {
  AC_CHECK(x.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", x.device().str());
}

Tensor sum_impl(const Tensor& x, const DimMask& mask, bool keepdim) {
  DType out_dtype = is_floating(x.dtype()) ? x.dtype() : DType::Int64;
  Tensor out = Tensor::empty(output_shape(x.shape(), mask, keepdim), out_dtype, x.device());
  Plan plan = make_plan(x, mask);
  ReduceLoop loop = kernels<ReduceKernels>().sum[int(x.dtype())];
  const char* src = static_cast<const char*>(plan.source.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  const size_t in_size = x.itemsize(), out_size = out.itemsize();
  const ReduceShape& s = plan.shape;
  // One long row (the loss of a big batch): a partial sum per thread, then a sum of the partials.
  if (s.outer == 1 && s.inner == 1 && s.r > 4 * kElementwiseGrain && get_num_threads() > 1) {
    const int64_t chunks = get_num_threads(), step = (s.r + chunks - 1) / chunks;
    Tensor partial = Tensor::empty(Dims{chunks}, out_dtype, x.device());
    char* partial_data = static_cast<char*>(partial.data_ptr());
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t lo = std::min(s.r, c * step), n = std::min(s.r, lo + step) - lo;
        loop(src + lo * in_size, partial_data + c * out_size, ReduceShape{1, n, 1, n, 1, 1});
      }
    });
    kernels<ReduceKernels>().sum[int(out_dtype)](partial_data, dst, ReduceShape{1, chunks, 1, chunks, 1, 1});
    return out;
  }
  run_parallel(s, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
    loop(src + in_offset * in_size, dst + out_offset * out_size, part);
  });
  return out;
}

std::pair<Tensor, Tensor> arg_reduce(const Tensor& x, const DimMask& mask, bool keepdim, bool is_max, bool want_values,
                                     bool want_indices) {
  Dims shape = output_shape(x.shape(), mask, keepdim);
  Tensor values = want_values ? Tensor::empty(shape, x.dtype(), x.device()) : Tensor();
  Tensor indices = want_indices ? Tensor::empty(shape, DType::Int64, x.device()) : Tensor();
  Plan plan = make_plan(x, mask);
  ArgReduceLoop loop = (is_max ? kernels<ReduceKernels>().max : kernels<ReduceKernels>().min)[int(x.dtype())];
  const char* src = static_cast<const char*>(plan.source.data_ptr());
  char* vdst = want_values ? static_cast<char*>(values.data_ptr()) : nullptr;
  int64_t* idst = want_indices ? indices.data<int64_t>() : nullptr;
  const size_t size = x.itemsize();
  run_parallel(plan.shape, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
    loop(src + in_offset * size, vdst ? vdst + out_offset * size : nullptr, idst ? idst + out_offset : nullptr, part);
  });
  return {values, indices};
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  check_cpu(x, op);
  DimMask mask = single_dim_mask(x, dim);
  check_reduce_nonempty(x, mask, op);
  return arg_reduce(x, mask, keepdim, is_max, true, true);
}

Tensor extreme_all(const Tensor& x, bool is_max) {
  const char* op = is_max ? "max" : "min";
  check_cpu(x, op);
  AC_CHECK(x.numel() > 0, RuntimeError, op, "(): Expected reduction dim to be specified for input.numel() == 0. "
           "Specify the reduction dim with the 'dim' argument.");
  return arg_reduce(x, make_mask(x.dim(), nullptr), false, is_max, true, false).first;
}

Tensor extreme_over(const Tensor& x, const Dims* dims, bool keepdim, bool is_max) {
  const char* op = is_max ? "amax" : "amin";
  check_cpu(x, op);
  DimMask mask = make_mask(x.dim(), dims);
  check_reduce_nonempty(x, mask, op);
  if (x.numel() == 0 && x.dim() > 0) {  // an empty kept dim: nothing to reduce, an empty result
    return Tensor::empty(output_shape(x.shape(), mask, keepdim), x.dtype(), x.device());
  }
  return arg_reduce(x, mask, keepdim, is_max, true, false).first;
}

Tensor arg_extreme(const Tensor& x, const int64_t* dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  check_cpu(x, op);
  if (!dim) {
    AC_CHECK(x.numel() > 0, RuntimeError, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat = reshape(x, Dims{x.numel()});
    Tensor index = arg_reduce(flat, make_mask(1, nullptr), false, is_max, false, true).second;
    return keepdim ? index.view(Dims::filled(x.dim(), 1)) : index;
  }
  DimMask mask = single_dim_mask(x, *dim);
  check_reduce_nonempty(x, mask, op);
  return arg_reduce(x, mask, keepdim, is_max, false, true).second;
}

Tensor scale(const Tensor& t, double factor) {
  return binary(EwOp::mul, t, Scalar::from_float(factor));
}

}  // namespace

Tensor sum(const Tensor& x, const Dims* dims, bool keepdim) {
  check_cpu(x, "sum");
  return sum_impl(x, make_mask(x.dim(), dims), keepdim);
}

Tensor mean(const Tensor& x, const Dims* dims, bool keepdim) {
  check_cpu(x, "mean");
  check_reduce_floating(x, "mean");
  DimMask mask = make_mask(x.dim(), dims);
  Tensor total = sum_impl(x, mask, keepdim);
  return binary(EwOp::div, total, Scalar::from_int(reduced_count(x.shape(), mask)), &total);  // 0/0 = nan when empty
}

Tensor var(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  check_cpu(x, "var");
  check_reduce_floating(x, "var");
  DimMask mask = make_mask(x.dim(), dims);
  Tensor out = Tensor::empty(output_shape(x.shape(), mask, keepdim), x.dtype(), x.device());
  Plan plan = make_plan(x, mask);
  VarLoop loop = kernels<ReduceKernels>().var[int(x.dtype())];
  const char* src = static_cast<const char*>(plan.source.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  const size_t size = x.itemsize();
  run_parallel(plan.shape, [&](const ReduceShape& part, int64_t in_offset, int64_t out_offset) {
    loop(src + in_offset * size, dst + out_offset * size, part, correction);
  });
  return out;
}

Tensor std(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  Tensor v = var(x, dims, correction, keepdim);
  return unary(EwOp::sqrt, v, {}, &v);
}

Tensor amax(const Tensor& x, const Dims* dims, bool keepdim) { return extreme_over(x, dims, keepdim, true); }
Tensor amin(const Tensor& x, const Dims* dims, bool keepdim) { return extreme_over(x, dims, keepdim, false); }
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim(x, dim, keepdim, true); }
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) { return extreme_dim(x, dim, keepdim, false); }
Tensor max_all(const Tensor& x) { return extreme_all(x, true); }
Tensor min_all(const Tensor& x) { return extreme_all(x, false); }
Tensor argmax(const Tensor& x, const int64_t* dim, bool keepdim) { return arg_extreme(x, dim, keepdim, true); }
Tensor argmin(const Tensor& x, const int64_t* dim, bool keepdim) { return arg_extreme(x, dim, keepdim, false); }

// ---- backwards ---------------------------------------------------------------------------------

Tensor sum_to_shape(const Tensor& grad, const Dims& shape) {
  if (grad.shape() == shape) return grad;
  const int lead = grad.dim() - shape.size();
  AC_CHECK(lead >= 0, RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
           " cannot be reduced to the larger shape ", shape.str());
  Dims dims;
  for (int d = 0; d < grad.dim(); ++d) {
    int src = d - lead;
    if (src < 0) { dims.push_back(d); continue; }
    if (shape[src] == 1 && grad.shape()[d] != 1) dims.push_back(d);
    else AC_CHECK(shape[src] == grad.shape()[d], RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
                  " is not a broadcast of shape ", shape.str());
  }
  if (dims.empty()) return grad.view(shape);
  return reshape(sum(grad, &dims, true), shape);
}

Tensor sum_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
  DimMask mask = make_mask(input_shape.size(), dims);
  return with_reduced_dims(grad, input_shape, mask, keepdim).expand(input_shape);
}

Tensor mean_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
  DimMask mask = make_mask(input_shape.size(), dims);
  Tensor g = with_reduced_dims(grad, input_shape, mask, keepdim).expand(input_shape);
  return scale(g, 1.0 / static_cast<double>(reduced_count(input_shape, mask)));
}

Tensor var_backward(const Tensor& grad, const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  // d var / dx = 2 (x - mean) / (N - correction)
  DimMask mask = make_mask(x.dim(), dims);
  const double divisor = std::max(0.0, static_cast<double>(reduced_count(x.shape(), mask)) - correction);
  Tensor centered = binary(EwOp::sub, x, mean(x, dims, true));
  Tensor g = with_reduced_dims(grad, x.shape(), mask, keepdim);
  return binary(EwOp::mul, scale(centered, 2.0 / divisor), g);
}

Tensor std_backward(const Tensor& grad, const Tensor& x, const Tensor& std_out, const Dims* dims, double correction,
                    bool keepdim) {
  // d std = d var / (2 std), taken as 0 where std is 0 (PyTorch's choice, instead of nan)
  Tensor zero = Tensor::empty(Dims{}, grad.dtype(), grad.device());
  fill_(zero, Scalar::from_int(0));
  Tensor g = where(binary(EwOp::eq, std_out, Scalar::from_int(0)), zero,
                   binary(EwOp::div, grad, scale(std_out, 2.0)));
  return var_backward(g, x, dims, correction, keepdim);
}

Tensor amax_backward(const Tensor& grad, const Tensor& x, const Tensor& out, const Dims* dims, bool keepdim) {
  DimMask mask = make_mask(x.dim(), dims);
  Tensor extreme = with_reduced_dims(out, x.shape(), mask, keepdim);
  Tensor hits = to_dtype(binary(EwOp::eq, x, extreme), grad.dtype());
  Tensor count = sum(hits, dims, true);
  Tensor share = binary(EwOp::div, with_reduced_dims(grad, x.shape(), mask, keepdim), count);
  return binary(EwOp::mul, hits, share);
}

Tensor index_reduce_backward(const Tensor& grad, const Tensor& indices, int64_t dim, const Dims& input_shape,
                             bool keepdim) {
  AC_CHECK(indices.dtype() == DType::Int64, RuntimeError, "expected indices of dtype int64, got ",
           dtype_name(indices.dtype()));
  Tensor result = Tensor::empty(input_shape, grad.dtype(), grad.device());
  fill_(result, Scalar::from_int(0));
  if (result.numel() == 0) return result;
  const int d = wrap_dim(dim, input_shape.size());
  DimMask mask = make_mask(input_shape.size(), nullptr);
  for (int i = 0; i < input_shape.size(); ++i) mask.reduced[i] = i == d;
  Tensor g = contiguous(with_reduced_dims(grad, input_shape, mask, keepdim));
  Tensor index = contiguous(with_reduced_dims(indices, input_shape, mask, keepdim));
  Dims kept_shape = output_shape(input_shape, mask, true);
  AC_CHECK(g.shape() == kept_shape && index.shape() == kept_shape, RuntimeError, "index_reduce_backward: grad ",
           grad.shape().str(), " and indices ", indices.shape().str(), " do not match input ", input_shape.str());
  int64_t outer = 1, inner = 1, size = input_shape.size() ? input_shape[d] : 1;
  for (int i = 0; i < d; ++i) outer *= input_shape[i];
  for (int i = d + 1; i < input_shape.size(); ++i) inner *= input_shape[i];
  const int64_t* idx = index.data<int64_t>();
  for (int64_t k = 0; k < outer * inner; ++k)
    AC_CHECK(idx[k] >= 0 && idx[k] < size, IndexError, "index ", idx[k], " is out of bounds for dimension ", d,
             " with size ", size);
  dispatch_floating(grad.dtype(), "index_reduce_backward", [&](auto zero) {
    using T = decltype(zero);
    const T* src = g.data<T>();
    T* dst = result.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) dst[(o * size + idx[o * inner + i]) * inner + i] = src[o * inner + i];
  });
  return result;
}

}  // namespace autocore::cpu
