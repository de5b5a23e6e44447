// torch's float32 exp and log (detail/torch_math.hpp) against torch itself:
// tests/golden/torch_exp_log.json (scripts/gen_torch_math_fixtures.py) holds 18k inputs of every
// kind with torch 1.13's at::exp, at::log (SLEEF) and its scalar kernels' std::log (libc's logf).
// tmath::exp / log / libm_log must give those bits in the scalar reference and, in SIMD builds,
// in batches (each input at every lane position, beside other inputs of the file, so a lane's
// result cannot depend on its neighbours or on a batch's slow path). And on a sweep of the whole
// float32 range (every 4099th bit pattern, about 1M inputs) the SIMD batches equal the scalar
// reference. (The exhaustive comparison with libsleef and glibc, all 2^32 inputs, is
// scripts/check_torch_math.sh; it needs libsleef, which the suite must not.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "golden_call.hpp"
#include "losslab/detail/torch_math.hpp"

namespace losslab {
namespace {

namespace tm = detail::tmath;
using golden::json;

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
std::string hexf(float f) {
  char b[48];
  std::snprintf(b, sizeof b, "%a (0x%08x)", static_cast<double>(f), bits_of(f));
  return b;
}
bool same(float a, uint32_t want) {
  const float w = from_bits(want);
  return w != w ? a != a : bits_of(a) == want;
}

struct Fixture {
  std::vector<uint32_t> x, exp, log, libm_log;
};
const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture r;
    const json j = golden::load_json(LOSSLAB_TORCH_MATH_JSON);
    if (!j.is_object()) return r;
    r.x = j.at("x").get<std::vector<uint32_t>>();
    r.exp = j.at("exp").get<std::vector<uint32_t>>();
    r.log = j.at("log").get<std::vector<uint32_t>>();
    r.libm_log = j.at("libm_log").get<std::vector<uint32_t>>();
    return r;
  }();
  return f;
}

enum class Fn { Exp, Log, LibmLog };
float scalar(Fn f, float x) {
  switch (f) {
    case Fn::Exp: return tm::exp(x);
    case Fn::Log: return tm::log(x);
    case Fn::LibmLog: return tm::libm_log(x);
  }
  return 0;
}
const std::vector<uint32_t>& want_of(Fn f) {
  const Fixture& fx = fixture();
  return f == Fn::Exp ? fx.exp : f == Fn::Log ? fx.log : fx.libm_log;
}
const char* name_of(Fn f) { return f == Fn::Exp ? "exp" : f == Fn::Log ? "log" : "libm_log"; }

#if LOSSLAB_HAVE_SIMD
using B = xsimd::batch<float>;
B batch(Fn f, const B& x) {
  switch (f) {
    case Fn::Exp: return tm::exp(x);
    case Fn::Log: return tm::log(x);
    case Fn::LibmLog: return tm::libm_log(x);
  }
  return x;
}
#endif

class TorchMath : public ::testing::TestWithParam<Fn> {};

TEST_P(TorchMath, ScalarGivesTorchsBits) {
  const Fixture& fx = fixture();
  ASSERT_GT(fx.x.size(), 10000u) << LOSSLAB_TORCH_MATH_JSON << " is missing or unreadable";
  const auto& want = want_of(GetParam());
  ASSERT_EQ(want.size(), fx.x.size());
  int bad = 0;
  for (std::size_t i = 0; i < fx.x.size(); ++i) {
    const float x = from_bits(fx.x[i]);
    const float got = scalar(GetParam(), x);
    if (!same(got, want[i]) && ++bad <= 8)
      ADD_FAILURE() << name_of(GetParam()) << "(" << hexf(x) << ") = " << hexf(got) << ", torch "
                    << hexf(from_bits(want[i]));
  }
  EXPECT_EQ(bad, 0);
}

#if LOSSLAB_HAVE_SIMD
TEST_P(TorchMath, SimdGivesTorchsBitsAtEveryLane) {
  const Fixture& fx = fixture();
  ASSERT_GT(fx.x.size(), 10000u);
  const auto& want = want_of(GetParam());
  constexpr std::size_t L = B::size;
  const std::size_t n = fx.x.size();
  int bad = 0;
  alignas(64) float in[L], out[L];
  for (std::size_t shift = 0; shift < L; ++shift) {
    for (std::size_t i0 = 0; i0 < n; i0 += L) {
      for (std::size_t j = 0; j < L; ++j) in[j] = from_bits(fx.x[(i0 + j + shift) % n]);
      batch(GetParam(), B::load_aligned(in)).store_aligned(out);
      for (std::size_t j = 0; j < L; ++j) {
        const std::size_t i = (i0 + j + shift) % n;
        if (!same(out[j], want[i]) && ++bad <= 8)
          ADD_FAILURE() << name_of(GetParam()) << "(" << hexf(in[j]) << ") at lane " << j << " = "
                        << hexf(out[j]) << ", torch " << hexf(from_bits(want[i]));
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST_P(TorchMath, SimdEqualsScalarOverTheFloat32Range) {
  constexpr std::size_t L = B::size;
  alignas(64) float in[L], out[L];
  int bad = 0;
  int64_t count = 0;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 4099 * L) {
    for (std::size_t j = 0; j < L; ++j) in[j] = from_bits(static_cast<uint32_t>(b + 4099 * j));
    batch(GetParam(), B::load_aligned(in)).store_aligned(out);
    for (std::size_t j = 0; j < L; ++j, ++count) {
      const float s = scalar(GetParam(), in[j]);
      if (!same(out[j], bits_of(s)) && ++bad <= 8)
        ADD_FAILURE() << name_of(GetParam()) << "(" << hexf(in[j]) << "): SIMD " << hexf(out[j])
                      << ", scalar " << hexf(s);
    }
  }
  EXPECT_GT(count, 1000000);
  EXPECT_EQ(bad, 0);
}

// The exact fused multiply-add the SLEEF steps are built on, where rounding twice (in double,
// then to float) would differ from rounding once: a * b + c exactly halfway between two floats
// in double but not exactly, and results in float's subnormal range.
TEST(TorchMathFma, RoundsOnce) {
  struct Case {
    float a, b, c;
  };
  // 1 + 2^-24 is halfway between 1 and 1 + 2^-23; + 2^-60 puts the exact value just above it.
  const Case cases[] = {{1.0f, 1.0f, 0x1p-24f},  // exact halfway: ties to even, 1
                        {1.0f + 0x1p-23f, 1.0f + 0x1p-23f, -0x1p-23f},
                        {0x1p-24f + 0x1p-47f, 1.0f, 1.0f},
                        {1.0f + 0x1p-12f, 1.0f + 0x1p-12f, -0x1p-24f},
                        {0x1p-70f, 0x1p-70f, 0x1p-149f},
                        {0x1.8p-75f, 0x1p-75f, -0x1p-149f},
                        {3.0f, 0x1p-127f, 0x1p-149f}};
  alignas(64) float a[B::size], b[B::size], c[B::size], out[B::size];
  for (const Case& k : cases) {
    for (std::size_t j = 0; j < B::size; ++j) a[j] = k.a, b[j] = k.b, c[j] = k.c;
    tm::fma(B::load_aligned(a), B::load_aligned(b), B::load_aligned(c)).store_aligned(out);
    const float want = std::fma(k.a, k.b, k.c);
    for (std::size_t j = 0; j < B::size; ++j)
      EXPECT_EQ(bits_of(out[j]), bits_of(want))
          << "fma(" << hexf(k.a) << ", " << hexf(k.b) << ", " << hexf(k.c) << ") lane " << j << ": "
          << hexf(out[j]) << ", exact " << hexf(want);
  }
}
#endif

INSTANTIATE_TEST_SUITE_P(Torch, TorchMath, ::testing::Values(Fn::Exp, Fn::Log, Fn::LibmLog),
                         [](const ::testing::TestParamInfo<Fn>& i) {
                           return std::string(name_of(i.param));
                         });

}  // namespace
}  // namespace losslab
