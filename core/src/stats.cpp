#include "losslab/stats.hpp"

#include <cmath>
#include <string>

namespace losslab {
namespace {
template <class T>
Histogram hist(const T* x, int64_t n, int bins) {
  Histogram h;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  double mn = INFINITY, mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]);
    if (!std::isfinite(v)) {
      ++h.non_finite;
      continue;
    }
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  if (mn > mx) return h;  // nothing finite
  h.min = mn;
  h.max = mx;
  // in halves: mx - mn overflows for a range wider than DBL_MAX (then (v - mn) * 0 was inf * 0,
  // a NaN cast to int); the fraction stays in [0, 1]
  const double span = mx * 0.5 - mn * 0.5;
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]);
    if (!std::isfinite(v)) continue;
    const double frac = span > 0 ? (v * 0.5 - mn * 0.5) / span : 0.0;
    int b = static_cast<int>(frac * bins);
    b = b >= bins ? bins - 1 : b < 0 ? 0 : b;
    ++h.counts[static_cast<std::size_t>(b)];
  }
  return h;
}
}  // namespace

Result<Histogram> histogram(const TensorView& t, int bins) {
  if (bins < 1 || bins > 100000)
    return value_error("histogram: bins must be in [1, 100000], got " + std::to_string(bins));
  switch (t.dtype) {
    case DType::Float32: return hist(t.as<float>(), t.numel(), bins);
    case DType::Float64: return hist(t.as<double>(), t.numel(), bins);
    case DType::Int64: return hist(t.as<int64_t>(), t.numel(), bins);
    case DType::Int32: return hist(t.as<int32_t>(), t.numel(), bins);
    case DType::Bool: break;
  }
  return value_error("histogram: unsupported dtype");
}

}  // namespace losslab
