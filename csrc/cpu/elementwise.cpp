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

ElementwiseLoop find_loop(EwOp op, DType dtype) {
  ElementwiseLoop loop = kernels<ElementwiseKernels>().loops[int(op)][int(dtype)];
  if (!loop) {
    if (op == EwOp::neg && dtype == DType::Bool)
      fail<RuntimeError>("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                         "invert a mask, use the `~` or `logical_not()` operator instead.");
    fail<RuntimeError>("\"", ew_op_name(op), "\" not implemented for '", dtype_name(dtype), "'");
  }
  return loop;
}

void check_cpu(const Tensor& t, const char* op) {
  AC_CHECK(t.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", t.device().str());
}

// Resolves where the result goes: a fresh tensor, or `out` when its dtype can hold the result. When
// `out` needs a different dtype, the caller computes into a temporary and copies (see finish()).
Tensor make_output(const Tensor* out, const Dims& shape, DType dtype, Device device, EwOp op) {
  if (!out) return Tensor::empty(shape, dtype, device);
  check_out(*out, shape, dtype, op);
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

Tensor unary(EwOp op, const Tensor& x, const OpParams& params, const Tensor* out) {
  check_cpu(x, ew_op_name(op));
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
  check_cpu(a, ew_op_name(op));
  check_sub_without_bool(op, a.dtype() == DType::Bool, b.dtype() == DType::Bool);
  check_same_device(a, b, ew_op_name(op));
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
  check_cpu(t, ew_op_name(op));
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
  check_cpu(a, ew_op_name(op));
  check_same_device(a, b, ew_op_name(op));
  check_same_device(a, c, ew_op_name(op));
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
