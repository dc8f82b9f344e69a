// Reductions on CUDA: core/reduce_entry.h's entry points and backwards over kernels of two shapes on the
// [outer, r, inner] plan (a warp or a block per output when rows are reduced, a thread per output when columns
// are). Each reduction is an Op (identity, lift one element, combine two partial results, write the result),
// so sum, max/min with index and the two passes of var share the kernels. Float sums accumulate in double, as
// the CPU's cascade does for its block totals, so both stay within a few ulps of the exact sum.
#include "core/kernels.h"

#include <algorithm>
#include <type_traits>

#include "core/elementwise_rules.h"
#include "core/reduce_entry.h"
#include "core/reduce_plan.h"
#include "cuda/elementwise.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

// ---- the plan (core/reduce_plan.h) -------------------------------------------------------------

// The input seen as [outer, r, inner]: element k of output j = o * inner + i lies at
// source[o * outer_stride + k * r_stride + i]. Outputs are dense: [outer, inner].
struct Plan {
  Tensor source;  // x itself, or a contiguous copy with the kept dims moved in front
  int64_t outer, r, inner, outer_stride, r_stride;
};

Plan make_plan(const Tensor& x, const DimMask& mask) {
  const ReduceLayout layout = reduce_layout(x, mask);
  const ReduceShape& s = layout.shape;
  return {
      layout.needs_copy ? contiguous(x.permute(layout.order)) : x, s.outer, s.r, s.inner, s.outer_stride, s.r_stride};
}

// ---- reduction ops -----------------------------------------------------------------------------

// Integers wrap around, as in PyTorch: unsigned arithmetic, converted back at the end.
template <class T> using Total = std::conditional_t<std::is_floating_point_v<T>, double, unsigned long long>;
template <class T> using SumOut = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;

template <class T, class Out>
struct SumOp {
  using State = Total<T>;
  Out* out;
  __device__ State identity() const { return 0; }
  __device__ State lift(T x, int64_t, int64_t) const { return static_cast<State>(x); }
  __device__ void combine(State& a, State b) const { a += b; }
  __device__ void finish(int64_t j, State s) const { out[j] = static_cast<Out>(s); }
};

// var's first pass: the mean of each output, rounded to T as the CPU's var loop rounds it.
template <class T>
struct MeanOp {
  using State = double;
  T* means;
  int64_t r;
  __device__ State identity() const { return 0; }
  __device__ State lift(T x, int64_t, int64_t) const { return x; }
  __device__ void combine(State& a, State b) const { a += b; }
  __device__ void finish(int64_t j, State s) const { means[j] = static_cast<T>(s / r); }
};

// var's second pass: deviations in T, each squared and summed in double (as on the CPU: d * d may underflow T).
template <class T>
struct SquaresOp {
  using State = double;
  const T* means;
  T* out;
  double divisor;
  __device__ State identity() const { return 0; }
  __device__ State lift(T x, int64_t j, int64_t) const {
    const double d = x - means[j];
    return d * d;
  }
  __device__ void combine(State& a, State b) const { a += b; }
  __device__ void finish(int64_t j, State s) const { out[j] = static_cast<T>(s / divisor); }
};

template <class T>
struct ArgState {
  T value;
  int64_t index;  // -1: no element yet
};

// The extreme and its first index. NaN beats everything and the first NaN stays, as on the CPU. combine
// decides ties by index, so partial results may meet in any order.
template <class T, bool Max>
struct ArgOp {
  using State = ArgState<T>;
  T* values;         // null when not wanted
  int64_t* indices;  // null when not wanted
  __device__ State identity() const { return {T(0), -1}; }
  __device__ State lift(T x, int64_t, int64_t k) const { return {x, k}; }
  __device__ void combine(State& a, const State& b) const {
    if (b.index < 0) return;
    if (a.index < 0) {
      a = b;
      return;
    }
    const bool a_nan = a.value != a.value, b_nan = b.value != b.value;
    bool take;
    if (a_nan || b_nan) take = b_nan && (!a_nan || b.index < a.index);
    else take = (Max ? b.value > a.value : b.value < a.value) || (b.value == a.value && b.index < a.index);
    if (take) a = b;
  }
  __device__ void finish(int64_t j, const State& s) const {
    if (values) values[j] = s.value;
    if (indices) indices[j] = s.index;
  }
};

// ---- where an output's elements come from ------------------------------------------------------

template <class T, class Op>
struct InputRows {
  const T* x;
  int64_t inner, outer_stride, r_stride;
  Op op;
  __device__ int64_t base(int64_t j) const {
    return inner == 1 ? j * outer_stride : (j / inner) * outer_stride + j % inner;
  }
  __device__ typename Op::State at(int64_t j, int64_t base, int64_t k) const {
    return op.lift(x[base + k * r_stride], j, k);
  }
};

// Partial results of the first pass when an output's elements were split: [n_out, splits].
template <class State>
struct PartialRows {
  const State* partial;
  int64_t splits;
  __device__ int64_t base(int64_t j) const { return j * splits; }
  __device__ State at(int64_t, int64_t base, int64_t k) const { return partial[base + k]; }
};

// ---- kernels -----------------------------------------------------------------------------------

__device__ inline double shuffle_down(double v, int offset) { return __shfl_down_sync(0xffffffffu, v, offset); }
__device__ inline unsigned long long shuffle_down(unsigned long long v, int offset) {
  return __shfl_down_sync(0xffffffffu, v, offset);
}
template <class T>
__device__ inline ArgState<T> shuffle_down(const ArgState<T>& s, int offset) {
  ArgState<T> out;
  if constexpr (std::is_same_v<T, bool>) out.value = __shfl_down_sync(0xffffffffu, int(s.value), offset) != 0;
  else if constexpr (std::is_same_v<T, int64_t>) out.value = __shfl_down_sync(0xffffffffu, (long long)s.value, offset);
  else out.value = __shfl_down_sync(0xffffffffu, s.value, offset);
  out.index = __shfl_down_sync(0xffffffffu, (long long)s.index, offset);
  return out;
}

// Every lane of the warp must call; lane 0 ends with the warp's result.
template <class Op, class State>
__device__ State warp_reduce(State v, const Op& op) {
  for (int offset = 16; offset > 0; offset /= 2) op.combine(v, shuffle_down(v, offset));
  return v;
}

// G threads (a warp, or the whole block of kThreads) combine their states; lane 0 ends with the result.
// With G == kThreads every thread of the block must call.
template <int G, class Op, class State>
__device__ State group_reduce(State v, const Op& op) {
  v = warp_reduce(v, op);
  if constexpr (G > 32) {
    constexpr int kWarps = G / 32;
    __shared__ State warp_results[kWarps];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) warp_results[warp] = v;
    __syncthreads();
    if (warp == 0) v = warp_reduce(lane < kWarps ? warp_results[lane] : op.identity(), op);
    __syncthreads();  // warp_results is reused by the block's next output
  }
  return v;
}

// A group of G threads per (output j, split s): the group strides through elements [s*chunk, (s+1)*chunk)
// of j, reduces, and its first thread writes the result (or the partial, when partial is given).
// Work items are indexed w = j * splits + s; every thread of a group sees the same w, so the group's
// shuffles and barriers are reached by all of it.
template <int G, class Op, class Rows>
__global__ void group_reduce_kernel(Rows rows, Op op, int64_t n_out, int64_t r, int64_t splits, int64_t chunk,
                                    typename Op::State* partial) {
  using State = typename Op::State;
  constexpr int kGroups = kThreads / G;
  const int lane = threadIdx.x % G;
  const int64_t n_work = n_out * splits;
  for (int64_t w = int64_t(blockIdx.x) * kGroups + threadIdx.x / G; w < n_work; w += int64_t(gridDim.x) * kGroups) {
    const int64_t j = w / splits, lo = (w % splits) * chunk, hi = min(r, lo + chunk);
    const int64_t base = rows.base(j);
    State acc = op.identity();
    for (int64_t k = lo + lane; k < hi; k += G) op.combine(acc, rows.at(j, base, k));
    acc = group_reduce<G>(acc, op);
    if (lane == 0) {
      if (partial) partial[w] = acc;
      else op.finish(j, acc);
    }
  }
}

// A thread per (output j, split s), j fastest so that neighbouring threads read neighbouring columns.
template <class Op, class Rows>
__global__ void column_reduce_kernel(Rows rows, Op op, int64_t n_out, int64_t r, int64_t splits, int64_t chunk,
                                     typename Op::State* partial) {
  using State = typename Op::State;
  const int64_t n_work = n_out * splits;
  for (int64_t w = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; w < n_work; w += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = w % n_out, s = w / n_out, lo = s * chunk, hi = min(r, lo + chunk);
    const int64_t base = rows.base(j);
    State acc = op.identity();
    for (int64_t k = lo; k < hi; ++k) op.combine(acc, rows.at(j, base, k));
    if (partial) partial[j * splits + s] = acc;
    else op.finish(j, acc);
  }
}

// ---- launching ---------------------------------------------------------------------------------

constexpr int64_t kTargetThreads = int64_t(1) << 17;  // about what an H100 keeps resident (132 SMs x 1024)
constexpr int64_t kMaxSplits = 2048;
constexpr int64_t kGroupChunk = 2048;  // fewest elements a block's split is given
constexpr int64_t kColumnChunk = 256;  // fewest elements a thread's split is given

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Reduces each of n_out outputs over its r elements. Columns (inner > 1, or very short rows) get a thread
// per output; rows get a warp, or a block when long. When the outputs alone cannot fill the GPU, each output's
// elements are split, the pieces reduced to partial states in scratch memory, and the partials reduced after.
template <class Op, class Rows>
void run_reduce(const Rows& rows, const Op& op, int64_t n_out, int64_t r, bool columns, const Device& device) {
  using State = typename Op::State;
  if (n_out == 0) return;
  const cudaStream_t s = stream(device.index);
  const int64_t parallel = columns ? n_out : n_out * kThreads;
  int64_t splits = std::min({ceil_div(std::max<int64_t>(r, 1), columns ? kColumnChunk : kGroupChunk),
                             ceil_div(kTargetThreads, parallel), kMaxSplits});
  splits = std::max<int64_t>(splits, 1);
  const int64_t chunk = std::max<int64_t>(ceil_div(r, splits), 1);
  splits = std::max<int64_t>(ceil_div(r, chunk), 1);  // no empty trailing piece
  Tensor scratch;
  State* partial = nullptr;
  if (splits > 1) {
    scratch = Tensor::empty(Dims{n_out * splits * int64_t(sizeof(State))}, DType::Bool, device);
    partial = static_cast<State*>(scratch.data_ptr());
  }
  if (columns) {
    column_reduce_kernel<<<blocks_for(n_out * splits), kThreads, 0, s>>>(rows, op, n_out, r, splits, chunk, partial);
  } else if (chunk >= 1024) {
    group_reduce_kernel<kThreads>
        <<<blocks_for(n_out * splits * kThreads), kThreads, 0, s>>>(rows, op, n_out, r, splits, chunk, partial);
  } else {
    group_reduce_kernel<32>
        <<<blocks_for(n_out * splits * 32), kThreads, 0, s>>>(rows, op, n_out, r, splits, chunk, partial);
  }
  AC_CUDA_CHECK_LAUNCH();
  if (splits > 1) {  // a warp per output over its partials; the stream orders it after the first pass
    PartialRows<State> parts{partial, splits};
    group_reduce_kernel<32>
        <<<blocks_for(n_out * 32), kThreads, 0, s>>>(parts, op, n_out, splits, 1, splits, static_cast<State*>(nullptr));
    AC_CUDA_CHECK_LAUNCH();
  }
  // scratch is freed here, on the host, likely before the kernels have run: the caching allocator hands it out
  // again only to work ordered after them on the same stream.
}

template <class T, class Op>
void reduce_plan(const Plan& plan, const Op& op, const Device& device) {
  InputRows<T, Op> rows{static_cast<const T*>(plan.source.data_ptr()), plan.inner, plan.outer_stride, plan.r_stride,
                        op};
  const bool columns = plan.inner > 1 || plan.r <= 8;
  run_reduce(rows, op, plan.outer * plan.inner, plan.r, columns, device);
}

// ---- index_reduce_backward's kernels -----------------------------------------------------------

// bad[0] becomes the position of the first index outside [0, size), or stays n when there is none.
__global__ void find_bad_index_kernel(const int64_t* index, int64_t n, int64_t size, unsigned long long* bad) {
  for (int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x)
    if (index[k] < 0 || index[k] >= size) atomicMin(bad, static_cast<unsigned long long>(k));
}

// Copies the offending index itself next to its position, so that one read tells the host both.
__global__ void read_bad_index_kernel(const int64_t* index, int64_t n, int64_t* bad) {
  if (bad[0] < n) bad[1] = index[bad[0]];
}

// result is [outer, size, inner], zero-filled; g and index are [outer, inner].
template <class T>
__global__ void scatter_index_kernel(const T* g, const int64_t* index, T* result, int64_t outer, int64_t inner,
                                     int64_t size) {
  const int64_t n = outer * inner;
  for (int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = k / inner, i = k % inner;
    result[(o * size + index[k]) * inner + i] = g[k];
  }
}

// The CUDA side of core/reduce_entry.h.
struct CudaBackend : CudaKernels {
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }
  static void sum_into(const Tensor& x, const DimMask& mask, const Tensor& out) {
    Plan plan = make_plan(x, mask);
    dispatch_arithmetic(x.dtype(), "sum", [&](auto zero) {
      using T = decltype(zero);
      using Out = SumOut<T>;
      reduce_plan<T>(plan, SumOp<T, Out>{static_cast<Out*>(out.data_ptr())}, x.device());
    });
  }
  static void arg_reduce_into(const Tensor& x, const DimMask& mask, bool is_max, const Tensor& values,
                              const Tensor& indices) {
    Plan plan = make_plan(x, mask);
    int64_t* index_data = indices.defined() ? indices.data<int64_t>() : nullptr;
    dispatch_arithmetic(x.dtype(), is_max ? "max" : "min", [&](auto zero) {
      using T = decltype(zero);
      T* value_data = values.defined() ? values.data<T>() : nullptr;
      if (is_max) reduce_plan<T>(plan, ArgOp<T, true>{value_data, index_data}, x.device());
      else reduce_plan<T>(plan, ArgOp<T, false>{value_data, index_data}, x.device());
    });
  }
  static void var_into(const Tensor& x, const DimMask& mask, double correction, const Tensor& out) {
    Plan plan = make_plan(x, mask);
    const double divisor = plan.r - correction > 0 ? plan.r - correction : 0.0;
    dispatch_floating(x.dtype(), "var", [&](auto zero) {
      using T = decltype(zero);
      // Two passes, as on the CPU: the mean of each output (rounded to T), then the squared deviations from it.
      Tensor means = Tensor::empty(Dims{plan.outer * plan.inner}, x.dtype(), x.device());
      reduce_plan<T>(plan, MeanOp<T>{means.data<T>(), plan.r}, x.device());
      reduce_plan<T>(plan, SquaresOp<T>{means.data<T>(), out.data<T>(), divisor}, x.device());
    });
  }
  // The CPU raises IndexError for an index out of range before writing anything; to raise the same error here
  // the host must learn whether one exists, so this reads back two numbers (the first bad position and its
  // index) and waits for them. Indices from max(dim)/min(dim) are always in range; the wait is the price of a
  // clear error instead of a write outside the result.
  static void scatter_index(const Tensor& g, const Tensor& index, const Tensor& result, int64_t outer, int64_t inner,
                            int64_t size, int d) {
    const int64_t n = outer * inner;
    const cudaStream_t s = stream(g.device().index);
    Tensor bad = Tensor::empty(Dims{2}, DType::Int64, g.device());
    cuda::fill_(bad, Scalar::from_int(n));
    find_bad_index_kernel<<<blocks_for(n), kThreads, 0, s>>>(
        index.data<int64_t>(), n, size, reinterpret_cast<unsigned long long*>(bad.data<int64_t>()));
    AC_CUDA_CHECK_LAUNCH();
    read_bad_index_kernel<<<1, 1, 0, s>>>(index.data<int64_t>(), n, bad.data<int64_t>());
    AC_CUDA_CHECK_LAUNCH();
    int64_t host_bad[2] = {n, 0};
    AC_CUDA_CHECK(cudaMemcpyAsync(host_bad, bad.data_ptr(), sizeof(host_bad), cudaMemcpyDeviceToHost, s));
    AC_CUDA_CHECK(cudaStreamSynchronize(s));
    AC_CHECK(host_bad[0] >= n, IndexError, "index ", host_bad[1], " is out of bounds for dimension ", d, " with size ",
             size);
    dispatch_floating(g.dtype(), "index_reduce_backward", [&](auto zero) {
      using T = decltype(zero);
      scatter_index_kernel<T>
          <<<blocks_for(n), kThreads, 0, s>>>(g.data<T>(), index.data<int64_t>(), result.data<T>(), outer, inner, size);
      AC_CUDA_CHECK_LAUNCH();
    });
  }
};

using Entry = ReduceEntry<CudaBackend>;

}  // namespace

#define AC_KERNEL_FAMILY "core/kernels/reduce.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
