// Optimizer update loops, compiled once per instruction set: core/optim_math.h's rules, one pass over a contiguous
// stretch reading each operand once and writing each updated one once. Flags are template arguments so that every
// loop body is branch-free and vectorises.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cpu/cast_loop.h"
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

// A rule on a float16 or bfloat16 param: each block of the operands widened to float32 (cache-sized buffers), the
// float32 loop run, and the param and state buffers rounded back, once per step, as PyTorch's fused steps compute
// these dtypes (its default for-loop path rounds every intermediate tensor instead).
template <template <class> class Rule, class Narrow>
void widened_optim_loop(void* const* ptrs, int64_t n, const OptimHyper& h) {
  constexpr int64_t kBlock = 256;
  float buffers[kOptimOperands][kBlock];
  for (int64_t at = 0; at < n; at += kBlock) {
    const int64_t count = std::min(kBlock, n - at);
    void* wide[kOptimOperands] = {};
    for (int k = 0; k < kOptimOperands; ++k) {
      if (!ptrs[k]) continue;
      convert_dense(buffers[k], static_cast<const Narrow*>(ptrs[k]) + at, count);
      wide[k] = buffers[k];
    }
    optim_loop<Rule, float>(wide, count, h);
    for (int k = 0; k < kOptimOperands; ++k)
      if (ptrs[k] && k != 1) convert_dense(static_cast<Narrow*>(ptrs[k]) + at, buffers[k], count);  // (1: the grad)
  }
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

template <template <class> class... Rules>
OptimKernels build() {
  OptimKernels k{};
  ((k.loops[int(Rules<float>::id)][idx<float>] = &optim_loop<Rules, float>), ...);
  ((k.loops[int(Rules<double>::id)][idx<double>] = &optim_loop<Rules, double>), ...);
  ((k.loops[int(Rules<float>::id)][idx<Half>] = &widened_optim_loop<Rules, Half>), ...);
  ((k.loops[int(Rules<float>::id)][idx<BFloat16>] = &widened_optim_loop<Rules, BFloat16>), ...);
  return k;
}

const OptimKernels optim_kernels = build<SgdRule, AdamRule, AdagradRule, AdadeltaRule, RmspropRule>();

}  // namespace

AUTOCORE_REGISTER_KERNELS(OptimKernels, optim_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
