// Exhaustive check of detail/torch_math.hpp's WebAssembly SIMD paths, over all 2^32 float32
// inputs: tmath::exp / tmath::log / tmath::libm_log on wasm SIMD batches against the same
// functions' scalar reference (whose fused multiply-adds are musl's exact fmaf, whose logf is
// musl's), which scripts/check_torch_math.sh compares natively with libsleef and glibc. Prints
// the number of differing inputs per function (NaN == NaN); exits 1 if any differs.
// Run: bash scripts/check_torch_math_wasm.sh
#include <cstdio>

#include "check_torch_math_sweep.hpp"
#include "losslab/detail/torch_math.hpp"

int main() {
  namespace tm = losslab::detail::tmath;
  using B = xsimd::batch<float>;
  constexpr int L = static_cast<int>(B::size);
  long n_exp = 0, n_log = 0, n_libm = 0;
  check::sweep_all<L>([&](const float* in) {
    alignas(16) float e[L], l[L], m[L];
    const B x = B::load_aligned(in);
    tm::exp(x).store_aligned(e);
    tm::log(x).store_aligned(l);
    tm::libm_log(x).store_aligned(m);
    for (int j = 0; j < L; ++j) {
      n_exp += check::differ(e[j], tm::exp(in[j]));
      n_log += check::differ(l[j], tm::log(in[j]));
      n_libm += check::differ(m[j], tm::libm_log(in[j]));
    }
  });
  std::printf("wasm SIMD vs scalar over 2^32 float32 inputs: exp %ld, log %ld, libm_log %ld\n",
              n_exp, n_log, n_libm);
  return n_exp + n_log + n_libm == 0 ? 0 : 1;
}
