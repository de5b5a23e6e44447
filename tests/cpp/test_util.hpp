// Shared by the C++ tests: splitmix64 test data, the dtype of a C++ float type, bit patterns and
// distances in ulps.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "losslab/tensor.hpp"

namespace losslab::test {

// SplitMix64 (Steele, Lea, Flood 2014): the state advances by kSplitMix64Gamma, each output is
// splitmix64_mix of the new state.
constexpr uint64_t kSplitMix64Gamma = 0x9e3779b97f4a7c15ull;
constexpr uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// splitmix64: fast, deterministic, good enough for test data.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  uint64_t next() { return splitmix64_mix(s_ += kSplitMix64Gamma); }
  // Uniform in the open interval (0, 1), from the top 53 bits of one draw.
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53; }
  // Standard normal (Box-Muller): the first uniform draw gives the radius, the second the angle.
  double normal() {
    const double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  uint64_t s_;
};

template <class T>
constexpr DType dtype_of() {
  return sizeof(T) == 4 ? DType::Float32 : DType::Float64;
}

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline uint64_t bits(double f) {
  uint64_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// The bit pattern mapped to a monotone integer line (+0 and -0 coincide).
inline int64_t ordered(float f) {
  const uint32_t u = bits(f);
  return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : static_cast<int64_t>(u);
}
inline int64_t ordered(double f) {
  const uint64_t u = bits(f);
  const int64_t m = static_cast<int64_t>(u & 0x7fffffffffffffffull);
  return (u >> 63) ? -m : m;
}

// Distance in units in the last place of T, for values that are not NaN.
template <class T>
int64_t ulp_distance(T a, T b) {
  const int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

// ulp_distance, with NaN: 0 for two NaNs, INT64_MAX for one.
template <class T>
int64_t ulp_diff(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return (std::isnan(a) && std::isnan(b)) ? 0 : INT64_MAX;
  return ulp_distance(a, b);
}

}  // namespace losslab::test
