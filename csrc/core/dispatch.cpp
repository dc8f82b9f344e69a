// The dispatch tables of core/kernels.def: one per kernel, empty until a backend registers its kernels.
#include "core/dispatch.h"

#include "core/kernels.h"

namespace autocore {

const char* device_type_name(DeviceType type) { return type == DeviceType::CPU ? "cpu" : "cuda"; }

namespace dispatch {
#define AC_KERNEL(name, result, parameters, arguments) DispatchStub<decltype(cpu::name)> name{#name};
#include "core/kernels.def"
#undef AC_KERNEL
}  // namespace dispatch

std::vector<KernelEntry> kernel_table() {
  std::vector<KernelEntry> table;
#define AC_KERNEL(name, result, parameters, arguments) \
  table.push_back({#name, dispatch::name.has(DeviceType::CPU), dispatch::name.has(DeviceType::CUDA)});
#include "core/kernels.def"
#undef AC_KERNEL
  return table;
}

}  // namespace autocore
