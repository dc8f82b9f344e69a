// The elementwise entry points, written once over a device backend: type promotion, broadcasting and `out=`,
// then the backend's loops. Each function the family's kernels (core/kernels/elementwise.def) name has that name.
// cpu/elementwise.cpp and cuda/elementwise.cu each define a Backend, derived from its device's kernels (CpuKernels,
// CudaKernels: Backend::to_dtype, Backend::copy_, Backend::fill_), with
//   static void check_device(const Tensor& t, const char* op);  // t lives on this backend's device (made current)
//   static void check_supported(EwOp op, DType dtype);           // "\"op\" not implemented for 'dtype'"
//   static bool foreign(const Tensor& t, const Tensor& like);     // t must move to like's device first (a 0-d
//   static Tensor adopt(const Tensor& t, const Tensor& like);     // CPU tensor beside a GPU one), and the move
//   static void run(EwOp op, DType dtype, StridedIter& it, const OpParams& params, const char* const* scalars);
//   static constexpr bool kWidensInBlocks;                        // if true, a narrow op's loop runs through
//   static void run_widened(EwOp, DType narrow, StridedIter&, const OpParams&, const char* const* scalars,
//                           unsigned narrow_operands);            // (bit k: operand k is stored narrow)
// `scalars[k]`, when not null, holds the 8 bytes of operand k, a Python number (added with add_scalar).
#pragma once
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "core/convert.h"
#include "core/elementwise_rules.h"
#include "core/scalar.h"
#include "core/strided_iter.h"

namespace autocore {

template <class Backend>
struct ElementwiseEntry {
  // Resolves where the result goes: a fresh tensor, or `out` when its dtype can hold the result. When `out`
  // needs another dtype, the result is computed into a temporary and copied (see finish()).
  static Tensor make_output(const Tensor* out, const Dims& shape, DType dtype, Device device, EwOp op) {
    if (!out) return Tensor::empty(shape, dtype, device);
    AC_CHECK(out->device() == device, RuntimeError, "Expected out tensor to be on ", device.str(), " but got ",
             out->device().str());
    check_out(*out, shape, dtype, op);
    return out->dtype() == dtype ? *out : Tensor::empty(shape, dtype, device);
  }

  static Tensor finish(const Tensor& result, const Tensor* out) {
    if (out) out->bump_version();
    if (!out || out->data_ptr() == result.data_ptr()) return result;
    Backend::copy_(*out, result);
    return *out;
  }

  // A narrow dtype (core/dtype.h) has no loops of its own: its op runs the wide dtype's loop, and the result is
  // rounded back once (a comparison's is bool already). An operand is a tensor, widened on the way in when it has
  // the op's dtype (a bool condition or an operand made wide already passes as it is), or a number's 8 bytes in
  // the wide dtype. A backend that can (the CPU) widens block by block in cache; otherwise whole temporaries do.
  struct NarrowOperand {
    const Tensor* tensor;
    const char* number;
  };
  static NarrowOperand operand(const Tensor& t) { return {&t, nullptr}; }
  static NarrowOperand operand(const char* number) { return {nullptr, number}; }

  static Tensor run_narrow(EwOp op, DType dtype, const Dims& shape, Device device, const Tensor* out,
                           const OpParams& params, std::initializer_list<NarrowOperand> inputs) {
    const DType wide = wide_dtype(dtype);
    Backend::check_supported(op, wide);
    const DType result_dtype = is_comparison(op) ? DType::Bool : dtype;
    Tensor result = make_output(out, shape, result_dtype, device, op);
    const char* numbers[kMaxOperands] = {};
    if constexpr (Backend::kWidensInBlocks) {
      StridedIter it(result);
      unsigned narrow_operands = result_dtype == dtype ? 1u : 0u;  // bit k: operand k is stored in `dtype`
      int k = 1;
      for (const NarrowOperand& in : inputs) {
        if (in.number) {
          it.add_scalar(numbers[k] = in.number);
        } else {
          it.add_input(*in.tensor);
          if (in.tensor->dtype() == dtype) narrow_operands |= 1u << k;
        }
        ++k;
      }
      Backend::run_widened(op, dtype, it, params, numbers, narrow_operands);
    } else {
      Tensor wide_result = result_dtype == DType::Bool ? result : Tensor::empty(shape, wide, device);
      Tensor wide_inputs[kMaxOperands];
      StridedIter it(wide_result);
      int k = 1;
      for (const NarrowOperand& in : inputs) {
        if (in.number) {
          it.add_scalar(numbers[k] = in.number);
        } else {
          wide_inputs[k] = in.tensor->dtype() == dtype ? Backend::to_dtype(*in.tensor, wide) : *in.tensor;
          it.add_input(wide_inputs[k]);
        }
        ++k;
      }
      Backend::run(op, wide, it, params, numbers);
      if (result_dtype != DType::Bool) Backend::copy_(result, wide_result);
    }
    return finish(result, out);
  }

  static Tensor unary(EwOp op, const Tensor& x, const OpParams& params, const Tensor* out) {
    Backend::check_device(x, ew_op_name(op));
    DType dtype = compute_dtype(op, x.dtype());
    if (is_narrow(dtype)) {
      Tensor input = Backend::to_dtype(x, dtype);
      return run_narrow(op, dtype, x.shape(), x.device(), out, params, {operand(input)});
    }
    Backend::check_supported(op, dtype);  // before anything is allocated
    Tensor cast;
    const Tensor& input = x.dtype() == dtype ? x : (cast = Backend::to_dtype(x, dtype));
    Tensor result = make_output(out, x.shape(), dtype, x.device(), op);
    StridedIter it(result);
    it.add_input(input);
    Backend::run(op, dtype, it, params, nullptr);
    return finish(result, out);
  }

  static Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out, const OpParams& params) {
    if (Backend::foreign(a, b) || Backend::foreign(b, a))
      return binary(op, Backend::adopt(a, b), Backend::adopt(b, a), out, params);
    check_sub_without_bool(op, a.dtype() == DType::Bool, b.dtype() == DType::Bool);
    check_same_device(a, b, ew_op_name(op));
    Backend::check_device(a, ew_op_name(op));
    // Operands of one dtype and shape (most calls of a small model) need no promotion, broadcast or cast copies.
    const bool alike = a.dtype() == b.dtype() && a.shape() == b.shape();
    DType dtype = a.dtype();
    if (!alike) {
      ResultType promotion;
      promotion.add_tensor(a.dtype(), a.dim());
      promotion.add_tensor(b.dtype(), b.dim());
      dtype = promotion.result();
    }
    dtype = compute_dtype(op, dtype);
    if (is_narrow(dtype)) {
      Tensor lhs = narrow_input(a, dtype, op), rhs = narrow_input(b, dtype, op);
      return run_narrow(op, dtype, alike ? a.shape() : broadcast_shapes(a.shape(), b.shape()), a.device(), out, params,
                        {operand(lhs), operand(rhs)});
    }
    Backend::check_supported(op, dtype);
    Tensor cast_a, cast_b;  // filled only when an operand needs another dtype
    const Tensor& lhs = a.dtype() == dtype ? a : (cast_a = Backend::to_dtype(a, dtype));
    const Tensor& rhs = b.dtype() == dtype ? b : (cast_b = Backend::to_dtype(b, dtype));
    Tensor result = make_output(out, alike ? a.shape() : broadcast_shapes(a.shape(), b.shape()),
                                is_comparison(op) ? DType::Bool : dtype, a.device(), op);
    StridedIter it(result);
    it.add_input(lhs);
    it.add_input(rhs);
    Backend::run(op, dtype, it, params, nullptr);
    return finish(result, out);
  }

  // A tensor operand of a narrow op: cast to the op's dtype first, as PyTorch casts every operand to the common
  // dtype (so uint8 < 300 compares with 44). A 0-d operand of another dtype goes on to the wide dtype here (one
  // element): PyTorch's mul and div of a half type take its value unrounded.
  static bool keeps_scalar_unrounded(EwOp op, DType dtype) {
    return is_floating(dtype) && (op == EwOp::mul || op == EwOp::div);
  }
  static Tensor narrow_input(const Tensor& t, DType dtype, EwOp op) {
    if (t.dtype() == dtype || t.dim() != 0) return Backend::to_dtype(t, dtype);
    const bool unrounded = keeps_scalar_unrounded(op, dtype);
    return Backend::to_dtype(unrounded ? t : Backend::to_dtype(t, dtype), wide_dtype(dtype));
  }
  static Scalar widened(const Scalar& s, DType dtype, EwOp op) {
    if (keeps_scalar_unrounded(op, dtype)) return s;
    alignas(8) char value[8];
    s.store_as(dtype, value);
    return dispatch_all(dtype, [&](auto zero) {
      decltype(zero) v;
      std::memcpy(&v, value, sizeof v);
      return is_floating(dtype) ? Scalar::from_float(convert_element<double>(v))
                                : Scalar::from_int(convert_element<int64_t>(v));
    });
  }

  // PyTorch converts pow's exponent into a narrow dtype checked (int8 ** 300 is refused), after refusing a negative
  // integer power of an integer.
  static void check_narrow_exponent(const Scalar& s, DType dtype) {
    AC_CHECK(is_floating(dtype) || s.kind == Scalar::Kind::Float || s.i >= 0, RuntimeError,
             "Integers to negative integer powers are not allowed.");
    const bool fits = dispatch_all(dtype, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_integral_v<T>)
        return s.i >= int64_t(std::numeric_limits<T>::min()) && s.i <= int64_t(std::numeric_limits<T>::max());
      else  // (inf and nan are exponents a half type holds)
        return !(std::fabs(s.f) > (std::is_same_v<T, Half> ? 65504.0 : 3.3895313892515355e38)) || std::isinf(s.f);
    });
    AC_CHECK(fits, RuntimeError, "value cannot be converted to type ",
             is_floating(dtype)      ? cpp_type_name(dtype)
             : dtype == DType::Int32 ? "int"
                                     : dtype_name(dtype),
             is_floating(dtype) || dtype == DType::Int32 ? "" : "_t", " without overflow");
  }

  static Tensor binary_tensor_scalar(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out) {
    return binary_with_scalar(op, a, b, false, out);
  }

  static Tensor binary_scalar_tensor(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out) {
    return binary_with_scalar(op, b, a, true, out);
  }

  static Tensor binary_with_scalar(EwOp op, const Tensor& t, const Scalar& s, bool scalar_first, const Tensor* out) {
    Backend::check_device(t, ew_op_name(op));
    check_sub_without_bool(op, t.dtype() == DType::Bool, s.kind == Scalar::Kind::Bool);
    ResultType promotion;
    promotion.add_tensor(t.dtype(), t.dim());
    promotion.add_scalar(s);
    DType dtype = compute_dtype(op, promotion.result());
    if (is_narrow(dtype)) {
      if (op == EwOp::pow && !scalar_first) check_narrow_exponent(s, dtype);
      Tensor input = Backend::to_dtype(t, dtype);
      alignas(8) char number[8];
      widened(s, dtype, op).store_as(wide_dtype(dtype), number);
      const NarrowOperand tensor = operand(input), scalar = operand(number);
      return scalar_first ? run_narrow(op, dtype, t.shape(), t.device(), out, {}, {scalar, tensor})
                          : run_narrow(op, dtype, t.shape(), t.device(), out, {}, {tensor, scalar});
    }
    if (op == EwOp::pow && !scalar_first) {
      if (dtype == DType::Bool) return bool_power(t, s.i != 0, out);
      const bool float32_cannot_hold = static_cast<double>(static_cast<float>(s.f)) != s.f;
      if (dtype == DType::Float32 && s.kind == Scalar::Kind::Float && float32_cannot_hold) return wide_power(t, s, out);
    }
    Backend::check_supported(op, dtype);
    AC_CHECK(!(op == EwOp::pow && !scalar_first && dtype == DType::Int64 && s.kind != Scalar::Kind::Float && s.i < 0),
             RuntimeError, "Integers to negative integer powers are not allowed.");
    Tensor input = Backend::to_dtype(t, dtype);
    alignas(8) char value[8];
    s.store_as(dtype, value);
    Tensor result = make_output(out, t.shape(), is_comparison(op) ? DType::Bool : dtype, t.device(), op);
    StridedIter it(result);
    const char* scalars[3] = {nullptr, nullptr, nullptr};
    if (scalar_first) {
      it.add_scalar(value);
      scalars[1] = value;
    }
    it.add_input(input);
    if (!scalar_first) {
      it.add_scalar(value);
      scalars[2] = value;
    }
    Backend::run(op, dtype, it, {}, scalars);
    return finish(result, out);
  }

  // PyTorch answers x ** True with a copy of x and x ** False with ones, before any kernel (which bools lack).
  static Tensor bool_power(const Tensor& t, bool exponent, const Tensor* out) {
    Tensor result = make_output(out, t.shape(), DType::Bool, t.device(), EwOp::pow);
    if (exponent) Backend::copy_(result, t);
    else Backend::fill_(result, Scalar::from_bool(true));
    return finish(result, out);
  }

  // PyTorch raises a float32 base to a Python float exponent in double: an exponent rounded to float32 first
  // would be off by up to 6e-8 relative (0 ** 1e-311 would give 1). Only exponents float32 cannot hold take
  // this path, so x ** 2 and x ** 0.5 stay on the float32 kernel.
  static Tensor wide_power(const Tensor& t, const Scalar& s, const Tensor* out) {
    Tensor wide = binary_with_scalar(EwOp::pow, Backend::to_dtype(t, DType::Float64), s, false, nullptr);
    Tensor result = make_output(out, t.shape(), DType::Float32, t.device(), EwOp::pow);
    Backend::copy_(result, wide);
    return finish(result, out);
  }

  static Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c) {
    const Tensor& on = !a.device().is_cpu() ? a : !b.device().is_cpu() ? b : c;
    if (Backend::foreign(a, on) || Backend::foreign(b, on) || Backend::foreign(c, on))
      return ternary(op, Backend::adopt(a, on), Backend::adopt(b, on), Backend::adopt(c, on));
    check_same_device(a, b, ew_op_name(op));
    check_same_device(a, c, ew_op_name(op));
    Backend::check_device(a, ew_op_name(op));
    ResultType promotion;
    for (const Tensor* t : {&a, &b, &c}) promotion.add_tensor(t->dtype(), t->dim());
    DType dtype = compute_dtype(op, promotion.result());
    Dims shape = broadcast_shapes(broadcast_shapes(a.shape(), b.shape()), c.shape());
    if (is_narrow(dtype)) {
      Tensor x = narrow_input(a, dtype, op), y = narrow_input(b, dtype, op), z = narrow_input(c, dtype, op);
      return run_narrow(op, dtype, shape, a.device(), nullptr, {}, {operand(x), operand(y), operand(z)});
    }
    Backend::check_supported(op, dtype);
    Tensor inputs[3] = {Backend::to_dtype(a, dtype), Backend::to_dtype(b, dtype), Backend::to_dtype(c, dtype)};
    Tensor result = Tensor::empty(shape, dtype, a.device());
    StridedIter it(result);
    for (const Tensor& t : inputs) it.add_input(t);  // (inputs stay alive until the loops are done)
    Backend::run(op, dtype, it, {}, nullptr);
    return result;
  }

  static Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
    const Tensor& on = !condition.device().is_cpu() ? condition : !a.device().is_cpu() ? a : b;
    if (Backend::foreign(condition, on) || Backend::foreign(a, on) || Backend::foreign(b, on))
      return where(Backend::adopt(condition, on), Backend::adopt(a, on), Backend::adopt(b, on));
    check_same_device(condition, a, "where");
    check_same_device(a, b, "where");
    Backend::check_device(condition, "where");
    AC_CHECK(condition.dtype() == DType::Bool, RuntimeError,
             "where expected condition to be a boolean tensor, but got a tensor with dtype ",
             dtype_name(condition.dtype()));
    ResultType promotion;
    promotion.add_tensor(a.dtype(), a.dim());
    promotion.add_tensor(b.dtype(), b.dim());
    DType dtype = promotion.result();
    Dims shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape()), b.shape());
    if (is_narrow(dtype)) {
      Tensor lhs = Backend::to_dtype(a, dtype), rhs = Backend::to_dtype(b, dtype);
      return run_narrow(EwOp::where, dtype, shape, a.device(), nullptr, {},
                        {operand(condition), operand(lhs), operand(rhs)});
    }
    Tensor lhs = Backend::to_dtype(a, dtype), rhs = Backend::to_dtype(b, dtype);
    Tensor result = Tensor::empty(shape, dtype, a.device());
    StridedIter it(result);
    it.add_input(condition);
    it.add_input(lhs);
    it.add_input(rhs);
    Backend::run(EwOp::where, dtype, it, {}, nullptr);
    return result;
  }

  static Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out) {
    AC_CHECK(min || max, RuntimeError, "torch.clamp: At least one of 'min' or 'max' must not be None");
    ResultType promotion;
    promotion.add_tensor(x.dtype(), x.dim());
    if (min) promotion.add_scalar(*min);
    if (max) promotion.add_scalar(*max);
    OpParams params{min ? min->f : -std::numeric_limits<double>::infinity(),
                    max ? max->f : std::numeric_limits<double>::infinity()};
    DType dtype = promotion.result();
    if (!is_floating(dtype) && dtype != DType::Bool) {  // integer bounds (a float bound promotes to a float dtype)
      if (min) params.int_min = min->i;
      if (max) params.int_max = max->i;
    }
    if (dtype != x.dtype()) return unary(EwOp::clamp, Backend::to_dtype(x, dtype), params, out);
    return unary(EwOp::clamp, x, params, out);
  }
};

}  // namespace autocore
