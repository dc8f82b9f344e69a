// Elementwise kernels on CUDA: core/pointwise_math.h's formulas (shared with the CPU) with CUDA's math library,
// one grid-stride kernel template over the strided walk, and a table of launchers by op and dtype built from
// core/elementwise_ops.def. The entry points are core/elementwise_entry.h's (promotion, broadcasting, out=, as on
// the CPU) over CudaBackend below, which launches on the device's stream.
#include "cuda/elementwise.h"

#include <cmath>
#include <type_traits>

#include "core/elementwise_entry.h"
#include "core/pointwise_math.h"
#include "cuda/elementwise_kernel.cuh"

namespace autocore::cuda {

namespace {

using pointwise::kFloat;

// The math core/pointwise_math.h's formulas call as M::exp, M::log, M::tanh: CUDA's own.
struct CudaMath {
  template <class T> __device__ static T exp(T x) { return ::exp(x); }
  template <class T> __device__ static T log(T x) { return ::log(x); }
  template <class T> __device__ static T tanh(T x) { return ::tanh(x); }
};

template <class Formula>
struct OnCuda {
  template <class... Args> __device__ static auto apply(const Args&... args) {
    return Formula::template apply<CudaMath>(args...);
  }
};

template <class Op, class Out, class A>
__global__ void unary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[2];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<2>(o, i, off);
    *output_at<Out>(o, off[0]) = Op::apply(load_operand<A>(o, 1, off[1]), p);
  }
}

template <class Op, class Out, class A, class B>
__global__ void binary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<3>(o, i, off);
    *output_at<Out>(o, off[0]) = Op::apply(load_operand<A>(o, 1, off[1]), load_operand<B>(o, 2, off[2]), p);
  }
}

template <class Op, class Out, class A, class B, class C>
__global__ void ternary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[4];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<4>(o, i, off);
    *output_at<Out>(o, off[0]) =
        Op::apply(load_operand<A>(o, 1, off[1]), load_operand<B>(o, 2, off[2]), load_operand<C>(o, 3, off[3]), p);
  }
}

template <class To, class From>
__device__ To convert(From x) {
  if constexpr (std::is_same_v<To, int64_t> && kFloat<From>) return float_to_int64(x);
  else if constexpr (std::is_same_v<To, bool>) return x != From(0);
  else return static_cast<To>(x);
}

template <class To, class From>
__global__ void cast_kernel(EwOperands o, int64_t n) {
  int64_t off[2];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<2>(o, i, off);
    *output_at<To>(o, off[0]) = convert<To>(load_operand<From>(o, 1, off[1]));
  }
}

using Launch = void (*)(const EwOperands& o, int64_t n, const OpParams& p, cudaStream_t stream);
using CastLaunch = void (*)(const EwOperands& o, int64_t n, cudaStream_t stream);

template <class Op, class Out, class... In>
void launch(const EwOperands& o, int64_t n, const OpParams& p, cudaStream_t stream) {
  if constexpr (sizeof...(In) == 1) unary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
  else if constexpr (sizeof...(In) == 2)
    binary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
  else ternary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
}

template <class To, class From>
void launch_cast(const EwOperands& o, int64_t n, cudaStream_t stream) {
  cast_kernel<To, From><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n);
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

struct Table {
  Launch loops[kNumEwOps][kNumDTypes] = {};
  CastLaunch cast[kNumDTypes][kNumDTypes] = {};
  // One launcher per dtype of the op's list, with the operand types its kind takes.
  template <class Formula, EwKind kind, class... Ts> void add(EwOp op, pointwise::TypeList<Ts...>) {
    using Op = OnCuda<Formula>;
    if constexpr (kind == EwKind::UNARY || kind == EwKind::UNARY_PARAMS)
      ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::BINARY || kind == EwKind::GRAD || kind == EwKind::GRAD_PARAMS)
      ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::COMPARE) ((loops[int(op)][idx<Ts>] = &launch<Op, bool, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::GRAD3) ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts, Ts, Ts>), ...);
    else ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, bool, Ts, Ts>), ...);  // where
  }
  template <class To, class... Froms> void casts() { ((cast[idx<To>][idx<Froms>] = &launch_cast<To, Froms>), ...); }
  Table() {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) \
  add<pointwise::Formula, EwKind::kind>(EwOp::name, pointwise::dtypes{});
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
    casts<bool, bool, int64_t, float, double>();
    casts<int64_t, bool, int64_t, float, double>();
    casts<float, bool, int64_t, float, double>();
    casts<double, bool, int64_t, float, double>();
  }
};

const Table& table() {
  static const Table t;
  return t;
}

Launch find_loop(EwOp op, DType dtype) {
  Launch loop = table().loops[int(op)][int(dtype)];
  if (!loop) {
    if (op == EwOp::neg && dtype == DType::Bool)
      fail<RuntimeError>(
          "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
          "invert a mask, use the `~` or `logical_not()` operator instead.");
    fail<RuntimeError>("\"", ew_op_name(op), "\" not implemented for '", dtype_name(dtype), "'");
  }
  return loop;
}

// The CUDA side of core/elementwise_entry.h: scalars (Python numbers) travel inside the launch, and a 0-d CPU
// tensor beside a GPU one is copied over (PyTorch accepts it; promotion treats it as the 0-d tensor it is).
struct CudaBackend {
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }
  static void check_supported(EwOp op, DType dtype) { find_loop(op, dtype); }
  static bool foreign(const Tensor& t, const Tensor& like) {
    return t.device().is_cpu() && t.dim() == 0 && !like.device().is_cpu();
  }
  static Tensor adopt(const Tensor& t, const Tensor& like) {
    return foreign(t, like) ? to_device(t, like.device().index) : t;  // 0-d: always contiguous
  }
  static Tensor to_dtype(const Tensor& t, DType dtype) { return cuda::to_dtype(t, dtype); }
  static void copy_(const Tensor& dst, const Tensor& src) { cuda::copy_(dst, src); }
  static void fill_(const Tensor& dst, const Scalar& value) { cuda::fill_(dst, value); }
  static void run(EwOp op, DType dtype, StridedIter& it, const OpParams& params, const char* const* scalars) {
    Launch loop = find_loop(op, dtype);
    if (it.numel() == 0) return;
    it.coalesce();
    EwOperands o = make_operands(it);
    if (scalars)
      for (int k = 0; k < it.num_operands(); ++k)
        if (scalars[k]) {
          o.is_scalar[k] = true;
          for (int b = 0; b < 8; ++b) o.scalar[k][b] = scalars[k][b];
        }
    loop(o, it.numel(), params, stream(current_device()));
    AC_CUDA_CHECK_LAUNCH();
  }
};

using Entry = ElementwiseEntry<CudaBackend>;

}  // namespace

void launch_cast(StridedIter& it, DType to, DType from, const char* scalar) {
  CastLaunch loop = table().cast[int(to)][int(from)];
  if (it.numel() == 0) return;
  it.coalesce();
  EwOperands o = make_operands(it);
  if (scalar) {
    o.is_scalar[1] = true;
    for (int b = 0; b < 8; ++b) o.scalar[1][b] = scalar[b];
  }
  loop(o, it.numel(), stream(current_device()));
  AC_CUDA_CHECK_LAUNCH();
}

Tensor unary(EwOp op, const Tensor& x, const OpParams& params, const Tensor* out) {
  return Entry::unary(op, x, params, out);
}

Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out, const OpParams& params) {
  return Entry::binary(op, a, b, out, params);
}

Tensor binary_tensor_scalar(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, a, b, false, out);
}

Tensor binary_scalar_tensor(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, b, a, true, out);
}

Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c) { return Entry::ternary(op, a, b, c); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) { return Entry::where(condition, a, b); }

Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out) {
  return Entry::clamp(x, min, max, out);
}

}  // namespace autocore::cuda
