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
#include <type_traits>

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

// The float32 constants as values of V (float or a batch), made once per call before a hot loop
// (see kconst.hpp for why they are not literals under WebAssembly).
template <class V>
struct F32K {
  using U = decltype(vbits(V()));
  V zero, one, half, inf, qnan, min_normal;
  V pe_lo, pe_hi, fast_lo, fast_hi, log2e, rint_magic, ln2_hi, ln2_lo, exp_bias;
  V pe0, pe1, pe2, pe3, pe4, pe5;
  V two23, two23_126, pl_e23, sqrt_half, pl0, pl1, pl2, pl3, pl4, pl5, pl6, pl7, pl8;
  U u_ff, u_expbits, u_mant, u_half_bits;
  V lg1, lg2, lg3, lg4, ln2_hi_fd, ln2_lo_fd;  // log_f32_fd's (fdlibm's logf)
  U u_log_off, u_log_base, u_log_mant, u_log_bias;
  F32K() {
    // Batches read the constants from memory (math_k, see kconst.hpp); plain floats use them
    // as literals (a scalar f32.const is one instruction).
    const MathConstants& K = std::is_same_v<V, float> ? kMathConstantsInit : math_k();
    zero = V(K.zero), one = V(K.one), half = V(K.half), inf = V(K.inf);
    qnan = V(std::numeric_limits<float>::quiet_NaN()), min_normal = V(K.min_normal);
    pe_lo = V(K.pe_lo), pe_hi = V(K.pe_hi), fast_lo = V(K.pe_fast_lo), fast_hi = V(K.pe_fast_hi);
    log2e = V(K.log2e), rint_magic = V(K.rint_magic), ln2_hi = V(K.ln2_hi);
    ln2_lo = V(K.ln2_lo), exp_bias = V(K.exp_bias);
    pe0 = V(K.pe0), pe1 = V(K.pe1), pe2 = V(K.pe2), pe3 = V(K.pe3), pe4 = V(K.pe4);
    pe5 = V(K.pe5);
    two23 = V(K.two23), two23_126 = V(K.two23_126), pl_e23 = V(K.pl_e23);
    sqrt_half = V(K.sqrt_half);
    pl0 = V(K.pl0), pl1 = V(K.pl1), pl2 = V(K.pl2), pl3 = V(K.pl3), pl4 = V(K.pl4);
    pl5 = V(K.pl5), pl6 = V(K.pl6), pl7 = V(K.pl7), pl8 = V(K.pl8);
    u_ff = U(K.u_ff), u_expbits = U(K.u_expbits), u_mant = U(K.u_mant);
    u_half_bits = U(K.u_half_bits);
    lg1 = V(K.log_lg1), lg2 = V(K.log_lg2), lg3 = V(K.log_lg3), lg4 = V(K.log_lg4);
    ln2_hi_fd = V(K.ln2_hi_log), ln2_lo_fd = V(K.ln2_lo_log);
    u_log_off = U(static_cast<uint32_t>(K.i_log_off));
    u_log_base = U(static_cast<uint32_t>(K.i_log_base));
    u_log_mant = U(static_cast<uint32_t>(K.i_mant_mask));
    u_log_bias = U(static_cast<uint32_t>(K.i_bias));
  }
};

// A small non-negative int32 in u's lanes as float (exact).
inline float u32_to_f32(uint32_t u) { return static_cast<float>(static_cast<int32_t>(u)); }
#if LOSSLAB_HAVE_SIMD
template <class A>
xsimd::batch<float, A> u32_to_f32(const xsimd::batch<uint32_t, A>& u) {
  return xsimd::batch_cast<float>(xsimd::bitwise_cast<int32_t>(u));
}
#endif

inline bool all_of(bool m) { return m; }
#if LOSSLAB_HAVE_SIMD
template <class T, class A>
bool all_of(const xsimd::batch_bool<T, A>& m) {
  return xsimd::all(m);
}
#endif

// exp's polynomial on the reduced argument: n = rint(x log2 e), returns p(r) with
// exp(x) = p(r) 2^n; t = x log2 e + 1.5 * 2^23 holds n in its low mantissa bits.
template <class V>
V exp_f32_poly(const V& x, V& n, V& t, const F32K<V>& k) {
  t = x * k.log2e + k.rint_magic;
  n = t - k.rint_magic;    // rint(x log2 e)
  V r = x - n * k.ln2_hi;  // n * C1 is exact
  r = r - n * k.ln2_lo;
  // The polynomial by Estrin's scheme: the softmax kernels are bound by the latency of their
  // exp -> sum -> log chains, and this halves the polynomial's depth.
  const V z = r * r;
  const V y = ((k.pe4 * r + k.pe5) + z * (k.pe2 * r + k.pe3)) + (z * z) * (k.pe0 * r + k.pe1);
  return y * z + r + k.one;
}

// exp(x) for x in [-87, 88] (the caller guarantees it; not NaN): n in [-126, 127], so 2^n is
// normal and p 2^n is one rounding, exactly what the general path's two factors give.
template <class V>
V exp_f32_fast(const V& x, const F32K<V>& k) {
  using U = decltype(vbits(x));
  V n, t;
  const V y = exp_f32_poly(x, n, t, k);
  // 2^n has the bits (n + 127) << 23; t has the bits 0x4b400000 + n, which shifted left by 23
  // are n << 23 (mod 2^32): add the bits of 1.0f.
  return y * vfrom_bits(U((vbits(t) << 23) + vbits(k.one)));
}

// exp(x), float lanes (V = float or batch<float, A>).
template <class V>
V exp_f32(const V& x, const F32K<V>& k) {
  using U = decltype(vbits(x));
  V n;
  if (all_of((x >= k.fast_lo) & (x <= k.fast_hi))) return exp_f32_fast(x, k);
  // Clamp (NaN goes to the low end; it is restored at the end). Below -104 the result rounds
  // to 0, above 89 it overflows to +inf, and both still come out of the formula below.
  V xc = vsel(x >= k.pe_lo, x, k.pe_lo);
  xc = vsel(xc <= k.pe_hi, xc, k.pe_hi);
  V t;
  V y = exp_f32_poly(xc, n, t, k);  // n in [-150, 128]
  // 2^n = 2^n1 * 2^n2 with n1, n2 in [-75, 65]: both factors normal, one rounding at the end.
  // The bits of 2^k are (k + 127) << 23; k + 127 + 2^23 holds k + 127 in its low mantissa bits.
  const V n1 = (n * k.half + k.rint_magic) - k.rint_magic;
  const V n2 = n - n1;
  const V s1 = vfrom_bits(U(vbits(n1 + k.exp_bias) << 23));
  const V s2 = vfrom_bits(U(vbits(n2 + k.exp_bias) << 23));
  y = y * s1 * s2;
  return vsel(x != x, x, y);
}
template <class V>
V exp_f32(const V& x) {
  return exp_f32(x, F32K<V>());
}

// log(xs 2^-e_sub), xs normal, positive and finite (e_sub: 23 for a scaled subnormal, else 0).
template <class V>
V log_f32_core(const V& xs, const V& e_sub, const F32K<V>& k) {
  using U = decltype(vbits(xs));
  const U bits = vbits(xs);
  // Biased exponent as a float: (bits >> 23) & 0xff placed in the mantissa of 2^23.
  V e = vfrom_bits(U(((bits >> 23) & k.u_ff) | k.u_expbits)) - k.two23_126;
  e = e - e_sub;
  V m = vfrom_bits(U((bits & k.u_mant) | k.u_half_bits));  // [0.5, 1)
  const auto lo = m < k.sqrt_half;
  e = vsel(lo, e - k.one, e);
  m = vsel(lo, m + m - k.one, m - k.one);
  const V z = m * m;
  const V z2 = z * z;
  // Estrin's scheme (depth 8 instead of Horner's 16).
  const V b0 = (k.pl7 * m + k.pl8) + z * (k.pl5 * m + k.pl6);
  const V b1 = (k.pl3 * m + k.pl4) + z * (k.pl1 * m + k.pl2);
  V y = (b0 + z2 * b1) + (z2 * z2) * k.pl0;
  y = y * m * z;
  y = y + e * k.ln2_lo;
  y = y - k.half * z;
  V r = m + y;
  return r + e * k.ln2_hi;
}

// log(x), float lanes.
template <class V>
V log_f32(const V& x, const F32K<V>& k) {
  // Fast path: every lane normal, positive and finite (NaN fails the test).
  if (all_of((x >= k.min_normal) & (x < k.inf))) return log_f32_core(x, k.zero, k);
  // Subnormals: scale by 2^23 first.
  const auto sub = x < k.min_normal;
  V r = log_f32_core(vsel(sub, x * k.two23, x), vsel(sub, k.pl_e23, k.zero), k);
  r = vsel(x == k.zero, -k.inf, r);
  r = vsel(x < k.zero, k.qnan, r);
  r = vsel(x == k.inf, x, r);
  return vsel(x != x, x, r);
}
template <class V>
V log_f32(const V& x) {
  return log_f32(x, F32K<V>());
}

// log(xs 2^-e_sub) by fdlibm's logf (as musl's): xs = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)),
// log(1 + f) = f - hfsq + s (hfsq + R(s^2)) with s = f / (2 + f) and R of degree 4 in s^2 (two
// halves by Estrin's scheme); xs normal, positive and finite.
template <class V>
V log_f32_fd_core(const V& xs, const V& e_sub, const F32K<V>& k) {
  using U = decltype(vbits(xs));
  U ix = vbits(xs) + k.u_log_off;
  const V e = u32_to_f32(U((ix >> 23) - k.u_log_bias)) - e_sub;
  ix = (ix & k.u_log_mant) + k.u_log_base;
  const V mant = vfrom_bits(ix);  // 1 + f
  const V f = mant - k.one;
  const V s = f / (mant + k.one);  // 2 + f = mant + 1 exactly
  const V z = s * s;
  const V w = z * z;
  const V t1 = w * (k.lg1 + w * k.lg2);
  const V t2 = z * (k.lg3 + w * k.lg4);
  const V hfsq = k.half * f * f;
  return e * k.ln2_hi_fd + (((s * (hfsq + (t2 + t1)) + e * k.ln2_lo_fd) - hfsq) + f);
}

// log(x), float lanes, fdlibm's algorithm: torch.log's float32 kernel (within 1 ulp of the
// correctly rounded value; over all 2^31 positive normal floats it differs from torch's SLEEF
// Sleef_logf16_u10 in 0.63 % of inputs, by 1 ulp, where SLEEF's bit-exact emulation costs 6x as
// much under WebAssembly, which has no fused multiply-add). Edge lanes as log_f32.
template <class V>
V log_f32_fd(const V& x, const F32K<V>& k) {
  if (all_of((x >= k.min_normal) & (x < k.inf))) return log_f32_fd_core(x, k.zero, k);
  const auto sub = x < k.min_normal;
  V r = log_f32_fd_core(vsel(sub, x * k.two23, x), vsel(sub, k.pl_e23, k.zero), k);
  r = vsel(x == k.zero, -k.inf, r);
  r = vsel(x < k.zero, k.qnan, r);
  r = vsel(x == k.inf, x, r);
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
  using K = F32K<V>;
  template <class V>
  static V exp(const V& x) {
    return exp_f32(x);
  }
  template <class V>
  static V exp(const V& x, const F32K<V>& k) {
    return exp_f32(x, k);
  }
  template <class V>
  static V exp_fast(const V& x, const F32K<V>& k) {
    return exp_f32_fast(x, k);
  }
  template <class V>
  static V log(const V& x, const F32K<V>& k) {
    return log_f32(x, k);
  }
  template <class V>
  static V log_fast(const V& x, const F32K<V>& k) {
    return log_f32_core(x, k.zero, k);
  }
  template <class V>
  static V log(const V& x) {
    return log_f32(x);
  }
};
template <>
struct Math<double> {
  struct NoK {};
  template <class V>
  using K = NoK;
  template <class V>
  static V exp(const V& x) {
    return exp_f64(x);
  }
  template <class V>
  static V exp(const V& x, NoK) {
    return exp_f64(x);
  }
  template <class V>
  static V exp_fast(const V& x, NoK) {
    return exp_f64(x);
  }
  template <class V>
  static V log(const V& x, NoK) {
    return log_f64(x);
  }
  template <class V>
  static V log_fast(const V& x, NoK) {
    return log_f64(x);
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
// Constants for the lanes of V (a float, a double or a batch of either); build one before a
// loop and call exp(x, k) / log(x, k) in it.
template <class V>
struct LaneT {
  using type = V;
};
#if LOSSLAB_HAVE_SIMD
template <class T, class A>
struct LaneT<xsimd::batch<T, A>> {
  using type = T;
};
#endif
template <class V>
using K = typename Math<typename LaneT<V>::type>::template K<V>;
template <class V>
V exp(const V& x, const K<V>& k) {
  return Math<typename LaneT<V>::type>::exp(x, k);
}
// exp(x) for x in [-87, 88], not NaN (float; the same as exp for double).
template <class V>
V exp_fast(const V& x, const K<V>& k) {
  return Math<typename LaneT<V>::type>::exp_fast(x, k);
}
// log(x) for x normal, positive and finite (float; the same as log for double).
template <class V>
V log_fast(const V& x, const K<V>& k) {
  return Math<typename LaneT<V>::type>::log_fast(x, k);
}
template <class V>
V log(const V& x, const K<V>& k) {
  return Math<typename LaneT<V>::type>::log(x, k);
}

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
