// torch.log's float32 kernel (pm::log_f32_fd, fdlibm's logf): within 1 ulp of the exact value
// over a sweep of bit patterns, its edges, and the batches' lanes the scalar lanes' bits (elem::map
// runs both in one array). torch's SLEEF is within 1 ulp too; the two differ by 1 ulp on 0.63% of
// positive floats (an exhaustive comparison, not run here: 2^31 SLEEF emulations).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "losslab/detail/pmath.hpp"
#include "losslab/detail/xsimd.hpp"
#include "test_util.hpp"

using namespace losslab;

namespace {
uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
}  // namespace

// torch.log's float32 kernel over every 251st bit pattern (both signs, subnormals, inf, NaN):
// within 1 ulp of log in double rounded once, the batches' lanes the scalar lanes' bits.
TEST(LogF32, WithinOneUlpAndLanesAgree) {
  namespace pm = detail::pm;
  const pm::F32K<float> ks;
  int64_t worst = 0, checked = 0, lanes_off = 0;
#if LOSSLAB_HAVE_SIMD
  using B = xsimd::batch<float>;
  const pm::F32K<B> kb;
  constexpr std::size_t W = B::size;
  alignas(64) float in[W], out[W];
  std::size_t fill = 0;
#endif
  const auto check = [&](float x) {
    const float y = pm::log_f32_fd(x, ks);
    if (std::isnan(x) || x < 0) {
      EXPECT_TRUE(std::isnan(y)) << x;
    } else {
      const float want = static_cast<float>(std::log(static_cast<double>(x)));
      const int64_t d = test::ulp_diff(y, want);
      if (d > worst) worst = d;
      EXPECT_LE(d, 1) << "log(" << x << ") = " << y << ", exact " << want;
    }
    ++checked;
#if LOSSLAB_HAVE_SIMD
    in[fill++] = x;
    if (fill == W) {
      pm::log_f32_fd(B::load_aligned(in), kb).store_aligned(out);
      for (std::size_t j = 0; j < W; ++j)
        lanes_off += bits(out[j]) != bits(pm::log_f32_fd(in[j], ks));
      fill = 0;
    }
#endif
  };
  for (uint64_t u = 0; u <= 0xffffffffu; u += 251) check(from_bits(static_cast<uint32_t>(u)));
  for (float x : {0.0f, -0.0f, 1.0f, INFINITY, -INFINITY, NAN, 1e-45f, 1.17549435e-38f}) check(x);
  EXPECT_EQ(lanes_off, 0);
  EXPECT_EQ(pm::log_f32_fd(0.0f, ks), -INFINITY);
  EXPECT_EQ(pm::log_f32_fd(-0.0f, ks), -INFINITY);
  EXPECT_EQ(pm::log_f32_fd(INFINITY, ks), INFINITY);
  EXPECT_EQ(bits(pm::log_f32_fd(1.0f, ks)), 0u);  // log 1 = +0
  std::printf("[ info ] log_f32_fd: %lld values, worst %lld ulp from exact\n",
              static_cast<long long>(checked), static_cast<long long>(worst));
}
