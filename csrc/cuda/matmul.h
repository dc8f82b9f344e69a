// Matrix products on CUDA with cpu/matmul.h's entry points and PyTorch's semantics, forward and backward:
// matmul, mm, bmm, mv, dot, addmm, linear. All run on the GEMM in cuda/gemm.h. Binding: cuda/bindings/matmul.cpp.
#pragma once
#include <array>
#include <utility>

#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore::cuda {

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor* out = nullptr);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);
// beta * bias + alpha * (a @ b), bias broadcast to the product's shape.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha);
// x @ weight^T + bias over x's last dim: x (*, in), weight (out, in), bias (out) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias);

// Gradients of matmul(a, b) for the inputs that need them (undefined tensors otherwise), reduced over
// broadcast batch dims to each input's shape.
std::pair<Tensor, Tensor> matmul_backward(const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a,
                                          bool need_b);
// Gradients of linear(x, weight, bias): (grad_x, grad_weight, grad_bias).
std::array<Tensor, 3> linear_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                      const std::array<bool, 3>& needs);

}  // namespace autocore::cuda
