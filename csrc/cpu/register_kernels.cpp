// Fills the CPU column of every dispatch table (core/kernels.def) when _C loads.
#include "core/kernels.h"

namespace autocore::cpu {

void register_kernels() {
#define AC_KERNEL(name, result, parameters, arguments) dispatch::name.set(DeviceType::CPU, &cpu::name);
#include "core/kernels.def"
#undef AC_KERNEL
}

}  // namespace autocore::cpu
