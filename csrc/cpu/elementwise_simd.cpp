// Elementwise inner loops, compiled once per instruction set (see isa.h). Each op is a functor holding
// its math; the loop template gives the compiler dense runs (and scalar-broadcast runs) to vectorise.
// exp, log, sigmoid and tanh come from simd_math.h, branch-free, so those loops vectorise too.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "cpu/elementwise.h"
#include "cpu/isa.h"
#include "cpu/simd_math.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

template <class T> constexpr bool kFloat = std::is_floating_point_v<T>;

// int64 arithmetic wraps around as in PyTorch (signed overflow would be undefined in C++).
template <class T> T wrap_add(T a, T b) { if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) + uint64_t(b)); else return a + b; }
template <class T> T wrap_sub(T a, T b) { if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) - uint64_t(b)); else return a - b; }
// Floats flip or clear the sign bit: 0 - x would give +0.0 for +0.0 (not -0.0), and abs(-0.0) must be +0.0.
template <class T> T negate(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return wrap_sub(T(0), x); else return -x;
}
template <class T> T magnitude(T x) {
  if constexpr (std::is_same_v<T, int64_t>) return x < 0 ? wrap_sub(T(0), x) : x; else return std::fabs(x);
}
template <class T> T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return int64_t(uint64_t(a) * uint64_t(b));
  else if constexpr (std::is_same_v<T, bool>) return a && b;
  else return a * b;
}

template <class T> T int_pow(T base, T exponent) {
  if (exponent < 0) return base == 1 ? 1 : base == -1 ? (exponent % 2 == 0 ? 1 : -1) : 0;
  T result = 1;
  for (; exponent > 0; exponent >>= 1, base = wrap_mul(base, base))
    if (exponent & 1) result = wrap_mul(result, base);
  return result;
}

#define BINARY(Name, expr) struct Name { template <class T> static T apply(T a, T b, const OpParams& p) { return expr; } }
#define COMPARE(Name, expr) struct Name { template <class T> static bool apply(T a, T b, const OpParams& p) { return expr; } }
#define UNARY(Name, expr) struct Name { template <class T> static T apply(T x, const OpParams& p) { return expr; } }
#define TERNARY(Name, expr) struct Name { template <class T> static T apply(T g, T a, T b, const OpParams& p) { return expr; } }

BINARY(Add, wrap_add(a, b));
BINARY(Sub, wrap_sub(a, b));
BINARY(Mul, wrap_mul(a, b));
BINARY(Div, a / b);
struct Pow {
  template <class T> static T apply(T a, T b, const OpParams&) {
    if constexpr (kFloat<T>) return std::pow(a, b); else return int_pow(a, b);
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
UNARY(Exp, simd::exp(x));
UNARY(Log, simd::log(x));
UNARY(Sqrt, std::sqrt(x));
UNARY(Sin, std::sin(x));
UNARY(Cos, std::cos(x));
UNARY(Relu, x < 0 ? T(0) : x);  // NaN passes through, as in PyTorch
UNARY(LeakyRelu, x < 0 ? x * T(p.alpha) : x);
UNARY(Sigmoid, simd::sigmoid(x));
UNARY(Tanh, simd::tanh(x));
UNARY(Erf, std::erf(x));  // for GELU; not on a hot path yet, so the C library's
struct Clamp {  // min(max(x, lo), hi): with lo > hi every element becomes hi, as in PyTorch
  template <class T> static T apply(T x, const OpParams& p) {
    if constexpr (kFloat<T>) {  // a NaN bound makes every element NaN, as PyTorch's clamp does
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

// Backward rules: a is the saved input x (or output y), the result is the gradient for x.
BINARY(AbsBackward, b > 0 ? a : b < 0 ? -a : T(0));
BINARY(SqrtBackward, a / (T(2) * b));
BINARY(SinBackward, a * std::cos(b));
BINARY(CosBackward, -a * std::sin(b));
BINARY(ReluBackward, b > 0 ? a : T(0));
BINARY(LeakyReluBackward, b > 0 ? a : a * T(p.alpha));
BINARY(SigmoidBackward, a * (T(1) - b) * b);
BINARY(TanhBackward, a * (T(1) - b * b));
BINARY(ClampBackward, (b >= p.alpha && b <= p.beta) ? a : T(0));

TERNARY(DivBackwardOther, -g * (a / b) / b);
TERNARY(PowBackwardBase, b == 0 ? T(0) : g * b * std::pow(a, b - 1));
TERNARY(PowBackwardExponent, (a == 0 && b >= 0) ? T(0) : g * std::pow(a, b) * simd::log(a));
// Ties split the gradient in half between the two inputs, as PyTorch does.
TERNARY(MaximumBackward, a < b ? T(0) : a == b ? g / 2 : g);
TERNARY(MinimumBackward, a > b ? T(0) : a == b ? g / 2 : g);
struct Where { template <class T> static T apply(bool c, T a, T b, const OpParams&) { return c ? a : b; } };

template <class Op, class Out, class... In>
struct Loop {
  using Args = std::tuple<In...>;

  template <size_t... I>
  static void run(std::index_sequence<I...>, char* const* p, const int64_t* s, int64_t n, const OpParams& prm) {
    Out* out = reinterpret_cast<Out*>(p[0]);
    if (s[0] == sizeof(Out) && ((s[I + 1] == int64_t(sizeof(In))) && ...)) {
      // Unrolled: several loads in flight per iteration keep streaming from L3 near its bandwidth
      // (relu out= on 1e7 floats: 15 -> 23 GB/s on one core).
#pragma GCC unroll 4
      for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(reinterpret_cast<const In*>(p[I + 1])[i]..., prm);
      return;
    }
    if constexpr (sizeof...(In) == 2) {  // x op scalar, scalar op x: one side broadcast along the row
      using A = std::tuple_element_t<0, Args>;
      using B = std::tuple_element_t<1, Args>;
      if (s[0] == sizeof(Out) && s[1] == int64_t(sizeof(A)) && s[2] == 0) {
        const A* a = reinterpret_cast<const A*>(p[1]);
        const B b = *reinterpret_cast<const B*>(p[2]);
        for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(a[i], b, prm);
        return;
      }
      if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == int64_t(sizeof(B))) {
        const A a = *reinterpret_cast<const A*>(p[1]);
        const B* b = reinterpret_cast<const B*>(p[2]);
        for (int64_t i = 0; i < n; ++i) out[i] = Op::apply(a, b[i], prm);
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<Out*>(p[0] + i * s[0]) =
          Op::apply(*reinterpret_cast<const In*>(p[I + 1] + i * s[I + 1])..., prm);
  }

  static void call(char* const* p, const int64_t* s, int64_t n, const OpParams& prm) {
    run(std::index_sequence_for<In...>{}, p, s, n, prm);
  }
};

template <class To, class From>
To convert(From x) {
  if constexpr (std::is_same_v<To, int64_t> && kFloat<From>) return float_to_int64(x);
  else return static_cast<To>(x);
}

template <class To, class From>
void cast_loop(char* const* p, const int64_t* s, int64_t n) {
  To* out = reinterpret_cast<To*>(p[0]);
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    if constexpr (std::is_same_v<To, From>) {
      std::memcpy(out, p[1], n * sizeof(To));
    } else {
      const From* in = reinterpret_cast<const From*>(p[1]);
      for (int64_t i = 0; i < n; ++i) out[i] = convert<To>(in[i]);
    }
  } else if (s[0] == sizeof(To) && s[1] == 0) {  // fill
    const To v = convert<To>(*reinterpret_cast<const From*>(p[1]));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<To*>(p[0] + i * s[0]) = convert<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
  }
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

struct TableBuilder {
  ElementwiseKernels t{};

  template <class Op, class... Ts> void binary(EwOp op) { ((t.loops[int(op)][idx<Ts>] = &Loop<Op, Ts, Ts, Ts>::call), ...); }
  template <class Op, class... Ts> void compare(EwOp op) { ((t.loops[int(op)][idx<Ts>] = &Loop<Op, bool, Ts, Ts>::call), ...); }
  template <class Op, class... Ts> void unary(EwOp op) { ((t.loops[int(op)][idx<Ts>] = &Loop<Op, Ts, Ts>::call), ...); }
  template <class Op, class... Ts> void ternary(EwOp op) { ((t.loops[int(op)][idx<Ts>] = &Loop<Op, Ts, Ts, Ts, Ts>::call), ...); }
  template <class Op, class... Ts> void where(EwOp op) { ((t.loops[int(op)][idx<Ts>] = &Loop<Op, Ts, bool, Ts, Ts>::call), ...); }
  template <class To, class... Froms> void casts() { ((t.cast[idx<To>][idx<Froms>] = &cast_loop<To, Froms>), ...); }

  TableBuilder() {
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

const ElementwiseKernels elementwise_kernels = TableBuilder().t;

}  // namespace

AUTOCORE_REGISTER_KERNELS(ElementwiseKernels, elementwise_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
