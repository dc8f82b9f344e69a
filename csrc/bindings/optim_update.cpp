// Python entry points for the optimizer steps: lists of tensors in, updated in place, None out.
// Argument names follow torch/optim's functional forms (F.adam and friends).
#include "cpu/optim_update.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {

// Device dispatch goes by the first param on a device; the kernel checks that every list lives where it does.
int64_t total_numel(const TensorList& params) {
  int64_t total = 0;
  for (const Tensor& p : params) total += p.defined() ? p.numel() : 0;
  return total;
}

}  // namespace

void bind_optim_update(py::module_& m) {
  m.def(
      "sgd_",
      [](const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers, double lr,
         double momentum, double dampening, double weight_decay, bool nesterov, bool maximize, bool first_step) {
        ReleaseGilIfLarge nogil(total_numel(params));
        dispatch::sgd_(device_of(params), params, grads, momentum_buffers, lr, momentum, dampening, weight_decay,
                       nesterov, maximize, first_step);
      },
      py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("lr"), py::arg("momentum") = 0.0,
      py::arg("dampening") = 0.0, py::arg("weight_decay") = 0.0, py::arg("nesterov") = false,
      py::arg("maximize") = false, py::arg("first_step") = false);
  m.def(
      "adam_",
      [](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
         const TensorList& max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2, double eps,
         double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
        ReleaseGilIfLarge nogil(total_numel(params));
        dispatch::adam_(device_of(params), params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1,
                        beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay);
      },
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
      py::arg("step"), py::arg("lr") = 1e-3, py::arg("beta1") = 0.9, py::arg("beta2") = 0.999, py::arg("eps") = 1e-8,
      py::arg("weight_decay") = 0.0, py::arg("amsgrad") = false, py::arg("maximize") = false,
      py::arg("decoupled_weight_decay") = false);
  m.def(
      "adagrad_",
      [](const TensorList& params, const TensorList& grads, const TensorList& state_sums, int64_t step, double lr,
         double lr_decay, double weight_decay, double eps, bool maximize) {
        ReleaseGilIfLarge nogil(total_numel(params));
        dispatch::adagrad_(device_of(params), params, grads, state_sums, step, lr, lr_decay, weight_decay, eps,
                           maximize);
      },
      py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("step"), py::arg("lr") = 1e-2,
      py::arg("lr_decay") = 0.0, py::arg("weight_decay") = 0.0, py::arg("eps") = 1e-10, py::arg("maximize") = false);
  m.def(
      "adadelta_",
      [](const TensorList& params, const TensorList& grads, const TensorList& square_avgs, const TensorList& acc_deltas,
         double lr, double rho, double eps, double weight_decay, bool maximize) {
        ReleaseGilIfLarge nogil(total_numel(params));
        dispatch::adadelta_(device_of(params), params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay,
                            maximize);
      },
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("lr") = 1.0,
      py::arg("rho") = 0.9, py::arg("eps") = 1e-6, py::arg("weight_decay") = 0.0, py::arg("maximize") = false);
  m.def(
      "rmsprop_",
      [](const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
         const TensorList& momentum_buffers, const TensorList& grad_avgs, double lr, double alpha, double eps,
         double weight_decay, double momentum, bool centered, bool maximize) {
        ReleaseGilIfLarge nogil(total_numel(params));
        dispatch::rmsprop_(device_of(params), params, grads, square_avgs, momentum_buffers, grad_avgs, lr, alpha, eps,
                           weight_decay, momentum, centered, maximize);
      },
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("momentum_buffers"), py::arg("grad_avgs"),
      py::arg("lr") = 1e-2, py::arg("alpha") = 0.99, py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0,
      py::arg("momentum") = 0.0, py::arg("centered") = false, py::arg("maximize") = false);
}

}  // namespace autocore::bindings
