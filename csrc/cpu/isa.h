// Which instruction set the hot loops run with. Each *_simd.cpp is compiled once per ISA into its own
// namespace (autocore::cpu::baseline, ::avx2, ::avx512) and registers a table of function pointers;
// callers fetch the active table with kernels<Table>().
#pragma once

namespace autocore::cpu {

enum class Isa : int { baseline = 0, avx2 = 1, avx512 = 2 };
constexpr int kNumIsas = 3;

const char* isa_name(Isa isa);
bool isa_compiled(Isa isa);   // this binary contains the ISA's kernels
bool isa_supported(Isa isa);  // ...and this CPU (and OS) can run them
Isa active_isa();
void set_active_isa(Isa isa);  // raises RuntimeError when not compiled or not supported
const char* compiled_isas();   // "baseline,avx2,avx512"

namespace detail {
extern Isa active;
}

template <class Table>
struct KernelRegistry {
  static inline const Table* by_isa[kNumIsas] = {};
};

template <class Table>
inline const Table& kernels() {
  return *KernelRegistry<Table>::by_isa[static_cast<int>(detail::active)];
}

}  // namespace autocore::cpu

// In a *_simd.cpp: registers `table` for the ISA this copy of the file is compiled for.
#define AUTOCORE_REGISTER_KERNELS(Table, table)                                                                       \
  [[maybe_unused]] static const bool registered_##table =                                                             \
      (::autocore::cpu::KernelRegistry<Table>::by_isa[static_cast<int>(::autocore::cpu::Isa::AUTOCORE_ISA)] = &table, \
       true)
