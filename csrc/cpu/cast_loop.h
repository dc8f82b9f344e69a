// The CPU's dtype conversion loop, over core/convert.h's element conversion. It has internal linkage: each file
// that includes it is compiled for its own instruction set (cpu/isa.h), and must keep its own copy.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/convert.h"

namespace autocore::cpu {
namespace {

template <class To, class From>
void cast_loop(char* const* p, const int64_t* s, int64_t n) {
  To* out = reinterpret_cast<To*>(p[0]);
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    if constexpr (std::is_same_v<To, From>) {
      std::memcpy(out, p[1], n * sizeof(To));
    } else {
      const From* in = reinterpret_cast<const From*>(p[1]);
      for (int64_t i = 0; i < n; ++i) out[i] = convert_element<To>(in[i]);
    }
  } else if (s[0] == sizeof(To) && s[1] == 0) {  // fill
    const To v = convert_element<To>(*reinterpret_cast<const From*>(p[1]));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<To*>(p[0] + i * s[0]) = convert_element<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
  }
}

}  // namespace
}  // namespace autocore::cpu
