// Scalar conversion and type promotion.
#include "core/scalar.h"

#include <cstring>

#include "core/convert.h"

namespace autocore {

namespace {
DType default_dtype = DType::Float32;

// How a lower-priority tier may override a higher one: only by being of a higher category.
int combine_categories(int higher, int lower) {
  if (higher < 0) return lower;
  if (lower < 0) return higher;
  DType h = static_cast<DType>(higher), l = static_cast<DType>(lower);
  if (is_floating(h)) return higher;
  if (h == DType::Bool || is_floating(l)) return static_cast<int>(promote_types(h, l));
  return higher;
}
}  // namespace

DType default_float_dtype() { return default_dtype; }

void set_default_float_dtype(DType dtype) {
  AC_CHECK(is_floating(dtype), TypeError, "only floating-point types are supported as the default type, got ",
           dtype_name(dtype));
  default_dtype = dtype;
}

DType Scalar::wrapped_dtype() const {
  switch (kind) {
    case Kind::Bool:
      return DType::Bool;
    case Kind::Int:
      return DType::Int64;
    case Kind::Float:
      return default_dtype;
  }
  return DType::Float32;
}

void Scalar::store_as(DType dtype, void* out) const {
  // An integer reaches a floating dtype through double, as PyTorch's scalars do.
  const bool from_float = kind == Kind::Float || is_floating(dtype);
  dispatch_all(dtype, [&](auto zero) {
    using T = decltype(zero);
    const T v = from_float ? convert_element<T>(f) : convert_element<T>(i);
    std::memcpy(out, &v, sizeof v);
  });
}

void ResultType::add_tensor(DType dtype, int ndim) {
  int& tier = ndim > 0 ? dimensioned_ : zero_dim_;
  tier = combine(tier, dtype);
}

DType ResultType::result() const {
  int r = combine_categories(dimensioned_, combine_categories(zero_dim_, wrapped_));
  return r < 0 ? default_dtype : static_cast<DType>(r);
}

}  // namespace autocore
