// The thread count: OpenMP's default (which honours OMP_NUM_THREADS) until set_num_threads says otherwise.
#include "core/parallel.h"

#include "core/errors.h"

namespace autocore {

namespace {
int& thread_count() {
#ifdef _OPENMP
  static int count = omp_get_max_threads();
#else
  static int count = 1;
#endif
  return count;
}
}  // namespace

int get_num_threads() { return thread_count(); }

void set_num_threads(int n) {
  AC_CHECK(n > 0, RuntimeError, "set_num_threads expects a positive integer, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
  thread_count() = n;
#endif
}

}  // namespace autocore
