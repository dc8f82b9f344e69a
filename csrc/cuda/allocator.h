// A caching allocator for device memory, as PyTorch's: a freed block goes back to a per-device pool and
// the next request of a similar size reuses it, so steady-state training calls cudaMalloc/cudaFree never.
#pragma once
#include <cstddef>
#include <cstdint>

namespace autocore::cuda {

void* allocate(size_t nbytes, int device);
void release(void* data, int device);

struct MemoryStats {
  int64_t allocated = 0;      // bytes in live tensors' blocks
  int64_t max_allocated = 0;  // the peak of `allocated` since the last reset
  int64_t reserved = 0;       // bytes held from the driver: live blocks plus the cache
};
MemoryStats memory_stats(int device);
void reset_peak_memory_stats(int device);
// Returns every cached (unused) block to the driver.
void empty_cache();

}  // namespace autocore::cuda
