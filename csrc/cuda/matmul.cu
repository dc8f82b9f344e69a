// Matrix products on CUDA: cpu/matmul.cpp's shape rules, checks and messages, batching over broadcast batch
// dims, and the backwards (their sums over broadcast dims from cuda/reduce.cu), on top of the GEMM in cuda/gemm.cu.
#include "cuda/matmul.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "cuda/elementwise.h"
#include "cuda/gemm.h"
#include "cuda/reduce.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

std::string matrix_str(int64_t rows, int64_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

Dims batch_dims(const Tensor& t) {
  Dims batch;
  for (int d = 0; d + 2 < t.dim(); ++d) batch.push_back(t.shape()[d]);
  return batch;
}

Dims with_matrix(Dims batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

void check_product_dtypes(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dtype() == b.dtype(), RuntimeError, "expected m1 and m2 to have the same dtype, but got: ",
           cpp_type_name(a.dtype()), " != ", cpp_type_name(b.dtype()));
  AC_CHECK(a.dtype() != DType::Bool, RuntimeError, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  check_same_device(a, b, "matmul");
  tensor_device(a, "matmul");
}

// ---- products ----

struct BatchDim {
  int64_t size, a, b, c;  // extent and the three operands' strides
};

// c[batch, m, n] = alpha * a[batch, m, k] @ b[batch, k, n] + beta * c (+ bias row), where a, b, c share the
// batch shape (a and b may be expanded views) and c's rows are contiguous. Batch dims that step evenly in all
// three operands merge; the innermost merged run is one batched launch, any outer ones a loop here.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& c, T alpha, T beta, const Tensor* bias) {
  if (c.numel() == 0) return;
  const int d = c.dim();
  const int64_t m = c.shape()[d - 2], n = c.shape()[d - 1], k = a.shape()[d - 1];
  BatchDim dims[kMaxDims];
  int count = 0;
  for (int i = 0; i + 2 < d; ++i) {
    if (c.shape()[i] == 1) continue;
    const BatchDim next{c.shape()[i], a.strides()[i], b.strides()[i], c.strides()[i]};
    if (count > 0) {
      BatchDim& outer = dims[count - 1];
      if (outer.a == next.a * next.size && outer.b == next.b * next.size && outer.c == next.c * next.size) {
        outer = {outer.size * next.size, next.a, next.b, next.c};
        continue;
      }
    }
    dims[count++] = next;
  }
  const BatchDim inner = count > 0 ? dims[count - 1] : BatchDim{1, 0, 0, 0};
  const int outer_dims = std::max(count - 1, 0);
  int64_t outer = 1;
  for (int i = 0; i < outer_dims; ++i) outer *= dims[i].size;

  GemmBias<T> row;
  if (bias) row = {bias->data<T>(), bias->dim() >= 1 ? bias->strides()[bias->dim() - 1] : 0};
  const int device = c.device().index;
  for (int64_t index = 0; index < outer; ++index) {
    int64_t off_a = 0, off_b = 0, off_c = 0, rest = index;
    for (int i = outer_dims - 1; i >= 0; --i) {
      const int64_t coordinate = rest % dims[i].size;
      rest /= dims[i].size;
      off_a += coordinate * dims[i].a;
      off_b += coordinate * dims[i].b;
      off_c += coordinate * dims[i].c;
    }
    gemm<T>(m, n, k, inner.size, alpha, {a.data<T>() + off_a, a.strides()[d - 2], a.strides()[d - 1], inner.a},
            {b.data<T>() + off_b, b.strides()[d - 2], b.strides()[d - 1], inner.b}, beta,
            {c.data<T>() + off_c, c.strides()[d - 2], inner.c}, row, device);
  }
}

int64_t integral(const Scalar& s) { return s.kind == Scalar::Kind::Float ? float_to_int64(s.f) : s.i; }

void dispatch_gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                   const Tensor* bias = nullptr) {
  switch (c.dtype()) {
    case DType::Float32:
      return batched_gemm<float>(a, b, c, static_cast<float>(alpha.f), static_cast<float>(beta.f), bias);
    case DType::Float64: return batched_gemm<double>(a, b, c, alpha.f, beta.f, bias);
    case DType::Int64:  // float factors truncate toward zero, as PyTorch's integer addmm does
      return batched_gemm<int64_t>(a, b, c, integral(alpha), integral(beta), bias);
    default: fail<RuntimeError>("\"addmm_impl_cpu_\" not implemented for '", scalar_type_name(c.dtype()), "'");
  }
}

// A 2-D view of t's leading dims flattened, when its strides allow one, else a contiguous copy.
Tensor flatten_rows(const Tensor& t) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < t.dim(); ++d) rows *= t.shape()[d];
  return reshape(t, Dims{rows, t.shape()[t.dim() - 1]});
}

// The product of two tensors with at least 2 dims each (vectors already unsqueezed). The backwards reach
// here without the entry points' checks, so the operands' dtypes and devices are checked again.
Tensor product_nd(const Tensor& a, const Tensor& b) {
  check_product_dtypes(a, b);
  const int64_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1];
  const int64_t kb = b.shape()[b.dim() - 2], n = b.shape()[b.dim() - 1];
  if (a.dim() == 2 && b.dim() == 2) {
    AC_CHECK(k == kb, RuntimeError, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(m, k), " and ",
             matrix_str(kb, n), ")");
    Tensor c = Tensor::empty(Dims{m, n}, a.dtype(), a.device());
    dispatch_gemm(a, b, c, Scalar::from_int(1), Scalar::from_int(0));
    return c;
  }
  // (batch..., m, k) @ (k, n): the batch folds into the rows of one big product.
  if (b.dim() == 2 && k == kb && m > 0) {
    Dims out_shape = with_matrix(batch_dims(a), m, n);
    Tensor flat = flatten_rows(a);
    Tensor c = Tensor::empty(Dims{flat.shape()[0], n}, a.dtype(), a.device());
    dispatch_gemm(flat, b, c, Scalar::from_int(1), Scalar::from_int(0));
    return c.view(out_shape);
  }
  const Dims batch = broadcast_shapes(batch_dims(a), batch_dims(b));
  AC_CHECK(k == kb, RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [", product(batch),
           ", ", k, "] but got: [", product(batch), ", ", kb, "].");
  Tensor c = Tensor::empty(with_matrix(batch, m, n), a.dtype(), a.device());
  dispatch_gemm(a.expand(with_matrix(batch, m, k)), b.expand(with_matrix(batch, k, n)), c, Scalar::from_int(1),
                Scalar::from_int(0));
  return c;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor* out) {
  AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError, "both arguments to matmul need to be at least 1D, but they are ",
           a.dim(), "D and ", b.dim(), "D");
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
  copy_(*out, result);
  return *out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dim() == 2, RuntimeError, "self must be a matrix");
  AC_CHECK(b.dim() == 2, RuntimeError, "mat2 must be a matrix");
  check_product_dtypes(a, b);
  return product_nd(a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dim() == 3, RuntimeError, "batch1 must be a 3D tensor");
  AC_CHECK(b.dim() == 3, RuntimeError, "batch2 must be a 3D tensor");
  check_product_dtypes(a, b);
  AC_CHECK(a.shape()[0] == b.shape()[0] && a.shape()[2] == b.shape()[1], RuntimeError,
           "Expected size for first two dimensions of batch2 tensor to be: [", a.shape()[0], ", ", a.shape()[2],
           "] but got: [", b.shape()[0], ", ", b.shape()[1], "].");
  return product_nd(a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  AC_CHECK(a.dim() == 2 && v.dim() == 1, RuntimeError, "vector + matrix @ vector expected, got 1, ", a.dim(), ", ",
           v.dim());
  check_product_dtypes(a, v);
  AC_CHECK(a.shape()[1] == v.shape()[0], RuntimeError, "size mismatch, got input (", a.shape()[0], "), mat (",
           matrix_str(a.shape()[0], a.shape()[1]), "), vec (", v.shape()[0], ")");
  return product_nd(a, v.unsqueeze(1)).squeeze(1);
}

Tensor dot(const Tensor& a, const Tensor& b) {
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

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
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
  if (use_bias && row_bias && beta.f == 1) {  // Linear's case: the GEMM adds the row as it stores C
    dispatch_gemm(a, b, c, alpha, Scalar::from_int(0), &bias);
    return c;
  }
  if (use_bias) copy_(c, bias_expanded);
  dispatch_gemm(a, b, c, alpha, use_bias ? beta : Scalar::from_int(0));
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  AC_CHECK(x.dim() >= 1, RuntimeError, "linear: input must have at least 1 dim, got a 0-D tensor");
  AC_CHECK(weight.dim() == 2 || weight.dim() == 1, RuntimeError, "linear: weight must be 1-D or 2-D, got ",
           weight.dim(), "-D");
  if (weight.dim() == 1) {  // PyTorch allows a vector weight: x @ w (+ bias)
    Tensor y = matmul(x, weight);
    return bias && bias->defined() ? binary(EwOp::add, y, *bias) : y;
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
  const Tensor* row = nullptr;
  if (bias && bias->defined()) {
    AC_CHECK(bias->dtype() == x.dtype(), RuntimeError, "linear: bias has dtype ", dtype_name(bias->dtype()),
             " but input has dtype ", dtype_name(x.dtype()));
    check_same_device(*bias, x, "linear");
    AC_CHECK(bias->numel() == features && bias->dim() <= 1, RuntimeError, "linear: expected bias of shape [",
             features, "], got ", bias->shape().str());
    row = bias;
  }
  dispatch_gemm(x2, weight.transpose(0, 1), c, Scalar::from_int(1), Scalar::from_int(0), row);
  return c.view(out_shape);
}

std::pair<Tensor, Tensor> matmul_backward(const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a,
                                          bool need_b) {
  AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError, "matmul_backward: inputs must be at least 1-D");
  check_same_device(grad, a, "matmul_backward");
  check_same_device(a, b, "matmul_backward");
  tensor_device(grad, "matmul_backward");
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  const int64_t m = a2.shape()[a2.dim() - 2], n = b2.shape()[b2.dim() - 1];
  const Dims batch = broadcast_shapes(batch_dims(a2), batch_dims(b2));
  Dims expected = batch;
  if (a.dim() > 1) expected.push_back(m);
  if (b.dim() > 1) expected.push_back(n);
  AC_CHECK(grad.shape() == expected, RuntimeError, "matmul_backward: grad has shape ", grad.shape().str(),
           " but the product has shape ", expected.str());
  const Tensor g = reshape(grad, with_matrix(batch, m, n));
  Tensor grad_a, grad_b;
  if (b2.dim() == 2 && a2.dim() > 2) {  // folded batch: the weight-like operand's grad is one product
    const Tensor a_flat = flatten_rows(a2), g_flat = flatten_rows(g);
    if (need_a) grad_a = reshape(product_nd(g_flat, b2.transpose(0, 1)), a.shape());
    if (need_b) grad_b = reshape(product_nd(a_flat.transpose(0, 1), g_flat), b.shape());
    return {grad_a, grad_b};
  }
  if (need_a) grad_a = reshape(sum_to_shape(product_nd(g, b2.transpose(-1, -2)), a2.shape()), a.shape());
  if (need_b) grad_b = reshape(sum_to_shape(product_nd(a2.transpose(-1, -2), g), b2.shape()), b.shape());
  return {grad_a, grad_b};
}

std::array<Tensor, 3> linear_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                      const std::array<bool, 3>& needs) {
  AC_CHECK(weight.dim() == 2, RuntimeError, "linear_backward: weight must be 2-D");
  check_same_device(grad, x, "linear_backward");
  check_same_device(x, weight, "linear_backward");
  tensor_device(grad, "linear_backward");
  Dims out_shape = x.shape();
  out_shape[out_shape.size() - 1] = weight.shape()[0];
  AC_CHECK(grad.shape() == out_shape, RuntimeError, "linear_backward: grad has shape ", grad.shape().str(),
           " but the output has shape ", out_shape.str());
  const Tensor g = x.dim() == 1 ? grad.unsqueeze(0) : flatten_rows(grad);
  std::array<Tensor, 3> grads;
  if (needs[0]) grads[0] = reshape(product_nd(g, weight), x.shape());
  if (needs[1]) grads[1] = product_nd(g.transpose(0, 1), x.dim() == 1 ? x.unsqueeze(0) : flatten_rows(x));
  if (needs[2]) {
    const Dims rows{0};
    grads[2] = sum(g, &rows, false);
  }
  return grads;
}

}  // namespace autocore::cuda
