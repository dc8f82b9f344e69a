// The elementwise family on CUDA, with cpu/elementwise.h's entry points and the same rules
// (core/elementwise_rules.h): broadcasting, type promotion, out= checks. Kernels: cuda/elementwise.cu.
#pragma once
#include "core/elementwise_rules.h"
#include "core/scalar.h"
#include "core/strided_iter.h"
#include "core/tensor.h"

namespace autocore::cuda {

Tensor unary(EwOp op, const Tensor& x, const OpParams& params = {}, const Tensor* out = nullptr);
Tensor binary(EwOp op, const Tensor& a, const Tensor& b, const Tensor* out = nullptr, const OpParams& params = {});
Tensor binary(EwOp op, const Tensor& a, const Scalar& b, const Tensor* out = nullptr);
Tensor binary(EwOp op, const Scalar& a, const Tensor& b, const Tensor* out = nullptr);
Tensor ternary(EwOp op, const Tensor& a, const Tensor& b, const Tensor& c);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, const Scalar* min, const Scalar* max, const Tensor* out = nullptr);

// Runs the cast kernel over a coalescable walk of (dst, src); `scalar`, when given, is src's value (fill_).
void launch_cast(StridedIter& it, DType to, DType from, const char* scalar = nullptr);

// Copies (cuda/copy.cu): dst and src on the same device, src broadcast to dst and converted to its dtype.
void copy_(const Tensor& dst, const Tensor& src);
void fill_(const Tensor& dst, const Scalar& value);
Tensor contiguous(const Tensor& t);
Tensor to_dtype(const Tensor& t, DType dtype);
Tensor clone(const Tensor& t);
Tensor reshape(const Tensor& t, const Dims& shape);
// Between host and device. to_device takes a contiguous CPU tensor; to_cpu gives a fresh contiguous one.
Tensor to_device(const Tensor& host, int device);
Tensor to_cpu(const Tensor& t);

}  // namespace autocore::cuda
