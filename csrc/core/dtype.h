// The element types a tensor can hold, and the helpers that turn a runtime dtype into a C++ type.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/errors.h"

namespace autocore {

enum class DType : uint8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };
constexpr int kNumDTypes = 4;

constexpr size_t itemsize(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return 1;
    case DType::Int64:
      return 8;
    case DType::Float32:
      return 4;
    case DType::Float64:
      return 8;
  }
  return 0;
}

constexpr const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return "bool";
    case DType::Int64:
      return "int64";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "?";
}

// The names PyTorch's messages use: ScalarType ("Float", in "not implemented for 'Float'") and the
// C++ type ("float", in "but got: float != double").
constexpr const char* scalar_type_name(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return "Bool";
    case DType::Int64:
      return "Long";
    case DType::Float32:
      return "Float";
    case DType::Float64:
      return "Double";
  }
  return "?";
}

constexpr const char* cpp_type_name(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return "bool";
    case DType::Int64:
      return "long int";
    case DType::Float32:
      return "float";
    case DType::Float64:
      return "double";
  }
  return "?";
}

constexpr bool is_floating(DType dtype) { return dtype == DType::Float32 || dtype == DType::Float64; }

template <class T> struct DTypeOf;
template <> struct DTypeOf<bool> {
  static constexpr DType value = DType::Bool;
};
template <> struct DTypeOf<int64_t> {
  static constexpr DType value = DType::Int64;
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
  }
  fail<RuntimeError>("unknown dtype");
}

// Float to int64 truncation without undefined behaviour: NaN and out-of-range values give INT64_MIN,
// which is what x86 hardware gives and so what PyTorch prints.
template <class F>
constexpr int64_t float_to_int64(F x) {
  return (x >= F(-9.2233720368547758e18) && x < F(9.2233720368547758e18)) ? static_cast<int64_t>(x) : INT64_MIN;
}

// PyTorch's promotion lattice over our four types: bool < int64 < float32 < float64.
constexpr DType promote_types(DType a, DType b) { return a > b ? a : b; }

}  // namespace autocore
