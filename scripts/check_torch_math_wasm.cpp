// Exhaustive check of detail/torch_math.hpp's WebAssembly SIMD paths, over all 2^32 float32
// inputs: tmath::exp / tmath::log / tmath::libm_log on wasm SIMD batches against the same
// functions' scalar reference (whose fused multiply-adds are musl's exact fmaf, whose logf is
// musl's), which scripts/check_torch_math.sh compares natively with libsleef and glibc. Prints
// the number of differing inputs per function (NaN == NaN); exits 1 if any differs.
// Run: bash scripts/check_torch_math_wasm.sh
#include <cstdio>
#include <cstring>

#include "losslab/detail/torch_math.hpp"

namespace {
bool differ(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x != y && !(a != a && b != b);
}
}  // namespace

int main() {
  namespace tm = losslab::detail::tmath;
  using B = xsimd::batch<float>;
  constexpr int L = static_cast<int>(B::size);
  long n_exp = 0, n_log = 0, n_libm = 0;
  alignas(16) float in[L], e[L], l[L], m[L];
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += L) {
    for (int j = 0; j < L; ++j) {
      const auto u = static_cast<uint32_t>(b + static_cast<uint64_t>(j));
      std::memcpy(&in[j], &u, 4);
    }
    const B x = B::load_aligned(in);
    tm::exp(x).store_aligned(e);
    tm::log(x).store_aligned(l);
    tm::libm_log(x).store_aligned(m);
    for (int j = 0; j < L; ++j) {
      n_exp += differ(e[j], tm::exp(in[j]));
      n_log += differ(l[j], tm::log(in[j]));
      n_libm += differ(m[j], tm::libm_log(in[j]));
    }
    if ((b & 0x0fffffff) == 0) std::fprintf(stderr, "%08llx\r", static_cast<unsigned long long>(b));
  }
  std::printf("wasm SIMD vs scalar over 2^32 float32 inputs: exp %ld, log %ld, libm_log %ld\n",
              n_exp, n_log, n_libm);
  return n_exp + n_log + n_libm == 0 ? 0 : 1;
}
