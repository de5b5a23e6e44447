// multilabel_margin_loss (nn.MultiLabelMarginLoss), torch 1.13's CPU kernel
// (LossMultiLabelMargin.cpp). Each target row lists label classes, ended by the first -1:
//   l_n = (1/C) sum_{labels j} sum_{i not a label} max(0, (1 - x[j]) + x[i])
// (a repeated label counts again). Per frame the sum is in double, then cast to the dtype;
// 'none' divides that by C in the dtype; 'mean' / 'sum' add the frame values in double, divide
// by C (and N) in double, then cast. d l / d x: each active pair (z > 0) gives -g to x[j] and +g
// to x[i], accumulated in the dtype, g = (T)(1 / (N C)) for 'mean', (T)(1 / C) otherwise; the
// upstream value multiplies last. Every operation is torch's, in its order: bit-exact.
// No SIMD kernel: the frame sums are sequential double additions over a data-dependent set of
// pairs (labels x non-labels), and torch's bits depend on that order. The pairs torch skips add
// an exact 0 instead, so that the terms are made branch-free, by a bit mask (with random labels
// torch's branch is mispredicted half the time: 300000 x 10 frames, 41 -> 13 ms natively).
// Interleaving 4 frames' chains of additions was slower (15 ms): their label counts differ.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "frame_common.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using frame::Plan;

const char* const kTargetArg = "argument #2 'target'";

// target.min() / max() as torch's item<int64_t>() sees them (a float target is truncated; NaN
// or a value outside int64 is torch's conversion error).
Result<std::pair<int64_t, int64_t>> target_min_max(const TensorView& y) {
  const int64_t n = y.numel();
  if (y.dtype == DType::Int64 || y.dtype == DType::Int32 || y.dtype == DType::Bool) {
    // (a bool target is one byte per element: it was read as float64, out of bounds, until the
    // fuzzer found it; torch then says "expected scalar type Long but found Bool")
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = y.dtype == DType::Int64   ? y.as<int64_t>()[i]
                        : y.dtype == DType::Int32 ? int64_t{y.as<int32_t>()[i]}
                                                  : int64_t{y.as<uint8_t>()[i]};
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    return std::make_pair(lo, hi);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const double v = y.dtype == DType::Float32 ? y.as<float>()[i] : y.as<double>()[i];
    nan = nan || std::isnan(v);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const Error overflow =
      runtime_error("value cannot be converted to type int64_t without overflow");
  if (nan) return overflow;
  // The minimum is converted (and checked) first.
  if (!(lo >= -9223372036854775808.0 && lo < 9223372036854775808.0)) return overflow;
  if (static_cast<int64_t>(lo) < -1)
    return runtime_error(std::string(kTargetArg) + " is out of range");
  if (!(hi >= -9223372036854775808.0 && hi < 9223372036854775808.0)) return overflow;
  return std::make_pair(static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

Result<Plan> make_plan(const LossCall& c) {
  const TensorView& x = c[0];
  const TensorView& y = c[1];
  Plan p;
  if (auto st = frame::input_frames(x, p); !st) return st.error();
  const bool target_ok = x.dim() <= 1
                             ? y.dim() <= 1 && y.numel() == p.dim
                             : y.dim() == 2 && y.shape[0] == p.nframe && y.shape[1] == p.dim;
  if (!target_ok)
    return runtime_error("inconsistent size " + shape_str(y.shape) + " for " +
                         std::string(kTargetArg));
  // 'none' gives a 0-d result for a 0-d / 1-D target as well.
  if (c.options.reduction == Reduction::None && y.dim() > 1) p.out_shape = {p.nframe};
  p.empty = x.numel() == 0;
  if (p.empty && (c.options.reduction == Reduction::None || dtype_is_floating(x.dtype))) return p;
  auto mm = target_min_max(y);
  if (!mm) return mm.error();
  if (mm.value().first < -1 || mm.value().second >= p.dim)
    return runtime_error(std::string(kTargetArg) + " is out of range");
  if (!dtype_is_floating(x.dtype))
    return runtime_error(
        std::string("\"multilabel_margin_loss_forward_out_frame\" not implemented for '") +
        dtype_torch_name(x.dtype) + "'");
  if (y.dtype != DType::Int64)
    return runtime_error(std::string("expected scalar type Long but found ") +
                         dtype_torch_name(y.dtype));
  return p;
}

// v if on, else +0, by a bit mask (compilers turn a ?: here back into a branch).
template <class T>
inline T keep_if(T v, bool on) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  U b;
  std::memcpy(&b, &v, sizeof b);
  b &= U(0) - static_cast<U>(on);
  std::memcpy(&v, &b, sizeof b);
  return v;
}

// One frame: torch's multilabel_margin_loss_forward_inner_sum_cpu (is_target marks the labels).
template <class T>
T frame_sum(const T* x, const int64_t* t, unsigned char* is_target, double* terms, int64_t C) {
  for (int64_t k = 0; k < C; ++k) {
    if (t[k] < 0) break;
    is_target[t[k]] = 1;
  }
  double sum = 0;  // accscalar_t
  for (int64_t k = 0; k < C; ++k) {
    const int64_t j = t[k];
    if (j < 0) break;
    const T a = T(1) - x[j];
    // The pairs torch skips add 0.0 instead (sum + 0.0 is sum: it is never -0), so the terms are
    // made without a branch, then added in order.
    for (int64_t i = 0; i < C; ++i) {
      const T z = a + x[i];
      terms[i] = keep_if(static_cast<double>(z), (is_target[i] == 0) & (z > 0));
    }
    for (int64_t i = 0; i < C; ++i) sum += terms[i];
  }
  return static_cast<T>(sum);
}

template <class T>
void forward_t(const LossCall& c, const Plan& p, T* o) {
  const T* x = c[0].as<T>();
  const int64_t* t = c[1].as<int64_t>();
  const int64_t N = p.nframe, C = p.dim;
  std::vector<unsigned char> is_target(static_cast<std::size_t>(C));
  std::vector<double> terms(static_cast<std::size_t>(C));
  if (!p.out_shape.empty()) {
    for (int64_t n = 0; n < N; ++n) {
      std::fill(is_target.begin(), is_target.end(), 0);
      o[n] = frame_sum(x + n * C, t + n * C, is_target.data(), terms.data(), C) / static_cast<T>(C);
    }
    return;
  }
  double sum = 0;
  for (int64_t n = 0; n < N; ++n) {
    std::fill(is_target.begin(), is_target.end(), 0);
    sum += static_cast<double>(frame_sum(x + n * C, t + n * C, is_target.data(), terms.data(), C));
  }
  sum /= static_cast<double>(C);
  if (c.options.reduction == Reduction::Mean) sum /= static_cast<double>(N);
  *o = static_cast<T>(sum);
}

Result<LossOutput> mlm_forward(const LossCall& c) {
  return frame::forward(c, make_plan(c), [&](const Plan& p, auto* out) { forward_t(c, p, out); });
}

// torch's multilabel_margin_loss_backward_out_frame, for a unit upstream value.
template <class T>
void backward_t(const LossCall& c, const Plan& p, T* gi) {
  const T* x = c[0].as<T>();
  const int64_t* t = c[1].as<int64_t>();
  const int64_t N = p.nframe, C = p.dim;
  const T gs = frame::grad_scale<T>(c.options.reduction, N, C);
  std::fill(gi, gi + N * C, T(0));
  std::vector<unsigned char> is_target(static_cast<std::size_t>(C));
  std::vector<T> step(static_cast<std::size_t>(C));
  for (int64_t n = 0; n < N; ++n) {
    const T* xr = x + n * C;
    const int64_t* tr = t + n * C;
    T* gr = gi + n * C;
    std::fill(is_target.begin(), is_target.end(), 0);
    for (int64_t k = 0; k < C; ++k) {
      if (tr[k] < 0) break;
      is_target[tr[k]] = 1;
    }
    for (int64_t k = 0; k < C; ++k) {
      const int64_t j = tr[k];
      if (j < 0) break;
      const T a = T(1) - xr[j];
      // Each active pair is -gs to x[j] and +gs to x[i] (i is then not a label, so i != j); the
      // skipped pairs add +-0, which changes nothing (the gradients are never -0). So the +gs
      // loop vectorizes and only x[j]'s chain is sequential.
      for (int64_t i = 0; i < C; ++i) {
        const T z = a + xr[i];
        step[i] = keep_if(gs, (is_target[i] == 0) & (z > 0));
      }
      for (int64_t i = 0; i < C; ++i) gr[i] = gr[i] + step[i];
      for (int64_t i = 0; i < C; ++i) gr[j] = gr[j] - step[i];
    }
  }
}

Result<LossGrads> mlm_backward(const LossCall& c, const TensorView* g, unsigned want) {
  auto plan = make_plan(c);
  if (!plan) return plan.error();
  return frame::backward(c, plan.value(), g, want,
                         [&](const Plan& p, auto* gi) { backward_t(c, p, gi); });
}

}  // namespace

extern const LossSpec kMultilabelMarginLoss{
    "multilabel_margin_loss",
    "MultiLabelMarginLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kInteger, false}},
    {},
    false,
    kTargetMultiLabel,
    "any",
    "l_n = (1/C) sum_{j in labels} sum_{i not a label} max(0, 1 - x[n, j] + x[n, i])",
    nullptr,
    &mlm_forward,
    &mlm_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
