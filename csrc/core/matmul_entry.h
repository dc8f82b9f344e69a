// Matrix products with PyTorch's semantics, written once over a device backend: the shape rules, checks and
// messages of matmul (vector, matrix and batched with broadcast batch dims), mm, bmm, mv, dot, addmm and linear,
// and the backwards, each named after its kernel (core/kernels/matmul.def). cpu/matmul.cpp and cuda/matmul.cu
// each define a Backend, derived from its device's kernels (CpuKernels, CudaKernels: Backend::reshape, ...), with
//   static void check_device(const Tensor& t, const char* op);  // t lives on this backend's device (made current)
//   static void gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
//                    const Tensor* bias);  // c[batch] = alpha a[batch] @ b[batch] + beta c[batch] (+ bias, a row of
//                                          // c's width, added to every row; given only with beta = 0). a, b and
//                                          // c share their batch dims (a, b may be expanded); c's rows are dense.
#pragma once
#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "core/elementwise_rules.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore {

// The dims of t before its last two (a matrix's batch dims).
inline Dims batch_dims(const Tensor& t) {
  Dims batch;
  for (int d = 0; d + 2 < t.dim(); ++d) batch.push_back(t.shape()[d]);
  return batch;
}

template <class Backend>
struct MatmulEntry {
  static std::string matrix_str(int64_t rows, int64_t cols) {
    return std::to_string(rows) + "x" + std::to_string(cols);
  }

  static Dims with_matrix(Dims batch, int64_t rows, int64_t cols) {
    batch.push_back(rows);
    batch.push_back(cols);
    return batch;
  }

  static void check_product_dtypes(const Tensor& a, const Tensor& b) {
    AC_CHECK(a.dtype() == b.dtype(), RuntimeError,
             "expected m1 and m2 to have the same dtype, but got: ", cpp_type_name(a.dtype()),
             " != ", cpp_type_name(b.dtype()));
    AC_CHECK(a.dtype() != DType::Bool, NotImplementedError, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
    check_same_device(a, b, "matmul");
    Backend::check_device(a, "matmul");
  }

  // A 2-D view of t's leading dims flattened, when its strides allow one, else a contiguous copy.
  static Tensor flatten_rows(const Tensor& t) {
    int64_t rows = 1;
    for (int d = 0; d + 1 < t.dim(); ++d) rows *= t.shape()[d];
    return Backend::reshape(t, Dims{rows, t.shape()[t.dim() - 1]});
  }

  // The backend's gemm; int8, uint8, int16 and int32 (no loops of their own) multiply in int64 and wrap back once,
  // which gives PyTorch's wrapped result exactly (wrapping commutes with + and *).
  static void gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                   const Tensor* bias) {
    if (!is_narrow(c.dtype()) || is_floating(c.dtype())) return Backend::gemm(a, b, c, alpha, beta, bias);
    const bool reads_c = beta.f != 0;  // (a plain product's c holds nothing yet: no copy to widen)
    const Tensor wide =
        reads_c ? Backend::to_dtype(c, DType::Int64) : Tensor::empty(c.shape(), DType::Int64, c.device());
    const Tensor wide_bias = bias ? Backend::to_dtype(*bias, DType::Int64) : Tensor();
    Backend::gemm(Backend::to_dtype(a, DType::Int64), Backend::to_dtype(b, DType::Int64), wide, alpha, beta,
                  bias ? &wide_bias : nullptr);
    Backend::copy_(c, wide);
  }

  static void plain_gemm(const Tensor& a, const Tensor& b, const Tensor& c) {
    gemm(a, b, c, Scalar::from_int(1), Scalar::from_int(0), nullptr);
  }

  // The product of two tensors with at least 2 dims each (vectors already unsqueezed). The backwards reach
  // here without the entry points' checks, so the operands' dtypes and devices are checked here too.
  static Tensor product_nd(const Tensor& a, const Tensor& b) {
    check_product_dtypes(a, b);
    const int64_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1];
    const int64_t kb = b.shape()[b.dim() - 2], n = b.shape()[b.dim() - 1];
    if (a.dim() == 2 && b.dim() == 2) {
      AC_CHECK(k == kb, RuntimeError, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(m, k), " and ",
               matrix_str(kb, n), ")");
      Tensor c = Tensor::empty(Dims{m, n}, a.dtype(), a.device());
      plain_gemm(a, b, c);
      return c;
    }
    // (batch..., m, k) @ (k, n): the batch folds into the rows of one big product.
    if (b.dim() == 2 && k == kb && m > 0) {
      Dims out_shape = with_matrix(batch_dims(a), m, n);
      Tensor flat = flatten_rows(a);
      Tensor c = Tensor::empty(Dims{flat.shape()[0], n}, a.dtype(), a.device());
      plain_gemm(flat, b, c);
      return c.view(out_shape);
    }
    const Dims batch = broadcast_shapes(batch_dims(a), batch_dims(b));
    AC_CHECK(k == kb, RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [", product(batch),
             ", ", k, "] but got: [", product(batch), ", ", kb, "].");
    Tensor c = Tensor::empty(with_matrix(batch, m, n), a.dtype(), a.device());
    plain_gemm(a.expand(with_matrix(batch, m, k)), b.expand(with_matrix(batch, k, n)), c);
    return c;
  }

  static Tensor matmul(const Tensor& a, const Tensor& b, const Tensor* out) {
    AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError,
             "both arguments to matmul need to be at least 1D, but they are ", a.dim(), "D and ", b.dim(), "D");
    Tensor result;
    if (a.dim() == 1 && b.dim() == 1) {
      result = dot(a, b);
    } else if (b.dim() == 1 && a.dim() == 2) {
      result = mv(a, b);
    } else {
      check_product_dtypes(a, b);
      const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
      const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
      result = product_nd(a2, b2);
      if (a.dim() == 1) result = result.squeeze(result.dim() - 2);
      if (b.dim() == 1) result = result.squeeze(result.dim() - 1);
    }
    if (!out) return result;
    AC_CHECK(out->dtype() == result.dtype(), RuntimeError, "Expected out tensor to have dtype ",
             cpp_type_name(result.dtype()), ", but got ", cpp_type_name(out->dtype()), " instead");
    AC_CHECK(out->shape() == result.shape(), RuntimeError, "matmul: out has shape ", out->shape().str(),
             " but the result has shape ", result.shape().str());
    check_same_device(*out, result, "matmul");
    Backend::copy_(*out, result);
    return *out;
  }

  static Tensor mm(const Tensor& a, const Tensor& b) {
    AC_CHECK(a.dim() == 2, RuntimeError, "self must be a matrix");
    AC_CHECK(b.dim() == 2, RuntimeError, "mat2 must be a matrix");
    check_product_dtypes(a, b);
    return product_nd(a, b);
  }

  static Tensor bmm(const Tensor& a, const Tensor& b) {
    AC_CHECK(a.dim() == 3, RuntimeError, "batch1 must be a 3D tensor");
    AC_CHECK(b.dim() == 3, RuntimeError, "batch2 must be a 3D tensor");
    check_product_dtypes(a, b);
    AC_CHECK(a.shape()[0] == b.shape()[0] && a.shape()[2] == b.shape()[1], RuntimeError,
             "Expected size for first two dimensions of batch2 tensor to be: [", a.shape()[0], ", ", a.shape()[2],
             "] but got: [", b.shape()[0], ", ", b.shape()[1], "].");
    return product_nd(a, b);
  }

  static Tensor mv(const Tensor& a, const Tensor& v) {
    AC_CHECK(a.dim() == 2 && v.dim() == 1, RuntimeError, "vector + matrix @ vector expected, got 1, ", a.dim(), ", ",
             v.dim());
    check_product_dtypes(a, v);
    AC_CHECK(a.shape()[1] == v.shape()[0], RuntimeError, "size mismatch, got input (", a.shape()[0], "), mat (",
             matrix_str(a.shape()[0], a.shape()[1]), "), vec (", v.shape()[0], ")");
    return product_nd(a, v.unsqueeze(1)).squeeze(1);
  }

  static Tensor dot(const Tensor& a, const Tensor& b) {
    AC_CHECK(a.dim() == 1 && b.dim() == 1, RuntimeError, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
             "D tensors");
    AC_CHECK(a.dtype() == b.dtype(), RuntimeError, "dot : expected both vectors to have same dtype, but found ",
             scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
    check_product_dtypes(a, b);
    AC_CHECK(a.numel() == b.numel(), RuntimeError, "inconsistent tensor size, expected tensor [", a.numel(),
             "] and src [", b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
             " elements respectively");
    return product_nd(a.unsqueeze(0), b.unsqueeze(1)).view(Dims{});
  }

  static Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
    AC_CHECK(a.dim() == 2, RuntimeError, "mat1 must be a matrix, got ", a.dim(), "-D tensor");
    AC_CHECK(b.dim() == 2, RuntimeError, "mat2 must be a matrix, got ", b.dim(), "-D tensor");
    check_product_dtypes(a, b);
    AC_CHECK(bias.dtype() == a.dtype(), RuntimeError, "self and mat2 must have the same dtype, but got ",
             scalar_type_name(bias.dtype()), " and ", scalar_type_name(a.dtype()));
    check_same_device(bias, a, "addmm");
    const int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
    AC_CHECK(k == b.shape()[0], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(m, k), " and ",
             matrix_str(b.shape()[0], n), ")");
    const Tensor bias_expanded = bias.expand(Dims{m, n});
    Tensor c = Tensor::empty(Dims{m, n}, a.dtype(), a.device());
    const bool use_bias = beta.f != 0;  // as in PyTorch, beta = 0 ignores the bias (even its NaNs)
    const bool row_bias = bias.dim() >= 1 && bias.numel() == n && bias.shape()[bias.dim() - 1] == n;
    if (use_bias && row_bias && beta.f == 1) {  // Linear's case: the row goes in as the product is stored
      const Tensor row = Backend::reshape(bias, Dims{n});
      gemm(a, b, c, alpha, Scalar::from_int(0), &row);
      return c;
    }
    if (use_bias) Backend::copy_(c, bias_expanded);
    gemm(a, b, c, alpha, use_bias ? beta : Scalar::from_int(0), nullptr);
    return c;
  }

  static Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
    AC_CHECK(x.dim() >= 1, RuntimeError, "linear: input must have at least 1 dim, got a 0-D tensor");
    AC_CHECK(weight.dim() == 2 || weight.dim() == 1, RuntimeError, "linear: weight must be 1-D or 2-D, got ",
             weight.dim(), "-D");
    if (weight.dim() == 1) {  // PyTorch allows a vector weight: x @ w (+ bias)
      Tensor y = matmul(x, weight, nullptr);
      return bias && bias->defined() ? Backend::binary(EwOp::add, y, *bias, nullptr, {}) : y;
    }
    check_product_dtypes(x, weight);
    const int64_t in = x.shape()[x.dim() - 1], features = weight.shape()[0];
    AC_CHECK(in == weight.shape()[1], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (",
             matrix_str(x.numel() / std::max<int64_t>(in, 1), in), " and ", matrix_str(weight.shape()[1], features),
             ")");
    Dims out_shape = x.shape();
    out_shape[out_shape.size() - 1] = features;
    const Tensor x2 = x.dim() == 1 ? x.unsqueeze(0) : flatten_rows(x);
    Tensor c = Tensor::empty(Dims{x2.shape()[0], features}, x.dtype(), x.device());
    Tensor row;
    if (bias && bias->defined()) {
      AC_CHECK(bias->dtype() == x.dtype(), RuntimeError, "linear: bias has dtype ", dtype_name(bias->dtype()),
               " but input has dtype ", dtype_name(x.dtype()));
      check_same_device(*bias, x, "linear");
      AC_CHECK(bias->numel() == features && bias->dim() <= 1, RuntimeError, "linear: expected bias of shape [",
               features, "], got ", bias->shape().str());
      row = bias->view(Dims{features});
    }
    gemm(x2, weight.transpose(0, 1), c, Scalar::from_int(1), Scalar::from_int(0), row.defined() ? &row : nullptr);
    return c.view(out_shape);
  }

  static std::pair<Tensor, Tensor> matmul_backward(const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a,
                                                   bool need_b) {
    AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError, "matmul_backward: inputs must be at least 1-D");
    check_same_device(grad, a, "matmul_backward");
    check_same_device(a, b, "matmul_backward");
    Backend::check_device(grad, "matmul_backward");
    const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
    const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    const int64_t m = a2.shape()[a2.dim() - 2], n = b2.shape()[b2.dim() - 1];
    const Dims batch = broadcast_shapes(batch_dims(a2), batch_dims(b2));
    Dims expected = batch;
    if (a.dim() > 1) expected.push_back(m);
    if (b.dim() > 1) expected.push_back(n);
    AC_CHECK(grad.shape() == expected, RuntimeError, "matmul_backward: grad has shape ", grad.shape().str(),
             " but the product has shape ", expected.str());
    const Tensor g = Backend::reshape(grad, with_matrix(batch, m, n));
    Tensor grad_a, grad_b;
    if (b2.dim() == 2 && a2.dim() > 2) {  // folded batch: the weight-like operand's grad is one product
      const Tensor a_flat = flatten_rows(a2), g_flat = flatten_rows(g);
      if (need_a) grad_a = Backend::reshape(product_nd(g_flat, b2.transpose(0, 1)), a.shape());
      if (need_b) grad_b = Backend::reshape(product_nd(a_flat.transpose(0, 1), g_flat), b.shape());
      return {grad_a, grad_b};
    }
    if (need_a)
      grad_a = Backend::reshape(Backend::sum_to_shape(product_nd(g, b2.transpose(-1, -2)), a2.shape()), a.shape());
    if (need_b)
      grad_b = Backend::reshape(Backend::sum_to_shape(product_nd(a2.transpose(-1, -2), g), b2.shape()), b.shape());
    return {grad_a, grad_b};
  }

  static std::array<Tensor, 3> linear_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                               const std::array<bool, 3>& needs) {
    AC_CHECK(weight.dim() == 2, RuntimeError, "linear_backward: weight must be 2-D");
    check_same_device(grad, x, "linear_backward");
    check_same_device(x, weight, "linear_backward");
    Backend::check_device(grad, "linear_backward");
    Dims out_shape = x.shape();
    out_shape[out_shape.size() - 1] = weight.shape()[0];
    AC_CHECK(grad.shape() == out_shape, RuntimeError, "linear_backward: grad has shape ", grad.shape().str(),
             " but the output has shape ", out_shape.str());
    const Tensor g = x.dim() == 1 ? grad.unsqueeze(0) : flatten_rows(grad);
    std::array<Tensor, 3> grads;
    if (needs[0]) grads[0] = Backend::reshape(product_nd(g, weight), x.shape());
    if (needs[1]) grads[1] = product_nd(g.transpose(0, 1), x.dim() == 1 ? x.unsqueeze(0) : flatten_rows(x));
    if (needs[2]) {
      const Dims rows{0};
      grads[2] = Backend::sum(g, &rows, false);
    }
    return grads;
  }
};

}  // namespace autocore
