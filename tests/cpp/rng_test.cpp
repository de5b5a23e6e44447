// Generator, ops and recipes against torch 1.13.1, bit for bit.
//
// Golden data: LOSSLAB_GOLDEN_JSON (tests/golden/public.json: the rng_raw, rng_stream and
// rng_sequence cases) and, when defined, LOSSLAB_RNG_EXTRA_JSON (tests/golden/rng_extra.json,
// written by scripts/gen_rng_fixtures.py from torch). Tensors are compared by IEEE-754 /
// two's-complement bit pattern; large ones by head (and tail) plus order-free and order-dependent
// checksums of the bit patterns.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "losslab/ops.hpp"
#include "losslab/parallel.hpp"
#include "losslab/recipes.hpp"
#include "losslab/rng.hpp"

namespace losslab {
namespace {

using json = nlohmann::json;

// ---- golden file helpers ------------------------------------------------------------------------

json load_json(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return json();
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
}

const json& public_golden() {
  static const json j = load_json(LOSSLAB_GOLDEN_JSON);
  return j;
}

// A golden case as a test parameter; gtest prints only its id.
struct GoldenCase {
  std::string id;
  json data;
  friend void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.id; }
};

std::vector<GoldenCase> cases_of_kind(const json& root, const std::string& kind) {
  std::vector<GoldenCase> out;
  if (!root.is_object() || !root.contains("cases")) return out;
  for (const auto& c : root["cases"]) {
    if (c.value("kind", "") == kind) out.push_back({c.value("id", ""), c});
  }
  return out;
}

uint64_t hex_u64(const std::string& s) { return std::stoull(s, nullptr, 16); }

std::string hex_str(uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

DType parse_dtype(const std::string& s) { return dtype_from_name(s).value_or(DType::Int32); }

// Bit patterns of a tensor, zero-extended to 64 bits.
std::vector<uint64_t> tensor_bits(const Tensor& t) {
  std::vector<uint64_t> b(static_cast<std::size_t>(t.numel()));
  if (dtype_size(t.dtype()) == 4) {
    const uint32_t* p = static_cast<const uint32_t*>(t.data());
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = p[i];
  } else {
    std::memcpy(b.data(), t.data(), b.size() * 8);
  }
  return b;
}

// The bit pattern a JSON integer value has in `dtype` (public files store ints as values).
uint64_t int_value_bits(const json& v, DType dtype) {
  const int64_t x = v.get<int64_t>();
  if (dtype == DType::Int32) return static_cast<uint32_t>(static_cast<int32_t>(x));
  if (dtype == DType::Int64) return static_cast<uint64_t>(x);
  if (dtype == DType::Float32) {
    const float f = static_cast<float>(x);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  }
  const double d = static_cast<double>(x);
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

double bits_to_double(uint64_t b, DType dtype) {
  switch (dtype) {
    case DType::Float32: {
      float f;
      const uint32_t u = static_cast<uint32_t>(b);
      std::memcpy(&f, &u, 4);
      return f;
    }
    case DType::Float64: {
      double d;
      std::memcpy(&d, &b, 8);
      return d;
    }
    case DType::Int64: return static_cast<double>(static_cast<int64_t>(b));
    case DType::Int32: return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(b)));
    case DType::Bool: return b != 0;
  }
  return 0;
}

// Distance in units in the last place between two float32 / float64 bit patterns.
int64_t ulp_distance(uint64_t a, uint64_t b, DType dtype) {
  const int bits = dtype == DType::Float32 ? 32 : 64;
  const uint64_t sign = uint64_t{1} << (bits - 1);
  auto key = [&](uint64_t u) -> int64_t {
    const int64_t v = static_cast<int64_t>(u & (sign - 1));
    return (u & sign) ? -v : v;
  };
  const int64_t d = key(a) - key(b);
  return d < 0 ? -d : d;
}

bool near_bits(uint64_t got, uint64_t want, DType dtype, int max_ulp) {
  if (max_ulp == 0 || !dtype_is_floating(dtype)) return got == want;
  return ulp_distance(got, want, dtype) <= max_ulp;
}

// float64 randn uses libm log/cos/sin (spec §5.3, §5.4). Natively that is glibc, as in torch, and
// the results are bit-exact. Emscripten's musl differs from glibc by an ulp in ~3 % of arguments,
// so wasm builds use correctly rounded versions (core/src/libm64.cpp); glibc itself misrounds
// ~0.1 % of arguments (libm64_test measures it), which can leave a float64 normal 1–2 ulp off in
// long streams. The public golden streams are held bit-exact everywhere; the large extra
// fixtures allow that residue in wasm only.
#ifdef __EMSCRIPTEN__
constexpr int kF64RandnUlpExtra = 2;
#else
constexpr int kF64RandnUlpExtra = 0;
#endif

// Compares `t` with an encoded golden tensor: {"hex"} / {"values"} in full, or
// {"numel", "head_hex", ["tail_hex"], "checksum_bits_xor", ["checksum_bits_wsum"],
// ["checksum_f64"]}. max_ulp > 0 allows that many ulps per floating value and skips the bitwise
// checksums (sigmoid, whose torch kernel is SLEEF's vectorised exp; float64 randn under wasm).
::testing::AssertionResult SameTensor(const Tensor& t, const json& e, int max_ulp = 0) {
  const DType dt = parse_dtype(e.at("dtype").get<std::string>());
  if (t.dtype() != dt) {
    return ::testing::AssertionFailure()
           << "dtype " << dtype_name(t.dtype()) << " != " << dtype_name(dt);
  }
  if (e.contains("shape")) {
    const Shape want = e["shape"].get<Shape>();
    if (t.shape() != want) {
      return ::testing::AssertionFailure()
             << "shape " << shape_str(t.shape()) << " != " << shape_str(want);
    }
  }
  const int width = dtype_size(dt) == 4 ? 8 : 16;
  const std::vector<uint64_t> bits = tensor_bits(t);
  auto compare_run = [&](const json& list, std::size_t first,
                         bool hex) -> ::testing::AssertionResult {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const uint64_t want = hex ? hex_u64(list[i].get<std::string>()) : int_value_bits(list[i], dt);
      const uint64_t got = bits[first + i];
      if (!near_bits(got, want, dt, max_ulp)) {
        return ::testing::AssertionFailure()
               << "element " << first + i << ": got " << hex_str(got, width) << " ("
               << bits_to_double(got, dt) << "), want " << hex_str(want, width) << " ("
               << bits_to_double(want, dt) << ")";
      }
    }
    return ::testing::AssertionSuccess();
  };
  if (e.contains("hex") || e.contains("values")) {
    const bool hex = e.contains("hex");
    const json& list = hex ? e["hex"] : e["values"];
    if (list.size() != bits.size()) {
      return ::testing::AssertionFailure() << "numel " << bits.size() << " != " << list.size();
    }
    return compare_run(list, 0, hex);
  }
  const std::size_t numel = e.at("numel").get<std::size_t>();
  if (bits.size() != numel) {
    return ::testing::AssertionFailure() << "numel " << bits.size() << " != " << numel;
  }
  if (e.contains("head_hex")) {
    auto r = compare_run(e["head_hex"], 0, true);
    if (!r) return r << " (head)";
  }
  if (e.contains("tail_hex")) {
    auto r = compare_run(e["tail_hex"], numel - e["tail_hex"].size(), true);
    if (!r) return r << " (tail)";
  }
  if (max_ulp == 0) {
    if (e.contains("checksum_bits_xor")) {
      uint64_t x = 0;
      for (uint64_t b : bits) x ^= b;
      const uint64_t want = hex_u64(e["checksum_bits_xor"].get<std::string>());
      if (x != want) {
        return ::testing::AssertionFailure()
               << "checksum_bits_xor " << hex_str(x, width) << " != " << hex_str(want, width);
      }
    }
    if (e.contains("checksum_bits_wsum")) {
      uint64_t s = 0;
      for (std::size_t i = 0; i < bits.size(); ++i)
        s += bits[i] * (2 * static_cast<uint64_t>(i) + 1);
      const uint64_t want = hex_u64(e["checksum_bits_wsum"].get<std::string>());
      if (s != want) {
        return ::testing::AssertionFailure()
               << "checksum_bits_wsum " << hex_str(s, 16) << " != " << hex_str(want, 16);
      }
    }
  }
  if (e.contains("checksum_f64")) {
    // numpy's pairwise float64 sums: compare with a relative tolerance.
    const json& c = e["checksum_f64"];
    double sum = 0, sum_sq = 0, wsum = 0;
    for (std::size_t i = 0; i < bits.size(); ++i) {
      const double v = bits_to_double(bits[i], dt);
      sum += v;
      sum_sq += v * v;
      wsum += v * static_cast<double>(i % 1024);
    }
    const double tol = max_ulp ? 1e-6 : 1e-10;
    auto close = [tol](double a, double b) { return std::fabs(a - b) <= tol * (1 + std::fabs(b)); };
    if (!close(sum, c["sum"]) || !close(sum_sq, c["sum_sq"]) || !close(wsum, c["weighted_sum_i"])) {
      return ::testing::AssertionFailure()
             << "checksum_f64 (" << sum << ", " << sum_sq << ", " << wsum << ") != (" << c["sum"]
             << ", " << c["sum_sq"] << ", " << c["weighted_sum_i"] << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// One call of a golden stream: rand / randn / randint / random_int32 (int32 random_()).
Result<Tensor> run_call(Generator& gen, const json& call) {
  const std::string op = call.at("op").get<std::string>();
  const int64_t n = call.at("n").get<int64_t>();
  const DType dt = parse_dtype(call.value("dtype", std::string("float32")));
  if (op == "rand") return rand(gen, {n}, dt);
  if (op == "randn") return randn(gen, {n}, dt);
  if (op == "randint") {
    const json& a = call.at("args");
    return randint(gen, a[0].get<int64_t>(), a[1].get<int64_t>(), {n}, dt);
  }
  if (op == "random_int32") {
    // torch.empty(n, dtype=int32).random_(): the 32-bit word % 2**31.
    Tensor t(DType::Int32, {n});
    for (int64_t i = 0; i < n; ++i)
      t.as<int32_t>()[i] = static_cast<int32_t>(gen.random() % (1u << 31));
    return Result<Tensor>(std::move(t));
  }
  return value_error("unknown op " + op);
}

// Runs every call of a stream case on one generator seeded with case["seed"].
void check_stream(const json& c, int f64_randn_ulp = 0) {
  Generator gen(c.at("seed").get<uint64_t>());
  int k = 0;
  for (const auto& call : c.at("calls")) {
    SCOPED_TRACE("call " + std::to_string(k++) + ": " + call.dump().substr(0, 120));
    Result<Tensor> r = run_call(gen, call);
    if (call.contains("error")) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().type, call["error"]["type"].get<std::string>());
      EXPECT_EQ(r.error().message, call["error"]["message"].get<std::string>());
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().message;
    const bool f64_randn = call["op"] == "randn" && call.value("dtype", "") == "float64";
    EXPECT_TRUE(SameTensor(r.value(), call.at("result"), f64_randn ? f64_randn_ulp : 0));
  }
}

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string s = info.param.id.empty() ? "case" + std::to_string(info.index) : info.param.id;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

// ---- public.json: rng_raw, rng_stream, rng_sequence ---------------------------------------------

TEST(RngGolden, PublicFileHasRngCases) {
  ASSERT_TRUE(public_golden().is_object()) << "cannot read " << LOSSLAB_GOLDEN_JSON;
  EXPECT_EQ(cases_of_kind(public_golden(), "rng_raw").size(), 2u);
  EXPECT_EQ(cases_of_kind(public_golden(), "rng_stream").size(), 3u);
  EXPECT_EQ(cases_of_kind(public_golden(), "rng_sequence").size(), 3u);
}

class RngRaw : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(RngRaw, Mt19937WordsMod2Pow31) {
  const json& c = GetParam().data;
  Generator gen(c.at("seed").get<uint64_t>());
  for (const auto& v : c.at("values")) {
    EXPECT_EQ(static_cast<int64_t>(gen.random() % (1u << 31)), v.get<int64_t>());
  }
}
INSTANTIATE_TEST_SUITE_P(Public, RngRaw,
                         ::testing::ValuesIn(cases_of_kind(public_golden(), "rng_raw")), case_name);

class RngStream : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(RngStream, BitExact) { check_stream(GetParam().data); }
INSTANTIATE_TEST_SUITE_P(Public, RngStream,
                         ::testing::ValuesIn(cases_of_kind(public_golden(), "rng_stream")),
                         case_name);

// Checks every tensor a golden rng_sequence stores against the recipe's tensor of the same
// name (sigma within 2 ulp: torch's sigmoid uses SLEEF's vectorised expf).
void check_recipe_against(const Recipe& r, const json& tensors) {
  for (auto it = tensors.begin(); it != tensors.end(); ++it) {
    SCOPED_TRACE("tensor " + it.key());
    const Tensor* t = r.get(it.key());
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(SameTensor(*t, it.value(), it.key() == "sigma" ? 2 : 0));
  }
}

TEST(RngSequence, A_RegressionSeed420) {
  const json* c = nullptr;
  for (const auto& x : public_golden()["cases"]) {
    if (x.value("id", "") == "seqA-seed420") c = &x;
  }
  ASSERT_NE(c, nullptr);
  Result<Recipe> r = regression((*c)["seed"].get<uint64_t>(), 50);
  ASSERT_TRUE(r.ok());
  check_recipe_against(r.value(), (*c)["tensors"]);
}

TEST(RngSequence, B_BinaryN3000Seed420) {
  const json* c = nullptr;
  for (const auto& x : public_golden()["cases"]) {
    if (x.value("id", "") == "seqB-N3000-seed420") c = &x;
  }
  ASSERT_NE(c, nullptr);
  Result<Recipe> r = binary((*c)["seed"].get<uint64_t>(), 3000);
  ASSERT_TRUE(r.ok());
  check_recipe_against(r.value(), (*c)["tensors"]);
  const std::vector<std::string> names = {"x", "w", "y", "zhat", "sigma"};
  ASSERT_EQ(r.value().tensors.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(r.value().tensors[i].first, names[i]);
}

TEST(RngSequence, C_MulticlassN300Seed420) {
  const json* c = nullptr;
  for (const auto& x : public_golden()["cases"]) {
    if (x.value("id", "") == "seqC-N300-seed420") c = &x;
  }
  ASSERT_NE(c, nullptr);
  Result<Recipe> r = multiclass((*c)["seed"].get<uint64_t>(), 300, 3);
  ASSERT_TRUE(r.ok());
  check_recipe_against(r.value(), (*c)["tensors"]);
  // y_long == y.long()
  const Tensor* y = r.value().get("y");
  const Tensor* yl = r.value().get("y_long");
  ASSERT_TRUE(y && yl);
  ASSERT_EQ(yl->dtype(), DType::Int64);
  ASSERT_EQ(yl->shape(), Shape{300});
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(yl->as<int64_t>()[i], static_cast<int64_t>(y->as<float>()[i]));
  }
}

// ---- rng_extra.json (torch-generated, optional) -------------------------------------------------

#ifdef LOSSLAB_RNG_EXTRA_JSON
const json& extra_golden() {
  static const json j = load_json(LOSSLAB_RNG_EXTRA_JSON);
  return j;
}

TEST(RngExtra, FileLoads) {
  ASSERT_TRUE(extra_golden().is_object()) << "cannot read " << LOSSLAB_RNG_EXTRA_JSON;
  EXPECT_EQ(extra_golden()["cases"].size(), extra_golden()["meta"]["count"].get<std::size_t>());
}

class RngExtraStream : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(RngExtraStream, BitExact) { check_stream(GetParam().data, kF64RandnUlpExtra); }
INSTANTIATE_TEST_SUITE_P(Extra, RngExtraStream,
                         ::testing::ValuesIn(cases_of_kind(extra_golden(), "stream")), case_name);

class RngExtraRecipe : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(RngExtraRecipe, BitExact) {
  const json& c = GetParam().data;
  const int64_t classes = c["c"].is_null() ? 2 : c["c"].get<int64_t>();
  Result<Recipe> r = make_recipe(c["recipe"].get<std::string>(), c["seed"].get<uint64_t>(),
                                 c["n"].get<int64_t>(), classes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  check_recipe_against(r.value(), c["tensors"]);
}
INSTANTIATE_TEST_SUITE_P(Extra, RngExtraRecipe,
                         ::testing::ValuesIn(cases_of_kind(extra_golden(), "recipe")), case_name);
#endif

// ---- Generator unit tests -----------------------------------------------------------------------

TEST(Generator, MatchesStdMt19937AcrossBlocks) {
  for (uint64_t seed : {0ull, 1ull, 420ull, 5489ull, 0xFFFFFFFFull}) {
    Generator g(seed);
    std::mt19937 ref(static_cast<uint32_t>(seed));
    for (int i = 0; i < 5000; ++i) ASSERT_EQ(g.random(), ref()) << "seed " << seed << " i " << i;
  }
}

TEST(Generator, BulkPathsEqualSingleDraws) {
  // random_words / fill_rand take words in runs; interleave odd sizes across block boundaries.
  Generator a(77), b(77);
  const int64_t sizes[] = {1, 622, 1, 2, 625, 3, 1248, 7, 624, 5};
  for (int64_t n : sizes) {
    std::vector<uint32_t> w(static_cast<std::size_t>(n));
    a.random_words(w.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(w[static_cast<std::size_t>(i)], b.random());
    std::vector<float> f(static_cast<std::size_t>(n));
    fill_rand(a, f.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const float want = static_cast<float>(b.random() & 0xFFFFFFu) * 0x1p-24f;
      ASSERT_EQ(f[static_cast<std::size_t>(i)], want);
    }
    std::vector<double> d(static_cast<std::size_t>(n));
    fill_rand(a, d.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double want = static_cast<double>(b.random64() & ((1ull << 53) - 1)) * 0x1p-53;
      ASSERT_EQ(d[static_cast<std::size_t>(i)], want);
    }
  }
  EXPECT_EQ(a.random(), b.random());
}

TEST(Generator, Random64FirstDrawIsHighWord) {
  Generator a(3), b(3);
  const uint64_t hi = b.random(), lo = b.random();
  EXPECT_EQ(a.random64(), (hi << 32) | lo);
}

TEST(Generator, SeedUsesLow32BitsAndKeepsInitialSeed) {
  Generator a(421), b((1ull << 32) + 421);
  EXPECT_EQ(a.initial_seed(), 421u);
  EXPECT_EQ(b.initial_seed(), (1ull << 32) + 421);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.random(), b.random());
  Generator c(static_cast<uint64_t>(-1)), d(0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(c.initial_seed(), 0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(c.random(), d.random());
  Generator def;
  EXPECT_EQ(def.initial_seed(), 67280421310721ull);
  Generator ref(67280421310721ull);
  EXPECT_EQ(def.random(), ref.random());
}

TEST(Generator, ManualSeedResetsStreamAndCaches) {
  Generator g(5);
  const uint32_t first = g.random();
  float v[3];
  fill_randn(g, v, 3);  // leaves a cached value
  ASSERT_TRUE(g.next_double_normal.has_value());
  g.manual_seed(5);
  EXPECT_FALSE(g.next_double_normal.has_value());
  EXPECT_FALSE(g.next_float_normal.has_value());
  EXPECT_EQ(g.random(), first);
}

TEST(Generator, CopyIsIndependentFork) {
  Generator g(9);
  float tmp[1];
  fill_randn(g, tmp, 1);  // cache set
  Generator h = g;
  float a[40], b[40];
  fill_randn(g, a, 5);
  fill_randn(h, b, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a[i], b[i]);
  g.random();  // advance only g
  fill_rand(g, a, 40);
  fill_rand(h, b, 40);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
}

TEST(Generator, RandnCacheCarriesOverAndSkipsOtherOps) {
  // randn(7) leaves sin of its 4th pair cached; rand and randn(>=16) keep it; the next small
  // randn starts with it (spec §5.4).
  Generator g(420), ref(420);
  float a[7];
  fill_randn(g, a, 7);
  ASSERT_TRUE(g.next_double_normal.has_value());
  const double cached = *g.next_double_normal;
  float u[5], big[20];
  fill_rand(g, u, 5);
  fill_randn(g, big, 20);
  ASSERT_TRUE(g.next_double_normal.has_value());
  float b[2];
  fill_randn(g, b, 2);
  EXPECT_EQ(b[0], static_cast<float>(cached));
  EXPECT_TRUE(g.next_double_normal.has_value());  // b[1] began a new pair; its sin is cached
  // Words: randn(7) = 16, rand(5) = 5, randn(20) = 20 + 16, randn(2) = 4 (one new pair).
  uint32_t skip[16 + 5 + 36 + 4];
  ref.random_words(skip, 16 + 5 + 36 + 4);
  EXPECT_EQ(g.random(), ref.random());
}

TEST(Generator, WordCounts) {
  // Words a fill consumes: the k for which the generator continues like a fresh one advanced by
  // k words (checked on the next 8 words).
  auto words_used = [](auto fill) {
    Generator g(1), ref(1);
    fill(g);
    for (int k = 0; k < 4000; ++k) {
      Generator a = g, b = ref;
      bool same = true;
      for (int i = 0; i < 8 && same; ++i) same = a.random() == b.random();
      if (same) return k;
      ref.random();
    }
    return -1;
  };
  std::vector<float> f(64);
  std::vector<double> d(64);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 1); }), 4);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 8); }), 16);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 15); }), 32);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 16); }), 16);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 17); }), 33);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, f.data(), 50); }), 66);
  EXPECT_EQ(words_used([&](Generator& g) { fill_randn(g, d.data(), 17); }), 66);
  EXPECT_EQ(words_used([&](Generator& g) { fill_rand(g, d.data(), 3); }), 6);
  std::vector<int64_t> out(10);
  EXPECT_EQ(words_used([&](Generator& g) {
              ASSERT_TRUE(fill_randint(g, 0, 3, DType::Int64, out.data(), 10).ok());
            }),
            10);
  EXPECT_EQ(words_used([&](Generator& g) {
              ASSERT_TRUE(fill_randint(g, 0, (1ll << 32), DType::Int64, out.data(), 10).ok());
            }),
            20);
  EXPECT_EQ(words_used([&](Generator& g) {
              ASSERT_TRUE(fill_randint(g, -1, (1ll << 32) - 1, DType::Int64, out.data(), 10).ok());
            }),
            20);
  EXPECT_EQ(words_used([&](Generator& g) {
              ASSERT_TRUE(fill_randint(g, 0, (1ll << 32) - 1, DType::Int64, out.data(), 10).ok());
            }),
            10);
}

TEST(Generator, RandintWideRangesUseRandom64) {
  // range >= 2**32: random64() % range + low, for int64, float64 and float32 outputs.
  Generator g(2024), ref(2024);
  const int64_t lo = -123456789012ll, hi = (1ll << 41) + 17;
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  int64_t v[64];
  ASSERT_TRUE(fill_randint(g, lo, hi, DType::Int64, v, 64).ok());
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(v[i], static_cast<int64_t>(ref.random64() % range + static_cast<uint64_t>(lo)));
    EXPECT_GE(v[i], lo);
    EXPECT_LT(v[i], hi);
  }
  // Full int64 range [-2**63, 2**63 - 1): range 2**64 - 1.
  Generator g2(1), r2(1);
  const int64_t mn = std::numeric_limits<int64_t>::min(), mx = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(fill_randint(g2, mn, mx, DType::Int64, v, 8).ok());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(v[i], static_cast<int64_t>(r2.random64() % 0xFFFFFFFFFFFFFFFFull +
                                         static_cast<uint64_t>(mn)));
  }
  // int32 output never takes the 64-bit path (its range is < 2**32 anyway).
  Generator g3(4), r3(4);
  int32_t w[16];
  ASSERT_TRUE(fill_randint(g3, std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max(), DType::Int32, w, 16)
                  .ok());
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(w[i], static_cast<int32_t>(static_cast<int64_t>(
                        r3.random() % 0xFFFFFFFFull +
                        static_cast<uint64_t>(int64_t{std::numeric_limits<int32_t>::min()}))));
  }
}

TEST(Generator, RandintNarrowMatchesPlainModulo) {
  // The 32-bit path reduces without a division (mask / fastmod) and may add in int32: check it
  // against word % range + low through int64 for many ranges, bases and every dtype.
  const uint32_t ranges[] = {1u,          2u,          3u,          5u,          7u,
                             10u,         64u,         1000u,       65537u,      (1u << 24) + 1,
                             0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFF1u, 0xFFFFFFFFu};
  const int64_t bases[] = {0, -7, 123456, -(1ll << 31), (1ll << 31) - 1, -(1ll << 40), 1ll << 40};
  const DType dtypes[] = {DType::Int64, DType::Int32, DType::Float32, DType::Float64};
  for (uint32_t range : ranges) {
    for (int64_t base : bases) {
      for (DType dt : dtypes) {
        const int64_t high = base + static_cast<int64_t>(range);
        if (dt == DType::Int32 && (base < std::numeric_limits<int32_t>::min() ||
                                   high - 1 > std::numeric_limits<int32_t>::max())) {
          continue;
        }
        if (dt == DType::Float32 &&
            (std::llabs(base) > (1ll << 24) || std::llabs(high) > (1ll << 24))) {
          continue;  // torch moves float bounds beyond 2**24 (update_from / update_to)
        }
        SCOPED_TRACE("range " + std::to_string(range) + " base " + std::to_string(base) + " " +
                     dtype_name(dt));
        Generator g(range ^ static_cast<uint64_t>(base)), ref = g;
        const int64_t n = 700;  // crosses a block boundary
        Tensor t(dt, {n});
        ASSERT_TRUE(fill_randint(g, base, high, dt, t.data(), n).ok());
        for (int64_t i = 0; i < n; ++i) {
          const int64_t v =
              static_cast<int64_t>(ref.random() % range + static_cast<uint64_t>(base));
          switch (dt) {
            case DType::Int64: ASSERT_EQ(t.as<int64_t>()[i], v); break;
            case DType::Int32: ASSERT_EQ(t.as<int32_t>()[i], static_cast<int32_t>(v)); break;
            case DType::Float32: ASSERT_EQ(t.as<float>()[i], static_cast<float>(v)); break;
            case DType::Float64: ASSERT_EQ(t.as<double>()[i], static_cast<double>(v)); break;
            case DType::Bool: FAIL() << "randint refuses bool"; break;
          }
        }
        EXPECT_EQ(g.random(), ref.random());
      }
    }
  }
}

TEST(Generator, RandintErrors) {
  Generator g(1), ref(1);
  int64_t out[4];
  Status s = fill_randint(g, 5, 5, DType::Int64, out, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().type, "RuntimeError");
  EXPECT_EQ(s.error().message,
            "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  s = fill_randint(g, 6, -2, DType::Float32, out, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "random_ expects 'from' to be less than 'to', but got from=6 >= to=-2");
  s = fill_randint(g, 0, (1ll << 31) + 1, DType::Int32, out, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "to - 1 is out of bounds for int");
  s = fill_randint(g, -(1ll << 31) - 1, 0, DType::Int32, out, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "from is out of bounds for int");
  EXPECT_EQ(g.random(), ref.random());  // nothing drawn
  Result<Tensor> t = randint(g, 3, 1, {2, 2}, DType::Int64);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message,
            "random_ expects 'from' to be less than 'to', but got from=3 >= to=1");
}

TEST(Generator, TensorApiErrors) {
  Generator g(1), ref(1);
  Result<Tensor> r = rand(g, {3}, DType::Int64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "RuntimeError");
  EXPECT_EQ(r.error().message, "\"check_uniform_bounds\" not implemented for 'Long'");
  r = rand(g, {3}, DType::Int32);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"check_uniform_bounds\" not implemented for 'Int'");
  r = randn(g, {3}, DType::Int64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"normal_kernel_cpu\" not implemented for 'Long'");
  r = randn(g, {-1}, DType::Float32);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Trying to create tensor with negative dimension -1: [-1]");
  EXPECT_EQ(g.random(), ref.random());
}

TEST(Generator, TensorApiOutOfMemory) {
  // Byte counts beyond size_t (and beyond any heap) are RangeError, never a wrapped allocation.
  Generator g(1), ref(1);
  for (const Shape& s : {Shape{int64_t{1} << 62, 4}, Shape{int64_t{1} << 40, int64_t{1} << 40},
                         Shape{std::numeric_limits<int64_t>::max()}}) {
    Result<Tensor> r = rand(g, s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().type, "RangeError");
    r = randint(g, 0, 3, s, DType::Int64);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().type, "RangeError");
  }
  EXPECT_EQ(g.random(), ref.random());                    // nothing drawn
  Result<Tensor> e = randn(g, {int64_t{1} << 62, 0, 3});  // empty: fine
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value().numel(), 0);
}

TEST(Generator, TensorApiShapesAndEmpty) {
  Generator g(8), ref(8);
  Result<Tensor> r = randn(g, {3, 0, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().numel(), 0);
  r = rand(g, {}, DType::Float64);  // 0-D: one element
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().numel(), 1);
  EXPECT_EQ(r.value().as<double>()[0],
            static_cast<double>(ref.random64() & ((1ull << 53) - 1)) * 0x1p-53);
  r = randn(g, {2, 25});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{2, 25}));
  Generator h(8);
  (void)rand(h, {}, DType::Float64);
  float flat[50];
  fill_randn(h, flat, 50);
  EXPECT_EQ(std::memcmp(flat, r.value().data(), sizeof flat), 0);
}

TEST(Generator, RandnValuesAreFiniteAndPlausible) {
  Generator g(123);
  std::vector<float> v(100000);
  fill_randn(g, v.data(), static_cast<int64_t>(v.size()));
  double s = 0, s2 = 0;
  for (float x : v) {
    ASSERT_TRUE(std::isfinite(x));
    s += x;
    s2 += static_cast<double>(x) * x;
  }
  EXPECT_NEAR(s / 1e5, 0.0, 0.02);
  EXPECT_NEAR(s2 / 1e5, 1.0, 0.02);
}

// ---- ops ----------------------------------------------------------------------------------------

TensorView view_of(const std::vector<float>& v, Shape s) {
  return TensorView{DType::Float32, std::move(s), v.data()};
}
TensorView view_of(const std::vector<double>& v, Shape s) {
  return TensorView{DType::Float64, std::move(s), v.data()};
}

TEST(Ops, MmLeftToRightNoFma) {
  const std::vector<float> a = {0.1f, 0.7f, 1e8f, -3.0f, 0.3f, 0.2f};     // 2x3
  const std::vector<float> b = {1.5f, -2.0f, 0.25f, 4.0f, 1.0f, -1e-8f};  // 3x2
  Result<Tensor> r = mm(view_of(a, {2, 3}), view_of(b, {3, 2}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().shape(), (Shape{2, 2}));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      float acc = 0.0f;
      for (int p = 0; p < 3; ++p) {
        const float prod = a[i * 3 + p] * b[p * 2 + j];
        acc = acc + prod;
      }
      EXPECT_EQ(r.value().as<float>()[i * 2 + j], acc) << i << "," << j;
    }
  }
  // (N x 4) . (4 x 1) path.
  std::vector<float> x(40), w = {0.5f, -0.25f, 0.125f, 3.0f};
  for (int i = 0; i < 40; ++i) x[i] = 0.37f * static_cast<float>(i) - 3.1f;
  r = mm(view_of(x, {10, 4}), view_of(w, {4, 1}));
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 10; ++i) {
    float acc = 0.0f;
    for (int p = 0; p < 4; ++p) {
      const float prod = x[i * 4 + p] * w[p];
      acc = acc + prod;
    }
    EXPECT_EQ(r.value().as<float>()[i], acc);
  }
}

TEST(Ops, MmSignedZeroAndEmptyK) {
  // torch's CPU mm starts from +0: (-1) * 0 gives +0, not -0.
  const std::vector<float> a = {-1.0f, -1.0f}, b = {0.0f, 0.0f};
  Result<Tensor> r = mm(view_of(a, {1, 2}), view_of(b, {2, 1}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(std::signbit(r.value().as<float>()[0]));
  r = mm(view_of(a, {2, 1}), view_of(b, {1, 2}));
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(std::signbit(r.value().as<float>()[i]));
  const std::vector<double> e;
  Result<Tensor> z = mm(view_of(e, {3, 0}), view_of(e, {0, 2}));
  ASSERT_TRUE(z.ok());
  ASSERT_EQ(z.value().shape(), (Shape{3, 2}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(z.value().as<double>()[i], 0.0);
}

TEST(Ops, MmFloat64) {
  const std::vector<double> a = {1.0 / 3, 2.0 / 7, 0.1, 0.2};  // 2x2
  const std::vector<double> b = {3.0, 0.1, -7.0, 1e-17};       // 2x2
  Result<Tensor> r = mm(view_of(a, {2, 2}), view_of(b, {2, 2}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().dtype(), DType::Float64);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      double acc = 0.0;
      for (int p = 0; p < 2; ++p) {
        const double prod = a[i * 2 + p] * b[p * 2 + j];
        acc = acc + prod;
      }
      EXPECT_EQ(r.value().as<double>()[i * 2 + j], acc);
    }
  }
}

TEST(Ops, MmErrors) {
  const std::vector<float> f(12);
  const std::vector<double> d(12);
  auto msg = [](Result<Tensor> r) { return r.ok() ? std::string("ok") : r.error().message; };
  EXPECT_EQ(msg(mm(view_of(f, {3}), view_of(f, {3, 1}))), "self must be a matrix");
  EXPECT_EQ(msg(mm(view_of(f, {3, 4}), view_of(f, {3}))), "mat2 must be a matrix");
  EXPECT_EQ(msg(mm(view_of(f, {3, 4}), view_of(f, {3, 1}))),
            "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x1)");
  EXPECT_EQ(msg(mm(view_of(f, {3, 4}), view_of(d, {4, 1}))),
            "expected scalar type Float but found Double");
  EXPECT_EQ(msg(mm(view_of(d, {3, 4}), view_of(f, {4, 1}))),
            "expected scalar type Double but found Float");
  Result<Tensor> r = mm(view_of(f, {3, 4}), view_of(f, {3, 1}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "RuntimeError");
}

TEST(Ops, Sigmoid) {
  const std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 20.0f, -20.0f, 100.0f, -100.0f, 0.3f};
  Result<Tensor> r = sigmoid(view_of(x, {3, 3}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{3, 3}));
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(r.value().as<float>()[i], 1.0f / (1.0f + std::exp(-x[i])));
  }
  EXPECT_EQ(r.value().as<float>()[0], 0.5f);
  EXPECT_EQ(r.value().as<float>()[6], 1.0f);
  EXPECT_EQ(r.value().as<float>()[7], 0.0f);
  const std::vector<double> xd = {0.25, -3.0};
  Result<Tensor> rd = sigmoid(view_of(xd, {2}));
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(rd.value().as<double>()[1], 1.0 / (1.0 + std::exp(3.0)));
  const std::vector<int64_t> xi = {1, -2};
  Result<Tensor> ri = sigmoid(TensorView{DType::Int64, {2}, xi.data()});
  ASSERT_TRUE(ri.ok());
  EXPECT_EQ(ri.value().dtype(), DType::Float32);
  EXPECT_EQ(ri.value().as<float>()[1], 1.0f / (1.0f + std::exp(2.0f)));
}

TEST(Ops, Transpose2d) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  Result<Tensor> r = transpose2d(view_of(x, {2, 3}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{3, 2}));
  const float want[] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.value().as<float>()[i], want[i]);
  r = transpose2d(view_of(x, {6}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{6}));
  EXPECT_EQ(std::memcmp(r.value().data(), x.data(), 24), 0);
  r = transpose2d(view_of(x, {}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), Shape{});
  EXPECT_EQ(r.value().as<float>()[0], 1.0f);
  const std::vector<int64_t> xi = {1, 2, 3, 4, 5, 6};
  r = transpose2d(TensorView{DType::Int64, {3, 2}, xi.data()});
  ASSERT_TRUE(r.ok());
  const int64_t wi[] = {1, 3, 5, 2, 4, 6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r.value().as<int64_t>()[i], wi[i]);
  r = transpose2d(view_of(x, {1, 2, 3}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "t() expects a tensor with <= 2 dimensions, but self is 3D");
  r = transpose2d(view_of(x, {1, 2, 3, 1}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "t() expects a tensor with <= 2 dimensions, but self is 4D");
}

TEST(Ops, ToDtype) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {1.7f, -1.7f, 2.5f,  -0.5f, std::nanf(""), inf,
                                -inf, 3e9f,  -3e9f, 1e20f, 2.0f};
  Result<Tensor> r = to_dtype(view_of(x, {11}), DType::Int64);
  ASSERT_TRUE(r.ok());
  const int64_t mn = std::numeric_limits<int64_t>::min();
  const int64_t want64[] = {1, -1, 2, 0, mn, mn, mn, 3000000000ll, -3000000000ll, mn, 2};
  for (int i = 0; i < 11; ++i) EXPECT_EQ(r.value().as<int64_t>()[i], want64[i]) << i;
  r = to_dtype(view_of(x, {11}), DType::Int32);
  ASSERT_TRUE(r.ok());
  const int32_t m32 = std::numeric_limits<int32_t>::min();
  const int32_t want32[] = {1, -1, 2, 0, m32, m32, m32, m32, m32, m32, 2};
  for (int i = 0; i < 11; ++i) EXPECT_EQ(r.value().as<int32_t>()[i], want32[i]) << i;
  const std::vector<int64_t> xi = {(1ll << 40) + 7, -(1ll << 40) - 3, (1ll << 53) + 1};
  r = to_dtype(TensorView{DType::Int64, {3}, xi.data()}, DType::Int32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().as<int32_t>()[0], 7);
  EXPECT_EQ(r.value().as<int32_t>()[1], -3);
  r = to_dtype(TensorView{DType::Int64, {3}, xi.data()}, DType::Float64);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().as<double>()[2], static_cast<double>((1ll << 53) + 1));
  r = to_dtype(TensorView{DType::Int64, {3}, xi.data()}, DType::Float32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().as<float>()[0], static_cast<float>((1ll << 40) + 7));
  r = to_dtype(view_of(x, {11}), DType::Float64);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().as<double>()[0], static_cast<double>(1.7f));
  const std::vector<double> xd = {0.1, 1e300};
  r = to_dtype(view_of(xd, {2}), DType::Float32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().as<float>()[0], 0.1f);
  EXPECT_EQ(r.value().as<float>()[1], inf);
}

// ---- recipes ------------------------------------------------------------------------------------

TEST(Recipes, NamesShapesAndDtypes) {
  Result<Recipe> r = make_recipe("multiclass", 1, 10, 5);
  ASSERT_TRUE(r.ok());
  const char* names[] = {"X", "w", "y", "zhat", "y_long"};
  const Shape shapes[] = {{10, 4}, {4, 5}, {10}, {10, 5}, {10}};
  const DType dtypes[] = {DType::Float32, DType::Float32, DType::Float32, DType::Float32,
                          DType::Int64};
  ASSERT_EQ(r.value().tensors.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r.value().tensors[i].first, names[i]);
    EXPECT_EQ(r.value().tensors[i].second.shape(), shapes[i]);
    EXPECT_EQ(r.value().tensors[i].second.dtype(), dtypes[i]);
  }
  for (int i = 0; i < 10; ++i) {
    const int64_t k = r.value().get("y_long")->as<int64_t>()[i];
    EXPECT_GE(k, 0);
    EXPECT_LT(k, 5);
  }
  r = make_recipe("regression", 1, 3, 0);  // c unused
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().tensors[0].first, "yhat");
  EXPECT_EQ(r.value().tensors[1].second.shape(), (Shape{3, 1}));
  r = make_recipe("binary", 1, 1, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().get("sigma")->shape(), (Shape{1, 1}));
}

TEST(Recipes, Errors) {
  Result<Recipe> r = make_recipe("x", 1, 10, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "ValueError");
  EXPECT_EQ(r.error().message,
            "unknown recipe 'x' (expected regression, binary, multiclass, ranking, embedding, "
            "counts, gaussian, multilabel or ctc)");
  r = make_recipe("binary", 1, 0, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "ValueError");
  EXPECT_EQ(r.error().message, "n must be >= 1 (got 0)");
  r = make_recipe("regression", 1, -5, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "n must be >= 1 (got -5)");
  r = make_recipe("multiclass", 1, 10, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "ValueError");
  EXPECT_EQ(r.error().message, "c must be >= 2 (got 1)");
}

// randn's Box-Muller blocks run on the core's threads: the same bits at any thread count, for
// lengths with and without a redrawn last block, float32 and float64.
TEST(Generator, RandnSameBitsAtAnyThreadCount) {
  if (!threads_built()) GTEST_SKIP() << "a build without threads (LOSSLAB_THREADS=0)";
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  for (const int64_t n : {int64_t(2047), int64_t(100'000), int64_t(100'007)}) {
    std::vector<float> f1(static_cast<std::size_t>(n)), f(f1.size());
    std::vector<double> d1(f1.size()), d(f1.size());
    for (const int t : {1, 2, 3, 8}) {
      ASSERT_EQ(set_num_threads(t), t);
      Generator g;
      g.manual_seed(420);
      fill_randn(g, t == 1 ? f1.data() : f.data(), n);
      fill_randn(g, t == 1 ? d1.data() : d.data(), n);
      if (t == 1) continue;
      EXPECT_EQ(std::memcmp(f.data(), f1.data(), f.size() * sizeof(float)), 0) << n << ", " << t;
      EXPECT_EQ(std::memcmp(d.data(), d1.data(), d.size() * sizeof(double)), 0) << n << ", " << t;
    }
  }
}

// sigmoid (recipe B's sigma) runs in the core's fixed chunks on its threads: the same bits at any
// thread count, with chunk boundaries and torch's scalar tail (the last n % 16 elements) inside
// the lengths.
TEST(Ops, SigmoidSameBitsAtAnyThreadCount) {
  if (!threads_built()) GTEST_SKIP() << "a build without threads (LOSSLAB_THREADS=0)";
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  for (const int64_t n :
       {int64_t(1000), int64_t(40'000), int64_t(2 * 65536 + 15), int64_t(300'007)}) {
    std::vector<float> x(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 6007) * 0.01f - 30.0f;
    std::vector<float> one;
    for (const int t : {1, 2, 3, 8}) {
      ASSERT_EQ(set_num_threads(t), t);
      Result<Tensor> r = sigmoid(view_of(x, {n}));
      ASSERT_TRUE(r.ok());
      const float* y = r.value().as<float>();
      if (t == 1) {
        one.assign(y, y + n);
        for (int64_t i = n - n % 16; i < n; ++i)  // torch's scalar tail: std::exp
          EXPECT_EQ(y[i], 1.0f / (1.0f + std::exp(-x[static_cast<std::size_t>(i)])))
              << n << ", " << i;
        continue;
      }
      EXPECT_EQ(std::memcmp(y, one.data(), one.size() * sizeof(float)), 0) << n << ", " << t;
    }
  }
}

}  // namespace
}  // namespace losslab
