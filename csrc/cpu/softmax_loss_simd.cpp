// Softmax and loss kernels, compiled once per instruction set. Row reductions keep kLanes independent
// partial results (max, sum) so that the vectoriser can use whole registers; columns (softmax along a dim
// that is not the last) work on tiles of kTile adjacent columns at once, vectorised across them.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/loss_math.h"
#include "cpu/isa.h"
#include "cpu/simd_math.h"
#include "cpu/softmax_loss.h"

namespace autocore::cpu::AUTOCORE_ISA {
namespace {

template <class T> constexpr int kLanes = 2 * 64 / sizeof(T);  // two AVX-512 registers
constexpr int64_t kTile = 256;
// Lane sums are folded into a double total every kCascade elements (rows every kCascadeRows), so that the
// float error grows with the number of blocks rather than with a long row's length, as in reduce.
constexpr int64_t kCascade = 4096, kCascadeRows = 128;

template <class T> inline T max_of(T a, T b) { return a > b ? a : b; }
template <class T> constexpr T kNegInf = -std::numeric_limits<T>::infinity();

// The last `rest` (< L) elements of a row as one full block padded with `fill`: short rows (10 classes)
// then run the vector body once instead of a scalar tail of exp calls. One conditional load per lane,
// which AVX2 and AVX-512 turn into masked loads: no copy loop, no store-to-load stall on the read back.
template <class T>
inline void load_tail(const T* x, int64_t rest, T fill, T* block) {
  for (int j = 0; j < kLanes<T>; ++j) block[j] = j < rest ? x[j] : fill;
}

// Lane partials folded pairwise, each step of constant width so that it is one vector operation on half
// the register: a serial chain over 32 lanes would cost more than a whole short row.
template <int Width, bool Max, class T>
inline void fold_step(T* acc) {
  for (int j = 0; j < Width; ++j) acc[j] = Max ? max_of(acc[j + Width], acc[j]) : acc[j] + acc[j + Width];
  if constexpr (Width > 1) fold_step<Width / 2, Max>(acc);
}

template <class T>
inline T fold_sum(T* acc) {
  fold_step<kLanes<T> / 2, false>(acc);
  return acc[0];
}

template <class T>
inline T fold_max(T* acc) {
  fold_step<kLanes<T> / 2, true>(acc);
  return acc[0];
}

// NaN never wins here; the exp pass that follows turns a NaN anywhere in the row into a NaN sum.
template <class T>
T row_max(const T* x, int64_t n) {
  constexpr int L = kLanes<T>;
  T acc[L];
  for (int j = 0; j < L; ++j) acc[j] = kNegInf<T>;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) acc[j] = max_of(x[i + j], acc[j]);
  if (i < n) {
    T block[L];
    load_tail(x + i, n - i, kNegInf<T>, block);
    for (int j = 0; j < L; ++j) acc[j] = max_of(block[j], acc[j]);
  }
  return fold_max(acc);
}

// sum_i exp(x_i - shift), storing each term in out when out is given. Lane sums in T, the total in
// double. The tail is padded with shift itself and its lanes masked out afterwards: padding with -inf
// would make exp underflow, and underflowing lanes cost a microcode assist each on x86.
template <class T>
double exp_sum(const T* x, T shift, T* out, int64_t n) {
  constexpr int L = kLanes<T>;
  T acc[L] = {};
  double total = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    if (i % kCascade == 0 && i > 0) {
      total += fold_sum(acc);
      for (int j = 0; j < L; ++j) acc[j] = 0;
    }
    T e[L];
    for (int j = 0; j < L; ++j) e[j] = simd::exp(x[i + j] - shift);
    if (out)
      for (int j = 0; j < L; ++j) out[i + j] = e[j];
    for (int j = 0; j < L; ++j) acc[j] += e[j];
  }
  if (i < n) {
    T block[L], e[L];
    const int64_t rest = n - i;
    load_tail(x + i, rest, shift, block);
    for (int j = 0; j < L; ++j) e[j] = simd::exp(block[j] - shift);
    if (out)
      for (int64_t j = 0; j < rest; ++j) out[i + j] = e[j];
    for (int j = 0; j < L; ++j) acc[j] += j < rest ? e[j] : T(0);
  }
  return total + fold_sum(acc);
}

// out_i = coef * exp((x_i - m) - log_sum): coef times the softmax; the tail through a padded block too.
template <class T>
void scaled_exp(const T* x, T m, T log_sum, T coef, T* out, int64_t n) {
  constexpr int L = kLanes<T>;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) out[i + j] = coef * simd::exp((x[i + j] - m) - log_sum);
  if (i < n) {
    T block[L], e[L];
    load_tail(x + i, n - i, m, block);
    for (int j = 0; j < L; ++j) e[j] = coef * simd::exp((block[j] - m) - log_sum);
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = e[j];
  }
}

// log of a few row sums at once, so that short rows do not each pay for a scalar std::log.
constexpr int kRowBlock = 16;
inline void log_block(const double* sums, double* logs) {
  for (int k = 0; k < kRowBlock; ++k) logs[k] = simd::log(sums[k]);
}

// sum_i w_i (shift - x_i) (w null: all ones): the label-smoothing term, free of cancellation as shift = max.
template <class T>
double weighted_gap_sum(const T* x, const T* w, T shift, int64_t n) {
  constexpr int L = kLanes<T>;
  T acc[L] = {};
  double total = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    if (i % kCascade == 0 && i > 0) {
      total += fold_sum(acc);
      for (int j = 0; j < L; ++j) acc[j] = 0;
    }
    for (int j = 0; j < L; ++j) acc[j] += (w ? w[i + j] : T(1)) * (shift - x[i + j]);
  }
  total += fold_sum(acc);
  for (; i < n; ++i) total += (w ? w[i] : T(1)) * (shift - x[i]);
  return total;
}

template <class T>
double dot(const T* a, const T* b, int64_t n) {  // b == nullptr: sum of a
  constexpr int L = kLanes<T>;
  T acc[L] = {};
  double total = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    if (i % kCascade == 0 && i > 0) {
      total += fold_sum(acc);
      for (int j = 0; j < L; ++j) acc[j] = 0;
    }
    for (int j = 0; j < L; ++j) acc[j] += a[i + j] * (b ? b[i + j] : T(1));
  }
  total += fold_sum(acc);
  for (; i < n; ++i) total += a[i] * (b ? b[i] : T(1));
  return total;
}

// ---- softmax / log_softmax ------------------------------------------------------------------------

// Rows: max, then exp(x - max) summed (and stored, for softmax), then one scaling pass over out.
// log_softmax writes (x - max) - log(sum): x - max is exact near the max, so logits of 1e4 lose nothing.
template <class T>
void softmax_rows(const T* x, T* out, const ReduceShape& s, bool log) {
  for (int64_t o0 = 0; o0 < s.outer; o0 += kRowBlock) {
    const int64_t rows = s.outer - o0 < kRowBlock ? s.outer - o0 : kRowBlock;
    T maxes[kRowBlock];
    double sums[kRowBlock], logs[kRowBlock];
    for (int k = 0; k < kRowBlock; ++k) sums[k] = 1;
    for (int64_t k = 0; k < rows; ++k) {
      const int64_t at = (o0 + k) * s.outer_stride;
      maxes[k] = row_max(x + at, s.r);
      sums[k] = exp_sum(x + at, maxes[k], log ? nullptr : out + at, s.r);
    }
    if (log) log_block(sums, logs);
    for (int64_t k = 0; k < rows; ++k) {
      const T* row = x + (o0 + k) * s.outer_stride;
      T* dst = out + (o0 + k) * s.outer_stride;
      const T m = maxes[k];
      if (log) {
        const T log_sum = static_cast<T>(logs[k]);
        for (int64_t i = 0; i < s.r; ++i) dst[i] = (row[i] - m) - log_sum;
      } else {
        const T inv = static_cast<T>(1.0 / sums[k]);
        for (int64_t i = 0; i < s.r; ++i) dst[i] *= inv;
      }
    }
  }
}

// Columns: the same three steps on a tile of adjacent columns, each step one sweep down the r rows.
template <class T>
void softmax_columns(const T* x, T* out, const ReduceShape& s, bool log) {
  for (int64_t o = 0; o < s.outer; ++o) {
    const T* xo = x + o * s.outer_stride;
    T* oo = out + o * s.outer_stride;
    for (int64_t i0 = 0; i0 < s.inner; i0 += kTile) {
      const int64_t n = s.inner - i0 < kTile ? s.inner - i0 : kTile;
      T m[kTile], total[kTile], block[kTile];
      double cascade[kTile];
      for (int64_t i = 0; i < n; ++i) m[i] = xo[i0 + i], cascade[i] = 0;
      for (int64_t r = 1; r < s.r; ++r) {
        const T* row = xo + r * s.r_stride + i0;
        for (int64_t i = 0; i < n; ++i) m[i] = max_of(row[i], m[i]);
      }
      for (int64_t r0 = 0; r0 < s.r; r0 += kCascadeRows) {
        const int64_t r1 = s.r - r0 < kCascadeRows ? s.r : r0 + kCascadeRows;
        for (int64_t i = 0; i < n; ++i) block[i] = 0;
        for (int64_t r = r0; r < r1; ++r) {
          const T* row = xo + r * s.r_stride + i0;
          T* dst = oo + r * s.r_stride + i0;
          for (int64_t i = 0; i < n; ++i) {
            const T e = simd::exp(row[i] - m[i]);
            block[i] += e;
            if (!log) dst[i] = e;
          }
        }
        for (int64_t i = 0; i < n; ++i) cascade[i] += block[i];
      }
      for (int64_t i = 0; i < n; ++i) total[i] = static_cast<T>(cascade[i]);
      if (log) {
        for (int64_t i = 0; i < n; ++i) total[i] = simd::log(total[i]);
        for (int64_t r = 0; r < s.r; ++r) {
          const T* row = xo + r * s.r_stride + i0;
          T* dst = oo + r * s.r_stride + i0;
          for (int64_t i = 0; i < n; ++i) dst[i] = (row[i] - m[i]) - total[i];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) total[i] = T(1) / total[i];
        for (int64_t r = 0; r < s.r; ++r) {
          T* dst = oo + r * s.r_stride + i0;
          for (int64_t i = 0; i < n; ++i) dst[i] *= total[i];
        }
      }
    }
  }
}

template <class T>
void softmax_loop(const void* x, void* out, const ReduceShape& s, bool log) {
  // The layout decides, not this chunk's width: a one-column chunk of a column layout is still strided.
  if (s.r_stride == 1) softmax_rows(static_cast<const T*>(x), static_cast<T*>(out), s, log);
  else softmax_columns(static_cast<const T*>(x), static_cast<T*>(out), s, log);
}

template <class T>
void softmax_backward_loop(const void* gv, const void* outv, void* giv, const ReduceShape& s, bool log) {
  const T* g = static_cast<const T*>(gv);
  const T* out = static_cast<const T*>(outv);
  T* gi = static_cast<T*>(giv);
  for (int64_t o = 0; o < s.outer; ++o) {
    const int64_t base = o * s.outer_stride;
    if (s.r_stride == 1) {
      const T* go = g + base;
      const T* oo = out + base;
      T* dst = gi + base;
      if (log) {
        const T total = static_cast<T>(dot<T>(go, nullptr, s.r));
        for (int64_t i = 0; i < s.r; ++i) dst[i] = go[i] - simd::exp(oo[i]) * total;
      } else {
        const T total = static_cast<T>(dot(go, oo, s.r));
        for (int64_t i = 0; i < s.r; ++i) dst[i] = oo[i] * (go[i] - total);
      }
      continue;
    }
    for (int64_t i0 = 0; i0 < s.inner; i0 += kTile) {
      const int64_t n = s.inner - i0 < kTile ? s.inner - i0 : kTile;
      T total[kTile], block[kTile];
      double cascade[kTile] = {};
      for (int64_t r0 = 0; r0 < s.r; r0 += kCascadeRows) {
        const int64_t r1 = s.r - r0 < kCascadeRows ? s.r : r0 + kCascadeRows;
        for (int64_t i = 0; i < n; ++i) block[i] = 0;
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t at = base + r * s.r_stride + i0;
          for (int64_t i = 0; i < n; ++i) block[i] += g[at + i] * (log ? T(1) : out[at + i]);
        }
        for (int64_t i = 0; i < n; ++i) cascade[i] += block[i];
      }
      for (int64_t i = 0; i < n; ++i) total[i] = static_cast<T>(cascade[i]);
      for (int64_t r = 0; r < s.r; ++r) {
        const int64_t at = base + r * s.r_stride + i0;
        if (log)
          for (int64_t i = 0; i < n; ++i) gi[at + i] = g[at + i] - simd::exp(out[at + i]) * total[i];
        else
          for (int64_t i = 0; i < n; ++i) gi[at + i] = out[at + i] * (g[at + i] - total[i]);
      }
    }
  }
}

// ---- cross-entropy ---------------------------------------------------------------------------------

// Probability targets: y_c = (1 - eps) probs_c + eps/C, the loss sum_c w_c y_c ((m - x_c) + log_sum), kept as
// sum w y (m - x) + (sum w y) log_sum for precision at any scale. Where that is not finite (inf targets: inf * 0
// at the max), the loss is PyTorch's -sum w y log_softmax(x) term by term, which gives inf where it is inf.
template <class T>
double probs_row_loss_termwise(const T* row, const T* y, const T* w, int64_t C, T keep, T spread, double m,
                               double log_sum) {
  double total = 0;
  for (int64_t j = 0; j < C; ++j) {
    const double wy = static_cast<double>((w ? w[j] : T(1)) * (keep * y[j] + spread));
    total += wy * ((static_cast<double>(row[j]) - m) - log_sum);
  }
  return -total;
}

template <class T>
void cross_entropy_probs_loop(const CrossEntropyArgs& a, int64_t begin, int64_t end, double* row_stats,
                              double* row_loss, double* row_weight) {
  const T* x = static_cast<const T*>(a.input);
  const T* probs = static_cast<const T*>(a.probs);
  const T* w = static_cast<const T*>(a.weight);
  const int64_t C = a.classes;
  const T keep = static_cast<T>(1 - a.label_smoothing), spread = static_cast<T>(a.label_smoothing / C);
  constexpr int L = kLanes<T>;
  for (int64_t i = begin; i < end; ++i) {
    if (C == 0) {  // no classes: an empty sum, and no weight (PyTorch's mean over no logits is NaN)
      row_stats[2 * i] = 0;
      row_stats[2 * i + 1] = -std::numeric_limits<double>::infinity();
      row_loss[i] = 0;
      row_weight[i] = 0;
      continue;
    }
    const T* row = x + i * C;
    const T* y = probs + i * C;
    const T m = row_max(row, C);
    const double log_sum = std::log(exp_sum<T>(row, m, nullptr, C));
    T gap[L] = {}, mass[L] = {};  // sum w y (m - x) and sum w y, in lanes
    int64_t j = 0;
    for (; j + L <= C; j += L)
      for (int l = 0; l < L; ++l) {
        const T wy = (w ? w[j + l] : T(1)) * (keep * y[j + l] + spread);
        gap[l] += wy * (m - row[j + l]);
        mass[l] += wy;
      }
    double total_gap = fold_sum(gap), total_mass = fold_sum(mass);
    for (; j < C; ++j) {
      const T wy = (w ? w[j] : T(1)) * (keep * y[j] + spread);
      total_gap += wy * (m - row[j]);
      total_mass += wy;
    }
    row_stats[2 * i] = m;
    row_stats[2 * i + 1] = log_sum;
    const double loss = total_gap + total_mass * log_sum;
    row_loss[i] = std::isfinite(loss) ? loss : probs_row_loss_termwise(row, y, w, C, keep, spread, m, log_sum);
    row_weight[i] = 1;
  }
}

template <class T>
void cross_entropy_loop(const CrossEntropyArgs& a, int64_t begin, int64_t end, double* row_stats, double* row_loss,
                        double* row_weight) {
  if (a.probs) return cross_entropy_probs_loop<T>(a, begin, end, row_stats, row_loss, row_weight);
  const T* x = static_cast<const T*>(a.input);
  const T* w = static_cast<const T*>(a.weight);
  const int64_t C = a.classes;
  const double eps = a.label_smoothing;
  if (eps != 0 && C == 0) {  // (every target ignored:) PyTorch scales a sum of nothing by eps / C = inf, so NaN
    for (int64_t i = begin; i < end; ++i) {
      row_stats[2 * i] = row_stats[2 * i + 1] = row_weight[i] = 0;
      row_loss[i] = std::numeric_limits<double>::quiet_NaN();
    }
    return;
  }
  for (int64_t b = begin; b < end; b += kRowBlock) {
    const int64_t rows = end - b < kRowBlock ? end - b : kRowBlock;
    T maxes[kRowBlock];
    double sums[kRowBlock], logs[kRowBlock], gaps[kRowBlock];
    for (int k = 0; k < kRowBlock; ++k) sums[k] = 1;
    for (int64_t k = 0; k < rows; ++k) {
      if (a.target[b + k] == a.ignore_index) continue;
      const T* row = x + (b + k) * C;
      maxes[k] = row_max(row, C);
      sums[k] = exp_sum<T>(row, maxes[k], nullptr, C);
      if (eps != 0) gaps[k] = weighted_gap_sum(row, w, maxes[k], C);
    }
    log_block(sums, logs);
    for (int64_t k = 0; k < rows; ++k) {
      const int64_t i = b + k, t = a.target[i];
      if (t == a.ignore_index) {
        row_stats[2 * i] = row_stats[2 * i + 1] = row_loss[i] = row_weight[i] = 0;
        continue;
      }
      const double m = maxes[k], wt = w ? static_cast<double>(w[t]) : 1.0;
      // lse - x_t = (m - x_t) + log(sum): m - x_t is exact, so the loss keeps its precision at any scale.
      double loss = (1 - eps) * wt * ((m - x[i * C + t]) + logs[k]);
      if (eps != 0) loss += eps / C * (gaps[k] + a.weight_total * logs[k]);
      row_stats[2 * i] = m;
      row_stats[2 * i + 1] = logs[k];
      row_loss[i] = loss;
      row_weight[i] = wt;
    }
  }
}

// d loss / d x_j = (1 - eps) w_t (p_j - [j = t]) + eps/C (W p_j - w_j), with p = exp((x - m) - log_sum).
template <class T>
void cross_entropy_backward_loop(const CrossEntropyArgs& a, int64_t begin, int64_t end, const double* row_stats,
                                 const void* grad, int64_t grad_stride, double scale, void* grad_input) {
  const T* x = static_cast<const T*>(a.input);
  const T* w = static_cast<const T*>(a.weight);
  const T* g = static_cast<const T*>(grad);
  T* gi = static_cast<T*>(grad_input);
  const int64_t C = a.classes;
  const double eps = a.label_smoothing;
  if (a.probs) {
    // d loss / d x_j = p_j sum_c w_c y_c - w_j y_j
    const T* probs = static_cast<const T*>(a.probs);
    const T keep = static_cast<T>(1 - eps), spread = static_cast<T>(eps / C);
    for (int64_t i = begin; i < end; ++i) {
      const T* row = x + i * C;
      const T* y = probs + i * C;
      T* dst = gi + i * C;
      const T gs = static_cast<T>(static_cast<double>(g[i * grad_stride]) * scale);
      double mass = 0;
      for (int64_t j = 0; j < C; ++j) mass += (w ? w[j] : T(1)) * (keep * y[j] + spread);
      const T m = static_cast<T>(row_stats[2 * i]), log_sum = static_cast<T>(row_stats[2 * i + 1]);
      scaled_exp(row, m, log_sum, static_cast<T>(gs * mass), dst, C);
      for (int64_t j = 0; j < C; ++j) dst[j] -= gs * (w ? w[j] : T(1)) * (keep * y[j] + spread);
    }
    return;
  }
  for (int64_t i = begin; i < end; ++i) {
    const int64_t t = a.target[i];
    const T* row = x + i * C;
    T* dst = gi + i * C;
    if (t == a.ignore_index) {
      for (int64_t j = 0; j < C; ++j) dst[j] = 0;
      continue;
    }
    const double gs = static_cast<double>(g[i * grad_stride]) * scale;
    const double wt = w ? static_cast<double>(w[t]) : 1.0;
    const T p_coef = static_cast<T>(gs * ((1 - eps) * wt + eps / C * a.weight_total));
    const T w_coef = static_cast<T>(gs * eps / C);
    // m is one of the row's values, so x - m is exact near the max; log_sum lies in [0, log C].
    const T m = static_cast<T>(row_stats[2 * i]), log_sum = static_cast<T>(row_stats[2 * i + 1]);
    if (eps == 0) {
      scaled_exp(row, m, log_sum, p_coef, dst, C);
    } else {
      for (int64_t j = 0; j < C; ++j) dst[j] = p_coef * simd::exp((row[j] - m) - log_sum) - w_coef * (w ? w[j] : T(1));
    }
    dst[t] -= static_cast<T>(gs * (1 - eps) * wt);
  }
}

// ---- pointwise losses ------------------------------------------------------------------------------

// The math core/loss_math.h's formulas call as M::exp, M::log, M::log1p.
struct CpuMath {
  template <class T> static AUTOCORE_SIMD_INLINE T exp(T x) { return simd::exp(x); }
  template <class T> static AUTOCORE_SIMD_INLINE T log(T x) { return simd::log(x); }
  template <class T> static AUTOCORE_SIMD_INLINE T log1p(T x) { return simd::log1p(x); }
};

// The loops are instantiated per (kind, has weight, has pos_weight) so that no pointer test is left in
// them to stop the vectoriser; the element functions are force-inlined for the same reason.
template <PointwiseLoss K, bool HasW, bool HasPw, class T>
AUTOCORE_SIMD_INLINE T value_at(const PointwiseArgs& a, int64_t i) {
  const T* w = static_cast<const T*>(a.weight);
  const T* pw = static_cast<const T*>(a.pos_weight);
  return loss_math::pointwise_value<K, CpuMath>(static_cast<const T*>(a.input)[i], static_cast<const T*>(a.target)[i],
                                                HasW ? w[i] : T(1), HasPw ? pw[i] : T(1), std::bool_constant<HasPw>{});
}

template <PointwiseLoss K, bool HasW, bool HasPw, bool WrtTarget, class T>
AUTOCORE_SIMD_INLINE T derivative_at(const PointwiseArgs& a, int64_t i) {
  const T x = static_cast<const T*>(a.input)[i], y = static_cast<const T*>(a.target)[i];
  const T w = HasW ? static_cast<const T*>(a.weight)[i] : T(1);
  const T pw = HasPw ? static_cast<const T*>(a.pos_weight)[i] : T(1);
  constexpr std::bool_constant<HasPw> has_pw{};
  if constexpr (WrtTarget) return loss_math::pointwise_target_derivative<K, CpuMath>(x, y, w, pw, has_pw);
  else return loss_math::pointwise_derivative<K, CpuMath>(x, y, w, pw, has_pw);
}

template <PointwiseLoss K, bool HasW, bool HasPw, class T>
double pointwise_range(const PointwiseArgs& a, T* out, int64_t begin, int64_t end) {
  if (out) {
    for (int64_t i = begin; i < end; ++i) out[i] = value_at<K, HasW, HasPw, T>(a, i);
    return 0;
  }
  constexpr int L = kLanes<T>;
  T acc[L] = {};
  int64_t i = begin;
  for (; i + L <= end; i += L)
    for (int j = 0; j < L; ++j) acc[j] += value_at<K, HasW, HasPw, T>(a, i + j);
  double total = fold_sum(acc);
  for (; i < end; ++i) total += value_at<K, HasW, HasPw, T>(a, i);
  return total;
}

template <PointwiseLoss K, bool HasW, bool HasPw, bool WrtTarget, class T>
void pointwise_backward_loop(const PointwiseArgs& a, const T* g, int64_t grad_stride, T scale, T* gi, int64_t begin,
                             int64_t end) {
  if (grad_stride == 0) {
    const T gs = g[0] * scale;
    for (int64_t i = begin; i < end; ++i) gi[i] = gs * derivative_at<K, HasW, HasPw, WrtTarget, T>(a, i);
  } else {
    for (int64_t i = begin; i < end; ++i) gi[i] = g[i] * scale * derivative_at<K, HasW, HasPw, WrtTarget, T>(a, i);
  }
}

template <PointwiseLoss K, bool HasW, bool HasPw, class T>
void pointwise_backward_range(const PointwiseArgs& a, const T* g, int64_t grad_stride, T scale, bool wrt_target, T* gi,
                              int64_t begin, int64_t end) {
  if (wrt_target) pointwise_backward_loop<K, HasW, HasPw, true>(a, g, grad_stride, scale, gi, begin, end);
  else pointwise_backward_loop<K, HasW, HasPw, false>(a, g, grad_stride, scale, gi, begin, end);
}

template <PointwiseLoss K, class T>
double pointwise_forward_by_weights(const PointwiseArgs& a, T* out, int64_t begin, int64_t end) {
  if (a.weight && a.pos_weight) return pointwise_range<K, true, true>(a, out, begin, end);
  if (a.weight) return pointwise_range<K, true, false>(a, out, begin, end);
  if (a.pos_weight) return pointwise_range<K, false, true>(a, out, begin, end);
  return pointwise_range<K, false, false>(a, out, begin, end);
}

template <class T>
double pointwise_loss_loop(PointwiseLoss kind, const PointwiseArgs& a, void* outv, int64_t begin, int64_t end) {
  T* out = static_cast<T*>(outv);
  switch (kind) {
    case PointwiseLoss::mse:
      return pointwise_forward_by_weights<PointwiseLoss::mse>(a, out, begin, end);
    case PointwiseLoss::l1:
      return pointwise_forward_by_weights<PointwiseLoss::l1>(a, out, begin, end);
    case PointwiseLoss::bce:
      return pointwise_forward_by_weights<PointwiseLoss::bce>(a, out, begin, end);
    case PointwiseLoss::bce_with_logits:
      return pointwise_forward_by_weights<PointwiseLoss::bce_with_logits>(a, out, begin, end);
  }
  return 0;
}

template <PointwiseLoss K, class T>
void pointwise_backward_by_weights(const PointwiseArgs& a, const T* g, int64_t stride, T scale, bool wrt_target, T* gi,
                                   int64_t begin, int64_t end) {
  if (a.weight && a.pos_weight)
    return pointwise_backward_range<K, true, true>(a, g, stride, scale, wrt_target, gi, begin, end);
  if (a.weight) return pointwise_backward_range<K, true, false>(a, g, stride, scale, wrt_target, gi, begin, end);
  if (a.pos_weight) return pointwise_backward_range<K, false, true>(a, g, stride, scale, wrt_target, gi, begin, end);
  return pointwise_backward_range<K, false, false>(a, g, stride, scale, wrt_target, gi, begin, end);
}

template <class T>
void pointwise_loss_backward_loop(PointwiseLoss kind, const PointwiseArgs& a, const void* grad, int64_t grad_stride,
                                  double scale, bool wrt_target, void* grad_input, int64_t begin, int64_t end) {
  const T* g = static_cast<const T*>(grad);
  T* gi = static_cast<T*>(grad_input);
  const T s = static_cast<T>(scale);
  switch (kind) {
    case PointwiseLoss::mse:
      return pointwise_backward_by_weights<PointwiseLoss::mse>(a, g, grad_stride, s, wrt_target, gi, begin, end);
    case PointwiseLoss::l1:
      return pointwise_backward_by_weights<PointwiseLoss::l1>(a, g, grad_stride, s, wrt_target, gi, begin, end);
    case PointwiseLoss::bce:
      return pointwise_backward_by_weights<PointwiseLoss::bce>(a, g, grad_stride, s, wrt_target, gi, begin, end);
    case PointwiseLoss::bce_with_logits:
      return pointwise_backward_by_weights<PointwiseLoss::bce_with_logits>(a, g, grad_stride, s, wrt_target, gi, begin,
                                                                           end);
  }
}

// Counted rather than early-exited, so that the loop vectorises; the check reads x once either way.
template <class T>
bool in_unit_interval_loop(const void* xv, int64_t n) {
  const T* x = static_cast<const T*>(xv);
  int64_t outside = 0;
  for (int64_t i = 0; i < n; ++i) outside += !(x[i] >= T(0) && x[i] <= T(1));
  return outside == 0;
}

// ---- simd_math over arrays -------------------------------------------------------------------------

template <class T> void exp_loop(const void* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) static_cast<T*>(out)[i] = simd::exp(static_cast<const T*>(x)[i]);
}
template <class T> void log_loop(const void* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) static_cast<T*>(out)[i] = simd::log(static_cast<const T*>(x)[i]);
}
template <class T> void log1p_loop(const void* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) static_cast<T*>(out)[i] = simd::log1p(static_cast<const T*>(x)[i]);
}

template <class T> constexpr int idx = static_cast<int>(dtype_of<T>);

template <class T>
void add_dtype(SoftmaxLossKernels& k) {
  k.softmax[idx<T>] = &softmax_loop<T>;
  k.softmax_backward[idx<T>] = &softmax_backward_loop<T>;
  k.cross_entropy[idx<T>] = &cross_entropy_loop<T>;
  k.cross_entropy_backward[idx<T>] = &cross_entropy_backward_loop<T>;
  k.pointwise_loss[idx<T>] = &pointwise_loss_loop<T>;
  k.pointwise_loss_backward[idx<T>] = &pointwise_loss_backward_loop<T>;
  k.in_unit_interval[idx<T>] = &in_unit_interval_loop<T>;
  k.math[int(MathFn::exp)][idx<T>] = &exp_loop<T>;
  k.math[int(MathFn::log)][idx<T>] = &log_loop<T>;
  k.math[int(MathFn::log1p)][idx<T>] = &log1p_loop<T>;
}

SoftmaxLossKernels build() {
  SoftmaxLossKernels k{};
  add_dtype<float>(k);
  add_dtype<double>(k);
  return k;
}

const SoftmaxLossKernels softmax_loss_kernels = build();

}  // namespace

AUTOCORE_REGISTER_KERNELS(SoftmaxLossKernels, softmax_loss_kernels);

}  // namespace autocore::cpu::AUTOCORE_ISA
