// Python entry points for reductions, from their kernels' signatures. `dim` may be None, an int, or a sequence of
// ints, as in PyTorch.
#include "bindings/def_kernel.h"

namespace autocore::bindings {

void bind_reduce(py::module_& m) {
  const py::arg input("input"), grad("grad"), input_shape("input_shape"), result("result"), dim("dim");
  const py::arg_v every_dim = py::arg("dim") = py::none(), keepdim = py::arg("keepdim") = false;
  const py::arg_v correction = py::arg("correction") = 1.0;  // keyword-only, as the keepdim after it
  def_kernel(m, "sum", dispatch::sum, input, every_dim, keepdim);
  def_kernel(m, "mean", dispatch::mean, input, every_dim, keepdim);
  def_kernel(m, "var", dispatch::var, input, every_dim, py::kw_only(), correction, keepdim);
  def_kernel(m, "std", dispatch::std, input, every_dim, py::kw_only(), correction, keepdim);
  def_kernel(m, "amax", dispatch::amax, input, py::arg("dim") = py::tuple(), keepdim);
  def_kernel(m, "amin", dispatch::amin, input, py::arg("dim") = py::tuple(), keepdim);
  def_kernel(m, "max", dispatch::max_all, input);
  def_kernel(m, "max", dispatch::max_dim, input, dim, keepdim);
  def_kernel(m, "min", dispatch::min_all, input);
  def_kernel(m, "min", dispatch::min_dim, input, dim, keepdim);
  def_kernel(m, "argmax", dispatch::argmax, input, every_dim, keepdim);
  def_kernel(m, "argmin", dispatch::argmin, input, every_dim, keepdim);

  def_kernel(m, "sum_to_shape", dispatch::sum_to_shape, grad, py::arg("shape"));
  def_kernel(m, "sum_backward", dispatch::sum_backward, grad, input_shape, every_dim, keepdim);
  def_kernel(m, "mean_backward", dispatch::mean_backward, grad, input_shape, every_dim, keepdim);
  def_kernel(m, "var_backward", dispatch::var_backward, grad, input, every_dim, py::kw_only(), correction, keepdim);
  def_kernel(m, "std_backward", dispatch::std_backward, grad, input, result, every_dim, py::kw_only(), correction,
             keepdim);
  def_kernel(m, "amax_backward", dispatch::amax_backward, grad, input, result, every_dim, keepdim);
  def_kernel(m, "index_reduce_backward", dispatch::index_reduce_backward, grad, py::arg("indices"), dim, input_shape,
             keepdim);
}

}  // namespace autocore::bindings
