// SIMD layouts over contiguous rows (the last dim, or nothing after the dim): C <= 16 with rows
// across the lanes (the hot (N, 3) case, with a 4x3 shuffle layout on 128-bit SIMD), and larger
// C vectorised along the row with the last-dim sum in torch's K interleaved lanes.
// Private to core/src/softmax/.
#pragma once
#include "reference.hpp"

namespace losslab::detail::sm {

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
    // (j < C <= kCap always; the clamp tells GCC so: its -Warray-bounds otherwise flags the
    // K-lane branch of lastdim_sum, dead for C < K, in the sanitizer build.)
    const B s = dim_sum<T, B>(lastdim, C, [&](int64_t j) { return E[j < kCap ? j : kCap - 1]; });
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
#endif  // LOSSLAB_HAVE_SIMD

}  // namespace losslab::detail::sm
