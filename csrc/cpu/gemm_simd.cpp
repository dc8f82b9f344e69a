// GEMM micro-kernels and packing, compiled once per instruction set. The micro-kernel keeps an
// mr x nr tile of C in registers: each step of k loads nr/width vectors of the B panel, broadcasts mr
// values of the A panel and issues mr * nr/width independent FMAs, enough to cover FMA latency on two
// ports. Tiles: AVX-512 12x32 floats (24 of 32 zmm), AVX2 6x16 (12 of 16 ymm), SSE2 6x8.
#include <cstring>
#include <type_traits>

#include "cpu/gemm.h"
#include "cpu/isa.h"

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

// One SIMD register of T, with the handful of operations the micro-kernel needs.
template <class T> struct Vec;

#if defined(__AVX512F__)
template <> struct Vec<float> {
  using R = __m512;
  static constexpr int width = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const float* p) { return _mm512_load_ps(p); }
  static R broadcast(float x) { return _mm512_set1_ps(x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, R v) { _mm512_storeu_ps(p, v); }
};
template <> struct Vec<double> {
  using R = __m512d;
  static constexpr int width = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const double* p) { return _mm512_load_pd(p); }
  static R broadcast(double x) { return _mm512_set1_pd(x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R loadu(const double* p) { return _mm512_loadu_pd(p); }
  static void storeu(double* p, R v) { _mm512_storeu_pd(p, v); }
};
constexpr int kMr = 12, kNrVecs = 2;
#elif defined(__AVX2__) && defined(__FMA__)
template <> struct Vec<float> {
  using R = __m256;
  static constexpr int width = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const float* p) { return _mm256_load_ps(p); }
  static R broadcast(float x) { return _mm256_set1_ps(x); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, R v) { _mm256_storeu_ps(p, v); }
};
template <> struct Vec<double> {
  using R = __m256d;
  static constexpr int width = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const double* p) { return _mm256_load_pd(p); }
  static R broadcast(double x) { return _mm256_set1_pd(x); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, R v) { _mm256_storeu_pd(p, v); }
};
constexpr int kMr = 6, kNrVecs = 2;
#elif defined(__SSE2__)
template <> struct Vec<float> {
  using R = __m128;
  static constexpr int width = 4;
  static R zero() { return _mm_setzero_ps(); }
  static R load(const float* p) { return _mm_load_ps(p); }
  static R broadcast(float x) { return _mm_set1_ps(x); }
  static R fma(R a, R b, R c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static R mul(R a, R b) { return _mm_mul_ps(a, b); }
  static R loadu(const float* p) { return _mm_loadu_ps(p); }
  static void storeu(float* p, R v) { _mm_storeu_ps(p, v); }
};
template <> struct Vec<double> {
  using R = __m128d;
  static constexpr int width = 2;
  static R zero() { return _mm_setzero_pd(); }
  static R load(const double* p) { return _mm_load_pd(p); }
  static R broadcast(double x) { return _mm_set1_pd(x); }
  static R fma(R a, R b, R c) { return _mm_add_pd(_mm_mul_pd(a, b), c); }
  static R mul(R a, R b) { return _mm_mul_pd(a, b); }
  static R loadu(const double* p) { return _mm_loadu_pd(p); }
  static void storeu(double* p, R v) { _mm_storeu_pd(p, v); }
};
constexpr int kMr = 6, kNrVecs = 2;
#else  // portable: plain scalars, the compiler vectorises what it can
template <class T> struct ScalarVec {
  using R = T;
  static constexpr int width = 1;
  static R zero() { return 0; }
  static R load(const T* p) { return *p; }
  static R broadcast(T x) { return x; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static R mul(R a, R b) { return a * b; }
  static R loadu(const T* p) { return *p; }
  static void storeu(T* p, R v) { *p = v; }
};
template <> struct Vec<float> : ScalarVec<float> {};
template <> struct Vec<double> : ScalarVec<double> {};
constexpr int kMr = 4, kNrVecs = 4;
#endif

template <class T> constexpr int kNr = kNrVecs * Vec<T>::width;

// A B panel whose columns are contiguous (B is a transposed view, as Linear's weight is): each step of k
// gathers one element from each of the panel's columns, three times faster than element-by-element
// copies; AVX-512 masks off (and zero-fills) the columns past the edge. Returns false where the ISA has
// no gather for this case or the offsets overflow its 32-bit indices.
template <class T>
bool pack_b_transposed(const T* b, int64_t col_stride, int64_t depth, int cols, T* panel) {
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  constexpr int nr = kNr<T>, half = nr / 2;
  if (col_stride * nr >= (int64_t{1} << 31)) return false;
  const T* upper = b + half * col_stride;
#if defined(__AVX512F__)
  const int low_cols = cols < half ? cols : half, high_cols = cols - low_cols;
  const auto low = static_cast<__mmask16>((1u << low_cols) - 1), high = static_cast<__mmask16>((1u << high_cols) - 1);
  if constexpr (std::is_same_v<T, float>) {
    const __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(col_stride)));
    const __m512 zero = _mm512_setzero_ps();
    for (int64_t k = 0; k < depth; ++k, panel += nr) {
      _mm512_store_ps(panel, _mm512_mask_i32gather_ps(zero, low, index, b + k, 4));
      _mm512_store_ps(panel + half, _mm512_mask_i32gather_ps(zero, high, index, upper + k, 4));
    }
  } else {
    const __m256i index =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(col_stride)));
    const __m512d zero = _mm512_setzero_pd();
    for (int64_t k = 0; k < depth; ++k, panel += nr) {
      _mm512_store_pd(panel, _mm512_mask_i32gather_pd(zero, static_cast<__mmask8>(low), index, b + k, 8));
      _mm512_store_pd(panel + half, _mm512_mask_i32gather_pd(zero, static_cast<__mmask8>(high), index, upper + k, 8));
    }
  }
#else
  if (cols != nr) return false;
  if constexpr (std::is_same_v<T, float>) {
    const __m256i index =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(col_stride)));
    // The masked form with an explicit zero source: GCC's plain form warns of an uninitialised source.
    const __m256 zero = _mm256_setzero_ps(), all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    for (int64_t k = 0; k < depth; ++k, panel += nr) {
      _mm256_store_ps(panel, _mm256_mask_i32gather_ps(zero, b + k, index, all, 4));
      _mm256_store_ps(panel + half, _mm256_mask_i32gather_ps(zero, upper + k, index, all, 4));
    }
  } else {
    const __m128i index = _mm_mullo_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(static_cast<int>(col_stride)));
    const __m256d zero = _mm256_setzero_pd(), all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    for (int64_t k = 0; k < depth; ++k, panel += nr) {
      _mm256_store_pd(panel, _mm256_mask_i32gather_pd(zero, b + k, index, all, 8));
      _mm256_store_pd(panel + half, _mm256_mask_i32gather_pd(zero, upper + k, index, all, 8));
    }
  }
#endif
  return true;
#else
  return false;
#endif
}

// Panels are packed contiguously, so the kernel's loads are aligned when the buffers are (64 bytes).
template <class T>
void pack_a(MatrixView<T> a, int64_t rows, int64_t depth, T* panel) {
  constexpr int mr = kMr;
  if (a.col_stride == 1 && rows == mr) {  // the common case, without a bounds test per element
    const T* row[mr];
    for (int r = 0; r < mr; ++r) row[r] = a.data + r * a.row_stride;
    for (int64_t k = 0; k < depth; ++k, panel += mr)
#pragma GCC unroll 16
      for (int r = 0; r < mr; ++r) panel[r] = row[r][k];
    return;
  }
  if (a.col_stride == 1) {  // rows of A contiguous: gather mr rows step by step of k
    const T* row[mr];
    for (int r = 0; r < mr; ++r) row[r] = a.data + (r < rows ? r : 0) * a.row_stride;
    for (int64_t k = 0; k < depth; ++k, panel += mr)
      for (int r = 0; r < mr; ++r) panel[r] = r < rows ? row[r][k] : T(0);
    return;
  }
  for (int64_t k = 0; k < depth; ++k, panel += mr) {
    const T* column = a.data + k * a.col_stride;
    for (int r = 0; r < mr; ++r) panel[r] = r < rows ? column[r * a.row_stride] : T(0);
  }
}

template <class T>
void pack_b(MatrixView<T> b, int64_t depth, int64_t cols, T* panel) {
  constexpr int nr = kNr<T>;
  if (b.col_stride == 1 && cols == nr) {  // rows of B contiguous: one straight copy per step of k
    for (int64_t k = 0; k < depth; ++k, panel += nr) std::memcpy(panel, b.data + k * b.row_stride, nr * sizeof(T));
    return;
  }
  if (b.col_stride == 1) {  // an edge panel: the row's columns, then zeros
    for (int64_t k = 0; k < depth; ++k, panel += nr) {
      std::memcpy(panel, b.data + k * b.row_stride, cols * sizeof(T));
      std::memset(panel + cols, 0, (nr - cols) * sizeof(T));
    }
    return;
  }
  if (b.row_stride == 1 && pack_b_transposed(b.data, b.col_stride, depth, static_cast<int>(cols), panel)) return;
  if (b.row_stride == 1) {  // columns contiguous (B is a transposed view): read each column in order
    for (int c = 0; c < nr; ++c) {
      const T* column = b.data + c * b.col_stride;
      for (int64_t k = 0; k < depth; ++k) panel[k * nr + c] = c < cols ? column[k] : T(0);
    }
    return;
  }
  for (int64_t k = 0; k < depth; ++k, panel += nr)
    for (int c = 0; c < nr; ++c) panel[c] = c < cols ? b.data[k * b.row_stride + c * b.col_stride] : T(0);
}

// The tile for a panel's first `height` rows and `vecs` vectors of columns (the panels' strides stay mr
// and nr): edge tiles of C, such as the last 4 of 64 rows or an output of 16 columns, then issue only
// the FMAs they need.
template <class T, int height, int vecs>
void micro_kernel_tile(int64_t kc, const T* a_panel, const T* b_panel, T* c, int64_t ldc, int rows, int cols, T alpha,
                       T beta) {
  using V = Vec<T>;
  using R = typename V::R;
  constexpr int mr = kMr, nv = vecs, w = V::width, nr = kNr<T>, tile_cols = nv * w;
  R acc[height][nv];
  for (int r = 0; r < height; ++r)
    for (int v = 0; v < nv; ++v) acc[r][v] = V::zero();
#if defined(__SSE2__)
  // Start pulling the C tile into L1 now: its lines are needed only after the k loop.
  for (int r = 0; r < rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + tile_cols - 1), _MM_HINT_T0);
  }
#endif
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k, a_panel += mr, b_panel += nr) {
    R b[nv];
    for (int v = 0; v < nv; ++v) b[v] = V::load(b_panel + v * w);
#pragma GCC unroll 16
    for (int r = 0; r < height; ++r) {
      R a = V::broadcast(a_panel[r]);
      for (int v = 0; v < nv; ++v) acc[r][v] = V::fma(a, b[v], acc[r][v]);
    }
  }
  // Full tiles are written in place; edge tiles go through a buffer so nothing outside C is touched.
  alignas(64) T edge[height * nr];
  const bool full = rows == height && cols == tile_cols;
  T* out = full ? c : edge;
  const int64_t ld = full ? ldc : nr;
  if (!full && beta != T(0)) {  // zeros first: stale stack bits could be denormals, which are slow
    std::memset(edge, 0, sizeof(edge));
    for (int r = 0; r < rows; ++r) std::memcpy(edge + r * nr, c + r * ldc, cols * sizeof(T));
  }
  const R alpha_v = V::broadcast(alpha), beta_v = V::broadcast(beta);
  for (int r = 0; r < height; ++r)
    for (int v = 0; v < nv; ++v) {
      T* p = out + r * ld + v * w;
      R result = V::mul(alpha_v, acc[r][v]);
      if (beta != T(0)) result = V::fma(beta_v, V::loadu(p), result);
      V::storeu(p, result);
    }
  if (!full)
    for (int r = 0; r < rows; ++r) std::memcpy(c + r * ldc, edge + r * nr, cols * sizeof(T));
}

template <class T, int vecs>
void micro_kernel_cols(int64_t kc, const T* a_panel, const T* b_panel, T* c, int64_t ldc, int rows, int cols, T alpha,
                       T beta) {
  if constexpr (kMr % 3 == 0) {
    if (rows <= kMr / 3)
      return micro_kernel_tile<T, kMr / 3, vecs>(kc, a_panel, b_panel, c, ldc, rows, cols, alpha, beta);
    if (rows <= 2 * kMr / 3)
      return micro_kernel_tile<T, 2 * kMr / 3, vecs>(kc, a_panel, b_panel, c, ldc, rows, cols, alpha, beta);
  }
  micro_kernel_tile<T, kMr, vecs>(kc, a_panel, b_panel, c, ldc, rows, cols, alpha, beta);
}

// Picks the smallest tile that covers the edge: a third, two thirds or all of mr rows, and half or all
// of nr columns.
template <class T>
void micro_kernel(int64_t kc, const T* a_panel, const T* b_panel, T* c, int64_t ldc, int rows, int cols, T alpha,
                  T beta) {
  if constexpr (kNrVecs % 2 == 0)
    if (cols <= kNr<T> / 2)
      return micro_kernel_cols<T, kNrVecs / 2>(kc, a_panel, b_panel, c, ldc, rows, cols, alpha, beta);
  micro_kernel_cols<T, kNrVecs>(kc, a_panel, b_panel, c, ldc, rows, cols, alpha, beta);
}

// Direct product without packing. With rows of B contiguous, each row of C is a sum of scaled rows of B
// (vectorised along n); with rows of A and columns of B contiguous, each element is a dot product
// (vectorised along k); anything else falls back to strided scalar loops.
template <class T>
void direct(int64_t row_begin, int64_t row_end, int64_t n, int64_t k, MatrixView<T> a, MatrixView<T> b, T* c,
            int64_t ldc, T alpha, T beta) {
  for (int64_t i = row_begin; i < row_end; ++i) {
    T* crow = c + i * ldc;
    const T* arow = a.data + i * a.row_stride;
    if (b.col_stride == 1 && n > 1) {
      constexpr int64_t kChunk = 256;  // accumulate a stretch of the row in registers/L1 across all of k
      for (int64_t j0 = 0; j0 < n; j0 += kChunk) {
        const int64_t len = n - j0 < kChunk ? n - j0 : kChunk;
        T acc[kChunk];
        for (int64_t j = 0; j < len; ++j) acc[j] = 0;
        for (int64_t p = 0; p < k; ++p) {
          const T scale = arow[p * a.col_stride];
          const T* brow = b.data + p * b.row_stride + j0;
          for (int64_t j = 0; j < len; ++j) acc[j] += scale * brow[j];
        }
        T* out = crow + j0;
        if (beta == T(0))
          for (int64_t j = 0; j < len; ++j) out[j] = alpha * acc[j];
        else
          for (int64_t j = 0; j < len; ++j) out[j] = alpha * acc[j] + beta * out[j];
      }
      continue;
    }
    for (int64_t j = 0; j < n; ++j) {
      const T* bcol = b.data + j * b.col_stride;
      T sum = 0;
      if (a.col_stride == 1 && b.row_stride == 1) {
        constexpr int kLanes = 64 / sizeof(T) * 2;  // independent partial sums hide FMA latency
        T part[kLanes] = {};
        int64_t p = 0;
        for (; p + kLanes <= k; p += kLanes)
          for (int l = 0; l < kLanes; ++l) part[l] += arow[p + l] * bcol[p + l];
        for (; p < k; ++p) part[0] += arow[p] * bcol[p];
        for (int l = 0; l < kLanes; ++l) sum += part[l];
      } else {
        for (int64_t p = 0; p < k; ++p) sum += arow[p * a.col_stride] * bcol[p * b.row_stride];
      }
      crow[j] = beta == T(0) ? alpha * sum : alpha * sum + beta * crow[j];
    }
  }
}

// Block sizes: kc steps of an A panel (mr x kc) stay in L1 while B panels (kc x nr) stream from L2,
// where the packed B block (kc x nc) lives; packed A (mc x kc) is read once per B block.
template <class T>
constexpr GemmTable<T> make_table() {
  constexpr int kc = 384 * 4 / static_cast<int>(sizeof(T));
  return GemmTable<T>{kMr,        kNr<T>,     kc > 384 ? 384 : kc, 3072,      512,
                      &pack_a<T>, &pack_b<T>, &micro_kernel<T>,    &direct<T>};
}

const GemmKernels table = {make_table<float>(), make_table<double>()};

}  // namespace

AUTOCORE_REGISTER_KERNELS(GemmKernels, table);

}  // namespace autocore::cpu::AUTOCORE_ISA
