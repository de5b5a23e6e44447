// PyTorch 1.13.1 CPU generator: MT19937, rand, randn, randint (see rng.hpp and
// /work/shared/reference/torch_rng_spec.md; section numbers below refer to the spec).
//
// Compiled with -ffp-contract=off: every floating-point operation below rounds exactly where it is
// written. The only fused multiply-adds are the explicit fma32(...) calls of the Cephes kernels,
// placed where torch's AVX2 binary (built with GCC's default -ffp-contract=fast) contracts them.
#include "losslab/rng.hpp"

#include "losslab/detail/convert.hpp"
#include "losslab/detail/libm64.hpp"
#include "losslab/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace losslab {
namespace {

constexpr double kPi = 3.14159265358979323846;  // c10::pi<double>

// ---- MT19937 (MT19937RNGEngine.h, spec §1-§2) --------------------------------------------------

constexpr int kN = Generator::kStateSize;  // 624
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908B0DFu;
constexpr uint32_t kUpperMask = 0x80000000u;
constexpr uint32_t kLowerMask = 0x7FFFFFFFu;

// twist(u, v) = (((u & UPPER) | (v & LOWER)) >> 1) ^ (v & 1 ? MATRIX_A : 0), branch-free.
inline uint32_t twist(uint32_t u, uint32_t v) {
  return (((u & kUpperMask) | (v & kLowerMask)) >> 1) ^ ((0u - (v & 1u)) & kMatrixA);
}

// ---- bit helpers --------------------------------------------------------------------------------

inline uint32_t f2u(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float u2f(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Correctly rounded float32 fused multiply-adds, as the vfmadd instructions of torch's AVX2 build.
// The Cephes kernels below take the FMA as a policy:
//   ExactFma     std::fmaf: one instruction where the target has FMA (native -march with FMA),
//                otherwise the C library's correctly rounded software fmaf (slow).
//   FlaggingFma  a fast emulation that is exact unless it raises `flag`: a*b is exact in double
//                (24 + 24 bits), so s = RN_double(a*b + c) carries a single rounding, and rounding
//                s to float gives the correctly rounded result unless s is exactly halfway between
//                two floats (low 29 mantissa bits == 0x10000000) or lies in the float subnormal
//                range. Branch-free, so an 8-lane block vectorises; a flagged block is recomputed
//                with ExactFma (rare: about one fma in 2**29, i.e. one 16-block in ~2**20).
struct ExactFma {
  float operator()(float a, float b, float c) const { return std::fmaf(a, b, c); }
};

struct FlaggingFma {
  uint32_t& flag;
  float operator()(float a, float b, float c) const {
    const double s = static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c);
    uint64_t bits;
    std::memcpy(&bits, &s, sizeof bits);
    const bool halfway = (bits & 0x1FFFFFFFu) == 0x10000000u;
    // 0 < |s| < 2**-126: biased exponent in [1, 896]. (s cannot be a double subnormal: a*b + c
    // of floats is a multiple of 2**-298, so exponent 0 means s == 0, which is exact.)
    const uint32_t biased_exp = static_cast<uint32_t>(bits >> 52) & 0x7FFu;
    const bool tiny = biased_exp - 1u < 896u;
    flag |= static_cast<uint32_t>(halfway) | static_cast<uint32_t>(tiny);
    return static_cast<float>(s);
  }
};

// ---- Cephes constants of ATen/native/cpu/avx_mathfun.h ------------------------------------------
// Declared there as float arrays initialised from double literals, so each is the double literal
// rounded to float (not the decimal rounded directly to float).
#define LL_F(v) static_cast<float>(v)
const float kSqrtHF = LL_F(0.707106781186547524);
const float kLogP0 = LL_F(7.0376836292E-2);
const float kLogP1 = LL_F(-1.1514610310E-1);
const float kLogP2 = LL_F(1.1676998740E-1);
const float kLogP3 = LL_F(-1.2420140846E-1);
const float kLogP4 = LL_F(+1.4249322787E-1);
const float kLogP5 = LL_F(-1.6668057665E-1);
const float kLogP6 = LL_F(+2.0000714765E-1);
const float kLogP7 = LL_F(-2.4999993993E-1);
const float kLogP8 = LL_F(+3.3333331174E-1);
const float kLogQ1 = LL_F(-2.12194440e-4);
const float kLogQ2 = LL_F(0.693359375);
const float kDP1 = LL_F(-0.78515625);
const float kDP2 = LL_F(-2.4187564849853515625e-4);
const float kDP3 = LL_F(-3.77489497744594108e-8);
const float kSinC0 = LL_F(-1.9515295891E-4);
const float kSinC1 = LL_F(8.3321608736E-3);
const float kSinC2 = LL_F(-1.6666654611E-1);
const float kCosC0 = LL_F(2.443315711809948E-005);
const float kCosC1 = LL_F(-1.388731625493765E-003);
const float kCosC2 = LL_F(4.166664568298827E-002);
const float kFOPI = LL_F(1.27323954473516);  // 4 / pi
#undef LL_F

// log256_ps (avx_mathfun.h) for one lane, with the FMA contractions of torch's build (§5.2):
// Horner steps y = fma(y, x, p_k); y = y*x; y = fma(y, z, e*q1); y -= z*0.5;
// x = fma(e, q2, x + y).
template <class Fma>
inline float cephes_logf(float x, Fma fma32) {
  const bool invalid = x <= 0.0f;                   // _CMP_LE_OS
  x = x > u2f(0x00800000u) ? x : u2f(0x00800000u);  // max(x, min_norm_pos)
  int32_t imm0 = static_cast<int32_t>(f2u(x) >> 23);
  x = u2f((f2u(x) & ~0x7F800000u) | f2u(0.5f));  // mantissa in [0.5, 1)
  imm0 -= 0x7F;
  float e = static_cast<float>(imm0);
  e = e + 1.0f;
  const bool mask = x < kSqrtHF;
  const float tmp = mask ? x : 0.0f;
  x = x - 1.0f;
  e = e - (mask ? 1.0f : 0.0f);
  x = x + tmp;
  const float z = x * x;
  float y = kLogP0;
  y = fma32(y, x, kLogP1);
  y = fma32(y, x, kLogP2);
  y = fma32(y, x, kLogP3);
  y = fma32(y, x, kLogP4);
  y = fma32(y, x, kLogP5);
  y = fma32(y, x, kLogP6);
  y = fma32(y, x, kLogP7);
  y = fma32(y, x, kLogP8);
  y = y * x;
  y = fma32(y, z, e * kLogQ1);
  y = y - z * 0.5f;
  x = fma32(e, kLogQ2, x + y);
  return invalid ? u2f(0xFFFFFFFFu) : x;  // _mm256_or_ps(x, invalid_mask): all-ones NaN
}

// sincos256_ps (avx_mathfun.h) for one lane, with torch's FMA contractions (§5.2): the
// three-step reduction x = fma(y, DPk, x); cos poly fma, fma, *z, fma(., z, -(z*0.5)), +1;
// sin poly fma, fma, *z, fma(., x, x). The blend and sign steps are kept literally (they decide
// the sign of zeros).
template <class Fma>
inline void cephes_sincosf(float xin, float* s_out, float* c_out, Fma fma32) {
  uint32_t sign_sin = f2u(xin) & 0x80000000u;
  float x = u2f(f2u(xin) & 0x7FFFFFFFu);
  float y = x * kFOPI;
  int32_t imm2 = static_cast<int32_t>(y);  // cvttps2dq (theta is in [0, 2*pi) here)
  imm2 = (imm2 + 1) & ~1;
  y = static_cast<float>(imm2);
  int32_t imm4 = imm2;
  const uint32_t swap_sin = static_cast<uint32_t>(imm2 & 4) << 29;
  const bool poly_mask = (imm2 & 2) == 0;
  x = fma32(y, kDP1, x);
  x = fma32(y, kDP2, x);
  x = fma32(y, kDP3, x);
  imm4 -= 2;
  const uint32_t sign_cos = static_cast<uint32_t>(~imm4 & 4) << 29;
  sign_sin ^= swap_sin;
  const float z = x * x;

  float yc = fma32(kCosC0, z, kCosC1);
  yc = fma32(yc, z, kCosC2);
  yc = yc * z;
  yc = fma32(yc, z, -(z * 0.5f));
  yc = yc + 1.0f;

  float ys = fma32(kSinC0, z, kSinC1);
  ys = fma32(ys, z, kSinC2);
  ys = ys * z;
  ys = fma32(ys, x, x);

  const float ysin2 = poly_mask ? ys : 0.0f;
  const float ysin1 = poly_mask ? 0.0f : yc;
  ys = ys - ysin2;
  yc = yc - ysin1;
  const float s = ysin1 + ysin2;
  const float c = yc + ys;
  *s_out = u2f(f2u(s) ^ sign_sin);
  *c_out = u2f(f2u(c) ^ sign_cos);
}

// normal_fill_16_AVX2 (DistributionTemplates.h, §5.2) with mean 0, std 1, from in[16] to out[16]:
//   u1 = 1 - d[j], u2 = d[j+8]; radius = sqrt(-2 * log256(u1)); theta = (float)(2*pi) * u2;
//   d[j] = fma(radius*cos, std, mean); d[j+8] = fma(radius*sin, std, mean).
// fma(v, 1, 0) == v + 0 (turns -0 into +0), written as such.
template <class Fma>
inline void normal16_avx2(const float* in, float* out, Fma fma) {
  const float two_pi = static_cast<float>(2.0 * kPi);
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - in[j];
    const float u2 = in[j + 8];
    const float radius = std::sqrt(-2.0f * cephes_logf(u1, fma));
    const float theta = two_pi * u2;
    float s, c;
    cephes_sincosf(theta, &s, &c, fma);
    out[j] = radius * c + 0.0f;
    out[j + 8] = radius * s + 0.0f;
  }
}

inline void normal_fill_16_avx2(float* d) {
#if defined(__FMA__)
  normal16_avx2(d, d, ExactFma{});  // hardware fma
#else
  float out[16];
  uint32_t flag = 0;
  normal16_avx2(d, out, FlaggingFma{flag});
  if (flag != 0) normal16_avx2(d, out, ExactFma{});
  std::memcpy(d, out, sizeof out);
#endif
}

// normal_fill_16<double> (§5.3) with mean 0, std 1, libm log/cos/sin:
//   radius = sqrt(-2 * log(1 - d[j])); theta = 2.0 * pi * d[j+8];
//   d[j] = radius * cos(theta) * 1 + 0; d[j+8] = radius * sin(theta) * 1 + 0.
inline void normal_fill_16_double(double* d) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1.0 - d[j];
    const double u2 = d[j + 8];
    const double radius = std::sqrt(-2.0 * detail::libm_log(u1));
    const double theta = 2.0 * kPi * u2;
    d[j] = radius * detail::libm_cos(theta) + 0.0;
    d[j + 8] = radius * detail::libm_sin(theta) + 0.0;
  }
}

// uniform_real_distribution<double>(0, 1) (§3): 53 bits of random64() times 2**-53.
inline double uniform_double(Generator& gen) {
  const uint64_t v = gen.random64() & ((uint64_t{1} << 53) - 1);
  return static_cast<double>(v) * 0x1p-53;
}

// normal_distribution<double> with the generator's cached second value (§5.4):
//   u1, u2 uniform doubles; r = sqrt(-2 * log(1 - u2)); theta = 2*pi*u1;
//   cache = r * sin(theta); return r * cos(theta).  (u1 is the angle here, unlike §5.1.)
inline double normal_serial(Generator& gen) {
  if (gen.next_double_normal) {
    const double v = *gen.next_double_normal;
    gen.next_double_normal.reset();
    return v;
  }
  const double u1 = uniform_double(gen);
  const double u2 = uniform_double(gen);
  const double r = std::sqrt(-2.0 * detail::libm_log(1.0 - u2));
  const double theta = 2.0 * kPi * u1;
  gen.next_double_normal = r * detail::libm_sin(theta);
  return r * detail::libm_cos(theta);
}

// The serial path stores transformation::normal(v, mean=0, std=1) = v * 1 + 0 in the dtype.
template <class T>
void fill_randn_serial(Generator& gen, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(normal_serial(gen) + 0.0);
}

}  // namespace

// ---- Generator ----------------------------------------------------------------------------------

// CPUGeneratorImpl::set_current_seed + mt19937::init_with_uint32 (§1).
void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  next_double_normal.reset();
  next_float_normal.reset();
  state_[0] = static_cast<uint32_t>(seed & 0xFFFFFFFFu);
  for (int j = 1; j < kN; ++j) {
    const uint32_t prev = state_[j - 1];
    state_[j] = 1812433253u * (prev ^ (prev >> 30)) + static_cast<uint32_t>(j);
  }
  left_ = 1;  // the first draw regenerates the block
  next_ = 0;
}

// mt19937::next_state (§2), split at the wrap-around points so each loop is a straight,
// vectorisable pass:  s[i] = s[i + 397 mod 624] ^ twist(s[i], s[i + 1 mod 624]).
void Generator::next_state() {
  uint32_t* s = state_.data();
  for (int i = 0; i < kN - kM; ++i) s[i] = s[i + kM] ^ twist(s[i], s[i + 1]);
  for (int i = kN - kM; i < kN - 1; ++i) s[i] = s[i + kM - kN] ^ twist(s[i], s[i + 1]);
  s[kN - 1] = s[kM - 1] ^ twist(s[kN - 1], s[0]);
  left_ = kN;
  next_ = 0;
}

void Generator::random_words(uint32_t* out, int64_t n) {
  for_each_raw_run(n, [&out](const uint32_t* raw, int k) {
    for (int i = 0; i < k; ++i) out[i] = temper(raw[i]);
    out += k;
  });
}

// ---- rand (§3) ----------------------------------------------------------------------------------

// float32: (w & 0xFFFFFF) * 2**-24, one word per element (exact, in [0, 1)).
void fill_rand(Generator& gen, float* out, int64_t n) {
  if (n <= 0) return;
  gen.for_each_raw_run(n, [&out](const uint32_t* raw, int k) {
    for (int i = 0; i < k; ++i) {
      const int32_t m = static_cast<int32_t>(Generator::temper(raw[i]) & 0xFFFFFFu);
      out[i] = static_cast<float>(m) * 0x1p-24f;
    }
    out += k;
  });
}

// float64: (random64() & (2**53 - 1)) * 2**-53, random64 = (first word << 32) | second word.
void fill_rand(Generator& gen, double* out, int64_t n) {
  constexpr int64_t kChunk = 256;
  uint32_t words[2 * kChunk];
  while (n > 0) {
    const int64_t k = n < kChunk ? n : kChunk;
    gen.random_words(words, 2 * k);
    for (int64_t i = 0; i < k; ++i) {
      const uint64_t v = (static_cast<uint64_t>(words[2 * i] & 0x1FFFFFu) << 32) | words[2 * i + 1];
      out[i] = static_cast<double>(static_cast<int64_t>(v)) * 0x1p-53;
    }
    out += k;
    n -= k;
  }
}

// ---- randn (§5) ---------------------------------------------------------------------------------

namespace {
// f on each whole 16-block of out[0, n): the Box-Muller transform of uniforms already drawn, one
// block's result depending on its 16 values alone, so the blocks run on the core's threads in
// fixed chunks (the generator itself stays sequential, as torch's is).
template <class T, class F>
void blocks16(T* out, int64_t n, const F& f) {
  const int64_t nb = n / 16;
  constexpr int64_t kBlocksPerTask = 64;  // 1024 values: the transform is ~50 ns per value
  if (num_threads() < 2 || nb < 2 * kBlocksPerTask) {
    for (int64_t b = 0; b < nb; ++b) f(out + 16 * b);
    return;
  }
  parallel_for((nb + kBlocksPerTask - 1) / kBlocksPerTask, [&](int64_t t) {
    const int64_t b1 = std::min(nb, (t + 1) * kBlocksPerTask);
    for (int64_t b = t * kBlocksPerTask; b < b1; ++b) f(out + 16 * b);
  });
}
}  // namespace

// §5.1 layout: uniforms for all n, a 16-block transform at 0, 16, 32, ...; if n % 16 != 0 the
// last 16 elements are redrawn (16 new uniforms) and transformed again.
void fill_randn(Generator& gen, float* out, int64_t n) {
  if (n < 16) {
    if (n > 0) fill_randn_serial(gen, out, n);
    return;
  }
  fill_rand(gen, out, n);
  blocks16(out, n, [](float* d) { normal_fill_16_avx2(d); });
  if (n % 16 != 0) {
    fill_rand(gen, out + n - 16, 16);
    normal_fill_16_avx2(out + n - 16);
  }
}

void fill_randn(Generator& gen, double* out, int64_t n) {
  if (n < 16) {
    if (n > 0) fill_randn_serial(gen, out, n);
    return;
  }
  fill_rand(gen, out, n);
  blocks16(out, n, [](double* d) { normal_fill_16_double(d); });
  if (n % 16 != 0) {
    fill_rand(gen, out + n - 16, 16);
    normal_fill_16_double(out + n - 16);
  }
}

// ---- randint (§4) -------------------------------------------------------------------------------

namespace {

// update_from / update_to (native/DistributionTemplates.h): for floating dtypes, move `from`
// right and `to` left so that values cast to the dtype stay inside [from, to). `digits` is
// std::numeric_limits<scalar_t>::digits (24 or 53).
// torch casts the rounded bound back with static_cast<int64_t>, undefined in C++ when it rounded to
// 2**63 (to = 2**63 - 1 and nearby); its x86 build gets INT64_MIN there (the bound is left as it
// is): detail::convert_value, torch's x86 conversion made defined (found by clang's UBSan).
template <class F>
int64_t update_from(int64_t from) {
  const int64_t from_plus_1 = detail::convert_value<int64_t>(static_cast<F>(from + 1));
  if (from_plus_1 < from) {
    int64_t from_ = std::abs(from + 1);
    int n = 0;
    while (from_ >>= 1) ++n;
    from = from_plus_1 + (int64_t{1} << (n - std::numeric_limits<F>::digits + 1));
  }
  return from;
}

template <class F>
int64_t update_to(int64_t to) {
  const int64_t to_minus_1 = detail::convert_value<int64_t>(static_cast<F>(to - 1));
  if (to_minus_1 >= to) {
    int64_t to_ = std::abs(to - 1);
    int n = 0;
    while (to_ >>= 1) ++n;
    to = to_minus_1 - (int64_t{1} << (n - std::numeric_limits<F>::digits + 1));
  }
  return to;
}

// word % d for 32-bit words without a division per element: a power of two is a mask; any other
// d uses Lemire's exact "fastmod" (M = floor((2**64 - 1) / d) + 1; a % d = hi64((M * a) * d)),
// exact for every 32-bit a and d >= 1. The 64x32 high product is formed from 32-bit halves.
struct Mod32 {
  explicit Mod32(uint32_t d_) : d(d_), pow2((d_ & (d_ - 1)) == 0), m(~uint64_t{0} / d_ + 1) {}
  uint32_t operator()(uint32_t a) const {
    if (pow2) return a & (d - 1);
    const uint64_t low = m * a;
    return static_cast<uint32_t>(((low >> 32) * d + (((low & 0xFFFFFFFFu) * d) >> 32)) >> 32);
  }
  uint32_t d;
  bool pow2;
  uint64_t m;
};

// random_from_to_kernel with 32-bit draws: out[i] = (T)(int64)(word % range + base), one word per
// element, in order. When every value fits in int32 (the lesson's ranges), the sum is formed in
// int32 and converted from there: the same integer, so the same T, and the loop vectorises.
template <class T>
void randint_narrow(Generator& gen, uint32_t range, int64_t base, T* out, int64_t n) {
  const Mod32 mod(range);
  const bool fits32 = base >= std::numeric_limits<int32_t>::min() &&
                      base + static_cast<int64_t>(range) - 1 <= std::numeric_limits<int32_t>::max();
  if (fits32) {
    const uint32_t ubase = static_cast<uint32_t>(base);
    auto run = [&](auto reduce) {
      gen.for_each_raw_run(n, [&](const uint32_t* raw, int k) {
        for (int i = 0; i < k; ++i) {
          const uint32_t v = reduce(Generator::temper(raw[i])) + ubase;  // wraps into int32 range
          out[i] = static_cast<T>(static_cast<int32_t>(v));
        }
        out += k;
      });
    };
    if (mod.pow2) {
      const uint32_t mask = range - 1;
      run([mask](uint32_t w) { return w & mask; });
    } else {
      run(mod);
    }
    return;
  }
  const uint64_t ubase = static_cast<uint64_t>(base);
  gen.for_each_raw_run(n, [&](const uint32_t* raw, int k) {
    for (int i = 0; i < k; ++i) {
      const uint64_t v = mod(Generator::temper(raw[i]));
      out[i] = static_cast<T>(static_cast<int64_t>(v + ubase));
    }
    out += k;
  });
}

// random_from_to_kernel with 64-bit draws (range >= 2**32): (T)(int64)(random64() % range + base).
template <class T>
void randint_wide(Generator& gen, uint64_t range, int64_t base, T* out, int64_t n) {
  const uint64_t ubase = static_cast<uint64_t>(base);
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<T>(static_cast<int64_t>(gen.random64() % range + ubase));
  }
}

template <class T>
void randint_typed(Generator& gen, uint64_t range, int64_t base, bool wide, void* out, int64_t n) {
  if (wide) {
    randint_wide(gen, range, base, static_cast<T*>(out), n);
  } else {
    randint_narrow(gen, static_cast<uint32_t>(range), base, static_cast<T*>(out), n);
  }
}

// The checks of random_from_to_impl (nothing is drawn); returns the adjusted range and base.
Status randint_check(int64_t& low, int64_t& high, DType dtype) {
  if (dtype == DType::Bool)
    return runtime_error("randint: a bool dtype is not supported by losslab");
  if (!(low < high)) {
    return runtime_error("random_ expects 'from' to be less than 'to', but got from=" +
                         std::to_string(low) + " >= to=" + std::to_string(high));
  }
  if (dtype == DType::Float32 || dtype == DType::Float64) {
    if (dtype == DType::Float32) {
      low = update_from<float>(low);
      high = update_to<float>(high);
    } else {
      low = update_from<double>(low);
      high = update_to<double>(high);
    }
    if (!(low < high)) {
      return runtime_error(
          "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
          "from=" +
          std::to_string(low) + " >= to=" + std::to_string(high));
    }
    // Out-of-range float bounds only warn in torch 1.13 (no warning channel here).
  } else if (dtype == DType::Int32) {
    constexpr int64_t lo = std::numeric_limits<int32_t>::min();
    constexpr int64_t hi = std::numeric_limits<int32_t>::max();
    if (low < lo || low > hi) return runtime_error("from is out of bounds for int");
    if (high - 1 < lo || high - 1 > hi) return runtime_error("to - 1 is out of bounds for int");
  }
  return Ok{};
}

}  // namespace

Status fill_randint(Generator& gen, int64_t low, int64_t high, DType dtype, void* out, int64_t n) {
  Status st = randint_check(low, high, dtype);
  if (!st.ok()) return st;
  if (n <= 0) return Ok{};
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  // uniform_int_from_to_distribution: 64-bit draws for int64/double/float(/bfloat16) outputs when
  // range >= 2**32, else one 32-bit word per element.
  const bool wide = range >= (uint64_t{1} << 32) && dtype != DType::Int32;
  switch (dtype) {
    case DType::Int64: randint_typed<int64_t>(gen, range, low, wide, out, n); break;
    case DType::Int32: randint_typed<int32_t>(gen, range, low, wide, out, n); break;
    case DType::Float32: randint_typed<float>(gen, range, low, wide, out, n); break;
    case DType::Float64: randint_typed<double>(gen, range, low, wide, out, n); break;
    case DType::Bool: break;  // refused by randint_check
  }
  return Ok{};
}

// ---- Tensor-level API ---------------------------------------------------------------------------

namespace {

Status check_shape(const Shape& shape) {
  for (int64_t d : shape) {
    if (d < 0) {
      return runtime_error("Trying to create tensor with negative dimension " + std::to_string(d) +
                           ": " + shape_str(shape));
    }
  }
  return Ok{};
}

Result<Tensor> allocate(DType dtype, const Shape& shape) {
  Status st = check_shape(shape);
  if (!st.ok()) return st.error();
  return alloc_tensor(dtype, shape);
}

}  // namespace

Result<Tensor> rand(Generator& gen, const Shape& shape, DType dtype) {
  Status st = check_shape(shape);
  if (!st.ok()) return st.error();
  if (!dtype_is_floating(dtype)) {
    return runtime_error(std::string("\"check_uniform_bounds\" not implemented for '") +
                         dtype_torch_name(dtype) + "'");
  }
  Result<Tensor> r = allocate(dtype, shape);
  if (!r.ok()) return r;
  Tensor& t = r.value();
  if (dtype == DType::Float32) {
    fill_rand(gen, t.as<float>(), t.numel());
  } else {
    fill_rand(gen, t.as<double>(), t.numel());
  }
  return r;
}

namespace {
std::string g6(double v) {  // C++'s default stream format, as torch's messages print doubles
  std::ostringstream o;
  o << v;
  return o.str();
}

template <class T>
Status uniform_impl(Generator& gen, T* out, int64_t n, double from_d, double to_d) {
  const char* type = std::is_same_v<T, float> ? "float" : "double";
  constexpr double lowest = std::numeric_limits<T>::lowest(), max = std::numeric_limits<T>::max();
  if (!(from_d >= lowest && from_d <= max)) {
    return runtime_error(std::string("from is out of bounds for ") + type);
  }
  if (!(to_d >= lowest && to_d <= max)) {
    return runtime_error(std::string("to is out of bounds for ") + type);
  }
  if (!(from_d <= to_d)) {
    return runtime_error("uniform_ expects to return a [from, to) range, but found from=" +
                         g6(from_d) + " > to=" + g6(to_d));
  }
  if (!(to_d - from_d <= max)) {
    return runtime_error(std::string("uniform_ expects to-from <= std::numeric_limits<") +
                         (std::is_same_v<T, float> ? "Float" : "Double") +
                         ">::max(), but found to=" + g6(to_d) + " and from=" + g6(from_d) +
                         " which result in to-from to exceed the limit");
  }
  const T from = static_cast<T>(from_d), to = static_cast<T>(to_d);
  const T range = to - from;
  fill_rand(gen, out, n);
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(out[i], range, from);
  return Ok{};
}
}  // namespace

Status uniform_(Generator& gen, DType dtype, void* data, int64_t n, double from, double to) {
  switch (dtype) {
    case DType::Float32: return uniform_impl(gen, static_cast<float*>(data), n, from, to);
    case DType::Float64: return uniform_impl(gen, static_cast<double*>(data), n, from, to);
    default:
      return runtime_error(std::string("\"check_uniform_bounds\" not implemented for '") +
                           dtype_torch_name(dtype) + "'");
  }
}

Result<Tensor> randn(Generator& gen, const Shape& shape, DType dtype) {
  Status st = check_shape(shape);
  if (!st.ok()) return st.error();
  if (!dtype_is_floating(dtype)) {
    return runtime_error(std::string("\"normal_kernel_cpu\" not implemented for '") +
                         dtype_torch_name(dtype) + "'");
  }
  Result<Tensor> r = allocate(dtype, shape);
  if (!r.ok()) return r;
  Tensor& t = r.value();
  if (dtype == DType::Float32) {
    fill_randn(gen, t.as<float>(), t.numel());
  } else {
    fill_randn(gen, t.as<double>(), t.numel());
  }
  return r;
}

Result<Tensor> randint(Generator& gen, int64_t low, int64_t high, const Shape& shape, DType dtype) {
  Status st = check_shape(shape);
  if (!st.ok()) return st.error();
  int64_t lo = low, hi = high;
  st = randint_check(lo, hi, dtype);
  if (!st.ok()) return st.error();
  Result<Tensor> r = allocate(dtype, shape);
  if (!r.ok()) return r;
  Tensor& t = r.value();
  st = fill_randint(gen, low, high, dtype, t.data(), t.numel());
  if (!st.ok()) return st.error();
  return r;
}

}  // namespace losslab
