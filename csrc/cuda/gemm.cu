// GEMM kernels on CUDA: a register-blocked SIMT kernel for float and double (double-buffered shared-memory
// tiles, 16-byte loads where the layout allows), a TF32 tensor-core kernel for float when allowed, a
// matrix-vector kernel for products with one row or one column, and a plain kernel for int64.
#include "cuda/gemm.h"

#include <mma.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <type_traits>

#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

std::atomic<bool> tf32_allowed{false};

// Everything a kernel needs, passed by value (the launch's parameter space). Operand pointers point at the
// first batch item of the launch; blockIdx.y picks the item.
template <class T>
struct Problem {
  int64_t m, n, k;
  T alpha, beta;
  GemmOperand<T> a, b;
  GemmOutput<T> c;
  GemmBias<T> bias;
  bool vec_a, vec_b, vec_c;  // the operand's rows (or columns) may be read or written 16 bytes at a time
};

// N elements moved as one aligned access (ld.v2/ld.v4) when the address allows it.
template <class T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

constexpr int kGemmThreads = 256;
constexpr int kMaxGridY = 65535;

// Which way a thread's vector runs through an operand tile: along k, or along m (n for B). The loads are
// coalesced, and 16 bytes wide when aligned, only along the operand's unit stride, so the launch picks it.
enum class Walk { along_k, along_mn };

// One thread's share of a ROWS x BK operand tile (ROWS runs over m for A, over n for B): global loads into
// registers for the next tile while the current one is multiplied, then a store into shared memory at
// element (row, k) -> smem[row * SM_ROW + k * SM_K]. Elements past the matrix edge load as zeros, which
// add nothing to the product.
template <class T, int ROWS, int BK, Walk W>
struct TileLoader {
  static constexpr int kWidth = 16 / sizeof(T);
  static constexpr int kVectors = ROWS * BK / (kWidth * kGemmThreads);
  static_assert(kVectors >= 1 && ROWS * BK % (kWidth * kGemmThreads) == 0, "tile must split evenly over threads");
  static_assert(W == Walk::along_k ? BK % kWidth == 0 : ROWS % kWidth == 0, "vector must fit the tile");

  T regs[kVectors][kWidth];
  const T* ptr[kVectors];   // the vector's first element in the current tile
  int rows_left[kVectors];  // matrix rows from the vector's first row to the edge, clamped to [0, kWidth]

  // Where vector i of this thread sits in the tile.
  __device__ static int tile_row(int i) {
    const int v = threadIdx.x + i * kGemmThreads;
    return W == Walk::along_k ? v / (BK / kWidth) : v % (ROWS / kWidth) * kWidth;
  }
  __device__ static int tile_k(int i) {
    const int v = threadIdx.x + i * kGemmThreads;
    return W == Walk::along_k ? v % (BK / kWidth) * kWidth : v / (ROWS / kWidth);
  }

  __device__ TileLoader(const T* base, int64_t row_stride, int64_t k_stride, int64_t row0, int64_t rows) {
#pragma unroll
    for (int i = 0; i < kVectors; ++i) {
      ptr[i] = base + (row0 + tile_row(i)) * row_stride + tile_k(i) * k_stride;
      const int64_t left = rows - row0 - tile_row(i);
      rows_left[i] = left < 0 ? 0 : left > kWidth ? kWidth : static_cast<int>(left);
    }
  }

  // Loads the tile whose first k is `k_left0` short of the end. 32-bit counts save registers in the main
  // loop; only whether fewer than kWidth remain matters, so larger counts are clamped.
  __device__ void load(int64_t k_left0, bool vec, int64_t row_stride, int64_t k_stride) {
    const int k_left_tile = static_cast<int>(k_left0 < (1 << 30) ? k_left0 : (1 << 30));
#pragma unroll
    for (int i = 0; i < kVectors; ++i) {
      const int k_left = k_left_tile - tile_k(i);
      if constexpr (W == Walk::along_k) {
        if (vec && rows_left[i] > 0 && k_left >= kWidth) {
          store_pack(i, *reinterpret_cast<const Pack<T, kWidth>*>(ptr[i]));
        } else {
#pragma unroll
          for (int j = 0; j < kWidth; ++j) regs[i][j] = rows_left[i] > 0 && j < k_left ? ptr[i][j * k_stride] : T(0);
        }
      } else {
        if (vec && k_left > 0 && rows_left[i] == kWidth) {
          store_pack(i, *reinterpret_cast<const Pack<T, kWidth>*>(ptr[i]));
        } else {
#pragma unroll
          for (int j = 0; j < kWidth; ++j) regs[i][j] = j < rows_left[i] && k_left > 0 ? ptr[i][j * row_stride] : T(0);
        }
      }
    }
  }

  __device__ void advance(int64_t step) {
#pragma unroll
    for (int i = 0; i < kVectors; ++i) ptr[i] += step;
  }

  template <int SM_ROW, int SM_K, class Convert>
  __device__ void store(T* smem, Convert convert) const {
#pragma unroll
    for (int i = 0; i < kVectors; ++i) {
      T* dst = smem + tile_row(i) * SM_ROW + tile_k(i) * SM_K;
      constexpr int step = W == Walk::along_k ? SM_K : SM_ROW;
      if constexpr (step == 1) {
        Pack<T, kWidth> pack;
#pragma unroll
        for (int j = 0; j < kWidth; ++j) pack.v[j] = convert(regs[i][j]);
        *reinterpret_cast<Pack<T, kWidth>*>(dst) = pack;
      } else {
#pragma unroll
        for (int j = 0; j < kWidth; ++j) dst[j * step] = convert(regs[i][j]);
      }
    }
  }

 private:
  __device__ void store_pack(int i, const Pack<T, kWidth>& pack) {
#pragma unroll
    for (int j = 0; j < kWidth; ++j) regs[i][j] = pack.v[j];
  }
};

// N consecutive shared-memory elements into registers, 16 bytes (or N elements, if fewer) per load.
template <int N, class T>
__device__ __forceinline__ void load_run(const T* src, T* dst) {
  constexpr int chunk = N * sizeof(T) < 16 ? N : 16 / sizeof(T);
#pragma unroll
  for (int q = 0; q < N; q += chunk) {
    const Pack<T, chunk> pack = *reinterpret_cast<const Pack<T, chunk>*>(src + q);
#pragma unroll
    for (int e = 0; e < chunk; ++e) dst[q + e] = pack.v[e];
  }
}

struct Identity {
  template <class T>
  __device__ T operator()(T x) const {
    return x;
  }
};

// Blocks in groups of kGroup tile rows, column by column within a group: the blocks resident together
// share A and B panels in L2 instead of sweeping all of B per tile row.
__device__ void tile_coords(int64_t tiles_m, int64_t tiles_n, int64_t& tm, int64_t& tn) {
  constexpr int64_t kGroup = 8;
  const int64_t pid = blockIdx.x, per_group = kGroup * tiles_n;
  const int64_t first_m = pid / per_group * kGroup;
  const int64_t group_m = min(tiles_m - first_m, kGroup);
  tm = first_m + pid % per_group % group_m;
  tn = pid % per_group / group_m;
}

// C tile element (gm, gn) = alpha * acc + beta * C + bias, for an element inside the matrix.
template <class T>
__device__ __forceinline__ T epilogue(const Problem<T>& p, T acc, const T* c, T bias) {
  T v = p.alpha * acc;
  if (p.beta != T(0)) v += p.beta * *c;
  if (p.bias.data) v += bias;
  return v;
}

// BM x BN tile per block of 256 threads, BK deep per step, each thread a TM x TN sub-tile held in registers
// as four quadrants (rows ty*TM/2 and BM/2 + ty*TM/2, likewise columns), so that its fragment reads of a
// k-slice are runs of consecutive elements, free of bank conflicts.
template <class T, int BM_, int BN_, int BK_, int TM_, int TN_, int MIN_BLOCKS_>
struct SimtTile {
  using type = T;
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_, kMinBlocks = MIN_BLOCKS_;
  static constexpr int kPad = 16 / sizeof(T);  // keeps rows 16-byte aligned, spreads the transposed stores
  static constexpr int kStoreWidth = std::min<int>(TN / 2, 16 / sizeof(T));  // C elements per store
  static_assert(BM / TM == 16 && BN / TN == 16, "a 16 x 16 grid of sub-tiles, one per thread");
  static_assert(BM % kPad == 0 && BN % kPad == 0 && TM / 2 >= 1 && TN / 2 >= 1, "aligned fragment runs");
};

template <class Cfg, Walk WA, Walk WB>
__global__ void __launch_bounds__(kGemmThreads, Cfg::kMinBlocks)
    simt_gemm_kernel(Problem<typename Cfg::type> p, int64_t tiles_m, int64_t tiles_n) {
  using T = typename Cfg::type;
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, TM = Cfg::TM, TN = Cfg::TN;
  constexpr int LDA = BM + Cfg::kPad, LDB = BN + Cfg::kPad;
  // k-major tiles: a k-slice of A (BM values) and of B (BN values) is contiguous.
  __shared__ __align__(16) T a_tile[2][BK * LDA];
  __shared__ __align__(16) T b_tile[2][BK * LDB];

  int64_t tm, tn;
  tile_coords(tiles_m, tiles_n, tm, tn);
  const int64_t m0 = tm * BM, n0 = tn * BN;
  const T* a_base = p.a.data + blockIdx.y * p.a.batch_stride;
  const T* b_base = p.b.data + blockIdx.y * p.b.batch_stride;
  TileLoader<T, BM, BK, WA> load_a(a_base, p.a.row_stride, p.a.col_stride, m0, p.m);
  TileLoader<T, BN, BK, WB> load_b(b_base, p.b.col_stride, p.b.row_stride, n0, p.n);

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  const int64_t tiles_k = (p.k + BK - 1) / BK;
  if (tiles_k > 0) {
    load_a.load(p.k, p.vec_a, p.a.row_stride, p.a.col_stride);
    load_b.load(p.k, p.vec_b, p.b.col_stride, p.b.row_stride);
    load_a.template store<1, LDA>(a_tile[0], Identity{});
    load_b.template store<1, LDB>(b_tile[0], Identity{});
    __syncthreads();
  }
  // A warp covers 4 thread rows by 8 thread columns, so each of its fragment reads of a k-slice touches
  // at most 128 contiguous bytes of A and of B: one shared-memory wavefront each.
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int ty = warp / 2 * 4 + lane / 8, tx = warp % 2 * 8 + lane % 8;
  for (int64_t t = 0; t < tiles_k; ++t) {
    const int cur = t & 1;
    const bool more = t + 1 < tiles_k;
    if (more) {  // the next tile's global loads overlap this tile's arithmetic
      load_a.advance(BK * p.a.col_stride);
      load_b.advance(BK * p.b.row_stride);
      load_a.load(p.k - (t + 1) * BK, p.vec_a, p.a.row_stride, p.a.col_stride);
      load_b.load(p.k - (t + 1) * BK, p.vec_b, p.b.col_stride, p.b.row_stride);
    }
    const T* as = a_tile[cur];
    const T* bs = b_tile[cur];
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T af[TM], bf[TN];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        load_run<TM / 2>(as + kk * LDA + h * (BM / 2) + ty * (TM / 2), af + h * (TM / 2));
        load_run<TN / 2>(bs + kk * LDB + h * (BN / 2) + tx * (TN / 2), bf + h * (TN / 2));
      }
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fma(af[i], bf[j], acc[i][j]);
    }
    // The other buffer was last read before the previous barrier, so it may be overwritten now.
    if (more) {
      load_a.template store<1, LDA>(a_tile[cur ^ 1], Identity{});
      load_b.template store<1, LDB>(b_tile[cur ^ 1], Identity{});
    }
    __syncthreads();
  }

  T* c_base = p.c.data + blockIdx.y * p.c.batch_stride;
  T bias[TN];
#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const int64_t gn = n0 + j / (TN / 2) * (BN / 2) + tx * (TN / 2) + j % (TN / 2);
    bias[j] = p.bias.data && gn < p.n ? p.bias.data[gn * p.bias.stride] : T(0);
  }
#pragma unroll
  for (int i = 0; i < TM; ++i) {
    const int64_t gm = m0 + i / (TM / 2) * (BM / 2) + ty * (TM / 2) + i % (TM / 2);
    if (gm >= p.m) continue;
    T* c_row = c_base + gm * p.c.ldc;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
#pragma unroll
      for (int q = 0; q < TN / 2; q += Cfg::kStoreWidth) {
        const int64_t gn0 = n0 + h * (BN / 2) + tx * (TN / 2) + q;
        const T* acc_q = acc[i] + h * (TN / 2) + q;
        const T* bias_q = bias + h * (TN / 2) + q;
        if (p.vec_c && gn0 + Cfg::kStoreWidth <= p.n) {
          using CPack = Pack<T, Cfg::kStoreWidth>;
          CPack old{}, out;
          if (p.beta != T(0)) old = *reinterpret_cast<const CPack*>(c_row + gn0);
#pragma unroll
          for (int e = 0; e < Cfg::kStoreWidth; ++e) out.v[e] = epilogue(p, acc_q[e], &old.v[e], bias_q[e]);
          *reinterpret_cast<CPack*>(c_row + gn0) = out;
        } else {
#pragma unroll
          for (int e = 0; e < Cfg::kStoreWidth; ++e)
            if (gn0 + e < p.n) c_row[gn0 + e] = epilogue(p, acc_q[e], c_row + gn0 + e, bias_q[e]);
        }
      }
    }
  }
}

// TF32 tensor cores (compute capability 8.0+): a 128 x 128 tile per block of 8 warps, each warp 64 x 32 as
// 4 x 2 WMMA 16x16x8 fragments accumulating in float32. The shared tiles are row-major (A: m x k, B: k x n)
// and hold operands already rounded to TF32, as cuBLAS rounds them. Built as an empty stub for older
// targets; the launch checks the compiled version before choosing it.
constexpr int kTf32BM = 128, kTf32BN = 128;

template <Walk WA, Walk WB>
__global__ void __launch_bounds__(kGemmThreads) tf32_gemm_kernel(Problem<float> p, int64_t tiles_m, int64_t tiles_n) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  constexpr int BM = kTf32BM, BN = kTf32BN, BK = 16;
  constexpr int LDA = BK + 4, LDB = BN + 4;  // multiples of 4 floats, as WMMA loads require
  __shared__ __align__(128) float smem[2 * BM * LDA + 2 * BK * LDB];
  auto a_tile = [&](int buffer) { return smem + buffer * BM * LDA; };
  auto b_tile = [&](int buffer) { return smem + 2 * BM * LDA + buffer * BK * LDB; };
  auto to_tf32 = [](float x) { return wmma::__float_to_tf32(x); };

  int64_t tm, tn;
  tile_coords(tiles_m, tiles_n, tm, tn);
  const int64_t m0 = tm * BM, n0 = tn * BN;
  TileLoader<float, BM, BK, WA> load_a(p.a.data + blockIdx.y * p.a.batch_stride, p.a.row_stride, p.a.col_stride, m0,
                                       p.m);
  TileLoader<float, BN, BK, WB> load_b(p.b.data + blockIdx.y * p.b.batch_stride, p.b.col_stride, p.b.row_stride, n0,
                                       p.n);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int warp_m = warp / 4 * 64, warp_n = warp % 4 * 32;

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  const int64_t tiles_k = (p.k + BK - 1) / BK;
  if (tiles_k > 0) {
    load_a.load(p.k, p.vec_a, p.a.row_stride, p.a.col_stride);
    load_b.load(p.k, p.vec_b, p.b.col_stride, p.b.row_stride);
    load_a.template store<LDA, 1>(a_tile(0), to_tf32);
    load_b.template store<1, LDB>(b_tile(0), to_tf32);
    __syncthreads();
  }
  for (int64_t t = 0; t < tiles_k; ++t) {
    const int cur = t & 1;
    const bool more = t + 1 < tiles_k;
    if (more) {
      load_a.advance(BK * p.a.col_stride);
      load_b.advance(BK * p.b.row_stride);
      load_a.load(p.k - (t + 1) * BK, p.vec_a, p.a.row_stride, p.a.col_stride);
      load_b.load(p.k - (t + 1) * BK, p.vec_b, p.b.col_stride, p.b.row_stride);
    }
    const float* as = a_tile(cur);
    const float* bs = b_tile(cur);
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bf[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(af[i], as + (warp_m + i * 16) * LDA + kk, LDA);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(bf[j], bs + kk * LDB + warp_n + j * 16, LDB);
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], af[i], bf[j], acc[i][j]);
    }
    if (more) {
      load_a.template store<LDA, 1>(a_tile(cur ^ 1), to_tf32);
      load_b.template store<1, LDB>(b_tile(cur ^ 1), to_tf32);
    }
    __syncthreads();
  }

  // Fragments have no documented element layout: each goes through a per-warp 16 x 16 staging square in
  // shared memory (free now: the loop ended on a barrier), from which the lanes apply the epilogue.
  float* stage = smem + warp * 256;
  float* c_base = p.c.data + blockIdx.y * p.c.batch_stride;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int q = 0; q < 8; ++q) {
        const int e = lane + 32 * q, r = e / 16, col = e % 16;
        const int64_t gm = m0 + warp_m + i * 16 + r, gn = n0 + warp_n + j * 16 + col;
        if (gm < p.m && gn < p.n) {
          float* c = c_base + gm * p.c.ldc + gn;
          const float bias = p.bias.data ? p.bias.data[gn * p.bias.stride] : 0.0f;
          *c = epilogue(p, stage[e], c, bias);
        }
      }
      __syncwarp();
    }
#endif
}

// Matrix-vector products: y[i] = alpha * sum_k X(i, k) v(k) + beta * y[i] + bias[i], for a product with a
// single column (X = A) or a single row (X = B^T). A GEMM tile would waste all but one of its columns.
template <class T>
struct Gemv {
  int64_t rows, k;
  T alpha, beta;
  const T* x;
  int64_t x_row, x_k, x_batch;
  const T* v;
  int64_t v_k, v_batch;
  T* y;
  int64_t y_row, y_batch;
  const T* bias;
  int64_t bias_row;
};

template <class T>
__device__ __forceinline__ void gemv_store(const Gemv<T>& g, int64_t i, T acc) {
  T* y = g.y + blockIdx.y * g.y_batch + i * g.y_row;
  T out = g.alpha * acc;
  if (g.beta != T(0)) out += g.beta * *y;
  if (g.bias) out += g.bias[i * g.bias_row];
  *y = out;
}

// X's k is its small stride: a warp per row, lanes reading consecutive k.
template <class T>
__global__ void gemv_warp_per_row_kernel(Gemv<T> g) {
  const int lane = threadIdx.x % 32;
  const T* x = g.x + blockIdx.y * g.x_batch;
  const T* v = g.v + blockIdx.y * g.v_batch;
  for (int64_t i = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32; i < g.rows;
       i += int64_t(gridDim.x) * blockDim.x / 32) {
    const T* row = x + i * g.x_row;
    T acc = 0;
    for (int64_t k = lane; k < g.k; k += 32) acc = fma(row[k * g.x_k], v[k * g.v_k], acc);
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, offset);
    if (lane == 0) gemv_store(g, i, acc);
  }
}

// X's rows are its small stride: 32 consecutive rows per block, 8 thread rows splitting k, then a sum of
// the 8 partials through shared memory.
template <class T>
__global__ void gemv_row_block_kernel(Gemv<T> g) {
  __shared__ T partial[8][33];
  const int64_t i = int64_t(blockIdx.x) * 32 + threadIdx.x;
  const T* x = g.x + blockIdx.y * g.x_batch;
  const T* v = g.v + blockIdx.y * g.v_batch;
  T acc = 0;
  if (i < g.rows)
    for (int64_t k = threadIdx.y; k < g.k; k += 8) acc = fma(x[i * g.x_row + k * g.x_k], v[k * g.v_k], acc);
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && i < g.rows) {
    for (int r = 1; r < 8; ++r) acc += partial[r][threadIdx.x];
    gemv_store(g, i, acc);
  }
}

// int64: one thread per output element, wrapping arithmetic as the CPU's gemm_int64. Correct, not fast.
__global__ void int64_gemm_kernel(Problem<int64_t> p) {
  const int64_t* a = p.a.data + blockIdx.y * p.a.batch_stride;
  const int64_t* b = p.b.data + blockIdx.y * p.b.batch_stride;
  int64_t* c = p.c.data + blockIdx.y * p.c.batch_stride;
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < p.m * p.n;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = e / p.n, j = e % p.n;
    uint64_t sum = 0;
    for (int64_t k = 0; k < p.k; ++k)
      sum += static_cast<uint64_t>(a[i * p.a.row_stride + k * p.a.col_stride]) *
             static_cast<uint64_t>(b[k * p.b.row_stride + j * p.b.col_stride]);
    int64_t* out = c + i * p.c.ldc + j;
    uint64_t value = static_cast<uint64_t>(p.alpha) * sum;
    if (p.beta != 0) value += static_cast<uint64_t>(p.beta) * static_cast<uint64_t>(*out);
    if (p.bias.data) value += static_cast<uint64_t>(p.bias.data[j * p.bias.stride]);
    *out = static_cast<int64_t>(value);
  }
}

// ---- host side ----

int sm_count(int device) {
  static std::atomic<int> counts[64];
  if (device >= 0 && device < 64 && counts[device].load() > 0) return counts[device].load();
  int count = 0;
  AC_CUDA_CHECK(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device));
  if (device >= 0 && device < 64) counts[device] = count;
  return count;
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// A stride that only matters when its dim has more than one element.
int64_t effective_stride(int64_t stride, int64_t size) { return size == 1 ? INT64_MAX : std::abs(stride); }

// Rows of an operand tile run over `rows` (m for A, n for B) with `row_stride`; k with `k_stride`.
Walk choose_walk(int64_t row_stride, int64_t k_stride, int64_t rows, int64_t k) {
  const int64_t sr = effective_stride(row_stride, rows), sk = effective_stride(k_stride, k);
  if (sk == 1) return Walk::along_k;
  if (sr == 1) return Walk::along_mn;
  return sk <= sr ? Walk::along_k : Walk::along_mn;
}

// 16-byte vectors along the walk need a unit stride there, and every vector's start (a multiple of the
// vector width along the walk, any index across it, any batch item) 16-byte aligned.
template <class T>
bool vectorizable(Walk walk, const T* data, int64_t row_stride, int64_t k_stride, int64_t rows, int64_t k,
                  int64_t batch_stride, int64_t batch) {
  constexpr int64_t width = 16 / sizeof(T);
  const int64_t unit = walk == Walk::along_k ? k_stride : row_stride;
  const int64_t across = walk == Walk::along_k ? (rows == 1 ? 0 : row_stride) : (k == 1 ? 0 : k_stride);
  return unit == 1 && across % width == 0 && (batch == 1 || batch_stride % width == 0) && aligned16(data);
}

// Launches over the batch in chunks the grid's y dimension can hold.
template <class T, class Launch>
void for_batch_chunks(Problem<T> p, int64_t batch, Launch&& launch) {
  for (int64_t first = 0; first < batch; first += kMaxGridY) {
    Problem<T> chunk = p;
    chunk.a.data += first * p.a.batch_stride;
    chunk.b.data += first * p.b.batch_stride;
    chunk.c.data += first * p.c.batch_stride;
    launch(chunk, static_cast<unsigned>(std::min<int64_t>(batch - first, kMaxGridY)));
  }
}

int64_t tile_grid(int64_t m, int64_t n, int bm, int bn, int64_t& tiles_m, int64_t& tiles_n) {
  tiles_m = (m + bm - 1) / bm;
  tiles_n = (n + bn - 1) / bn;
  AC_CHECK(tiles_m * tiles_n <= INT_MAX, RuntimeError, "matmul: a ", m, "x", n, " product is too large for one launch");
  return tiles_m * tiles_n;
}

// The four walk combinations, each its own kernel instantiation.
template <template <Walk, Walk> class Kernel, class T>
void launch_by_walk(Walk wa, Walk wb, const Problem<T>& p, dim3 grid, cudaStream_t s, int64_t tiles_m,
                    int64_t tiles_n) {
  auto go = [&](auto kernel) {
    kernel<<<grid, kGemmThreads, 0, s>>>(p, tiles_m, tiles_n);
    AC_CUDA_CHECK_LAUNCH();
  };
  if (wa == Walk::along_k && wb == Walk::along_k) go(Kernel<Walk::along_k, Walk::along_k>::get());
  else if (wa == Walk::along_k) go(Kernel<Walk::along_k, Walk::along_mn>::get());
  else if (wb == Walk::along_k) go(Kernel<Walk::along_mn, Walk::along_k>::get());
  else go(Kernel<Walk::along_mn, Walk::along_mn>::get());
}

template <class Cfg>
struct SimtKernel {
  template <Walk WA, Walk WB>
  struct Of {
    static auto get() { return &simt_gemm_kernel<Cfg, WA, WB>; }
  };
};

template <Walk WA, Walk WB>
struct Tf32Kernel {
  static auto get() { return &tf32_gemm_kernel<WA, WB>; }
};

struct Walks {
  Walk a, b;
};

template <class T>
Walks prepare(Problem<T>& p, int64_t batch) {
  const Walks w{choose_walk(p.a.row_stride, p.a.col_stride, p.m, p.k),
                choose_walk(p.b.col_stride, p.b.row_stride, p.n, p.k)};
  p.vec_a = vectorizable(w.a, p.a.data, p.a.row_stride, p.a.col_stride, p.m, p.k, p.a.batch_stride, batch);
  p.vec_b = vectorizable(w.b, p.b.data, p.b.col_stride, p.b.row_stride, p.n, p.k, p.b.batch_stride, batch);
  return w;
}

template <class Cfg>
void launch_simt(Problem<typename Cfg::type> p, int64_t batch, cudaStream_t s) {
  using T = typename Cfg::type;
  const Walks w = prepare(p, batch);
  constexpr int64_t c_width = Cfg::kStoreWidth;
  p.vec_c = p.c.ldc % c_width == 0 && (batch == 1 || p.c.batch_stride % c_width == 0) &&
            reinterpret_cast<uintptr_t>(p.c.data) % (sizeof(T) * c_width) == 0;
  int64_t tiles_m, tiles_n;
  const int64_t tiles = tile_grid(p.m, p.n, Cfg::BM, Cfg::BN, tiles_m, tiles_n);
  for_batch_chunks(p, batch, [&](const Problem<T>& chunk, unsigned items) {
    launch_by_walk<SimtKernel<Cfg>::template Of>(w.a, w.b, chunk, dim3(static_cast<unsigned>(tiles), items), s, tiles_m,
                                                 tiles_n);
  });
}

void launch_tf32(Problem<float> p, int64_t batch, cudaStream_t s) {
  const Walks w = prepare(p, batch);
  p.vec_c = false;
  int64_t tiles_m, tiles_n;
  const int64_t tiles = tile_grid(p.m, p.n, kTf32BM, kTf32BN, tiles_m, tiles_n);
  for_batch_chunks(p, batch, [&](const Problem<float>& chunk, unsigned items) {
    launch_by_walk<Tf32Kernel>(w.a, w.b, chunk, dim3(static_cast<unsigned>(tiles), items), s, tiles_m, tiles_n);
  });
}

// Whether this binary holds real TF32 code for the device (sm_80+), not the empty stub.
bool tf32_compiled(int device) {
  static std::atomic<int> known[64];  // 0 unknown, 1 no, 2 yes
  if (device >= 0 && device < 64 && known[device].load() != 0) return known[device].load() == 2;
  cudaFuncAttributes attributes{};
  AC_CUDA_CHECK(cudaFuncGetAttributes(&attributes, tf32_gemm_kernel<Walk::along_k, Walk::along_mn>));
  const bool yes = attributes.binaryVersion >= 80;
  if (device >= 0 && device < 64) known[device] = yes ? 2 : 1;
  return yes;
}

template <class T>
void launch_gemv(const Problem<T>& p, int64_t batch, cudaStream_t s) {
  Gemv<T> g{};
  g.alpha = p.alpha;
  g.beta = p.beta;
  g.k = p.k;
  g.bias = p.bias.data;
  if (p.n == 1) {  // one column: y = A v, v = B's column
    g.rows = p.m;
    g.x = p.a.data, g.x_row = p.a.row_stride, g.x_k = p.a.col_stride, g.x_batch = p.a.batch_stride;
    g.v = p.b.data, g.v_k = p.b.row_stride, g.v_batch = p.b.batch_stride;
    g.y_row = p.c.ldc;
    g.bias_row = 0;
  } else {  // one row: y^T = v^T B, so X = B^T and v = A's row
    g.rows = p.n;
    g.x = p.b.data, g.x_row = p.b.col_stride, g.x_k = p.b.row_stride, g.x_batch = p.b.batch_stride;
    g.v = p.a.data, g.v_k = p.a.col_stride, g.v_batch = p.a.batch_stride;
    g.y_row = 1;
    g.bias_row = p.bias.stride;
  }
  g.y_batch = p.c.batch_stride;
  const bool k_contiguous = effective_stride(g.x_k, g.k) <= effective_stride(g.x_row, g.rows);
  for (int64_t first = 0; first < batch; first += kMaxGridY) {
    Gemv<T> chunk = g;
    chunk.x += first * g.x_batch;
    chunk.v += first * g.v_batch;
    chunk.y = p.c.data + first * g.y_batch;
    const unsigned items = static_cast<unsigned>(std::min<int64_t>(batch - first, kMaxGridY));
    if (k_contiguous) {
      const int64_t blocks = std::min<int64_t>((g.rows + 7) / 8, 1 << 20);
      gemv_warp_per_row_kernel<T><<<dim3(static_cast<unsigned>(blocks), items), kGemmThreads, 0, s>>>(chunk);
    } else {
      AC_CHECK((g.rows + 31) / 32 <= INT_MAX, RuntimeError, "matmul: ", g.rows, " rows are too many for one launch");
      gemv_row_block_kernel<T><<<dim3(static_cast<unsigned>((g.rows + 31) / 32), items), dim3(32, 8), 0, s>>>(chunk);
    }
    AC_CUDA_CHECK_LAUNCH();
  }
}

// Tile shapes. 128 x 128 (8 x 8 per thread) reuses each loaded element most; smaller tiles give more
// blocks when a product would not fill the GPU's multiprocessors with big ones. On an H200, 16-deep
// steps ran 15% faster than 8-deep ones at 2048-8192 (more arithmetic between barriers to hide the loads),
// and two blocks per multiprocessor (128 registers) beat one.
using F32Large = SimtTile<float, 128, 128, 16, 8, 8, 2>;
using F32Medium = SimtTile<float, 128, 64, 16, 8, 4, 2>;
using F32Small = SimtTile<float, 64, 64, 16, 4, 4, 2>;
using F64Large = SimtTile<double, 128, 128, 8, 8, 8, 1>;
using F64Small = SimtTile<double, 64, 64, 8, 4, 4, 2>;

template <class T>
void launch_float(const Problem<T>& p, int64_t batch, int device, cudaStream_t s) {
  if (p.m == 1 || p.n == 1) return launch_gemv(p, batch, s);
  const int64_t sms = sm_count(device);
  auto blocks = [&](int64_t bm, int64_t bn) { return (p.m + bm - 1) / bm * ((p.n + bn - 1) / bn) * batch; };
  if constexpr (std::is_same_v<T, float>) {
    if (tf32_allowed.load(std::memory_order_relaxed) && tf32_compiled(device)) return launch_tf32(p, batch, s);
    if (blocks(128, 128) >= sms) return launch_simt<F32Large>(p, batch, s);
    if (2 * blocks(128, 64) >= sms) return launch_simt<F32Medium>(p, batch, s);  // 1024^2: 0.8x cuBLAS, Small 0.7x
    return launch_simt<F32Small>(p, batch, s);
  } else {
    if (blocks(128, 128) >= 2 * sms) return launch_simt<F64Large>(p, batch, s);
    return launch_simt<F64Small>(p, batch, s);
  }
}

void launch_int64(const Problem<int64_t>& p, int64_t batch, cudaStream_t s) {
  const unsigned blocks = blocks_for(p.m * p.n);
  for_batch_chunks(p, batch, [&](const Problem<int64_t>& chunk, unsigned items) {
    int64_gemm_kernel<<<dim3(blocks, items), kThreads, 0, s>>>(chunk);
    AC_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace

void set_allow_tf32(bool allow) { tf32_allowed.store(allow); }
bool allow_tf32() { return tf32_allowed.load(); }

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch, T alpha, const GemmOperand<T>& a, const GemmOperand<T>& b,
          T beta, const GemmOutput<T>& c, const GemmBias<T>& bias, int device) {
  if (m == 0 || n == 0 || batch == 0) return;
  // An empty sum is exactly zero, whatever alpha is (the CPU's gemm does not scale it either).
  Problem<T> p{m, n, k, k == 0 ? T(0) : alpha, beta, a, b, c, bias, false, false, false};
  cudaStream_t s = stream(device);
  if constexpr (std::is_same_v<T, int64_t>) launch_int64(p, batch, s);
  else launch_float(p, batch, device, s);
}

template void gemm<float>(int64_t, int64_t, int64_t, int64_t, float, const GemmOperand<float>&,
                          const GemmOperand<float>&, float, const GemmOutput<float>&, const GemmBias<float>&, int);
template void gemm<double>(int64_t, int64_t, int64_t, int64_t, double, const GemmOperand<double>&,
                           const GemmOperand<double>&, double, const GemmOutput<double>&, const GemmBias<double>&, int);
template void gemm<int64_t>(int64_t, int64_t, int64_t, int64_t, int64_t, const GemmOperand<int64_t>&,
                            const GemmOperand<int64_t>&, int64_t, const GemmOutput<int64_t>&, const GemmBias<int64_t>&,
                            int);

}  // namespace autocore::cuda
