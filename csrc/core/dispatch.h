// Device dispatch, as PyTorch's DispatchStub: a kernel's implementations indexed by device type. A binding calls
// `dispatch::sum(device_of(x), x, dims, keepdim)`; the table entry for that device runs, or, where the device has
// no such kernel, NotImplementedError names the kernel and the device. One function-pointer load per call: no
// string lookup, no trip back into Python. The kernels are listed in core/kernels.def.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/storage.h"
#include "core/tensor.h"

namespace autocore {

constexpr int kNumDeviceTypes = 2;
const char* device_type_name(DeviceType type);  // "cpu", "cuda"

template <class Signature>
class DispatchStub;

template <class R, class... Args>
class DispatchStub<R(Args...)> {
 public:
  using Kernel = R (*)(Args...);

  // constexpr, so that every table is filled with nulls before any code runs, registration included.
  constexpr explicit DispatchStub(const char* name) : name_(name) {}

  void set(DeviceType device, Kernel kernel) { kernels_[static_cast<int>(device)] = kernel; }
  bool has(DeviceType device) const { return kernels_[static_cast<int>(device)] != nullptr; }

  template <class... Ts>
  R operator()(DeviceType device, Ts&&... args) const {
    Kernel kernel = kernels_[static_cast<int>(device)];
    if (!kernel)
      fail<NotImplementedError>("'", name_, "' is not implemented for ", device_type_name(device),
                                " tensors in this build of autocore");
    return kernel(std::forward<Ts>(args)...);
  }

 private:
  const char* name_;
  Kernel kernels_[kNumDeviceTypes] = {};
};

// Which devices have registered each kernel, in core/kernels.def's order (for tests and `python -m autocore`).
struct KernelEntry {
  const char* name;
  bool cpu, cuda;
};
std::vector<KernelEntry> kernel_table();

// The device a call runs on: that of the first operand not on the CPU, so that a CPU operand beside a CUDA one
// reaches the CUDA kernel, which refuses the mix with PyTorch's message. Optional operands come as pointers.
inline DeviceType device_of(const Tensor& t) { return t.device().type; }
inline DeviceType device_of(const Tensor* t) { return t ? t->device().type : DeviceType::CPU; }
inline DeviceType device_of(const std::optional<Tensor>& t) { return device_of(t ? &*t : nullptr); }
inline DeviceType device_of(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors)
    if (t.defined() && !t.device().is_cpu()) return t.device().type;
  return DeviceType::CPU;
}
template <class First, class Second, class... Rest>
DeviceType device_of(const First& first, const Second& second, const Rest&... rest) {
  const DeviceType type = device_of(first);
  return type != DeviceType::CPU ? type : device_of(second, rest...);
}

}  // namespace autocore
