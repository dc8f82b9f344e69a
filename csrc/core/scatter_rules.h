// The scatter and mask family's rules, independent of the device: scatter_'s reductions, and PyTorch's checks (order,
// exception types, texts) for scatter_, masked_fill_ and masked_select. The walk over index is core/index_rules.h's
// GatherWalk, shared with gather.
#pragma once
#include <cstdint>
#include <string>

#include "core/index_rules.h"
#include "core/tensor.h"

namespace autocore {

// How scatter_ combines a source element with the one already in self. Assign overwrites (the last of repeated
// indices wins on the CPU; on CUDA one of them does, as in PyTorch); the others accumulate, so repeated indices all
// count. scatter_reduce's "mean" is Sum divided by a count (ops/scatter.py).
enum class ScatterReduce : uint8_t { Assign, Sum, Prod, Amax, Amin };
ScatterReduce parse_scatter_reduce(const std::string& name);  // "none", "sum", "prod", "amax", "amin"

// scatter_ writes src[i][j][k] into self[i][index[i][j][k]][k] (for dim 1): a non-empty index has self's number of
// dims, and no size above src's, nor above self's off dim. check_scatter checks, in PyTorch's order, the dim, the
// dtypes, those shapes and then that self's elements are distinct memory (PyTorch refuses an in-place scatter into an
// expanded tensor, even with an empty index), and gives the wrapped dim; ops/scatter.py calls it where PyTorch checks
// more after these (scatter_reduce's name and mean). scatter_walk checks so and gives the walk over self.
int check_scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
GatherWalk scatter_walk(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);

// masked_fill_ and masked_select take a bool mask with the shape of the tensor they read or write (the Python
// layer broadcasts it first, with PyTorch's messages).
void check_mask(const Tensor& x, const Tensor& mask, const char* op);

}  // namespace autocore
