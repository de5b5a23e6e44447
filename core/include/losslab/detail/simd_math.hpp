// Fast paths of log and exp for the loss kernels' xsimd batches (SIMD builds only).
//
// xsimd's float log (fdlibm's logf reduction and polynomial) and exp (Cephes' expf), written
// out without fused multiply-adds, and with the inputs a loss meets only at its edges sent to
// xsimd::log / xsimd::exp, and only when a batch holds one: log of 0, subnormals, negatives,
// +inf and NaN; exp outside [-87.3, 88.3] and NaN. The common path then has no fix-up selects
// and no float -> int conversion, which WebAssembly SIMD pays dearly for: about 1.3x
// xsimd::log's speed and 1.1x xsimd::exp's under V8.
// Accuracy (checked over every float32): log within 1 ulp of the correctly rounded result,
// exp within 2 ulp on [-87.3, 88.3] (xsimd's own handles the rest).
#pragma once
#include <cstdint>

#include "losslab/detail/kconst.hpp"
#include "losslab/detail/pmath.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/detail/xsimd.hpp"

#if LOSSLAB_HAVE_SIMD
namespace losslab::detail {

// The constants of the kernels below as batches, loaded once per call before the hot loop
// (see kconst.hpp for why they are not literals): `const SimdK<B> k;` then `fast_log(x, k)`.
template <class B>
struct SimdK;

template <class A>
struct SimdK<xsimd::batch<float, A>> {
  using B = xsimd::batch<float, A>;
  B zero, one, half, min_normal, inf, minus100, sign;
  B g0, g1, g2, g3;
  B exp_lo, exp_hi, log2e, ln2_hi, ln2_lo, ep0, ep1, ep2, ep3, ep4, rint_magic;
  tmath::ExpK<B> exp_k;  // torch's exp's (detail/torch_math.hpp)
  pm::F32K<B> pm_k;      // fdlibm's logf's (pm::log_f32_fd_core), torch.log's too
  SimdK() {
    const auto& K = math_k();
    const auto& C = basic_k<float>();
    zero = B(C.zero), one = B(C.one), half = B(K.half);
    min_normal = B(K.min_normal), inf = B(K.inf);
    minus100 = B(C.minus100), sign = B(C.sign);
    g0 = B(K.l12_g0), g1 = B(K.l12_g1), g2 = B(K.l12_g2), g3 = B(K.l12_g3);
    exp_lo = B(K.exp_lo), exp_hi = B(K.exp_hi), log2e = B(K.log2e);
    ln2_hi = B(K.ln2_hi), ln2_lo = B(K.ln2_lo);
    ep0 = B(K.ep0), ep1 = B(K.ep1), ep2 = B(K.ep2), ep3 = B(K.ep3), ep4 = B(K.ep4);
    rint_magic = B(K.rint_magic);
  }
};

template <class A>
struct SimdK<xsimd::batch<double, A>> {
  using B = xsimd::batch<double, A>;
  B zero, one, minus100, sign;
  tmath::ExpK<B> exp_k;
  SimdK() {
    const auto& C = basic_k<double>();
    zero = B(C.zero), one = B(C.one);
    minus100 = B(C.minus100), sign = B(C.sign);
  }
};

// -|x| (one OR of the sign bit).
template <class B>
LOSSLAB_INLINE B neg_abs(const B& x, const SimdK<B>& k) {
  return x | k.sign;
}

// log(x) for float lanes, x normal, positive and finite (the caller guarantees it).
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fast_log_normal(const xsimd::batch<float, A>& x,
                                                      const SimdK<xsimd::batch<float, A>>& k) {
  return pm::log_f32_fd_core(x, k.zero, k.pm_k);  // torch.log's float32 kernel, normal lanes
}

// The rare batches (a lane at an edge) go through xsimd's complete versions, out of line.
template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> log_slow(xsimd::batch<float, A> x) {
  return xsimd::log(x);
}
// exp: pmath's, which rounds subnormal results once (xsimd::exp flushes them to 0, and then
// kl_div(log_target) computed 0 * inf = NaN where torch has inf).
template <class A>
LOSSLAB_NOINLINE xsimd::batch<float, A> exp_slow(xsimd::batch<float, A> x) {
  return pm::exp(x);
}

// log(x) for float lanes.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fast_log(const xsimd::batch<float, A>& x,
                                               const SimdK<xsimd::batch<float, A>>& k) {
  // Not normal or not finite (NaN fails the >=).
  if (xsimd::any((!(x >= k.min_normal)) | (x == k.inf))) return log_slow(x);
  return fast_log_normal(x, k);
}

template <class A>
xsimd::batch<double, A> fast_log(const xsimd::batch<double, A>& x,
                                 const SimdK<xsimd::batch<double, A>>&) {
  return xsimd::log(x);
}

// log(x) for x in [0, 1] (the caller guarantees it; no NaN): one test for the rare batch with a
// zero or a subnormal.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fast_log_unit(const xsimd::batch<float, A>& x,
                                                    const SimdK<xsimd::batch<float, A>>& k) {
  if (xsimd::any(x < k.min_normal)) return log_slow(x);
  return fast_log_normal(x, k);
}
template <class A>
xsimd::batch<double, A> fast_log_unit(const xsimd::batch<double, A>& x,
                                      const SimdK<xsimd::batch<double, A>>&) {
  return xsimd::log(x);
}

// exp(x) for float lanes, x in [-87.3, 88.3] (the caller guarantees it).
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fast_exp_inrange(const xsimd::batch<float, A>& x,
                                                       const SimdK<xsimd::batch<float, A>>& k) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<int32_t, A>;
  // x = n ln2 + r, |r| <= ln2 / 2 (ln2 in two parts, n ln2_hi exact). n = rint(x log2 e) by
  // the 1.5 * 2^23 trick: two additions instead of a rounding call.
  const B t = k.log2e * x + k.rint_magic;
  const B n = t - k.rint_magic;
  B r = x - n * k.ln2_hi;
  r = r - n * k.ln2_lo;
  // The polynomial by Estrin's scheme (4 dependent steps instead of Horner's 8: the kernels
  // that use it are bound by this chain's latency, not by their instruction count).
  const B r2 = r * r;
  const B p = (k.ep3 * r + k.ep4) + r2 * ((k.ep1 * r + k.ep2) + r2 * k.ep0);
  const B y = (p * r2 + r) + k.one;
  // 2^n has the bits (n + 127) << 23; t has the bits 0x4b400000 + n, which shifted left by 23
  // are n << 23 (mod 2^32): add the bits of 1.0f.
  const I e = (xsimd::bitwise_cast<int32_t>(t) << 23) + xsimd::bitwise_cast<int32_t>(k.one);
  return y * xsimd::bitwise_cast<float>(e);
}

// exp(x) for float lanes.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> fast_exp(const xsimd::batch<float, A>& x,
                                               const SimdK<xsimd::batch<float, A>>& k) {
  if (xsimd::any(!((x >= k.exp_lo) & (x <= k.exp_hi)))) return exp_slow(x);
  return fast_exp_inrange(x, k);
}

template <class A>
xsimd::batch<double, A> fast_exp(const xsimd::batch<double, A>& x,
                                 const SimdK<xsimd::batch<double, A>>&) {
  return pm::exp(x);
}

// log(u) for u in [1, 2] (float lanes): no range reduction, u = (1 + s) / (1 - s) with
// s = (u - 1) / (u + 1) in [0, 1/3], log u = 2 atanh(s) = 2s + 2s z g(z), z = s^2, g a
// degree-3 minimax fit of (atanh(s) / s - 1) / z (relative error 4e-7, 0.3 ulp of the
// result). Within 2 ulp (the rounded s carries up to one); 14 operations against fast_log's 27.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> log_1_2(const xsimd::batch<float, A>& u,
                                              const SimdK<xsimd::batch<float, A>>& k) {
  using B = xsimd::batch<float, A>;
  const B f = u - k.one;        // exact
  const B s = f / (u + k.one);  // u + 1 = 2 + f
  const B z = s * s;
  const B s2 = s + s;
  const B g = (k.g1 * z + k.g0) + (z * z) * (k.g3 * z + k.g2);  // Estrin
  return s2 + (s2 * z) * g;
}

// log(1 + exp(-|x|)), rounded as torch rounds it: the log of the rounded 1 + t.
// exp(-|x|) lies in (0, 1], so the log's argument is in [1, 2] and neither guard is needed:
// below -87.3 the exponential would be subnormal, and 1 + t rounds to 1 all the same, so the
// argument is clamped there. A NaN x gives some number here; the loss stays NaN through its
// (1 - y) x term.
template <class A>
LOSSLAB_INLINE xsimd::batch<float, A> log1p_exp_neg_abs(const xsimd::batch<float, A>& x,
                                                        const SimdK<xsimd::batch<float, A>>& k) {
  const auto t = fast_exp_inrange(xsimd::max(neg_abs(x, k), k.exp_lo), k);
  return log_1_2(k.one + t, k);
}

template <class A>
xsimd::batch<double, A> log1p_exp_neg_abs(const xsimd::batch<double, A>& x,
                                          const SimdK<xsimd::batch<double, A>>& k) {
  return xsimd::log(k.one + xsimd::exp(neg_abs(x, k)));
}

}  // namespace losslab::detail
#endif
