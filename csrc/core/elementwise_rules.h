// What an elementwise op means, independent of the device that runs it: the op list (from
// core/elementwise_ops.def), the dtype it computes in, and the rules for `out=` tensors. cpu/elementwise.cpp and
// cuda/elementwise.cu both apply these.
#pragma once
#include <cstdint>
#include <limits>

#include "core/dtype.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore {

enum class EwOp : uint8_t {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) name,
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
  count
};
constexpr int kNumEwOps = static_cast<int>(EwOp::count);

// The operands an op takes (the `kind` column of core/elementwise_ops.def).
enum class EwKind : uint8_t { UNARY, UNARY_PARAMS, BINARY, COMPARE, GRAD, GRAD_PARAMS, GRAD3, WHERE };
constexpr EwKind kEwKinds[kNumEwOps] = {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) EwKind::kind,
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
};

const char* ew_op_name(EwOp op);

struct OpParams {
  double alpha = 0;  // leaky_relu's negative slope; clamp's min
  double beta = 0;   // clamp's max
  // clamp's bounds for int64 data, exact: through a double, 2**63 - 1 would round to 2**63 and wrap.
  int64_t int_min = std::numeric_limits<int64_t>::min(), int_max = std::numeric_limits<int64_t>::max();
};

inline bool is_comparison(EwOp op) { return kEwKinds[int(op)] == EwKind::COMPARE; }
// The dtype an op computes in, given its inputs' promoted dtype: ops with float kernels only (true division, the
// transcendental functions, the backward rules) take integers and bools to the default float dtype.
DType compute_dtype(EwOp op, DType promoted);
// PyTorch refuses `-` whenever a bool is involved, tensor or Python bool, even if the other side would
// promote it to a number.
void check_sub_without_bool(EwOp op, bool a_is_bool, bool b_is_bool);

// PyTorch's error for an op without a kernel for dtype ("\"op\" not implemented for 'dtype'").
[[noreturn]] void fail_no_kernel(EwOp op, DType dtype);

// PyTorch's canCast: no float -> integer, no number -> bool.
bool can_cast(DType from, DType to);
// Refuses outputs where two elements share memory (an expanded tensor), which parallel writes would race on; PyTorch's
// message names no op. The in-place scatters (core/scatter_rules) and, through _C, ops/scatter.py's index ops share it.
void check_no_internal_overlap(const Tensor& out);
// The same memory with each broadcast (stride-0) dim cut to one element, so every location appears once: what
// fill_ writes, since its value does not depend on the position (PyTorch fills expanded views).
Tensor distinct_elements(const Tensor& t);
// Checks an `out=` tensor against the result's shape and dtype.
void check_out(const Tensor& out, const Dims& shape, DType dtype, EwOp op);

}  // namespace autocore
