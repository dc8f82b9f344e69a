// Copies with broadcasting and dtype conversion: copy_, fill_, contiguous, to(dtype).
// Loops: the cast table in cpu/elementwise_simd.cpp. Binding: bindings/tensor.cpp.
#pragma once
#include "core/elementwise_rules.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace autocore::cpu {

void copy_(const Tensor& dst, const Tensor& src);  // src broadcast to dst's shape, converted to its dtype
void fill_(const Tensor& dst, const Scalar& value);
Tensor contiguous(const Tensor& t);                  // t itself when already contiguous
Tensor to_dtype(const Tensor& t, DType dtype);       // t itself when already of that dtype
Tensor clone(const Tensor& t);                       // always a fresh contiguous copy
Tensor reshape(const Tensor& t, const Dims& shape);  // a view when the strides allow, else a copy
}  // namespace autocore::cpu
