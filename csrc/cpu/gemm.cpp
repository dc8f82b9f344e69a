// The GEMM driver: chooses the direct or packed path, blocks the packed path for the caches, and
// splits it over OpenMP threads. Packing buffers are kept per calling thread, so steady-state
// training steps allocate nothing here.
#include "cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

// Below this many multiply-adds, or with a dimension smaller than a micro-tile can use, packing costs
// more than it saves (e.g. an MLP's 32x10x16 layer, matrix-vector products).
constexpr int64_t kDirectMaxMacs = 32 * 32 * 32;
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

// Runs the blocked product with `nthreads` threads; thread `tid` does its share of packing and tiles.
// `sync` is a barrier across the team (a no-op on one thread).
template <class T, class Sync>
void packed_gemm(const GemmTable<T>& kt, int64_t m, int64_t n, int64_t k, T alpha, MatrixView<T> a,
                 MatrixView<T> b, T beta, T* c, int64_t ldc, T* a_packed, T* b_packed, int tid, int nthreads,
                 const Sync& sync) {
  const int mr = kt.mr, nr = kt.nr;
  for (int64_t m0 = 0; m0 < m; m0 += kt.mc) {
    const int64_t mb = std::min<int64_t>(kt.mc, m - m0);
    const int64_t a_panels = (mb + mr - 1) / mr;
    for (int64_t k0 = 0; k0 < k; k0 += kt.kc) {
      const int64_t kb = std::min<int64_t>(kt.kc, k - k0);
      const T block_beta = k0 == 0 ? beta : T(1);
      for (int64_t p = tid; p < a_panels; p += nthreads)
        kt.pack_a(offset_view(a, m0 + p * mr, k0), std::min<int64_t>(mr, mb - p * mr), kb, a_packed + p * mr * kb);
      for (int64_t n0 = 0; n0 < n; n0 += kt.nc) {
        const int64_t nb = std::min<int64_t>(kt.nc, n - n0);
        const int64_t b_panels = (nb + nr - 1) / nr;
        for (int64_t p = tid; p < b_panels; p += nthreads)
          kt.pack_b(offset_view(b, k0, n0 + p * nr), kb, std::min<int64_t>(nr, nb - p * nr), b_packed + p * nr * kb);
        sync();
        // Tiles in A-panel-major order, split into contiguous runs: consecutive tiles of a thread share
        // their A panel, which stays in L1 while B panels stream past it.
        const int64_t tiles = a_panels * b_panels;
        const int64_t begin = tiles * tid / nthreads, end = tiles * (tid + 1) / nthreads;
        for (int64_t t = begin; t < end; ++t) {
          const int64_t pa = t / b_panels, pb = t % b_panels;
          const int64_t row = m0 + pa * mr, col = n0 + pb * nr;
          kt.micro_kernel(kb, a_packed + pa * mr * kb, b_packed + pb * nr * kb, c + row * ldc + col, ldc,
                          static_cast<int>(std::min<int64_t>(mr, m - row)),
                          static_cast<int>(std::min<int64_t>(nr, n - col)), alpha, block_beta);
        }
        sync();  // the next block's packing overwrites what this one read
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
  const int64_t macs = m * n * k;
  int nthreads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, std::max(threads, 1)));
#ifdef _OPENMP
  if (omp_in_parallel()) nthreads = 1;
#else
  nthreads = 1;
#endif

  if (macs <= kDirectMaxMacs || m < kt.mr / 2 || n < kt.nr / 4) {
    parallel_for(0, m, std::max<int64_t>(1, (m + nthreads - 1) / nthreads), [&](int64_t lo, int64_t hi) {
      kt.direct(lo, hi, n, k, a, b, c, ldc, alpha, beta);
    });
    return;
  }

  const int64_t kb = std::min<int64_t>(kt.kc, k);
  const int64_t a_rows = (std::min<int64_t>(kt.mc, m) + kt.mr - 1) / kt.mr * kt.mr;
  const int64_t b_cols = (std::min<int64_t>(kt.nc, n) + kt.nr - 1) / kt.nr * kt.nr;
  thread_local ScratchBuffer scratch;
  // B panels start on a cache line: the micro-kernel's vector loads from them are aligned.
  const int64_t a_size = (a_rows * kb + 15) / 16 * 16;
  T* a_packed = static_cast<T*>(scratch.get((a_size + b_cols * kb) * sizeof(T)));
  T* b_packed = a_packed + a_size;

  if (nthreads == 1) {
    packed_gemm(kt, m, n, k, alpha, a, b, beta, c, ldc, a_packed, b_packed, 0, 1, [] {});
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads)
  packed_gemm(kt, m, n, k, alpha, a, b, beta, c, ldc, a_packed, b_packed, omp_get_thread_num(),
              omp_get_num_threads(), [] {
#pragma omp barrier
              });
#endif
}

template void gemm<float>(int64_t, int64_t, int64_t, float, MatrixView<float>, MatrixView<float>, float, float*,
                          int64_t, int);
template void gemm<double>(int64_t, int64_t, int64_t, double, MatrixView<double>, MatrixView<double>, double,
                           double*, int64_t, int);

void gemm_int64(int64_t m, int64_t n, int64_t k, MatrixView<int64_t> a, MatrixView<int64_t> b, bool accumulate,
                int64_t* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      // Integer arithmetic wraps around, as in PyTorch; unsigned keeps the wrap well defined.
      uint64_t sum = accumulate ? static_cast<uint64_t>(c[i * ldc + j]) : 0;
      for (int64_t p = 0; p < k; ++p)
        sum += static_cast<uint64_t>(a.data[i * a.row_stride + p * a.col_stride]) *
               static_cast<uint64_t>(b.data[p * b.row_stride + j * b.col_stride]);
      c[i * ldc + j] = static_cast<int64_t>(sum);
    }
}

}  // namespace autocore::cpu
