// The softmax family's shared machinery: log_softmax / softmax kernels (core/src/softmax/),
// used by the activations (core/src/activations/softmax.cpp) and cross_entropy; nll_loss's
// plan and cascade are in detail/nll.hpp.
//
// Floating-point contract (the reason these are one family):
//  * exp and log are the portable ones of detail/pmath.hpp, so the scalar reference, every SIMD
//    width and the wasm build agree bit for bit;
//  * every sum has one canonical order, torch 1.13's (AVX2 build):
//      - softmax over the LAST dim (torch's *_lastdim kernels): a row of C values is summed
//        sequentially when C < K, else in K interleaved lanes (lane k takes elements j = k mod K,
//        in order, starting from element k), the lanes combined as torch's vec_reduce_all does:
//        float K = 8, tree ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)); double K = 4,
//        ((a0+a1)+a2)+a3. Softmax multiplies by 1/sum.
//      - softmax over any other dim: sequential from 0 along the dim; softmax divides by the sum.
//    (Both verified against torch 1.13 with torch's own exp/log: identical bits.)
//  * log_softmax is (x - max) - log(sum); the fused cross_entropy picks the same value.
//  * nll_loss's 'mean'/'sum' is torch's 8-level cascade (NllCascade, detail/nll.hpp), bit for bit.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>

#include "losslab/loss.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab::detail {

// A contiguous tensor seen as (outer, C, inner) around the softmax dim.
struct SmGeom {
  int64_t outer = 1, C = 1, inner = 1;
  bool lastdim = true;  // torch's lastdim kernels: ndim > 0 and dim == ndim - 1
  int64_t rows() const { return outer * inner; }  // positions (o, i), linear order o*inner+i
};
// dim must already be wrapped into [0, ndim) (0 for a 0-d tensor).
SmGeom sm_geom(const Shape& shape, int64_t dim);

// Wraps dim (negative counts from the end); PyTorch's IndexError text when out of range.
// A 0-d tensor accepts -1 and 0.
Result<int64_t> wrap_dim(int64_t dim, int64_t ndim);

// Forward into out (same layout as x). simd=false runs the scalar reference.
template <class T>
void log_softmax_forward(const T* x, T* out, const SmGeom& g, bool simd);
template <class T>
void softmax_forward(const T* x, T* out, const SmGeom& g, bool simd);

// The fused cross_entropy step: for positions r in [r0, r1), v[r - r0] = log_softmax(x)[o, t[r], i]
// (bit-identical to log_softmax_forward followed by a gather), or +0 where t[r] == ignore_index.
// Targets must already be validated.
template <class T>
void log_softmax_pick(const T* x, const int64_t* t, int64_t ignore_index, T* v, const SmGeom& g,
                      int64_t r0, int64_t r1, bool simd);

// Backward from the forward output `out` and upstream gradient g (nullptr: ones):
//   log_softmax: gx = g - exp(out) * sum(g);   softmax: gx = (g - sum(g * out)) * out,
// sums in the canonical order of the dim (see above). gx may alias g.
template <class T>
void log_softmax_backward(const T* out, const T* g, T* gx, const SmGeom& geom, bool simd);
template <class T>
void softmax_backward(const T* out, const T* g, T* gx, const SmGeom& geom, bool simd);

// log_softmax over the last dim of a contiguous (rows, C) float32 tensor exactly as torch 1.13
// computes it, bit for bit: its order (max, the sum above) with its SLEEF exp and log
// (detail/torch_math.hpp). Slower than the kernels above (which use pmath's exp/log, within
// 2 ulp of torch); the recipes use it so that drawn data are torch's (the CTC log-probabilities).
void log_softmax_lastdim_torch(const float* x, float* y, int64_t rows, int64_t C);

// The portable exp / log of detail/pmath.hpp over n values, through the SIMD kernels or the
// scalar code (bit-identical); for tests and tools that cannot see xsimd.
template <class T>
void exp_n(const T* a, T* out, int64_t n, bool simd);
template <class T>
void log_n(const T* a, T* out, int64_t n, bool simd);

// The canonical sums (see the top of this file), V = T or a batch of independent rows.
template <class T>
constexpr int64_t kLaneK = sizeof(T) == 4 ? 8 : 4;

template <class T, class V>
V combine_lanes(V* a) {
  if constexpr (sizeof(T) == 4) {
    for (int h = 4; h >= 1; h /= 2)
      for (int k = 0; k < h; ++k) a[k] = a[k] + a[k + h];
    return a[0];
  } else {
    return ((a[0] + a[1]) + a[2]) + a[3];
  }
}

// Last dim: C values e(0..C-1), sequential below K, else K interleaved lanes; C = 0 sums to +0
// without reading e(0) (it did, out of bounds, for an empty class dim: found by the fuzzer).
template <class T, class V, class Get>
V lastdim_sum(int64_t C, const Get& e) {
  constexpr int64_t K = kLaneK<T>;
  if (C <= 0) return V(T(0));
  if (C < K) {
    V s = e(0);
    for (int64_t j = 1; j < C; ++j) s = s + e(j);
    return s;
  }
  V a[K];
  for (int64_t k = 0; k < K; ++k) a[k] = e(k);
  for (int64_t j = K; j < C; ++j) a[j % K] = a[j % K] + e(j);
  return combine_lanes<T>(a);
}

// Along the softmax dim: lastdim as above, any other dim sequential from 0.
template <class T, class V, class Get>
V dim_sum(bool lastdim, int64_t C, const Get& e) {
  if (lastdim) return lastdim_sum<T, V>(C, e);
  V s = V(T(0));
  for (int64_t j = 0; j < C; ++j) s = s + e(j);
  return s;
}

// log_softmax's backward in place: buf holds the forward output (log-probabilities) and
// becomes gx = g - exp(out) * sum(g); row_fn(r) gives, for position r, a callable j -> g[r, j]
// (the upstream gradient, computed on the fly). Same operations as log_softmax_backward.
template <class T, class RowFn>
void log_softmax_backward_inplace(T* buf, const SmGeom& geom, bool simd, const RowFn& row_fn) {
  const int64_t C = geom.C, in = geom.inner;
  exp_n(buf, buf, geom.outer * C * in, simd);
  for (int64_t o = 0; o < geom.outer; ++o)
    for (int64_t i = 0; i < in; ++i) {
      const int64_t base = o * C * in + i;
      const auto gr = row_fn(o * in + i);
      const T sum = dim_sum<T, T>(geom.lastdim, C, gr);
      for (int64_t j = 0; j < C; ++j) {
        T& e = buf[base + j * in];
        e = gr(j) - e * sum;
      }
    }
}

// torch's "\"<kernel>\" not implemented for 'Long'" for an integer input of log_softmax/softmax.
Error softmax_dtype_error(bool log, const SmGeom& g, DType dtype);

}  // namespace losslab::detail
