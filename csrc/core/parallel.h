// Splitting work across OpenMP threads, only when a range is large enough to pay for it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace autocore {

int get_num_threads();
void set_num_threads(int n);

// Elementwise work below this many elements stays on one thread: waking a team costs more than it saves.
constexpr int64_t kElementwiseGrain = 32768;

// Calls fn(begin, end) on contiguous sub-ranges, one per thread. An exception thrown by fn (say,
// bad_alloc) must not escape an OpenMP region, which would terminate the process: the first one is
// caught there and rethrown on the calling thread once every thread is done.
template <class Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Fn& fn) {
  int64_t n = end - begin;
  if (n <= 0) return;
#ifdef _OPENMP
  int64_t chunks = std::min<int64_t>(get_num_threads(), (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks > 1 && !omp_in_parallel()) {
    std::exception_ptr error;
#pragma omp parallel num_threads(static_cast<int>(chunks))
    {
      int64_t step = (n + chunks - 1) / chunks;
      int64_t lo = begin + omp_get_thread_num() * step, hi = std::min(end, lo + step);
      try {
        if (lo < hi) fn(lo, hi);
      } catch (...) {
#pragma omp critical(autocore_parallel_for_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  fn(begin, end);
}

}  // namespace autocore
