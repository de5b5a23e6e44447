// The broadcasting elementwise losses (margin_ranking, hinge_embedding, soft_margin, poisson_nll,
// gaussian_nll) beyond the torch fixtures: SIMD == scalar reference bit for bit at block-edge
// sizes and at N = 1e5 ('none' values and every operand's gradient, float32 and float64);
// mean == sum / N exactly; the gradients against central differences in float64; broadcast
// gradients summed in torch's order (not a more accurate one); the integer paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "losslab/registry.hpp"
#include "losslab/torch_sum.hpp"
#include "test_util.hpp"

namespace losslab {
namespace {

using test::dtype_of;
using test::SplitMix64;

const char* const kLosses[] = {"margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
                               "poisson_nll_loss", "gaussian_nll_loss"};
const int64_t kSizes[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 100000};

// Operand data for a loss of n elements (all operands of shape (n,)), valid for its domain.
template <class T>
std::vector<std::vector<T>> make_data(const std::string& name, int64_t n, uint64_t seed,
                                      bool rate) {
  SplitMix64 rng(seed);
  const LossSpec* s = find_loss(name);
  std::vector<std::vector<T>> ops(s->operands.size(), std::vector<T>(static_cast<size_t>(n)));
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    const T sign = (rng.next() >> 63) ? T(1) : T(-1);
    if (name == "margin_ranking_loss") {
      ops[0][k] = static_cast<T>(rng.normal());
      ops[1][k] = i % 11 == 3 ? ops[0][k] : static_cast<T>(rng.normal());  // ties: u = 0
      ops[2][k] = sign;
    } else if (name == "hinge_embedding_loss") {
      ops[0][k] = i % 13 == 2 ? T(1) : static_cast<T>(2 * rng.normal());  // margin - x = 0
      ops[1][k] = i % 17 == 5 ? T(0.5) : sign;                            // neither +-1
    } else if (name == "soft_margin_loss") {
      ops[0][k] = static_cast<T>((i % 101 == 7 ? 60.0 : 3.0) * rng.normal());
      ops[1][k] = sign;
    } else if (name == "poisson_nll_loss") {
      ops[0][k] = rate ? static_cast<T>(0.05 + 4 * rng.uniform()) : static_cast<T>(rng.normal());
      ops[1][k] = static_cast<T>(std::floor(6 * rng.uniform()));
    } else {  // gaussian_nll_loss
      ops[0][k] = static_cast<T>(rng.normal());
      ops[1][k] = static_cast<T>(rng.normal());
      ops[2][k] = i % 19 == 4 ? T(0) : static_cast<T>(0.05 + 2 * rng.uniform());  // clamped
    }
  }
  return ops;
}

template <class T>
LossCall make_call(const LossSpec& s, const std::vector<std::vector<T>>& ops, int64_t n) {
  LossCall c;
  c.options = s.defaults();
  for (const auto& v : ops) c.operands.push_back(TensorView{dtype_of<T>(), {n}, v.data()});
  return c;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

template <class T>
void simd_vs_scalar(const std::string& name, bool full, bool rate) {
  const LossSpec& s = *find_loss(name);
  for (int64_t n : kSizes) {
    const auto ops = make_data<T>(name, n, 42 + static_cast<uint64_t>(n), rate);
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
      LossCall c = make_call(s, ops, n);
      c.options.reduction = r;
      c.options.full = full;
      c.options.log_input = !rate;
      LossCall cs = c;
      cs.options.force_scalar = true;
      auto a = s.forward(c), b = s.forward(cs);
      ASSERT_TRUE(a.ok() && b.ok()) << name << " n=" << n;
      EXPECT_TRUE(same_bits(a.value().value, b.value().value))
          << name << " forward n=" << n << " reduction " << reduction_name(r);
      // The gradients with a non-trivial upstream for 'none'.
      std::vector<T> g(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) g[static_cast<size_t>(i)] = T(0.25) * T(i % 7) - T(0.5);
      TensorView gv{dtype_of<T>(), {n}, g.data()};
      const TensorView* gp = r == Reduction::None ? &gv : nullptr;
      auto ga = s.backward(c, gp, kWantAll), gb = s.backward(cs, gp, kWantAll);
      ASSERT_TRUE(ga.ok() && gb.ok()) << name << " backward n=" << n;
      for (std::size_t k = 0; k < s.operands.size(); ++k) {
        ASSERT_EQ(ga.value()[k].has_value(), s.operands[k].differentiable) << name << " " << k;
        if (ga.value()[k]) {
          EXPECT_TRUE(same_bits(*ga.value()[k], *gb.value()[k]))
              << name << " grad " << s.operands[k].name << " n=" << n;
        }
      }
    }
  }
}

TEST(ElemLosses, SimdMatchesScalarFloat32) {
  for (const char* name : kLosses) simd_vs_scalar<float>(name, false, false);
  simd_vs_scalar<float>("poisson_nll_loss", true, false);
  simd_vs_scalar<float>("poisson_nll_loss", true, true);
  simd_vs_scalar<float>("gaussian_nll_loss", true, false);
#if !LOSSLAB_HAVE_SIMD
  // The scalar build's SIMD entry is the scalar reference: only the calls and which gradients
  // exist were checked above.
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
}

TEST(ElemLosses, SimdMatchesScalarFloat64) {
  for (const char* name : kLosses) simd_vs_scalar<double>(name, false, false);
  simd_vs_scalar<double>("poisson_nll_loss", true, true);
#if !LOSSLAB_HAVE_SIMD
  // The scalar build's SIMD entry is the scalar reference: only the calls and which gradients
  // exist were checked above.
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
}

// torch's mean is its sum divided by N once, in the dtype.
TEST(ElemLosses, MeanIsSumOverN) {
  for (const char* name : kLosses) {
    const LossSpec& s = *find_loss(name);
    for (int64_t n : {1, 9, 129, 100000}) {
      const auto ops = make_data<float>(name, n, 7, false);
      LossCall c = make_call(s, ops, n);
      c.options.reduction = Reduction::Sum;
      const float sum = *s.forward(c).value().value.as<float>();
      c.options.reduction = Reduction::Mean;
      const float mean = *s.forward(c).value().value.as<float>();
      EXPECT_EQ(mean, sum / static_cast<float>(n)) << name << " n=" << n;
    }
  }
}

// d loss / d operand against central differences of the float64 'sum' (away from kinks).
TEST(ElemLosses, GradientsMatchFiniteDifferences) {
  for (const char* name : kLosses) {
    const LossSpec& s = *find_loss(name);
    for (bool full : {false, true}) {
      for (bool rate : {false, true}) {
        const int64_t n = 40;
        auto ops = make_data<double>(name, n, 99, rate);
        LossCall c = make_call(s, ops, n);
        c.options.reduction = Reduction::Sum;
        c.options.full = full;
        c.options.log_input = !rate;
        if (std::string(name) == "poisson_nll_loss")  // smooth in the target away from 1
          for (auto& t : ops[1]) t += 0.3;
        if (std::string(name) == "gaussian_nll_loss")    // no clamped var (its grad is not the
          for (auto& v : ops[2]) v = std::max(v, 0.05);  // slope there, as in torch)
        auto g = s.backward(c, nullptr, kWantAll);
        ASSERT_TRUE(g.ok()) << name;
        for (std::size_t k = 0; k < s.operands.size(); ++k) {
          if (!g.value()[k]) continue;
          const double* gk = g.value()[k]->as<double>();
          for (int64_t i = 0; i < n; ++i) {
            auto& v = ops[k][static_cast<size_t>(i)];
            const double v0 = v, h = 1e-6 * std::max(1.0, std::fabs(v0));
            v = v0 + h;
            const double up = *s.forward(c).value().value.as<double>();
            v = v0 - h;
            const double dn = *s.forward(c).value().value.as<double>();
            v = v0;
            const double fd = (up - dn) / (2 * h);
            // Skip kinks: where the two one-sided slopes disagree.
            v = v0 + 2 * h;
            const double up2 = *s.forward(c).value().value.as<double>();
            v = v0;
            if (std::fabs((up2 - up) / h - (up - dn) / (2 * h)) > 1e-3 * (1 + std::fabs(fd)))
              continue;
            EXPECT_NEAR(gk[i], fd, 1e-5 * (1 + std::fabs(fd)))
                << name << " grad " << s.operands[k].name << "[" << i << "] full=" << full
                << " rate=" << rate;
          }
        }
      }
    }
  }
}

// A broadcast operand's gradient is summed in torch's order (torch_sum.hpp), not in double:
// input2 of shape (1,) against (N,) gets -(torch's sum of the unbroadcast input1 gradient).
TEST(ElemLosses, BroadcastGradSumsInTorchOrder) {
  const LossSpec& s = *find_loss("margin_ranking_loss");
  const int64_t n = 1000;
  auto ops = make_data<float>("margin_ranking_loss", n, 5, false);
  for (std::size_t k = 0; k < ops[2].size(); ++k)  // real-valued targets: inexact partial sums
    ops[2][k] *= static_cast<float>(0.3 + 0.0137 * static_cast<double>(k % 37));
  std::vector<float> b1 = {0.1f}, bn(static_cast<size_t>(n), 0.1f);
  LossCall bc;
  bc.options = s.defaults();
  bc.options.reduction = Reduction::Sum;
  bc.operands = {TensorView{DType::Float32, {n}, ops[0].data()},
                 TensorView{DType::Float32, {1}, b1.data()},
                 TensorView{DType::Float32, {n}, ops[2].data()}};
  LossCall fc = bc;
  fc.operands[1] = TensorView{DType::Float32, {n}, bn.data()};
  auto gb = s.backward(bc, nullptr, kWantAll);
  auto gf = s.backward(fc, nullptr, kWantAll);
  ASSERT_TRUE(gb.ok() && gf.ok());
  const float* g1 = gf.value()[0]->as<float>();  // d/dx1 = -(d/dx2) elementwise
  const float want = -torch_sum_f32(g1, n);
  ASSERT_EQ(gb.value()[1]->shape(), Shape{1});
  EXPECT_EQ(*gb.value()[1]->as<float>(), want);
  // ... and that order is not the double-accumulated one for this data, so the check above
  // tells the two apart.
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += g1[i];
  EXPECT_NE(static_cast<float>(-acc), want);
}

// gaussian_nll's var shapes: (N, 1) and (N,) give the same loss and the same gradient values.
TEST(ElemLosses, GaussianVarUnsqueezeIsEquivalent) {
  const LossSpec& s = *find_loss("gaussian_nll_loss");
  SplitMix64 rng(3);
  std::vector<float> x(20), y(20), v(4);
  for (auto& e : x) e = static_cast<float>(rng.normal());
  for (auto& e : y) e = static_cast<float>(rng.normal());
  for (auto& e : v) e = static_cast<float>(0.1 + rng.uniform());
  LossCall a;
  a.options = s.defaults();
  a.options.reduction = Reduction::None;
  a.operands = {TensorView{DType::Float32, {4, 5}, x.data()},
                TensorView{DType::Float32, {4, 5}, y.data()},
                TensorView{DType::Float32, {4}, v.data()}};
  LossCall b = a;
  b.operands[2].shape = {4, 1};
  auto fa = s.forward(a), fb = s.forward(b);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_TRUE(same_bits(fa.value().value, fb.value().value));
  auto ga = s.backward(a, nullptr, kWantAll), gb = s.backward(b, nullptr, kWantAll);
  ASSERT_TRUE(ga.ok() && gb.ok());
  EXPECT_EQ(ga.value()[2]->shape(), Shape{4});
  EXPECT_EQ(gb.value()[2]->shape(), (Shape{4, 1}));
  EXPECT_EQ(std::memcmp(ga.value()[2]->data(), gb.value()[2]->data(), 16), 0);
  b.operands[2].shape = {1, 4};
  EXPECT_EQ(s.forward(b).error().message, "var is of incorrect size");
}

// Integer inputs: hinge keeps the dtype (margin truncated), its 'sum' is int64; margin_ranking's
// all-integer operands give float32 and no gradients.
TEST(ElemLosses, IntegerPaths) {
  const LossSpec& h = *find_loss("hinge_embedding_loss");
  std::vector<int64_t> x = {1, 2, -3, 0}, t = {1, -1, 0, -1};
  LossCall c;
  c.options = h.defaults();
  c.options.margin = 2.7;  // -> 2
  c.options.reduction = Reduction::Sum;
  c.operands = {TensorView{DType::Int64, {4}, x.data()}, TensorView{DType::Int64, {4}, t.data()}};
  auto r = h.forward(c);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().value.dtype(), DType::Int64);
  EXPECT_EQ(*r.value().value.as<int64_t>(), 5);  // torch: tensor(5)
  c.options.reduction = Reduction::Mean;
  EXPECT_EQ(h.forward(c).error().message,
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            "or complex dtype. Got: Long");
  const LossSpec& m = *find_loss("margin_ranking_loss");
  std::vector<int64_t> a = {1, 2}, b = {3, -1}, y = {1, -1};
  LossCall mc;
  mc.options = m.defaults();
  mc.options.margin = 0.5;
  mc.options.reduction = Reduction::None;
  mc.operands = {TensorView{DType::Int64, {2}, a.data()}, TensorView{DType::Int64, {2}, b.data()},
                 TensorView{DType::Int64, {2}, y.data()}};
  auto mr = m.forward(mc);
  ASSERT_TRUE(mr.ok());
  ASSERT_EQ(mr.value().value.dtype(), DType::Float32);
  EXPECT_EQ(mr.value().value.as<float>()[0], 2.5f);  // torch: tensor([2.5000, 3.5000])
  EXPECT_EQ(mr.value().value.as<float>()[1], 3.5f);
  auto mg = m.backward(mc, nullptr, kWantAll);
  ASSERT_TRUE(mg.ok());
  for (const auto& g : mg.value()) EXPECT_FALSE(g.has_value());
}

}  // namespace
}  // namespace losslab
