// The element types a tensor can hold, and the helpers that turn a runtime dtype into a C++ type.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/errors.h"
#include "core/half.h"

namespace autocore {

// New dtypes are appended, so that each one keeps its number (saved files record it); promotion follows
// promote_types below, not this order.
enum class DType : uint8_t {
  Bool = 0,
  Int64 = 1,
  Float32 = 2,
  Float64 = 3,
  Int32 = 4,
  Int8 = 5,
  UInt8 = 6,
  Int16 = 7,
  Float16 = 8,
  BFloat16 = 9,
};
constexpr int kNumDTypes = 10;

constexpr size_t itemsize(DType dtype) {
  constexpr size_t sizes[kNumDTypes] = {1, 8, 4, 8, 4, 1, 1, 2, 2, 2};  // in DType's order
  return sizes[static_cast<int>(dtype)];
}

// Each dtype's names, in DType's order.
struct DTypeNames {
  const char* name;         // "float32"
  const char* scalar_type;  // PyTorch's ScalarType, as its messages say it: "not implemented for 'Float'"
  const char* cpp_type;     // the C++ type, as PyTorch's messages say it: "but got: float != double"
  const char* format;       // the buffer protocol's (and numpy's) format character; bfloat16 has none
};
inline constexpr DTypeNames kDTypeNames[kNumDTypes] = {
    // clang-format off: one dtype a line
    {"bool", "Bool", "bool", "?"},
    {"int64", "Long", "long int", "q"},
    {"float32", "Float", "float", "f"},
    {"float64", "Double", "double", "d"},
    {"int32", "Int", "int", "i"},
    {"int8", "Char", "signed char", "b"},
    {"uint8", "Byte", "unsigned char", "B"},
    {"int16", "Short", "short int", "h"},
    {"float16", "Half", "c10::Half", "e"},
    {"bfloat16", "BFloat16", "c10::BFloat16", ""},
    // clang-format on
};

constexpr const char* dtype_name(DType dtype) { return kDTypeNames[int(dtype)].name; }
constexpr const char* scalar_type_name(DType dtype) { return kDTypeNames[int(dtype)].scalar_type; }
constexpr const char* cpp_type_name(DType dtype) { return kDTypeNames[int(dtype)].cpp_type; }
constexpr const char* buffer_format(DType dtype) { return kDTypeNames[int(dtype)].format; }

constexpr bool is_floating(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64 || dtype == DType::Float16 || dtype == DType::BFloat16;
}
// The floating dtypes with loops of their own (the families without a narrow path have only these).
constexpr bool has_float_loops(DType dtype) { return dtype == DType::Float32 || dtype == DType::Float64; }

template <class T> struct DTypeOf;
template <> struct DTypeOf<bool> {
  static constexpr DType value = DType::Bool;
};
template <> struct DTypeOf<int64_t> {
  static constexpr DType value = DType::Int64;
};
template <> struct DTypeOf<int32_t> {
  static constexpr DType value = DType::Int32;
};
template <> struct DTypeOf<int8_t> {
  static constexpr DType value = DType::Int8;
};
template <> struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::UInt8;
};
template <> struct DTypeOf<int16_t> {
  static constexpr DType value = DType::Int16;
};
template <> struct DTypeOf<Half> {
  static constexpr DType value = DType::Float16;
};
template <> struct DTypeOf<BFloat16> {
  static constexpr DType value = DType::BFloat16;
};
template <> struct DTypeOf<float> {
  static constexpr DType value = DType::Float32;
};
template <> struct DTypeOf<double> {
  static constexpr DType value = DType::Float64;
};
template <class T> constexpr DType dtype_of = DTypeOf<T>::value;

// Calls fn(T{}) with T the C++ type of `dtype`, for the floating dtypes only.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Float32:
      return fn(float{});
    case DType::Float64:
      return fn(double{});
    default:
      fail<RuntimeError>(op, ": expected a floating point tensor (float32 or float64), got ", dtype_name(dtype));
  }
}

// A family's loop for dtype from its table (indexed by DType), refused as PyTorch refuses a dtype without a kernel
// when the table has none: never a call through a null pointer.
template <class Loop>
Loop loop_for(const Loop* table, DType dtype, const char* op) {
  const Loop loop = table[static_cast<int>(dtype)];
  AC_CHECK(loop != nullptr, NotImplementedError, "\"", op, "\" not implemented for '",
           kDTypeNames[int(dtype)].scalar_type, "'");
  return loop;
}

// Calls fn(T{}) for the dtypes that have arithmetic kernels of their own (a kernel with atomics, say); the others
// are widened before they get there (wide_dtype below), so reaching one is a bug, reported as such.
template <class Fn>
decltype(auto) dispatch_arithmetic(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Bool:
      return fn(bool{});
    case DType::Int64:
      return fn(int64_t{});
    case DType::Float32:
      return fn(float{});
    case DType::Float64:
      return fn(double{});
    case DType::Int32:
      return fn(int32_t{});
    default:
      fail<RuntimeError>(op, ": no kernel for ",
                         int(dtype) < kNumDTypes ? kDTypeNames[int(dtype)].name : "an unknown dtype",
                         " (it should have been widened)");
  }
}

// Calls fn(T{}) for any dtype. Half and BFloat16 do arithmetic through float, rounding each result.
template <class Fn>
decltype(auto) dispatch_all(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Int8:
      return fn(int8_t{});
    case DType::UInt8:
      return fn(uint8_t{});
    case DType::Int16:
      return fn(int16_t{});
    case DType::Float16:
      return fn(Half{});
    case DType::BFloat16:
      return fn(BFloat16{});
    default:
      return dispatch_arithmetic(dtype, "dispatch_all", std::forward<Fn>(fn));
  }
}

// Float to int64 truncation without undefined behaviour: NaN and out-of-range values give INT64_MIN,
// which is what x86 hardware gives and so what PyTorch prints.
template <class F>
constexpr int64_t float_to_int64(F x) {
  return (x >= F(-9.2233720368547758e18) && x < F(9.2233720368547758e18)) ? static_cast<int64_t>(x) : INT64_MIN;
}

template <class F>
constexpr int32_t float_to_int32(F x) {
  return (x > F(-2147483649.0) && x < F(2147483648.0)) ? static_cast<int32_t>(x) : INT32_MIN;
}

// PyTorch's promotion lattice: bool below everything; an integer and a floating type give the floating one;
// float16 and bfloat16 meet at float32; uint8 and a signed integer give the signed one, at least int16.
constexpr DType promote_types(DType a, DType b) {
  if (a == b || b == DType::Bool) return a;
  if (a == DType::Bool) return b;
  if (is_floating(a) != is_floating(b)) return is_floating(a) ? a : b;
  if (itemsize(a) == 2 && itemsize(b) == 2 && is_floating(a)) return DType::Float32;  // float16 with bfloat16
  if (a == DType::UInt8 || b == DType::UInt8) {
    const DType other = a == DType::UInt8 ? b : a;
    return other == DType::Int8 ? DType::Int16 : other;
  }
  return itemsize(a) >= itemsize(b) ? a : b;
}

// The dtypes without loops of their own, and the dtype they compute in: the result is rounded (for integers,
// wrapped) back once, as PyTorch's own narrow-integer arithmetic wraps and its half types compute in float32.
constexpr bool is_narrow(DType dtype) {
  return dtype != DType::Bool && dtype != DType::Int64 && dtype != DType::Float32 && dtype != DType::Float64;
}
constexpr DType wide_dtype(DType dtype) {
  return !is_narrow(dtype) ? dtype : is_floating(dtype) ? DType::Float32 : DType::Int64;
}

}  // namespace autocore
