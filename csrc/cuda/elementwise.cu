// Elementwise kernels on CUDA: each op a functor with its math (the same as cpu/elementwise_simd.cpp's),
// one grid-stride kernel template over the strided walk, and a table of launchers by op and dtype that
// says which combinations exist. The entry points are core/elementwise_entry.h's (promotion, broadcasting,
// out=, as on the CPU) over CudaBackend below, which launches on the device's stream.
#include "cuda/elementwise.h"

#include <cmath>
#include <type_traits>

#include "core/elementwise_entry.h"
#include "cuda/elementwise_kernel.cuh"

namespace autocore::cuda {

namespace {

template <class T> constexpr bool kFloat = std::is_floating_point_v<T>;

// int64 arithmetic wraps around as in PyTorch (signed overflow would be undefined in C++).
template <class T> __device__ T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) + uint64_t(b));
  else if constexpr (std::is_same_v<T, bool>) return a || b;
  else return a + b;
}
template <class T> __device__ T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) - uint64_t(b)); else return a - b;
}
// Floats flip or clear the sign bit: 0 - x would give +0.0 for +0.0 (not -0.0), and abs(-0.0) must be +0.0.
template <class T> __device__ T negate(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return wrap_sub(T(0), x); else return -x;
}
template <class T> __device__ T magnitude(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return x < 0 ? wrap_sub(T(0), x) : x; else return fabs(x);
}
template <class T> __device__ T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) * uint64_t(b));
  else if constexpr (std::is_same_v<T, bool>) return a && b;
  else return a * b;
}
template <class T> __device__ T int_pow(T base, T exponent) {
  if (exponent < 0) return base == 1 ? 1 : base == -1 ? (exponent % 2 == 0 ? 1 : -1) : 0;
  T result = 1;
  for (; exponent > 0; exponent >>= 1, base = wrap_mul(base, base))
    if (exponent & 1) result = wrap_mul(result, base);
  return result;
}
template <class T> __device__ T sigmoid(T x) { return T(1) / (T(1) + exp(-x)); }

#define BINARY(Name, expr) struct Name { template <class T> __device__ static T apply(T a, T b, const OpParams& p) { return expr; } }
#define COMPARE(Name, expr) struct Name { template <class T> __device__ static bool apply(T a, T b, const OpParams& p) { return expr; } }
#define UNARY(Name, expr) struct Name { template <class T> __device__ static T apply(T x, const OpParams& p) { return expr; } }
#define TERNARY(Name, expr) struct Name { template <class T> __device__ static T apply(T g, T a, T b, const OpParams& p) { return expr; } }

BINARY(Add, wrap_add(a, b));
BINARY(Sub, wrap_sub(a, b));
BINARY(Mul, wrap_mul(a, b));
BINARY(Div, a / b);
struct Pow {
  template <class T> __device__ static T apply(T a, T b, const OpParams&) {
    if constexpr (kFloat<T>) return pow(a, b); else return int_pow(a, b);
  }
};
// maximum/minimum propagate NaN, as torch.maximum does.
BINARY(Maximum, a != a ? a : b != b ? b : a > b ? a : b);
BINARY(Minimum, a != a ? a : b != b ? b : a < b ? a : b);
COMPARE(Eq, a == b);
COMPARE(Ne, a != b);
COMPARE(Lt, a < b);
COMPARE(Le, a <= b);
COMPARE(Gt, a > b);
COMPARE(Ge, a >= b);
UNARY(Neg, negate(x));
UNARY(Abs, magnitude(x));
UNARY(Exp, exp(x));
UNARY(Log, log(x));
UNARY(Sqrt, sqrt(x));
UNARY(Sin, sin(x));
UNARY(Cos, cos(x));
UNARY(Relu, x < 0 ? T(0) : x);  // NaN passes through, as in PyTorch
UNARY(LeakyRelu, x < 0 ? x * T(p.alpha) : x);
UNARY(Sigmoid, sigmoid(x));
UNARY(Tanh, tanh(x));
UNARY(Erf, erf(x));
struct Clamp {  // min(max(x, lo), hi): with lo > hi every element becomes hi, as in PyTorch
  template <class T> __device__ static T apply(T x, const OpParams& p) {
    if constexpr (std::is_floating_point_v<T>) {  // a NaN bound makes every element NaN, as PyTorch's clamp does
      T r = x < p.alpha || p.alpha != p.alpha ? T(p.alpha) : x;
      return r > p.beta || p.beta != p.beta ? T(p.beta) : r;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      T r = x < p.int_min ? p.int_min : x;
      return r > p.int_max ? p.int_max : r;
    } else {
      T r = x < p.alpha ? T(p.alpha) : x;
      return r > p.beta ? T(p.beta) : r;
    }
  }
};
// Backward rules: a is the incoming gradient, b the saved input x (or output y).
BINARY(AbsBackward, b > 0 ? a : b < 0 ? -a : T(0));
BINARY(SqrtBackward, a / (T(2) * b));
BINARY(SinBackward, a * cos(b));
BINARY(CosBackward, -a * sin(b));
BINARY(ReluBackward, b > 0 ? a : T(0));
BINARY(LeakyReluBackward, b > 0 ? a : a * T(p.alpha));
BINARY(SigmoidBackward, a * (T(1) - b) * b);
BINARY(TanhBackward, a * (T(1) - b * b));
BINARY(ClampBackward, (b >= p.alpha && b <= p.beta) ? a : T(0));
TERNARY(DivBackwardOther, -g * (a / b) / b);
TERNARY(PowBackwardBase, b == 0 ? T(0) : g * b * pow(a, b - 1));
TERNARY(PowBackwardExponent, (a == 0 && b >= 0) ? T(0) : g * pow(a, b) * log(a));
// Ties split the gradient in half between the two inputs, as PyTorch does.
TERNARY(MaximumBackward, a < b ? T(0) : a == b ? g / 2 : g);
TERNARY(MinimumBackward, a > b ? T(0) : a == b ? g / 2 : g);
struct Where { template <class T> __device__ static T apply(bool c, T a, T b, const OpParams&) { return c ? a : b; } };

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
    *output_at<Out>(o, off[0]) = Op::apply(load_operand<A>(o, 1, off[1]), load_operand<B>(o, 2, off[2]),
                                           load_operand<C>(o, 3, off[3]), p);
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
  else if constexpr (sizeof...(In) == 2) binary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
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
  template <class Op, class... Ts> void binary(EwOp op) { ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts, Ts>), ...); }
  template <class Op, class... Ts> void compare(EwOp op) { ((loops[int(op)][idx<Ts>] = &launch<Op, bool, Ts, Ts>), ...); }
  template <class Op, class... Ts> void unary(EwOp op) { ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts>), ...); }
  template <class Op, class... Ts> void ternary(EwOp op) { ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, Ts, Ts, Ts>), ...); }
  template <class Op, class... Ts> void where(EwOp op) { ((loops[int(op)][idx<Ts>] = &launch<Op, Ts, bool, Ts, Ts>), ...); }
  template <class To, class... Froms> void casts() { ((cast[idx<To>][idx<Froms>] = &launch_cast<To, Froms>), ...); }
  Table() {
    binary<Add, bool, int64_t, float, double>(EwOp::add);
    binary<Sub, int64_t, float, double>(EwOp::sub);
    binary<Mul, bool, int64_t, float, double>(EwOp::mul);
    binary<Div, float, double>(EwOp::div);
    binary<Pow, int64_t, float, double>(EwOp::pow);
    binary<Maximum, bool, int64_t, float, double>(EwOp::maximum);
    binary<Minimum, bool, int64_t, float, double>(EwOp::minimum);
    compare<Eq, bool, int64_t, float, double>(EwOp::eq);
    compare<Ne, bool, int64_t, float, double>(EwOp::ne);
    compare<Lt, bool, int64_t, float, double>(EwOp::lt);
    compare<Le, bool, int64_t, float, double>(EwOp::le);
    compare<Gt, bool, int64_t, float, double>(EwOp::gt);
    compare<Ge, bool, int64_t, float, double>(EwOp::ge);
    unary<Neg, int64_t, float, double>(EwOp::neg);
    unary<Abs, int64_t, float, double>(EwOp::abs);
    unary<Exp, float, double>(EwOp::exp);
    unary<Log, float, double>(EwOp::log);
    unary<Sqrt, float, double>(EwOp::sqrt);
    unary<Sin, float, double>(EwOp::sin);
    unary<Cos, float, double>(EwOp::cos);
    unary<Relu, int64_t, float, double>(EwOp::relu);
    unary<LeakyRelu, float, double>(EwOp::leaky_relu);
    unary<Sigmoid, float, double>(EwOp::sigmoid);
    unary<Tanh, float, double>(EwOp::tanh);
    unary<Erf, float, double>(EwOp::erf);
    unary<Clamp, int64_t, float, double>(EwOp::clamp);
    binary<AbsBackward, float, double>(EwOp::abs_backward);
    binary<SqrtBackward, float, double>(EwOp::sqrt_backward);
    binary<SinBackward, float, double>(EwOp::sin_backward);
    binary<CosBackward, float, double>(EwOp::cos_backward);
    binary<ReluBackward, float, double>(EwOp::relu_backward);
    binary<LeakyReluBackward, float, double>(EwOp::leaky_relu_backward);
    binary<SigmoidBackward, float, double>(EwOp::sigmoid_backward);
    binary<TanhBackward, float, double>(EwOp::tanh_backward);
    binary<ClampBackward, float, double>(EwOp::clamp_backward);
    where<Where, bool, int64_t, float, double>(EwOp::where);
    ternary<DivBackwardOther, float, double>(EwOp::div_backward_other);
    ternary<PowBackwardBase, float, double>(EwOp::pow_backward_base);
    ternary<PowBackwardExponent, float, double>(EwOp::pow_backward_exponent);
    ternary<MaximumBackward, float, double>(EwOp::maximum_backward);
    ternary<MinimumBackward, float, double>(EwOp::minimum_backward);
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
      fail<RuntimeError>("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
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

Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, a, b, false, out);
}

Tensor binary(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out) {
  return Entry::binary_with_scalar(op, b, a, true, out);
}

Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c) { return Entry::ternary(op, a, b, c); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) { return Entry::where(condition, a, b); }

Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out) {
  return Entry::clamp(x, min, max, out);
}

}  // namespace autocore::cuda
