// The elementwise family on CUDA, with cpu/elementwise.h's entry points and the same rules
// (core/elementwise_rules.h): broadcasting, type promotion, out= checks. Kernels: cuda/elementwise.cu.
#pragma once
#include "core/elementwise_rules.h"
#include "core/kernels.h"
#include "core/scalar.h"
#include "core/strided_iter.h"
#include "core/tensor.h"

namespace autocore::cuda {

// Runs the cast kernel over a coalescable walk of (dst, src); `scalar`, when given, is src's value (fill_).
void launch_cast(StridedIter& it, DType to, DType from, const char* scalar = nullptr);

}  // namespace autocore::cuda
