// The kernels each device implements (core/kernels.def): declared in autocore::cpu and autocore::cuda, and
// dispatched through autocore::dispatch.
#pragma once
#include <array>
#include <utility>
#include <vector>

#include "core/dispatch.h"
#include "core/elementwise_rules.h"
#include "core/loss_rules.h"
#include "core/optim_rules.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore {

using TensorPair = std::pair<Tensor, Tensor>;
using TensorTriple = std::array<Tensor, 3>;

#define AC_KERNEL(name, result, parameters) result name parameters;
namespace cpu {
#include "core/kernels.def"
}  // namespace cpu
namespace cuda {
#include "core/kernels.def"
}  // namespace cuda
#undef AC_KERNEL

// Default arguments are not part of a function's type, so decltype of the declaration is the table's signature.
namespace dispatch {
#define AC_KERNEL(name, result, parameters) extern DispatchStub<decltype(cpu::name)> name;
#include "core/kernels.def"
#undef AC_KERNEL
}  // namespace dispatch

}  // namespace autocore
