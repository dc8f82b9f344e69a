// Advanced indexing on the CPU: the element offsets the index tensors select, then one strided walk over the
// result that reads (index) or writes (index_put_) each selected element; nonzero, which turns bool masks into
// index tensors. The layout and the checks are core/advanced_index.cpp's.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/advanced_index.h"
#include "core/kernels.h"
#include "core/parallel.h"
#include "core/strided_iter.h"
#include "cpu/index_walk.h"

namespace autocore::cpu {

namespace {

// x[index] for one int64 index along dim 0 of a contiguous x (an embedding lookup, C[X]): whole rows, each one
// memcpy, without the general plan's offset tensor and strided walk. Undefined when the case is another.
Tensor take_rows(const Tensor& x, const std::vector<Tensor>& indices) {
  if (indices.size() != 1 || !indices[0].defined()) return Tensor();
  const Tensor& index = indices[0];
  if (index.dtype() != DType::Int64 || !index.device().is_cpu() || !x.device().is_cpu() || !x.is_contiguous() ||
      !index.is_contiguous() || x.dim() == 0)
    return Tensor();
  const int64_t size = x.shape()[0], count = index.numel();
  const int64_t* ids = index.data<int64_t>();
  AC_CHECK(size != 0 || count == 0, IndexError, "index is out of bounds for dimension with size 0");  // (as plan_index)
  for (int64_t j = 0; j < count; ++j)
    if (ids[j] < -size || ids[j] >= size) index_out_of_range(ids[j], 0, size);
  Dims shape = index.shape();
  for (int d = 1; d < x.dim(); ++d) shape.push_back(x.shape()[d]);
  Tensor out = Tensor::empty(shape, x.dtype());
  const size_t row_bytes = x.itemsize() * static_cast<size_t>(size == 0 ? 0 : x.numel() / size);
  const char* from = static_cast<const char*>(x.data_ptr());
  char* to = static_cast<char*>(out.data_ptr());
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, row_bytes / x.itemsize()));
  parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      const int64_t k = ids[j] < 0 ? ids[j] + size : ids[j];
      std::memcpy(to + j * row_bytes, from + k * row_bytes, row_bytes);
    }
  });
  return out;
}

}  // namespace

Tensor index(const Tensor& x, const std::vector<Tensor>& indices) {
  if (Tensor rows = take_rows(x, indices); rows.defined()) return rows;
  const IndexPlan plan = plan_index(x, indices);
  const Tensor offsets = index_offsets(plan);
  Tensor out = Tensor::empty(plan.result_shape, x.dtype());
  if (out.numel() == 0) return out;
  StridedIter it(out);
  it.add_input(index_base(x, plan));
  it.add_input(offsets_in_result(plan, offsets));
  it.coalesce();
  by_itemsize(x.itemsize(), [&](auto zero) {
    using U = decltype(zero);
    parallel_for(0, it.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      it.run(begin, end, [](char* const* p, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
          const int64_t offset = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
          const U* from = reinterpret_cast<const U*>(p[1] + i * s[1]) + offset;
          *reinterpret_cast<U*>(p[0] + i * s[0]) = *from;
        }
      });
    });
  });
  return out;
}

void index_put_(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  const IndexPlan plan = plan_index(x, indices);
  check_put_values(plan, x, values);
  const Tensor offsets = index_offsets(plan);
  if (product(plan.result_shape) > 0) {
    StridedIter it(
        index_base(x, plan));  // the walk's "output" is x itself, at each element's address before its offset
    it.add_input(values);
    it.add_input(offsets_in_result(plan, offsets));
    it.coalesce();
    // One thread: repeated indices then write in order (the last one wins) or accumulate without a race.
    dispatch_all(x.dtype(), [&](auto zero) {
      using T = decltype(zero);
      it.run(0, it.numel(), [accumulate](char* const* p, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
          const int64_t offset = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
          T& target = reinterpret_cast<T*>(p[0] + i * s[0])[offset];
          const T value = *reinterpret_cast<const T*>(p[1] + i * s[1]);
          if constexpr (std::is_same_v<T, bool>) {
            target = accumulate ? (target || value) : value;
          } else {
            target = accumulate ? static_cast<T>(target + value) : value;
          }
        }
      });
    });
  }
  x.bump_version();
}

// Two passes over fixed chunks: count the hits of each, then write each chunk's coordinates from its prefix sum,
// so that the chunks run on separate threads and the rows still come out in order.
Tensor nonzero(const Tensor& x) {
  const Tensor flat = contiguous(x);
  const int64_t n = flat.numel();
  const int d = x.dim();
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int64_t> first(chunks + 1, 0);
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* data = flat.data<T>();
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        int64_t count = 0;
        for (int64_t i = c * kChunk, stop = std::min(n, i + kChunk); i < stop; ++i) count += data[i] != T{};
        first[c + 1] = count;
      }
    });
    for (int64_t c = 0; c < chunks; ++c) first[c + 1] += first[c];
  });
  Tensor out = Tensor::empty(Dims{first[chunks], d}, DType::Int64);
  int64_t* coords = out.data<int64_t>();
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* data = flat.data<T>();
    parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        int64_t* row = coords + first[c] * d;
        const int64_t start = c * kChunk, stop = std::min(n, start + kChunk);
        int64_t at[kMaxDims] = {};  // the coordinates of position i, advanced with a carry, not divided out
        for (int64_t j = d - 1, rest = start; j >= 0; --j) {
          at[j] = rest % x.shape()[j];
          rest /= x.shape()[j];
        }
        for (int64_t i = start; i < stop; ++i) {
          if (data[i] != T{}) {
            std::copy(at, at + d, row);
            row += d;
          }
          for (int j = d - 1; j >= 0 && ++at[j] == x.shape()[j]; --j) at[j] = 0;
        }
      }
    });
  });
  return out;
}

}  // namespace autocore::cpu
