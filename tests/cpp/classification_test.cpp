// log_softmax / softmax / nll_loss / cross_entropy: the portable exp/log, torch's cascade sum
// (bit for bit against torch 1.13 fixtures), shapes, errors, gradients against finite
// differences, and the SIMD kernels against the scalar reference (bit for bit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "losslab/detail/nll.hpp"
#include "losslab/registry.hpp"
#include "test_util.hpp"

namespace losslab {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

using test::dtype_of;
using test::SplitMix64;
using test::ulp_diff;

template <class T>
TensorView view(const std::vector<T>& v, Shape s) {
  return TensorView{dtype_of<T>(), std::move(s), v.data()};
}
TensorView view(const std::vector<int64_t>& v, Shape s) {
  return TensorView{DType::Int64, std::move(s), v.data()};
}

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

template <class T>
bool same_tensor(const Tensor& a, const Tensor& b, std::string* why = nullptr) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
    if (why) *why = "dtype/shape differ";
    return false;
  }
  const T* pa = a.as<T>();
  const T* pb = b.as<T>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(pa[i]) && std::isnan(pb[i])) continue;
    if (!same_bits(pa[i], pb[i])) {
      if (why)
        *why =
            "[" + std::to_string(i) + "] " + std::to_string(pa[i]) + " vs " + std::to_string(pb[i]);
      return false;
    }
  }
  return true;
}

const LossSpec& nll() { return *find_loss("nll_loss"); }
const LossSpec& ce() { return *find_loss("cross_entropy"); }
const ActivationSpec& lsm() { return *find_activation("log_softmax"); }
const ActivationSpec& sm() { return *find_activation("softmax"); }

LossOptions opts(Reduction r, bool scalar = false) {
  LossOptions o;
  o.reduction = r;
  o.force_scalar = scalar;
  return o;
}

template <class T>
std::vector<T> randn(SplitMix64& rng, int64_t n, double scale = 1.0) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (T& x : v) x = static_cast<T>(scale * rng.normal());
  return v;
}

std::vector<int64_t> rand_targets(SplitMix64& rng, int64_t n, int64_t C,
                                  int64_t ignore_index = -100, int permille_ignored = 0) {
  std::vector<int64_t> t(static_cast<std::size_t>(n));
  for (auto& v : t) {
    const uint64_t u = rng.next();
    v = static_cast<int64_t>((u >> 32) % 1000) < permille_ignored
            ? ignore_index
            : static_cast<int64_t>((u & 0xffffffffu) % static_cast<uint64_t>(C));
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// portable exp / log
// ---------------------------------------------------------------------------------------------

template <class T>
T pexp(T x) {
  T r;
  detail::exp_n(&x, &r, 1, false);
  return r;
}
template <class T>
T plog(T x) {
  T r;
  detail::log_n(&x, &r, 1, false);
  return r;
}

TEST(PortableMath, Float32WithinOneUlpAndSimdIdentical) {
  std::vector<float> xs;
  for (uint32_t u = 0; u < 0xff800000u; u += 4099) {
    float x;
    std::memcpy(&x, &u, 4);
    xs.push_back(x);
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, inf, -inf, std::nanf(""), 1.0f, 0x1p-149f, 88.7f, -87.5f, -103.9f})
    xs.push_back(v);
  const auto n = static_cast<int64_t>(xs.size());
  std::vector<float> e_simd(xs.size()), e_ref(xs.size()), l_simd(xs.size()), l_ref(xs.size());
  detail::exp_n(xs.data(), e_simd.data(), n, true);
  detail::exp_n(xs.data(), e_ref.data(), n, false);
  detail::log_n(xs.data(), l_simd.data(), n, true);
  detail::log_n(xs.data(), l_ref.data(), n, false);
  int64_t worst_exp = 0, worst_log = 0, mismatches = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const float x = xs[i];
    mismatches += !same_bits(e_simd[i], e_ref[i]) || !same_bits(l_simd[i], l_ref[i]);
    if (x > -110.0f && x < 95.0f)
      worst_exp = std::max(worst_exp, ulp_diff(e_ref[i], static_cast<float>(std::exp(double(x)))));
    if (!(x < 0.0f))
      worst_log = std::max(worst_log, ulp_diff(l_ref[i], static_cast<float>(std::log(double(x)))));
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_LE(worst_exp, 1);
  EXPECT_LE(worst_log, 1);
}

TEST(PortableMath, Float64WithinOneUlpAndSimdIdentical) {
  SplitMix64 rng(7);
  std::vector<double> xe, xl;
  for (int i = 0; i < 200000; ++i) {
    xe.push_back(-745.0 + 1455.0 * rng.uniform());
    const uint64_t b = rng.next() & 0x7fefffffffffffffull;
    double y;
    std::memcpy(&y, &b, 8);
    xl.push_back(y);
  }
  const auto n = static_cast<int64_t>(xe.size());
  std::vector<double> a(xe.size()), b(xe.size()), c(xe.size()), d(xe.size());
  detail::exp_n(xe.data(), a.data(), n, true);
  detail::exp_n(xe.data(), b.data(), n, false);
  detail::log_n(xl.data(), c.data(), n, true);
  detail::log_n(xl.data(), d.data(), n, false);
  int64_t worst_exp = 0, worst_log = 0, mismatches = 0;
  for (std::size_t i = 0; i < xe.size(); ++i) {
    mismatches += !same_bits(a[i], b[i]) || !same_bits(c[i], d[i]);
    worst_exp = std::max(
        worst_exp, ulp_diff(b[i], static_cast<double>(std::exp(static_cast<long double>(xe[i])))));
    worst_log = std::max(
        worst_log, ulp_diff(d[i], static_cast<double>(std::log(static_cast<long double>(xl[i])))));
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_LE(worst_exp, 1);
  EXPECT_LE(worst_log, 1);
}

TEST(PortableMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(pexp(0.0f), 1.0f);
  EXPECT_EQ(pexp(-0.0f), 1.0f);
  EXPECT_EQ(pexp(-inf), 0.0f);
  EXPECT_EQ(pexp(inf), inf);
  EXPECT_TRUE(std::isnan(pexp(std::nanf(""))));
  EXPECT_EQ(pexp(-103.5f), 0x1p-149f);  // subnormal, rounded once
  EXPECT_EQ(pexp(89.0f), inf);
  EXPECT_EQ(plog(1.0f), 0.0f);
  EXPECT_EQ(plog(0.0f), -inf);
  EXPECT_TRUE(std::isnan(plog(-1.0f)));
  EXPECT_EQ(plog(inf), inf);
  EXPECT_EQ(pexp(0.0), 1.0);
  EXPECT_EQ(plog(1.0), 0.0);
  EXPECT_EQ(pexp(-std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_EQ(plog(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(plog(0x1p-1074), -1074 * 0.69314718055994530942);
}

// ---------------------------------------------------------------------------------------------
// the cascade
// ---------------------------------------------------------------------------------------------

// torch's loop, written out independently of detail::NllCascade.
template <class T>
std::pair<T, T> torch_cascade(const std::vector<T>& v, const std::vector<T>* w,
                              const std::vector<bool>& ignored) {
  const int64_t n = static_cast<int64_t>(v.size());
  const int64_t power = std::max<int64_t>(4, detail::ceil_log2(n) / 8);
  const int64_t mask = (int64_t(1) << power) - 1;
  T ls[8] = {}, ws[8] = {};
  int64_t num_ignored = 0;
  for (int64_t b = 0; b < n; ++b) {
    if (ignored[static_cast<std::size_t>(b)]) {
      ++num_ignored;
      continue;
    }
    if (w) {
      ls[0] -= v[static_cast<std::size_t>(b)] * (*w)[static_cast<std::size_t>(b)];
      ws[0] += (*w)[static_cast<std::size_t>(b)];
    } else {
      ls[0] -= v[static_cast<std::size_t>(b)];
    }
    for (int64_t j = 0; j + 1 < 8; ++j) {
      if ((b & (mask << (j * power))) != 0) break;
      ws[j + 1] += ws[j];
      ls[j + 1] += ls[j];
      ws[j] = 0;
      ls[j] = 0;
    }
  }
  T tot = 0, tw = 0;
  for (T x : ls) tot += x;
  for (T x : ws) tw += x;
  return {tot, w ? tw : static_cast<T>(n - num_ignored)};
}

template <class T>
void cascade_fast_matches_reference() {
  SplitMix64 rng(42);
  for (int64_t n :
       {0, 1, 2, 15, 16, 17, 18, 33, 127, 128, 129, 255, 256, 257, 4095, 4096, 4097, 70001}) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      std::vector<T> v(static_cast<std::size_t>(n)), w(v.size());
      std::vector<bool> ign(v.size());
      for (int64_t b = 0; b < n; ++b) {
        const auto k = static_cast<std::size_t>(b);
        v[k] = static_cast<T>(-std::fabs(3.0 * rng.normal()));
        w[k] = static_cast<T>(0.5 + rng.uniform());
        ign[k] = pattern == 1   ? (rng.next() % 7 == 0)
                 : pattern == 2 ? (b % 16 == 0 || rng.next() % 5 == 0)
                 : pattern == 3 ? (b % 256 == 0)
                                : false;
      }
      for (const bool weighted : {false, true}) {
        const auto want = torch_cascade(v, weighted ? &w : nullptr, ign);
        // The implementation sees +0 for ignored elements and products x * w.
        std::vector<T> vv(v.size()), ww(v.size());
        for (std::size_t k = 0; k < v.size(); ++k) {
          vv[k] = ign[k] ? T(0) : (weighted ? v[k] * w[k] : v[k]);
          ww[k] = ign[k] ? T(0) : w[k];
        }
        for (const bool fast : {false, true}) {
          detail::NllCascade<T> c(n, weighted);
          // in uneven chunks, as the losses feed it
          for (int64_t b0 = 0; b0 < n;) {
            const int64_t b1 =
                std::min<int64_t>(n, b0 + 1 + static_cast<int64_t>(rng.next() % 3000));
            c.run(
                b0, b1, vv.data() + b0, ww.data() + b0,
                [&](int64_t b) { return bool(ign[static_cast<std::size_t>(b)]); }, fast);
            b0 = b1;
          }
          EXPECT_TRUE(same_bits(c.loss(), want.first))
              << "n=" << n << " pattern=" << pattern << " weighted=" << weighted << " fast=" << fast
              << ": " << c.loss() << " vs " << want.first;
          if (weighted) {
            EXPECT_TRUE(same_bits(c.weight(), want.second));
          }
        }
      }
    }
  }
}

TEST(NllCascade, FastPathIsTorchsLoopFloat32) { cascade_fast_matches_reference<float>(); }
TEST(NllCascade, FastPathIsTorchsLoopFloat64) { cascade_fast_matches_reference<double>(); }

// ---------------------------------------------------------------------------------------------
// torch 1.13 fixtures (scripts/gen_loss_fixtures.py -> tests/golden/loss_extra.json)
// ---------------------------------------------------------------------------------------------

const json& fixtures() {
  static const json j = [] {
    std::ifstream f(LOSSLAB_LOSS_EXTRA_JSON);
    if (!f) return json();
    return json::parse(f, nullptr, false);
  }();
  return j;
}

struct FixtureInputs {
  std::vector<double> x, w;
  std::vector<int64_t> t;
};

// The generator's input formulas (see its docstring).
FixtureInputs fixture_inputs(const json& c) {
  FixtureInputs in;
  SplitMix64 rng(c.at("seed").get<uint64_t>());
  const Shape shape = c.at("shape").get<Shape>();
  const Shape tshape = c.at("target_shape").get<Shape>();
  const int64_t numel = shape_numel(shape), rows = shape_numel(tshape);
  const int64_t C = c.at("C").get<int64_t>();
  const bool is_nll = c.at("loss").get<std::string>() == "nll_loss";
  for (int64_t i = 0; i < numel; ++i) {
    const uint64_t u = rng.next() >> 40;
    in.x.push_back(is_nll ? -(static_cast<double>(u) * 0x1p-21)
                          : (static_cast<double>(u) - 0x1p23) * 0x1p-21);
  }
  if (c.at("weighted").get<bool>())
    for (int64_t k = 0; k < C; ++k)
      in.w.push_back((static_cast<double>(rng.next() >> 40) + 0x1p22) * 0x1p-23);
  const int64_t ii = c.at("ignore_index").get<int64_t>();
  const int64_t permille = c.at("ignore_permille").get<int64_t>();
  const int64_t every = c.at("ignore_every").get<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    const uint64_t u = rng.next();
    const bool ign =
        static_cast<int64_t>((u >> 32) % 1000) < permille || (every > 0 && r % every == 0);
    in.t.push_back(ign ? ii : static_cast<int64_t>((u & 0xffffffffu) % static_cast<uint64_t>(C)));
  }
  return in;
}

template <class T>
T from_hex(const std::string& h) {
  const uint64_t bits = std::stoull(h, nullptr, 16);
  T v;
  if constexpr (sizeof(T) == 4) {
    const auto b = static_cast<uint32_t>(bits);
    std::memcpy(&v, &b, 4);
  } else {
    std::memcpy(&v, &bits, 8);
  }
  return v;
}

template <class T>
void run_fixture(const json& c, int& exact_vs_torch, int& total_ce) {
  const FixtureInputs in = fixture_inputs(c);
  std::vector<T> x(in.x.begin(), in.x.end()), w(in.w.begin(), in.w.end());
  const Shape shape = c.at("shape").get<Shape>();
  const TensorView xv = view(x, shape), tv = view(in.t, c.at("target_shape").get<Shape>());
  const std::string loss = c.at("loss").get<std::string>();
  const double eps = c.at("label_smoothing").get<double>();
  for (const char* red : {"mean", "sum"}) {
    const T want = from_hex<T>(c.at("expected").at(red).get<std::string>());
    for (const bool scalar : {false, true}) {
      LossOptions o = opts(std::string(red) == "mean" ? Reduction::Mean : Reduction::Sum, scalar);
      o.ignore_index = c.at("ignore_index").get<int64_t>();
      o.label_smoothing = eps;
      if (!w.empty()) o.weight = view(w, {static_cast<int64_t>(w.size())});
      const std::string what =
          c.at("id").get<std::string>() + " " + red + (scalar ? " scalar" : " simd");
      if (loss == "nll_loss") {
        auto r = nll().forward(xv, tv, o);
        ASSERT_TRUE(r.ok()) << what << ": " << r.error().message;
        const T got = *r.value().value.template as<T>();
        EXPECT_TRUE(same_bits(got, want) || (std::isnan(got) && std::isnan(want)))
            << what << ": " << got << " vs torch " << want << " (bit-exact required)";
        continue;
      }
      auto r = ce().forward(xv, tv, o);
      ASSERT_TRUE(r.ok()) << what << ": " << r.error().message;
      const T got = *r.value().value.template as<T>();
      // torch's exp/log (SLEEF) differ from ours by an ulp now and then: a tolerance...
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << what;
      } else {
        EXPECT_TRUE(ulp_diff(got, want) <= 8 || std::fabs(double(got) - double(want)) <=
                                                    1e-6 * std::max(1.0, std::fabs(double(want))))
            << what << ": " << got << " vs torch " << want;
      }
      if (!scalar) {
        ++total_ce;
        exact_vs_torch += same_bits(got, want) || (std::isnan(got) && std::isnan(want));
      }
      // ...but the fused path must be exactly nll_loss(log_softmax(x, 1)) of our own kernels.
      if (eps == 0.0) {
        auto lp = lsm().forward(xv, true, shape.size() == 1 ? 0 : 1, scalar);
        ASSERT_TRUE(lp.ok());
        auto composite = nll().forward(lp.value().value.view(), tv, o);
        ASSERT_TRUE(composite.ok());
        const T want2 = *composite.value().value.template as<T>();
        EXPECT_TRUE(same_bits(got, want2) || (std::isnan(got) && std::isnan(want2)))
            << what << ": fused " << got << " vs composite " << want2;
      }
    }
  }
}

TEST(Fixtures, CascadeBitExactAgainstTorch) {
  const json& f = fixtures();
  ASSERT_TRUE(f.is_object() && f.contains("cases")) << "cannot read " << LOSSLAB_LOSS_EXTRA_JSON;
  ASSERT_GE(f["cases"].size(), 200u);
  int exact = 0, total = 0;
  for (const json& c : f["cases"]) {
    SCOPED_TRACE(c.at("id").get<std::string>());
    if (c.at("dtype").get<std::string>() == "float32")
      run_fixture<float>(c, exact, total);
    else
      run_fixture<double>(c, exact, total);
  }
  RecordProperty("cross_entropy_bit_exact_vs_torch",
                 std::to_string(exact) + "/" + std::to_string(total));
  std::printf("[ info ] cross_entropy mean/sum bit-identical to torch in %d of %d fixture runs\n",
              exact, total);
}

// ---------------------------------------------------------------------------------------------
// shapes and semantics
// ---------------------------------------------------------------------------------------------

TEST(NllLoss, ShapesAndValues) {
  // (N, C) with (N)
  std::vector<float> x{-1, -2, -3, -4, -5, -6};
  std::vector<int64_t> t{2, 0};
  auto r = nll().forward(view(x, {2, 3}), view(t, {2}), opts(Reduction::None));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().value.shape(), Shape({2}));
  EXPECT_EQ(r.value().value.as<float>()[0], 3.0f);
  EXPECT_EQ(r.value().value.as<float>()[1], 4.0f);
  r = nll().forward(view(x, {2, 3}), view(t, {2}), opts(Reduction::Mean));
  EXPECT_EQ(r.value().value.shape(), Shape{});
  EXPECT_EQ(*r.value().value.as<float>(), 3.5f);
  // (C) with 0-d target: a 0-d result even for 'none'
  std::vector<int64_t> t0{1};
  for (Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    auto s = nll().forward(view(x, {3}), view(t0, {}), opts(red));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().value.shape(), Shape{});
    EXPECT_EQ(*s.value().value.as<float>(), 2.0f);
  }
  // (N, C, d1, d2) with (N, d1, d2)
  std::vector<float> x4(2 * 3 * 2 * 2);
  for (std::size_t i = 0; i < x4.size(); ++i) x4[i] = -static_cast<float>(i);
  std::vector<int64_t> t4{0, 1, 2, 0, 1, 1, 2, 2};
  auto k = nll().forward(view(x4, {2, 3, 2, 2}), view(t4, {2, 2, 2}), opts(Reduction::None));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k.value().value.shape(), Shape({2, 2, 2}));
  // [n, t, i] = n*12 + t*4 + i
  const float want4[8] = {0, 5, 10, 3, 12 + 4 + 0, 12 + 4 + 1, 12 + 8 + 2, 12 + 8 + 3};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(k.value().value.as<float>()[i], want4[i]) << i;
  // empty batch
  std::vector<float> e;
  std::vector<int64_t> te;
  auto m = nll().forward(view(e, {0, 4}), view(te, {0}), opts(Reduction::Mean));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(std::isnan(*m.value().value.as<float>()));
  auto s = nll().forward(view(e, {0, 4}), view(te, {0}), opts(Reduction::Sum));
  EXPECT_EQ(*s.value().value.as<float>(), 0.0f);
  auto n = nll().forward(view(e, {0, 4}), view(te, {0}), opts(Reduction::None));
  EXPECT_EQ(n.value().value.shape(), Shape({0}));
  // all ignored: mean NaN (0/0), sum 0, gradient exactly 0
  std::vector<int64_t> ti{-100, -100};
  auto a = nll().forward(view(x, {2, 3}), view(ti, {2}), opts(Reduction::Mean));
  EXPECT_TRUE(std::isnan(*a.value().value.as<float>()));
  auto g = nll().backward(view(x, {2, 3}), view(ti, {2}), opts(Reduction::Mean), nullptr);
  ASSERT_TRUE(g.ok());
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(same_bits(g.value().as<float>()[i], 0.0f));
}

TEST(CrossEntropy, ShapesAndSpecialValues) {
  // logits [100, -100, 0] target 0 -> -0.0; [-100, 100, 0] target 0 -> 200
  std::vector<float> x{100, -100, 0, -100, 100, 0};
  std::vector<int64_t> t{0, 0};
  for (const bool scalar : {false, true}) {
    auto r = ce().forward(view(x, {2, 3}), view(t, {2}), opts(Reduction::None, scalar));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same_bits(r.value().value.as<float>()[0], -0.0f));
    EXPECT_EQ(r.value().value.as<float>()[1], 200.0f);
  }
  // NaN row, +inf row, -inf at the target
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> y{std::nanf(""), 0, 0, inf, 0, 0, -inf, 2, 3, 1, 2, 3};
  std::vector<int64_t> ty{1, 0, 0, 2};
  for (const bool scalar : {false, true}) {
    auto r = ce().forward(view(y, {4, 3}), view(ty, {4}), opts(Reduction::None, scalar));
    ASSERT_TRUE(r.ok());
    const float* v = r.value().value.as<float>();
    EXPECT_TRUE(std::isnan(v[0]));
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_EQ(v[2], inf);
    EXPECT_NEAR(v[3], 0.40760596f, 1e-6f);
  }
  // probability targets: 'mean' divides by numel / C, K-dim 'none' drops the class dim
  std::vector<float> x3(2 * 3 * 4), q3(2 * 3 * 4, 1.0f / 3);
  SplitMix64 rng(3);
  for (float& v : x3) v = static_cast<float>(rng.normal());
  auto none = ce().forward(view(x3, {2, 3, 4}), view(q3, {2, 3, 4}), opts(Reduction::None));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value().value.shape(), Shape({2, 4}));
  auto sum = ce().forward(view(x3, {2, 3, 4}), view(q3, {2, 3, 4}), opts(Reduction::Sum));
  auto mean = ce().forward(view(x3, {2, 3, 4}), view(q3, {2, 3, 4}), opts(Reduction::Mean));
  EXPECT_FLOAT_EQ(*mean.value().value.as<float>(), *sum.value().value.as<float>() / 8);
  // empty probability input: mean NaN, sum -0
  std::vector<float> e;
  auto em = ce().forward(view(e, {0, 3}), view(e, {0, 3}), opts(Reduction::Mean));
  EXPECT_TRUE(std::isnan(*em.value().value.as<float>()));
  auto es = ce().forward(view(e, {0, 3}), view(e, {0, 3}), opts(Reduction::Sum));
  EXPECT_TRUE(same_bits(*es.value().value.as<float>(), -0.0f));
  // a float64 target promotes the result
  std::vector<double> q64(q3.begin(), q3.end());
  auto pr = ce().forward(view(x3, {2, 3, 4}), view(q64, {2, 3, 4}), opts(Reduction::Mean));
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr.value().value.dtype(), DType::Float64);
  // label_smoothing < 0 is ignored; NaN too
  std::vector<float> x2{1, 2, 3, 4, 5, 7};
  std::vector<int64_t> t2{0, 2};
  LossOptions neg = opts(Reduction::Mean);
  neg.label_smoothing = -0.1;
  auto a = ce().forward(view(x2, {2, 3}), view(t2, {2}), neg);
  auto b = ce().forward(view(x2, {2, 3}), view(t2, {2}), opts(Reduction::Mean));
  EXPECT_TRUE(same_bits(*a.value().value.as<float>(), *b.value().value.as<float>()));
}

TEST(Softmax, ImplicitDimAndWarnings) {
  std::vector<float> x(24);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5);
  struct Case {
    Shape shape;
    int64_t dim;
  };
  for (const Case& c :
       {Case{{24}, 0}, Case{{4, 6}, 1}, Case{{2, 3, 4}, 0}, Case{{2, 3, 2, 2}, 1}}) {
    for (const ActivationSpec* s : {&lsm(), &sm()}) {
      auto implicit = s->forward(view(x, c.shape), false, 0, false);
      auto explicit_ = s->forward(view(x, c.shape), true, c.dim, false);
      ASSERT_TRUE(implicit.ok());
      ASSERT_EQ(implicit.value().warnings.size(), 1u);
      EXPECT_EQ(implicit.value().warnings[0],
                std::string("Implicit dimension choice for ") + s->name +
                    " has been deprecated. Change the call to include dim=X as an argument.");
      EXPECT_TRUE(explicit_.value().warnings.empty());
      EXPECT_TRUE(same_tensor<float>(implicit.value().value, explicit_.value().value));
    }
  }
  // 0-d: log_softmax 0, softmax 1
  std::vector<float> s0{3.5f};
  EXPECT_EQ(*lsm().forward(view(s0, {}), true, 0, false).value().value.as<float>(), 0.0f);
  EXPECT_EQ(*sm().forward(view(s0, {}), true, -1, false).value().value.as<float>(), 1.0f);
  // negative dims wrap
  auto a = lsm().forward(view(x, {4, 6}), true, -1, false);
  auto b = lsm().forward(view(x, {4, 6}), true, 1, false);
  EXPECT_TRUE(same_tensor<float>(a.value().value, b.value().value));
}

TEST(Softmax, NonFiniteRows) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x{-inf, -inf, -inf, inf, 0, 1, std::nanf(""), 0, 1, -inf, 1, 2, 100, -100, 0};
  for (const bool scalar : {false, true}) {
    auto l = lsm().forward(view(x, {5, 3}), true, 1, scalar);
    auto s = sm().forward(view(x, {5, 3}), true, 1, scalar);
    const float* lv = l.value().value.as<float>();
    const float* sv = s.value().value.as<float>();
    for (int i = 0; i < 9; ++i) {
      EXPECT_TRUE(std::isnan(lv[i])) << i;
      EXPECT_TRUE(std::isnan(sv[i])) << i;
    }
    EXPECT_EQ(lv[9], -inf);
    EXPECT_EQ(sv[9], 0.0f);
    EXPECT_EQ(lv[12], 0.0f);
    EXPECT_EQ(lv[13], -200.0f);
    EXPECT_EQ(lv[14], -100.0f);
  }
}

// ---------------------------------------------------------------------------------------------
// errors (torch 1.13's types and texts; all raised before anything is computed)
// ---------------------------------------------------------------------------------------------

struct ErrCase {
  const char* what;
  std::function<Error()> run;
  const char* type;
  const char* message;
};

template <class R>
Error err_of(const R& r) {
  return r.ok() ? Error{"<none>", "<no error>"} : r.error();
}

TEST(Errors, TorchTypesAndTexts) {
  std::vector<float> x34(12, -1.0f), x4(4, -1.0f), x234(24, -1.0f), x2345(120, -1.0f), s0{1.0f};
  std::vector<float> f3{0, 1, 2}, p34(12, 0.25f);
  std::vector<int64_t> t3{0, 1, 2}, t2{0, 1}, t4oob{0, 4, 1}, tneg{0, -1, 1}, t24(8, 0), t25(10, 0),
      t246(48, 0), t20(40, 0), t1{1}, t34(12, 0);
  std::vector<int32_t> i3{0, 1, 2};
  std::vector<double> w4d(4, 1.0);
  std::vector<float> w3(3, 1.0f), w4(4, 1.0f), w2(2, 1.0f);
  const TensorView X = view(x34, {3, 4});
  auto with_weight = [](Reduction r, const TensorView& w) {
    LossOptions o = opts(r);
    o.weight = w;
    return o;
  };
  const TensorView i3v{DType::Int32, {3}, i3.data()};
  const std::vector<ErrCase> cases = {
      {"oob", [&] { return err_of(nll().forward(X, view(t4oob, {3}), opts(Reduction::Mean))); },
       "IndexError", "Target 4 is out of bounds."},
      {"oob none",
       [&] { return err_of(nll().forward(X, view(t4oob, {3}), opts(Reduction::None))); },
       "IndexError", "Target 4 is out of bounds."},
      {"neg", [&] { return err_of(ce().forward(X, view(tneg, {3}), opts(Reduction::Mean))); },
       "IndexError", "Target -1 is out of bounds."},
      {"float target",
       [&] { return err_of(nll().forward(X, view(f3, {3}), opts(Reduction::Mean))); },
       "RuntimeError", "expected scalar type Long but found Float"},
      {"int32 target", [&] { return err_of(nll().forward(X, i3v, opts(Reduction::Mean))); },
       "RuntimeError", "expected scalar type Long but found Int"},
      {"ce float target",
       [&] { return err_of(ce().forward(X, view(f3, {3}), opts(Reduction::Mean))); },
       "RuntimeError", "expected scalar type Long but found Float"},
      {"batch", [&] { return err_of(nll().forward(X, view(t2, {2}), opts(Reduction::Mean))); },
       "ValueError", "Expected input batch_size (3) to match target batch_size (2)."},
      {"weight size",
       [&] {
         return err_of(
             nll().forward(X, view(t3, {3}), with_weight(Reduction::Mean, view(w3, {3}))));
       },
       "RuntimeError",
       "weight tensor should be defined either for all 4 classes or no classes but got weight "
       "tensor of shape: [3]"},
      {"weight dtype",
       [&] {
         return err_of(
             nll().forward(X, view(t3, {3}), with_weight(Reduction::Mean, view(w4d, {4}))));
       },
       "RuntimeError", "expected scalar type Float but found Double"},
      {"0-d input",
       [&] { return err_of(nll().forward(view(s0, {}), view(t1, {}), opts(Reduction::Mean))); },
       "ValueError", "Expected 1 or more dimensions (got 0)"},
      {"k-dim target",
       [&] {
         return err_of(
             nll().forward(view(x234, {2, 3, 4}), view(t25, {2, 5}), opts(Reduction::Mean)));
       },
       "RuntimeError", "Expected target size [2, 4], got [2, 5]"},
      {"ce k-dim target",
       [&] {
         return err_of(
             ce().forward(view(x234, {2, 3, 4}), view(t25, {2, 5}), opts(Reduction::None)));
       },
       "RuntimeError", "Expected target size [2, 4], got [2, 5]"},
      {"4-d target dims",
       [&] {
         return err_of(
             nll().forward(view(x2345, {2, 3, 4, 5}), view(t20, {2, 20}), opts(Reduction::Mean)));
       },
       "RuntimeError",
       "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2"},
      {"4-d size",
       [&] {
         return err_of(nll().forward(view(x2345, {2, 3, 4, 5}), view(t246, {2, 4, 6}),
                                     opts(Reduction::Mean)));
       },
       "RuntimeError", "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]"},
      {"k-dim weight",
       [&] {
         return err_of(nll().forward(view(x234, {2, 3, 4}), view(t24, {2, 4}),
                                     with_weight(Reduction::Mean, view(w2, {2}))));
       },
       "RuntimeError", "weight tensor should be defined either for all or no classes"},
      {"1-d target size",
       [&] { return err_of(nll().forward(view(x4, {4}), view(t2, {2}), opts(Reduction::Mean))); },
       "RuntimeError", "size mismatch (got input: [4], target: [2])"},
      {"2-d target",
       [&] {
         return err_of(nll().forward(X, view(t34, {3, 4}), opts(Reduction::Mean)));
       },
       "RuntimeError", "0D or 1D target tensor expected, multi-target not supported"},
      {"ls > 1",
       [&] {
         LossOptions o = opts(Reduction::Mean);
         o.label_smoothing = 1.5;
         return err_of(ce().forward(X, view(t4oob, {3}), o));
       },
       "RuntimeError", "label_smoothing must be between 0.0 and 1.0. Got: 1.5"},
      {"ignore_index prob",
       [&] {
         LossOptions o = opts(Reduction::Mean);
         o.ignore_index = 1;
         return err_of(ce().forward(X, view(p34, {3, 4}), o));
       },
       "RuntimeError", "ignore_index is not supported for floating point target"},
      {"long prob target",
       [&] {
         return err_of(ce().forward(X, view(t34, {3, 4}), opts(Reduction::Mean)));
       },
       "RuntimeError",
       "Expected floating point type for target with class probabilities, got Long"},
      {"prob weight",
       [&] {
         return err_of(
             ce().forward(X, view(p34, {3, 4}), with_weight(Reduction::Mean, view(w3, {3}))));
       },
       "RuntimeError",
       "cross_entropy: weight tensor should be defined either for all 4 classes or no classes but "
       "got weight tensor of shape: [3]"},
      {"ce 0-d input",
       [&] { return err_of(ce().forward(view(s0, {}), view(t1, {1}), opts(Reduction::Mean))); },
       "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
      {"softmax dim", [&] { return err_of(lsm().forward(X, true, 2, false)); }, "IndexError",
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"softmax dim neg", [&] { return err_of(sm().forward(X, true, -3, false)); }, "IndexError",
       "Dimension out of range (expected to be in range of [-2, 1], but got -3)"},
      {"softmax int",
       [&] {
         return err_of(sm().forward(view(t34, {3, 4}), true, 1, false));
       },
       "RuntimeError", "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"},
      {"log_softmax int dim0",
       [&] {
         return err_of(lsm().forward(view(t34, {3, 4}), true, 0, false));
       },
       "RuntimeError", "\"softmax_kernel_impl\" not implemented for 'Long'"},
  };
  for (const ErrCase& c : cases) {
    const Error e = c.run();
    EXPECT_EQ(e.type, c.type) << c.what;
    EXPECT_EQ(e.message, c.message) << c.what;
  }
  // An empty reduced batch returns before the target's dtype is looked at (torch 1.13).
  std::vector<float> e;
  auto r = nll().forward(view(e, {0, 4}), view(e, {0}), opts(Reduction::Mean));
  EXPECT_TRUE(r.ok());
  // Backward validates the same way.
  auto b = nll().backward(X, view(t4oob, {3}), opts(Reduction::Mean), nullptr);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "Target 4 is out of bounds.");
}

// ---------------------------------------------------------------------------------------------
// gradients against central differences (float64)
// ---------------------------------------------------------------------------------------------

// sum(g * f(x)) for a loss call; `x` is modified in place by the caller.
double loss_dot(const LossSpec& s, const std::vector<double>& x, const Shape& xs,
                const TensorView& y, const LossOptions& o, const std::vector<double>& g) {
  auto r = s.forward(view(x, xs), y, o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return 0;
  const double* v = r.value().value.as<double>();
  double acc = 0;
  for (int64_t i = 0; i < r.value().value.numel(); ++i)
    acc += g[static_cast<std::size_t>(i)] * v[i];
  return acc;
}

void check_loss_grad(const LossSpec& s, std::vector<double> x, const Shape& xs, const TensorView& y,
                     const LossOptions& o, const std::string& what) {
  SplitMix64 rng(99);
  auto out = s.forward(view(x, xs), y, o);
  ASSERT_TRUE(out.ok()) << what << ": " << out.error().message;
  std::vector<double> g(static_cast<std::size_t>(std::max<int64_t>(out.value().value.numel(), 1)));
  for (double& v : g) v = 0.5 + rng.uniform();
  const TensorView gv = view(g, out.value().value.shape());
  auto grad = s.backward(view(x, xs), y, o, &gv);
  ASSERT_TRUE(grad.ok()) << what << ": " << grad.error().message;
  const double* an = grad.value().as<double>();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double h = 1e-6 * std::max(1.0, std::fabs(x[i]));
    const double x0 = x[i];
    x[i] = x0 + h;
    const double fp = loss_dot(s, x, xs, y, o, g);
    x[i] = x0 - h;
    const double fm = loss_dot(s, x, xs, y, o, g);
    x[i] = x0;
    const double fd = (fp - fm) / (2 * h);
    EXPECT_NEAR(an[i], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << what << " [" << i << "]";
  }
}

TEST(Gradients, LossesAgainstFiniteDifferences) {
  SplitMix64 rng(5);
  const int64_t N = 5, C = 4;
  std::vector<double> x = randn<double>(rng, N * C, 2.0);
  std::vector<double> w{0.5, 1.5, 2.0, 0.75};
  std::vector<int64_t> t{0, 3, -100, 1, 2}, t1{2};
  std::vector<double> q(static_cast<std::size_t>(N * C));
  for (int64_t i = 0; i < N; ++i) {
    double s = 0;
    for (int64_t c = 0; c < C; ++c) s += q[static_cast<std::size_t>(i * C + c)] = rng.uniform();
    for (int64_t c = 0; c < C; ++c) q[static_cast<std::size_t>(i * C + c)] /= s;
  }
  std::vector<double> x3 = randn<double>(rng, 2 * C * 3, 2.0);
  std::vector<int64_t> t3{0, 1, -100, 3, 3, 2};
  for (Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    for (int variant = 0; variant < 4; ++variant) {
      LossOptions o = opts(red);
      if (variant & 1) o.weight = view(w, {C});
      if (variant & 2) o.label_smoothing = 0.2;
      const std::string tag = std::string(reduction_name(red)) + " v" + std::to_string(variant);
      if (!(variant & 2)) {
        check_loss_grad(nll(), x, {N, C}, view(t, {N}), o, "nll " + tag);
        check_loss_grad(nll(), x3, {2, C, 3}, view(t3, {2, 3}), o, "nll 3-d " + tag);
      }
      check_loss_grad(ce(), x, {N, C}, view(t, {N}), o, "ce " + tag);
      check_loss_grad(ce(), x3, {2, C, 3}, view(t3, {2, 3}), o, "ce 3-d " + tag);
      check_loss_grad(ce(), std::vector<double>(x.begin(), x.begin() + C), {C}, view(t1, {}), o,
                      "ce 1-d " + tag);
      LossOptions po = o;
      po.ignore_index = -100;
      check_loss_grad(ce(), x, {N, C}, view(q, {N, C}), po, "ce prob " + tag);
    }
  }
}

void check_activation_grad(const ActivationSpec& s, std::vector<double> x, const Shape& xs,
                           int64_t dim) {
  SplitMix64 rng(11);
  std::vector<double> g = randn<double>(rng, static_cast<int64_t>(x.size()));
  const TensorView gv = view(g, xs);
  auto grad = s.backward(view(x, xs), true, dim, &gv);
  ASSERT_TRUE(grad.ok());
  auto f = [&]() {
    auto r = s.forward(view(x, xs), true, dim, false);
    double acc = 0;
    for (std::size_t i = 0; i < x.size(); ++i) acc += g[i] * r.value().value.as<double>()[i];
    return acc;
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double h = 1e-6, x0 = x[i];
    x[i] = x0 + h;
    const double fp = f();
    x[i] = x0 - h;
    const double fm = f();
    x[i] = x0;
    EXPECT_NEAR(grad.value().as<double>()[i], (fp - fm) / (2 * h), 1e-6) << s.name << " " << i;
  }
}

TEST(Gradients, ActivationsAgainstFiniteDifferences) {
  SplitMix64 rng(8);
  for (const ActivationSpec* s : {&lsm(), &sm()}) {
    check_activation_grad(*s, randn<double>(rng, 4 * 19, 2.0), {4, 19}, 1);
    check_activation_grad(*s, randn<double>(rng, 2 * 5 * 3, 2.0), {2, 5, 3}, 1);
    check_activation_grad(*s, randn<double>(rng, 2 * 5 * 3, 2.0), {2, 5, 3}, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// SIMD kernels against the scalar reference: bit for bit
// ---------------------------------------------------------------------------------------------

template <class T>
void softmax_simd_matches_scalar(const Shape& shape, int64_t dim, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<T> x = randn<T>(rng, shape_numel(shape), 3.0);
  // a few extreme values
  if (!x.empty()) {
    x[x.size() / 2] = T(80);
    x[x.size() / 3] = -std::numeric_limits<T>::infinity();
  }
  for (const ActivationSpec* s : {&lsm(), &sm()}) {
    auto a = s->forward(view(x, shape), true, dim, false);
    auto b = s->forward(view(x, shape), true, dim, true);
    ASSERT_TRUE(a.ok() && b.ok());
    std::string why;
    EXPECT_TRUE(same_tensor<T>(a.value().value, b.value().value, &why))
        << s->name << " shape " << shape_str(shape) << " dim " << dim << ": " << why;
  }
}

TEST(SimdVsScalar, SoftmaxAndLogSoftmaxBitIdentical) {
#if !LOSSLAB_HAVE_SIMD
  // The scalar build's "SIMD" path is the scalar reference itself: nothing to compare.
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
  uint64_t seed = 1;
  for (int64_t C : {1, 2, 3, 4, 5, 8, 16, 17, 1000}) {
    for (int64_t N : {0, 1, 3, 127, 128, 129, 100003}) {
      // Keep each tensor under 4e6 elements (the wasm test build's memory): C = 1000 takes
      // N = 4003 in place of 100003.
      const int64_t n = (N * C > 4000000) ? 4003 : N;
      softmax_simd_matches_scalar<float>({n, C}, 1, seed++);     // last dim
      softmax_simd_matches_scalar<float>({n, C, 3}, 1, seed++);  // dim 1 of 3-D
      softmax_simd_matches_scalar<float>({n, C, 1}, 1, seed++);  // not last, inner 1
      if (n <= 129) {
        softmax_simd_matches_scalar<double>({n, C}, 1, seed++);
        softmax_simd_matches_scalar<double>({n, C, 3}, 1, seed++);
      }
    }
  }
  softmax_simd_matches_scalar<float>({5, 7, 33}, 0, seed++);
  softmax_simd_matches_scalar<float>({3, 1000, 17}, 1, seed++);
}

template <class T>
void ce_fused_equals_composite(const Shape& shape, uint64_t seed, bool weighted,
                               int64_t ignore_index = -100) {
  SplitMix64 rng(seed);
  const int64_t C = shape.size() == 1 ? shape[0] : shape[1];
  Shape tshape = shape;
  tshape.erase(tshape.begin() + (shape.size() == 1 ? 0 : 1));
  std::vector<T> x = randn<T>(rng, shape_numel(shape), 4.0);
  std::vector<int64_t> t = rand_targets(rng, shape_numel(tshape), C, ignore_index, 100);
  std::vector<T> w(static_cast<std::size_t>(C));
  for (T& v : w) v = static_cast<T>(0.5 + rng.uniform());
  for (Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    Tensor results[2];
    for (const bool scalar : {false, true}) {
      LossOptions o = opts(red, scalar);
      o.ignore_index = ignore_index;
      if (weighted) o.weight = view(w, {C});
      auto fused = ce().forward(view(x, shape), view(t, tshape), o);
      ASSERT_TRUE(fused.ok()) << fused.error().message;
      auto lp = lsm().forward(view(x, shape), true, shape.size() == 1 ? 0 : 1, scalar);
      auto composite = nll().forward(lp.value().value.view(), view(t, tshape), o);
      ASSERT_TRUE(composite.ok());
      std::string why;
      EXPECT_TRUE(same_tensor<T>(fused.value().value, composite.value().value, &why))
          << "shape " << shape_str(shape) << " " << reduction_name(red)
          << (scalar ? " scalar" : " simd") << ": " << why;
      results[scalar] = std::move(fused.value().value);
    }
    std::string why;
    EXPECT_TRUE(same_tensor<T>(results[0], results[1], &why))
        << "SIMD vs scalar, shape " << shape_str(shape) << " " << reduction_name(red) << ": "
        << why;
  }
}

TEST(SimdVsScalar, CrossEntropyFusedIsNllOfLogSoftmax) {
  uint64_t seed = 100;
  for (int64_t C : {1, 2, 3, 4, 5, 8, 16, 17, 100}) {
    for (int64_t N : {0, 1, 3, 127, 129, 5003}) {
      for (const bool weighted : {false, true}) {
        ce_fused_equals_composite<float>({N, C}, seed++, weighted);
        ce_fused_equals_composite<float>({N, C, 5}, seed++, weighted);
      }
      ce_fused_equals_composite<double>({N, C}, seed++, true);
    }
    ce_fused_equals_composite<float>({C}, seed++, false);
  }
}

// The C = 3 kernel compares the low 32 bits of the targets when ignore_index fits in int32, and
// falls back to 64-bit compares when it does not; an ignore_index that is also a class index
// ignores that class.
TEST(SimdVsScalar, CrossEntropySmallCIgnoreIndex) {
  uint64_t seed = 900;
  for (const int64_t ii : {int64_t{-100}, int64_t{1}, int64_t{0}, (int64_t{1} << 32) + 1,
                           -(int64_t{1} << 40), int64_t{INT32_MIN}, int64_t{INT32_MAX}})
    for (int64_t C : {2, 3, 4})
      for (int64_t N : {4, 7, 1001}) {
        ce_fused_equals_composite<float>({N, C}, seed++, false, ii);
        ce_fused_equals_composite<float>({N, C}, seed++, true, ii);
      }
}

TEST(SimdVsScalar, BackwardBitIdentical) {
#if !LOSSLAB_HAVE_SIMD
  // The scalar build's "SIMD" path is the scalar reference itself: nothing to compare.
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
  SplitMix64 rng(77);
  for (int64_t C : {3, 17}) {
    std::vector<float> x = randn<float>(rng, 1001 * C, 3.0);
    std::vector<int64_t> t = rand_targets(rng, 1001, C, -100, 50);
    for (double eps : {0.0, 0.25}) {
      for (Reduction red : {Reduction::None, Reduction::Mean}) {
        LossOptions a = opts(red, false), b = opts(red, true);
        a.label_smoothing = b.label_smoothing = eps;
        auto ga = ce().backward(view(x, {1001, C}), view(t, {1001}), a, nullptr);
        auto gb = ce().backward(view(x, {1001, C}), view(t, {1001}), b, nullptr);
        ASSERT_TRUE(ga.ok() && gb.ok());
        EXPECT_TRUE(same_tensor<float>(ga.value(), gb.value())) << C << " " << eps;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One result everywhere: the native, wasm, SIMD and scalar builds give these exact bits
// (FNV-1a over the outputs' bytes; inputs are exact values from splitmix64).
// ---------------------------------------------------------------------------------------------

template <class T>
std::vector<T> exact_inputs(uint64_t seed, int64_t n) {
  SplitMix64 rng(seed);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (T& x : v) x = static_cast<T>((static_cast<double>(rng.next() >> 40) - 0x1p23) * 0x1p-20);
  return v;
}

uint64_t fnv1a(const Tensor& t) {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const unsigned char*>(t.data());
  for (std::size_t i = 0; i < t.nbytes(); ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

TEST(CrossBuild, SameBitsOnEveryTarget) {
  std::vector<uint64_t> got;
  for (const bool scalar : {false, true}) {
    std::vector<uint64_t> d;
    const std::vector<float> a = exact_inputs<float>(1, 1000 * 3),
                             b = exact_inputs<float>(2, 50 * 1000),
                             c = exact_inputs<float>(3, 7 * 5 * 33);
    const std::vector<double> a64 = exact_inputs<double>(4, 300 * 9);
    for (const ActivationSpec* s : {&lsm(), &sm()}) {
      d.push_back(fnv1a(s->forward(view(a, {1000, 3}), true, 1, scalar).value().value));
      d.push_back(fnv1a(s->forward(view(b, {50, 1000}), true, 1, scalar).value().value));
      d.push_back(fnv1a(s->forward(view(c, {7, 5, 33}), true, 1, scalar).value().value));
      d.push_back(fnv1a(s->forward(view(a64, {300, 9}), true, 1, scalar).value().value));
    }
    SplitMix64 rng(5);
    const std::vector<int64_t> t = rand_targets(rng, 1000, 3, -100, 50);
    for (Reduction red : {Reduction::None, Reduction::Mean}) {
      for (double eps : {0.0, 0.1}) {
        LossOptions o = opts(red, scalar);
        o.label_smoothing = eps;
        d.push_back(fnv1a(ce().forward(view(a, {1000, 3}), view(t, {1000}), o).value().value));
        d.push_back(fnv1a(ce().backward(view(a, {1000, 3}), view(t, {1000}), o, nullptr).value()));
      }
    }
    if (got.empty())
      got = d;
    else
      EXPECT_EQ(got, d) << "SIMD and scalar reference differ";
  }
  std::string hex;
  for (uint64_t h : got) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llxull, ", static_cast<unsigned long long>(h));
    hex += buf;
  }
  // Recorded from the native AVX-512 build; the same on native scalar and wasm SIMD / scalar.
  // (Re-recorded when the float32 exp/log polynomials moved to Estrin's scheme, and when
  // cross_entropy's float32 backward moved to float64: LossSpec::grad_in_float64.)
  const std::vector<uint64_t> want = {
      0xb764d6e74381234full, 0xd692a5c61ca5cd06ull, 0x23b4132489d4e640ull, 0xc5cce04e4b6ee8d5ull,
      0xe6d4b9ad49fc9c12ull, 0xcd8a3aa46bfea897ull, 0x81c3e62ccd1edf95ull, 0x2e4b44effd402053ull,
      0xd0ec71542c5629c0ull, 0x6b8a37a9c7b30d84ull, 0xdee2c4bcd9ef7ab0ull, 0x4bf3d133841efb1cull,
      0xac3d744db3195a45ull, 0xb9a89b15357923f1ull, 0x33cb047b98eb669dull, 0xc67db27ec72aa508ull};
  EXPECT_EQ(got, want) << "digests: " << hex;
}

}  // namespace
}  // namespace losslab
