// Plugs the CUDA backend into the core when _C loads: its allocator, and the CUDA column of every dispatch table
// (core/kernels.def). Nothing here touches the driver, so a CUDA build loads on machines without one.
#include "core/kernels.h"
#include "cuda/allocator.h"

namespace autocore::cuda {

void register_backend() {
  register_device_allocator(DeviceType::CUDA, DeviceAllocator{&allocate, &release});
#define AC_KERNEL(name, result, parameters, arguments) dispatch::name.set(DeviceType::CUDA, &cuda::name);
#include "core/kernels.def"
#undef AC_KERNEL
}

}  // namespace autocore::cuda
