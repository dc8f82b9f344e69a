// multinomial: num_samples category indices for each row of a table of non-negative weights, with or without
// replacement, from a Philox generator. With replacement, a draw is a uniform u and the first category whose
// running sum passes u * total. Without, the categories are taken in order of their keys E / p (E exponential,
// one per category): PyTorch's exponential trick, which draws each in proportion to its weight, at most once;
// zero-weight categories come last, in index order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/kernels.h"
#include "cpu/random.h"

namespace autocore::cpu {

namespace {

void check_weights(const double* p, int64_t categories) {
  double total = 0;
  for (int64_t i = 0; i < categories; ++i) {
    AC_CHECK(std::isfinite(p[i]) && p[i] >= 0, RuntimeError,
             "probability tensor contains either `inf`, `nan` or element < 0");
    total += p[i];
  }
  AC_CHECK(total > 0, RuntimeError, "invalid multinomial distribution (sum of probabilities <= 0)");
}

void with_replacement(const double* p, const double* u, int64_t categories, int64_t num_samples, int64_t* out) {
  std::vector<double> running(static_cast<size_t>(categories));
  std::partial_sum(p, p + categories, running.begin());
  const double total = running.back();
  for (int64_t s = 0; s < num_samples; ++s) {  // (u < 1, so u * total stays below the last running sum)
    const auto first_above = std::upper_bound(running.begin(), running.end(), u[s] * total);
    out[s] = std::min<int64_t>(first_above - running.begin(), categories - 1);
  }
}

void without_replacement(const double* p, const double* u, int64_t categories, int64_t num_samples, int64_t* out) {
  std::vector<double> keys(static_cast<size_t>(categories));
  for (int64_t i = 0; i < categories; ++i)
    keys[i] = p[i] > 0 ? -std::log1p(-u[i]) / p[i] : std::numeric_limits<double>::infinity();
  std::vector<int64_t> order(static_cast<size_t>(categories));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + num_samples, order.end(),
                    [&](int64_t a, int64_t b) { return keys[a] < keys[b] || (keys[a] == keys[b] && a < b); });
  std::copy(order.begin(), order.begin() + num_samples, out);
}

}  // namespace

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* generator) {
  AC_CHECK(probs.device().is_cpu(), RuntimeError, "multinomial: expected a CPU tensor, got one on ",
           probs.device().str());
  AC_CHECK(probs.dim() == 1 || probs.dim() == 2, RuntimeError, "prob_dist must be 1 or 2 dim");
  AC_CHECK(is_floating(probs.dtype()), RuntimeError,
           "multinomial only supports floating-point dtypes for input, got: ", scalar_type_name(probs.dtype()));
  AC_CHECK(num_samples > 0, RuntimeError, "cannot sample n_sample <= 0 samples");
  const int64_t categories = probs.shape()[probs.dim() - 1];
  const int64_t rows = probs.dim() == 1 ? 1 : probs.shape()[0];
  AC_CHECK(replacement || num_samples <= categories, RuntimeError,
           "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  AC_CHECK(categories <= (int64_t(1) << 24), RuntimeError, "number of categories cannot exceed 2^24");
  Tensor weights = Tensor::empty(Dims{rows, categories}, DType::Float64);
  copy_(weights.view(probs.shape()), probs);  // (casts, and any layout)
  const double* p = weights.data<double>();
  for (int64_t r = 0; r < rows; ++r) check_weights(p + r * categories, categories);
  const int64_t draws = replacement ? num_samples : categories;
  Tensor uniforms = Tensor::empty(Dims{rows, draws}, DType::Float64);
  uniform_(uniforms, 0.0, 1.0, generator);
  Tensor out = Tensor::empty(probs.dim() == 1 ? Dims{num_samples} : Dims{rows, num_samples}, DType::Int64);
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = p + r * categories;
    const double* u = uniforms.data<double>() + r * draws;
    int64_t* samples = out.data<int64_t>() + r * num_samples;
    if (replacement) with_replacement(row, u, categories, num_samples, samples);
    else without_replacement(row, u, categories, num_samples, samples);
  }
  return out;
}

}  // namespace autocore::cpu
