// Matrix products on CUDA: core/matmul_entry.h's shape rules, checks and backwards (their sums from cuda/reduce.cu)
// over the GEMM in cuda/gemm.cu, batched over broadcast batch dims: merged dims are one batched launch.

#include <algorithm>

#include "core/kernels.h"
#include "core/matmul_entry.h"
#include "cuda/elementwise.h"
#include "cuda/gemm.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

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
    case DType::Float64:
      return batched_gemm<double>(a, b, c, alpha.f, beta.f, bias);
    case DType::Int64:  // float factors truncate toward zero, as PyTorch's integer addmm does
      return batched_gemm<int64_t>(a, b, c, integral(alpha), integral(beta), bias);
    default:
      fail<NotImplementedError>("\"addmm_cuda\" not implemented for '", scalar_type_name(c.dtype()), "'");
  }
}

// The CUDA side of core/matmul_entry.h: a row bias is added by the GEMM as it stores C.
struct CudaBackend : CudaKernels {
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }
  static void gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                   const Tensor* bias) {
    dispatch_gemm(a, b, c, alpha, beta, bias);
  }
};

using Entry = MatmulEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/matmul.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
