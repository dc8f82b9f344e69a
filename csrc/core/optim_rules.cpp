// The device-independent rules of the optimizer steps (see the header).
#include "core/optim_rules.h"

#include <cmath>

#include "core/elementwise_rules.h"
#include "core/kernels.h"

namespace autocore {

OptimStep optim_step(const char* op, const TensorList& params, const TensorList& grads,
                     std::initializer_list<StateList> state) {
  OptimStep step{op, {}, {}};
  step.lists.reserve(2 + state.size());
  step.lists.push_back({"params", &params, true});
  step.lists.push_back({"grads", &grads, false});
  for (const StateList& list : state) step.lists.push_back({list.name, list.tensors, true});
  return step;
}

void check_hyper(bool ok, const char* what, double value) { AC_CHECK(ok, ValueError, "Invalid ", what, ": ", value); }

void check_step_count(int64_t step, const char* op) {
  AC_CHECK(step >= 1, RuntimeError, op, ": step counts from 1 (the value after the increment), got ", step);
}

void check_step_lists(const OptimStep& step, DeviceType device_type) {
  const char* op = step.op;
  const TensorList& params = *step.lists[0].tensors;
  const size_t count = params.size();
  for (const NamedList& list : step.lists) {
    if (!list.tensors) continue;
    AC_CHECK(list.tensors->size() == count, RuntimeError, op, ": expected as many ", list.name, " as params (", count,
             "), got ", list.tensors->size());
  }
  for (size_t i = 0; i < count; ++i) {
    const Tensor& p = params[i];
    AC_CHECK(p.defined(), RuntimeError, op, ": params[", i, "] is None");
    AC_CHECK(is_floating(p.dtype()), RuntimeError, op, ": params[", i, "] must be a floating point tensor, got ",
             dtype_name(p.dtype()));
    AC_CHECK(p.device().type == device_type, RuntimeError, op, ": params[", i, "] is on ", p.device().str(),
             "; expected a ", device_type == DeviceType::CPU ? "CPU" : "CUDA", " tensor");
    for (const NamedList& list : step.lists) {
      if (!list.tensors || list.tensors == &params) continue;
      const Tensor& t = (*list.tensors)[i];
      AC_CHECK(t.defined(), RuntimeError, op, ": ", list.name, "[", i, "] is None");
      AC_CHECK(t.shape() == p.shape(), RuntimeError, op, ": ", list.name, "[", i, "] has shape ", t.shape().str(),
               " but params[", i, "] has shape ", p.shape().str());
      AC_CHECK(t.dtype() == p.dtype(), RuntimeError, op, ": ", list.name, "[", i, "] has dtype ", dtype_name(t.dtype()),
               " but params[", i, "] has dtype ", dtype_name(p.dtype()));
      AC_CHECK(t.device() == p.device(), RuntimeError, op, ": ", list.name, "[", i, "] is on ", t.device().str(),
               " but params[", i, "] is on ", p.device().str());
    }
    for (const NamedList& list : step.lists)  // (an empty tensor, whatever its strides, has nothing to overlap)
      if (list.tensors && list.written && p.numel() > 0) check_no_internal_overlap((*list.tensors)[i]);
  }
}

OptimOperands::OptimOperands(const OptimStep& step, DeviceType device_type) : step_(step) {
  check_step_lists(step, device_type);
  const TensorList& params = *step.lists[0].tensors;
  // Validation is over: from here on memory is read and written.
  data_.assign(params.size() * kOptimOperands, nullptr);
  kept_.reserve(params.size() * step.lists.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].numel() == 0) continue;
    for (size_t k = 0; k < step.lists.size(); ++k) {
      const NamedList& list = step.lists[k];
      if (!list.tensors) continue;
      const Tensor& t = (*list.tensors)[i];
      Tensor source = t.is_contiguous() ? t : dispatch::contiguous(device_type, t);
      if (!t.is_contiguous() && list.written) write_back_.push_back({t, source});
      data_[i * kOptimOperands + k] = source.data_ptr();
      kept_.push_back(std::move(source));
    }
  }
}

void OptimOperands::finish() const {
  for (const auto& [target, source] : write_back_) dispatch::copy_(target.device().type, target, source);
  for (const NamedList& list : step_.lists)
    if (list.written && list.tensors)
      for (const Tensor& t : *list.tensors) t.bump_version();
}

}  // namespace autocore
