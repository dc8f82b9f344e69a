// The device-independent rules of reductions (see the header).
#include "core/reduce_plan.h"

#include <limits>

namespace autocore {

DimMask make_mask(int ndim, const Dims* dims) {
  DimMask mask;
  if (!dims || dims->empty()) {
    for (int d = 0; d < ndim; ++d) mask.reduced[d] = true;
    return mask;
  }
  bool scalar_dim_seen = false;  // a 0-d tensor accepts dim 0 / -1 (once) and has nothing to reduce
  for (int64_t raw : *dims) {
    int d = wrap_dim(raw, ndim);
    bool& seen = ndim == 0 ? scalar_dim_seen : mask.reduced[d];
    AC_CHECK(!seen, RuntimeError, "dim ", d, " appears multiple times in the list of dims");
    seen = true;
  }
  return mask;
}

DimMask single_dim_mask(const Tensor& x, int64_t dim) {
  Dims dims{dim};
  return make_mask(x.dim(), &dims);
}

Dims output_shape(const Dims& in, const DimMask& mask, bool keepdim) {
  Dims shape;
  for (int d = 0; d < in.size(); ++d) {
    if (!mask.reduced[d]) shape.push_back(in[d]);
    else if (keepdim) shape.push_back(1);
  }
  return shape;
}

namespace {
// Products of some of a shape's dims: they fit in int64 whenever the whole shape's numel does, but an empty
// tensor may have huge other dims (2^40 x 2^40 x 0), so the product saturates instead of overflowing.
int64_t times(int64_t a, int64_t b) {
  int64_t result;
  return __builtin_mul_overflow(a, b, &result) ? std::numeric_limits<int64_t>::max() : result;
}
}  // namespace

int64_t reduced_count(const Dims& shape, const DimMask& mask) {
  int64_t n = 1;
  for (int d = 0; d < shape.size(); ++d)
    if (mask.reduced[d]) n = times(n, shape[d]);
  return n;
}

ReduceLayout reduce_layout(const Tensor& x, const DimMask& mask) {
  int64_t outer = 1, r = 1, inner = 1;
  int phase = 0;  // 0: before the reduced run, 1: inside it, 2: after it
  bool one_run = true;
  for (int d = 0; d < x.dim(); ++d) {
    int64_t size = x.shape()[d];
    if (size == 1) continue;
    if (mask.reduced[d]) {
      one_run &= phase < 2;
      phase = 1;
      r = times(r, size);
    } else {
      if (phase == 1) phase = 2;
      int64_t& side = phase == 0 ? outer : inner;
      side = times(side, size);
    }
  }
  if (x.is_contiguous() && one_run) return {false, {}, {outer, r, inner, times(r, inner), inner, inner}};
  Dims order;
  outer = r = 1;
  for (int d = 0; d < x.dim(); ++d)
    if (!mask.reduced[d]) order.push_back(d), outer = times(outer, x.shape()[d]);
  for (int d = 0; d < x.dim(); ++d)
    if (mask.reduced[d]) order.push_back(d), r = times(r, x.shape()[d]);
  return {true, order, {outer, r, 1, r, 1, 1}};
}

void check_reduce_floating(const Tensor& x, const char* op) {
  AC_CHECK(is_floating(x.dtype()), RuntimeError, op,
           "(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ",
           dtype_name(x.dtype()));
}

void check_reduce_nonempty(const Tensor& x, const DimMask& mask, const char* op) {
  for (int d = 0; d < x.dim(); ++d)
    AC_CHECK(!mask.reduced[d] || x.shape()[d] != 0, IndexError, op, "(): Expected reduction dim ", d,
             " to have non-zero size.");
}

Tensor with_reduced_dims(const Tensor& grad, const Dims& input_shape, const DimMask& mask, bool keepdim) {
  if (keepdim) return grad;
  Tensor g = grad;
  for (int d = 0; d < input_shape.size(); ++d)
    if (mask.reduced[d]) g = g.unsqueeze(d);
  return g;
}

}  // namespace autocore
