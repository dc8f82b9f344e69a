// The device-independent rules of the elementwise family (see the header).
#include "core/elementwise_rules.h"

namespace autocore {

namespace {

constexpr const char* kNames[kNumEwOps] = {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) #name,
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
};

constexpr bool kFloatsOnly[kNumEwOps] = {
#define FLOATS true
#define SIGNED false
#define ALL false
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) dtypes,
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
#undef FLOATS
#undef SIGNED
#undef ALL
};

bool promotes_integers_to_float(EwOp op) { return kFloatsOnly[int(op)]; }

}  // namespace

const char* ew_op_name(EwOp op) { return kNames[int(op)]; }

DType compute_dtype(EwOp op, DType promoted) {
  if (promotes_integers_to_float(op) && !is_floating(promoted)) return default_float_dtype();
  return promoted;
}

// PyTorch (since 2.14) raises NotImplementedError here, with its own message for two bool operands.
void check_sub_without_bool(EwOp op, bool a_is_bool, bool b_is_bool) {
  if (op != EwOp::sub) return;
  AC_CHECK(!(a_is_bool && b_is_bool), NotImplementedError,
           "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
           "operator instead.");
  AC_CHECK(!(a_is_bool || b_is_bool), NotImplementedError,
           "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
}

void fail_no_kernel(EwOp op, DType dtype) {
  if (op == EwOp::neg && dtype == DType::Bool)
    fail<NotImplementedError>(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.");
  if (op == EwOp::relu && dtype == DType::Bool) fail<NotImplementedError>("Boolean inputs not supported for relu");
  fail<NotImplementedError>("\"", ew_op_name(op), "\" not implemented for '", scalar_type_name(dtype), "'");
}

bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

void check_no_internal_overlap(const Tensor& out) {
  if (out.numel() == 0) return;  // nothing is written (numpy gives empty arrays zero strides)
  for (int d = 0; d < out.dim(); ++d)
    AC_CHECK(out.strides()[d] != 0 || out.shape()[d] <= 1, RuntimeError,
             "unsupported operation: more than one element of the written-to tensor refers to a single memory "
             "location. Please clone() the tensor before performing the operation.");
}

Tensor distinct_elements(const Tensor& t) {
  Dims shape = t.shape();
  for (int d = 0; d < t.dim(); ++d)
    if (t.strides()[d] == 0 && shape[d] > 1) shape[d] = 1;
  return t.as_strided(shape, t.strides(), t.offset());
}

void check_out(const Tensor& out, const Dims& shape, DType dtype, EwOp op) {
  AC_CHECK(out.shape() == shape, RuntimeError, "output with shape ", out.shape().str(),
           " doesn't match the broadcast shape ", shape.str());
  AC_CHECK(can_cast(dtype, out.dtype()), RuntimeError, "result type ", dtype_name(dtype),
           " can't be cast to the desired output type ", dtype_name(out.dtype()));
  check_no_internal_overlap(out);
}

}  // namespace autocore
