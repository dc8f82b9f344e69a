// Elementwise kernels on CUDA: core/pointwise_math.h's formulas (shared with the CPU) with CUDA's math library,
// one grid-stride kernel template over the strided walk, and a table of launchers by op and dtype built from
// core/elementwise_ops.def. The entry points are core/elementwise_entry.h's (promotion, broadcasting, out=, as on
// the CPU) over CudaBackend below, which launches on the device's stream.
#include "cuda/elementwise.h"

#include <cmath>
#include <type_traits>

#include "core/convert.h"
#include "core/elementwise_entry.h"
#include "core/elementwise_table.h"
#include "core/pointwise_math.h"
#include "cuda/elementwise_kernel.cuh"
#include "cuda/math.cuh"

namespace autocore::cuda {

namespace {

using pointwise::kFloat;

template <class Formula>
struct OnCuda {
  template <class... Args> __device__ static auto apply(const Args&... args) {
    return Formula::template apply<CudaMath>(args...);
  }
};

template <class Op, class Out, class A>
__global__ void unary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[2];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<2>(o, i, off);
    *output_at<Out>(o, off[0]) = Op::apply(load_operand<A>(o, 1, off[1]), p);
  }
}

template <class Op, class Out, class A, class B>
__global__ void binary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[3];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<3>(o, i, off);
    *output_at<Out>(o, off[0]) = Op::apply(load_operand<A>(o, 1, off[1]), load_operand<B>(o, 2, off[2]), p);
  }
}

template <class Op, class Out, class A, class B, class C>
__global__ void ternary_kernel(EwOperands o, int64_t n, OpParams p) {
  int64_t off[4];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<4>(o, i, off);
    *output_at<Out>(o, off[0]) =
        Op::apply(load_operand<A>(o, 1, off[1]), load_operand<B>(o, 2, off[2]), load_operand<C>(o, 3, off[3]), p);
  }
}

template <class To, class From>
__global__ void cast_kernel(EwOperands o, int64_t n) {
  int64_t off[2];
  AC_GRID_STRIDE_LOOP(i, n) {
    element_offsets<2>(o, i, off);
    *output_at<To>(o, off[0]) = convert_element<To>(load_operand<From>(o, 1, off[1]));
  }
}

using Launch = void (*)(const EwOperands& o, int64_t n, const OpParams& p, cudaStream_t stream);
using CastLaunch = void (*)(const EwOperands& o, int64_t n, cudaStream_t stream);

template <class Op, class Out, class... In>
void launch(const EwOperands& o, int64_t n, const OpParams& p, cudaStream_t stream) {
  if constexpr (sizeof...(In) == 1) unary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
  else if constexpr (sizeof...(In) == 2)
    binary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
  else ternary_kernel<Op, Out, In...><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n, p);
}

template <class To, class From>
void launch_cast(const EwOperands& o, int64_t n, cudaStream_t stream) {
  cast_kernel<To, From><<<blocks_for(n, 4), kThreads, 0, stream>>>(o, n);
}

struct Table {
  Launch loops[kNumEwOps][kNumDTypes] = {};
  CastLaunch cast[kNumDTypes][kNumDTypes] = {};
};

// The launchers core/elementwise_table.h fills the table with.
struct CudaLaunchers {
  template <class Formula, class Out, class... In> static constexpr Launch loop = &launch<OnCuda<Formula>, Out, In...>;
  template <class To, class From> static constexpr CastLaunch cast = &launch_cast<To, From>;
};

const Table& table() {
  static const Table t = ElementwiseTableBuilder<CudaLaunchers, Table, AllTypes>().t;
  return t;
}

Launch find_loop(EwOp op, DType dtype) {
  Launch loop = table().loops[int(op)][int(dtype)];
  if (!loop) fail_no_kernel(op, dtype);
  return loop;
}

// The CUDA side of core/elementwise_entry.h: scalars (Python numbers) travel inside the launch, and a 0-d CPU
// tensor beside a GPU one is copied over (PyTorch accepts it; promotion treats it as the 0-d tensor it is).
struct CudaBackend : CudaKernels {
  // A narrow dtype's op runs on whole temporaries in its wide dtype (core/elementwise_entry.h's run_narrow).
  static constexpr bool kWidensInBlocks = false;
  static void check_device(const Tensor& t, const char* op) { tensor_device(t, op); }
  static void check_supported(EwOp op, DType dtype) { find_loop(op, dtype); }
  static bool foreign(const Tensor& t, const Tensor& like) {
    return t.device().is_cpu() && t.dim() == 0 && !like.device().is_cpu();
  }
  static Tensor adopt(const Tensor& t, const Tensor& like) {
    return foreign(t, like) ? to_device(t, like.device().index) : t;  // 0-d: always contiguous
  }
  static void run(EwOp op, DType dtype, StridedIter& it, const OpParams& params, const char* const* scalars) {
    Launch loop = find_loop(op, dtype);
    if (it.numel() == 0) return;
    it.coalesce();
    EwOperands o = make_operands(it);
    if (scalars)
      for (int k = 0; k < it.num_operands(); ++k)
        if (scalars[k]) {
          o.is_scalar[k] = true;
          for (int b = 0; b < 8; ++b) o.scalar[k][b] = scalars[k][b];
        }
    loop(o, it.numel(), params, stream(current_device()));
    AC_CUDA_CHECK_LAUNCH();
  }
};

using Entry = ElementwiseEntry<CudaBackend>;

}  // namespace

void launch_cast(StridedIter& it, DType to, DType from, const char* scalar) {
  CastLaunch loop = table().cast[int(to)][int(from)];
  if (it.numel() == 0) return;
  it.coalesce();
  EwOperands o = make_operands(it);
  if (scalar) {
    o.is_scalar[1] = true;
    for (int b = 0; b < 8; ++b) o.scalar[1][b] = scalar[b];
  }
  loop(o, it.numel(), stream(current_device()));
  AC_CUDA_CHECK_LAUNCH();
}

#define AC_KERNEL_FAMILY "core/kernels/elementwise.def"
#include "core/kernels_from_entry.h"

}  // namespace autocore::cuda
