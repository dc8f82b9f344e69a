// Matrix products on CUDA: cpu/matmul.cpp's shape rules, checks and messages, batching over broadcast batch
// dims, and the backwards (with their sums over broadcast dims), all on top of the GEMM in cuda/gemm.cu.
#include "cuda/matmul.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "cuda/elementwise.h"
#include "cuda/gemm.h"
#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

std::string matrix_str(int64_t rows, int64_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

Dims batch_dims(const Tensor& t) {
  Dims batch;
  for (int d = 0; d + 2 < t.dim(); ++d) batch.push_back(t.shape()[d]);
  return batch;
}

Dims with_matrix(Dims batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

void check_product_dtypes(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dtype() == b.dtype(), RuntimeError, "expected m1 and m2 to have the same dtype, but got: ",
           cpp_type_name(a.dtype()), " != ", cpp_type_name(b.dtype()));
  AC_CHECK(a.dtype() != DType::Bool, RuntimeError, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  check_same_device(a, b, "matmul");
  tensor_device(a, "matmul");
}

// ---- sums over dims, for the gradients of broadcast operands and Linear's bias ----

// The input's elements as (kept index, reduced index) -> offset: each a mixed-radix walk over its own dims,
// adjacent dims of one kind merged (the input is contiguous) and size-1 dims dropped.
struct ReduceLayout {
  int kept_dims = 0, reduced_dims = 0;
  int64_t kept_size[kMaxDims], kept_stride[kMaxDims];
  int64_t reduced_size[kMaxDims], reduced_stride[kMaxDims];
};

__device__ __forceinline__ int64_t offset_of(int64_t index, int dims, const int64_t* size, const int64_t* stride) {
  if (dims == 1) return index * stride[0];
  int64_t offset = 0;
  for (int d = dims - 1; d >= 0; --d) {
    offset += index % size[d] * stride[d];
    index /= size[d];
  }
  return offset;
}

// Thread per output; blockIdx.y takes the chunk [y * chunk, (y + 1) * chunk) of the reduced elements and
// writes row y of `out` (gridDim.y rows of `outputs` partial sums, or the sums themselves when one chunk).
// Reduced dims are the outer ones here (batch dims, or the rows of a column sum), so neighbouring threads
// read neighbouring elements.
template <class In, class Acc, class Out>
__global__ void sum_kernel(const In* in, Out* out, ReduceLayout layout, int64_t outputs, int64_t reduced,
                           int64_t chunk) {
  const int64_t lo = blockIdx.y * chunk, hi = min(reduced, lo + chunk);
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < outputs;
       o += int64_t(gridDim.x) * blockDim.x) {
    const In* base = in + offset_of(o, layout.kept_dims, layout.kept_size, layout.kept_stride);
    Acc sum = 0;
    for (int64_t r = lo; r < hi; ++r)
      sum += static_cast<Acc>(base[offset_of(r, layout.reduced_dims, layout.reduced_size, layout.reduced_stride)]);
    out[blockIdx.y * outputs + o] = static_cast<Out>(sum);
  }
}

// Enough threads in flight to fill any current GPU; fewer outputs than this split the reduced elements.
constexpr int64_t kTargetThreads = 1 << 18;
constexpr int64_t kMinChunk = 64;

// In float32 the sums accumulate in double (the CPU's sums are float32 pairwise, so both are within float
// rounding of the exact sum); int64 sums wrap around as the CPU's do.
template <class In, class Acc, class Out>
void launch_sum(const Tensor& src, const Tensor& out, const ReduceLayout& layout, int64_t outputs, int64_t reduced,
                DType acc_dtype) {
  cudaStream_t s = stream(out.device().index);
  int64_t chunks = 1;
  if (outputs < kTargetThreads && reduced > kMinChunk)
    chunks = std::min<int64_t>({(reduced + kMinChunk - 1) / kMinChunk, kTargetThreads / outputs, 65535});
  const int64_t chunk = (reduced + chunks - 1) / std::max<int64_t>(chunks, 1);
  chunks = chunk > 0 ? (reduced + chunk - 1) / chunk : 1;
  const unsigned blocks = blocks_for(outputs);
  if (chunks <= 1) {
    sum_kernel<In, Acc, Out><<<dim3(blocks, 1), kThreads, 0, s>>>(src.data<In>(), out.data<Out>(), layout, outputs,
                                                                  reduced, std::max<int64_t>(reduced, 1));
    AC_CUDA_CHECK_LAUNCH();
    return;
  }
  using Partial = std::conditional_t<std::is_same_v<Acc, uint64_t>, int64_t, Acc>;
  Tensor partial = Tensor::empty(Dims{chunks, outputs}, acc_dtype, out.device());
  sum_kernel<In, Acc, Partial><<<dim3(blocks, static_cast<unsigned>(chunks)), kThreads, 0, s>>>(
      src.data<In>(), partial.data<Partial>(), layout, outputs, reduced, chunk);
  AC_CUDA_CHECK_LAUNCH();
  ReduceLayout across{};
  across.kept_dims = across.reduced_dims = 1;
  across.kept_size[0] = outputs, across.kept_stride[0] = 1;
  across.reduced_size[0] = chunks, across.reduced_stride[0] = outputs;
  sum_kernel<Partial, Acc, Out><<<dim3(blocks, 1), kThreads, 0, s>>>(partial.data<Partial>(), out.data<Out>(), across,
                                                                     outputs, chunks, chunks);
  AC_CUDA_CHECK_LAUNCH();
}

// x summed over the dims d with reduce[d], into a fresh tensor of `shape` (the kept dims' sizes in order,
// with or without size-1 dims).
Tensor sum_dims(const Tensor& x, const bool* reduce, const Dims& shape) {
  const DType out_dtype = is_floating(x.dtype()) ? x.dtype() : DType::Int64;
  Tensor out = Tensor::empty(shape, out_dtype, x.device());
  if (out.numel() == 0) return out;
  const Tensor src = contiguous(x);
  const Dims strides = contiguous_strides(src.shape());
  ReduceLayout layout{};
  int64_t reduced = 1;
  int last_kind = -1;
  for (int d = 0; d < src.dim(); ++d) {
    const int64_t size = src.shape()[d];
    if (reduce[d]) reduced *= size;
    if (size == 1) continue;
    int& count = reduce[d] ? layout.reduced_dims : layout.kept_dims;
    int64_t* sizes = reduce[d] ? layout.reduced_size : layout.kept_size;
    int64_t* steps = reduce[d] ? layout.reduced_stride : layout.kept_stride;
    if (last_kind == int(reduce[d])) {  // contiguous: merges with the dim before it
      sizes[count - 1] *= size;
      steps[count - 1] = strides[d];
    } else {
      sizes[count] = size;
      steps[count] = strides[d];
      ++count;
    }
    last_kind = reduce[d];
  }
  const int64_t outputs = out.numel();
  switch (src.dtype()) {
    case DType::Float32: launch_sum<float, double, float>(src, out, layout, outputs, reduced, DType::Float64); break;
    case DType::Float64: launch_sum<double, double, double>(src, out, layout, outputs, reduced, DType::Float64); break;
    case DType::Int64: launch_sum<int64_t, uint64_t, int64_t>(src, out, layout, outputs, reduced, DType::Int64); break;
    default: fail<RuntimeError>("\"sum_cuda\" not implemented for '", scalar_type_name(src.dtype()), "'");
  }
  return out;
}

// cpu/reduce.cpp's sum_to_shape: grad summed over the dims broadcasting added or expanded, to `shape`.
Tensor sum_to_shape(const Tensor& grad, const Dims& shape) {
  if (grad.shape() == shape) return grad;
  const int lead = grad.dim() - shape.size();
  AC_CHECK(lead >= 0, RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
           " cannot be reduced to the larger shape ", shape.str());
  bool reduce[kMaxDims] = {};
  bool any = false;
  for (int d = 0; d < grad.dim(); ++d) {
    const int src = d - lead;
    if (src < 0 || (shape[src] == 1 && grad.shape()[d] != 1)) {
      reduce[d] = any = true;
      continue;
    }
    AC_CHECK(shape[src] == grad.shape()[d], RuntimeError, "sum_to_shape: gradient of shape ", grad.shape().str(),
             " is not a broadcast of shape ", shape.str());
  }
  if (!any) return reshape(grad, shape);
  return sum_dims(grad, reduce, shape);
}

// ---- products ----

struct BatchDim {
  int64_t size, a, b, c;  // extent and the three operands' strides
};

// c[batch, m, n] = alpha * a[batch, m, k] @ b[batch, k, n] + beta * c (+ bias row), where a, b, c share the
// batch shape (a and b may be expanded views) and c's rows are contiguous. Batch dims that step evenly in all
// three operands merge; the innermost merged run is one batched launch, any outer ones a loop here.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& c, T alpha, T beta, const Tensor* bias) {
  if (c.numel() == 0) return;
  const int d = c.dim();
  const int64_t m = c.shape()[d - 2], n = c.shape()[d - 1], k = a.shape()[d - 1];
  BatchDim dims[kMaxDims];
  int count = 0;
  for (int i = 0; i + 2 < d; ++i) {
    if (c.shape()[i] == 1) continue;
    const BatchDim next{c.shape()[i], a.strides()[i], b.strides()[i], c.strides()[i]};
    if (count > 0) {
      BatchDim& outer = dims[count - 1];
      if (outer.a == next.a * next.size && outer.b == next.b * next.size && outer.c == next.c * next.size) {
        outer = {outer.size * next.size, next.a, next.b, next.c};
        continue;
      }
    }
    dims[count++] = next;
  }
  const BatchDim inner = count > 0 ? dims[count - 1] : BatchDim{1, 0, 0, 0};
  const int outer_dims = std::max(count - 1, 0);
  int64_t outer = 1;
  for (int i = 0; i < outer_dims; ++i) outer *= dims[i].size;

  GemmBias<T> row;
  if (bias) row = {bias->data<T>(), bias->dim() >= 1 ? bias->strides()[bias->dim() - 1] : 0};
  const int device = c.device().index;
  for (int64_t index = 0; index < outer; ++index) {
    int64_t off_a = 0, off_b = 0, off_c = 0, rest = index;
    for (int i = outer_dims - 1; i >= 0; --i) {
      const int64_t coordinate = rest % dims[i].size;
      rest /= dims[i].size;
      off_a += coordinate * dims[i].a;
      off_b += coordinate * dims[i].b;
      off_c += coordinate * dims[i].c;
    }
    gemm<T>(m, n, k, inner.size, alpha, {a.data<T>() + off_a, a.strides()[d - 2], a.strides()[d - 1], inner.a},
            {b.data<T>() + off_b, b.strides()[d - 2], b.strides()[d - 1], inner.b}, beta,
            {c.data<T>() + off_c, c.strides()[d - 2], inner.c}, row, device);
  }
}

int64_t integral(const Scalar& s) { return s.kind == Scalar::Kind::Float ? float_to_int64(s.f) : s.i; }

void dispatch_gemm(const Tensor& a, const Tensor& b, const Tensor& c, const Scalar& alpha, const Scalar& beta,
                   const Tensor* bias = nullptr) {
  switch (c.dtype()) {
    case DType::Float32:
      return batched_gemm<float>(a, b, c, static_cast<float>(alpha.f), static_cast<float>(beta.f), bias);
    case DType::Float64: return batched_gemm<double>(a, b, c, alpha.f, beta.f, bias);
    case DType::Int64:  // float factors truncate toward zero, as PyTorch's integer addmm does
      return batched_gemm<int64_t>(a, b, c, integral(alpha), integral(beta), bias);
    default: fail<RuntimeError>("\"addmm_impl_cpu_\" not implemented for '", scalar_type_name(c.dtype()), "'");
  }
}

// A 2-D view of t's leading dims flattened, when its strides allow one, else a contiguous copy.
Tensor flatten_rows(const Tensor& t) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < t.dim(); ++d) rows *= t.shape()[d];
  return reshape(t, Dims{rows, t.shape()[t.dim() - 1]});
}

// The product of two tensors with at least 2 dims each (vectors already unsqueezed). The backwards reach
// here without the entry points' checks, so the operands' dtypes and devices are checked again.
Tensor product_nd(const Tensor& a, const Tensor& b) {
  check_product_dtypes(a, b);
  const int64_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1];
  const int64_t kb = b.shape()[b.dim() - 2], n = b.shape()[b.dim() - 1];
  if (a.dim() == 2 && b.dim() == 2) {
    AC_CHECK(k == kb, RuntimeError, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(m, k), " and ",
             matrix_str(kb, n), ")");
    Tensor c = Tensor::empty(Dims{m, n}, a.dtype(), a.device());
    dispatch_gemm(a, b, c, Scalar::from_int(1), Scalar::from_int(0));
    return c;
  }
  // (batch..., m, k) @ (k, n): the batch folds into the rows of one big product.
  if (b.dim() == 2 && k == kb && m > 0) {
    Dims out_shape = with_matrix(batch_dims(a), m, n);
    Tensor flat = flatten_rows(a);
    Tensor c = Tensor::empty(Dims{flat.shape()[0], n}, a.dtype(), a.device());
    dispatch_gemm(flat, b, c, Scalar::from_int(1), Scalar::from_int(0));
    return c.view(out_shape);
  }
  const Dims batch = broadcast_shapes(batch_dims(a), batch_dims(b));
  AC_CHECK(k == kb, RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [", product(batch),
           ", ", k, "] but got: [", product(batch), ", ", kb, "].");
  Tensor c = Tensor::empty(with_matrix(batch, m, n), a.dtype(), a.device());
  dispatch_gemm(a.expand(with_matrix(batch, m, k)), b.expand(with_matrix(batch, k, n)), c, Scalar::from_int(1),
                Scalar::from_int(0));
  return c;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor* out) {
  AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError, "both arguments to matmul need to be at least 1D, but they are ",
           a.dim(), "D and ", b.dim(), "D");
  Tensor result;
  if (a.dim() == 1 && b.dim() == 1) {
    result = dot(a, b);
  } else if (b.dim() == 1 && a.dim() == 2) {
    result = mv(a, b);
  } else {
    check_product_dtypes(a, b);
    const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
    const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    result = product_nd(a2, b2);
    if (a.dim() == 1) result = result.squeeze(result.dim() - 2);
    if (b.dim() == 1) result = result.squeeze(result.dim() - 1);
  }
  if (!out) return result;
  AC_CHECK(out->dtype() == result.dtype(), RuntimeError, "Expected out tensor to have dtype ",
           cpp_type_name(result.dtype()), ", but got ", cpp_type_name(out->dtype()), " instead");
  AC_CHECK(out->shape() == result.shape(), RuntimeError, "matmul: out has shape ", out->shape().str(),
           " but the result has shape ", result.shape().str());
  check_same_device(*out, result, "matmul");
  copy_(*out, result);
  return *out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dim() == 2, RuntimeError, "self must be a matrix");
  AC_CHECK(b.dim() == 2, RuntimeError, "mat2 must be a matrix");
  check_product_dtypes(a, b);
  return product_nd(a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dim() == 3, RuntimeError, "batch1 must be a 3D tensor");
  AC_CHECK(b.dim() == 3, RuntimeError, "batch2 must be a 3D tensor");
  check_product_dtypes(a, b);
  AC_CHECK(a.shape()[0] == b.shape()[0] && a.shape()[2] == b.shape()[1], RuntimeError,
           "Expected size for first two dimensions of batch2 tensor to be: [", a.shape()[0], ", ", a.shape()[2],
           "] but got: [", b.shape()[0], ", ", b.shape()[1], "].");
  return product_nd(a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  AC_CHECK(a.dim() == 2 && v.dim() == 1, RuntimeError, "vector + matrix @ vector expected, got 1, ", a.dim(), ", ",
           v.dim());
  check_product_dtypes(a, v);
  AC_CHECK(a.shape()[1] == v.shape()[0], RuntimeError, "size mismatch, got input (", a.shape()[0], "), mat (",
           matrix_str(a.shape()[0], a.shape()[1]), "), vec (", v.shape()[0], ")");
  return product_nd(a, v.unsqueeze(1)).squeeze(1);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  AC_CHECK(a.dim() == 1 && b.dim() == 1, RuntimeError, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
           "D tensors");
  AC_CHECK(a.dtype() == b.dtype(), RuntimeError, "dot : expected both vectors to have same dtype, but found ",
           scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  check_product_dtypes(a, b);
  AC_CHECK(a.numel() == b.numel(), RuntimeError, "inconsistent tensor size, expected tensor [", a.numel(),
           "] and src [", b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
           " elements respectively");
  return product_nd(a.unsqueeze(0), b.unsqueeze(1)).view(Dims{});
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
  AC_CHECK(a.dim() == 2, RuntimeError, "mat1 must be a matrix, got ", a.dim(), "-D tensor");
  AC_CHECK(b.dim() == 2, RuntimeError, "mat2 must be a matrix, got ", b.dim(), "-D tensor");
  check_product_dtypes(a, b);
  AC_CHECK(bias.dtype() == a.dtype(), RuntimeError, "self and mat2 must have the same dtype, but got ",
           scalar_type_name(bias.dtype()), " and ", scalar_type_name(a.dtype()));
  check_same_device(bias, a, "addmm");
  const int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  AC_CHECK(k == b.shape()[0], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (", matrix_str(m, k), " and ",
           matrix_str(b.shape()[0], n), ")");
  const Tensor bias_expanded = bias.expand(Dims{m, n});
  Tensor c = Tensor::empty(Dims{m, n}, a.dtype(), a.device());
  const bool use_bias = beta.f != 0;  // as in PyTorch, beta = 0 ignores the bias (even its NaNs)
  const bool row_bias = bias.dim() >= 1 && bias.numel() == n && bias.shape()[bias.dim() - 1] == n;
  if (use_bias && row_bias && beta.f == 1) {  // Linear's case: the GEMM adds the row as it stores C
    dispatch_gemm(a, b, c, alpha, Scalar::from_int(0), &bias);
    return c;
  }
  if (use_bias) copy_(c, bias_expanded);
  dispatch_gemm(a, b, c, alpha, use_bias ? beta : Scalar::from_int(0));
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  AC_CHECK(x.dim() >= 1, RuntimeError, "linear: input must have at least 1 dim, got a 0-D tensor");
  AC_CHECK(weight.dim() == 2 || weight.dim() == 1, RuntimeError, "linear: weight must be 1-D or 2-D, got ",
           weight.dim(), "-D");
  if (weight.dim() == 1) {  // PyTorch allows a vector weight: x @ w (+ bias)
    Tensor y = matmul(x, weight);
    return bias && bias->defined() ? binary(EwOp::add, y, *bias) : y;
  }
  check_product_dtypes(x, weight);
  const int64_t in = x.shape()[x.dim() - 1], features = weight.shape()[0];
  AC_CHECK(in == weight.shape()[1], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (",
           matrix_str(x.numel() / std::max<int64_t>(in, 1), in), " and ", matrix_str(weight.shape()[1], features),
           ")");
  Dims out_shape = x.shape();
  out_shape[out_shape.size() - 1] = features;
  const Tensor x2 = x.dim() == 1 ? x.unsqueeze(0) : flatten_rows(x);
  Tensor c = Tensor::empty(Dims{x2.shape()[0], features}, x.dtype(), x.device());
  const Tensor* row = nullptr;
  if (bias && bias->defined()) {
    AC_CHECK(bias->dtype() == x.dtype(), RuntimeError, "linear: bias has dtype ", dtype_name(bias->dtype()),
             " but input has dtype ", dtype_name(x.dtype()));
    check_same_device(*bias, x, "linear");
    AC_CHECK(bias->numel() == features && bias->dim() <= 1, RuntimeError, "linear: expected bias of shape [",
             features, "], got ", bias->shape().str());
    row = bias;
  }
  dispatch_gemm(x2, weight.transpose(0, 1), c, Scalar::from_int(1), Scalar::from_int(0), row);
  return c.view(out_shape);
}

std::pair<Tensor, Tensor> matmul_backward(const Tensor& grad, const Tensor& a, const Tensor& b, bool need_a,
                                          bool need_b) {
  AC_CHECK(a.dim() >= 1 && b.dim() >= 1, RuntimeError, "matmul_backward: inputs must be at least 1-D");
  check_same_device(grad, a, "matmul_backward");
  check_same_device(a, b, "matmul_backward");
  tensor_device(grad, "matmul_backward");
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  const int64_t m = a2.shape()[a2.dim() - 2], n = b2.shape()[b2.dim() - 1];
  const Dims batch = broadcast_shapes(batch_dims(a2), batch_dims(b2));
  Dims expected = batch;
  if (a.dim() > 1) expected.push_back(m);
  if (b.dim() > 1) expected.push_back(n);
  AC_CHECK(grad.shape() == expected, RuntimeError, "matmul_backward: grad has shape ", grad.shape().str(),
           " but the product has shape ", expected.str());
  const Tensor g = reshape(grad, with_matrix(batch, m, n));
  Tensor grad_a, grad_b;
  if (b2.dim() == 2 && a2.dim() > 2) {  // folded batch: the weight-like operand's grad is one product
    const Tensor a_flat = flatten_rows(a2), g_flat = flatten_rows(g);
    if (need_a) grad_a = reshape(product_nd(g_flat, b2.transpose(0, 1)), a.shape());
    if (need_b) grad_b = reshape(product_nd(a_flat.transpose(0, 1), g_flat), b.shape());
    return {grad_a, grad_b};
  }
  if (need_a) grad_a = reshape(sum_to_shape(product_nd(g, b2.transpose(-1, -2)), a2.shape()), a.shape());
  if (need_b) grad_b = reshape(sum_to_shape(product_nd(a2.transpose(-1, -2), g), b2.shape()), b.shape());
  return {grad_a, grad_b};
}

std::array<Tensor, 3> linear_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                      const std::array<bool, 3>& needs) {
  AC_CHECK(weight.dim() == 2, RuntimeError, "linear_backward: weight must be 2-D");
  check_same_device(grad, x, "linear_backward");
  check_same_device(x, weight, "linear_backward");
  tensor_device(grad, "linear_backward");
  Dims out_shape = x.shape();
  out_shape[out_shape.size() - 1] = weight.shape()[0];
  AC_CHECK(grad.shape() == out_shape, RuntimeError, "linear_backward: grad has shape ", grad.shape().str(),
           " but the output has shape ", out_shape.str());
  const Tensor g = x.dim() == 1 ? grad.unsqueeze(0) : flatten_rows(grad);
  std::array<Tensor, 3> grads;
  if (needs[0]) grads[0] = reshape(product_nd(g, weight), x.shape());
  if (needs[1]) grads[1] = product_nd(g.transpose(0, 1), x.dim() == 1 ? x.unsqueeze(0) : flatten_rows(x));
  if (needs[2]) {
    const bool rows[2] = {true, false};
    grads[2] = sum_dims(g, rows, Dims{g.shape()[1]});
  }
  return grads;
}

}  // namespace autocore::cuda
