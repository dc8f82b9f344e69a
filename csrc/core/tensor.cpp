// Tensor metadata and views. Nothing here touches element memory except through pointers it hands out.
#include "core/tensor.h"

#include <algorithm>

#include "core/errors.h"

namespace autocore {

// ---- Dims -------------------------------------------------------------------------------------

Dims Dims::filled(int n, int64_t value) {
  Dims dims;
  for (int i = 0; i < n; ++i) dims.push_back(value);
  return dims;
}

void Dims::push_back(int64_t value) {
  AC_CHECK(n_ < kMaxDims, RuntimeError, "autocore supports tensors of at most ", kMaxDims, " dimensions");
  v_[n_++] = value;
}

void Dims::insert(int index, int64_t value) {
  push_back(0);
  for (int i = n_ - 1; i > index; --i) v_[i] = v_[i - 1];
  v_[index] = value;
}

void Dims::erase(int index) {
  for (int i = index; i + 1 < n_; ++i) v_[i] = v_[i + 1];
  --n_;
}

bool Dims::operator==(const Dims& other) const { return std::equal(begin(), end(), other.begin(), other.end()); }

std::string Dims::str() const {
  std::string out = "[";
  for (int i = 0; i < n_; ++i) out += (i ? ", " : "") + std::to_string(v_[i]);
  return out + "]";
}

int64_t product(const Dims& dims) {
  for (int64_t d : dims)
    if (d == 0) return 0;  // a zero anywhere makes the rest irrelevant, however large
  int64_t n = 1;
  for (int64_t d : dims)
    AC_CHECK(!__builtin_mul_overflow(n, d, &n), RuntimeError, "numel: integer multiplication overflow for sizes ",
             dims.str());
  return n;
}

Dims contiguous_strides(const Dims& shape) {
  Dims strides = Dims::filled(shape.size(), 1);
  for (int i = shape.size() - 2; i >= 0; --i) strides[i] = strides[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  return strides;
}

int wrap_dim(int64_t dim, int ndim) {
  int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;  // a 0-d tensor accepts dim 0 and -1
  AC_CHECK(dim >= lo && dim <= hi, IndexError, "Dimension out of range (expected to be in range of [", lo, ", ", hi,
           "], but got ", dim, ")");
  return static_cast<int>(dim < 0 ? dim + std::max(ndim, 1) : dim);
}

Dims broadcast_shapes(const Dims& a, const Dims& b) {
  int n = std::max(a.size(), b.size());
  Dims out = Dims::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    AC_CHECK(da == db || da == 1 || db == 1, RuntimeError, "The size of tensor a (", da,
             ") must match the size of tensor b (", db, ") at non-singleton dimension ", i, " (shapes ", a.str(),
             " and ", b.str(), ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// ---- Tensor ------------------------------------------------------------------------------------

Tensor::Tensor(std::shared_ptr<Storage> storage, DType dtype, const Dims& shape, const Dims& strides, int64_t offset)
    : storage_(std::move(storage)), dtype_(dtype), shape_(shape), strides_(strides), offset_(offset) {
  refresh();
}

Tensor Tensor::empty(const Dims& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    AC_CHECK(d >= 0, RuntimeError, "Trying to create tensor with negative dimension ", d, ": ", shape.str());
  int64_t nbytes = 0;
  AC_CHECK(!__builtin_mul_overflow(product(shape), autocore::itemsize(dtype), &nbytes), RuntimeError,
           "Storage size calculation overflowed with sizes=", shape.str());
  return Tensor(Storage::allocate(static_cast<size_t>(nbytes), device), dtype, shape, contiguous_strides(shape), 0);
}

void Tensor::refresh() {
  numel_ = product(shape_);
  // PyTorch's definition: strides of size-1 dims do not matter, and an empty tensor is contiguous.
  contiguous_ = true;
  if (numel_ == 0) return;
  int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) {
      contiguous_ = false;
      return;
    }
    expected *= shape_[i];
  }
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  AC_CHECK(a.device() == b.device(), RuntimeError,
           "Expected all tensors to be on the same device, but found at least two devices, ", a.device().str(), " and ",
           b.device().str(), "! (in ", op, ")");
}

Tensor Tensor::as_strided(const Dims& shape, const Dims& strides, int64_t offset) const {
  AC_CHECK(shape.size() == strides.size(), RuntimeError, "as_strided: mismatch in length of strides and shape (",
           shape.str(), " vs ", strides.str(), ")");
  for (int64_t d : shape) AC_CHECK(d >= 0, RuntimeError, "as_strided: negative size ", d, " in ", shape.str());
  AC_CHECK(offset >= 0, RuntimeError, "Tensor: invalid storage offset ", offset);
  const int64_t capacity = static_cast<int64_t>(storage_->nbytes() / autocore::itemsize(dtype_));
  auto out_of_bounds = [&] {
    fail<RuntimeError>("as_strided: view of size ", shape.str(), " with strides ", strides.str(), " and offset ",
                       offset, " is out of bounds for storage of ", capacity, " elements");
  };
  if (product(shape) == 0) return Tensor(storage_, dtype_, shape, strides, offset);
  // The view must stay inside its storage: the lowest and highest element it can reach, with every step checked
  // for overflow (a wrapped product could otherwise land back in bounds).
  int64_t lo = offset, hi = offset;
  for (int i = 0; i < shape.size(); ++i) {
    int64_t reach = 0;
    if (__builtin_mul_overflow(shape[i] - 1, strides[i], &reach) ||
        __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi))
      out_of_bounds();
  }
  if (lo < 0 || hi >= capacity) out_of_bounds();
  return Tensor(storage_, dtype_, shape, strides, offset);
}

Dims Tensor::infer_shape(Dims shape) const {
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      AC_CHECK(infer < 0, RuntimeError, "only one dimension can be inferred");
      infer = i;
    } else {
      AC_CHECK(shape[i] >= 0, RuntimeError, "invalid shape dimension ", shape[i]);
      AC_CHECK(!__builtin_mul_overflow(known, shape[i], &known), RuntimeError, "shape '", shape.str(),
               "' is invalid for input of size ", numel_);
    }
  }
  if (infer >= 0) {
    AC_CHECK(known != 0 && numel_ % known == 0, RuntimeError, "shape '", shape.str(), "' is invalid for input of size ",
             numel_);
    shape[infer] = numel_ / known;
  }
  AC_CHECK(product(shape) == numel_, RuntimeError, "shape '", shape.str(), "' is invalid for input of size ", numel_);
  return shape;
}

// PyTorch's rule: a view exists when every run of old dims that is contiguous in memory ("a chunk") maps
// onto a run of new dims with the same number of elements.
bool Tensor::can_view(const Dims& shape, Dims* new_strides) const {
  *new_strides = Dims::filled(shape.size(), 1);
  if (numel_ == 0 || dim() == 0) {
    *new_strides = contiguous_strides(shape);
    return true;
  }
  int view_d = shape.size() - 1;
  int64_t chunk_base_stride = strides_[dim() - 1], tensor_numel = 1, view_numel = 1;
  for (int d = dim() - 1; d >= 0; --d) {
    tensor_numel *= shape_[d];
    bool chunk_ends = d == 0 || (shape_[d - 1] != 1 && strides_[d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
      (*new_strides)[view_d] = view_numel * chunk_base_stride;
      view_numel *= shape[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return false;
    if (d > 0) {
      chunk_base_stride = strides_[d - 1];
      tensor_numel = view_numel = 1;
    }
  }
  return view_d == -1;
}

Tensor Tensor::view_dtype(DType dtype) const {
  const int64_t from = int64_t(itemsize()), to = int64_t(autocore::itemsize(dtype));
  if (from == to) return Tensor(storage_, dtype, shape_, strides_, offset_);
  const char *from_name = scalar_type_name(dtype_), *to_name = scalar_type_name(dtype);
  AC_CHECK(dim() > 0, RuntimeError, "self.dim() cannot be 0 to view ", from_name, " as ", to_name,
           " (different element sizes)");
  // In PyTorch's order of checks: a merge checks the last dim's size and the offset before the strides.
  auto check_dense_last_dim = [&] {
    AC_CHECK(strides_[dim() - 1] == 1, RuntimeError, "self.stride(-1) must be 1 to view ", from_name, " as ", to_name,
             " (different element sizes), but got ", strides_[dim() - 1]);
  };
  Dims shape = shape_, strides = strides_;
  int64_t offset = offset_;
  if (from > to) {  // each element becomes `ratio` narrower ones
    check_dense_last_dim();
    const int64_t ratio = from / to;
    for (int d = 0; d < dim() - 1; ++d) strides[d] *= ratio;
    shape[dim() - 1] *= ratio;
    offset *= ratio;
  } else {  // every `ratio` elements of the last dim become one
    const int64_t ratio = to / from;
    AC_CHECK(shape_[dim() - 1] % ratio == 0, RuntimeError, "self.size(-1) must be divisible by ", ratio, " to view ",
             from_name, " as ", to_name, " (different element sizes), but got ", shape_[dim() - 1]);
    AC_CHECK(offset_ % ratio == 0, RuntimeError, "self.storage_offset() must be divisible by ", ratio, " to view ",
             from_name, " as ", to_name, " (different element sizes), but got ", offset_);
    check_dense_last_dim();
    for (int d = 0; d < dim() - 1; ++d) {
      AC_CHECK(strides_[d] % ratio == 0, RuntimeError, "self.stride(", d, ") must be divisible by ", ratio, " to view ",
               from_name, " as ", to_name, " (different element sizes), but got ", strides_[d]);
      strides[d] /= ratio;
    }
    shape[dim() - 1] /= ratio;
    offset /= ratio;
  }
  return Tensor(storage_, dtype, shape, strides, offset);
}

Tensor Tensor::view(Dims shape) const {
  shape = infer_shape(shape);
  Dims strides;
  AC_CHECK(can_view(shape, &strides), RuntimeError,
           "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
           "contiguous subspaces). Use .reshape(...) instead.");
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  if (dim() == 0) {
    wrap_dim(dim0, 0);
    wrap_dim(dim1, 0);
    return *this;
  }
  int a = wrap_dim(dim0, dim()), b = wrap_dim(dim1, dim());
  Dims shape = shape_, strides = strides_;
  std::swap(shape[a], shape[b]);
  std::swap(strides[a], strides[b]);
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::permute(const Dims& order) const {
  AC_CHECK(order.size() == dim(), RuntimeError,
           "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
           "ordering of dimensions i.e. input.dim() = ",
           dim(), " is not equal to len(dims) = ", order.size());
  Dims shape, strides;
  bool seen[kMaxDims] = {};
  for (int64_t d : order) {
    int w = wrap_dim(d, dim());
    AC_CHECK(!seen[w], RuntimeError, "permute(): duplicate dims are not allowed.");
    seen[w] = true;
    shape.push_back(shape_[w]);
    strides.push_back(strides_[w]);
  }
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::slice(int64_t dim_, int64_t start, int64_t stop, int64_t step) const {
  AC_CHECK(dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor.");
  int d = wrap_dim(dim_, dim());
  AC_CHECK(step > 0, ValueError, "step must be greater than zero");
  int64_t size = shape_[d];
  auto clamp_index = [size](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
  start = clamp_index(start);
  stop = std::max(clamp_index(stop), start);
  Dims shape = shape_, strides = strides_;
  shape[d] = (stop - start + step - 1) / step;
  strides[d] = strides_[d] * step;
  return Tensor(storage_, dtype_, shape, strides, offset_ + start * strides_[d]);
}

Tensor Tensor::select(int64_t dim_, int64_t index) const {
  AC_CHECK(dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor.");
  int d = wrap_dim(dim_, dim());
  int64_t size = shape_[d];
  AC_CHECK(index >= -size && index < size, IndexError, "index ", index, " is out of bounds for dimension ", d,
           " with size ", size);
  if (index < 0) index += size;
  Dims shape = shape_, strides = strides_;
  shape.erase(d);
  strides.erase(d);
  return Tensor(storage_, dtype_, shape, strides, offset_ + index * strides_[d]);
}

Tensor Tensor::expand(const Dims& target) const {
  AC_CHECK(target.size() >= dim(), RuntimeError, "expand: the number of sizes provided (", target.size(),
           ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  int lead = target.size() - dim();
  Dims shape = target, strides = Dims::filled(target.size(), 0);
  for (int i = 0; i < target.size(); ++i) {
    int src = i - lead;
    if (src < 0) {
      AC_CHECK(target[i] >= 0, RuntimeError, "expand: the expanded size ", target[i],
               " is not allowed in a leading, non-existing dimension ", i);
      continue;
    }
    if (target[i] == -1) shape[i] = shape_[src];
    if (shape[i] == shape_[src]) {
      strides[i] = strides_[src];
    } else {
      AC_CHECK(shape_[src] == 1, RuntimeError, "The expanded size of the tensor (", shape[i],
               ") must match the existing size (", shape_[src], ") at non-singleton dimension ", i,
               ".  Target sizes: ", target.str(), ".  Tensor sizes: ", shape_.str());
      AC_CHECK(shape[i] >= 0, RuntimeError, "expand: invalid size ", shape[i], " in ", target.str());
    }
  }
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::unsqueeze(int64_t dim_) const {
  int d = wrap_dim(dim_, dim() + 1);
  Dims shape = shape_, strides = strides_;
  int64_t stride = d < dim() ? strides_[d] * shape_[d] : 1;
  shape.insert(d, 1);
  strides.insert(d, stride);
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::squeeze(int64_t dim_) const {
  if (dim() == 0) {
    wrap_dim(dim_, 0);
    return *this;
  }
  int d = wrap_dim(dim_, dim());
  if (shape_[d] != 1) return *this;
  Dims shape = shape_, strides = strides_;
  shape.erase(d);
  strides.erase(d);
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

Tensor Tensor::squeeze() const {
  Dims shape, strides;
  for (int i = 0; i < dim(); ++i) {
    if (shape_[i] == 1) continue;
    shape.push_back(shape_[i]);
    strides.push_back(strides_[i]);
  }
  return Tensor(storage_, dtype_, shape, strides, offset_);
}

}  // namespace autocore
