// Choosing the instruction set once at load: the best one compiled in that the CPU supports, unless
// AUTOCORE_CPU_ISA names another (useful for testing every variant on one machine).
#include "cpu/isa.h"

#include <cstdlib>
#include <cstring>

#include "core/errors.h"

namespace autocore::cpu {

namespace {
constexpr const char* kNames[kNumIsas] = {"baseline", "avx2", "avx512"};

Isa best_isa() {
  for (int i = kNumIsas - 1; i > 0; --i)
    if (isa_supported(static_cast<Isa>(i))) return static_cast<Isa>(i);
  return Isa::baseline;
}

Isa initial_isa() {
  const char* forced = std::getenv("AUTOCORE_CPU_ISA");
  if (forced && *forced) {
    for (int i = 0; i < kNumIsas; ++i)
      if (std::strcmp(forced, kNames[i]) == 0 && isa_supported(static_cast<Isa>(i))) return static_cast<Isa>(i);
  }
  return best_isa();
}
}  // namespace

namespace detail {
Isa active = initial_isa();
}

const char* isa_name(Isa isa) { return kNames[static_cast<int>(isa)]; }

const char* compiled_isas() { return AUTOCORE_ISAS; }

bool isa_compiled(Isa isa) {
  switch (isa) {
    case Isa::baseline:
      return true;
#if defined(AUTOCORE_HAVE_ISA_avx2)
    case Isa::avx2:
      return true;
#endif
#if defined(AUTOCORE_HAVE_ISA_avx512)
    case Isa::avx512:
      return true;
#endif
    default:
      return false;
  }
}

bool isa_supported(Isa isa) {
  if (!isa_compiled(isa)) return false;
#if defined(__x86_64__) || defined(_M_X64)
  // libgcc's checks include the OS's XSAVE support for the wider registers. We may run before
  // libgcc's own constructor, hence the explicit init.
  __builtin_cpu_init();
  switch (isa) {
    case Isa::baseline:
      return true;
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == Isa::baseline;
#endif
}

Isa active_isa() { return detail::active; }

void set_active_isa(Isa isa) {
  AC_CHECK(isa_supported(isa), RuntimeError, "the ", isa_name(isa), " kernels are ",
           isa_compiled(isa) ? "not supported by this CPU" : "not compiled into this build");
  detail::active = isa;
}

}  // namespace autocore::cpu
