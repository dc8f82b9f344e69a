// A Python number (bool, int or float) crossing into C++, and PyTorch's type promotion rules.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/dtype.h"

namespace autocore {

struct Scalar {
  enum class Kind : uint8_t { Bool, Int, Float } kind = Kind::Int;
  int64_t i = 0;
  double f = 0;

  static Scalar from_bool(bool v) {
    Scalar s;
    s.kind = Kind::Bool;
    s.i = v;
    s.f = v;
    return s;
  }
  static Scalar from_int(int64_t v) {
    Scalar s;
    s.kind = Kind::Int;
    s.i = v;
    s.f = static_cast<double>(v);
    return s;
  }
  static Scalar from_float(double v) {
    Scalar s;
    s.kind = Kind::Float;
    s.f = v;
    s.i = 0;
    return s;
  }

  // The dtype PyTorch gives a "wrapped number": floats take the default dtype.
  DType wrapped_dtype() const;
  // Writes the value converted to `dtype` into `out` (at least 8 bytes).
  void store_as(DType dtype, void* out) const;
};

DType default_float_dtype();
void set_default_float_dtype(DType dtype);

// PyTorch's result_type: dimensioned tensors decide, unless a 0-d tensor or a Python number is of a
// higher category (bool < integer < floating), in which case it does.
class ResultType {
 public:
  void add_tensor(DType dtype, int ndim);
  void add_scalar(const Scalar& s) { wrapped_ = combine(wrapped_, s.wrapped_dtype()); }
  DType result() const;

 private:
  static int combine(int have, DType next) {
    return have < 0 ? static_cast<int>(next) : static_cast<int>(promote_types(static_cast<DType>(have), next));
  }
  int dimensioned_ = -1, zero_dim_ = -1, wrapped_ = -1;
};

}  // namespace autocore
