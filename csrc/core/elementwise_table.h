// A device's tables of elementwise loops, filled from core/elementwise_ops.def for the CPU (per instruction set,
// cpu/elementwise_simd.cpp) and for CUDA (cuda/elementwise.cu): loops[op][dtype] for each dtype of the op's list,
// with the operand types its kind takes, and cast[to][from] for every pair of dtypes. Device gives the function
// pointers: Device::template loop<Formula, Out, In...> and Device::template cast<To, From>.
#pragma once
#include "core/elementwise_rules.h"
#include "core/pointwise_math.h"

namespace autocore {

template <class Device, class Table>
struct ElementwiseTableBuilder {
  Table t{};

  template <class T> static constexpr int idx = static_cast<int>(dtype_of<T>);

  template <class Formula, EwKind kind, class... Ts> void add(EwOp op, pointwise::TypeList<Ts...>) {
    if constexpr (kind == EwKind::UNARY || kind == EwKind::UNARY_PARAMS)
      ((t.loops[int(op)][idx<Ts>] = Device::template loop<Formula, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::BINARY || kind == EwKind::GRAD || kind == EwKind::GRAD_PARAMS)
      ((t.loops[int(op)][idx<Ts>] = Device::template loop<Formula, Ts, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::COMPARE)
      ((t.loops[int(op)][idx<Ts>] = Device::template loop<Formula, bool, Ts, Ts>), ...);
    else if constexpr (kind == EwKind::GRAD3)
      ((t.loops[int(op)][idx<Ts>] = Device::template loop<Formula, Ts, Ts, Ts, Ts>), ...);
    else ((t.loops[int(op)][idx<Ts>] = Device::template loop<Formula, Ts, bool, Ts, Ts>), ...);  // where
  }

  template <class To, class... Froms> void casts() {
    ((t.cast[idx<To>][idx<Froms>] = Device::template cast<To, Froms>), ...);
  }

  ElementwiseTableBuilder() {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) \
  add<pointwise::Formula, EwKind::kind>(EwOp::name, pointwise::dtypes{});
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
    casts<bool, bool, int64_t, float, double, int32_t>();
    casts<int64_t, bool, int64_t, float, double, int32_t>();
    casts<float, bool, int64_t, float, double, int32_t>();
    casts<double, bool, int64_t, float, double, int32_t>();
    casts<int32_t, bool, int64_t, float, double, int32_t>();
  }
};

}  // namespace autocore
