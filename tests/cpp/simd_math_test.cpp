// The elementwise losses' vector log / exp (detail/simd_math.hpp), against double-precision
// libm rounded to float: fast_log within 1 ulp over a sweep of every 97th positive float (every
// float in [1, 2) for log_1_2), fast_exp within 2 ulp over its range, the edge batches through
// xsimd's complete versions, and log(1 + exp(-|x|)) as torch rounds it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "losslab/detail/simd_math.hpp"
#include "test_util.hpp"

#if LOSSLAB_HAVE_SIMD
namespace {

using namespace losslab::detail;
using B = xsimd::batch<float>;
constexpr std::size_t W = B::size;

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
using losslab::test::ulp_diff;

// Applies f to xs batch by batch (the tail padded with pad) and returns the worst ulp distance
// from ref, and the argument where it occurs.
template <class F, class R>
std::pair<int64_t, float> worst(const std::vector<float>& xs, F f, R ref, float pad) {
  int64_t w = 0;
  float at = 0;
  alignas(64) float in[W], out[W];
  for (std::size_t i = 0; i < xs.size(); i += W) {
    for (std::size_t k = 0; k < W; ++k) in[k] = i + k < xs.size() ? xs[i + k] : pad;
    f(B::load_aligned(in)).store_aligned(out);
    for (std::size_t k = 0; k < W && i + k < xs.size(); ++k) {
      const int64_t d = ulp_diff(out[k], ref(in[k]));
      if (d > w) w = d, at = in[k];
    }
  }
  return {w, at};
}

TEST(SimdMath, FastLogWithinOneUlp) {
  const SimdK<B> k;
  std::vector<float> xs;
  for (uint32_t u = 1; u < 0x7f800000u; u += 97) xs.push_back(from_bits(u));  // subnormals too
  for (float v : {0.0f, 1.0f, 2.0f, std::numeric_limits<float>::infinity(), -1.0f, NAN})
    xs.push_back(v);
  const auto [w, at] = worst(
      xs, [&](B x) { return fast_log(x, k); },
      [](float x) { return static_cast<float>(std::log(static_cast<double>(x))); }, 1.0f);
  EXPECT_LE(w, 1) << "at " << at;
  std::printf("[ info ] fast_log: worst %lld ulp\n", static_cast<long long>(w));
}

TEST(SimdMath, Log12WithinTwoUlpOnEveryFloat) {
  const SimdK<B> k;
  std::vector<float> xs;
  for (uint32_t u = 0x3f800000u; u <= 0x40000000u; ++u) xs.push_back(from_bits(u));
  const auto [w, at] = worst(
      xs, [&](B x) { return log_1_2(x, k); },
      [](float x) { return static_cast<float>(std::log(static_cast<double>(x))); }, 1.0f);
  EXPECT_LE(w, 2) << "at " << at;
  std::printf("[ info ] log_1_2: worst %lld ulp (at %.9g)\n", static_cast<long long>(w), at);
  alignas(64) float out[W];
  log_1_2(B(1.0f), k).store_aligned(out);
  EXPECT_EQ(out[0], 0.0f);  // log 1 = +0 exactly
}

TEST(SimdMath, FastExpWithinTwoUlp) {
  const SimdK<B> k;
  std::vector<float> xs;
  for (uint32_t u = 0; u < 0x7f800000u; u += 89) {
    const float v = from_bits(u);
    if (v <= 88.3f) xs.push_back(v);
    if (v <= 87.3f) xs.push_back(-v);
  }
  const auto [w, at] = worst(
      xs, [&](B x) { return fast_exp(x, k); },
      [](float x) { return static_cast<float>(std::exp(static_cast<double>(x))); }, 0.0f);
  EXPECT_LE(w, 2) << "at " << at;
  // Out of the fast range (a whole batch goes through xsimd::exp): overflow to +inf, NaN, and
  // results below the normal range within 2^-126 of the exact value (xsimd's exp does not
  // round subnormal results).
  alignas(64) float in[W], out[W];
  const float inf = std::numeric_limits<float>::infinity();
  const float edge[] = {100.0f, 89.0f, inf, NAN, -90.0f, -104.0f, -inf, -1e30f};
  for (float v : edge) {
    for (std::size_t j = 0; j < W; ++j) in[j] = j == 0 ? v : 1.0f;
    fast_exp(B::load_aligned(in), k).store_aligned(out);
    const double want = std::exp(static_cast<double>(v));
    if (std::isnan(v))
      EXPECT_TRUE(std::isnan(out[0]));
    else if (want > 3.4e38)
      EXPECT_EQ(out[0], inf) << v;
    else
      EXPECT_LE(std::fabs(out[0] - want), 0x1p-126) << v;
    EXPECT_EQ(ulp_diff(out[1], 2.71828183f), 0) << "the batch's other lanes, at " << v;
  }
}

// log(1 + exp(-|x|)) as torch computes it: the log of the float sum 1 + t. Compared with
// log((double) fl(1 + t)) for this kernel's own t (whose error, within 2 ulp, the exp test bounds).
TEST(SimdMath, SoftplusTailAsTorchRoundsIt) {
  const SimdK<B> k;
  std::vector<float> xs;
  for (int i = -400000; i <= 400000; ++i) xs.push_back(static_cast<float>(i) * 2.5e-4f);
  for (float v : {100.0f, -100.0f, 1e30f, -1e30f, std::numeric_limits<float>::infinity(),
                  -std::numeric_limits<float>::infinity()})
    xs.push_back(v);
  auto ref = [&](float x) {
    alignas(64) float t[W];
    fast_exp(xsimd::max(B(-std::fabs(x)), B(-87.3f)), k).store_aligned(t);
    return static_cast<float>(std::log(static_cast<double>(1.0f + t[0])));
  };
  const auto [w, at] = worst(
      xs, [&](B x) { return log1p_exp_neg_abs(x, k); }, ref, 0.0f);
  EXPECT_LE(w, 2) << "at " << at;
}

}  // namespace
#endif
