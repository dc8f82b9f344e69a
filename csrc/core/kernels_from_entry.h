// Defines one family's kernels (core/kernels/<family>.def) on one device as calls of the functions of the same names
// of `Entry`, the family's entry template over the device's backend. A backend file ends, in its device's namespace:
//   using Entry = ReduceEntry<CpuBackend>;
//   ...
//   #define AC_KERNEL_FAMILY "core/kernels/reduce.def"
//   #include "core/kernels_from_entry.h"
// No include guard: a file includes it once for each family it defines.
#define AC_KERNEL(name, result, parameters, arguments) \
  result name parameters { return Entry::name arguments; }
#include AC_KERNEL_FAMILY
#undef AC_KERNEL
#undef AC_KERNEL_FAMILY
