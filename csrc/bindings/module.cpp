// The autocore._C extension module: exception mapping, build information, and each family's bindings.
#include "bindings/common.h"
#include "bindings/exceptions.h"
#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {
void register_kernels();
}
#ifdef AUTOCORE_WITH_CUDA
namespace autocore::cuda {
void bind_cuda(py::module_& m);  // registers the backend and binds autocore._C._cuda (cuda/bindings.cpp)
}
#endif

namespace autocore::bindings {
namespace {

cpu::Isa isa_from_name(const std::string& name) {
  for (int i = 0; i < cpu::kNumIsas; ++i)
    if (name == cpu::isa_name(static_cast<cpu::Isa>(i))) return static_cast<cpu::Isa>(i);
  fail<ValueError>("unknown instruction set '", name, "'; expected one of baseline, avx2, avx512");
}

}  // namespace
}  // namespace autocore::bindings

PYBIND11_MODULE(_C, m) {
  using namespace autocore;
  using namespace autocore::bindings;
  m.doc() = "autocore's C++ tensor core and CPU kernels";
  register_exceptions();
  cpu::register_kernels();
#ifdef AUTOCORE_WITH_CUDA
  cuda::bind_cuda(m);
#endif

  m.attr("__version__") = AUTOCORE_VERSION;
  m.attr("cuda_build") = AUTOCORE_CUDA_BUILD;  // whether the CUDA backend was built, and why (CMakeLists.txt)
#ifdef AUTOCORE_OPENMP
  m.attr("has_openmp") = true;
#else
  m.attr("has_openmp") = false;
#endif
  m.def("compiled_isas", [] { return std::string(cpu::compiled_isas()); });
  m.def("active_isa", [] { return std::string(cpu::isa_name(cpu::active_isa())); });
  m.def("set_active_isa", [](const std::string& name) { cpu::set_active_isa(isa_from_name(name)); });
  m.def("isa_supported", [](const std::string& name) { return cpu::isa_supported(isa_from_name(name)); });
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", &set_num_threads);
  m.def(
      "_kernels",
      [] {
        py::dict table;
        for (const KernelEntry& k : kernel_table()) {
          py::list devices;
          if (k.cpu) devices.append("cpu");
          if (k.cuda) devices.append("cuda");
          table[k.name] = devices;
        }
        return table;
      },
      "each kernel of core/kernels.def and the devices that registered it");
  m.def("_live_storages", &Storage::live_count, "CPU-side storages alive now (for leak tests)");

  bind_tensor(m);
  bind_dlpack(m);
  bind_elementwise(m);
  bind_reduce(m);
  bind_layout_index(m);
  bind_advanced_index(m);
  bind_matmul(m);
  bind_softmax_loss(m);
  bind_random(m);
  bind_optim_update(m);
}
