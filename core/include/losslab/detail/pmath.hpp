// Portable exp and log for the softmax family (log_softmax, softmax, nll_loss, cross_entropy).
//
// One algorithm per function, written once as a template over the value type: a plain float /
// double for the scalar reference, or an xsimd batch (any architecture) for the SIMD kernels.
// Every step is an IEEE +, -, *, / (no fused multiply-add: the project builds with
// -ffp-contract=off), a compare/select or an exact bit manipulation, so the scalar
// reference, every SIMD width, and the native and wasm builds give bit-identical results.
// That is what lets a SIMD kernel finish a ragged tail with the scalar code, and lets the fused
// cross_entropy reproduce log_softmax + nll_loss bit for bit.
//
//   exp (float):  Cephes expf: n = rint(x log2 e), r = x - n ln2 (two-part ln2), a degree-5
//                 polynomial, then 2^n applied as two exact power-of-two factors (so subnormal
//                 results are rounded once, correctly).
//   log (float):  Cephes logf on the mantissa in [sqrt(1/2), sqrt(2)).
//   exp, log (double): fdlibm's (musl's) exp and log reductions and polynomials.
// Accuracy (checked in tests/cpp/classification_test.cpp): within 1 ulp of the correctly rounded
// result; exp(0) = 1 and log(1) = 0 exactly; exp(-inf) = 0, exp(+inf) = +inf, exp(NaN) = NaN;
// log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN; subnormals handled.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "losslab/detail/kconst.hpp"
#include "losslab/detail/xsimd.hpp"

namespace losslab::detail::pm {

// ---- the few primitives, for scalars ----
inline float vsel(bool m, float a, float b) { return m ? a : b; }
inline double vsel(bool m, double a, double b) { return m ? a : b; }
inline uint32_t vbits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline uint64_t vbits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline float vfrom_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
inline double vfrom_bits(uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// ---- and for xsimd batches ----
#if LOSSLAB_HAVE_SIMD
template <class T, class A>
xsimd::batch<T, A> vsel(const xsimd::batch_bool<T, A>& m, const xsimd::batch<T, A>& a,
                        const xsimd::batch<T, A>& b) {
  return xsimd::select(m, a, b);
}
template <class A>
xsimd::batch<uint32_t, A> vbits(const xsimd::batch<float, A>& x) {
  return xsimd::bitwise_cast<uint32_t>(x);
}
template <class A>
xsimd::batch<uint64_t, A> vbits(const xsimd::batch<double, A>& x) {
  return xsimd::bitwise_cast<uint64_t>(x);
}
template <class A>
xsimd::batch<float, A> vfrom_bits(const xsimd::batch<uint32_t, A>& u) {
  return xsimd::bitwise_cast<float>(u);
}
template <class A>
xsimd::batch<double, A> vfrom_bits(const xsimd::batch<uint64_t, A>& u) {
  return xsimd::bitwise_cast<double>(u);
}
#endif

// Round to nearest (ties to even) by the 1.5 * 2^23 (2^52) trick: two IEEE additions, so the
// same on every target (no libm call, no rounding-mode instruction). Valid for |x| < 2^22 (2^51).
template <class V>
V rint_f32(const V& x) {
  return (x + V(12582912.0f)) - V(12582912.0f);
}
template <class V>
V rint_f64(const V& x) {
  return (x + V(6755399441055744.0)) - V(6755399441055744.0);
}

// ---------------------------------------------------------------------------------------------
// float32
// ---------------------------------------------------------------------------------------------

// exp(x), float lanes (V = float or batch<float, A>).
template <class V>
V exp_f32(const V& x) {
  using U = decltype(vbits(x));
  const auto& K = math_k();
  // Clamp (NaN goes to the low end; it is restored at the end). Below -104 the result rounds
  // to 0, above 89 it overflows to +inf, and both still come out of the formula below.
  V xc = vsel(x >= V(K.pe_lo), x, V(K.pe_lo));
  xc = vsel(xc <= V(K.pe_hi), xc, V(K.pe_hi));
  const V n = (xc * V(K.log2e) + V(K.rint_magic)) - V(K.rint_magic);  // rint, in [-150, 128]
  V r = xc - n * V(K.ln2_hi);                                         // n * C1 is exact
  r = r - n * V(K.ln2_lo);
  const V z = r * r;
  V y = V(K.pe0);
  y = y * r + V(K.pe1);
  y = y * r + V(K.pe2);
  y = y * r + V(K.pe3);
  y = y * r + V(K.pe4);
  y = y * r + V(K.pe5);
  y = y * z + r + V(K.one);
  // 2^n = 2^n1 * 2^n2 with n1, n2 in [-75, 65]: both factors normal, one rounding at the end.
  // The bits of 2^k are (k + 127) << 23; k + 127 + 2^23 holds k + 127 in its low mantissa bits.
  const V n1 = (n * V(K.half) + V(K.rint_magic)) - V(K.rint_magic);
  const V n2 = n - n1;
  const V s1 = vfrom_bits(U(vbits(n1 + V(K.exp_bias)) << 23));
  const V s2 = vfrom_bits(U(vbits(n2 + V(K.exp_bias)) << 23));
  y = y * s1 * s2;
  return vsel(x != x, x, y);
}

// log(x), float lanes.
template <class V>
V log_f32(const V& x) {
  using U = decltype(vbits(x));
  const auto& K = math_k();
  const V inf(K.inf);
  // Subnormals: scale by 2^23 first.
  const auto sub = x < V(K.min_normal);
  const V xs = vsel(sub, x * V(K.two23), x);
  const U bits = vbits(xs);
  // Biased exponent as a float: (bits >> 23) & 0xff placed in the mantissa of 2^23.
  V e = vfrom_bits(U(((bits >> 23) & U(K.u_ff)) | U(K.u_expbits))) - V(K.two23_126);
  e = e - vsel(sub, V(K.pl_e23), V(K.zero));
  V m = vfrom_bits(U((bits & U(K.u_mant)) | U(K.u_half_bits)));  // [0.5, 1)
  const auto lo = m < V(K.sqrt_half);
  e = vsel(lo, e - V(K.one), e);
  m = vsel(lo, m + m - V(K.one), m - V(K.one));
  const V z = m * m;
  V y = V(K.pl0);
  y = y * m + V(K.pl1);
  y = y * m + V(K.pl2);
  y = y * m + V(K.pl3);
  y = y * m + V(K.pl4);
  y = y * m + V(K.pl5);
  y = y * m + V(K.pl6);
  y = y * m + V(K.pl7);
  y = y * m + V(K.pl8);
  y = y * m * z;
  y = y + e * V(K.ln2_lo);
  y = y - V(K.half) * z;
  V r = m + y;
  r = r + e * V(K.ln2_hi);
  r = vsel(x == V(K.zero), -inf, r);
  r = vsel(x < V(K.zero), V(std::numeric_limits<float>::quiet_NaN()), r);
  r = vsel(x == inf, x, r);
  return vsel(x != x, x, r);
}

// ---------------------------------------------------------------------------------------------
// float64
// ---------------------------------------------------------------------------------------------

template <class V>
V exp_f64(const V& x) {
  using U = decltype(vbits(x));
  V xc = vsel(x >= V(-746.0), x, V(-746.0));
  xc = vsel(xc <= V(710.0), xc, V(710.0));
  const V k = rint_f64(xc * V(1.44269504088896338700e+00));  // in [-1076, 1025]
  const V hi = xc - k * V(6.93147180369123816490e-01);       // exact product
  const V lo = k * V(1.90821492927058770002e-10);
  const V r = hi - lo;
  const V t = r * r;
  V p = V(4.13813679705723846039e-08);
  p = t * p + V(-1.65339022054652515390e-06);
  p = t * p + V(6.61375632143793436117e-05);
  p = t * p + V(-2.77777777770155933842e-03);
  p = t * p + V(1.66666666666666019037e-01);
  const V c = r - t * p;
  V y = V(1.0) - ((lo - (r * c) / (V(2.0) - c)) - hi);
  const V k1 = rint_f64(k * V(0.5));
  const V k2 = k - k1;                                                  // both in [-538, 513]
  const V s1 = vfrom_bits(U(vbits(k1 + V(4503599627371519.0)) << 52));  // 2^52 + 1023
  const V s2 = vfrom_bits(U(vbits(k2 + V(4503599627371519.0)) << 52));
  y = y * s1 * s2;
  return vsel(x != x, x, y);
}

template <class V>
V log_f64(const V& x) {
  using U = decltype(vbits(x));
  const V inf(std::numeric_limits<double>::infinity());
  const auto sub = x < V(2.2250738585072014e-308);
  const V xs = vsel(sub, x * V(18014398509481984.0), x);  // 2^54
  // Reduce into [sqrt(2)/2, sqrt(2)): musl's hx += 0x3ff00000 - 0x3fe6a09e on the high word.
  const U u = vbits(xs) + U(uint64_t(0x3ff00000u - 0x3fe6a09eu) << 32);
  V k = vfrom_bits(U((u >> 52) | U(0x4330000000000000ull))) - V(4503599627370496.0 + 1023.0);
  k = k - vsel(sub, V(54.0), V(0.0));
  const V m = vfrom_bits(U((u & U(0x000fffffffffffffull)) + U(uint64_t(0x3fe6a09eu) << 32)));
  const V f = m - V(1.0);
  const V hfsq = V(0.5) * f * f;
  const V s = f / (V(2.0) + f);
  const V z = s * s;
  const V w = z * z;
  const V t1 = w * (V(3.999999999940941908e-01) +
                    w * (V(2.222219843214978396e-01) + w * V(1.531383769920937332e-01)));
  const V t2 = z * (V(6.666666666666735130e-01) +
                    w * (V(2.857142874366239149e-01) +
                         w * (V(1.818357216161805012e-01) + w * V(1.479819860511658591e-01))));
  const V R = t2 + t1;
  V r = s * (hfsq + R) + k * V(1.90821492927058770002e-10) - hfsq + f +
        k * V(6.93147180369123816490e-01);
  r = vsel(x == V(0.0), -inf, r);
  r = vsel(x < V(0.0), V(std::numeric_limits<double>::quiet_NaN()), r);
  r = vsel(x == inf, x, r);
  return vsel(x != x, x, r);
}

// Dispatch on the lane type.
template <class T>
struct Math;
template <>
struct Math<float> {
  template <class V>
  static V exp(const V& x) {
    return exp_f32(x);
  }
  template <class V>
  static V log(const V& x) {
    return log_f32(x);
  }
};
template <>
struct Math<double> {
  template <class V>
  static V exp(const V& x) {
    return exp_f64(x);
  }
  template <class V>
  static V log(const V& x) {
    return log_f64(x);
  }
};

inline float exp(float x) { return exp_f32(x); }
inline double exp(double x) { return exp_f64(x); }
inline float log(float x) { return log_f32(x); }
inline double log(double x) { return log_f64(x); }
#if LOSSLAB_HAVE_SIMD
template <class T, class A>
xsimd::batch<T, A> exp(const xsimd::batch<T, A>& x) {
  return Math<T>::exp(x);
}
template <class T, class A>
xsimd::batch<T, A> log(const xsimd::batch<T, A>& x) {
  return Math<T>::log(x);
}
#endif

}  // namespace losslab::detail::pm
