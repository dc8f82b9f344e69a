// A device's tables of elementwise loops, filled from core/elementwise_ops.def for the CPU (per instruction set,
// cpu/elementwise_simd.cpp) and for CUDA (cuda/elementwise.cu): loops[op][dtype] for each dtype of the op's list,
// with the operand types its kind takes, and cast[to][from] for every pair of CastTypes. Device gives the function
// pointers: Device::template loop<Formula, Out, In...> and Device::template cast<To, From>.
#pragma once
#include "core/elementwise_rules.h"
#include "core/pointwise_math.h"

namespace autocore {

// The dtypes with loops of their own, and every dtype: the CPU converts between the others in one portable table
// (cpu/copy.cpp), not once per instruction set, except to and from their wide dtypes (fill_widening_casts).
using WideTypes = pointwise::TypeList<bool, int64_t, float, double>;
using AllTypes = pointwise::TypeList<bool, int64_t, float, double, int32_t, int8_t, uint8_t, int16_t, Half, BFloat16>;

// cast[to][from] = Device::cast<To, From> for every pair of Types.
template <class Device, class To, class CastTable, class... Froms>
void fill_casts_to(CastTable& cast, pointwise::TypeList<Froms...>) {
  ((cast[static_cast<int>(dtype_of<To>)][static_cast<int>(dtype_of<Froms>)] = Device::template cast<To, Froms>), ...);
}
template <class Device, class CastTable, class... Types>
void fill_casts(CastTable& cast, pointwise::TypeList<Types...> types) {
  (fill_casts_to<Device, Types>(cast, types), ...);
}

// cast[Wide][Narrow] and cast[Narrow][Wide]: the conversions an op on a narrow dtype makes around its wide loop,
// which are worth each instruction set's vector units (float16's conversion especially).
template <class Device, class Wide, class... Narrows, class CastTable>
void fill_widening_casts(CastTable& cast) {
  constexpr int wide = static_cast<int>(dtype_of<Wide>);
  ((cast[wide][static_cast<int>(dtype_of<Narrows>)] = Device::template cast<Wide, Narrows>), ...);
  ((cast[static_cast<int>(dtype_of<Narrows>)][wide] = Device::template cast<Narrows, Wide>), ...);
}

template <class Device, class Table, class CastTypes>
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

  ElementwiseTableBuilder() {
#define AC_ELEMENTWISE(name, Formula, kind, dtypes) \
  add<pointwise::Formula, EwKind::kind>(EwOp::name, pointwise::dtypes{});
#include "core/elementwise_ops.def"
#undef AC_ELEMENTWISE
    fill_casts<Device>(t.cast, CastTypes{});
    fill_widening_casts<Device, int64_t, int32_t, int16_t, int8_t, uint8_t>(t.cast);
    fill_widening_casts<Device, float, Half, BFloat16>(t.cast);
  }
};

}  // namespace autocore
