// Random fill entry points: argument checks, reserving counters from the generator, threading.
#include "cpu/random.h"

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "core/kernels.h"
#include "core/parallel.h"
#include "cpu/isa.h"

namespace autocore::cpu {

namespace {

Generator& pick(Generator* generator) { return generator ? *generator : *default_generator(); }

void check_cpu(const Tensor& t, const char* op) {
  AC_CHECK(t.device().is_cpu(), RuntimeError, op, ": expected a CPU tensor, got one on ", t.device().str());
}

// Reserves the counters n elements need and runs `loop` over them, split over threads at counter
// boundaries. A non-contiguous `t` is filled through a contiguous buffer, element i of the request being
// element i of t in row-major order either way.
void fill(const Tensor& t, RandomLoop loop, int per, Generator* generator, const RandomParams& params) {
  t.bump_version();
  const int64_t n = t.numel();
  if (n == 0) return;
  const int64_t counters = (n + per - 1) / per;
  const auto [seed, base] = pick(generator).reserve(static_cast<uint64_t>(counters));
  Tensor target = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype(), t.device());
  void* data = target.data_ptr();
  // Philox plus a transform costs ~10x an add per element: threads pay off sooner than for elementwise ops.
  parallel_for(0, counters, std::max<int64_t>(1, kElementwiseGrain / (4 * per)),
               [&](int64_t b, int64_t e) { loop(data, b * per, std::min(n, e * per), seed, base, params); });
  if (!t.is_contiguous()) copy_(t, target);
}

void check_output(const Tensor& t, const char* op) {
  check_cpu(t, op);
  if (t.numel() > 0) check_no_internal_overlap(t);  // numpy gives empty arrays zero strides
}

}  // namespace

namespace {
// float16 and bfloat16 draw as float32 does, rounded once (PyTorch's half draws round too).
Tensor drawn_in_float32(const Tensor& t, const std::function<void(const Tensor&)>& draw) {
  Tensor wide = Tensor::empty(t.shape(), DType::Float32);
  draw(wide);
  copy_(t, wide);
  return t;
}
}  // namespace

Tensor uniform_(const Tensor& t, double from, double to, Generator* generator) {
  check_output(t, "uniform_");
  AC_CHECK(is_floating(t.dtype()), NotImplementedError, "\"check_uniform_bounds\" not implemented for '",
           scalar_type_name(t.dtype()), "'");
  if (is_narrow(t.dtype()) && is_floating(t.dtype()))
    return drawn_in_float32(t, [&](const Tensor& wide) { uniform_(wide, from, to, generator); });
  dispatch_floating(t.dtype(), "uniform_", [&](auto zero) {
    using T = decltype(zero);
    AC_CHECK(from <= to, RuntimeError, "uniform_ expects to return a [from, to) range, but found from=", from,
             " > to=", to);
    AC_CHECK(to - from <= std::numeric_limits<T>::max(), RuntimeError,
             "uniform_ expects to-from <= std::numeric_limits<", dtype_name(t.dtype()), ">::max(), but found to=", to,
             " and from=", from, " which result in to-from to exceed the limit");
  });
  RandomParams params;
  params.a = from;
  params.b = to;
  fill(t, loop_for(kernels<RandomKernels>().uniform, t.dtype(), "uniform_"), per_counter(t.dtype()), generator, params);
  return t;
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* generator) {
  check_output(t, "normal_");
  AC_CHECK(is_floating(t.dtype()), NotImplementedError, "\"normal_kernel_cpu\" not implemented for '",
           scalar_type_name(t.dtype()), "'");
  if (is_narrow(t.dtype()) && is_floating(t.dtype()))
    return drawn_in_float32(t, [&](const Tensor& wide) { normal_(wide, mean, std, generator); });
  dispatch_floating(t.dtype(), "normal_", [](auto) {});
  AC_CHECK(std >= 0.0, RuntimeError, "normal expects std >= 0.0, but found std ", std);
  RandomParams params;
  params.a = mean;
  params.b = std;
  fill(t, loop_for(kernels<RandomKernels>().normal, t.dtype(), "normal_"), per_counter(t.dtype()), generator, params);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Dims& shape, Generator* generator) {
  AC_CHECK(low < high, RuntimeError, "random_ expects 'from' to be less than 'to', but got from=", low,
           " >= to=", high);
  for (int64_t size : shape)
    AC_CHECK(size >= 0, RuntimeError, "Trying to create tensor with negative dimension ", size, ": ", shape.str());
  Tensor out = Tensor::empty(shape, DType::Int64);
  RandomParams params;
  params.low = low;
  params.range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  fill(out, kernels<RandomKernels>().randint, kWidePerCounter, generator, params);
  return out;
}

namespace {

void check_bernoulli_output(const Tensor& t) {
  check_output(t, "bernoulli_");
  AC_CHECK(t.dtype() != DType::Int64, RuntimeError,
           "bernoulli_: expected a float32, float64 or bool tensor, got int64");
}

}  // namespace

Tensor bernoulli_(const Tensor& t, double p, Generator* generator) {
  check_bernoulli_output(t);
  if (is_narrow(t.dtype()) && is_floating(t.dtype()))  // (0 and 1 are exact in every dtype)
    return drawn_in_float32(t, [&](const Tensor& wide) { bernoulli_(wide, p, generator); });
  AC_CHECK(p >= 0 && p <= 1, RuntimeError, "bernoulli_ expects p to be in [0, 1], but got p=", p);
  RandomParams params;
  params.a = p;
  fill(t, loop_for(kernels<RandomKernels>().bernoulli, t.dtype(), "bernoulli_"), kWidePerCounter, generator, params);
  return t;
}

Tensor bernoulli_(const Tensor& t, const Tensor& p, Generator* generator) {
  check_bernoulli_output(t);
  check_cpu(p, "bernoulli_");
  AC_CHECK(is_floating(p.dtype()), NotImplementedError, "\"bernoulli_tensor_cpu_p_\" not implemented for '",
           scalar_type_name(p.dtype()), "'");
  if (is_narrow(t.dtype()) && is_floating(t.dtype()))
    return drawn_in_float32(t, [&](const Tensor& wide) { bernoulli_(wide, p, generator); });
  AC_CHECK(broadcast_shapes(t.shape(), p.shape()) == t.shape(), RuntimeError, "bernoulli_: p of shape ",
           p.shape().str(), " cannot be broadcast to the output's shape ", t.shape().str());
  // Padded to whole counters: the loop reads a counter's two probabilities even when only one is used.
  const int64_t n = t.numel(), padded = (n + kWidePerCounter - 1) / kWidePerCounter * kWidePerCounter;
  Tensor probabilities = Tensor::empty(Dims{padded}, DType::Float64);
  double* data = probabilities.data<double>();
  if (n > 0) copy_(probabilities.slice(0, 0, n, 1).view(t.shape()), p);
  for (int64_t i = n; i < padded; ++i) data[i] = 0;
  bool in_range = true;
  for (int64_t i = 0; i < n; ++i) in_range &= data[i] >= 0 && data[i] <= 1;  // NaN fails too
  AC_CHECK(in_range, RuntimeError, "bernoulli_: expected every probability in p to be in [0, 1]");
  RandomParams params;
  params.p = data;
  fill(t, loop_for(kernels<RandomKernels>().bernoulli, t.dtype(), "bernoulli_"), kWidePerCounter, generator, params);
  return t;
}

// As PyTorch's native_dropout: mask ~ Bernoulli(1 - p), output = x * mask * (1 / (1 - p)), with scale 0 at p = 1.
std::pair<Tensor, Tensor> dropout(const Tensor& x, double p, bool train, Generator* generator) {
  check_cpu(x, "dropout");
  AC_CHECK(p >= 0 && p <= 1, ValueError, "dropout probability has to be between 0 and 1, but got ", p);
  dispatch_floating(x.dtype(), "dropout", [](auto) {});
  Tensor mask = Tensor::empty(x.shape(), DType::Bool, x.device());
  if (!train) {
    fill_(mask, Scalar::from_bool(true));
    return {clone(x), mask};
  }
  bernoulli_(mask, 1.0 - p, generator);
  Tensor source = contiguous(x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  const double keep = 1.0 - p, scale = keep == 0 ? 0.0 : 1.0 / keep;
  dispatch_floating(x.dtype(), "dropout", [&](auto zero) {
    using T = decltype(zero);
    const T* in = source.data<T>();
    const bool* m = mask.data<bool>();
    T* o = out.data<T>();
    const T s = static_cast<T>(scale);
    parallel_for(0, x.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = in[i] * static_cast<T>(m[i]) * s;
    });
  });
  return {out, mask};
}

// Fisher-Yates from the last position down: step s (position n-1-s) swaps with j = (bits_s * (n-s)) >> 64,
// uniform in [0, n-1-s], bits_s being the 64 bits of randint's layout (counter base + s / 2). The bits are
// drawn a chunk at a time by the vectorised loop; the swaps are sequential by nature.
Tensor randperm(int64_t n, Generator* generator) {
  AC_CHECK(n >= 0, RuntimeError, "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  Tensor out = Tensor::empty(Dims{n}, DType::Int64);
  int64_t* perm = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  if (n < 2) return out;
  const int64_t steps = n - 1;
  const auto [seed, base] = pick(generator).reserve(static_cast<uint64_t>((steps + 1) / 2));
  constexpr int64_t kChunk = 1 << 14;  // 128 KiB of bits: stays in L2 while the swaps consume it
  std::vector<uint64_t> bits(static_cast<size_t>(std::min(kChunk, steps)));
  const RandomLoop raw_bits = kernels<RandomKernels>().raw_bits;
  for (int64_t first = 0; first < steps; first += kChunk) {  // first is even: chunks start on a counter
    const int64_t count = std::min(kChunk, steps - first);
    raw_bits(bits.data(), 0, count, seed, base + static_cast<uint64_t>(first / 2), RandomParams{});
    for (int64_t c = 0; c < count; ++c) {
      const int64_t i = n - 1 - (first + c);
      const auto j =
          static_cast<int64_t>((static_cast<unsigned __int128>(bits[c]) * static_cast<uint64_t>(i + 1)) >> 64);
      std::swap(perm[i], perm[j]);
    }
  }
  return out;
}

}  // namespace autocore::cpu
