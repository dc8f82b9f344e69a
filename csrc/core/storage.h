// Reference-counted memory that knows which device it lives on (host blocks of 4 KiB and up are 64-byte aligned).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace autocore {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // -1: the CPU, or "the current CUDA device"

  bool operator==(const Device& other) const { return type == other.type && index == other.index; }
  bool operator!=(const Device& other) const { return !(*this == other); }
  bool is_cpu() const { return type == DeviceType::CPU; }
  std::string str() const;
};

// A device backend (the CUDA module) registers how it allocates; the CPU one is built in.
struct DeviceAllocator {
  void* (*allocate)(size_t nbytes, int device_index);
  void (*release)(void* data, int device_index);
};
void register_device_allocator(DeviceType type, DeviceAllocator allocator);

constexpr size_t kAlignment = 64;  // one cache line, and one AVX-512 register: for blocks of 4 KiB and up

class Storage {
 public:
  // Owned memory, uninitialised.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = {});
  // Memory owned by someone else (a numpy array, a DLPack producer); `release` runs when the last view dies.
  static std::shared_ptr<Storage> borrow(void* data, size_t nbytes, Device device, std::function<void()> release);

  // Storages alive in this module: a leak test's measure that counts exactly what RSS only approximates.
  static int64_t live_count();

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  // Bumped by every in-place write through any view: autograd compares it with the version a saved
  // tensor had, to refuse gradients computed from overwritten values.
  int64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  Storage(void* data, size_t nbytes, Device device, std::function<void()> release)
      : data_(data), nbytes_(nbytes), device_(device), release_(std::move(release)) {}

  void* data_;
  size_t nbytes_;
  Device device_;
  std::function<void()> release_;
  int64_t version_ = 0;
};

}  // namespace autocore
