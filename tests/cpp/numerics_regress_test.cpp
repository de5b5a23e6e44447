// Regressions from the hardening issue's "Numerics" list, each with torch 1.13.1's answer
// (checked with Debian's python3-torch when written), on the SIMD kernels and the scalar
// reference alike.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "losslab/autograd.hpp"
#include "losslab/factory.hpp"
#include "losslab/ops.hpp"
#include "losslab/registry.hpp"
#include "losslab/stats.hpp"

namespace losslab {
namespace {

const float kInf = std::numeric_limits<float>::infinity();

LossOptions opts(const char* loss, Reduction r, bool scalar) {
  LossOptions o = find_loss(loss)->defaults();
  o.reduction = r;
  o.force_scalar = scalar;
  return o;
}

template <class T>
TensorView tv(std::vector<T>& v, DType d) {
  return TensorView{d, {static_cast<int64_t>(v.size())}, v.data()};
}

// torch: norm * (x - y) * g with norm = 2/N multiplied first; 2 (x - y) overflowed here.
TEST(NumericsRegress, MseGradientDoesNotOverflowEarly) {
  for (bool scalar : {false, true}) {
    std::vector<float> x = {1.5e38f, 0.0f}, y = {-1.5e38f, 0.0f};
    auto g = find_loss("mse_loss")
                 ->backward(tv(x, DType::Float32), tv(y, DType::Float32),
                            opts("mse_loss", Reduction::Mean, scalar), nullptr);
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g.value().as<float>()[0], 3e38f);  // torch: tensor([3.0000e+38, 0.0000e+00])
    EXPECT_EQ(g.value().as<float>()[1], 0.0f);
    // 'sum' has norm 2: 2 * 3e38 overflows in torch too.
    auto s = find_loss("mse_loss")
                 ->backward(tv(x, DType::Float32), tv(y, DType::Float32),
                            opts("mse_loss", Reduction::Sum, scalar), nullptr);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.value().as<float>()[0], kInf);
  }
}

// exp(-100) is subnormal in float32 (and exp(-720) in float64): flushed to 0 it made
// 0 * (y - x) = 0 * inf a NaN; torch gives inf. Every lane count (a batch with the edge).
template <class T>
void expect_kl_log_target_inf(T target, DType dtype, bool scalar, int n) {
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<T> x(n, -inf), t(n, target);
  LossOptions o = opts("kl_div", Reduction::None, scalar);
  o.log_target = true;
  auto r = find_loss("kl_div")->forward(tv(x, dtype), tv(t, dtype), o);
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(r.value().value.template as<T>()[i], inf) << "scalar " << scalar << " n " << n;
}

TEST(NumericsRegress, KlDivLogTargetKeepsSubnormalExp) {
  for (bool scalar : {false, true}) {
    for (int n : {1, 3, 8, 17}) {
      expect_kl_log_target_inf(-100.0f, DType::Float32, scalar, n);
      expect_kl_log_target_inf(-720.0, DType::Float64, scalar, n);
    }
  }
}

// torch's huber_loss writes into empty_like(input): float32 input, float64 target is float32
// (the float64 values rounded), an integer input cannot hold the result, and the backward
// wants one dtype.
TEST(NumericsRegress, HuberResultHasTheInputsDtype) {
  const LossSpec& h = *find_loss("huber_loss");
  for (bool scalar : {false, true}) {
    std::vector<float> x = {1.0f, 2.5f, -3.0f};
    std::vector<double> y = {0.1, 0.2, 0.3};
    auto none = h.forward(tv(x, DType::Float32), tv(y, DType::Float64),
                          opts("huber_loss", Reduction::None, scalar));
    ASSERT_TRUE(none.ok()) << none.error().message;
    ASSERT_EQ(none.value().value.dtype(), DType::Float32);
    for (int i = 0; i < 3; ++i) {
      const double z = std::fabs(double(x[i]) - y[i]);
      const double want = z < 1 ? 0.5 * z * z : z - 0.5;
      EXPECT_EQ(none.value().value.as<float>()[i], static_cast<float>(want)) << i;
    }
    auto mean = h.forward(tv(x, DType::Float32), tv(y, DType::Float64),
                          opts("huber_loss", Reduction::Mean, scalar));
    ASSERT_TRUE(mean.ok());
    ASSERT_EQ(mean.value().value.dtype(), DType::Float32);
    const float* v = none.value().value.as<float>();
    EXPECT_EQ(*mean.value().value.as<float>(), (v[0] + v[1] + v[2]) / 3.0f);
    // float64 input, float32 target: float64.
    std::vector<double> xd = {1.0, 2.5, -3.0};
    std::vector<float> yf = {0.1f, 0.2f, 0.3f};
    auto d = h.forward(tv(xd, DType::Float64), tv(yf, DType::Float32),
                       opts("huber_loss", Reduction::Mean, scalar));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.value().value.dtype(), DType::Float64);
  }
  std::vector<int64_t> xi = {1, 2, -3};
  std::vector<float> yf = {0.0f, 0.0f, 0.0f};
  std::vector<double> yd = {0.0, 0.0, 0.0};
  auto e = h.forward(tv(xi, DType::Int64), tv(yf, DType::Float32),
                     opts("huber_loss", Reduction::Mean, false));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().type, "RuntimeError");
  EXPECT_EQ(e.error().message, "result type Float can't be cast to the desired output type Long");
  auto ed = h.forward(tv(xi, DType::Int64), tv(yd, DType::Float64),
                      opts("huber_loss", Reduction::Mean, false));
  ASSERT_FALSE(ed.ok());
  EXPECT_EQ(ed.error().message, "result type Double can't be cast to the desired output type Long");

  std::vector<float> x = {1.0f, 2.5f, -3.0f};
  auto b = h.backward(tv(x, DType::Float32), tv(yd, DType::Float64),
                      opts("huber_loss", Reduction::Mean, false), nullptr);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().type, "RuntimeError");
  EXPECT_EQ(b.error().message, "Found dtype Double but expected Float");
  std::vector<int64_t> yi = {0, 0, 0};
  auto bi = h.backward(tv(x, DType::Float32), tv(yi, DType::Int64),
                       opts("huber_loss", Reduction::Mean, false), nullptr);
  ASSERT_FALSE(bi.ok());
  EXPECT_EQ(bi.error().message, "Found dtype Long but expected Float");
  // The forward of that pair is torch's float32 value.
  auto fi = h.forward(tv(x, DType::Float32), tv(yi, DType::Int64),
                      opts("huber_loss", Reduction::Sum, false));
  ASSERT_TRUE(fi.ok());
  EXPECT_EQ(fi.value().value.dtype(), DType::Float32);
  EXPECT_EQ(*fi.value().value.as<float>(), 5.0f);  // torch: tensor(5.)
}

// An integer tensor cannot require grad in torch ("only Tensors of floating point dtype can
// require gradients"); asking for its gradient by name is that error, asking for all
// gradients leaves it without one.
TEST(NumericsRegress, NoGradientForIntegerInputs) {
  std::vector<int64_t> xi = {1, 2};
  std::vector<float> y = {0.0f, 0.0f};
  for (const char* name : {"mse_loss", "l1_loss", "smooth_l1_loss", "poisson_nll_loss"}) {
    const LossSpec& s = *find_loss(name);
    auto g = s.backward(tv(xi, DType::Int64), tv(y, DType::Float32),
                        opts(name, Reduction::Mean, false), nullptr);
    ASSERT_FALSE(g.ok()) << name;
    EXPECT_EQ(g.error().type, "RuntimeError") << name;
    EXPECT_EQ(g.error().message, "only Tensors of floating point dtype can require gradients");
  }
  const LossSpec& m = *find_loss("margin_ranking_loss");
  std::vector<int64_t> a = {1, 2};
  std::vector<float> b = {0.5f, 3.0f}, t = {-1.0f, -1.0f};
  LossCall c{{tv(a, DType::Int64), tv(b, DType::Float32), tv(t, DType::Float32)},
             opts("margin_ranking_loss", Reduction::Sum, false)};
  auto all = m.backward(c, nullptr, kWantAll);
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all.value()[0].has_value());
  ASSERT_TRUE(all.value()[1].has_value());
  EXPECT_EQ(all.value()[1]->as<float>()[0], -1.0f);  // torch: tensor([-1., 0.])
}

// Found by the property tests (tests/node/properties.test.mjs): a bool input to the composites
// that subtract it returned a bool "loss"; torch's sub_check refuses it.
TEST(NumericsRegress, BoolOperandsOfASubtractionAreRefused) {
  // torch 1.13.1: F.hinge_embedding_loss(bool, int32) and F.pairwise_distance(bool, bool) both
  // raise this RuntimeError
  std::vector<uint8_t> x(4, 0), y(4, 1);
  std::vector<int32_t> t = {0};
  const std::string two =
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
      "`logical_xor()` operator instead.";
  for (bool scalar : {false, true}) {
    const TensorView tt{DType::Int32, {}, t.data()};
    auto h = find_loss("hinge_embedding_loss")
                 ->forward(tv(x, DType::Bool), tt,
                           opts("hinge_embedding_loss", Reduction::Mean, scalar));
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().message, two);  // torch 1.13: the margin becomes a bool too
    auto hg = find_loss("hinge_embedding_loss")
                  ->backward(tv(x, DType::Bool), tt,
                             opts("hinge_embedding_loss", Reduction::Sum, scalar), nullptr);
    ASSERT_FALSE(hg.ok());
    auto p = find_loss("pairwise_distance")
                 ->forward(tv(x, DType::Bool), tv(y, DType::Bool),
                           opts("pairwise_distance", Reduction::None, scalar));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, two);
  }
}

// Found by fuzz/fuzz_losses.cpp (ASan: a float32 distance read as float64, out of bounds): the
// triplet losses with operands of different floating dtypes compute every distance in the
// promoted dtype, and the result is float64 as torch's is (anchor, positive float32; negative
// float64). torch computes d(a, p) in float32 before promoting: that term differs from torch's by
// float32's rounding (a known deviation; calls with one dtype are exact).
TEST(NumericsRegress, TripletWithMixedDtypesUsesThePromotedDtype) {
  std::vector<float> a = {1, 1, 1, 1, 1, 1}, p = {0, 0, 0, 0, 0, 0};
  std::vector<double> n = {1, 1, 1, 1, 1, 1};
  for (bool scalar : {false, true}) {
    for (bool swap : {false, true}) {
      LossCall call;
      call.operands = {TensorView{DType::Float32, {2, 3}, a.data()},
                       TensorView{DType::Float32, {2, 3}, p.data()},
                       TensorView{DType::Float64, {2, 3}, n.data()}};
      call.options = opts("triplet_margin_loss", Reduction::Mean, scalar);
      call.options.swap = swap;
      auto r = find_loss("triplet_margin_loss")->forward(call);
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(r.value().value.dtype(), DType::Float64);
      // d(a, p) = ||1 + 1e-6||·√3, d(a, n) = √3·1e-6; torch: tensor(2.7321, dtype=torch.float64)
      EXPECT_NEAR(r.value().value.as<double>()[0],
                  1.0 + std::sqrt(3.0) * (1 + 1e-6) - std::sqrt(3.0) * 1e-6, 1e-9);
      auto g = find_loss("triplet_margin_loss")->backward(call, nullptr);
      ASSERT_TRUE(g.ok()) << g.error().message;
      ASSERT_TRUE(g.value()[0].has_value());
      EXPECT_EQ(g.value()[0]->dtype(), DType::Float32);  // each gradient in its operand's dtype
      EXPECT_EQ(g.value()[2]->dtype(), DType::Float64);
    }
  }
}

// Found by fuzz/fuzz_losses.cpp (UBSan): an integer input's margin beyond int64 (3.4e38, inf,
// NaN) was cast undefined; torch 1.13.1 raises "value cannot be converted to type int64_t without
// overflow".
TEST(NumericsRegress, IntegerHingeMarginOutOfRangeIsTorchsError) {
  std::vector<int64_t> x = {1, 2, 3}, t = {1, -1, -1};
  for (double m : {3.4e38, std::numeric_limits<double>::infinity(), std::nan("")}) {
    LossOptions o = opts("hinge_embedding_loss", Reduction::Sum, false);
    o.margin = m;
    auto r =
        find_loss("hinge_embedding_loss")->forward(tv(x, DType::Int64), tv(t, DType::Int64), o);
    ASSERT_FALSE(r.ok()) << m;
    EXPECT_EQ(r.error().message, "value cannot be converted to type int64_t without overflow");
  }
  LossOptions o = opts("hinge_embedding_loss", Reduction::Sum, false);
  o.margin = 2.7;  // truncated to 2: torch gives tensor(1)
  auto r = find_loss("hinge_embedding_loss")->forward(tv(x, DType::Int64), tv(t, DType::Int64), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().value.as<int64_t>()[0], 1);
}

// Found by fuzz/fuzz_losses.cpp (ASan): a bool target of multilabel_margin_loss was read as
// float64 (out of bounds); torch 1.13.1: "expected scalar type Long but found Bool".
TEST(NumericsRegress, MultilabelMarginBoolTargetIsTorchsError) {
  std::vector<float> x(4, 0.0f);
  std::vector<uint8_t> y(4, 0);
  for (bool scalar : {false, true}) {
    auto r = find_loss("multilabel_margin_loss")
                 ->forward(tv(x, DType::Float32), tv(y, DType::Bool),
                           opts("multilabel_margin_loss", Reduction::Mean, scalar));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "expected scalar type Long but found Bool");
    // multilabel_soft_margin_loss's bool target was read as int32 (out of bounds); torch 1.13.1:
    // (1 - target) is its sub_check error
    std::vector<float> z(6, 0.0f);
    std::vector<uint8_t> yb(6, 0);
    const TensorView zv{DType::Float32, {2, 3}, z.data()}, yv{DType::Bool, {2, 3}, yb.data()};
    auto s = find_loss("multilabel_soft_margin_loss")
                 ->forward(zv, yv, opts("multilabel_soft_margin_loss", Reduction::Mean, scalar));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message,
              "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
              "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  }
}

// fuzz_tensor: torch.full and torch.linspace cast their values with c10's checked_convert (casting
// NaN to int32 was undefined here). torch 1.13.1's answers, each checked with python3-torch.
TEST(NumericsRegress, FullAndLinspaceConvertTheirValuesAsTorch) {
  const auto f = [](double v) { return Scalar{true, v, 0}; };
  const auto i = [](int64_t v) { return Scalar{false, 0, v}; };
  const double nan = std::numeric_limits<double>::quiet_NaN(),
               inf = std::numeric_limits<double>::infinity();
  const struct {
    Scalar v;
    DType dt;
    const char* error;  // nullptr: computes
  } cases[] = {
      {f(nan), DType::Int32, "value cannot be converted to type int without overflow"},
      {f(inf), DType::Int64, "value cannot be converted to type int64_t without overflow"},
      {f(1e20), DType::Int32, "value cannot be converted to type int without overflow"},
      {f(3e9), DType::Int32, "value cannot be converted to type int without overflow"},
      {f(9223372036854775808.0), DType::Int64,
       "value cannot be converted to type int64_t without overflow"},
      {i(int64_t{1} << 40), DType::Int32, "value cannot be converted to type int without overflow"},
      {f(1e300), DType::Float32, "value cannot be converted to type float without overflow"},
      {f(3.5e38), DType::Float32, "value cannot be converted to type float without overflow"},
      {f(2.5), DType::Int32, nullptr},    // tensor([2, 2], dtype=torch.int32)
      {f(3e9), DType::Int64, nullptr},    // tensor([3000000000, 3000000000])
      {f(nan), DType::Bool, nullptr},     // tensor([True, True])
      {f(-1.5), DType::Bool, nullptr},    // tensor([True, True])
      {f(inf), DType::Float32, nullptr},  // tensor([inf, inf])
      {i(INT64_MAX), DType::Float32, nullptr},
  };
  for (const auto& c : cases) {
    auto r = full({2}, c.v, c.dt);
    if (c.error) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().type, "RuntimeError");
      EXPECT_EQ(r.error().message, c.error);
    } else {
      ASSERT_TRUE(r.ok()) << r.error().message;
    }
  }
  // linspace converts start and end the same way (one step: only start; none: nothing)
  const char* int64_msg = "value cannot be converted to type int64_t without overflow";
  auto l = linspace(f(0), f(nan), 5, DType::Int64);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, int64_msg);
  l = linspace(f(0), f(1e300), 5, DType::Float32);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "value cannot be converted to type float without overflow");
  l = linspace(f(-1e10), f(1e10), 5, DType::Int32);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "value cannot be converted to type int without overflow");
  l = linspace(f(0), f(nan), 1, DType::Int64);  // torch: tensor([0])
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value().as<int64_t>()[0], 0);
  EXPECT_TRUE(linspace(f(0), f(nan), 0, DType::Int64).ok());  // tensor([], dtype=torch.int64)
  l = linspace(f(0), f(inf), 5, DType::Float32);              // tensor([nan, inf, nan, nan, nan])
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value().as<float>()[1], std::numeric_limits<float>::infinity());

  // int64's end 2^63 - 1 is 2^63 in double: torch (x86's conversion) prints -2^63 there
  l = linspace(i(INT64_MIN), i(INT64_MAX), 5, DType::Int64);
  ASSERT_TRUE(l.ok());
  const int64_t want[] = {INT64_MIN, -4611686018427387904, 0, 4611686018427387904, INT64_MIN};
  for (int k = 0; k < 5; ++k) EXPECT_EQ(l.value().as<int64_t>()[k], want[k]) << k;

  auto t = full({2}, f(2.5), DType::Int32);
  EXPECT_EQ(t.value().as<int32_t>()[1], 2);
  auto b = full({2}, f(nan), DType::Bool);
  EXPECT_TRUE(b.value().as<bool>()[0]);
}

// fuzz_tensor: x.to(torch.int32) of a tensor that requires grad recorded a ToCopyBackward0, so
// clamp's backward then converted a NaN gradient to int (undefined). torch: an integer result
// never requires grad (y.requires_grad False, y.grad_fn None).
TEST(NumericsRegress, IntegerResultsDoNotRequireGrad) {
  namespace ag = autograd;
  auto t = full({2}, Scalar{true, 1.5, 0}, DType::Float32);
  ASSERT_TRUE(t.ok());
  auto x = ag::make_var(t.take(), true);
  ASSERT_TRUE(x.ok());
  auto y = ag::to_dtype(x.value(), DType::Int32);
  ASSERT_TRUE(y.ok());
  EXPECT_FALSE(y.value()->requires_grad);
  EXPECT_EQ(y.value()->grad_fn, nullptr);
  auto z = ag::to_dtype(x.value(), DType::Float64);  // a float result still does
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z.value()->requires_grad);
}

// fuzz_tensor: Tensor.t() of a bool matrix copied eight bytes per one-byte element (a heap
// overflow). torch: torch.tensor([[True, False, False], [False, True, True]]).t() is
// tensor([[ True, False], [False,  True], [False,  True]]).
TEST(NumericsRegress, TransposeOfABoolMatrix) {
  std::vector<uint8_t> v = {1, 0, 0, 0, 1, 1};
  const TensorView x{DType::Bool, {2, 3}, v.data()};
  auto t = transpose2d(x);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().shape(), (Shape{3, 2}));
  const bool want[] = {true, false, false, true, false, true};
  for (int k = 0; k < 6; ++k) EXPECT_EQ(t.value().as<bool>()[k], want[k]) << k;
}

// fuzz_tensor: the page's histogram of values spanning more than DBL_MAX (-1e308 .. 1e308) cast
// a NaN bin index to int. Each value now lands in its bin: the ends in the first and last.
TEST(NumericsRegress, HistogramOfTheWidestRange) {
  std::vector<double> v = {-1e308, 0.0, 1e308};
  auto h = histogram(tv(v, DType::Float64), 4);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value().counts, (std::vector<int64_t>{1, 0, 1, 1}));
  EXPECT_EQ(h.value().min, -1e308);
  EXPECT_EQ(h.value().max, 1e308);
}

}  // namespace
}  // namespace losslab
