// The scalar reference of log_softmax / softmax / the fused pick: one position (o, i) at a time,
// elements strided by `inner`, sums in torch's canonical order (detail/softmax.hpp). Every SIMD
// layout (rows.hpp, inner.hpp) is bit-identical to it. Private to core/src/softmax/.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losslab/detail/pmath.hpp"
#include "losslab/detail/softmax.hpp"

namespace losslab::detail::sm {

enum Mode { kLog = 0, kSoft = 1, kPick = 2 };

// ------------------------------------------------------------------------------------------
// Scalar reference: one position (o, i) at a time, elements strided by `inner`.
// ------------------------------------------------------------------------------------------

// m, and the sum of exp(x - m); the exps go to e (stride st) when e is given.
template <class T>
void ref_stats(const T* x, int64_t C, int64_t st, bool lastdim, T* e, T& m_out, T& s_out) {
  T m = x[0];
  for (int64_t j = 1; j < C; ++j) m = std::max(m, x[j * st]);
  if (lastdim) {
    for (int64_t j = 0; j < C; ++j) e[j * st] = pm::exp(x[j * st] - m);
    s_out = lastdim_sum<T, T>(C, [&](int64_t j) { return e[j * st]; });
  } else {
    T s = T(0);
    for (int64_t j = 0; j < C; ++j) {
      const T ej = pm::exp(x[j * st] - m);
      if (e) e[j * st] = ej;
      s = s + ej;
    }
    s_out = s;
  }
  m_out = m;
}

template <class T>
void ref_forward(const T* x, T* out, const SmGeom& g, Mode mode) {
  const int64_t C = g.C, in = g.inner;
  if (C == 0) return;
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < in; ++i) {
      const T* xr = x + o * C * in + i;
      T* yr = out + o * C * in + i;
      T m, s;
      ref_stats(xr, C, in, g.lastdim, yr, m, s);
      if (mode == kLog) {
        const T L = pm::log(s);
        for (int64_t j = 0; j < C; ++j) yr[j * in] = (xr[j * in] - m) - L;
      } else if (g.lastdim) {
        const T inv = T(1) / s;
        for (int64_t j = 0; j < C; ++j) yr[j * in] = yr[j * in] * inv;
      } else {
        for (int64_t j = 0; j < C; ++j) yr[j * in] = yr[j * in] / s;
      }
    }
}

// One picked value (x[t] - m) - log(sum). scratch: C values for the exps of a last-dim row
// (the last dim is contiguous: st == 1 there; other dims sum on the fly).
template <class T>
T ref_pick_one(const T* xr, int64_t C, int64_t st, bool lastdim, int64_t tgt, T* scratch) {
  T m, s;
  ref_stats(xr, C, st, lastdim, lastdim ? scratch : nullptr, m, s);
  return (xr[tgt * st] - m) - pm::log(s);
}

template <class T>
void ref_pick(const T* x, const int64_t* t, int64_t ii, T* v, const SmGeom& g, int64_t r0,
              int64_t r1) {
  std::vector<T> scratch(static_cast<std::size_t>(g.lastdim ? g.C : 0));
  const int64_t C = g.C, in = g.inner;
  for (int64_t r = r0; r < r1; ++r) {
    if (t[r] == ii) {
      v[r - r0] = T(0);
      continue;
    }
    const T* xr = in == 1 ? x + r * C : x + (r / in) * C * in + r % in;
    v[r - r0] = ref_pick_one(xr, C, in, g.lastdim, t[r], scratch.data());
  }
}

}  // namespace losslab::detail::sm
