// Reductions on the CPU: core/reduce_entry.h's entry points and backwards over the per-ISA loops
// (cpu/reduce_simd.cpp), run on the [outer, r, inner] plan of core/reduce_plan.h and split across threads.
#include "cpu/reduce.h"

#include <cmath>

#include "core/kernels.h"
#include "core/parallel.h"
#include "core/reduce_entry.h"
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
    int64_t grain = work > kElementwiseGrain
                        ? std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, s.r * s.inner))
                        : s.outer;
    parallel_for(0, s.outer, grain, [&](int64_t b, int64_t e) {
      ReduceShape part = s;
      part.outer = e - b;
      fn(part, b * s.outer_stride, b * s.out_outer_stride);
    });
  } else {
    int64_t grain =
        work > kElementwiseGrain ? std::max<int64_t>(256, kElementwiseGrain / std::max<int64_t>(1, s.r)) : s.inner;
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

// The CPU side of core/reduce_entry.h.
struct CpuBackend {
  static void check_device(const Tensor& t, const char* op) { check_cpu(t, op); }
  static Tensor sum_impl(const Tensor& x, const DimMask& mask, bool keepdim) { return cpu::sum_impl(x, mask, keepdim); }
  static std::pair<Tensor, Tensor> arg_reduce(const Tensor& x, const DimMask& mask, bool keepdim, bool is_max,
                                              bool want_values, bool want_indices) {
    return cpu::arg_reduce(x, mask, keepdim, is_max, want_values, want_indices);
  }
  static Tensor var_impl(const Tensor& x, const DimMask& mask, double correction, bool keepdim) {
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
  static void scatter_index(const Tensor& g, const Tensor& index, const Tensor& result, int64_t outer, int64_t inner,
                            int64_t size, int d) {
    const int64_t* idx = index.data<int64_t>();
    for (int64_t k = 0; k < outer * inner; ++k)
      AC_CHECK(idx[k] >= 0 && idx[k] < size, IndexError, "index ", idx[k], " is out of bounds for dimension ", d,
               " with size ", size);
    dispatch_floating(g.dtype(), "index_reduce_backward", [&](auto zero) {
      using T = decltype(zero);
      const T* src = g.data<T>();
      T* dst = result.data<T>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) dst[(o * size + idx[o * inner + i]) * inner + i] = src[o * inner + i];
    });
  }
  static Tensor reshape(const Tensor& t, const Dims& shape) { return cpu::reshape(t, shape); }
  static Tensor contiguous(const Tensor& t) { return cpu::contiguous(t); }
  static Tensor to_dtype(const Tensor& t, DType dtype) { return cpu::to_dtype(t, dtype); }
  static void fill_(const Tensor& t, const Scalar& value) { cpu::fill_(t, value); }
  static Tensor binary(EwOp op, const Tensor& a, const Tensor& b) { return cpu::binary(op, a, b); }
  static Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out = nullptr) {
    return cpu::binary_tensor_scalar(op, a, b, out);
  }
  static Tensor sqrt_(const Tensor& t) { return unary(EwOp::sqrt, t, {}, &t); }
  static Tensor where(const Tensor& c, const Tensor& a, const Tensor& b) { return cpu::where(c, a, b); }
};

using Entry = ReduceEntry<CpuBackend>;

}  // namespace

Tensor sum(const Tensor& x, const Dims* dims, bool keepdim) { return Entry::sum(x, dims, keepdim); }
Tensor mean(const Tensor& x, const Dims* dims, bool keepdim) { return Entry::mean(x, dims, keepdim); }
Tensor var(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  return Entry::var(x, dims, correction, keepdim);
}
Tensor std(const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  return Entry::std(x, dims, correction, keepdim);
}
Tensor amax(const Tensor& x, const Dims* dims, bool keepdim) { return Entry::extreme_over(x, dims, keepdim, true); }
Tensor amin(const Tensor& x, const Dims* dims, bool keepdim) { return Entry::extreme_over(x, dims, keepdim, false); }
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return Entry::extreme_dim(x, dim, keepdim, true);
}
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return Entry::extreme_dim(x, dim, keepdim, false);
}
Tensor max_all(const Tensor& x) { return Entry::extreme_all(x, true); }
Tensor min_all(const Tensor& x) { return Entry::extreme_all(x, false); }
Tensor argmax(const Tensor& x, const int64_t* dim, bool keepdim) { return Entry::arg_extreme(x, dim, keepdim, true); }
Tensor argmin(const Tensor& x, const int64_t* dim, bool keepdim) { return Entry::arg_extreme(x, dim, keepdim, false); }

Tensor sum_to_shape(const Tensor& grad, const Dims& shape) { return Entry::sum_to_shape(grad, shape); }
Tensor sum_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
  return Entry::sum_backward(grad, input_shape, dims, keepdim);
}
Tensor mean_backward(const Tensor& grad, const Dims& input_shape, const Dims* dims, bool keepdim) {
  return Entry::mean_backward(grad, input_shape, dims, keepdim);
}
Tensor var_backward(const Tensor& grad, const Tensor& x, const Dims* dims, double correction, bool keepdim) {
  return Entry::var_backward(grad, x, dims, correction, keepdim);
}
Tensor std_backward(const Tensor& grad, const Tensor& x, const Tensor& std_out, const Dims* dims, double correction,
                    bool keepdim) {
  return Entry::std_backward(grad, x, std_out, dims, correction, keepdim);
}
Tensor amax_backward(const Tensor& grad, const Tensor& x, const Tensor& out, const Dims* dims, bool keepdim) {
  return Entry::amax_backward(grad, x, out, dims, keepdim);
}
Tensor index_reduce_backward(const Tensor& grad, const Tensor& indices, int64_t dim, const Dims& input_shape,
                             bool keepdim) {
  return Entry::index_reduce_backward(grad, indices, dim, input_shape, keepdim);
}

}  // namespace autocore::cpu
