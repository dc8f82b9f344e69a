// The GEMM engine under matmul, addmm and linear: C = alpha * A @ B + beta * C on strided operands.
// Large products pack A and B into cache-sized panels and run a register-blocked micro-kernel per ISA
// (cpu/gemm_simd.cpp); small, skinny and vector products take a direct path with no packing.
#pragma once
#include <cstdint>

#include "core/dtype.h"

namespace autocore::cpu {

// A matrix operand: element (i, j) lives at data[i * row_stride + j * col_stride] (strides in elements),
// so transposed and sliced views are read in place.
template <class T>
struct MatrixView {
  const T* data;
  int64_t row_stride, col_stride;
};

// Packed layouts. A panel holds mr rows of A for kc steps, k-major: panel[k * mr + r]. A B panel holds nr
// columns of B for kc steps: panel[k * nr + c]. Rows or columns past the matrix edge are packed as zeros.
template <class T>
struct GemmTable {
  int mr, nr;      // micro-tile: mr rows of C by nr columns, held in registers
  int kc, mc, nc;  // cache blocks: kc deep, mc rows of packed A (L3), nc columns of packed B (L2)
  void (*pack_a)(MatrixView<T> a, int64_t rows, int64_t depth, T* panel);
  void (*pack_b)(MatrixView<T> b, int64_t depth, int64_t cols, T* panel);
  // C tile (rows x cols <= mr x nr, row-major with ldc) = alpha * (A panel @ B panel) + beta * C tile.
  // beta == 0 never reads C, so stale NaNs in fresh memory do not leak through.
  void (*micro_kernel)(int64_t kc, const T* a_panel, const T* b_panel, T* c, int64_t ldc, int rows, int cols, T alpha,
                       T beta);
  // Unpacked product of rows [row_begin, row_end) for small, skinny or vector shapes; C is row-major.
  void (*direct)(int64_t row_begin, int64_t row_end, int64_t n, int64_t k, MatrixView<T> a, MatrixView<T> b, T* c,
                 int64_t ldc, T alpha, T beta);
};

struct GemmKernels {
  GemmTable<float> f32;
  GemmTable<double> f64;
};

// C (m x n, row-major with leading dimension ldc) = alpha * A (m x k) @ B (k x n) + beta * C.
// `threads` > 1 lets the product use that many OpenMP threads when it is large enough to gain from them.
template <class T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, MatrixView<T> a, MatrixView<T> b, T beta, T* c, int64_t ldc,
          int threads);

// Integer products (PyTorch allows int64 matmul): C = alpha * A @ B + beta * C by a plain triple loop,
// correct rather than fast; beta == 0 never reads C.
void gemm_int64(int64_t m, int64_t n, int64_t k, int64_t alpha, MatrixView<int64_t> a, MatrixView<int64_t> b,
                int64_t beta, int64_t* c, int64_t ldc);

}  // namespace autocore::cpu
