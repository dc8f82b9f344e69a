// One element converted between dtypes as PyTorch's casts convert it, for the CPU's cast loops and CUDA's.
#pragma once
#include <cstdint>
#include <type_traits>

#include "core/dtype.h"
#include "core/host_device.h"

namespace autocore {

template <class T> constexpr bool kHalfType = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Floats become integers by truncation, without undefined behaviour: int64 through float_to_int64; uint8 through
// int64, as PyTorch converts it (-1.0 gives 255); the other integers through int32, as x86's conversion does,
// then wrapped. A half type goes through float both ways.
template <class To, class From>
AC_INLINE To convert_element(From x) {
  if constexpr (std::is_same_v<To, From>) return x;
  else if constexpr (kHalfType<From>) return convert_element<To>(static_cast<float>(x));
  else if constexpr (std::is_same_v<To, bool>) return x != From(0);
  else if constexpr (std::is_floating_point_v<From> && std::is_same_v<To, int64_t>) return float_to_int64(x);
  else if constexpr (std::is_floating_point_v<From> && std::is_same_v<To, uint8_t>)
    return static_cast<uint8_t>(float_to_int64(x));
  else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>)
    return static_cast<To>(float_to_int32(x));
  else if constexpr (kHalfType<To> && std::is_same_v<From, double>) return To(static_cast<float>(x));
  else return static_cast<To>(x);
}

}  // namespace autocore
