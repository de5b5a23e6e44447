// The SIMD layout for a dim other than the last (inner > 1): lanes across the contiguous
// positions after the dim, in chunks. Private to core/src/softmax/.
#pragma once
#include "rows.hpp"  // Batch, the lane helpers

namespace losslab::detail::sm {

#if LOSSLAB_HAVE_SIMD
// ------------------------------------------------------------------------------------------
// A dim other than the last (inner > 1): lanes across the positions i (contiguous).
// Positions [i0, i0 + width) of outer index o; M, S: width values of scratch.
// ------------------------------------------------------------------------------------------
template <class T, Mode Md>
void inner_block(const T* x, T* y, const SmGeom& g, int64_t o, int64_t i0, int64_t width,
                 const int64_t* t, int64_t ii, T* v, T* M, T* S) {
  using B = Batch<T>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  const int64_t C = g.C, in = g.inner;
  const T* xb = x + o * C * in + i0;
  T* yb = Md == kPick ? nullptr : y + o * C * in + i0;
  const int64_t wv = width - width % W;
  for (int64_t j = 0; j < C; ++j) {
    const T* xr = xb + j * in;
    int64_t i = 0;
    if (j == 0) {
      for (; i < wv; i += W) B::load_unaligned(xr + i).store_unaligned(M + i);
      for (; i < width; ++i) M[i] = xr[i];
    } else {
      for (; i < wv; i += W)
        xsimd::max(B::load_unaligned(M + i), B::load_unaligned(xr + i)).store_unaligned(M + i);
      for (; i < width; ++i) M[i] = std::max(M[i], xr[i]);
    }
  }
  std::fill(S, S + width, T(0));
  for (int64_t j = 0; j < C; ++j) {
    const T* xr = xb + j * in;
    int64_t i = 0;
    for (; i < wv; i += W) {
      const B e = pm::exp(B::load_unaligned(xr + i) - B::load_unaligned(M + i));
      if (Md == kSoft) e.store_unaligned(yb + j * in + i);
      (B::load_unaligned(S + i) + e).store_unaligned(S + i);
    }
    for (; i < width; ++i) {
      const T e = pm::exp(xr[i] - M[i]);
      if (Md == kSoft) yb[j * in + i] = e;
      S[i] = S[i] + e;
    }
  }
  if constexpr (Md == kSoft) {
    for (int64_t j = 0; j < C; ++j) {
      T* yr = yb + j * in;
      int64_t i = 0;
      for (; i < wv; i += W)
        (B::load_unaligned(yr + i) / B::load_unaligned(S + i)).store_unaligned(yr + i);
      for (; i < width; ++i) yr[i] = yr[i] / S[i];
    }
    return;
  }
  {
    int64_t i = 0;
    for (; i < wv; i += W) pm::log(B::load_unaligned(S + i)).store_unaligned(S + i);
    for (; i < width; ++i) S[i] = pm::log(S[i]);
  }
  if constexpr (Md == kLog) {
    for (int64_t j = 0; j < C; ++j) {
      const T* xr = xb + j * in;
      T* yr = yb + j * in;
      int64_t i = 0;
      for (; i < wv; i += W)
        ((B::load_unaligned(xr + i) - B::load_unaligned(M + i)) - B::load_unaligned(S + i))
            .store_unaligned(yr + i);
      for (; i < width; ++i) yr[i] = (xr[i] - M[i]) - S[i];
    }
  } else {
    const int64_t rbase = o * in + i0;
    for (int64_t i = 0; i < width; ++i) {
      const int64_t tv = t[rbase + i];
      v[i] = tv == ii ? T(0) : (xb[tv * in + i] - M[i]) - S[i];
    }
  }
}

template <class T>
int64_t inner_chunk(int64_t C) {
  constexpr int64_t W = static_cast<int64_t>(Batch<T>::size);
  int64_t w = 65536 / static_cast<int64_t>(sizeof(T)) / std::max<int64_t>(C, 1);
  w = std::clamp<int64_t>(w, W, 1024);
  return w - w % W;
}

#endif  // LOSSLAB_HAVE_SIMD

}  // namespace losslab::detail::sm
