// pairwise_distance, cosine_similarity and the embedding losses beyond the fixtures: torch.norm's
// order at sizes the fixtures lack (values computed by torch 1.13.1, AVX2, one thread, from the
// data below), the outer `.sum(dim)` cascade past 16 rows, the swap tie split, p = 0, and SIMD
// build vs scalar reference at awkward sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "losslab/registry.hpp"
#include "losslab/torch_sum.hpp"
#include "test_util.hpp"

using namespace losslab;

namespace {

// torch.tensor([sin(0.7 j + k) * (1 + j % 5) for j in range(n)])
template <class T>
std::vector<T> data(int64_t n, int k) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (int64_t j = 0; j < n; ++j)
    v[static_cast<std::size_t>(j)] =
        static_cast<T>(std::sin(0.7 * static_cast<double>(j) + k) * static_cast<double>(1 + j % 5));
  return v;
}

using test::bits;

Tensor fwd(const char* fn, std::vector<TensorView> ops, LossOptions o) {
  const LossSpec* s = find_loss(fn);
  EXPECT_NE(s, nullptr);
  auto r = s->forward(LossCall{std::move(ops), o});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r.value().value) : Tensor();
}

LossOptions defaults(const char* fn) { return find_loss(fn)->defaults(); }

}  // namespace

// Float32 norm: 8-lane fma blocks, an in-order 4-block, fma tail (D = 5, 12, 13, 31, 129).
TEST(Embedding, PairwiseDistanceFloat32MatchesTorchOrder) {
  const struct {
    int64_t D;
    uint32_t want[2];
  } cases[] = {{5, {0x40766d40, 0x408afae9}},
               {12, {0x40f73c61, 0x4117f997}},
               {13, {0x4109515f, 0x40d1a581}},
               {31, {0x41528d1f, 0x4148367e}},
               {129, {0x41c9138b, 0x41cbfc45}}};
  for (const auto& c : cases) {
    auto a = data<float>(2 * c.D, static_cast<int>(c.D));
    auto b = data<float>(2 * c.D, static_cast<int>(c.D) + 1);
    TensorView x1{DType::Float32, {2, c.D}, a.data()}, x2{DType::Float32, {2, c.D}, b.data()};
    for (bool scalar : {false, true}) {
      LossOptions o = defaults("pairwise_distance");
      o.force_scalar = scalar;
      Tensor d = fwd("pairwise_distance", {x1, x2}, o);
      ASSERT_EQ(d.numel(), 2);
      for (int r = 0; r < 2; ++r)
        EXPECT_EQ(bits(d.as<float>()[r]), c.want[r]) << "D = " << c.D << " row " << r;
    }
  }
}

// Float64 norm: one sequential fma chain (D = 40, 200).
TEST(Embedding, PairwiseDistanceFloat64SequentialFma) {
  const struct {
    int64_t D;
    uint64_t want;
  } cases[] = {{40, 0x402cf58c9a26b6d0ull}, {200, 0x404002f48d891199ull}};
  for (const auto& c : cases) {
    auto a = data<double>(c.D, static_cast<int>(c.D));
    auto b = data<double>(c.D, static_cast<int>(c.D) + 1);
    TensorView x1{DType::Float64, {1, c.D}, a.data()}, x2{DType::Float64, {1, c.D}, b.data()};
    Tensor d = fwd("pairwise_distance", {x1, x2}, defaults("pairwise_distance"));
    ASSERT_EQ(d.numel(), 1);
    EXPECT_EQ(bits(d.as<double>()[0]), c.want) << "D = " << c.D;
  }
}

// cosine_similarity over dim 0 of (R, 3): the outer sum, with cascade levels past 16 rows.
TEST(Embedding, CosineSimilarityOuterSumCascade) {
  const struct {
    int64_t R;
    uint32_t want[3];
  } cases[] = {{40, {0xbee32c17, 0xbee82f11, 0xbed01ece}},
               {300, {0xbed51d48, 0xbed62aa0, 0xbed6c616}}};
  for (const auto& c : cases) {
    auto a = data<float>(3 * c.R, static_cast<int>(c.R));
    auto b = data<float>(3 * c.R, static_cast<int>(c.R) + 2);
    TensorView x1{DType::Float32, {c.R, 3}, a.data()}, x2{DType::Float32, {c.R, 3}, b.data()};
    LossOptions o = defaults("cosine_similarity");
    o.dim = 0;
    Tensor s = fwd("cosine_similarity", {x1, x2}, o);
    ASSERT_EQ(s.numel(), 3);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(bits(s.as<float>()[k]), c.want[k]) << "R = " << c.R;
  }
}

// The outer sum's two column orders: chained columns (the first floor(C / 4) * 4, or
// floor(C / 32) * 32 once C >= 8) and the 4-way interleaved row_sum for the rest.
TEST(Embedding, CosineSimilarityOuterSumColumnOrders) {
  const struct {
    int64_t R, C;
    std::vector<uint32_t> want;
  } cases[] = {
      {300, 4, {0xbed8504e, 0xbeda40c4, 0xbed6eed7, 0xbed2a689}},
      {300, 40, {0xbed20b5e, 0xbed459ac, 0xbed7d44b, 0xbed6babd, 0xbed2dc4b, 0xbed2a6eb, 0xbed67407,
                 0xbed7f0e8, 0xbed4aaa5, 0xbed209fa, 0xbed47316, 0xbed7de39, 0xbed6a4e0, 0xbed2cab2,
                 0xbed2b70f, 0xbed68ad8, 0xbed7e8c3, 0xbed490e8, 0xbed20976, 0xbed48cad, 0xbed7e756,
                 0xbed68e91, 0xbed2b9c9, 0xbed2c7dd, 0xbed6a13d, 0xbed7dfc6, 0xbed4774c, 0xbed209d5,
                 0xbed4a666, 0xbed7ef9f, 0xbed677d0, 0xbed2a987, 0xbed2d957, 0xbed6b72b, 0xbed7d5fc,
                 0xbed45ddc, 0xbed20b14, 0xbed4c03e, 0xbed7f71a, 0xbed660a8}},
      {20,
       9,
       {0x3f6948ac, 0xbf7b0b34, 0xbf7de1e6, 0xbf5b65d9, 0x3f74b52a, 0xbf3e4c4b, 0xbf7ddda6,
        0xbf7b8b2d, 0x3f5eba9d}}};
  for (const auto& c : cases) {
    auto a = data<float>(c.R * c.C, static_cast<int>(c.R + c.C));
    auto b = data<float>(c.R * c.C, static_cast<int>(c.R + c.C) + 2);
    TensorView x1{DType::Float32, {c.R, c.C}, a.data()}, x2{DType::Float32, {c.R, c.C}, b.data()};
    LossOptions o = defaults("cosine_similarity");
    o.dim = 0;
    Tensor s = fwd("cosine_similarity", {x1, x2}, o);
    ASSERT_EQ(s.numel(), c.C);
    for (int64_t k = 0; k < c.C; ++k)
      EXPECT_EQ(bits(s.as<float>()[k]), c.want[static_cast<std::size_t>(k)])
          << "R = " << c.R << " C = " << c.C << " column " << k;
  }
}

// With anchor == positive, d(a, n) == d(p, n): torch.min gives each half, so the negative's
// gradient equals the one without swap (halving is exact), and the anchor and positive each get
// their d(a, p) term plus half.
TEST(Embedding, TripletSwapTieSplitsGradient) {
  for (const char* fn : {"triplet_margin_loss", "triplet_margin_with_distance_loss"}) {
    auto a = data<float>(12, 1), n = data<float>(12, 5);
    TensorView va{DType::Float32, {3, 4}, a.data()}, vn{DType::Float32, {3, 4}, n.data()};
    LossOptions o = defaults(fn);
    o.margin = 10;
    const LossSpec* s = find_loss(fn);
    auto plain = s->backward(LossCall{{va, va, vn}, o}, nullptr);
    o.swap = true;
    auto swapped = s->backward(LossCall{{va, va, vn}, o}, nullptr);
    ASSERT_TRUE(plain.ok() && swapped.ok()) << fn;
    const float* g0 = plain.value()[2]->as<float>();
    const float* g1 = swapped.value()[2]->as<float>();
    for (int i = 0; i < 12; ++i) EXPECT_EQ(bits(g0[i]), bits(g1[i])) << fn << " negative " << i;
    // Without swap the positive gets only its d(a, p) term; with the tie it also gets half the
    // negative term, which is what the anchor loses: sum of the three grads is unchanged.
    const float* p0 = plain.value()[1]->as<float>();
    const float* p1 = swapped.value()[1]->as<float>();
    bool differs = false;
    for (int i = 0; i < 12; ++i) differs |= bits(p0[i]) != bits(p1[i]);
    EXPECT_TRUE(differs) << fn << ": the positive must receive half the tied gradient";
  }
}

TEST(Embedding, PairwiseP0HasNoGradient) {
  auto a = data<float>(8, 1), b = data<float>(8, 2);
  TensorView x1{DType::Float32, {2, 4}, a.data()}, x2{DType::Float32, {2, 4}, b.data()};
  LossOptions o = defaults("pairwise_distance");
  o.p = 0;
  Tensor d = fwd("pairwise_distance", {x1, x2}, o);
  EXPECT_EQ(d.as<float>()[0], 4.0f);
  auto g = find_loss("pairwise_distance")->backward(LossCall{{x1, x2}, o}, nullptr);
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g.value()[0].has_value());
  EXPECT_FALSE(g.value()[1].has_value());
}

// 'sum' is torch.sum of the 'none' values, and every build path agrees bit for bit, at sizes
// around the 8-lane blocks and a large random case.
TEST(Embedding, SimdVsScalarAndSumOfNone) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  // D: the scalar row sum (< 8), leftover vectors, whole groups of 32 with and without a tail,
  // and around 512 (16 groups), where the SIMD row sums stop.
  const int64_t Ns[] = {0, 1, 7, 9, 127, 128, 129, 100000};
  const int64_t Ds[] = {1, 7, 8, 9, 17, 32, 45, 100, 511, 512, 513};
  for (int64_t N : Ns)
    for (int64_t D : Ds) {
      if (N == 100000 && D != 9) continue;
      if (N > 9 && D > 100) continue;
      std::vector<float> a(N * D), p(N * D), n(N * D);
      std::vector<float> t(N);
      for (auto* v : {&a, &p, &n})
        for (float& x : *v) x = nd(rng);
      for (int64_t i = 0; i < N; ++i) t[i] = (i % 3 == 0) ? -1.0f : 1.0f;
      TensorView va{DType::Float32, {N, D}, a.data()}, vp{DType::Float32, {N, D}, p.data()},
          vn{DType::Float32, {N, D}, n.data()}, vt{DType::Float32, {N}, t.data()};
      const std::vector<std::pair<const char*, std::vector<TensorView>>> calls = {
          {"triplet_margin_loss", {va, vp, vn}},
          {"triplet_margin_with_distance_loss", {va, vp, vn}},
          {"cosine_embedding_loss", {va, vp, vt}},
          {"pairwise_distance", {va, vp}},
          {"cosine_similarity", {va, vp}}};
      for (const auto& [fn, ops] : calls) {
        const LossSpec* s = find_loss(fn);
        LossOptions o = s->defaults();
        o.reduction = Reduction::None;
        if (std::string(fn) == "triplet_margin_loss") o.swap = (N % 2) == 1;
        Tensor none = fwd(fn, ops, o);
        o.force_scalar = true;
        Tensor none_s = fwd(fn, ops, o);
        ASSERT_EQ(none.numel(), none_s.numel()) << fn;
        for (int64_t i = 0; i < none.numel(); ++i)
          ASSERT_EQ(bits(none.as<float>()[i]), bits(none_s.as<float>()[i])) << fn << " " << i;
        // the distances' backward takes an upstream gradient of their shape (varied values)
        std::vector<float> up(static_cast<std::size_t>(none.numel()));
        for (std::size_t i = 0; i < up.size(); ++i) up[i] = 0.25f + static_cast<float>(i % 7);
        const TensorView upv{DType::Float32, none.shape(), up.data()};
        const TensorView* go = nullptr;
        if (s->has_reduction()) {
          o.reduction = Reduction::Sum;
          Tensor sum = fwd(fn, ops, o);
          EXPECT_EQ(bits(*sum.as<float>()), bits(torch_sum_f32(none.as<float>(), none.numel())))
              << fn << " N=" << N << " D=" << D;
        } else {
          go = &upv;
        }
        auto g = s->backward(LossCall{ops, o}, go);
        o.force_scalar = false;
        auto gs = s->backward(LossCall{ops, o}, go);
        ASSERT_TRUE(g.ok() && gs.ok()) << fn << (g.ok() ? "" : g.error().message);
        for (std::size_t k = 0; k < ops.size(); ++k) {
          ASSERT_EQ(g.value()[k].has_value(), gs.value()[k].has_value());
          if (!g.value()[k]) continue;
          for (int64_t i = 0; i < g.value()[k]->numel(); ++i)
            ASSERT_EQ(bits(g.value()[k]->as<float>()[i]), bits(gs.value()[k]->as<float>()[i]))
                << fn << " N=" << N << " D=" << D << " operand " << k << " " << i;
        }
      }
    }
}

TEST(Embedding, Errors) {
  std::vector<float> a(12, 1.0f), t(3, 1.0f);
  TensorView x2d{DType::Float32, {3, 4}, a.data()}, x1d{DType::Float32, {4}, a.data()},
      y{DType::Float32, {3}, t.data()};
  auto r = find_loss("triplet_margin_loss")
               ->forward(LossCall{{x2d, x1d, x2d}, defaults("triplet_margin_loss")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "All inputs should have same dimension but got 2D, 1D and 2D inputs.");
  auto c = find_loss("cosine_embedding_loss")
               ->forward(LossCall{{x2d, x1d, y}, defaults("cosine_embedding_loss")});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().type, "IndexError");
  LossOptions o = defaults("cosine_similarity");
  o.dim = -3;
  auto s = find_loss("cosine_similarity")->forward(LossCall{{x2d, x2d}, o});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
}
