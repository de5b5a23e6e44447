// torch's float32 exp and log, bit for bit, for the kernels that must print torch's value.
//
// exp(), log(): the algorithms of SLEEF 3.5.1's Sleef_expf8_u10 and Sleef_logf8_u10 as built for
// AVX2 (fused multiply-adds included), which is what torch 1.13's at::exp / at::log
// (Vectorized<float>::exp / log, every element, tails included) run on x86. Used where torch's
// composite losses call at::exp / at::log (poisson_nll_loss, gaussian_nll_loss's log(var),
// kl_div with log_target): with these the elementwise terms are torch's, so the reductions are.
// libm_log(): C's logf (glibc's and musl's are the same algorithm, ARM's optimized-routines
// logf), which torch's scalar kernels call as std::log (xlogy, so kl_div): std::log itself in the
// scalar reference, the same steps in double on the lanes of a batch.
//
// One algorithm per function, a template over V = float or xsimd::batch<float, A>, like pmath.hpp.
// Every fused multiply-add of SLEEF's is an exact one here (fma() below): the hardware's where
// the target has it (x86 with FMA, AArch64), else computed in double and corrected in the rare
// case where rounding twice would differ from rounding once, so every build (native, wasm, SIMD,
// scalar) gives the same bits. Everything else is IEEE +, -, *, / (the project builds with
// -ffp-contract=off), selects and exact bit manipulation.
//
// Checked: against the system's libsleef 3.5.1 (Sleef_expf8_u10avx2 / Sleef_logf8_u10avx2) and
// glibc's logf over all 2^32 float32 inputs, 0 differences (scripts/check_torch_math.sh), and the
// wasm SIMD paths against the scalar reference, also over all inputs, 0 differences
// (scripts/check_torch_math_wasm.sh); the test suite checks torch's own outputs
// (tests/golden/torch_exp_log.json) and scalar == SIMD on a sweep of the float32 range. Accuracy is
// SLEEF's (within 1.0 ulp) and libm's (0.82 ulp). Range: exp(x) = 0 for x < -104, +inf for x > 100
// (SLEEF's cut-offs; exp is subnormal below about -87.3), log(0) = -inf, log(x < 0) = NaN.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "losslab/detail/pmath.hpp"
#include "losslab/detail/xsimd.hpp"

#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace losslab::detail {
#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
// exp's constants for the wasm batches (src/kconst.cpp): -L2U, -L2L, the six coefficients, 1,
// 2^29 + 1.
extern double g_tmath_exp_k[10];
#endif
}  // namespace losslab::detail

namespace losslab::detail::tmath {

using pm::vbits;
using pm::vfrom_bits;
using pm::vsel;

// ---- exact fused multiply-add: a * b + c rounded once ----
// Without a libm call where the hardware has no fma (wasm, SSE4.2): a * b is exact in double, the
// double sum rounds once, and its conversion to float rounds correctly unless that sum lies
// exactly halfway between two floats (1 in 2^29 of inexact sums) or in float's subnormal range;
// std::fma decides those.
inline float fma(float a, float b, float c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return std::fma(a, b, c);
#else
  const double r = static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c);
  uint64_t u;
  std::memcpy(&u, &r, sizeof u);
  const uint64_t ex = (u >> 52) & 0x7ff;
  if ((u & 0x1fffffff) != 0x10000000 && (ex >= 1023 - 126 || r == 0.0))
    return static_cast<float>(r);
  return std::fma(a, b, c);
#endif
}

#if LOSSLAB_HAVE_SIMD
// f on each lane of x (the rare slow paths below, and float64's libm_log).
template <class T, class A, class F>
xsimd::batch<T, A> per_lane(const xsimd::batch<T, A>& x, const F& f) {
  constexpr std::size_t n = xsimd::batch<T, A>::size;
  alignas(64) T v[n];
  x.store_aligned(v);
  for (std::size_t i = 0; i < n; ++i) v[i] = f(v[i]);
  return xsimd::batch<T, A>::load_aligned(v);
}

template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> fma_lanes(const xsimd::batch<float, A>& a,
                                                  const xsimd::batch<float, A>& b,
                                                  const xsimd::batch<float, A>& c) {
  constexpr std::size_t n = xsimd::batch<float, A>::size;
  alignas(64) float av[n], bv[n], cv[n];
  a.store_aligned(av);
  b.store_aligned(bv);
  c.store_aligned(cv);
  for (std::size_t i = 0; i < n; ++i) av[i] = tmath::fma(av[i], bv[i], cv[i]);
  return xsimd::batch<float, A>::load_aligned(av);
}

#if defined(__wasm_simd128__)
// In double: a * b is exact (48 bits), + c rounds once to 53 bits, the conversion to float rounds
// again. Two roundings equal one except when the first lands exactly halfway between two floats
// (low 29 bits 1 << 28), or when the result is subnormal in float; those (about 2^-28 of random
// inputs) are done lane by lane by libc's exact fmaf.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fma(const xsimd::batch<float, A>& a,
                                          const xsimd::batch<float, A>& b,
                                          const xsimd::batch<float, A>& c) {
  const v128_t av = a, bv = b, cv = c;
  const v128_t ah = wasm_i64x2_shuffle(av, av, 1, 0), bh = wasm_i64x2_shuffle(bv, bv, 1, 0);
  const v128_t ch = wasm_i64x2_shuffle(cv, cv, 1, 0);
  const v128_t lo = wasm_f64x2_add(
      wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(av), wasm_f64x2_promote_low_f32x4(bv)),
      wasm_f64x2_promote_low_f32x4(cv));
  const v128_t hi = wasm_f64x2_add(
      wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(ah), wasm_f64x2_promote_low_f32x4(bh)),
      wasm_f64x2_promote_low_f32x4(ch));
  const v128_t low_bits = wasm_i64x2_splat(0x1fffffff), halfway = wasm_i64x2_splat(0x10000000);
  const v128_t tiny = wasm_f64x2_splat(0x1p-126), zero = wasm_f64x2_splat(0.0);
  const v128_t bad = wasm_v128_or(
      wasm_v128_or(wasm_i64x2_eq(wasm_v128_and(lo, low_bits), halfway),
                   wasm_i64x2_eq(wasm_v128_and(hi, low_bits), halfway)),
      wasm_v128_or(
          wasm_v128_and(wasm_f64x2_lt(wasm_f64x2_abs(lo), tiny), wasm_f64x2_ne(lo, zero)),
          wasm_v128_and(wasm_f64x2_lt(wasm_f64x2_abs(hi), tiny), wasm_f64x2_ne(hi, zero))));
  if (wasm_v128_any_true(bad)) return fma_lanes(a, b, c);
  return xsimd::batch<float, A>(
      wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 2));
}
#else
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fma(const xsimd::batch<float, A>& a,
                                          const xsimd::batch<float, A>& b,
                                          const xsimd::batch<float, A>& c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return xsimd::fma(a, b, c);  // the instruction (xsimd's fma is a * b + c on targets without one)
#else
  return fma_lanes(a, b, c);
#endif
}
#endif
#endif  // LOSSLAB_HAVE_SIMD

// ---- the int32 helpers SLEEF's reductions use ----
inline float to_float(uint32_t u) { return static_cast<float>(static_cast<int32_t>(u)); }
inline uint32_t sra1(uint32_t u) { return static_cast<uint32_t>(static_cast<int32_t>(u) >> 1); }
#if LOSSLAB_HAVE_SIMD
template <class A>
xsimd::batch<float, A> to_float(const xsimd::batch<uint32_t, A>& u) {
  return xsimd::batch_cast<float>(xsimd::bitwise_cast<int32_t>(u));
}
template <class A>
xsimd::batch<uint32_t, A> sra1(const xsimd::batch<uint32_t, A>& u) {
  return xsimd::bitwise_cast<uint32_t>(xsimd::bitwise_cast<int32_t>(u) >> 1);
}
#endif

// xexpf (sleefsimdsp.c): q = rint(x / ln 2), s = x - q ln 2 in two fused steps, a degree-6
// polynomial by fused Horner steps, then 2^q applied as two power-of-two factors.
template <class V>
V exp(const V& d) {
  using U = decltype(vbits(d));
  // q for the lanes the formula serves (x in [-104, 100]); a NaN lane stays NaN through s.
  V qx = d * V(1.442695040888963407359924681001892137426645954152985934135449406931f);
  qx = vsel(qx >= V(-200.0f), qx, V(-200.0f));
  qx = vsel(qx <= V(200.0f), qx, V(200.0f));
  const V q = pm::rint_f32(qx);  // SLEEF's vrint_vi2_vf: nearest, ties to even
  V s = tmath::fma(q, V(-0.693145751953125f), d);
  s = tmath::fma(q, V(-1.428606765330187045e-06f), s);
  V u(0.000198527617612853646278381f);
  u = tmath::fma(u, s, V(0.00139304355252534151077271f));
  u = tmath::fma(u, s, V(0.00833336077630519866943359f));
  u = tmath::fma(u, s, V(0.0416664853692054748535156f));
  u = tmath::fma(u, s, V(0.166666671633720397949219f));
  u = tmath::fma(u, s, V(0.5f));
  u = V(1.0f) + tmath::fma(s * s, u, s);
  // vldexp2: u * 2^(q >> 1) * 2^(q - (q >> 1)); q as int32 from the float's exact value.
  const U qi = vbits(q + V(12582912.0f)) - vbits(V(12582912.0f));
  const U q1 = sra1(qi);
  u = u * vfrom_bits(U((q1 + U(0x7f)) << 23)) * vfrom_bits(U((qi - q1 + U(0x7f)) << 23));
  u = vsel(d < V(-104.0f), V(0.0f), u);
  return vsel(V(100.0f) < d, V(INFINITY), u);
}

#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
// exp for WebAssembly batches, which have no fused multiply-add: the same steps with the fused
// ones done on the two f64x2 halves, the chain kept in double between them and rounded to float
// precision after every step (fma_step; s * s, a plain float product, by demote + promote). A
// fused step rounds twice (to double, then to float), which is not rounding once only when the
// double lands exactly halfway between two floats (low 29 bits 1 << 28); such lanes are collected
// and the batch redone by the scalar exp (libc's exact fmaf), about 2^-26 of batches. The first
// reduction step d - q L2U is exact and already a float (q L2U has at most 21 significant bits and
// the difference cancels), and no fused step's result is a float subnormal, so neither needs a
// test; scripts/check_torch_math_wasm.sh compares all 2^32 inputs with the scalar reference.
namespace wasm_d {
inline v128_t lo(v128_t f) { return wasm_f64x2_promote_low_f32x4(f); }
inline v128_t hi(v128_t f) { return wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(f, f, 1, 0)); }
inline v128_t to_f(v128_t d) {
  return wasm_f64x2_promote_low_f32x4(wasm_f32x4_demote_f64x2_zero(d));
}
inline v128_t join(v128_t l, v128_t h) {
  return wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(l), wasm_f32x4_demote_f64x2_zero(h), 0, 2);
}
}  // namespace wasm_d

template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> exp_lanes(const xsimd::batch<float, A>& x);
#endif

// The constants of exp for V's lanes, made once per call before a hot loop (as pm::K, see
// kconst.hpp: V8 rematerialises every v128.const inside a loop): empty except for WebAssembly
// batches, which read them from memory.
template <class V>
struct ExpK {};
template <class V>
V exp(const V& d, const ExpK<V>&) {
  return tmath::exp(d);
}

#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
template <>
struct ExpK<xsimd::batch<float, xsimd::wasm>> {
  v128_t l2u, l2l, c0, c1, c2, c3, c4, c5, one, split, mask, half;
  ExpK() {
    const double* k = g_tmath_exp_k;
    l2u = wasm_f64x2_splat(k[0]), l2l = wasm_f64x2_splat(k[1]);
    c0 = wasm_f64x2_splat(k[2]), c1 = wasm_f64x2_splat(k[3]), c2 = wasm_f64x2_splat(k[4]);
    c3 = wasm_f64x2_splat(k[5]), c4 = wasm_f64x2_splat(k[6]), c5 = wasm_f64x2_splat(k[7]);
    one = wasm_f64x2_splat(k[8]), split = wasm_f64x2_splat(k[9]);
    mask = wasm_i64x2_splat(0x1fffffff), half = wasm_i64x2_splat(0x10000000);
    // (the two integer masks are two instructions each; the doubles would be three)
  }
};

// a * b + c rounded once to float (kept in double), halfway lanes or-ed into bad. The rounding
// to 24 bits is Veltkamp's split (c = r (2^29 + 1), r = c - (c - r)), 2.2x faster under V8 than
// demote + promote; it is round-to-nearest except at ties, which are exactly the lanes flagged.
inline v128_t fma_step(v128_t a, v128_t b, v128_t c, v128_t& bad,
                       const ExpK<xsimd::batch<float, xsimd::wasm>>& k) {
  const v128_t r = wasm_f64x2_add(wasm_f64x2_mul(a, b), c);
  bad = wasm_v128_or(bad, wasm_i64x2_eq(wasm_v128_and(r, k.mask), k.half));
  const v128_t t = wasm_f64x2_mul(r, k.split);
  return wasm_f64x2_sub(t, wasm_f64x2_sub(t, r));
}

inline xsimd::batch<float, xsimd::wasm> exp(const xsimd::batch<float, xsimd::wasm>& d,
                                            const ExpK<xsimd::batch<float, xsimd::wasm>>& k) {
  using B = xsimd::batch<float, xsimd::wasm>;
  using U = xsimd::batch<uint32_t, xsimd::wasm>;
  namespace w = wasm_d;
  B qx = d * B(1.442695040888963407359924681001892137426645954152985934135449406931f);
  qx = xsimd::select(qx >= B(-200.0f), qx, B(-200.0f));
  qx = xsimd::select(qx <= B(200.0f), qx, B(200.0f));
  const B q = pm::rint_f32(qx);  // SLEEF's vrint_vi2_vf: nearest, ties to even
  const v128_t qv = q, dv = d;
  const v128_t qs[2] = {w::lo(qv), w::hi(qv)}, ds[2] = {w::lo(dv), w::hi(dv)};
  v128_t bad = wasm_i64x2_splat(0), u[2];
  for (int h = 0; h < 2; ++h) {
    // d - q L2U is exact and a float (it cancels to at most 23 bits): no rounding.
    v128_t t = wasm_f64x2_add(wasm_f64x2_mul(qs[h], k.l2u), ds[h]);
    t = fma_step(qs[h], k.l2l, t, bad, k);
    v128_t v = fma_step(k.c0, t, k.c1, bad, k);
    v = fma_step(v, t, k.c2, bad, k);
    v = fma_step(v, t, k.c3, bad, k);
    v = fma_step(v, t, k.c4, bad, k);
    v = fma_step(v, t, k.c5, bad, k);
    v = fma_step(w::to_f(wasm_f64x2_mul(t, t)), v, t, bad, k);
    u[h] = wasm_f64x2_add(k.one, v);  // rounded to float by join
  }
  if (wasm_v128_any_true(bad)) return exp_lanes(d);
  B r(w::join(u[0], u[1]));
  const U qi = vbits(q + B(12582912.0f)) - vbits(B(12582912.0f));
  const U q1 = sra1(qi);
  r = r * vfrom_bits(U((q1 + U(0x7f)) << 23)) * vfrom_bits(U((qi - q1 + U(0x7f)) << 23));
  r = xsimd::select(d < B(-104.0f), B(0.0f), r);
  return xsimd::select(B(100.0f) < d, B(INFINITY), r);
}
inline xsimd::batch<float, xsimd::wasm> exp(const xsimd::batch<float, xsimd::wasm>& d) {
  return tmath::exp(d, ExpK<xsimd::batch<float, xsimd::wasm>>());
}
#endif

// xlogf_u1: m = x 2^-e in [0.75, 1.5), x = (m - 1) / (m + 1) as a double-float, log = e ln 2
// + 2 atanh(x) with the series' head in double-float arithmetic (SLEEF's df.h, FMA variants).
// The reduction x = m 2^e, m in [0.75, 1.5) (subnormals scaled by 2^64 first).
template <class V>
void log_reduce(const V& d0, V& m, V& e) {
  using U = decltype(vbits(d0));
  const auto o = d0 < V(1.17549435e-38f);
  const V d = vsel(o, d0 * V(18446744073709551616.0f), d0);  // 2^64
  const U eb = ((vbits(d * V(1.0f / 0.75f)) >> 23) & U(0xff)) - U(0x7f);
  m = vfrom_bits(U(vbits(d) - (eb << 23)));
  e = to_float(eb) - vsel(o, V(64.0f), V(0.0f));  // exact: small integers
}

// n = -1 + m and dn = 1 + m as double-floats (dfadd2_vf_vf), t = 1 / dn and the head of n / dn
// (dfdiv_vf2_vf2_vf2's plain steps; its fused ones are the caller's).
template <class V>
struct LogQuotient {
  V n_x, n_y, d_x, d_y, t, x_x;
  explicit LogQuotient(const V& m) {
    n_x = V(-1.0f) + m;
    V v = n_x - V(-1.0f);
    n_y = (V(-1.0f) - (n_x - v)) + (m - v);
    d_x = V(1.0f) + m;
    v = d_x - V(1.0f);
    d_y = (V(1.0f) - (d_x - v)) + (m - v);
    t = V(1.0f) / d_x;
    x_x = n_x * t;
  }
};

// s + 2 x + x^3 p in double-float (dfadd_vf2_vf2_vf2, dfadd_vf2_vf2_vf), then the edge values.
template <class V>
V log_finish(const V& d0, const V& s_x, const V& s_y, const V& x_x, const V& x_y, const V& x2,
             const V& p) {
  const V a_x = x_x * V(2.0f), a_y = x_y * V(2.0f);
  V r_x = s_x + a_x;
  V r_y = (((s_x - r_x) + a_x) + s_y) + a_y;
  const V w = (x2 * x_x) * p;
  const V z_x = r_x + w;
  r_y = ((r_x - z_x) + w) + r_y;
  V r = z_x + r_y;
  r = vsel(d0 == V(INFINITY), V(INFINITY), r);
  r = vsel((d0 < V(0.0f)) | (d0 != d0), V(NAN), r);
  return vsel(d0 == V(0.0f), V(-INFINITY), r);
}

template <class V>
V log(const V& d0) {
  V m, e;
  log_reduce(d0, m, e);
  // s = (ln 2 as hi + lo) * e   (dfmul_vf2_vf2_vf)
  const V c_hi(0.69314718246459960938f), c_lo(-1.904654323148236017e-09f);
  const V s_x = c_hi * e;
  const V s_y = tmath::fma(c_lo, e, tmath::fma(c_hi, e, -s_x));
  const LogQuotient<V> q(m);
  const V &n_x = q.n_x, &n_y = q.n_y, &d_x = q.d_x, &d_y = q.d_y, &t = q.t, &x_x = q.x_x;
  const V uu = tmath::fma(t, n_x, -x_x);
  const V vv = tmath::fma(-d_y, t, tmath::fma(-d_x, t, V(1.0f)));
  const V x_y = tmath::fma(x_x, vv, tmath::fma(n_y, t, uu));
  const V x2 = x_x * x_x;
  V p(0.3027294874e+0f);
  p = tmath::fma(p, x2, V(0.3996108174e+0f));
  p = tmath::fma(p, x2, V(0.6666694880e+0f));
  return log_finish(d0, s_x, s_y, x_x, x_y, x2, p);
}

#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
// log for WebAssembly batches: the plain float steps as above, the fused ones on f64x2 halves
// with every float input widened once. Three of them are error-free transformations whose exact
// result is a float (the rounding errors of c_hi e and of n t, and the residual 1 - dn t of a
// correctly rounded reciprocal), so they need no rounding; the six others are rounded by
// Veltkamp's split with their halfway lanes collected, as in exp, and a batch with one is redone
// by the scalar log (about 2^-26 of batches).
template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> log_lanes(const xsimd::batch<float, A>& x);

inline xsimd::batch<float, xsimd::wasm> log(const xsimd::batch<float, xsimd::wasm>& d0) {
  using B = xsimd::batch<float, xsimd::wasm>;
  namespace w = wasm_d;
  const ExpK<B> k;  // its split, mask and half
  B m, e;
  log_reduce(d0, m, e);
  const B c_hi(0.69314718246459960938f);
  const B s_x = c_hi * e;
  const LogQuotient<B> q(m);
  const B &n_x = q.n_x, &n_y = q.n_y, &d_x = q.d_x, &d_y = q.d_y, &t = q.t, &x_x = q.x_x;
  const B x2 = x_x * x_x;
  const v128_t ev = e, sxv = s_x, nxv = n_x, nyv = n_y, dxv = d_x, dyv = d_y, tv = t;
  const v128_t xxv = x_x, x2v = x2;
  const v128_t chi = wasm_f64x2_splat(double(0.69314718246459960938f));
  const v128_t clo = wasm_f64x2_splat(double(-1.904654323148236017e-09f));
  const v128_t p1 = wasm_f64x2_splat(double(0.3996108174e+0f));
  const v128_t p2 = wasm_f64x2_splat(double(0.6666694880e+0f));
  v128_t bad = wasm_i64x2_splat(0), sy[2], xy[2], pp[2];
  for (int h = 0; h < 2; ++h) {
    auto wide = [h](v128_t f) { return h == 0 ? w::lo(f) : w::hi(f); };
    const v128_t eh = wide(ev), th = wide(tv), nxh = wide(nxv), xxh = wide(xxv), x2h = wide(x2v);
    // s_y = fma(c_lo, e, fma(c_hi, e, -s_x))
    const v128_t r1 = wasm_f64x2_sub(wasm_f64x2_mul(chi, eh), wide(sxv));
    sy[h] = fma_step(clo, eh, r1, bad, k);
    // uu = fma(t, n_x, -x_x);  vv = fma(-d_y, t, fma(-d_x, t, 1))
    const v128_t uu = wasm_f64x2_sub(wasm_f64x2_mul(th, nxh), xxh);
    const v128_t res = wasm_f64x2_sub(wasm_f64x2_splat(1.0), wasm_f64x2_mul(wide(dxv), th));
    const v128_t vv = fma_step(wasm_f64x2_neg(wide(dyv)), th, res, bad, k);
    // x_y = fma(x_x, vv, fma(n_y, t, uu))
    const v128_t in = fma_step(wide(nyv), th, uu, bad, k);
    xy[h] = fma_step(xxh, vv, in, bad, k);
    v128_t p0 = fma_step(wasm_f64x2_splat(double(0.3027294874e+0f)), x2h, p1, bad, k);
    pp[h] = fma_step(p0, x2h, p2, bad, k);
  }
  if (wasm_v128_any_true(bad)) return log_lanes(d0);
  return log_finish(d0, s_x, B(w::join(sy[0], sy[1])), x_x, B(w::join(xy[0], xy[1])), x2,
                    B(w::join(pp[0], pp[1])));
}

template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> log_lanes(const xsimd::batch<float, A>& x) {
  return per_lane(x, [](float v) { return tmath::log(v); });
}
#endif

// ---- C's logf (ARM's algorithm: glibc >= 2.28, musl >= 1.1.22) ----
struct LogfEntry {
  double invc, logc;
};
// ARM optimized-routines' logf_data.c (MIT), as in glibc and musl.
inline constexpr LogfEntry kLogfTable[16] = {
    {0x1.661ec79f8f3bep+0, -0x1.57bf7808caadep-2}, {0x1.571ed4aaf883dp+0, -0x1.2bef0a7c06ddbp-2},
    {0x1.49539f0f010bp+0, -0x1.01eae7f513a67p-2},  {0x1.3c995b0b80385p+0, -0x1.b31d8a68224e9p-3},
    {0x1.30d190c8864a5p+0, -0x1.6574f0ac07758p-3}, {0x1.25e227b0b8eap+0, -0x1.1aa2bc79c81p-3},
    {0x1.1bb4a4a1a343fp+0, -0x1.a4e76ce8c0e5ep-4}, {0x1.12358f08ae5bap+0, -0x1.1973c5a611cccp-4},
    {0x1.0953f419900a7p+0, -0x1.252f438e10c1ep-5}, {0x1p+0, 0x0p+0},
    {0x1.e608cfd9a47acp-1, 0x1.aa5aa5df25984p-5},  {0x1.ca4b31f026aap-1, 0x1.c5e53aa362eb4p-4},
    {0x1.b2036576afce6p-1, 0x1.526e57720db08p-3},  {0x1.9c2d163a1aa2dp-1, 0x1.bc2860d22477p-3},
    {0x1.886e6037841edp-1, 0x1.1058bc8a07ee1p-2},  {0x1.767dcf5534862p-1, 0x1.4043057b6ee09p-2}};

inline float libm_log(float x) { return std::log(x); }
inline double libm_log(double x) { return std::log(x); }

#if LOSSLAB_HAVE_SIMD
template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> libm_log_lanes(const xsimd::batch<float, A>& x) {
  return per_lane(x, [](float v) { return std::log(v); });
}

// a * b + c in double as glibc's logf computes it: fused where the target has FMA (glibc's
// x86_64 build selects its FMA variant on such CPUs, compiled with contraction), separate where
// it has none (musl's on WebAssembly). The value before the float rounding is within
// 1.957 * 2^-26 relative of log(x) either way, so the two agree except when it lies within
// about 2^-53 of a midpoint between floats.
template <class A>
LOSSLAB_INLINE xsimd::batch<double, A> logf_mad(const xsimd::batch<double, A>& a,
                                                const xsimd::batch<double, A>& b,
                                                const xsimd::batch<double, A>& c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return xsimd::fma(a, b, c);
#else
  return a * b + c;
#endif
}

template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> libm_log(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  using U = xsimd::batch<uint32_t, A>;
  using D = xsimd::batch<double, A>;
  constexpr std::size_t L = B::size, H = D::size;
  const U ix = xsimd::bitwise_cast<uint32_t>(x);
  // Zero, subnormal, negative, inf or NaN in any lane: libc's own, lane by lane.
  if (!xsimd::all((ix - U(0x00800000u)) < U(0x7f000000u))) return libm_log_lanes(x);
  // x = 2^k z, z in [OFF, 2 OFF) exact; i the table interval.
  const U tmp = ix - U(0x3f330000u);
  const U i = (tmp >> 19) & U(15u);
  const B k = xsimd::batch_cast<float>(xsimd::bitwise_cast<int32_t>(tmp) >> 23);
  const B z = xsimd::bitwise_cast<float>(U(ix - (tmp & U(0x1ffu << 23))));
  alignas(64) float zf[L], kf[L], out[L];
  alignas(64) uint32_t idx[L];
  alignas(64) double invc[L], logc[L];
  z.store_aligned(zf);
  k.store_aligned(kf);
  i.store_aligned(idx);
  for (std::size_t j = 0; j < L; ++j) {
    invc[j] = kLogfTable[idx[j]].invc;
    logc[j] = kLogfTable[idx[j]].logc;
  }
  for (std::size_t h = 0; h < L; h += H) {
    const D zd = D::load_unaligned(zf + h), kd = D::load_unaligned(kf + h);  // widening loads
    // log(x) = log1p(z/c - 1) + log(c) + k ln 2
    const D r = logf_mad(zd, D::load_unaligned(invc + h), D(-1.0));
    const D y0 = logf_mad(kd, D(0x1.62e42fefa39efp-1), D::load_unaligned(logc + h));
    const D r2 = r * r;
    D y = logf_mad(D(0x1.5575b0be00b6ap-2), r, D(-0x1.ffffef20a4123p-2));
    y = logf_mad(D(-0x1.00ea348b88334p-2), r2, y);
    y = logf_mad(y, r2, y0 + r);
    y.store_unaligned(out + h);  // rounded to float once
  }
  return B::load_aligned(out);
}
// float64 lanes: libc's log itself, lane by lane (torch's std::log(double); glibc's and musl's
// are the same algorithm, ARM's log).
template <class A>
xsimd::batch<double, A> libm_log(const xsimd::batch<double, A>& x) {
  return per_lane(x, [](double v) { return std::log(v); });
}
#endif  // LOSSLAB_HAVE_SIMD

#if LOSSLAB_HAVE_SIMD && defined(__wasm_simd128__)
template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> exp_lanes(const xsimd::batch<float, A>& x) {
  return per_lane(x, [](float v) { return tmath::exp(v); });
}
#endif

// at::exp / at::log as torch computes them for V's lanes: the float32 algorithms above; float64
// lanes keep pmath's (torch's are SLEEF's double-precision u10 ones, not reproduced here; both
// within 1 ulp).
template <class V>
V torch_exp(const V& x) {
  if constexpr (std::is_same_v<typename pm::LaneT<V>::type, float>)
    return tmath::exp(x);  // qualified: ADL would find xsimd::exp for batches
  else
    return pm::exp(x);
}
template <class V>
V torch_exp(const V& x, const ExpK<V>& k) {
  if constexpr (std::is_same_v<typename pm::LaneT<V>::type, float>)
    return tmath::exp(x, k);
  else
    return pm::exp(x);
}
template <class V>
V torch_log(const V& x) {
  if constexpr (std::is_same_v<typename pm::LaneT<V>::type, float>)
    return tmath::log(x);
  else
    return pm::log(x);
}

}  // namespace losslab::detail::tmath
