// ctc_loss beyond the torch fixtures: the loss against a brute-force sum over every alignment,
// the gradient against finite differences and its row sums, SIMD entry == scalar reference at
// many sizes, the reductions' invariants, and the errors raised where torch 1.13 reads out of
// bounds (input length 0, negative lengths, labels outside [0, C)).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "losslab/registry.hpp"

using namespace losslab;

namespace {

const LossSpec& ctc() {
  const LossSpec* s = find_loss("ctc_loss");
  EXPECT_NE(s, nullptr);
  return *s;
}

// A random CTC problem: log_softmax'ed log_probs (T, N, C), padded targets (N, S) in [1, C).
template <class F>
struct Problem {
  int64_t T, N, C, S;
  std::vector<F> lp;
  std::vector<int64_t> tg, il, tl;
  Problem(int64_t T_, int64_t N_, int64_t C_, int64_t S_, uint64_t seed)
      : T(T_), N(N_), C(C_), S(S_) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> nd(0.0, 1.5);
    lp.resize(static_cast<std::size_t>(T * N * C));
    for (int64_t r = 0; r < T * N; ++r) {
      std::vector<double> x(static_cast<std::size_t>(C));
      double m = -1e300;
      for (auto& v : x) m = std::max(m, v = nd(g));
      double s = 0;
      for (double v : x) s += std::exp(v - m);
      for (int64_t c = 0; c < C; ++c)
        lp[static_cast<std::size_t>(r * C + c)] = static_cast<F>(x[c] - m - std::log(s));
    }
    std::uniform_int_distribution<int64_t> lab(1, C - 1);
    tg.resize(static_cast<std::size_t>(N * S));
    for (auto& v : tg) v = lab(g);
    for (int64_t b = 0; b < N; ++b) {
      std::uniform_int_distribution<int64_t> l(std::max<int64_t>(1, T / 2), T);
      il.push_back(l(g));
      std::uniform_int_distribution<int64_t> k(0, std::min<int64_t>(S, il.back() / 2));
      tl.push_back(k(g));
    }
  }
  LossCall call(Reduction r, bool scalar = false) const {
    LossCall c;
    const DType dt = sizeof(F) == 4 ? DType::Float32 : DType::Float64;
    c.operands = {TensorView{dt, {T, N, C}, lp.data()}, TensorView{DType::Int64, {N, S}, tg.data()},
                  TensorView{DType::Int64, {N}, il.data()},
                  TensorView{DType::Int64, {N}, tl.data()}};
    c.options = ctc().defaults();
    c.options.reduction = r;
    c.options.force_scalar = scalar;
    return c;
  }
};

template <class F>
std::vector<F> values(const Tensor& t) {
  const F* p = t.as<F>();
  return std::vector<F>(p, p + t.numel());
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// -log of the sum over all length-T label paths that collapse to y (brute force, float64).
double brute_force_nll(const std::vector<double>& lp, int64_t T, int64_t C,
                       const std::vector<int64_t>& y, int64_t blank) {
  double total = 0;
  std::vector<int64_t> path(static_cast<std::size_t>(T), 0);
  int64_t count = 1;
  for (int64_t t = 0; t < T; ++t) count *= C;
  for (int64_t k = 0; k < count; ++k) {
    int64_t v = k;
    for (int64_t t = 0; t < T; ++t) path[t] = v % C, v /= C;
    std::vector<int64_t> col;
    int64_t prev = -1;
    for (int64_t t = 0; t < T; ++t) {
      if (path[t] != prev && path[t] != blank) col.push_back(path[t]);
      prev = path[t];
    }
    if (col != y) continue;
    double lsum = 0;
    for (int64_t t = 0; t < T; ++t) lsum += lp[static_cast<std::size_t>(t * C + path[t])];
    total += std::exp(lsum);
  }
  return -std::log(total);
}

TEST(Ctc, MatchesBruteForceOverAlignments) {
  const int64_t T = 6, C = 4;
  const std::vector<std::vector<int64_t>> ys = {{}, {1}, {2, 2}, {1, 2, 3}, {3, 3, 3}, {0, 2}};
  for (int64_t blank : {0, 2}) {
    Problem<double> p(T, 1, C, 3, 7 + blank);
    for (const auto& y : ys) {
      // A label equal to the blank is outside CTC's model (torch computes something else).
      if (std::find(y.begin(), y.end(), blank) != y.end()) continue;
      std::vector<int64_t> tg(3, 1), il{T}, tl{static_cast<int64_t>(y.size())};
      std::copy(y.begin(), y.end(), tg.begin());
      LossCall c;
      c.operands = {TensorView{DType::Float64, {T, 1, C}, p.lp.data()},
                    TensorView{DType::Int64, {1, 3}, tg.data()},
                    TensorView{DType::Int64, {1}, il.data()},
                    TensorView{DType::Int64, {1}, tl.data()}};
      c.options = ctc().defaults();
      c.options.blank = blank;
      c.options.reduction = Reduction::None;
      auto r = ctc().forward(c);
      ASSERT_TRUE(r.ok()) << r.error().message;
      const double want = brute_force_nll(p.lp, T, C, y, blank);
      const double got = r.value().value.as<double>()[0];
      if (std::isinf(want))
        EXPECT_EQ(got, want);
      else
        EXPECT_NEAR(got, want, 1e-12 * std::fabs(want)) << "blank " << blank << " |y| " << y.size();
    }
  }
}

// torch's gradient is exp(lp) - posterior: d loss / d lp (= -posterior) plus exp(lp) (the
// log_softmax Jacobian folded in, which assumes normalised log_probs). Finite differences give
// the first term.
TEST(Ctc, GradientMatchesFiniteDifferences) {
  Problem<double> p(7, 3, 5, 3, 11);
  p.il = {7, 5, 6};
  p.tl = {3, 2, 0};
  for (Reduction red : {Reduction::Sum, Reduction::Mean}) {
    auto g = ctc().backward(p.call(red), nullptr, kWantAll);
    ASSERT_TRUE(g.ok()) << g.error().message;
    ASSERT_TRUE(g.value()[0].has_value());
    EXPECT_FALSE(g.value()[1].has_value());
    EXPECT_FALSE(g.value()[2].has_value());
    EXPECT_FALSE(g.value()[3].has_value());
    const std::vector<double> an = values<double>(*g.value()[0]);
    const auto loss = [&](const Problem<double>& q) {
      return *ctc().forward(q.call(red)).value().value.as<double>();
    };
    double worst = 0;
    for (std::size_t i = 0; i < p.lp.size(); ++i) {
      Problem<double> q = p;
      const double h = 1e-6;
      q.lp[i] += h;
      const double up = loss(q);
      q.lp[i] -= 2 * h;
      const double dn = loss(q);
      const int64_t t = static_cast<int64_t>(i) / (p.N * p.C);
      const int64_t b = (static_cast<int64_t>(i) / p.C) % p.N;
      const double scale = red == Reduction::Sum
                               ? 1.0
                               : 1.0 / (static_cast<double>(p.N) *
                                        static_cast<double>(std::max<int64_t>(p.tl[b], 1)));
      const double fold = t < p.il[b] ? std::exp(p.lp[i]) * scale : 0.0;
      worst = std::max(worst, std::fabs((up - dn) / (2 * h) - (an[i] - fold)));
    }
    EXPECT_LT(worst, 1e-6) << reduction_name(red);
  }
}

TEST(Ctc, GradientRowsSumToZeroAndVanishPastInputLength) {
  // With normalised log_probs, sum_c (p - posterior) = 1 - 1 = 0 in every frame t < T'.
  Problem<double> p(30, 4, 6, 8, 5);
  auto g = ctc().backward(p.call(Reduction::Sum), nullptr, kWantAll);
  ASSERT_TRUE(g.ok());
  const std::vector<double> gr = values<double>(*g.value()[0]);
  for (int64_t b = 0; b < p.N; ++b)
    for (int64_t t = 0; t < p.T; ++t) {
      double s = 0, a = 0;
      for (int64_t c = 0; c < p.C; ++c) {
        const double v = gr[static_cast<std::size_t>((t * p.N + b) * p.C + c)];
        s += v;
        a += std::fabs(v);
      }
      if (t >= p.il[b])
        EXPECT_EQ(a, 0.0) << "b " << b << " t " << t;
      else
        EXPECT_NEAR(s, 0.0, 1e-12) << "b " << b << " t " << t;
    }
}

TEST(Ctc, SimdEntryEqualsScalarReference) {
  const int64_t sizes[][4] = {{1, 1, 2, 1},    {1, 1, 2, 0},     {3, 1, 5, 1},
                              {4, 3, 7, 2},    {8, 5, 9, 3},     {16, 7, 17, 4},
                              {33, 2, 15, 9},  {64, 3, 31, 20},  {127, 2, 8, 40},
                              {128, 1, 9, 41}, {129, 2, 10, 50}, {200, 5, 100, 60}};
  for (const auto& sz : sizes) {
    Problem<float> p(sz[0], sz[1], sz[2], sz[3], static_cast<uint64_t>(sz[0] * 131 + sz[2]));
    for (Reduction red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
      auto a = ctc().forward(p.call(red, false));
      auto b = ctc().forward(p.call(red, true));
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_TRUE(same_bits(values<float>(a.value().value), values<float>(b.value().value)))
          << "T " << sz[0] << " " << reduction_name(red);
      auto ga = ctc().backward(p.call(red, false), nullptr, kWantAll);
      auto gb = ctc().backward(p.call(red, true), nullptr, kWantAll);
      ASSERT_TRUE(ga.ok() && gb.ok());
      EXPECT_TRUE(same_bits(values<float>(*ga.value()[0]), values<float>(*gb.value()[0])))
          << "grad T " << sz[0] << " " << reduction_name(red);
    }
  }
}

TEST(Ctc, ReductionsAreNoneValuesReduced) {
  Problem<double> p(40, 6, 8, 10, 3);
  p.tl[2] = 0;  // 'mean' divides by max(0, 1) = 1
  const std::vector<double> none =
      values<double>(ctc().forward(p.call(Reduction::None)).value().value);
  double sum = 0, mean = 0;
  for (int64_t b = 0; b < p.N; ++b) {
    sum += none[b];
    mean += none[b] / static_cast<double>(std::max<int64_t>(p.tl[b], 1));
  }
  mean /= static_cast<double>(p.N);
  EXPECT_DOUBLE_EQ(*ctc().forward(p.call(Reduction::Sum)).value().value.as<double>(), sum);
  EXPECT_DOUBLE_EQ(*ctc().forward(p.call(Reduction::Mean)).value().value.as<double>(), mean);
}

TEST(Ctc, ZeroInfinityZeroesOnlyInfeasibleSamples) {
  Problem<float> p(4, 2, 5, 6, 9);
  p.il = {4, 4};
  p.tl = {5, 2};  // sample 0 cannot fit 5 labels into 4 frames
  LossCall c = p.call(Reduction::None);
  auto r0 = ctc().forward(c);
  ASSERT_TRUE(r0.ok());
  EXPECT_TRUE(std::isinf(r0.value().value.as<float>()[0]));
  c.options.zero_infinity = true;
  auto r1 = ctc().forward(c);
  EXPECT_EQ(r1.value().value.as<float>()[0], 0.0f);
  EXPECT_EQ(r1.value().value.as<float>()[1], r0.value().value.as<float>()[1]);
  auto g = ctc().backward(c, nullptr, kWantAll);
  ASSERT_TRUE(g.ok());
  const std::vector<float> gr = values<float>(*g.value()[0]);
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t k = 0; k < 5; ++k) {
      EXPECT_EQ(gr[static_cast<std::size_t>((t * 2 + 0) * 5 + k)], 0.0f);
      EXPECT_TRUE(std::isfinite(gr[static_cast<std::size_t>((t * 2 + 1) * 5 + k)]));
    }
}

std::string error_of(const LossCall& c) {
  auto r = ctc().forward(c);
  if (r.ok()) return "ok";
  auto b = ctc().backward(c, nullptr, kWantAll);
  EXPECT_FALSE(b.ok());
  if (!b.ok()) {
    EXPECT_EQ(b.error().message, r.error().message);
  }
  return r.error().type + ": " + r.error().message;
}

TEST(Ctc, ErrorsWhereTorchReadsOutOfBounds) {
  Problem<float> p(6, 2, 5, 3, 1);
  p.il = {6, 6};
  p.tl = {3, 2};
  const std::string from = " (while checking arguments for ctc_loss_cpu)";
  {
    Problem<float> q = p;
    q.il[1] = 0;
    EXPECT_EQ(
        error_of(q.call(Reduction::Mean)),
        "RuntimeError: Expected input_lengths to have value at least 1, but got value 0" + from);
    q.il[1] = -3;
    EXPECT_EQ(
        error_of(q.call(Reduction::Mean)),
        "RuntimeError: Expected input_lengths to have value at least 1, but got value -3" + from);
  }
  {
    Problem<float> q = p;
    q.tl[0] = -1;
    EXPECT_EQ(
        error_of(q.call(Reduction::Sum)),
        "RuntimeError: Expected target_lengths to have value at least 0, but got value -1" + from);
  }
  {
    Problem<float> q = p;
    q.tg[4] = 5;  // sample 1, label 1 (read)
    EXPECT_EQ(error_of(q.call(Reduction::None)),
              "RuntimeError: Expected targets to have value at most 4, but got value 5" + from);
    q.tg[4] = -2;
    EXPECT_EQ(error_of(q.call(Reduction::None)),
              "RuntimeError: Expected targets to have value at least 0, but got value -2" + from);
    q.tg[4] = 1;
    q.tg[5] = -1;  // sample 1, label 2: padding past target_length 2, never read
    EXPECT_EQ(error_of(q.call(Reduction::None)), "ok");
  }
  {
    // Float targets are truncated to int64 as torch's .to(kLong); NaN is out of range.
    std::vector<float> tg(p.tg.begin(), p.tg.end());
    tg[0] = std::nanf("");
    LossCall c = p.call(Reduction::Mean);
    c.operands[1] = TensorView{DType::Float32, {2, 3}, tg.data()};
    EXPECT_EQ(error_of(c),
              "RuntimeError: Expected targets to have value at least 0, but got value "
              "-9223372036854775808" +
                  from);
    tg[0] = 3.9f;
    EXPECT_EQ(error_of(c), "ok");
  }
  {
    // An input length past T is torch's own check.
    Problem<float> q = p;
    q.il[0] = 7;
    EXPECT_EQ(
        error_of(q.call(Reduction::Mean)),
        "RuntimeError: Expected input_lengths to have value at most 6, but got value 7" + from);
  }
}

TEST(Ctc, GradOutputShapeIsChecked) {
  Problem<float> p(5, 3, 4, 2, 2);
  std::vector<float> g(2, 1.0f);
  TensorView gv{DType::Float32, {2}, g.data()};
  auto r = ctc().backward(p.call(Reduction::None), &gv, kWantAll);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "Mismatch in shape: grad_output has a shape of torch.Size([2]) and output has a shape "
            "of torch.Size([3]).");
}

}  // namespace
