// A tensor is a strided view (dtype, shape, strides, offset) over a shared Storage. Views share it.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/storage.h"

namespace autocore {

constexpr int kMaxDims = 16;

// Shape or strides held inline: making a tensor allocates nothing but its storage.
class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<int64_t> values) {
    for (int64_t v : values) push_back(v);
  }
  explicit Dims(const std::vector<int64_t>& values) {
    for (int64_t v : values) push_back(v);
  }
  static Dims filled(int n, int64_t value);

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return v_[i]; }
  int64_t operator[](int i) const { return v_[i]; }
  const int64_t* begin() const { return v_; }
  const int64_t* end() const { return v_ + n_; }
  int64_t* data() { return v_; }
  const int64_t* data() const { return v_; }
  void push_back(int64_t value);
  void insert(int index, int64_t value);
  void erase(int index);
  bool operator==(const Dims& other) const;
  bool operator!=(const Dims& other) const { return !(*this == other); }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
  std::string str() const;  // "[2, 3]", as PyTorch prints sizes

 private:
  int64_t v_[kMaxDims] = {};
  int n_ = 0;
};

int64_t product(const Dims& dims);
Dims contiguous_strides(const Dims& shape);
// Maps a possibly negative dim into [0, ndim), raising IndexError the way PyTorch words it.
int wrap_dim(int64_t dim, int ndim);
// The broadcast shape of two shapes under numpy's rules, or a RuntimeError naming both.
Dims broadcast_shapes(const Dims& a, const Dims& b);

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<Storage> storage, DType dtype, const Dims& shape, const Dims& strides, int64_t offset);

  static Tensor empty(const Dims& shape, DType dtype, Device device = {});

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  int dim() const { return shape_.size(); }
  const Dims& shape() const { return shape_; }
  const Dims& strides() const { return strides_; }
  int64_t size(int d) const { return shape_[wrap_dim(d, dim())]; }
  int64_t stride(int d) const { return strides_[wrap_dim(d, dim())]; }
  int64_t offset() const { return offset_; }
  int64_t numel() const { return numel_; }
  size_t itemsize() const { return autocore::itemsize(dtype_); }
  bool is_contiguous() const { return contiguous_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  // Every write into existing memory calls this (copy_, fill_, out=, random fills, optimizer steps): autograd
  // compares the storage's version with the one a saved tensor had, and refuses a stale one.
  void bump_version() const { storage_->bump_version(); }

  void* data_ptr() const { return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize()); }
  template <class T> T* data() const { return static_cast<T*>(data_ptr()); }

  // Views: all share storage and copy nothing.
  Tensor as_strided(const Dims& shape, const Dims& strides, int64_t offset) const;
  Tensor view(Dims shape) const;  // RuntimeError when the strides cannot express it
  // The same bytes read as another dtype; between sizes, the last dim (which must be dense) is split or merged.
  Tensor view_dtype(DType dtype) const;
  bool can_view(const Dims& shape, Dims* strides) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const Dims& order) const;
  Tensor slice(int64_t dim, int64_t start, int64_t stop, int64_t step) const;  // Python slice semantics
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Dims& shape) const;  // -1 keeps a size; broadcast dims get stride 0
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor squeeze() const;
  Dims infer_shape(Dims shape) const;  // resolves one -1 against numel()

 private:
  void refresh();  // recomputes numel_ and contiguous_ after the shape or strides change

  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::Float32;
  Dims shape_;
  Dims strides_;  // in elements, not bytes
  int64_t offset_ = 0;
  int64_t numel_ = 0;
  bool contiguous_ = true;
};

void check_same_device(const Tensor& a, const Tensor& b, const char* op);
// RuntimeError "op: expected a CPU tensor, got one on cuda:0" (or a CUDA tensor) unless t is on a `type` device.
inline void check_device_type(const Tensor& t, DeviceType type, const char* op) {
  AC_CHECK(t.device().type == type, RuntimeError, op, ": expected a ", type == DeviceType::CPU ? "CPU" : "CUDA",
           " tensor, got one on ", t.device().str());
}

}  // namespace autocore
