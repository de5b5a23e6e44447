// log_softmax and softmax (F.log_softmax / F.softmax) along a dim, torch 1.13's CPU kernels:
//   m = max_k x_k;  log_softmax = (x - m) - log(sum_k exp(x_k - m));
//   softmax = exp(x - m) * (1 / sum)   over the last dim,   exp(x - m) / sum   over another dim.
// Summation orders and the portable exp/log: see detail/softmax.hpp.
//
// Kernels (every one bit-identical to the scalar reference, which is the plain loop below):
//  * contiguous rows (the last dim, or nothing after the dim), C <= 16 — the hot (N, 3) case:
//    rows across the SIMD lanes; a block of W rows is gathered into C batches so that each lane
//    runs one row's scalar algorithm (C <= 5 unrolled at compile time);
//  * contiguous rows, larger C: vectorised along the row, the last-dim sum kept in torch's K
//    interleaved lanes;
// This file: the dispatch between those layouts and the entry points of detail/softmax.hpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "inner.hpp"
#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/detail/torch_math.hpp"
#include "reference.hpp"
#include "rows.hpp"

namespace losslab {
namespace detail {

using namespace sm;  // NOLINT: this file's own kernels

namespace {

#if LOSSLAB_HAVE_SIMD
template <class T, Mode M>
void simd_forward(const T* x, T* y, const SmGeom& g, const int64_t* t, int64_t ii, int64_t r0,
                  int64_t r1) {
  const int64_t C = g.C;
  if (C == 0 || r0 >= r1) return;
  if (g.inner == 1) {
    if (C <= kSmallC) {
      small_rows<T, M>(x, y, r0, r1, C, g.lastdim, t, ii);
    } else {
      std::vector<T> scratch(static_cast<std::size_t>(C));
      big_rows<T, M>(x, y, r0, r1, C, g.lastdim, t, ii, scratch.data());
    }
    return;
  }
  const int64_t chunk = inner_chunk<T>(C);
  std::vector<T> ms(static_cast<std::size_t>(2 * chunk));
  int64_t r = r0;
  while (r < r1) {
    const int64_t o = r / g.inner, i = r % g.inner;
    const int64_t width = std::min({chunk, g.inner - i, r1 - r});
    inner_block<T, M>(x, y, g, o, i, width, t, ii, M == kPick ? y + (r - r0) : nullptr, ms.data(),
                      ms.data() + chunk);
    r += width;
  }
}

#endif  // LOSSLAB_HAVE_SIMD

}  // namespace

// ---------------------------------------------------------------------------------------------
// Shared entry points
// ---------------------------------------------------------------------------------------------

SmGeom sm_geom(const Shape& shape, int64_t dim) {
  SmGeom g;
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (nd == 0) {
    g.lastdim = false;
    return g;
  }
  g.outer = 1;
  g.inner = 1;
  for (int64_t k = 0; k < dim; ++k) g.outer *= shape[static_cast<std::size_t>(k)];
  for (int64_t k = dim + 1; k < nd; ++k) g.inner *= shape[static_cast<std::size_t>(k)];
  g.C = shape[static_cast<std::size_t>(dim)];
  g.lastdim = dim == nd - 1;
  return g;
}

Result<int64_t> wrap_dim(int64_t dim, int64_t ndim) {
  const int64_t n = std::max<int64_t>(ndim, 1);
  if (dim < -n || dim >= n)
    return index_error("Dimension out of range (expected to be in range of [" + std::to_string(-n) +
                       ", " + std::to_string(n - 1) + "], but got " + std::to_string(dim) + ")");
  return dim < 0 ? dim + n : dim;
}

Error softmax_dtype_error(bool log, const SmGeom& g, DType dtype) {
  const char* kernel =
      g.lastdim ? (log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl")
                : "softmax_kernel_impl";
  return runtime_error("\"" + std::string(kernel) + "\" not implemented for '" +
                       dtype_torch_name(dtype) + "'");
}

template <class T>
void log_softmax_forward(const T* x, T* out, const SmGeom& g, bool simd) {
#if LOSSLAB_HAVE_SIMD
  if (simd) return simd_forward<T, kLog>(x, out, g, nullptr, 0, 0, g.rows());
#endif
  (void)simd;
  ref_forward(x, out, g, kLog);
}

template <class T>
void softmax_forward(const T* x, T* out, const SmGeom& g, bool simd) {
#if LOSSLAB_HAVE_SIMD
  if (simd) return simd_forward<T, kSoft>(x, out, g, nullptr, 0, 0, g.rows());
#endif
  (void)simd;
  ref_forward(x, out, g, kSoft);
}

template <class T>
void log_softmax_pick(const T* x, const int64_t* t, int64_t ii, T* v, const SmGeom& g, int64_t r0,
                      int64_t r1, bool simd) {
#if LOSSLAB_HAVE_SIMD
  if (simd) return simd_forward<T, kPick>(x, v, g, t, ii, r0, r1);
#endif
  (void)simd;
  ref_pick(x, t, ii, v, g, r0, r1);
}

void log_softmax_lastdim_torch(const float* x, float* y, int64_t rows, int64_t C) {
  if (C == 0) return;
  std::vector<float> m(static_cast<std::size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * C;
    float mr = xr[0];
    for (int64_t j = 1; j < C; ++j) mr = std::max(mr, xr[j]);
    m[static_cast<std::size_t>(r)] = mr;
    for (int64_t j = 0; j < C; ++j) y[r * C + j] = xr[j] - mr;
  }
  const int64_t n = rows * C;
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  using B = Batch<float>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  const tmath::ExpK<B> k;
  for (; i + W <= n; i += W) tmath::exp(B::load_unaligned(y + i), k).store_unaligned(y + i);
#endif
  for (; i < n; ++i) y[i] = tmath::exp(y[i]);
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * C;
    const float L = tmath::log(lastdim_sum<float, float>(C, [&](int64_t j) { return yr[j]; }));
    const float mr = m[static_cast<std::size_t>(r)];
    const float* xr = x + r * C;
    for (int64_t j = 0; j < C; ++j) yr[j] = (xr[j] - mr) - L;
  }
}

template <class T>
void exp_n(const T* a, T* e, int64_t n, bool simd) {
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if (simd) {
    using B = Batch<T>;
    constexpr int64_t W = static_cast<int64_t>(B::size);
    for (; i + W <= n; i += W) pm::exp(B::load_unaligned(a + i)).store_unaligned(e + i);
  }
#endif
  (void)simd;
  for (; i < n; ++i) e[i] = pm::exp(a[i]);
}

template <class T>
void log_n(const T* a, T* e, int64_t n, bool simd) {
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if (simd) {
    using B = Batch<T>;
    constexpr int64_t W = static_cast<int64_t>(B::size);
    for (; i + W <= n; i += W) pm::log(B::load_unaligned(a + i)).store_unaligned(e + i);
  }
#endif
  (void)simd;
  for (; i < n; ++i) e[i] = pm::log(a[i]);
}

template <class T>
void log_softmax_backward(const T* out, const T* g, T* gx, const SmGeom& geom, bool simd) {
  const int64_t C = geom.C, in = geom.inner, slice = C * in;
  if (slice == 0 || geom.outer == 0) return;
  // exp(out) a few (outer) slices at a time, through the SIMD kernel when asked.
  const int64_t per = std::max<int64_t>(1, 65536 / slice);
  std::vector<T> e(static_cast<std::size_t>(std::min(per, geom.outer) * slice));
  for (int64_t o0 = 0; o0 < geom.outer; o0 += per) {
    const int64_t o1 = std::min(geom.outer, o0 + per);
    exp_n(out + o0 * slice, e.data(), (o1 - o0) * slice, simd);
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t i = 0; i < in; ++i) {
        const int64_t base = o * slice + i;
        const T sum =
            dim_sum<T, T>(geom.lastdim, C, [&](int64_t j) { return g ? g[base + j * in] : T(1); });
        for (int64_t j = 0; j < C; ++j) {
          const int64_t k = base + j * in;
          gx[k] = (g ? g[k] : T(1)) - e[static_cast<std::size_t>(k - o0 * slice)] * sum;
        }
      }
  }
}

template <class T>
void softmax_backward(const T* out, const T* g, T* gx, const SmGeom& geom, bool simd) {
  (void)simd;
  const int64_t C = geom.C, in = geom.inner;
  for (int64_t o = 0; o < geom.outer; ++o)
    for (int64_t i = 0; i < in; ++i) {
      const int64_t base = o * C * in + i;
      const T sum = dim_sum<T, T>(geom.lastdim, C, [&](int64_t j) {
        const int64_t k = base + j * in;
        return (g ? g[k] : T(1)) * out[k];
      });
      for (int64_t j = 0; j < C; ++j) {
        const int64_t k = base + j * in;
        gx[k] = ((g ? g[k] : T(1)) - sum) * out[k];
      }
    }
}

#define LOSSLAB_SOFTMAX_INSTANTIATE(T)                                                             \
  template void log_softmax_forward<T>(const T*, T*, const SmGeom&, bool);                         \
  template void softmax_forward<T>(const T*, T*, const SmGeom&, bool);                             \
  template void log_softmax_pick<T>(const T*, const int64_t*, int64_t, T*, const SmGeom&, int64_t, \
                                    int64_t, bool);                                                \
  template void log_softmax_backward<T>(const T*, const T*, T*, const SmGeom&, bool);              \
  template void softmax_backward<T>(const T*, const T*, T*, const SmGeom&, bool);                  \
  template void exp_n<T>(const T*, T*, int64_t, bool);                                             \
  template void log_n<T>(const T*, T*, int64_t, bool);
LOSSLAB_SOFTMAX_INSTANTIATE(float)
LOSSLAB_SOFTMAX_INSTANTIATE(double)
#undef LOSSLAB_SOFTMAX_INSTANTIATE

}  // namespace detail
}  // namespace losslab
