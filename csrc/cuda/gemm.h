// The GEMM engine under the CUDA matmul family: batched, strided C[b] = alpha * A[b] @ B[b] + beta * C[b]
// (+ a bias row), reading transposed, sliced and broadcast operands in place. Kernels: cuda/gemm.cu.
#pragma once
#include <cstdint>

namespace autocore::cuda {

// An operand: element (i, j) of batch item b lives at data[b * batch_stride + i * row_stride + j * col_stride]
// (strides in elements; any of them may be 0, as for broadcast operands).
template <class T>
struct GemmOperand {
  const T* data;
  int64_t row_stride, col_stride, batch_stride;
};

// The output: row-major rows `ldc` apart, batch items `batch_stride` apart.
template <class T>
struct GemmOutput {
  T* data;
  int64_t ldc, batch_stride;
};

// An optional row added to every row of the product (Linear's bias): column j gains data[j * stride].
template <class T>
struct GemmBias {
  const T* data = nullptr;
  int64_t stride = 0;
};

// For b < batch: C[b] (m x n) = alpha * A[b] (m x k) @ B[b] (k x n) + beta * C[b] + bias, on stream(device),
// which the caller has made current (tensor_device does).
// beta == 0 never reads C, so stale NaNs in fresh memory do not leak through; k == 0 gives beta * C + bias.
// T is float, double or int64_t (integer arithmetic wraps around, as in PyTorch).
template <class T>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch, T alpha, const GemmOperand<T>& a, const GemmOperand<T>& b,
          T beta, const GemmOutput<T>& c, const GemmBias<T>& bias, int device);

// Whether float32 products may run on the tensor cores in TF32 (10-bit mantissa inputs, float32
// accumulation), as torch.backends.cuda.matmul.allow_tf32. Off by default: results then match the CPU's
// to float32 rounding. Only GPUs of compute capability 8.0 or newer have the TF32 path.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace autocore::cuda
