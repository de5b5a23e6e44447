// Exhaustive check of core/include/losslab/detail/torch_math.hpp against the libraries torch 1.13
// calls, over all 2^32 float32 inputs: tmath::exp / tmath::log (SIMD batches and the scalar
// reference) against SLEEF 3.5.1's Sleef_expf8_u10avx2 / Sleef_logf8_u10avx2 (Debian's libsleef3,
// which python3-torch links), and tmath::libm_log against glibc's logf. Prints the number of
// differing inputs per function (NaN == NaN); exits 1 if any differs.
// Run: bash scripts/check_torch_math.sh (needs an x86-64 CPU with AVX2 and libsleef3).
#include <immintrin.h>

#include <cstdio>

#include "check_torch_math_sweep.hpp"
#include "losslab/detail/torch_math.hpp"

extern "C" __m256 Sleef_expf8_u10avx2(__m256);
extern "C" __m256 Sleef_logf8_u10avx2(__m256);

int main() {
  namespace tm = losslab::detail::tmath;
  using check::differ;
  using B = xsimd::batch<float>;
  constexpr int L = static_cast<int>(B::size);
  static_assert(L % 8 == 0, "an AVX2 or wider target");
  long n_exp = 0, n_log = 0, n_exp_s = 0, n_log_s = 0, n_libm = 0, n_libm_s = 0;
  check::sweep_all<L>([&](const float* in) {
    alignas(64) float e[L], l[L], m[L], se[8], sl[8];
    const B x = B::load_aligned(in);
    tm::exp(x).store_aligned(e);
    tm::log(x).store_aligned(l);
    tm::libm_log(x).store_aligned(m);
    for (int j0 = 0; j0 < L; j0 += 8) {
      const __m256 v = _mm256_loadu_ps(in + j0);
      _mm256_storeu_ps(se, Sleef_expf8_u10avx2(v));
      _mm256_storeu_ps(sl, Sleef_logf8_u10avx2(v));
      for (int j = 0; j < 8; ++j) {
        const float xi = in[j0 + j];
        n_exp += differ(e[j0 + j], se[j]);
        n_log += differ(l[j0 + j], sl[j]);
        n_exp_s += differ(tm::exp(xi), se[j]);
        n_log_s += differ(tm::log(xi), sl[j]);
        n_libm += differ(m[j0 + j], logf(xi));
        n_libm_s += differ(tm::libm_log(xi), logf(xi));
      }
    }
  });
  std::printf("differences over 2^32 float32 inputs:\n");
  std::printf("  exp  (SIMD, scalar) vs Sleef_expf8_u10avx2: %ld, %ld\n", n_exp, n_exp_s);
  std::printf("  log  (SIMD, scalar) vs Sleef_logf8_u10avx2: %ld, %ld\n", n_log, n_log_s);
  std::printf("  libm_log (SIMD, scalar) vs glibc logf:      %ld, %ld\n", n_libm, n_libm_s);
  return n_exp + n_log + n_exp_s + n_log_s + n_libm + n_libm_s == 0 ? 0 : 1;
}
