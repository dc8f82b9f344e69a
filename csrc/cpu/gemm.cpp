// The GEMM driver: chooses the direct or packed path, blocks the packed path for the caches, and
// splits it over OpenMP threads. Packing buffers are kept per thread, so steady-state training steps
// allocate nothing here.
#include "cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// Vector-shaped products (a row or a column of C) are memory-bound: packing would only add traffic.
constexpr int64_t kDirectMaxSide = 2;
// Threads are woken only for products with at least this many multiply-adds per thread.
constexpr int64_t kMacsPerThread = 64 * 64 * 64;

// A 64-byte aligned scratch block that grows on demand and is reused for the life of the thread.
class ScratchBuffer {
 public:
  void* get(size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_ = (bytes + 63) / 64 * 64;
      data_ = std::aligned_alloc(64, size_);
      if (!data_) {
        size_ = 0;
        throw std::bad_alloc();
      }
    }
    return data_;
  }
  ~ScratchBuffer() { std::free(data_); }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

template <class T>
const GemmTable<T>& gemm_table() {
  if constexpr (std::is_same_v<T, float>) return kernels<GemmKernels>().f32;
  else return kernels<GemmKernels>().f64;
}

template <class T>
MatrixView<T> offset_view(MatrixView<T> v, int64_t row, int64_t col) {
  return {v.data + row * v.row_stride + col * v.col_stride, v.row_stride, v.col_stride};
}

template <class T>
void scale_rows(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The serial blocked product, run by each thread on its own part of C with its own packing buffers.
// Threads share nothing they write: reading panels another core has just packed costs a cross-core
// transfer per cache line, which for mid-sized products (128^3) ate the whole gain of the second thread;
// packing the shared operand twice costs far less.
template <class T>
void blocked_gemm(const GemmTable<T>& kt, int64_t m, int64_t n, int64_t k, T alpha, MatrixView<T> a, MatrixView<T> b,
                  T beta, T* c, int64_t ldc) {
  const int mr = kt.mr, nr = kt.nr;
  // Balanced k blocks: 784 = 2 x 392 rather than 384 + 384 + 16, whose sliver would cost a whole pass.
  const int64_t kc = (ceil_div(k, ceil_div(k, kt.kc)) + 7) / 8 * 8;
  const int64_t a_rows = ceil_div(std::min<int64_t>(kt.mc, m), mr) * mr;
  const int64_t b_cols = ceil_div(std::min<int64_t>(kt.nc, n), nr) * nr;
  // B panels start on a cache line, so the micro-kernel's vector loads from them are aligned.
  const int64_t a_size = ceil_div(a_rows * kc * static_cast<int64_t>(sizeof(T)), 64) * 64 / sizeof(T);
  thread_local ScratchBuffer scratch;
  T* a_packed = static_cast<T*>(scratch.get((a_size + b_cols * kc) * sizeof(T)));
  T* b_packed = a_packed + a_size;

  for (int64_t m0 = 0; m0 < m; m0 += kt.mc) {
    const int64_t mb = std::min<int64_t>(kt.mc, m - m0);
    const int64_t a_panels = ceil_div(mb, mr);
    for (int64_t k0 = 0; k0 < k; k0 += kc) {
      const int64_t kb = std::min<int64_t>(kc, k - k0);
      const T block_beta = k0 == 0 ? beta : T(1);
      for (int64_t pa = 0; pa < a_panels; ++pa)
        kt.pack_a(offset_view(a, m0 + pa * mr, k0), std::min<int64_t>(mr, mb - pa * mr), kb, a_packed + pa * mr * kb);
      for (int64_t n0 = 0; n0 < n; n0 += kt.nc) {
        const int64_t nb = std::min<int64_t>(kt.nc, n - n0);
        const int64_t b_panels = ceil_div(nb, nr);
        for (int64_t pb = 0; pb < b_panels; ++pb)
          kt.pack_b(offset_view(b, k0, n0 + pb * nr), kb, std::min<int64_t>(nr, nb - pb * nr), b_packed + pb * nr * kb);
        // A-panel-major: an A panel (mr x kb) stays in L1 while the B panels (kb x nr) stream past it from L2.
        for (int64_t pa = 0; pa < a_panels; ++pa) {
          const int64_t row = m0 + pa * mr;
          const int rows = static_cast<int>(std::min<int64_t>(mr, m - row));
          for (int64_t pb = 0; pb < b_panels; ++pb) {
            const int64_t col = n0 + pb * nr;
            kt.micro_kernel(kb, a_packed + pa * mr * kb, b_packed + pb * nr * kb, c + row * ldc + col, ldc, rows,
                            static_cast<int>(std::min<int64_t>(nr, n - col)), alpha, block_beta);
          }
        }
      }
    }
  }
}

}  // namespace

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, MatrixView<T> a, MatrixView<T> b, T beta, T* c, int64_t ldc,
          int threads) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    scale_rows(m, n, beta, c, ldc);
    return;
  }
  const GemmTable<T>& kt = gemm_table<T>();
  int nthreads = static_cast<int>(std::clamp<int64_t>(m * n * k / kMacsPerThread, 1, std::max(threads, 1)));
#ifdef _OPENMP
  if (omp_in_parallel()) nthreads = 1;
#else
  nthreads = 1;
#endif

  if (m <= kDirectMaxSide || n <= kDirectMaxSide) {
    parallel_for(0, m, std::max<int64_t>(1, (m + nthreads - 1) / nthreads),
                 [&](int64_t lo, int64_t hi) { kt.direct(lo, hi, n, k, a, b, c, ldc, alpha, beta); });
    return;
  }
  if (nthreads == 1) return blocked_gemm(kt, m, n, k, alpha, a, b, beta, c, ldc);

  // Each thread takes a band of whole micro-tiles: of rows, packing all of B again, or of columns, packing
  // all of A again. Rows unless that leaves a thread idle or B is much the larger operand to repack
  // (A's packing, a gather across rows, costs about three times B's per element).
  const int64_t row_panels = ceil_div(m, kt.mr), col_panels = ceil_div(n, kt.nr);
  const bool split_rows = row_panels >= nthreads && (n <= 3 * m || col_panels < nthreads);
  const int64_t panels = split_rows ? row_panels : col_panels;
  nthreads = static_cast<int>(std::min<int64_t>(nthreads, panels));
  parallel_for(0, nthreads, 1, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      const int64_t begin = panels * t / nthreads, end = panels * (t + 1) / nthreads;
      if (split_rows) {
        const int64_t r0 = begin * kt.mr, r1 = std::min(m, end * kt.mr);
        blocked_gemm(kt, r1 - r0, n, k, alpha, offset_view(a, r0, 0), b, beta, c + r0 * ldc, ldc);
      } else {
        const int64_t c0 = begin * kt.nr, c1 = std::min(n, end * kt.nr);
        blocked_gemm(kt, m, c1 - c0, k, alpha, a, offset_view(b, 0, c0), beta, c + c0, ldc);
      }
    }
  });
}

template void gemm<float>(int64_t, int64_t, int64_t, float, MatrixView<float>, MatrixView<float>, float, float*,
                          int64_t, int);
template void gemm<double>(int64_t, int64_t, int64_t, double, MatrixView<double>, MatrixView<double>, double, double*,
                           int64_t, int);

void gemm_int64(int64_t m, int64_t n, int64_t k, int64_t alpha, MatrixView<int64_t> a, MatrixView<int64_t> b,
                int64_t beta, int64_t* c, int64_t ldc) {
  // Integer arithmetic wraps around, as in PyTorch; unsigned keeps the wrap well defined.
  const auto ua = static_cast<uint64_t>(alpha), ub = static_cast<uint64_t>(beta);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      uint64_t sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += static_cast<uint64_t>(a.data[i * a.row_stride + p * a.col_stride]) *
               static_cast<uint64_t>(b.data[p * b.row_stride + j * b.col_stride]);
      int64_t& out = c[i * ldc + j];
      out = static_cast<int64_t>(ua * sum + (beta == 0 ? 0 : ub * static_cast<uint64_t>(out)));
    }
}

}  // namespace autocore::cpu
