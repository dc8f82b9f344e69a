// Softmax and the losses on CUDA: core/softmax_loss_entry.h's checks and operands (the [outer, r, inner] view, class
// layouts, broadcasting) with cpu/softmax_loss_simd.cpp's math, per row on a warp or a block, per column on a
// thread. Sums of losses run in double over a fixed tree, so that a result does not depend on timing.
#include "core/kernels.h"
#include "core/loss_math.h"
#include "core/softmax_loss_entry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "cuda/elementwise.h"
#include "cuda/elementwise_kernel.cuh"
#include "cuda/math.cuh"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;
// A row of up to this many elements is one warp's (32 per lane at most); a longer one gets a whole block.
constexpr int64_t kWarpRowMax = 1024;
constexpr int64_t kMaxGrid = 65535 * 8;  // grid-stride loops cover the rest
constexpr int64_t kSumBlocks = 1024;     // partial sums of a two-stage reduction
constexpr double kInf = std::numeric_limits<double>::infinity();

unsigned grid_for(int64_t units, int64_t per_block) {
  return static_cast<unsigned>(std::clamp<int64_t>((units + per_block - 1) / per_block, 1, kMaxGrid));
}

// ---- reductions within a warp or a block ------------------------------------------------------------

// The CPU's max: NaN never wins (the exp pass that follows turns it into a NaN sum).
template <class T> __device__ __forceinline__ T max_of(T a, T b) { return a > b ? a : b; }

// N running sums in double, combined by addition.
template <int N>
struct Sums {
  double v[N];
};

// Online softmax state: s = sum exp(x_i - m) over the elements seen so far.
struct MaxSum {
  double m, s;
};

template <class V> __device__ __forceinline__ V shuffle_xor(V v, int mask) {
  return __shfl_xor_sync(kFullMask, v, mask);
}
template <class V> __device__ __forceinline__ V shuffle_from(V v, int lane) { return __shfl_sync(kFullMask, v, lane); }
template <int N> __device__ __forceinline__ Sums<N> shuffle_xor(Sums<N> v, int mask) {
  for (int k = 0; k < N; ++k) v.v[k] = __shfl_xor_sync(kFullMask, v.v[k], mask);
  return v;
}
template <int N> __device__ __forceinline__ Sums<N> shuffle_from(Sums<N> v, int lane) {
  for (int k = 0; k < N; ++k) v.v[k] = __shfl_sync(kFullMask, v.v[k], lane);
  return v;
}
__device__ __forceinline__ MaxSum shuffle_xor(MaxSum v, int mask) {
  return {__shfl_xor_sync(kFullMask, v.m, mask), __shfl_xor_sync(kFullMask, v.s, mask)};
}
__device__ __forceinline__ MaxSum shuffle_from(MaxSum v, int lane) {
  return {__shfl_sync(kFullMask, v.m, lane), __shfl_sync(kFullMask, v.s, lane)};
}

struct MaxOp {
  template <class T> __device__ T operator()(T a, T b) const { return max_of(a, b); }
};
struct SumOp {
  template <int N> __device__ Sums<N> operator()(Sums<N> a, const Sums<N>& b) const {
    for (int k = 0; k < N; ++k) a.v[k] += b.v[k];
    return a;
  }
  __device__ double operator()(double a, double b) const { return a + b; }
};
// Merges two online states at the larger max. Two empty (or NaN) partials have m = -inf: nothing to rescale.
struct MaxSumOp {
  __device__ MaxSum operator()(MaxSum a, MaxSum b) const {
    const double m = max_of(a.m, b.m);
    if (m == -kInf) return {m, a.s + b.s};
    return {m, a.s * exp(a.m - m) + b.s * exp(b.m - m)};
  }
};

// Butterfly, then lane 0's value to all: max_of is not symmetric in the sign of zero, and every lane must
// go on with the same bits.
template <class V, class Op>
__device__ V warp_reduce(V v, Op op) {
  for (int mask = kWarp / 2; mask > 0; mask >>= 1) v = op(v, shuffle_xor(v, mask));
  return shuffle_from(v, 0);
}

// Every thread gets the result, each folding the warps' partials in the same order.
template <class V, class Op>
__device__ V block_reduce(V v, Op op) {
  __shared__ V partial[kWarp];
  v = warp_reduce(v, op);
  __syncthreads();  // a previous call's readers are done with `partial`
  if (threadIdx.x % kWarp == 0) partial[threadIdx.x / kWarp] = v;
  __syncthreads();
  v = partial[0];
  for (unsigned w = 1; w < blockDim.x / kWarp; ++w) v = op(v, partial[w]);
  return v;
}

// The threads that share one row: a warp (kThreads / kWarp rows to a block) or the whole block. Row loops
// are uniform across a team, so its shuffles and barriers see every thread.
template <bool WholeBlock>
struct RowTeam {
  __device__ static int lane() { return WholeBlock ? threadIdx.x : threadIdx.x % kWarp; }
  __device__ static int size() { return WholeBlock ? blockDim.x : kWarp; }
  __device__ static int64_t first_row() {
    return WholeBlock ? int64_t(blockIdx.x) : int64_t(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  }
  __device__ static int64_t row_step() {
    return WholeBlock ? int64_t(gridDim.x) : int64_t(gridDim.x) * (blockDim.x / kWarp);
  }
  template <class V, class Op> __device__ static V reduce(V v, Op op) {
    if constexpr (WholeBlock) return block_reduce(v, op);
    else return warp_reduce(v, op);
  }
};

// Calls launch(whole_block, grid) with whole_block a std::bool_constant for the team that `row_size` needs.
template <class Launch>
void launch_rows(int64_t rows, int64_t row_size, const Launch& launch) {
  if (row_size <= kWarpRowMax) launch(std::false_type{}, grid_for(rows, kThreads / kWarp));
  else launch(std::true_type{}, grid_for(rows, 1));
}

// ---- two-stage sums over n values, in double --------------------------------------------------------

// Source(i) gives value i's contribution as Sums<N>. Block partials over a grid of a size fixed by n, then one
// block over them: the same tree, so the same bits, on every run.
template <int N, class Source>
__global__ void partial_sums_kernel(Source source, int64_t n, Sums<N>* partial) {
  Sums<N> acc{};
  AC_GRID_STRIDE_LOOP(i, n) acc = SumOp{}(acc, source(i));
  acc = block_reduce(acc, SumOp{});
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

template <int N>
__global__ void final_sums_kernel(const Sums<N>* partial, int64_t blocks, Sums<N>* out) {
  Sums<N> acc{};
  for (int64_t b = threadIdx.x; b < blocks; b += blockDim.x) acc = SumOp{}(acc, partial[b]);
  acc = block_reduce(acc, SumOp{});
  if (threadIdx.x == 0) *out = acc;
}

// Writes the sums into `out` (N doubles on the device); n may be 0 (all zeros).
template <int N, class Source>
void device_sums(const Source& source, int64_t n, double* out, Device device, cudaStream_t st) {
  const int64_t blocks = std::min(kSumBlocks, std::max<int64_t>(1, (n + kThreads - 1) / kThreads));
  Tensor partial = Tensor::empty(Dims{blocks * N}, DType::Float64, device);  // freed in stream order
  auto* partial_sums = reinterpret_cast<Sums<N>*>(partial.data_ptr());
  partial_sums_kernel<N><<<unsigned(blocks), kThreads, 0, st>>>(source, n, partial_sums);
  AC_CUDA_CHECK_LAUNCH();
  final_sums_kernel<N><<<1, kThreads, 0, st>>>(partial_sums, blocks, reinterpret_cast<Sums<N>*>(out));
  AC_CUDA_CHECK_LAUNCH();
}

template <class T>
struct ValuesSource {  // sum of a T array, in double
  const T* x;
  __device__ Sums<1> operator()(int64_t i) const { return {{static_cast<double>(x[i])}}; }
};

struct RowSource {  // the per-row losses and weights of a class-index loss
  const double* loss;
  const double* weight;
  __device__ Sums<2> operator()(int64_t i) const { return {{loss[i], weight[i]}}; }
};

// ---- checks and helpers shared by the entry points --------------------------------------------------

// The divisor of a mean where it lies: on the device (total_weight as the forward returned it, or a sum computed
// there), read by the kernels without a host round trip, or a number known on the host.
struct Divisor {
  const double* device = nullptr;
  double host = 1.0;
  __device__ double get() const { return device ? *device : host; }
};

// total_weight, checked as the CPU's scalar_value checks it. `holder` keeps a float64 copy alive.
Divisor total_weight_divisor(const Tensor& total_weight, const Tensor& like, Tensor& holder) {
  const char* name = "total_weight";
  if (!total_weight.device().is_cpu()) check_same_device(like, total_weight, name);
  AC_CHECK(total_weight.numel() == 1, RuntimeError, name, " should be a single number, got a tensor of shape ",
           total_weight.shape().str());
  return dispatch_floating(total_weight.dtype(), name, [&](auto zero) {
    using T = decltype(zero);
    Divisor d;
    if (total_weight.device().is_cpu()) {
      d.host = static_cast<double>(*total_weight.data<T>());
    } else {
      holder = to_dtype(total_weight, DType::Float64);
      d.device = holder.data<double>();
    }
    return d;
  });
}

// Fills `out` (n elements of T) from n doubles.
template <class T>
__global__ void store_kernel(const double* values, int64_t n, T* out) {
  AC_GRID_STRIDE_LOOP(i, n) out[i] = static_cast<T>(values[i]);
}

// ---- softmax / log_softmax --------------------------------------------------------------------------

// One element into the online state. The CPU sums exp(x_i - M) at the row max M, which is NaN when M is
// infinite and otherwise gets exactly 0 from x_i = -inf: so -inf is skipped here (an early -inf would turn
// exp(-inf - -inf) into a NaN that no later max undoes), and the caller makes the sum NaN when M is infinite.
template <class T>
__device__ __forceinline__ void online_add(MaxSum& acc, T x) {
  if (x == -std::numeric_limits<T>::infinity()) return;
  if (x > acc.m) {  // the rescale in double: a rising row rescales at every element
    acc.s = acc.s * exp(acc.m - static_cast<double>(x)) + 1.0;
    acc.m = x;
  } else {  // also NaN, which makes the sum NaN as on the CPU
    acc.s += static_cast<double>(exp(x - static_cast<T>(acc.m)));
  }
}

__device__ __forceinline__ double row_sum(const MaxSum& acc) {
  return acc.m == kInf || acc.m == -kInf ? std::numeric_limits<double>::quiet_NaN() : acc.s;
}

// softmax: exp(x - M) / sum; log_softmax: (x - M) - log(sum), exact near the max however large the logits.
template <class T>
__device__ __forceinline__ T softmax_value(T x, T m, T coef, bool log) {
  return log ? (x - m) - coef : exp(x - m) * coef;
}
__device__ __forceinline__ double softmax_coef(double sum, bool log) { return log ? ::log(sum) : 1.0 / sum; }

template <class T, bool WholeBlock>
__global__ void softmax_rows_kernel(const T* x, T* out, int64_t rows, int64_t r, bool log) {
  using Team = RowTeam<WholeBlock>;
  for (int64_t row = Team::first_row(); row < rows; row += Team::row_step()) {
    const T* xr = x + row * r;
    T* dst = out + row * r;
    MaxSum acc{-kInf, 0.0};
    for (int64_t i = Team::lane(); i < r; i += Team::size()) online_add(acc, xr[i]);
    acc = Team::reduce(acc, MaxSumOp{});
    const T m = static_cast<T>(acc.m), coef = static_cast<T>(softmax_coef(row_sum(acc), log));
    for (int64_t i = Team::lane(); i < r; i += Team::size()) dst[i] = softmax_value(xr[i], m, coef, log);
  }
}

// inner > 1: a thread per (outer, inner) column, walking down its r elements (adjacent threads, adjacent columns).
template <class T>
__global__ void softmax_columns_kernel(const T* x, T* out, int64_t outer, int64_t r, int64_t inner, bool log) {
  AC_GRID_STRIDE_LOOP(column, outer * inner) {
    const int64_t base = (column / inner) * r * inner + column % inner;
    MaxSum acc{-kInf, 0.0};
    for (int64_t j = 0; j < r; ++j) online_add(acc, x[base + j * inner]);
    const T m = static_cast<T>(acc.m), coef = static_cast<T>(softmax_coef(row_sum(acc), log));
    for (int64_t j = 0; j < r; ++j) out[base + j * inner] = softmax_value(x[base + j * inner], m, coef, log);
  }
}

// softmax: out * (grad - sum(grad * out)); log_softmax: grad - exp(out) * sum(grad).
template <class T>
__device__ __forceinline__ double backward_term(T g, T o, bool log) {
  return static_cast<double>(log ? g : g * o);
}
template <class T>
__device__ __forceinline__ T backward_value(T g, T o, T total, bool log) {
  return log ? g - exp(o) * total : o * (g - total);
}

template <class T, bool WholeBlock>
__global__ void softmax_backward_rows_kernel(const T* g, const T* out, T* gi, int64_t rows, int64_t r, bool log) {
  using Team = RowTeam<WholeBlock>;
  for (int64_t row = Team::first_row(); row < rows; row += Team::row_step()) {
    const int64_t base = row * r;
    double acc = 0;
    for (int64_t i = Team::lane(); i < r; i += Team::size()) acc += backward_term(g[base + i], out[base + i], log);
    const T total = static_cast<T>(Team::reduce(acc, SumOp{}));
    for (int64_t i = Team::lane(); i < r; i += Team::size())
      gi[base + i] = backward_value(g[base + i], out[base + i], total, log);
  }
}

template <class T>
__global__ void softmax_backward_columns_kernel(const T* g, const T* out, T* gi, int64_t outer, int64_t r,
                                                int64_t inner, bool log) {
  AC_GRID_STRIDE_LOOP(column, outer * inner) {
    const int64_t base = (column / inner) * r * inner + column % inner;
    double acc = 0;
    for (int64_t j = 0; j < r; ++j) acc += backward_term(g[base + j * inner], out[base + j * inner], log);
    const T total = static_cast<T>(acc);
    for (int64_t j = 0; j < r; ++j) {
      const int64_t at = base + j * inner;
      gi[at] = backward_value(g[at], out[at], total, log);
    }
  }
}

// ---- class-index losses: layout and target checks ---------------------------------------------------

// The smallest i whose target is neither ignore_index nor in [0, classes); *first_bad stays all ones if none.
__global__ void find_bad_target_kernel(const int64_t* target, int64_t n, int64_t classes, int64_t ignore_index,
                                       unsigned long long* first_bad) {
  AC_GRID_STRIDE_LOOP(i, n) {
    const int64_t t = target[i];
    if (!(t == ignore_index || (t >= 0 && t < classes))) atomicMin(first_bad, static_cast<unsigned long long>(i));
  }
}

// (loss, total_weight) from per-row losses and weights: the sum, or the sum over the total weight (0/0 = nan).
template <class T>
__global__ void finish_class_loss_kernel(const Sums<2>* sums, bool mean, T* loss, T* total_weight) {
  double total = sums->v[0];
  if (mean) total /= sums->v[1];
  if (loss) *loss = static_cast<T>(total);
  *total_weight = static_cast<T>(sums->v[1]);
}

std::pair<Tensor, Tensor> reduce_rows(const Tensor& row_loss, const Tensor& row_weight, Reduction reduction,
                                      DType dtype, const Dims& target_shape, int device) {
  cudaStream_t st = stream(device);
  const Device where = row_loss.device();
  const int64_t n = row_loss.numel();
  Tensor sums = Tensor::empty(Dims{2}, DType::Float64, where);
  device_sums<2>(RowSource{row_loss.data<double>(), row_weight.data<double>()}, n, sums.data<double>(), where, st);
  Tensor total_weight = Tensor::empty(Dims{}, dtype, where);
  Tensor loss = Tensor::empty(reduction == Reduction::none ? target_shape : Dims{}, dtype, where);
  dispatch_floating(dtype, "loss", [&](auto zero) {
    using T = decltype(zero);
    const auto* s = reinterpret_cast<const Sums<2>*>(sums.data_ptr());
    const bool none = reduction == Reduction::none;
    finish_class_loss_kernel<T>
        <<<1, 1, 0, st>>>(s, reduction == Reduction::mean, none ? nullptr : loss.data<T>(), total_weight.data<T>());
    AC_CUDA_CHECK_LAUNCH();
    if (none && n > 0) {
      store_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(row_loss.data<double>(), n, loss.data<T>());
      AC_CUDA_CHECK_LAUNCH();
    }
  });
  return {loss, total_weight};
}

// ---- nll_loss -------------------------------------------------------------------------------------------

template <class T>
__global__ void nll_loss_kernel(const T* x, const int64_t* target, const T* w, int64_t n, int64_t C, int64_t inner,
                                int64_t ignore_index, double* row_loss, double* row_weight) {
  AC_GRID_STRIDE_LOOP(i, n) {
    const int64_t c = target[i];
    if (c == ignore_index) {
      row_loss[i] = row_weight[i] = 0;
      continue;
    }
    const double wc = w ? static_cast<double>(w[c]) : 1.0;
    const int64_t b = i / inner, k = i % inner;
    row_loss[i] = -wc * static_cast<double>(x[(b * C + c) * inner + k]);
    row_weight[i] = wc;
  }
}

// The zeroed gradient gets each target's entry; distinct targets' entries never coincide.
template <class T>
__global__ void nll_loss_backward_kernel(const T* g, int64_t grad_stride, const int64_t* target, const T* w, int64_t n,
                                         int64_t C, int64_t inner, int64_t ignore_index, bool mean,
                                         Divisor total_weight, T* dst) {
  const double scale = mean ? 1.0 / total_weight.get() : 1.0;
  AC_GRID_STRIDE_LOOP(i, n) {
    const int64_t c = target[i];
    if (c == ignore_index) continue;
    const int64_t b = i / inner, k = i % inner;
    const double wc = w ? static_cast<double>(w[c]) : 1.0;
    dst[(b * C + c) * inner + k] = static_cast<T>(-wc * static_cast<double>(g[i * grad_stride]) * scale);
  }
}

// ---- cross_entropy --------------------------------------------------------------------------------------

// Rows of `classes` contiguous logits, as cpu::CrossEntropyArgs; weight_total is on the device (null: classes).
template <class T>
struct CrossEntropyRows {
  const T* x;
  const int64_t* target;  // class indices, or null when probs is given
  const T* probs;
  const T* weight;
  int64_t classes, ignore_index;
  double label_smoothing;
  const double* weight_total;
  __device__ double total_of_weights() const { return weight_total ? *weight_total : static_cast<double>(classes); }
};

// Per row: max, then sum exp(x - m) with the label-smoothing or probability sums, all at the exact max m.
// Class targets: loss (1 - eps) w_t ((m - x_t) + log sum) + eps/C (sum_c w_c (m - x_c) + W log sum), weight w_t.
// Probabilities: y = (1 - eps) probs + eps/C, loss sum_c w_c y_c (m - x_c) + (sum_c w_c y_c) log sum, weight 1
// (0 with no classes).
template <class T, bool WholeBlock>
__global__ void cross_entropy_kernel(CrossEntropyRows<T> a, int64_t rows, double* row_stats, double* row_loss,
                                     double* row_weight) {
  using Team = RowTeam<WholeBlock>;
  const int64_t C = a.classes;
  const double eps = a.label_smoothing;
  const T keep = static_cast<T>(1 - eps), spread = static_cast<T>(eps / C);
  for (int64_t row = Team::first_row(); row < rows; row += Team::row_step()) {
    const bool leader = Team::lane() == 0;
    const int64_t t = a.probs ? 0 : a.target[row];
    if (!a.probs && t == a.ignore_index) {
      if (leader) row_stats[2 * row] = row_stats[2 * row + 1] = row_loss[row] = row_weight[row] = 0;
      // PyTorch scales its smoothing term, a sum of nothing here, by eps / C: with no classes, inf, so NaN
      if (leader && eps != 0 && C == 0) row_loss[row] = nan("");
      continue;
    }
    if (a.probs && C == 0) {  // no classes: an empty sum, and no weight (PyTorch's mean over no logits is NaN)
      if (leader) row_stats[2 * row] = 0, row_stats[2 * row + 1] = -kInf, row_loss[row] = 0, row_weight[row] = 0;
      continue;
    }
    const T* x = a.x + row * C;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t j = Team::lane(); j < C; j += Team::size()) m = max_of(x[j], m);
    m = Team::reduce(m, MaxOp{});
    Sums<3> acc{};  // sum exp(x - m), the gap sum, the mass sum w y
    for (int64_t j = Team::lane(); j < C; j += Team::size()) {
      acc.v[0] += static_cast<double>(exp(x[j] - m));
      const T w = a.weight ? a.weight[j] : T(1);
      if (a.probs) {
        const T wy = w * (keep * a.probs[row * C + j] + spread);
        acc.v[1] += static_cast<double>(wy * (m - x[j]));
        acc.v[2] += static_cast<double>(wy);
      } else if (eps != 0) {
        acc.v[1] += static_cast<double>(w * (m - x[j]));
      }
    }
    acc = Team::reduce(acc, SumOp{});
    if (!leader) continue;
    const double log_sum = log(acc.v[0]);
    row_stats[2 * row] = static_cast<double>(m);
    row_stats[2 * row + 1] = log_sum;
    if (a.probs) {
      double loss = acc.v[1] + acc.v[2] * log_sum;
      if (!isfinite(loss)) {  // inf targets (inf * 0 at the max): PyTorch's -sum w y log_softmax(x), term by term
        loss = 0;
        for (int64_t j = 0; j < C; ++j) {
          const T wy = (a.weight ? a.weight[j] : T(1)) * (keep * a.probs[row * C + j] + spread);
          loss -= static_cast<double>(wy) * ((static_cast<double>(x[j]) - static_cast<double>(m)) - log_sum);
        }
      }
      row_loss[row] = loss;
      row_weight[row] = 1;
      continue;
    }
    const double wt = a.weight ? static_cast<double>(a.weight[t]) : 1.0;
    // lse - x_t = (m - x_t) + log(sum): m - x_t is exact, so the loss keeps its precision at any scale.
    double loss = (1 - eps) * wt * ((static_cast<double>(m) - static_cast<double>(x[t])) + log_sum);
    if (eps != 0) loss += eps / C * (acc.v[1] + a.total_of_weights() * log_sum);
    row_loss[row] = loss;
    row_weight[row] = wt;
  }
}

// Class targets, one thread per logit: d loss / d x_j = (1 - eps) w_t (p_j - [j = t]) + eps/C (W p_j - w_j),
// p = exp((x - m) - log_sum) from the forward's row stats: x - m is exact near the max at any scale.
template <class T>
__global__ void cross_entropy_backward_kernel(CrossEntropyRows<T> a, int64_t rows, const double* row_stats, const T* g,
                                              int64_t grad_stride, bool mean, Divisor total_weight, T* dst) {
  const int64_t C = a.classes;
  const double eps = a.label_smoothing;
  const double scale = mean ? 1.0 / total_weight.get() : 1.0;
  AC_GRID_STRIDE_LOOP(e, rows * C) {
    const int64_t i = e / C, j = e % C, t = a.target[i];
    if (t == a.ignore_index) {
      dst[e] = 0;
      continue;
    }
    const double gs = static_cast<double>(g[i * grad_stride]) * scale;
    const double wt = a.weight ? static_cast<double>(a.weight[t]) : 1.0;
    const T p_coef = static_cast<T>(gs * ((1 - eps) * wt + eps / C * a.total_of_weights()));
    const T m = static_cast<T>(row_stats[2 * i]), log_sum = static_cast<T>(row_stats[2 * i + 1]);
    T value = p_coef * exp((a.x[e] - m) - log_sum);
    if (eps != 0) value -= static_cast<T>(gs * eps / C) * (a.weight ? a.weight[j] : T(1));
    if (j == t) value -= static_cast<T>(gs * (1 - eps) * wt);
    dst[e] = value;
  }
}

// Probability targets, a team per row: d loss / d x_j = p_j sum_c w_c y_c - w_j y_j.
template <class T, bool WholeBlock>
__global__ void cross_entropy_probs_backward_kernel(CrossEntropyRows<T> a, int64_t rows, const double* row_stats,
                                                    const T* g, int64_t grad_stride, bool mean, Divisor total_weight,
                                                    T* dst) {
  using Team = RowTeam<WholeBlock>;
  const int64_t C = a.classes;
  const double eps = a.label_smoothing;
  const T keep = static_cast<T>(1 - eps), spread = static_cast<T>(eps / C);
  const double scale = mean ? 1.0 / total_weight.get() : 1.0;
  for (int64_t row = Team::first_row(); row < rows; row += Team::row_step()) {
    const T* x = a.x + row * C;
    const T* y = a.probs + row * C;
    T* out = dst + row * C;
    double mass = 0;
    for (int64_t j = Team::lane(); j < C; j += Team::size())
      mass += static_cast<double>((a.weight ? a.weight[j] : T(1)) * (keep * y[j] + spread));
    mass = Team::reduce(mass, SumOp{});
    const T gs = static_cast<T>(static_cast<double>(g[row * grad_stride]) * scale);
    const T coef = static_cast<T>(gs * mass);
    const T m = static_cast<T>(row_stats[2 * row]), log_sum = static_cast<T>(row_stats[2 * row + 1]);
    for (int64_t j = Team::lane(); j < C; j += Team::size())
      out[j] = coef * exp((x[j] - m) - log_sum) - gs * (a.weight ? a.weight[j] : T(1)) * (keep * y[j] + spread);
  }
}

// cross_entropy's class weights summed on the device (undefined without weights: the kernels use the class count).
Tensor weight_total(const CrossEntropyOperands& o) {
  if (!o.weight.defined()) return Tensor();
  const Device where = o.rows.device();
  Tensor total = Tensor::empty(Dims{1}, DType::Float64, where);
  dispatch_floating(o.rows.dtype(), "cross_entropy", [&](auto zero) {
    using T = decltype(zero);
    device_sums<1>(ValuesSource<T>{o.weight.data<T>()}, o.layout.classes, total.data<double>(), where,
                   stream(where.index));
  });
  return total;
}

template <class T>
CrossEntropyRows<T> rows_args(const CrossEntropyOperands& o, const Tensor& weight_total, int64_t ignore_index,
                              double label_smoothing) {
  return {o.rows.data<T>(),
          o.probs ? nullptr : o.target.data<int64_t>(),
          o.probs ? o.target.data<T>() : nullptr,
          o.weight.defined() ? o.weight.data<T>() : nullptr,
          o.layout.classes,
          ignore_index,
          label_smoothing,
          weight_total.defined() ? weight_total.data<double>() : nullptr};
}

// ---- pointwise losses -----------------------------------------------------------------------------------

// n contiguous elements of one shape (broadcasting done on the host); weight and pos_weight may be null.
template <class T>
struct PointwiseOperands {
  const T* input;
  const T* target;
  const T* weight;
  const T* pos_weight;
  __device__ T w(int64_t i) const { return weight ? weight[i] : T(1); }
  __device__ T pw(int64_t i) const { return pos_weight ? pos_weight[i] : T(1); }
};

template <PointwiseLoss K, class T>
struct PointwiseSource {
  PointwiseOperands<T> a;
  __device__ Sums<1> operator()(int64_t i) const {
    return {{static_cast<double>(
        loss_math::pointwise_value<K, CudaMath>(a.input[i], a.target[i], a.w(i), a.pw(i), a.pos_weight != nullptr))}};
  }
};

template <PointwiseLoss K, class T>
__global__ void pointwise_loss_kernel(PointwiseOperands<T> a, int64_t n, T* out) {
  AC_GRID_STRIDE_LOOP(i, n)
  out[i] = loss_math::pointwise_value<K, CudaMath>(a.input[i], a.target[i], a.w(i), a.pw(i), a.pos_weight != nullptr);
}

// grad_input[i] = (grad[i * grad_stride] * scale) * d loss_i / d input_i (or d target_i), in T as on the CPU.
template <PointwiseLoss K, class T>
__global__ void pointwise_loss_backward_kernel(PointwiseOperands<T> a, const T* g, int64_t grad_stride, bool mean,
                                               Divisor divisor, bool wrt_target, int64_t n, T* gi) {
  const T scale = static_cast<T>(mean ? 1.0 / divisor.get() : 1.0);
  AC_GRID_STRIDE_LOOP(i, n) {
    const T x = a.input[i], y = a.target[i], w = a.w(i), pw = a.pw(i);
    const bool has_pw = a.pos_weight;
    const T d = wrt_target ? loss_math::pointwise_target_derivative<K, CudaMath>(x, y, w, pw, has_pw)
                           : loss_math::pointwise_derivative<K, CudaMath>(x, y, w, pw, has_pw);
    gi[i] = g[i * grad_stride] * scale * d;
  }
}

template <class T>
__global__ void finish_pointwise_kernel(const double* sum, bool mean, Divisor divisor, T* out) {
  double total = *sum;
  if (mean) total /= divisor.get();  // 0/0 = nan for an empty input
  *out = static_cast<T>(total);
}

// cpu::sum of the weight is a T: its value, so rounded, is the CPU's divisor.
template <class T>
__global__ void round_to_kernel(double* value) {
  *value = static_cast<double>(static_cast<T>(*value));
}

// bit 0: an input outside [0, 1]; bit 1: a target outside it (NaN is outside).
template <class T>
__global__ void outside_unit_interval_kernel(const T* input, const T* target, int64_t n, unsigned* flags) {
  unsigned outside = 0;
  AC_GRID_STRIDE_LOOP(i, n) {
    if (!(input[i] >= T(0) && input[i] <= T(1))) outside |= 1u;
    if (!(target[i] >= T(0) && target[i] <= T(1))) outside |= 2u;
  }
  if (outside) atomicOr(flags, outside);
}

// Calls fn(std::integral_constant<PointwiseLoss, K>) for the runtime kind.
template <class Fn>
void dispatch_kind(PointwiseLoss kind, const Fn& fn) {
  switch (kind) {
    case PointwiseLoss::mse:
      return fn(std::integral_constant<PointwiseLoss, PointwiseLoss::mse>{});
    case PointwiseLoss::l1:
      return fn(std::integral_constant<PointwiseLoss, PointwiseLoss::l1>{});
    case PointwiseLoss::bce:
      return fn(std::integral_constant<PointwiseLoss, PointwiseLoss::bce>{});
    case PointwiseLoss::bce_with_logits:
      return fn(std::integral_constant<PointwiseLoss, PointwiseLoss::bce_with_logits>{});
  }
}

template <class T>
PointwiseOperands<T> operands_of(const PointwiseLossOperands& o) {
  return {o.input.data<T>(), o.target.data<T>(), o.weight.defined() ? o.weight.data<T>() : nullptr,
          o.pos_weight.defined() ? o.pos_weight.data<T>() : nullptr};
}

// The mean's divisor: the element count, or for weighted mse and l1 the weights' sum (rounded to T, as the CPU's
// sum of the weight is), summed on the device into `holder`.
Divisor mean_divisor(const PointwiseLossOperands& o, Tensor& holder) {
  Divisor divisor;
  divisor.host = static_cast<double>(product(o.shape));
  if (!o.mean_weight.defined()) return divisor;
  const Device where = o.input.device();
  cudaStream_t st = stream(where.index);
  Tensor w = contiguous(o.mean_weight);
  holder = Tensor::empty(Dims{1}, DType::Float64, where);
  dispatch_floating(o.dtype, pointwise_loss_name(o.kind), [&](auto zero) {
    using T = decltype(zero);
    device_sums<1>(ValuesSource<T>{w.data<T>()}, w.numel(), holder.data<double>(), where, st);
    round_to_kernel<T><<<1, 1, 0, st>>>(holder.data<double>());
    AC_CUDA_CHECK_LAUNCH();
  });
  divisor.device = holder.data<double>();
  return divisor;
}

// The CUDA side of core/softmax_loss_entry.h.
struct CudaBackend : CudaKernels {
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }

  static void softmax_into(const Tensor& x, const Tensor& out, const ReduceShape& s, bool log) {
    cudaStream_t st = stream(x.device().index);
    dispatch_floating(x.dtype(), log ? "log_softmax" : "softmax", [&](auto zero) {
      using T = decltype(zero);
      const T* in = x.data<T>();
      T* dst = out.data<T>();
      if (s.inner == 1) {
        launch_rows(s.outer, s.r, [&](auto whole_block, unsigned grid) {
          softmax_rows_kernel<T, decltype(whole_block)::value><<<grid, kThreads, 0, st>>>(in, dst, s.outer, s.r, log);
        });
      } else {
        softmax_columns_kernel<T>
            <<<blocks_for(s.outer * s.inner), kThreads, 0, st>>>(in, dst, s.outer, s.r, s.inner, log);
      }
      AC_CUDA_CHECK_LAUNCH();
    });
  }

  static void softmax_backward_into(const Tensor& grad, const Tensor& out, const Tensor& grad_input,
                                    const ReduceShape& s, bool log) {
    cudaStream_t st = stream(out.device().index);
    dispatch_floating(out.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto zero) {
      using T = decltype(zero);
      const T* gp = grad.data<T>();
      const T* op_ = out.data<T>();
      T* dst = grad_input.data<T>();
      if (s.inner == 1) {
        launch_rows(s.outer, s.r, [&](auto whole_block, unsigned grid) {
          softmax_backward_rows_kernel<T, decltype(whole_block)::value>
              <<<grid, kThreads, 0, st>>>(gp, op_, dst, s.outer, s.r, log);
        });
      } else {
        softmax_backward_columns_kernel<T>
            <<<blocks_for(s.outer * s.inner), kThreads, 0, st>>>(gp, op_, dst, s.outer, s.r, s.inner, log);
      }
      AC_CUDA_CHECK_LAUNCH();
    });
  }

  // The CPU raises IndexError naming the first bad target, and so must we: this is the one place these losses wait
  // for the device, for a single 8-byte index (and on the error path one more 8-byte read, of the bad value).
  static void check_targets(const Tensor& target, int64_t classes, int64_t ignore_index) {
    const int64_t n = target.numel();
    if (n == 0) return;
    cudaStream_t st = stream(target.device().index);
    Tensor flag = Tensor::empty(Dims{}, DType::Int64, target.device());
    AC_CUDA_CHECK(cudaMemsetAsync(flag.data_ptr(), 0xff, sizeof(unsigned long long), st));
    find_bad_target_kernel<<<blocks_for(n), kThreads, 0, st>>>(target.data<int64_t>(), n, classes, ignore_index,
                                                               static_cast<unsigned long long*>(flag.data_ptr()));
    AC_CUDA_CHECK_LAUNCH();
    unsigned long long first_bad = 0;
    AC_CUDA_CHECK(cudaMemcpyAsync(&first_bad, flag.data_ptr(), sizeof(first_bad), cudaMemcpyDeviceToHost, st));
    AC_CUDA_CHECK(cudaStreamSynchronize(st));
    if (first_bad == ~0ull) return;
    int64_t value = 0;
    AC_CUDA_CHECK(
        cudaMemcpyAsync(&value, target.data<int64_t>() + first_bad, sizeof(value), cudaMemcpyDeviceToHost, st));
    AC_CUDA_CHECK(cudaStreamSynchronize(st));
    fail<IndexError>("Target ", value, " is out of bounds.");
  }

  // Fails as the CPU does when an input (first) or a target of binary_cross_entropy leaves [0, 1]: the loss waits
  // here for one 4-byte flag from the device.
  static void check_unit_interval(const PointwiseLossOperands& o) {
    const int64_t n = product(o.shape);
    if (n == 0) return;
    cudaStream_t st = stream(o.input.device().index);
    Tensor flags = Tensor::empty(Dims{1}, DType::Int64, o.input.device());  // its first 4 bytes, as unsigned
    AC_CUDA_CHECK(cudaMemsetAsync(flags.data_ptr(), 0, sizeof(unsigned), st));
    dispatch_floating(o.dtype, "binary_cross_entropy", [&](auto zero) {
      using T = decltype(zero);
      outside_unit_interval_kernel<T><<<blocks_for(n, 4), kThreads, 0, st>>>(o.input.data<T>(), o.target.data<T>(), n,
                                                                             static_cast<unsigned*>(flags.data_ptr()));
      AC_CUDA_CHECK_LAUNCH();
    });
    unsigned outside = 0;
    AC_CUDA_CHECK(cudaMemcpyAsync(&outside, flags.data_ptr(), sizeof(outside), cudaMemcpyDeviceToHost, st));
    AC_CUDA_CHECK(cudaStreamSynchronize(st));
    AC_CHECK(!(outside & 1u), RuntimeError, "all elements of input should be between 0 and 1");
    AC_CHECK(!(outside & 2u), RuntimeError, "all elements of target should be between 0 and 1");
  }

  static std::pair<Tensor, Tensor> nll_loss_of(const ClassLossOperands& o, Reduction reduction, int64_t ignore_index) {
    const Tensor &x = o.values, &t = o.target, &w = o.weight;
    const int device = x.device().index;
    const int64_t n = o.n;
    Tensor row_loss = Tensor::empty(Dims{n}, DType::Float64, x.device());
    Tensor row_weight = Tensor::empty(Dims{n}, DType::Float64, x.device());
    if (n > 0) {
      dispatch_floating(x.dtype(), "nll_loss", [&](auto zero) {
        using T = decltype(zero);
        nll_loss_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(
            x.data<T>(), t.data<int64_t>(), w.defined() ? w.data<T>() : nullptr, n, o.layout.classes, o.layout.inner,
            ignore_index, row_loss.data<double>(), row_weight.data<double>());
        AC_CUDA_CHECK_LAUNCH();
      });
    }
    return reduce_rows(row_loss, row_weight, reduction, x.dtype(), o.layout.target_shape, device);
  }

  static void nll_loss_backward_into(const ClassLossOperands& o, int64_t grad_stride, Reduction reduction,
                                     int64_t ignore_index, const Tensor& total_weight, const Tensor& grad_input) {
    const Tensor &g = o.values, &t = o.target, &w = o.weight;
    Tensor divisor_holder;
    const bool mean = reduction == Reduction::mean;
    const Divisor divisor = mean ? total_weight_divisor(total_weight, g, divisor_holder) : Divisor{};
    if (grad_input.numel() == 0) return;
    cudaStream_t st = stream(g.device().index);
    // The gradient is mostly zeros: all bytes zero is 0.0 in both float types.
    AC_CUDA_CHECK(cudaMemsetAsync(grad_input.data_ptr(), 0, grad_input.numel() * grad_input.itemsize(), st));
    const int64_t n = o.n;
    if (n == 0) return;
    dispatch_floating(g.dtype(), "nll_loss_backward", [&](auto zero) {
      using T = decltype(zero);
      nll_loss_backward_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(
          g.data<T>(), grad_stride, t.data<int64_t>(), w.defined() ? w.data<T>() : nullptr, n, o.layout.classes,
          o.layout.inner, ignore_index, mean, divisor, grad_input.data<T>());
      AC_CUDA_CHECK_LAUNCH();
    });
  }

  static CrossEntropyResult cross_entropy_of(const CrossEntropyOperands& o, Reduction reduction, int64_t ignore_index,
                                             double label_smoothing) {
    const Device where = o.rows.device();
    const Tensor total = weight_total(o);
    Tensor stats = Tensor::empty(row_stats_shape(o.layout), DType::Float64, where);
    Tensor row_loss = Tensor::empty(Dims{o.n}, DType::Float64, where);
    Tensor row_weight = Tensor::empty(Dims{o.n}, DType::Float64, where);
    if (o.n > 0) {
      cudaStream_t st = stream(where.index);
      dispatch_floating(o.rows.dtype(), "cross_entropy", [&](auto zero) {
        using T = decltype(zero);
        const CrossEntropyRows<T> args = rows_args<T>(o, total, ignore_index, label_smoothing);
        launch_rows(o.n, o.layout.classes, [&](auto whole_block, unsigned grid) {
          cross_entropy_kernel<T, decltype(whole_block)::value><<<grid, kThreads, 0, st>>>(
              args, o.n, stats.data<double>(), row_loss.data<double>(), row_weight.data<double>());
        });
        AC_CUDA_CHECK_LAUNCH();
      });
    }
    auto [loss, total_weight] =
        reduce_rows(row_loss, row_weight, reduction, o.rows.dtype(), o.layout.target_shape, where.index);
    return {loss, stats, total_weight};
  }

  static void cross_entropy_backward_into(const CrossEntropyOperands& o, const Tensor& g, int64_t grad_stride,
                                          const Tensor& stats, const Tensor& total_weight, Reduction reduction,
                                          int64_t ignore_index, double label_smoothing, const Tensor& rows_grad) {
    Tensor divisor_holder;
    const bool mean = reduction == Reduction::mean;
    const Divisor divisor = mean ? total_weight_divisor(total_weight, o.rows, divisor_holder) : Divisor{};
    const Tensor total = weight_total(o);
    const int64_t C = o.layout.classes;
    if (o.n * C == 0) return;
    cudaStream_t st = stream(o.rows.device().index);
    dispatch_floating(o.rows.dtype(), "cross_entropy_backward", [&](auto zero) {
      using T = decltype(zero);
      const CrossEntropyRows<T> args = rows_args<T>(o, total, ignore_index, label_smoothing);
      if (o.probs) {
        launch_rows(o.n, C, [&](auto whole_block, unsigned grid) {
          cross_entropy_probs_backward_kernel<T, decltype(whole_block)::value><<<grid, kThreads, 0, st>>>(
              args, o.n, stats.data<double>(), g.data<T>(), grad_stride, mean, divisor, rows_grad.data<T>());
        });
      } else {
        cross_entropy_backward_kernel<T><<<blocks_for(o.n * C, 4), kThreads, 0, st>>>(
            args, o.n, stats.data<double>(), g.data<T>(), grad_stride, mean, divisor, rows_grad.data<T>());
      }
      AC_CUDA_CHECK_LAUNCH();
    });
  }

  static Tensor pointwise_loss_of(const PointwiseLossOperands& o, Reduction reduction) {
    Tensor divisor_holder;
    const Divisor divisor = mean_divisor(o, divisor_holder);
    const int64_t n = product(o.shape);
    const Device where = o.input.device();
    cudaStream_t st = stream(where.index);
    Tensor out = Tensor::empty(reduction == Reduction::none ? o.shape : Dims{}, o.dtype, where);
    dispatch_floating(o.dtype, pointwise_loss_name(o.kind), [&](auto zero) {
      using T = decltype(zero);
      const PointwiseOperands<T> a = operands_of<T>(o);
      dispatch_kind(o.kind, [&](auto k) {
        constexpr PointwiseLoss K = decltype(k)::value;
        if (reduction == Reduction::none) {
          if (n == 0) return;
          pointwise_loss_kernel<K, T><<<blocks_for(n, 4), kThreads, 0, st>>>(a, n, out.data<T>());
          AC_CUDA_CHECK_LAUNCH();
          return;
        }
        Tensor sum = Tensor::empty(Dims{1}, DType::Float64, where);
        device_sums<1>(PointwiseSource<K, T>{a}, n, sum.data<double>(), where, st);
        finish_pointwise_kernel<T>
            <<<1, 1, 0, st>>>(sum.data<double>(), reduction == Reduction::mean, divisor, out.data<T>());
        AC_CUDA_CHECK_LAUNCH();
      });
    });
    return out;
  }

  static void pointwise_loss_backward_into(const PointwiseLossOperands& o, const Tensor& g, int64_t grad_stride,
                                           Reduction reduction, bool wrt_target, const Tensor& grad_input) {
    Tensor divisor_holder;
    const Divisor divisor = mean_divisor(o, divisor_holder);
    const int64_t n = product(o.shape);
    if (n == 0) return;
    cudaStream_t st = stream(o.input.device().index);
    dispatch_floating(o.dtype, pointwise_loss_name(o.kind), [&](auto zero) {
      using T = decltype(zero);
      const PointwiseOperands<T> a = operands_of<T>(o);
      dispatch_kind(o.kind, [&](auto k) {
        pointwise_loss_backward_kernel<decltype(k)::value, T><<<blocks_for(n, 4), kThreads, 0, st>>>(
            a, g.data<T>(), grad_stride, reduction == Reduction::mean, divisor, wrt_target, n, grad_input.data<T>());
        AC_CUDA_CHECK_LAUNCH();
      });
    });
  }
};

using Entry = SoftmaxLossEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/softmax_loss.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
