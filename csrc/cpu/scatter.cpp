// Scatters and masks on the CPU. scatter_ walks the index in one thread, so that repeated indices combine in order
// (the last one wins for an assignment) without a race. masked_fill_ and masked_select are single strided passes;
// masked_select counts each chunk's hits first, so that the chunks then copy on separate threads into their places.
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/convert.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/index_walk.h"

namespace autocore::cpu {

namespace {

// NaN wins amax and amin, as in PyTorch.
template <class T>
bool takes_over(T candidate, T current, bool larger) {
  if constexpr (std::is_floating_point_v<T> || kHalfType<T>) {
    if (candidate != candidate) return true;
  }
  return larger ? candidate > current : candidate < current;
}

template <class T>
void combine(T& target, T value, ScatterReduce reduce) {
  switch (reduce) {
    case ScatterReduce::Assign:
      target = value;
      break;
    case ScatterReduce::Sum:
      if constexpr (std::is_same_v<T, bool>) target = target || value;
      else target = static_cast<T>(target + value);
      break;
    case ScatterReduce::Prod:
      if constexpr (std::is_same_v<T, bool>) target = target && value;
      else target = static_cast<T>(target * value);
      break;
    case ScatterReduce::Amax:
    case ScatterReduce::Amin:
      if (takes_over(value, target, reduce == ScatterReduce::Amax)) target = value;
      break;
  }
}

}  // namespace

void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterReduce reduce) {
  check_device_type(self, DeviceType::CPU, "scatter_");
  const GatherWalk w = scatter_walk(self, dim, index, src);
  // A 0-d src (a number) is read at every index element.
  const Dims src_strides = src.dim() == index.dim() ? src.strides() : Dims::filled(index.dim(), 0);
  dispatch_all(self.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* from = src.data<T>();
    T* to = self.data<T>();
    for_each_gathered(index, w, src_strides, [&](int64_t at, int64_t read) { combine(to[at], from[read], reduce); });
  });
  self.bump_version();
}

void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_device_type(self, DeviceType::CPU, "masked_fill_");
  check_mask(self, mask, "masked_fill_");
  alignas(8) char bytes[8];
  value.store_as(self.dtype(), bytes);
  if (self.numel() > 0) {
    StridedIter it(self);
    it.add_input(mask);
    it.coalesce();
    by_itemsize(self.itemsize(), [&](auto zero) {
      using U = decltype(zero);
      U v;
      std::memcpy(&v, bytes, sizeof v);
      parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        it.run(begin, end, [v](char* const* p, const int64_t* s, int64_t n) {
          if (s[0] == sizeof(U) && s[1] == 1) {  // contiguous: a bitwise blend, no branch for a random mask
            U* out = reinterpret_cast<U*>(p[0]);
            const uint8_t* m = reinterpret_cast<const uint8_t*>(p[1]);
            for (int64_t i = 0; i < n; ++i) {
              const U take = U(0) - U(m[i] != 0);  // all ones where the mask is set
              out[i] = (v & take) | (out[i] & ~take);
            }
          } else {
            for (int64_t i = 0; i < n; ++i)
              if (p[1][i * s[1]]) *reinterpret_cast<U*>(p[0] + i * s[0]) = v;
          }
        });
      });
    });
  }
  self.bump_version();
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  check_device_type(x, DeviceType::CPU, "masked_select");
  check_mask(x, mask, "masked_select");
  const int64_t n = x.numel();
  if (n == 0) return Tensor::empty(Dims{0}, x.dtype());
  StridedIter it(x);  // x stands as operand 0 only to be walked beside the mask; nothing writes it
  it.add_input(mask);
  it.coalesce();
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> first(chunks + 1, 0);
  parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      int64_t hits = 0;
      it.run(c * kChunk, std::min(n, (c + 1) * kChunk), [&hits](char* const* p, const int64_t* s, int64_t len) {
        for (int64_t i = 0; i < len; ++i) hits += p[1][i * s[1]] != 0;
      });
      first[c + 1] = hits;
    }
  });
  for (int64_t c = 0; c < chunks; ++c) first[c + 1] += first[c];
  const int64_t count = first[chunks];
  Tensor out = Tensor::empty(Dims{count}, x.dtype());
  by_itemsize(x.itemsize(), [&](auto zero) {
    using U = decltype(zero);
    U* const base = out.data<U>();
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        U* to = base + first[c];
        U* const stop = base + first[c + 1];
        // Each element is written at `to` before the mask says whether to keep it (no branch to mispredict on a
        // random mask); once the chunk's hits are all written, what is left of it has none, and the writes stop
        // before reaching the next chunk's place.
        it.run(c * kChunk, std::min(n, (c + 1) * kChunk), [&to, stop](char* const* p, const int64_t* s, int64_t len) {
          if (s[0] == sizeof(U) && s[1] == 1) {
            const U* from = reinterpret_cast<const U*>(p[0]);
            const uint8_t* m = reinterpret_cast<const uint8_t*>(p[1]);
            for (int64_t i = 0; i < len && to != stop; ++i) {
              *to = from[i];
              to += m[i] != 0;
            }
          } else {
            for (int64_t i = 0; i < len && to != stop; ++i) {
              *to = *reinterpret_cast<const U*>(p[0] + i * s[0]);
              to += p[1][i * s[1]] != 0;
            }
          }
        });
      }
    });
  });
  return out;
}

}  // namespace autocore::cpu
