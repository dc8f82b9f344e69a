// Matrix products on the CPU: core/matmul_entry.h's shape rules, checks and backwards over the GEMM in
// cpu/gemm.cpp, batched over broadcast batch dims (threads across small products, or within each large one).

#include <algorithm>
#include <cstring>

#include "core/kernels.h"
#include "core/matmul_entry.h"
#include "core/parallel.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"
#include "cpu/reduce.h"

namespace autocore::cpu {

namespace {

template <class T>
MatrixView<T> matrix_view(const Tensor& t, int64_t offset) {
  const int d = t.dim();
  return {t.data<T>() + offset, t.strides()[d - 2], t.strides()[d - 1]};
}

// Element offsets of batch item `index` in each of the (equally batched) operands.
void batch_offsets(const Dims& batch, int64_t index, const Tensor* const* operands, int count, int64_t* offsets) {
  for (int i = 0; i < count; ++i) offsets[i] = 0;
  for (int d = batch.size() - 1; d >= 0; --d) {
    const int64_t coordinate = index % batch[d];
    index /= batch[d];
    for (int i = 0; i < count; ++i) offsets[i] += coordinate * operands[i]->strides()[d];
  }
}

// c[batch, m, n] = alpha * a[batch, m, k] @ b[batch, k, n] + beta * c, where a, b, c share the batch
// shape (a and b may be expanded views) and c's rows are contiguous.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& c, T alpha, T beta) {
  const int d = c.dim();
  const int64_t m = c.shape()[d - 2], n = c.shape()[d - 1], k = a.shape()[d - 1];
  const Dims batch = batch_dims(c);
  const int64_t batches = product(batch);
  const Tensor* operands[3] = {&a, &b, &c};
  const int64_t ldc = c.strides()[d - 2];
  auto run = [&](int64_t index, int threads) {
    int64_t off[3];
    batch_offsets(batch, index, operands, 3, off);
    T* out = c.data<T>() + off[2];
    if constexpr (std::is_same_v<T, int64_t>)
      gemm_int64(m, n, k, alpha, matrix_view<T>(a, off[0]), matrix_view<T>(b, off[1]), beta, out, ldc);
    else gemm<T>(m, n, k, alpha, matrix_view<T>(a, off[0]), matrix_view<T>(b, off[1]), beta, out, ldc, threads);
  };
  // Many small products: one per thread is cheaper than threading each one.
  const int64_t macs = m * n * k;
  if (batches > 1 && macs < 128 * 128 * 128) {
    parallel_for(0, batches, std::max<int64_t>(1, 32768 / std::max<int64_t>(macs, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) run(i, 1);
    });
    return;
  }
  for (int64_t i = 0; i < batches; ++i) run(i, get_num_threads());
}

int64_t integral(const Scalar& s) { return s.kind == Scalar::Kind::Float ? float_to_int64(s.f) : s.i; }

void dispatch_gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta) {
  switch (c.dtype()) {
    case DType::Float32:
      return batched_gemm<float>(a, b, c, static_cast<float>(alpha.f), static_cast<float>(beta.f));
    case DType::Float64:
      return batched_gemm<double>(a, b, c, alpha.f, beta.f);
    case DType::Int64:  // float factors truncate toward zero, as PyTorch's integer addmm does
      return batched_gemm<int64_t>(a, b, c, integral(alpha), integral(beta));
    default:
      fail<NotImplementedError>("\"addmm_impl_cpu_\" not implemented for '", scalar_type_name(c.dtype()), "'");
  }
}

// Every row of the contiguous 2-D c becomes a copy of `row` (contiguous, c's dtype): Linear's bias,
// which the product then accumulates onto.
void fill_rows(const Tensor& c, const Tensor& row) {
  const size_t bytes = row.numel() * row.itemsize();
  char* out = static_cast<char*>(c.data_ptr());
  for (int64_t i = 0; i < c.shape()[0]; ++i) std::memcpy(out + i * bytes, row.data_ptr(), bytes);
}

// The CPU side of core/matmul_entry.h.
struct CpuBackend : CpuKernels {
  static void check_device(const Tensor& t, const char* op) { check_device_type(t, DeviceType::CPU, op); }
  static void gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                   const Tensor* bias) {
    if (!bias) return dispatch_gemm(a, b, c, alpha, beta);
    fill_rows(c, cpu::contiguous(*bias));  // then accumulate the product onto the rows
    dispatch_gemm(a, b, c, alpha, Scalar::from_int(1));
  }
};

using Entry = MatmulEntry<CpuBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/matmul.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cpu
