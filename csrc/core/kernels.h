// The kernels each device implements (core/kernels.def): declared in autocore::cpu and autocore::cuda, gathered as
// the static members of CpuKernels and CudaKernels, and dispatched through autocore::dispatch.
#pragma once
#include <array>
#include <utility>
#include <vector>

#include "core/dispatch.h"
#include "core/elementwise_rules.h"
#include "core/loss_rules.h"
#include "core/optim_rules.h"
#include "core/scalar.h"
#include "core/scatter_rules.h"
#include "core/tensor.h"

namespace autocore {

using TensorPair = std::pair<Tensor, Tensor>;
using TensorTriple = std::array<Tensor, 3>;

#define AC_KERNEL(name, result, parameters, arguments) result name parameters;
namespace cpu {
#include "core/kernels.def"
}  // namespace cpu
namespace cuda {
#include "core/kernels.def"
}  // namespace cuda
#undef AC_KERNEL

// A device's kernels as static members, so that a template written once over a device (core/*_entry.h) calls
// Backend::reshape(t, shape): each backend's class derives from its device's.
#define AC_KERNEL(name, result, parameters, arguments) \
  static result name parameters { return AC_DEVICE::name arguments; }
#define AC_DEVICE cpu
struct CpuKernels {
#include "core/kernels.def"
};
#undef AC_DEVICE
#define AC_DEVICE cuda
struct CudaKernels {
#include "core/kernels.def"
};
#undef AC_DEVICE
#undef AC_KERNEL

// The table's function type is the declaration's.
namespace dispatch {
#define AC_KERNEL(name, result, parameters, arguments) extern DispatchStub<decltype(cpu::name)> name;
#include "core/kernels.def"
#undef AC_KERNEL
}  // namespace dispatch

}  // namespace autocore
