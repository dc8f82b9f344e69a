// Atomic read-modify-writes for every dtype, shared by the CUDA scatters and index_put_ with accumulate. CUDA has
// atomicAdd for int32, float and double (and, through unsigned, int64); everything else goes through
// compare-and-swap, 1- and 2-byte types on the aligned 4-byte word that holds them.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/dtype.h"

namespace autocore::cuda {

// *address = op(*address, value), atomically.
template <class T, class Op>
__device__ void atomic_apply(T* address, T value, Op op) {
  if constexpr (sizeof(T) >= 4) {
    using Word = std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>;
    static_assert(sizeof(T) == sizeof(Word), "a 4- or 8-byte type");
    Word* word = reinterpret_cast<Word*>(address);
    Word old = *word, assumed;
    do {
      assumed = old;
      T current, next;
      memcpy(&current, &assumed, sizeof(T));
      next = op(current, value);
      Word bits;
      memcpy(&bits, &next, sizeof(T));
      old = atomicCAS(word, assumed, bits);
    } while (assumed != old);
  } else {
    // The word's other bytes belong to neighbouring elements: the swap writes back what it read of them, and
    // retries if a neighbour changed meanwhile. Little-endian: the element's bytes sit `shift` bits up.
    const uintptr_t at = reinterpret_cast<uintptr_t>(address);
    unsigned int* word = reinterpret_cast<unsigned int*>(at & ~uintptr_t(3));
    const unsigned int shift = unsigned(at & 3) * 8, mask = ((1u << (8 * sizeof(T))) - 1) << shift;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const unsigned int part = (assumed & mask) >> shift;
      T current;
      memcpy(&current, &part, sizeof(T));
      const T next = op(current, value);
      unsigned int bits = 0;
      memcpy(&bits, &next, sizeof(T));
      old = atomicCAS(word, assumed, (assumed & ~mask) | (bits << shift));
    } while (assumed != old);
  }
}

// *target += value, atomically; bool's sum is or.
template <class T>
__device__ void atomic_add(T* target, T value) {
  if constexpr (std::is_same_v<T, bool>) {
    if (value) *target = true;  // one byte, set without a read-modify-write
  } else if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(target), static_cast<unsigned long long>(value));
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, float> || std::is_same_v<T, double>) {
    atomicAdd(target, value);
  } else {
    atomic_apply(target, value, [](T a, T b) { return static_cast<T>(a + b); });
  }
}

}  // namespace autocore::cuda
