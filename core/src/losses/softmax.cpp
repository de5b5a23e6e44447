// log_softmax and softmax (F.log_softmax / F.softmax) along a dim, torch 1.13's CPU kernels:
//   m = max_k x_k;  log_softmax = (x - m) - log(sum_k exp(x_k - m));
//   softmax = exp(x - m) * (1 / sum)   over the last dim,   exp(x - m) / sum   over another dim.
// Summation orders and the portable exp/log: see detail/classification.hpp.
//
// Kernels (every one bit-identical to the scalar reference, which is the plain loop below):
//  * contiguous rows (the last dim, or nothing after the dim), C <= 16 — the hot (N, 3) case:
//    rows across the SIMD lanes; a block of W rows is gathered into C batches so that each lane
//    runs one row's scalar algorithm (C <= 5 unrolled at compile time);
//  * contiguous rows, larger C: vectorised along the row, the last-dim sum kept in torch's K
//    interleaved lanes;
//  * positions after the dim (inner > 1): vectorised across them (contiguous), in chunks.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losslab/detail/classification.hpp"
#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/pmath.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace detail {

namespace {

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

#if LOSSLAB_HAVE_SIMD

constexpr int64_t kSmallC = 16;  // up to here, rows go across the lanes

template <class T>
using Batch = xsimd::batch<T>;
// A batch of at most K lanes for the row kernel's lane accumulators (AVX-512 uses its AVX2 half).
template <class T>
using RowBatch = std::conditional_t<(Batch<T>::size <= static_cast<std::size_t>(kLaneK<T>)),
                                    Batch<T>, xsimd::make_sized_batch_t<T, kLaneK<T>>>;

// A batch from per-lane values f(0..W-1), built in registers (a scalar store / vector load
// round trip through memory would stall on store forwarding).
template <class B, class F, std::size_t... I>
B lanes_of(const F& f, std::index_sequence<I...>) {
  return B(f(I)...);
}
template <class B, class F>
B lanes_of(const F& f) {
  return lanes_of<B>(f, std::make_index_sequence<B::size>());
}

// Column j of W consecutive rows of C values: x[k * C + j], k < W.
template <class B, class T>
B load_column(const T* x, int64_t C, int64_t j) {
#if defined(__AVX2__)
  using I = xsimd::batch<xsimd::as_integer_t<T>, typename B::arch_type>;
  const I idx = lanes_of<I>([C](std::size_t k) {
    return static_cast<xsimd::as_integer_t<T>>(static_cast<int64_t>(k) * C);
  });
  return B::gather(x + j, idx);
#else
  return lanes_of<B>([x, C, j](std::size_t k) { return x[static_cast<int64_t>(k) * C + j]; });
#endif
}

// 128-bit float batches (WebAssembly SIMD, SSE): four rows of three classes are three loads and
// seven two-input shuffles (each one shufps / i8x16.shuffle), not twelve lane inserts; four
// int64 targets are two loads and one shuffle.
#if defined(__wasm_simd128__) || (defined(__SSE2__) && !defined(__AVX__))
#define LOSSLAB_ROWS4X3 1
// [a[i0], a[i1], b[i2], b[i3]]
template <int i0, int i1, int i2, int i3, class B>
LOSSLAB_INLINE B shufps(const B& a, const B& b) {
#if defined(__wasm_simd128__)
  return B(wasm_i32x4_shuffle(a.data, b.data, i0, i1, i2 + 4, i3 + 4));
#else
  return B(_mm_shuffle_ps(a.data, b.data, _MM_SHUFFLE(i3, i2, i1, i0)));
#endif
}

// X[j] = column j of the 4 x 3 row-major block at x.
template <class B>
LOSSLAB_INLINE void load_rows4x3(const float* x, B* X) {
  const B a = B::load_unaligned(x), b = B::load_unaligned(x + 4), c = B::load_unaligned(x + 8);
  // a = r0c0 r0c1 r0c2 r1c0, b = r1c1 r1c2 r2c0 r2c1, c = r2c2 r3c0 r3c1 r3c2
  X[0] = shufps<0, 3, 0, 2>(a, shufps<2, 2, 1, 1>(b, c));                         // a0 a3 b2 c1
  X[1] = shufps<0, 2, 0, 2>(shufps<1, 1, 0, 0>(a, b), shufps<3, 3, 2, 2>(b, c));  // a1 b0 b3 c2
  X[2] = shufps<0, 2, 0, 3>(shufps<2, 2, 1, 1>(a, b), c);                         // a2 b1 c0 c3
}

// The low 32 bits of t[0..3] as float lanes' bit patterns (reinterpret as int32 to use).
template <class B>
LOSSLAB_INLINE B load_targets4_lo32(const int64_t* t) {
  const B lo = B::load_unaligned(reinterpret_cast<const float*>(t));
  const B hi = B::load_unaligned(reinterpret_cast<const float*>(t + 2));
  return shufps<0, 2, 0, 2>(lo, hi);
}
#endif

// ------------------------------------------------------------------------------------------
// Last dim, small C: W rows across the lanes.
// ------------------------------------------------------------------------------------------
// CC > 0: C known at compile time (the loops over the classes unroll and the per-class batches
// stay in registers); CC == 0: C at run time.
template <class T, Mode M, int CC>
void small_rows_c(const T* x, T* y, int64_t r0, int64_t r1, int64_t c_runtime, bool lastdim,
                  const int64_t* t, int64_t ii) {
  using B = Batch<T>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  constexpr int64_t kCap = CC > 0 ? CC : kSmallC;
  const int64_t C = CC > 0 ? CC : c_runtime;
  alignas(64) T buf[kCap * W];
  B X[kCap], E[kCap];
  const pm::K<B> kb;  // exp/log constants, loaded once
  int64_t r = r0;
#if defined(LOSSLAB_ROWS4X3)
  using I = xsimd::batch<int32_t, typename B::arch_type>;
  // Targets in [0, C) or == ii (validated): with ii in int32 range, the low 32 bits decide.
  constexpr bool kRows4x3 = CC == 3 && W == 4 && std::is_same_v<T, float>;
  const bool ii32 = ii >= INT32_MIN && ii <= INT32_MAX;
  const I iib(static_cast<int32_t>(ii32 ? ii : 0));
#endif
  for (; r + W <= r1; r += W) {
    const T* xb = x + r * C;
#if defined(LOSSLAB_ROWS4X3)
    if constexpr (kRows4x3)
      load_rows4x3(xb, X);
    else
#endif
      for (int64_t j = 0; j < C; ++j) X[j] = load_column<B>(xb, C, j);
    B m = X[0];
    for (int64_t j = 1; j < C; ++j) m = xsimd::max(m, X[j]);
    for (int64_t j = 0; j < C; ++j) E[j] = X[j] - m;
    // One range test for the C exps (x - m <= 0 always; NaN fails it).
    bool fast = false;
    if constexpr (std::is_same_v<T, float>) {
      auto in = E[0] >= kb.fast_lo;
      for (int64_t j = 1; j < C; ++j) in = in & (E[j] >= kb.fast_lo);
      fast = xsimd::all(in);
    }
    if (fast)
      for (int64_t j = 0; j < C; ++j) E[j] = pm::exp_fast(E[j], kb);
    else
      for (int64_t j = 0; j < C; ++j) E[j] = pm::exp(E[j], kb);
    const B s = dim_sum<T, B>(lastdim, C, [&](int64_t j) { return E[j]; });
    if constexpr (M == kPick) {
      // With the exps on their fast path, s is a sum of values in (0, 1] one of which is exactly
      // 1 (exp(0)): a normal number in [1, C], so log needs no range test either.
      const B L = fast ? pm::log_fast(s, kb) : pm::log(s, kb);
      const int64_t* tr = t + r;
      B v;
#if defined(LOSSLAB_ROWS4X3)
      if (kRows4x3 && ii32) {
        if constexpr (kRows4x3) {
          // Class compares on the int32 targets; ignored lanes cleared with one and-not.
          const I ti = xsimd::bitwise_cast<int32_t>(load_targets4_lo32<B>(tr));
          B sel = X[0];
          for (int64_t j = 1; j < C; ++j)
            sel = xsimd::select(xsimd::batch_bool_cast<T>(ti == I(static_cast<int32_t>(j))), X[j],
                                sel);
          v = xsimd::select(xsimd::batch_bool_cast<T>(ti == iib), B(T(0)), (sel - m) - L);
        }
      } else
#endif
      {
        const B tv = lanes_of<B>(
            [tr, ii](std::size_t k) { return tr[k] == ii ? T(-1) : static_cast<T>(tr[k]); });
        B sel = X[0];
        for (int64_t j = 1; j < C; ++j) sel = xsimd::select(tv == B(static_cast<T>(j)), X[j], sel);
        v = (sel - m) - L;
        v = xsimd::select(tv < B(T(0)), B(T(0)), v);
      }
      v.store_unaligned(y + (r - r0));
    } else {
      if constexpr (M == kLog) {
        const B L = fast ? pm::log_fast(s, kb) : pm::log(s, kb);
        for (int64_t j = 0; j < C; ++j) ((X[j] - m) - L).store_aligned(buf + j * W);
      } else if (lastdim) {
        const B inv = B(T(1)) / s;
        for (int64_t j = 0; j < C; ++j) (E[j] * inv).store_aligned(buf + j * W);
      } else {
        for (int64_t j = 0; j < C; ++j) (E[j] / s).store_aligned(buf + j * W);
      }
      T* yb = y + r * C;
      for (int64_t k = 0; k < W; ++k)
        for (int64_t j = 0; j < C; ++j) yb[k * C + j] = buf[j * W + k];
    }
  }
  // Ragged tail: the scalar reference (bit-identical).
  if (r < r1) {
    SmGeom g{r1 - r, C, 1, lastdim};
    if constexpr (M == kPick)
      ref_pick(x + r * C, t + r, ii, y + (r - r0), g, 0, r1 - r);
    else
      ref_forward(x + r * C, y + r * C, g, M);
  }
}

template <class T, Mode M>
void small_rows(const T* x, T* y, int64_t r0, int64_t r1, int64_t C, bool lastdim, const int64_t* t,
                int64_t ii) {
  switch (C) {
    case 1: return small_rows_c<T, M, 1>(x, y, r0, r1, C, lastdim, t, ii);
    case 2: return small_rows_c<T, M, 2>(x, y, r0, r1, C, lastdim, t, ii);
    case 3: return small_rows_c<T, M, 3>(x, y, r0, r1, C, lastdim, t, ii);
    case 4: return small_rows_c<T, M, 4>(x, y, r0, r1, C, lastdim, t, ii);
    case 5: return small_rows_c<T, M, 5>(x, y, r0, r1, C, lastdim, t, ii);
    default: return small_rows_c<T, M, 0>(x, y, r0, r1, C, lastdim, t, ii);
  }
}

// The row's max, and whether every exp(x - max) of the row is in pm::exp_fast's range
// (min - max >= -87; float only, the double exp has no fast variant). A NaN in the row may or
// may not reach max and min (their NaN rules differ by target); either way its exp comes out
// NaN, only its payload may differ from the general path's (tests compare NaN as NaN).
template <class T>
T row_max(const T* xr, int64_t C, bool& exp_fast) {
  using B = Batch<T>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  T m = xr[0], lo = xr[0];
  int64_t j = 0;
  if (C >= W) {
    B acc = B::load_unaligned(xr), acc_lo = acc;
    for (j = W; j + W <= C; j += W) {
      const B v = B::load_unaligned(xr + j);
      acc = xsimd::max(acc, v);
      acc_lo = xsimd::min(acc_lo, v);
    }
    alignas(64) T lanes[W];
    acc.store_aligned(lanes);
    m = lanes[0];
    for (int64_t k = 1; k < W; ++k) m = std::max(m, lanes[k]);
    acc_lo.store_aligned(lanes);
    lo = lanes[0];
    for (int64_t k = 1; k < W; ++k) lo = std::min(lo, lanes[k]);
  }
  for (; j < C; ++j) {
    m = std::max(m, xr[j]);
    lo = std::min(lo, xr[j]);
  }
  exp_fast = std::is_same_v<T, float> && lo - m >= T(-87);
  return m;
}

// ------------------------------------------------------------------------------------------
// Rows (inner == 1), larger C: vectorised along the row. scratch: C values.
// ------------------------------------------------------------------------------------------
template <class T, Mode M>
void big_rows(const T* x, T* y, int64_t r0, int64_t r1, int64_t C, bool lastdim, const int64_t* t,
              int64_t ii, T* scratch) {
  using B = Batch<T>;
  using RB = RowBatch<T>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  constexpr int64_t K = kLaneK<T>;
  constexpr int64_t RW = static_cast<int64_t>(RB::size);
  constexpr int64_t R = K / RW;
  const pm::K<RB> kr;  // exp constants, loaded once
  const pm::K<B> kb;
  for (int64_t r = r0; r < r1; ++r) {
    if constexpr (M == kPick) {
      if (t[r] == ii) {
        y[r - r0] = T(0);
        continue;
      }
    }
    const T* xr = x + r * C;
    T* yr = M == kPick ? nullptr : y + r * C;
    bool fast = false;
    const T m = row_max(xr, C, fast);
    // exps: kept for softmax (in the output row) and for a non-lastdim sum (scratch)
    const bool keep = M == kSoft || !lastdim;
    T* er = M == kSoft ? yr : scratch;
    T s;
    if (lastdim && C >= K) {
      const RB mb(m);
      RB a[R];
      int64_t j = K;
      // The loop twice, with and without the per-batch range test of exp.
      auto exps = [&](auto fast_tag) {
        auto ex = [&](const RB& v) {
          if constexpr (decltype(fast_tag)::value)
            return pm::exp_fast(v, kr);
          else
            return pm::exp(v, kr);
        };
        for (int64_t q = 0; q < R; ++q) {
          a[q] = ex(RB::load_unaligned(xr + q * RW) - mb);
          if (keep) a[q].store_unaligned(er + q * RW);
        }
        for (; j + K <= C; j += K)
          for (int64_t q = 0; q < R; ++q) {
            const RB e = ex(RB::load_unaligned(xr + j + q * RW) - mb);
            if (keep) e.store_unaligned(er + j + q * RW);
            a[q] = a[q] + e;
          }
      };
      if (fast)
        exps(std::true_type{});
      else
        exps(std::false_type{});
      alignas(64) T lanes[K];
      for (int64_t q = 0; q < R; ++q) a[q].store_aligned(lanes + q * RW);
      for (; j < C; ++j) {
        const T e = pm::exp(xr[j] - m);
        if (keep) er[j] = e;
        lanes[j % K] = lanes[j % K] + e;
      }
      s = combine_lanes<T>(lanes);
    } else {
      const B mb(m);
      int64_t j = 0;
      for (; j + W <= C; j += W)
        pm::exp(B::load_unaligned(xr + j) - mb, kb).store_unaligned(er + j);
      for (; j < C; ++j) er[j] = pm::exp(xr[j] - m);
      s = dim_sum<T, T>(lastdim, C, [&](int64_t k) { return er[k]; });
    }
    if constexpr (M == kPick) {
      y[r - r0] = (xr[t[r]] - m) - pm::log(s);
    } else if constexpr (M == kLog) {
      const T L = pm::log(s);
      const B mb(m), Lb(L);
      int64_t j = 0;
      for (; j + W <= C; j += W) ((B::load_unaligned(xr + j) - mb) - Lb).store_unaligned(yr + j);
      for (; j < C; ++j) yr[j] = (xr[j] - m) - L;
    } else {
      int64_t j = 0;
      if (lastdim) {
        const T inv = T(1) / s;
        const B ib(inv);
        for (; j + W <= C; j += W) (B::load_unaligned(yr + j) * ib).store_unaligned(yr + j);
        for (; j < C; ++j) yr[j] = yr[j] * inv;
      } else {
        const B sb(s);
        for (; j + W <= C; j += W) (B::load_unaligned(yr + j) / sb).store_unaligned(yr + j);
        for (; j < C; ++j) yr[j] = yr[j] / s;
      }
    }
  }
}

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

// ---------------------------------------------------------------------------------------------
// The activations
// ---------------------------------------------------------------------------------------------
namespace {

struct Prepared {
  detail::SmGeom geom;
  std::vector<std::string> warnings;
};

template <bool Log>
Result<Prepared> prepare(const TensorView& input, bool has_dim, int64_t dim) {
  Prepared p;
  const int64_t ndim = input.dim();
  if (!has_dim) {
    // torch.nn.functional._get_softmax_dim
    dim = (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1;
    p.warnings.push_back(std::string("Implicit dimension choice for ") +
                         (Log ? "log_softmax" : "softmax") +
                         " has been deprecated. Change the call to include dim=X as an argument.");
  }
  auto wd = detail::wrap_dim(dim, ndim);
  if (!wd) return wd.error();
  p.geom = detail::sm_geom(input.shape, wd.value());
  if (!dtype_is_floating(input.dtype)) return detail::softmax_dtype_error(Log, p.geom, input.dtype);
  return p;
}

template <bool Log, class T>
void run_forward(const T* x, T* y, const detail::SmGeom& g, bool simd) {
  if (Log)
    detail::log_softmax_forward(x, y, g, simd);
  else
    detail::softmax_forward(x, y, g, simd);
}

template <bool Log>
Result<ActivationOutput> act_forward(const TensorView& input, bool has_dim, int64_t dim,
                                     bool force_scalar) {
  auto prep = prepare<Log>(input, has_dim, dim);
  if (!prep) return prep.error();
  ActivationOutput out;
  out.warnings = std::move(prep.value().warnings);
  out.value = Tensor(input.dtype, input.shape);
  if (!out.value.ok()) return oom_error(std::to_string(out.value.nbytes()) + " bytes");
  const bool simd = !force_scalar;
  if (input.dtype == DType::Float32)
    run_forward<Log>(input.as<float>(), out.value.as<float>(), prep.value().geom, simd);
  else
    run_forward<Log>(input.as<double>(), out.value.as<double>(), prep.value().geom, simd);
  return out;
}

template <bool Log, class T>
void run_backward(const T* x, const T* g, T* y, T* gx, const detail::SmGeom& geom) {
  run_forward<Log>(x, y, geom, true);
  if (Log)
    detail::log_softmax_backward(y, g, gx, geom, true);
  else
    detail::softmax_backward(y, g, gx, geom, true);
}

template <bool Log>
Result<Tensor> act_backward(const TensorView& input, bool has_dim, int64_t dim,
                            const TensorView* grad_output) {
  auto prep = prepare<Log>(input, has_dim, dim);
  if (!prep) return prep.error();
  if (auto st = detail::check_grad_output(grad_output, input.shape, Reduction::None, input.dtype);
      !st)
    return st.error();
  Tensor gx(input.dtype, input.shape), y(input.dtype, input.shape);
  if (!gx.ok() || !y.ok()) return oom_error(std::to_string(gx.nbytes()) + " bytes");
  if (input.dtype == DType::Float32)
    run_backward<Log>(input.as<float>(), grad_output ? grad_output->as<float>() : nullptr,
                      y.as<float>(), gx.as<float>(), prep.value().geom);
  else
    run_backward<Log>(input.as<double>(), grad_output ? grad_output->as<double>() : nullptr,
                      y.as<double>(), gx.as<double>(), prep.value().geom);
  return gx;
}

}  // namespace

std::vector<OptionSpec> activation_options() {
  return {
      opt_int("dim", nullptr, 0,
              "the dimension the softmax runs along (None: implicit, deprecated)"),
      OptionSpec{"dtype", OptionKind::DType, 0.0, {}, "cast the input to this dtype first", {}}};
}

extern const ActivationSpec kLogSoftmax{
    "log_softmax",        "LogSoftmax",       "y = (x - max) - log(sum(exp(x - max)))  along dim",
    activation_options(), &act_forward<true>, &act_backward<true>};

extern const ActivationSpec kSoftmax{"softmax",
                                     "Softmax",
                                     "y = exp(x - max) / sum(exp(x - max))  along dim",
                                     activation_options(),
                                     &act_forward<false>,
                                     &act_backward<false>};

}  // namespace losslab
