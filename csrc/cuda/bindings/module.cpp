// The autocore._C_cuda extension module: loaded by autocore.cuda on first use, never by `import autocore`.
#include "bindings/exceptions.h"
#include "cuda/allocator.h"
#include "cuda/bindings/common.h"

namespace autocore::bindings {
// _C defines these in bindings/tensor.cpp; this module has its own copies.
Dims to_dims(const std::vector<int64_t>& values) { return Dims(values); }
py::tuple to_tuple(const Dims& dims) {
  py::tuple out(dims.size());
  for (int i = 0; i < dims.size(); ++i) out[i] = py::int_(dims[i]);
  return out;
}
}  // namespace autocore::bindings

PYBIND11_MODULE(_C_cuda, m) {
  using namespace autocore;
  using namespace autocore::cuda::bindings;
  m.doc() = "autocore's CUDA kernels";
  py::module_::import("autocore._C");  // registers the Tensor type this module's functions take and return
  autocore::bindings::register_exceptions();
  register_device_allocator(DeviceType::CUDA, DeviceAllocator{&cuda::allocate, &cuda::release});
  m.attr("__version__") = AUTOCORE_VERSION;

  bind_runtime(m);
  bind_tensor(m);
  bind_elementwise(m);
  bind_layout_index(m);
  bind_reduce(m);
  bind_matmul(m);
  bind_softmax_loss(m);
  bind_optim_update(m);
}
