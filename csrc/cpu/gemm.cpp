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

// One product's operands and block sizes, shared by every thread of the team.
template <class T>
struct Problem {
  const GemmTable<T>& kt;
  int64_t m, n, k, kc;  // kc: the k block, balanced so that no block is a sliver
  T alpha;
  MatrixView<T> a, b;
  T beta;
  T* c;
  int64_t ldc;
};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The tiles of A panels [pa_begin, pa_end) x B panels [pb_begin, pb_end) of one block, A-panel-major: an
// A panel (mr x kc) stays in L1 while the B panels (kc x nr each) stream past it from L2. Panels sit
// p.kc deep apart whatever the block's depth, so a thread packing its panels for the next k block never
// overwrites one that another thread is still reading.
template <class T>
void compute_tiles(const Problem<T>& p, int64_t m0, int64_t n0, int64_t kb, T beta, const T* a_packed,
                   int64_t pa_begin, int64_t pa_end, const T* b_packed, int64_t pb_begin, int64_t pb_end) {
  const int mr = p.kt.mr, nr = p.kt.nr;
  for (int64_t pa = pa_begin; pa < pa_end; ++pa) {
    const int64_t row = m0 + pa * mr;
    const int rows = static_cast<int>(std::min<int64_t>(mr, p.m - row));
    for (int64_t pb = pb_begin; pb < pb_end; ++pb) {
      const int64_t col = n0 + pb * nr;
      p.kt.micro_kernel(kb, a_packed + pa * mr * p.kc, b_packed + pb * nr * p.kc, p.c + row * p.ldc + col, p.ldc,
                        rows, static_cast<int>(std::min<int64_t>(nr, p.n - col)), p.alpha, beta);
    }
  }
}

template <class T>
void pack_a_panels(const Problem<T>& p, int64_t m0, int64_t mb, int64_t k0, int64_t kb, int64_t begin, int64_t end,
                   int64_t step, T* a_packed) {
  const int mr = p.kt.mr;
  for (int64_t pa = begin; pa < end; pa += step)
    p.kt.pack_a(offset_view(p.a, m0 + pa * mr, k0), std::min<int64_t>(mr, mb - pa * mr), kb, a_packed + pa * mr * p.kc);
}

template <class T>
void pack_b_panels(const Problem<T>& p, int64_t k0, int64_t kb, int64_t n0, int64_t nb, int64_t begin, int64_t end,
                   int64_t step, T* b_packed) {
  const int nr = p.kt.nr;
  for (int64_t pb = begin; pb < end; pb += step)
    p.kt.pack_b(offset_view(p.b, k0, n0 + pb * nr), kb, std::min<int64_t>(nr, nb - pb * nr), b_packed + pb * nr * p.kc);
}

// Threads own whole rows of C: each packs its own A panels; the B block is packed by all and shared.
// `sync` is a barrier across the team (a no-op on one thread).
template <class T, class Sync>
void gemm_split_rows(const Problem<T>& p, T* a_packed, T* b_packed, int tid, int nthreads, const Sync& sync) {
  const GemmTable<T>& kt = p.kt;
  for (int64_t m0 = 0; m0 < p.m; m0 += kt.mc) {
    const int64_t mb = std::min<int64_t>(kt.mc, p.m - m0);
    const int64_t a_panels = ceil_div(mb, kt.mr);
    const int64_t pa_begin = a_panels * tid / nthreads, pa_end = a_panels * (tid + 1) / nthreads;
    for (int64_t k0 = 0; k0 < p.k; k0 += p.kc) {
      const int64_t kb = std::min<int64_t>(p.kc, p.k - k0);
      pack_a_panels(p, m0, mb, k0, kb, pa_begin, pa_end, 1, a_packed);
      for (int64_t n0 = 0; n0 < p.n; n0 += kt.nc) {
        const int64_t nb = std::min<int64_t>(kt.nc, p.n - n0);
        const int64_t b_panels = ceil_div(nb, kt.nr);
        sync();  // everyone is done reading the previous B block
        pack_b_panels(p, k0, kb, n0, nb, tid, b_panels, nthreads, b_packed);
        sync();
        compute_tiles(p, m0, n0, kb, k0 == 0 ? p.beta : T(1), a_packed, pa_begin, pa_end, b_packed, 0, b_panels);
      }
    }
  }
}

// Threads own whole columns of C: each packs its own B panels (they stay in its core's L2); the A block is
// packed by all and shared. Better when C has more column panels than row panels.
template <class T, class Sync>
void gemm_split_cols(const Problem<T>& p, T* a_packed, T* b_packed, int tid, int nthreads, const Sync& sync) {
  const GemmTable<T>& kt = p.kt;
  const int64_t col_panels = ceil_div(p.n, kt.nr);
  const int64_t col_begin = col_panels * tid / nthreads * kt.nr;
  const int64_t col_end = std::min<int64_t>(p.n, col_panels * (tid + 1) / nthreads * kt.nr);
  for (int64_t m0 = 0; m0 < p.m; m0 += kt.mc) {
    const int64_t mb = std::min<int64_t>(kt.mc, p.m - m0);
    const int64_t a_panels = ceil_div(mb, kt.mr);
    for (int64_t k0 = 0; k0 < p.k; k0 += p.kc) {
      const int64_t kb = std::min<int64_t>(p.kc, p.k - k0);
      sync();  // everyone is done reading the previous A block
      pack_a_panels(p, m0, mb, k0, kb, tid, a_panels, nthreads, a_packed);
      sync();
      for (int64_t n0 = col_begin; n0 < col_end; n0 += kt.nc) {
        const int64_t nb = std::min<int64_t>(kt.nc, col_end - n0);
        const int64_t b_panels = ceil_div(nb, kt.nr);
        pack_b_panels(p, k0, kb, n0, nb, 0, b_panels, 1, b_packed);
        compute_tiles(p, m0, n0, kb, k0 == 0 ? p.beta : T(1), a_packed, 0, a_panels, b_packed, 0, b_panels);
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

  if (m <= kDirectMaxSide || n <= kDirectMaxSide) {
    parallel_for(0, m, std::max<int64_t>(1, (m + nthreads - 1) / nthreads), [&](int64_t lo, int64_t hi) {
      kt.direct(lo, hi, n, k, a, b, c, ldc, alpha, beta);
    });
    return;
  }

  // Balanced k blocks: 784 = 2 x 392 rather than 384 + 384 + 16, whose sliver would cost a whole pass.
  const int64_t k_blocks = ceil_div(k, kt.kc);
  const int64_t kc = (ceil_div(k, k_blocks) + 7) / 8 * 8;
  const Problem<T> p{kt, m, n, k, kc, alpha, a, b, beta, c, ldc};
  const bool split_cols = nthreads > 1 && ceil_div(n, kt.nr) >= ceil_div(m, kt.mr);
  const int64_t a_rows = ceil_div(std::min<int64_t>(kt.mc, m), kt.mr) * kt.mr;
  const int64_t b_cols = ceil_div(std::min<int64_t>(kt.nc, n), kt.nr) * kt.nr;
  // Every block starts on a cache line, so the micro-kernel's vector loads from B panels are aligned.
  auto lines = [](int64_t elements) { return ceil_div(elements * static_cast<int64_t>(sizeof(T)), 64) * 64 / sizeof(T); };
  const int64_t a_size = lines(a_rows * kc), b_size = lines(b_cols * kc);
  const int b_copies = split_cols ? nthreads : 1;
  thread_local ScratchBuffer scratch;
  T* a_packed = static_cast<T*>(scratch.get((a_size + b_copies * b_size) * sizeof(T)));
  T* b_packed = a_packed + a_size;

  if (nthreads == 1) {
    gemm_split_rows(p, a_packed, b_packed, 0, 1, [] {});
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads)
  {
    const int tid = omp_get_thread_num(), team = omp_get_num_threads();
    auto barrier = [] {
#pragma omp barrier
    };
    if (split_cols) gemm_split_cols(p, a_packed, b_packed + tid * b_size, tid, team, barrier);
    else gemm_split_rows(p, a_packed, b_packed, tid, team, barrier);
  }
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
