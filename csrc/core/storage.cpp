// Storage allocation: host memory (64-byte aligned from 4 KiB up), or whatever a registered device backend provides.
#include "core/storage.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/errors.h"

namespace autocore {

namespace {
DeviceAllocator device_allocators[2] = {};
std::atomic<int64_t> live_storages{0};
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kSmallBlock = 4096;
}  // namespace

std::string Device::str() const {
  if (type == DeviceType::CPU) return "cpu";
  return index < 0 ? std::string("cuda") : "cuda:" + std::to_string(index);
}

void register_device_allocator(DeviceType type, DeviceAllocator allocator) {
  device_allocators[static_cast<int>(type)] = allocator;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  if (device.is_cpu()) {
    // Large blocks are aligned to and advised as huge pages (as numpy does): a fresh 40 MB result then
    // takes 20 page faults instead of 10,000, which otherwise halve the bandwidth of a fresh output.
    // Small blocks come from plain malloc: aligned_alloc splits a chunk and frees the remainder, which costs glibc a
    // consolidation on every op of a small model, and nothing relies on their alignment (kernels load unaligned).
    const size_t alignment = nbytes >= kHugePage ? kHugePage : nbytes >= kSmallBlock ? kAlignment : 0;
    AC_CHECK(nbytes <= SIZE_MAX / 2, RuntimeError, "out of memory: failed to allocate ", nbytes, " bytes on the CPU");
    const size_t padded = alignment == 0 ? nbytes : (nbytes + alignment - 1) / alignment * alignment;
    void* data = alignment == 0 ? std::malloc(nbytes == 0 ? 1 : nbytes) : std::aligned_alloc(alignment, padded);
    if (!data) fail<RuntimeError>("out of memory: failed to allocate ", nbytes, " bytes on the CPU");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (alignment == kHugePage) madvise(data, padded, MADV_HUGEPAGE);
#endif
    ++live_storages;
    return std::shared_ptr<Storage>(new Storage(data, nbytes, device, [data] { std::free(data); }));
  }
  const DeviceAllocator& allocator = device_allocators[static_cast<int>(device.type)];
  AC_CHECK(allocator.allocate, RuntimeError, "cannot allocate on device '", device.str(),
           "': this build of autocore has no backend for it (rebuild with -C cmake.define.AUTOCORE_CUDA=ON)");
  void* data = allocator.allocate(nbytes, device.index);
  int index = device.index;
  auto release = allocator.release;
  ++live_storages;
  return std::shared_ptr<Storage>(new Storage(data, nbytes, device, [data, index, release] { release(data, index); }));
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t nbytes, Device device, std::function<void()> release) {
  ++live_storages;
  return std::shared_ptr<Storage>(new Storage(data, nbytes, device, std::move(release)));
}

Storage::~Storage() {
  if (release_) release_();
  --live_storages;
}

int64_t Storage::live_count() { return live_storages.load(); }

}  // namespace autocore
