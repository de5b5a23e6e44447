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
#include <limits>

#include "losslab/detail/xsimd.hpp"

#if LOSSLAB_HAVE_SIMD
namespace losslab::detail {

// log(x) for float lanes.
template <class A>
xsimd::batch<float, A> fast_log(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<int32_t, A>;
  // Not normal or not finite (NaN fails the >=).
  const auto normal = x >= B(1.17549435e-38f);
  if (xsimd::any((!normal) | (x == B(std::numeric_limits<float>::infinity()))))
    return xsimd::log(x);
  // x = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)).
  I ix = xsimd::bitwise_cast<int32_t>(x) + I(0x3f800000 - 0x3f3504f3);
  const B k = xsimd::batch_cast<float>((ix >> 23) - I(0x7f));
  ix = (ix & I(0x007fffff)) + I(0x3f3504f3);
  const B f = xsimd::bitwise_cast<float>(ix) - B(1.0f);
  // log(1 + f) = f - hfsq + s (hfsq + R(z)), s = f / (2 + f).
  const B s = f / (B(2.0f) + f);
  const B z = s * s;
  const B w = z * z;
  const B t1 = w * (B(0.40000972152f) + w * B(0.24279078841f));
  const B t2 = z * (B(0.66666662693f) + w * B(0.28498786688f));
  const B hfsq = B(0.5f) * f * f;
  return k * B(6.9313812256e-01f) +
         (((s * (hfsq + (t2 + t1)) + k * B(9.0580006145e-06f)) - hfsq) + f);
}

template <class A>
xsimd::batch<double, A> fast_log(const xsimd::batch<double, A>& x) {
  return xsimd::log(x);
}

// exp(x) for float lanes.
template <class A>
xsimd::batch<float, A> fast_exp(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<int32_t, A>;
  const auto in_range = (x >= B(-87.3f)) & (x <= B(88.3f));
  if (xsimd::any(!in_range)) return xsimd::exp(x);
  // x = k ln2 + r, |r| <= ln2 / 2 (ln2 in two parts, k ln2_hi exact).
  const B k = xsimd::nearbyint(B(1.44269504088896341f) * x);
  B r = x - k * B(0.693359375f);
  r = r - k * B(-2.12194440e-4f);
  B p = B(1.3997796e-03f);
  p = p * r + B(8.3955629e-03f);
  p = p * r + B(4.1665401e-02f);
  p = p * r + B(1.6666277e-01f);
  p = p * r + B(0.5f);
  p = p * (r * r) + r + B(1.0f);
  // 2^k: k + 127 sits in the low mantissa bits of k + (2^23 + 127); shift it into the exponent.
  const I e = xsimd::bitwise_cast<int32_t>(k + B(8388735.0f)) << 23;
  return p * xsimd::bitwise_cast<float>(e);
}

template <class A>
xsimd::batch<double, A> fast_exp(const xsimd::batch<double, A>& x) {
  return xsimd::exp(x);
}

}  // namespace losslab::detail
#endif
