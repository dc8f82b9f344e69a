// Blocks are rounded up (512 B below 1 MiB, 2 MiB above) and kept, when freed, in a per-device pool
// ordered by size; a request takes the smallest free block that fits and is at most twice its size, so
// a small tensor never pins a huge block. All work runs on one stream per device (cuda/runtime.h), so a
// block freed by the host can be reused by the next kernel without waiting: stream order serialises them.
#include "cuda/allocator.h"

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/runtime.h"

namespace autocore::cuda {

namespace {

constexpr size_t kSmallRound = 512;
constexpr size_t kLargeRound = size_t(2) << 20;
constexpr size_t kSmallLimit = size_t(1) << 20;

size_t round_size(size_t nbytes) {
  size_t unit = nbytes < kSmallLimit ? kSmallRound : kLargeRound;
  return (nbytes + unit - 1) / unit * unit;
}

struct DevicePool {
  std::multimap<size_t, void*> free_blocks;       // size -> block
  std::unordered_map<void*, size_t> live_blocks;  // block -> size
  MemoryStats stats;
};

std::mutex mutex;
std::vector<DevicePool> pools;

DevicePool& pool(int device) {
  if (pools.empty()) pools.resize(device_count() > 0 ? device_count() : 1);
  AC_CHECK(device >= 0 && device < static_cast<int>(pools.size()), RuntimeError, "CUDA error: invalid device ordinal ",
           device);
  return pools[device];
}

void release_cached(int device, DevicePool& p) {
  DeviceGuard guard(device);
  for (auto& [size, block] : p.free_blocks) {
    cudaFree(block);
    p.stats.reserved -= static_cast<int64_t>(size);
  }
  p.free_blocks.clear();
}

}  // namespace

void* allocate(size_t nbytes, int device) {
  if (nbytes == 0) return nullptr;
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex);
  DevicePool& p = pool(device);
  void* block = nullptr;
  auto fit = p.free_blocks.lower_bound(size);
  if (fit != p.free_blocks.end() && fit->first <= 2 * size) {
    block = fit->second;
    p.live_blocks[block] = fit->first;
    p.stats.allocated += static_cast<int64_t>(fit->first);
    p.free_blocks.erase(fit);
  } else {
    DeviceGuard guard(device);
    cudaError_t error = cudaMalloc(&block, size);
    if (error == cudaErrorMemoryAllocation) {  // give the cache back to the driver and try once more
      cudaGetLastError();
      release_cached(device, p);
      error = cudaMalloc(&block, size);
    }
    if (error != cudaSuccess) {
      cudaGetLastError();
      size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      fail<RuntimeError>("CUDA out of memory. Tried to allocate ", nbytes / double(1 << 20), " MiB (GPU ", device, "; ",
                         total_bytes / double(1 << 30), " GiB total capacity; ", free_bytes / double(1 << 20),
                         " MiB free; ", p.stats.allocated / double(1 << 20),
                         " MiB allocated by autocore): ", cudaGetErrorString(error));
    }
    p.live_blocks[block] = size;
    p.stats.allocated += static_cast<int64_t>(size);
    p.stats.reserved += static_cast<int64_t>(size);
  }
  if (p.stats.allocated > p.stats.max_allocated) p.stats.max_allocated = p.stats.allocated;
  return block;
}

void release(void* data, int device) {
  if (!data) return;
  std::lock_guard<std::mutex> lock(mutex);
  DevicePool& p = pool(device);
  auto live = p.live_blocks.find(data);
  if (live == p.live_blocks.end()) return;  // not ours: never free what we did not allocate
  p.stats.allocated -= static_cast<int64_t>(live->second);
  p.free_blocks.emplace(live->second, data);
  p.live_blocks.erase(live);
}

MemoryStats memory_stats(int device) {
  std::lock_guard<std::mutex> lock(mutex);
  return pool(device).stats;
}

void reset_peak_memory_stats(int device) {
  std::lock_guard<std::mutex> lock(mutex);
  DevicePool& p = pool(device);
  p.stats.max_allocated = p.stats.allocated;
}

void empty_cache() {
  std::lock_guard<std::mutex> lock(mutex);
  for (int device = 0; device < static_cast<int>(pools.size()); ++device) release_cached(device, pools[device]);
}

}  // namespace autocore::cuda
