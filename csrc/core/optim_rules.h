// What an optimizer step means, independent of the device that runs it: the hyper-parameters a rule reads, PyTorch's
// checks, and the checks on the lists of params, grads and state. core/optim_entry.h builds a step from a kernel's
// arguments; cpu/optim_update.cpp and cuda/optim_update.cu run it (core/optim_math.h holds the rules).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace autocore {

using TensorList = std::vector<Tensor>;

// Everything a rule may need.
struct OptimHyper {
  double lr = 0, weight_decay = 0, eps = 0;
  double momentum = 0, dampening = 0;               // sgd, rmsprop (momentum)
  double beta1 = 0, beta2 = 0;                      // adam
  double step_size = 0, bias_correction2_sqrt = 1;  // adam: lr / (1 - beta1^step), sqrt(1 - beta2^step)
  double clr = 0;                                   // adagrad: lr / (1 + (step - 1) * lr_decay)
  double rho = 0;                                   // adadelta
  double alpha = 0;                                 // rmsprop
  bool nesterov = false, maximize = false, first_step = false, amsgrad = false, decoupled_weight_decay = false,
       centered = false;
};

struct NamedList {
  const char* name;
  const TensorList* tensors;  // nullptr: a state list this configuration does not use (it may be empty)
  bool written;               // updated in place (a param or a state buffer), not only read (a grad)
};

// The most lists a rule takes: param, grad and three state buffers (Adam with amsgrad, centered RMSprop).
constexpr int kOptimOperands = 5;

// One checked update: index 0 of `lists` the params, 1 the grads, then the rule's state lists in the order of
// the entry point's arguments.
struct OptimStep {
  const char* op;
  std::vector<NamedList> lists;
  OptimHyper hyper;
};

// A step of `op` on params and grads with the rule's state lists, each updated in place (tensors null: a list this
// configuration does not use); its hyper-parameters are the caller's to set.
struct StateList {
  const char* name;
  const TensorList* tensors;
};
OptimStep optim_step(const char* op, const TensorList& params, const TensorList& grads,
                     std::initializer_list<StateList> state);

// The PyTorch optimizer constructors' checks, e.g. "Invalid learning rate: -1".
void check_hyper(bool ok, const char* what, double value);
// A step count as the kernels take it: after PyTorch's increment, so from 1.
void check_step_count(int64_t step, const char* op);

// Every list against the params: as many, none missing, same shape, dtype and device, params floating point and
// on a device of `device_type`, no written tensor with overlapping elements. Raises before memory is touched.
void check_step_lists(const OptimStep& step, DeviceType device_type);

// A checked step's operands in contiguous memory: row(i) holds param i's kOptimOperands pointers, in the order of
// step.lists (null for a list the rule does not use, and for an empty param). A tensor that is not contiguous is
// replaced by a contiguous copy, which finish() writes back where the step updates it in place; finish() then moves
// on the version of every tensor the step updated.
class OptimOperands {
 public:
  OptimOperands(const OptimStep& step, DeviceType device_type);  // check_step_lists first
  void* const* row(size_t i) const { return data_.data() + i * kOptimOperands; }
  void finish() const;

 private:
  const OptimStep& step_;
  std::vector<void*> data_;
  std::vector<Tensor> kept_;
  std::vector<std::pair<Tensor, Tensor>> write_back_;
};

}  // namespace autocore
