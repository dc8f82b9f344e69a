// The element types a tensor can hold, and the helpers that turn a runtime dtype into a C++ type.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/errors.h"

namespace autocore {

// New dtypes are appended, so that each one keeps its number (saved files and DLPack record it); promotion follows
// promotion_rank, not this order.
enum class DType : uint8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3, Int32 = 4 };
constexpr int kNumDTypes = 5;

constexpr size_t itemsize(DType dtype) {
  constexpr size_t sizes[kNumDTypes] = {1, 8, 4, 8, 4};  // in DType's order
  return sizes[static_cast<int>(dtype)];
}

// Each dtype's names, in DType's order.
struct DTypeNames {
  const char* name;         // "float32"
  const char* scalar_type;  // PyTorch's ScalarType, as its messages say it: "not implemented for 'Float'"
  const char* cpp_type;     // the C++ type, as PyTorch's messages say it: "but got: float != double"
  const char* format;       // the buffer protocol's (and numpy's) format character
};
inline constexpr DTypeNames kDTypeNames[kNumDTypes] = {
    // clang-format off: one dtype a line
    {"bool", "Bool", "bool", "?"},
    {"int64", "Long", "long int", "q"},
    {"float32", "Float", "float", "f"},
    {"float64", "Double", "double", "d"},
    {"int32", "Int", "int", "i"},
    // clang-format on
};

constexpr const char* dtype_name(DType dtype) { return kDTypeNames[int(dtype)].name; }
constexpr const char* scalar_type_name(DType dtype) { return kDTypeNames[int(dtype)].scalar_type; }
constexpr const char* cpp_type_name(DType dtype) { return kDTypeNames[int(dtype)].cpp_type; }
constexpr const char* buffer_format(DType dtype) { return kDTypeNames[int(dtype)].format; }

constexpr bool is_floating(DType dtype) { return dtype == DType::Float32 || dtype == DType::Float64; }

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

// Calls fn(T{}) for any dtype.
template <class Fn>
decltype(auto) dispatch_all(DType dtype, Fn&& fn) {
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
  }
  fail<RuntimeError>("unknown dtype");
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

// PyTorch's promotion lattice over our types, a chain: bool < int32 < int64 < float32 < float64.
constexpr int promotion_rank(DType dtype) {
  constexpr int ranks[kNumDTypes] = {0, 2, 3, 4, 1};  // in DType's order
  return ranks[static_cast<int>(dtype)];
}
constexpr DType promote_types(DType a, DType b) { return promotion_rank(a) >= promotion_rank(b) ? a : b; }

// The dtypes without loops of their own, and the dtype they compute in: the result is rounded (for integers,
// wrapped) back once, as PyTorch's own narrow-integer arithmetic wraps.
constexpr bool is_narrow(DType dtype) { return dtype == DType::Int32; }
constexpr DType wide_dtype(DType dtype) { return is_narrow(dtype) ? DType::Int64 : dtype; }

}  // namespace autocore
