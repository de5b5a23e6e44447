// What the two exhaustive checks of detail/torch_math.hpp share (check_torch_math.cpp natively,
// check_torch_math_wasm.cpp under Node): the comparison and the walk over all 2^32 bit patterns.
#pragma once
#include <cstdint>
#include <cstring>

namespace check {

// Different bits, except that any NaN equals any NaN.
inline bool differ(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x != y && !(a != a && b != b);
}

// f(in) for every block of L consecutive float32 bit patterns, in[0..L) aligned to 64 bytes.
template <int L, class F>
void sweep_all(const F& f) {
  alignas(64) float in[L];
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += L) {
    for (int j = 0; j < L; ++j) {
      const auto u = static_cast<uint32_t>(b + static_cast<uint64_t>(j));
      std::memcpy(&in[j], &u, 4);
    }
    f(static_cast<const float*>(in));
  }
}

}  // namespace check
