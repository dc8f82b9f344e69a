// Elementwise entry points: type promotion, broadcasting, output checks, then the per-ISA loops
// split across threads.
#include "cpu/elementwise.h"

#include <limits>

#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/copy.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

constexpr const char* kNames[kNumEwOps] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "neg", "abs", "exp", "log", "sqrt", "sin", "cos", "relu", "leaky_relu", "sigmoid", "tanh", "clamp", "erf",
    "abs_backward", "sqrt_backward", "sin_backward", "cos_backward", "relu_backward", "leaky_relu_backward",
    "sigmoid_backward", "tanh_backward", "clamp_backward",
    "where", "div_backward_other", "pow_backward_base", "pow_backward_exponent", "maximum_backward",
    "minimum_backward"};

bool is_comparison(EwOp op) { return op >= EwOp::eq && op <= EwOp::ge; }

// Ops whose integer inputs compute in the default float dtype (true division, transcendental functions).
bool promotes_integers_to_float(EwOp op) {
  switch (op) {
    case EwOp::div: case EwOp::exp: case EwOp::log: case EwOp::sqrt: case EwOp::sin: case EwOp::cos:
    case EwOp::sigmoid: case EwOp::tanh: case EwOp::leaky_relu: case EwOp::erf:
      return true;
    default:
      return op >= EwOp::abs_backward && op != EwOp::where;
  }
}

DType compute_dtype(EwOp op, DType promoted) {
  if (promotes_integers_to_float(op) && !is_floating(promoted)) return default_float_dtype();
  return promoted;
}

ElementwiseLoop find_loop(EwOp op, DType dtype) {
  ElementwiseLoop loop = kernels<ElementwiseKernels>().loops[int(op)][int(dtype)];
  if (!loop) {
    if (op == EwOp::neg && dtype == DType::Bool)
      fail<RuntimeError>("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                         "invert a mask, use the `~` or `logical_not()` operator instead.");
    fail<RuntimeError>("\"", kNames[int(op)], "\" not implemented for '", dtype_name(dtype), "'");
  }
  return loop;
}

// PyTorch refuses `-` whenever a bool is involved, tensor or Python bool, even if the other side would
// promote it to a number.
void check_sub_without_bool(EwOp op, bool a_is_bool, bool b_is_bool) {
  AC_CHECK(op != EwOp::sub || !(a_is_bool || b_is_bool), RuntimeError,
           "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
}

void check_cpu(const Tensor& t, const char* op) {
  AC_CHECK(t.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", t.device().str());
}

// Resolves where the result goes: a fresh tensor, or `out` when its dtype can hold the result. When
// `out` needs a different dtype, the caller computes into a temporary and copies (see finish()).
Tensor make_output(const Tensor* out, const Dims& shape, DType dtype, Device device, EwOp op) {
  if (!out) return Tensor::empty(shape, dtype, device);
  AC_CHECK(out->shape() == shape, RuntimeError, "output with shape ", out->shape().str(),
           " doesn't match the broadcast shape ", shape.str());
  AC_CHECK(can_cast(dtype, out->dtype()), RuntimeError, "result type ", dtype_name(dtype),
           " can't be cast to the desired output type ", dtype_name(out->dtype()));
  check_no_internal_overlap(*out, kNames[int(op)]);
  return out->dtype() == dtype ? *out : Tensor::empty(shape, dtype, device);
}

Tensor finish(const Tensor& result, const Tensor* out) {
  if (!out || out->data_ptr() == result.data_ptr()) return result;
  copy_(*out, result);
  return *out;
}

void launch(EwOp op, DType dtype, StridedIter& it, const OpParams& params) {
  ElementwiseLoop loop = find_loop(op, dtype);
  it.coalesce();
  parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    it.run(begin, end, [&](char* const* p, const int64_t* s, int64_t n) { loop(p, s, n, params); });
  });
}

}  // namespace

const char* ew_op_name(EwOp op) { return kNames[int(op)]; }

Tensor unary(EwOp op, const Tensor& x, const OpParams& params, const Tensor* out) {
  check_cpu(x, kNames[int(op)]);
  DType dtype = compute_dtype(op, x.dtype());
  find_loop(op, dtype);  // reject unsupported dtypes before allocating anything
  Tensor input = to_dtype(x, dtype);
  Tensor result = make_output(out, x.shape(), dtype, x.device(), op);
  StridedIter it(result);
  it.add_input(input);
  launch(op, dtype, it, params);
  return finish(result, out);
}

Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out, const OpParams& params) {
  check_cpu(a, kNames[int(op)]);
  check_sub_without_bool(op, a.dtype() == DType::Bool, b.dtype() == DType::Bool);
  check_same_device(a, b, kNames[int(op)]);
  ResultType promotion;
  promotion.add_tensor(a.dtype(), a.dim());
  promotion.add_tensor(b.dtype(), b.dim());
  DType dtype = compute_dtype(op, promotion.result());
  find_loop(op, dtype);
  Dims shape = broadcast_shapes(a.shape(), b.shape());
  Tensor lhs = to_dtype(a, dtype), rhs = to_dtype(b, dtype);
  Tensor result = make_output(out, shape, is_comparison(op) ? DType::Bool : dtype, a.device(), op);
  StridedIter it(result);
  it.add_input(lhs);
  it.add_input(rhs);
  launch(op, dtype, it, params);
  return finish(result, out);
}

namespace {
Tensor binary_with_scalar(EwOp op, const Tensor& t, const Scalar& s, bool scalar_first, const Tensor* out) {
  check_cpu(t, kNames[int(op)]);
  check_sub_without_bool(op, t.dtype() == DType::Bool, s.kind == Scalar::Kind::Bool);
  ResultType promotion;
  promotion.add_tensor(t.dtype(), t.dim());
  promotion.add_scalar(s);
  DType dtype = compute_dtype(op, promotion.result());
  find_loop(op, dtype);
  AC_CHECK(!(op == EwOp::pow && !scalar_first && dtype == DType::Int64 && s.kind != Scalar::Kind::Float && s.i < 0),
           RuntimeError, "Integers to negative integer powers are not allowed.");
  Tensor input = to_dtype(t, dtype);
  alignas(8) char value[8];
  s.store_as(dtype, value);
  Tensor result = make_output(out, t.shape(), is_comparison(op) ? DType::Bool : dtype, t.device(), op);
  StridedIter it(result);
  if (scalar_first) it.add_scalar(value);
  it.add_input(input);
  if (!scalar_first) it.add_scalar(value);
  launch(op, dtype, it, {});
  return finish(result, out);
}
}  // namespace

Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out) {
  return binary_with_scalar(op, a, b, false, out);
}

Tensor binary(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out) {
  return binary_with_scalar(op, b, a, true, out);
}

Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c) {
  check_cpu(a, kNames[int(op)]);
  check_same_device(a, b, kNames[int(op)]);
  check_same_device(a, c, kNames[int(op)]);
  ResultType promotion;
  for (const Tensor* t : {&a, &b, &c}) promotion.add_tensor(t->dtype(), t->dim());
  DType dtype = compute_dtype(op, promotion.result());
  find_loop(op, dtype);
  Dims shape = broadcast_shapes(broadcast_shapes(a.shape(), b.shape()), c.shape());
  Tensor inputs[3] = {to_dtype(a, dtype), to_dtype(b, dtype), to_dtype(c, dtype)};  // alive until launch ends
  Tensor result = Tensor::empty(shape, dtype, a.device());
  StridedIter it(result);
  for (const Tensor& t : inputs) it.add_input(t);
  launch(op, dtype, it, {});
  return result;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_cpu(condition, "where");
  check_same_device(condition, a, "where");
  check_same_device(a, b, "where");
  AC_CHECK(condition.dtype() == DType::Bool, RuntimeError,
           "where expected condition to be a boolean tensor, but got a tensor with dtype ", dtype_name(condition.dtype()));
  ResultType promotion;
  promotion.add_tensor(a.dtype(), a.dim());
  promotion.add_tensor(b.dtype(), b.dim());
  DType dtype = promotion.result();
  Dims shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape()), b.shape());
  Tensor lhs = to_dtype(a, dtype), rhs = to_dtype(b, dtype);
  Tensor result = Tensor::empty(shape, dtype, a.device());
  StridedIter it(result);
  it.add_input(condition);
  it.add_input(lhs);
  it.add_input(rhs);
  launch(EwOp::where, dtype, it, {});
  return result;
}

Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out) {
  AC_CHECK(min || max, RuntimeError, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ResultType promotion;
  promotion.add_tensor(x.dtype(), x.dim());
  if (min) promotion.add_scalar(*min);
  if (max) promotion.add_scalar(*max);
  OpParams params{min ? min->f : -std::numeric_limits<double>::infinity(),
                  max ? max->f : std::numeric_limits<double>::infinity()};
  DType dtype = promotion.result();
  if (dtype != x.dtype()) return unary(EwOp::clamp, to_dtype(x, dtype), params, out);
  return unary(EwOp::clamp, x, params, out);
}

Tensor leaky_relu(const Tensor& x, double negative_slope, const Tensor* out) {
  return unary(EwOp::leaky_relu, x, OpParams{negative_slope, 0}, out);
}

}  // namespace autocore::cpu
