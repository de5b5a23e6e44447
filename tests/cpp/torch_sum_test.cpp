// torch_sum / torch_mean (core/src/torch_sum.cpp) against torch 1.13.1's x.sum() / x.mean(), bit
// for bit: tests/golden/torch_sum.json (scripts/gen_sum_fixtures.py; inputs derived from seeds),
// the streaming form against the one-shot form for every fixture and many block patterns, and
// edges.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "losslab/parallel.hpp"
#include "losslab/torch_sum.hpp"
#include "test_util.hpp"

namespace losslab {
namespace {

using json = nlohmann::json;

// The fixture sits beside the other golden files (tests/CMakeLists.txt defines their paths).
std::string fixture_path() {
#ifdef LOSSLAB_TORCH_SUM_JSON
  return LOSSLAB_TORCH_SUM_JSON;
#else
  std::string p = LOSSLAB_GOLDEN_JSON;
  return p.substr(0, p.find_last_of('/') + 1) + "torch_sum.json";
#endif
}

const json& fixtures() {
  static const json j = [] {
    std::ifstream f(fixture_path());
    return json::parse(f, nullptr, /*allow_exceptions=*/false);
  }();
  return j;
}

uint64_t splitmix(uint64_t seed, uint64_t i) {  // the i-th draw (0-based) of SplitMix64(seed)
  return test::splitmix64_mix(seed + (i + 1) * test::kSplitMix64Gamma);
}

// scripts/gen_sum_fixtures.py's make_values (every value exact in T).
template <class T>
void make_values(const json& c, std::vector<T>& out) {
  const int64_t n = c["n"].get<int64_t>();
  const std::string kind = c["kind"].get<std::string>();
  const uint64_t seed = c["seed"].get<uint64_t>();
  const uint64_t p = c["p"].get<uint64_t>();
  constexpr bool f32 = sizeof(T) == 4;
  constexpr int B = f32 ? 24 : 53;
  double pow_mixed[64];
  for (int e = 0; e < 64; ++e) pow_mixed[e] = std::ldexp(1.0, e + 1 - B - 32);
  const double s_normal = std::ldexp(1.0, 4 - B), s_pos = std::ldexp(1.0, 8 - B);
  const double s_tiny = std::ldexp(1.0, f32 ? -149 : -1074),
               s_big = std::ldexp(1.0, f32 ? 104 : 971);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  enum Kind { kNormal, kMixed, kSpecial, kPositive, kOnes, kNegZero, kTiny, kBig } k = kNormal;
  if (kind == "normal")
    k = kNormal;
  else if (kind == "mixed")
    k = kMixed;
  else if (kind == "special")
    k = kSpecial;
  else if (kind == "positive")
    k = kPositive;
  else if (kind == "ones")
    k = kOnes;
  else if (kind == "negzero")
    k = kNegZero;
  else if (kind == "tiny")
    k = kTiny;
  else if (kind == "big")
    k = kBig;
  else
    ADD_FAILURE() << "unknown kind " << kind;
  out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t u = splitmix(seed, static_cast<uint64_t>(i));
    const double m =
        static_cast<double>(static_cast<int64_t>(u >> (64 - B)) - (int64_t(1) << (B - 1)));
    double v = 0;
    switch (k) {
      case kNormal: v = m * s_normal; break;
      case kMixed: v = m * pow_mixed[u & 63]; break;
      case kSpecial: {
        v = m * pow_mixed[u & 63];
        const uint64_t r = (u >> 6) % 1000000;
        if (r < p)
          v = r % 3 == 0 ? inf : r % 3 == 1 ? -inf : nan;
        else if (r < p + 50000)
          v = -0.0;
        break;
      }
      case kPositive: v = static_cast<double>(u >> (65 - B)) * s_pos; break;
      case kOnes: v = 1.0; break;
      case kNegZero: v = -0.0; break;
      case kTiny: v = m * s_tiny; break;
      case kBig: v = m * s_big; break;
    }
    out[static_cast<size_t>(i)] = static_cast<T>(v);
  }
}

template <class T>
std::string hex(T v) {
  char b[24];
  if (sizeof(T) == 4) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    std::snprintf(b, sizeof b, "0x%08x", u);
  } else {
    uint64_t u;
    std::memcpy(&u, &v, 8);
    std::snprintf(b, sizeof b, "0x%016llx", static_cast<unsigned long long>(u));
  }
  return b;
}

template <class T>
T from_hex(const std::string& s) {
  const unsigned long long u = std::stoull(s, nullptr, 16);
  T v;
  if (sizeof(T) == 4) {
    const uint32_t w = static_cast<uint32_t>(u);
    std::memcpy(&v, &w, 4);
  } else {
    const uint64_t w = u;
    std::memcpy(&v, &w, 8);
  }
  return v;
}

// Same bits, or both NaN (NaN sign/payload is not specified across builds).
template <class T>
::testing::AssertionResult same(T got, const std::string& want_hex) {
  const T want = from_hex<T>(want_hex);
  if (std::isnan(want) ? std::isnan(got) : hex(got) == want_hex)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << hex(got) << " (" << got << "), torch " << want_hex << " (" << want << ")";
}

template <class T>
T one_shot_sum(const std::vector<T>& x, int threads) {
  if constexpr (sizeof(T) == 4)
    return torch_sum_f32(x.data(), static_cast<int64_t>(x.size()), threads);
  else
    return torch_sum_f64(x.data(), static_cast<int64_t>(x.size()), threads);
}
template <class T>
T one_shot_mean(const std::vector<T>& x, int threads) {
  if constexpr (sizeof(T) == 4)
    return torch_mean_f32(x.data(), static_cast<int64_t>(x.size()), threads);
  else
    return torch_mean_f64(x.data(), static_cast<int64_t>(x.size()), threads);
}

// Feeds x in blocks of pseudo-random sizes in [1, max_block] (max_block 0: one block).
template <class T>
TorchSum<T> streamed(const std::vector<T>& x, int threads, int64_t max_block, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(x.size());
  TorchSum<T> acc(n, threads);
  uint64_t k = 0;
  for (int64_t i = 0; i < n;) {
    int64_t b = max_block <= 0 ? n : 1 + static_cast<int64_t>(splitmix(seed, k++) % max_block);
    if (b > n - i) b = n - i;
    acc.add(x.data() + i, b);
    i += b;
  }
  return acc;
}

template <class T>
void check_case(const json& c, std::vector<T>& x) {
  make_values(c, x);
  const int threads = c["threads"].get<int>();
  const std::string id = c["id"].get<std::string>();
  const std::string& want_sum = c["sum"].get_ref<const std::string&>();
  const std::string& want_mean = c["mean"].get_ref<const std::string&>();
  EXPECT_TRUE(same(one_shot_sum(x, threads), want_sum)) << id << " sum";
  EXPECT_TRUE(same(one_shot_mean(x, threads), want_mean)) << id << " mean";
  // streaming: irregular blocks (small ones for small n, up to ~2 grain sizes for large n)
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t max_block = n < 2000 ? 7 : n < 200000 ? 997 : 70001;
  const TorchSum<T> acc = streamed(x, threads, max_block, c["seed"].get<uint64_t>());
  EXPECT_EQ(acc.fed(), n) << id;
  EXPECT_TRUE(same(acc.result(), want_sum)) << id << " streamed sum";
  EXPECT_TRUE(same(acc.mean(), want_mean)) << id << " streamed mean";
}

TEST(TorchSum, MatchesTorchFixtures) {
  const json& f = fixtures();
  ASSERT_TRUE(f.is_object() && f.contains("cases")) << "cannot read " << fixture_path();
  ASSERT_EQ(f["meta"]["cpu_capability"], "AVX2");
  std::vector<float> xf;
  std::vector<double> xd;
  int n32 = 0, n64 = 0;
  for (const json& c : f["cases"]) {
    if (c["dtype"] == "float32") {
      check_case(c, xf);
      ++n32;
    } else {
      check_case(c, xd);
      ++n64;
    }
    if (::testing::Test::HasFailure()) break;  // one case's report is enough
  }
  EXPECT_GT(n32, 500);
  EXPECT_GT(n64, 300);
}

// The streaming form equals the one-shot form for any block pattern (independent of torch).
template <class T>
void streaming_vs_one_shot() {
  std::vector<T> x;
  const int64_t lengths[] = {0,     1,     3,     4,     5,      7,      8,      9,     15,   16,
                             17,    31,    32,    33,    63,     64,     65,     127,   128,  129,
                             511,   512,   513,   1000,  4095,   4096,   4097,   8191,  8192, 8193,
                             32767, 32768, 32769, 65537, 131071, 131072, 131073, 300001};
  for (int64_t n : lengths) {
    json c = {{"n", n}, {"kind", "mixed"}, {"seed", 1234567 + n}, {"p", 0}};
    make_values(c, x);
    for (int threads : {1, 2, 5}) {
      const T ref = one_shot_sum(x, threads);
      for (int64_t blk : {int64_t(0), int64_t(1), int64_t(2), int64_t(31), int64_t(32), int64_t(33),
                          int64_t(100), int64_t(5000), int64_t(40000)}) {
        if (blk == 1 && n > 20000) continue;
        const TorchSum<T> acc = streamed(x, threads, blk, static_cast<uint64_t>(n * 7 + blk));
        ASSERT_EQ(hex(acc.result()), hex(ref))
            << "n=" << n << " threads=" << threads << " blk=" << blk;
      }
      // constant-size blocks
      for (int64_t b : {int64_t(1), int64_t(8), int64_t(32), int64_t(256), int64_t(4096)}) {
        if (b == 1 && n > 20000) continue;
        TorchSum<T> acc(n, threads);
        for (int64_t i = 0; i < n; i += b) acc.add(x.data() + i, std::min(b, n - i));
        ASSERT_EQ(hex(acc.result()), hex(ref)) << "n=" << n << " threads=" << threads << " b=" << b;
      }
    }
  }
}

// Below 16 groups the one-shot sum reads the values directly (small_sum); TorchRangeSum's
// cascade, which the streaming form runs, must give the same bits at every such length.
template <class T>
void small_rows_vs_cascade() {
  std::vector<T> x;
  for (const char* kind : {"mixed", "special", "negzero", "big"})
    for (int64_t n = 0; n <= 600; ++n) {
      json c = {{"n", n}, {"kind", kind}, {"seed", 7654321 + n}, {"p", 0}};
      make_values(c, x);
      TorchSum<T> acc(n);
      acc.add(x.data(), n);
      ASSERT_EQ(hex(acc.result()), hex(one_shot_sum(x, 1))) << kind << " n=" << n;
    }
}

// The one-shot sum runs its level-2 blocks on the core's threads (torch_sum_source) and replays
// their values in order: at 1, 2, 3 and 8 threads it must equal the streaming form, which feeds
// one TorchRangeSum in index order on this thread. Lengths around the block (8192 floats, 4096
// doubles at lp = 4) and task edges, and past 2^24 floats, where lp = 5 (32768-float blocks).
template <class T>
void parallel_blocks_vs_streaming() {
  if (!threads_built()) GTEST_SKIP() << "a build without threads (LOSSLAB_THREADS=0)";
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  std::vector<T> x;
  const int64_t lengths[] = {32767,
                             32768,
                             32769,
                             40960,
                             65535,
                             65536,
                             65537,
                             131072,
                             131073,
                             524288 + 4095,
                             1000003,
                             3000000,
                             (int64_t(1) << 24) + (int64_t(1) << 16) + 7};
  for (const char* kind : {"mixed", "special", "negzero", "big"})
    for (int64_t n : lengths) {
      if (n > 4000000 && std::string(kind) != "mixed") continue;
      json c = {{"n", n}, {"kind", kind}, {"seed", 99 + n}, {"p", 0}};
      make_values(c, x);
      TorchSum<T> acc(n);
      acc.add(x.data(), n);
      const std::string ref = hex(acc.result());
      for (int t : {1, 2, 3, 8}) {
        ASSERT_EQ(set_num_threads(t), t);
        ASSERT_EQ(hex(one_shot_sum(x, 1)), ref) << kind << " n=" << n << " core threads=" << t;
      }
    }
}

TEST(TorchSum, ParallelBlocksEqualStreamingF32) { parallel_blocks_vs_streaming<float>(); }
TEST(TorchSum, ParallelBlocksEqualStreamingF64) { parallel_blocks_vs_streaming<double>(); }

TEST(TorchSum, SmallRowsEqualTheCascadeF32) { small_rows_vs_cascade<float>(); }
TEST(TorchSum, SmallRowsEqualTheCascadeF64) { small_rows_vs_cascade<double>(); }

TEST(TorchSum, StreamingEqualsOneShotF32) { streaming_vs_one_shot<float>(); }
TEST(TorchSum, StreamingEqualsOneShotF64) { streaming_vs_one_shot<double>(); }

TEST(TorchSum, Edges) {
  // empty: sum +0, mean NaN (torch.tensor([]).mean() is nan)
  EXPECT_EQ(hex(torch_sum_f32(nullptr, 0)), "0x00000000");
  EXPECT_TRUE(std::isnan(torch_mean_f32(nullptr, 0)));
  EXPECT_EQ(hex(torch_sum_f64(nullptr, 0)), "0x0000000000000000");
  EXPECT_TRUE(std::isnan(torch_mean_f64(nullptr, 0)));
  // -0 sums to +0 (the output starts at 0)
  const float nz[3] = {-0.0f, -0.0f, -0.0f};
  EXPECT_EQ(hex(torch_sum_f32(nz, 1)), "0x00000000");
  EXPECT_EQ(hex(torch_sum_f32(nz, 3)), "0x00000000");
  // the scalar path for n < 8: p_k = x_k (k < 4), p_0 += x_4.., then p_0 + p_1 + p_2 + p_3
  const float a[5] = {16777216.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  EXPECT_EQ(torch_sum_f32(a, 5), 16777216.0f);  // each +1 on 2^24 rounds back to 2^24
  const float b[5] = {1e8f, 1.0f, -1e8f, 1.0f, 1.0f};
  EXPECT_EQ(torch_sum_f32(b, 5), 1.0f);  // ((((1e8 + 1) + 1) - 1e8) + 1): torch prints tensor(1.)
  // mean divides by n rounded to T: n = 2^24 + 1 divides by 2^24 in float32
  std::vector<float> ones(16777217, 1.0f);
  const float s = torch_sum_f32(ones.data(), static_cast<int64_t>(ones.size()));
  EXPECT_EQ(torch_mean_f32(ones.data(), static_cast<int64_t>(ones.size())), s / 16777216.0f);
  // feeding past n is ignored
  TorchSumF32 acc(2);
  acc.add(a + 1, 4);
  EXPECT_EQ(acc.fed(), 2);
  EXPECT_EQ(acc.result(), 2.0f);
}

}  // namespace
}  // namespace losslab
