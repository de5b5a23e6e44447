// The constants of the float32 vector math (fast_log / fast_exp, pm::exp / pm::log), read from
// memory under WebAssembly.
//
// Why: V8's optimising compiler turns every `v128.const` into two or three instructions at each
// use and re-materialises it inside loops instead of keeping it in a register, so a polynomial
// with 15 constants pays ~40 extra instructions per vector. A constant that LLVM cannot see
// (a load from a mutable global defined in another translation unit) is instead loaded once
// before the loop, or folded into the arithmetic as a memory operand. Measured in Chromium on
// the loss kernels: exp 2.4 -> 1.1 ns/element, log 2.3 -> 1.4, bit-identical results.
// Native builds keep them compile-time constants (the compilers there hoist constants well).
//
// Use: `const auto& K = math_k();` then `V(K.log2e)`; an int32 constant `I(K.i_log_off)`.
// (Do not build the wasm module with -flto: LTO would see the initialiser and fold the loads
// back into v128.const.)
#pragma once
#include <cstdint>

// The loss kernels' hot loops must hold the whole per-vector computation (so the constants above
// are loaded once before the loop); the rare slow paths stay out of line so the loop stays small.
// (Sanitizer builds define LOSSLAB_NO_FORCE_INLINE: forced inlining of instrumented AVX-512
// kernels made GCC spend minutes per file, and those builds check memory, not speed.)
#if defined(__GNUC__) && !defined(LOSSLAB_NO_FORCE_INLINE)
#define LOSSLAB_INLINE inline __attribute__((always_inline))
#define LOSSLAB_NOINLINE __attribute__((noinline))
#else
#define LOSSLAB_INLINE inline
#define LOSSLAB_NOINLINE
#endif

namespace losslab::detail {

struct MathConstants {
  // shared
  float zero, half, one, two, min_normal, inf;
  // fast_log (fdlibm logf)
  int32_t i_log_off, i_log_base, i_mant_mask, i_bias;
  float log_lg1, log_lg2, log_lg3, log_lg4, ln2_hi_log, ln2_lo_log;
  // log on [1, 2] (2 atanh(s) with a degree-3 minimax correction in s^2)
  float l12_g0, l12_g1, l12_g2, l12_g3;
  // fast_exp (Cephes expf, degree 5) and the round-to-nearest trick
  float exp_lo, exp_hi, log2e, ln2_hi, ln2_lo, ep0, ep1, ep2, ep3, ep4, rint_magic, exp_bias;
  // pm::exp_f32 (degree 6, two-factor scaling)
  float pe_lo, pe_hi, pe_fast_lo, pe_fast_hi, pe0, pe1, pe2, pe3, pe4, pe5;
  // pm::log_f32 (Cephes logf)
  float two23, two23_126, sqrt_half, pl0, pl1, pl2, pl3, pl4, pl5, pl6, pl7, pl8, pl_e23;
  uint32_t u_ff, u_expbits, u_mant, u_half_bits;
};

// In the order of the fields above (a missing or extra value fails the build:
// -Werror=missing-field-initializers).
inline constexpr MathConstants kMathConstantsInit{
    0.0f, 0.5f, 1.0f, 2.0f, 1.17549435e-38f, __builtin_inff(),
    //
    0x3f800000 - 0x3f3504f3, 0x3f3504f3, 0x007fffff, 0x7f, 0.40000972152f, 0.24279078841f,
    0.66666662693f, 0.28498786688f, 6.9313812256e-01f, 9.0580006145e-06f,
    //
    0.33333319425582886f, 0.2000381350517273f, 0.14117521047592163f, 0.13430504500865936f,
    //
    -87.3f, 88.3f, 1.44269504088896341f, 0.693359375f, -2.12194440e-4f, 1.3997796e-03f,
    8.3955629e-03f, 4.1665401e-02f, 1.6666277e-01f, 0.5f, 12582912.0f, 8388735.0f,
    //
    -104.0f, 89.0f, -87.0f, 88.0f, 1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
    4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f,
    //
    8388608.0f, 8388608.0f + 126.0f, 0.707106781186547524f, 7.0376836292e-2f, -1.1514610310e-1f,
    1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f, -1.6668057665e-1f, 2.0000714765e-1f,
    -2.4999993993e-1f, 3.3333331174e-1f, 23.0f,
    //
    0xffu, 0x4b000000u, 0x007fffffu, 0x3f000000u};

// The few constants the loss formulas themselves use, per dtype: `basic_k<T>().one`.
template <class T>
struct BasicConstants {
  T zero, one, minus100, sign;
};
template <class T>
inline constexpr BasicConstants<T> kBasicConstantsInit{T(0), T(1), T(-100), T(-0.0)};

#if defined(__wasm__)
extern MathConstants g_math_constants;  // = kMathConstantsInit (src/kconst.cpp)
extern BasicConstants<float> g_basic_constants_f32;
extern BasicConstants<double> g_basic_constants_f64;
inline const MathConstants& math_k() { return g_math_constants; }
template <class T>
const BasicConstants<T>& basic_k() {
  if constexpr (sizeof(T) == 4)
    return g_basic_constants_f32;
  else
    return g_basic_constants_f64;
}
#else
constexpr const MathConstants& math_k() { return kMathConstantsInit; }
template <class T>
constexpr const BasicConstants<T>& basic_k() {
  return kBasicConstantsInit<T>;
}
#endif

}  // namespace losslab::detail
