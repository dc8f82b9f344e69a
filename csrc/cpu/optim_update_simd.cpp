// Optimizer update loops, compiled once per instruction set: core/optim_math.h's rules, one pass over a contiguous
// stretch reading each operand once and writing each updated one once. Flags are template arguments so that every
// loop body is branch-free and vectorises.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cpu/isa.h"
#include "cpu/optim_update.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

using namespace optim_math;

// One rule (core/optim_math.h) over a contiguous stretch, in a loop of its own for each combination of its flags.
template <template <class> class Rule, class T>
void optim_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  const Rule<T> rule(h);
  const OptimArrays<T> a = optim_arrays<T>(ptrs);
  with_constant_flags(Rule<T>::flags(h), [&](auto... flags) {
    for (int64_t i = 0; i < n; ++i) rule(a, i, flags...);
  });
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

template <template <class> class... Rules>
OptimKernels build() {
  OptimKernels k{};
  ((k.loops[int(Rules<float>::id)][idx<float>] = &optim_loop<Rules, float>), ...);
  ((k.loops[int(Rules<double>::id)][idx<double>] = &optim_loop<Rules, double>), ...);
  return k;
}

const OptimKernels optim_kernels = build<SgdRule, AdamRule, AdagradRule, AdadeltaRule, RmspropRule>();

}  // namespace

AUTOCORE_REGISTER_KERNELS(OptimKernels, optim_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
