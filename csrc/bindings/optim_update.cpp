// Python entry points for the optimizer steps, from their kernels' signatures: lists of tensors in, updated in place,
// None out. Argument names follow torch/optim's functional forms (F.adam and friends); the kernel checks that every
// list lives on the device of the first tensor off the CPU.
#include "bindings/def_kernel.h"

namespace autocore::bindings {

void bind_optim_update(py::module_& m) {
  const py::arg params("params"), grads("grads");
  const py::arg_v weight_decay = py::arg("weight_decay") = 0.0, maximize = py::arg("maximize") = false;
  def_kernel(m, "sgd_", dispatch::sgd_, params, grads, py::arg("momentum_buffers"), py::arg("lr"),
             py::arg("momentum") = 0.0, py::arg("dampening") = 0.0, weight_decay, py::arg("nesterov") = false, maximize,
             py::arg("first_step") = false);
  def_kernel(m, "adam_", dispatch::adam_, params, grads, py::arg("exp_avgs"), py::arg("exp_avg_sqs"),
             py::arg("max_exp_avg_sqs"), py::arg("step"), py::arg("lr") = 1e-3, py::arg("beta1") = 0.9,
             py::arg("beta2") = 0.999, py::arg("eps") = 1e-8, weight_decay, py::arg("amsgrad") = false, maximize,
             py::arg("decoupled_weight_decay") = false);
  def_kernel(m, "adagrad_", dispatch::adagrad_, params, grads, py::arg("state_sums"), py::arg("step"),
             py::arg("lr") = 1e-2, py::arg("lr_decay") = 0.0, weight_decay, py::arg("eps") = 1e-10, maximize);
  def_kernel(m, "adadelta_", dispatch::adadelta_, params, grads, py::arg("square_avgs"), py::arg("acc_deltas"),
             py::arg("lr") = 1.0, py::arg("rho") = 0.9, py::arg("eps") = 1e-6, weight_decay, maximize);
  def_kernel(m, "rmsprop_", dispatch::rmsprop_, params, grads, py::arg("square_avgs"), py::arg("momentum_buffers"),
             py::arg("grad_avgs"), py::arg("lr") = 1e-2, py::arg("alpha") = 0.99, py::arg("eps") = 1e-8, weight_decay,
             py::arg("momentum") = 0.0, py::arg("centered") = false, maximize);
}

}  // namespace autocore::bindings
