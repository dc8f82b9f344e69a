// Shared by the CUDA module's binding files. Each mirrors the CPU binding of its family
// (csrc/bindings/<family>.cpp): same names, same positional arguments, since _C forwards calls to it as they came.
#pragma once
#include "bindings/common.h"

namespace autocore::cuda::bindings {

namespace py = pybind11;
using autocore::bindings::to_dims;
using autocore::bindings::to_tuple;

void bind_runtime(py::module_& m);
void bind_tensor(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_layout_index(py::module_& m);
void bind_reduce(py::module_& m);
void bind_matmul(py::module_& m);
void bind_softmax_loss(py::module_& m);
void bind_optim_update(py::module_& m);

}  // namespace autocore::cuda::bindings
