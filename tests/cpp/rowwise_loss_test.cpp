// The row-wise losses over (N, C): multilabel_soft_margin_loss, multi_margin_loss,
// multilabel_margin_loss. What tests/golden/nn_losses.json cannot show: the SIMD kernels against
// the scalar reference at block-edge sizes (bit for bit, as the registry's kExactAcrossBuilds
// claims), the reductions' definitions, gradients against finite differences, the log-sigmoid's
// accuracy, N = 0, losslab's own errors where torch 1.13 reads out of bounds, mixed dtypes and
// a class dim that is not the loss's last (values from torch 1.13.1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "losslab/registry.hpp"
#include "losslab/torch_sum.hpp"
#include "test_util.hpp"

namespace losslab {
namespace {

using test::bits;
using test::dtype_of;
using test::SplitMix64;

const LossSpec& spec(const char* name) {
  const LossSpec* s = find_loss(name);
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

// A (N, C) problem for one of the three losses, in T.
template <class T>
struct Data {
  Shape xs, ts;
  std::vector<T> x, tf, w;
  std::vector<int64_t> ti;
  bool int_target = false;
  TensorView input() const { return {dtype_of<T>(), xs, x.data()}; }
  TensorView target() const {
    if (int_target) return {DType::Int64, ts, ti.data()};
    return {dtype_of<T>(), ts, tf.data()};
  }
  TensorView weight() const { return {dtype_of<T>(), {static_cast<int64_t>(w.size())}, w.data()}; }
};

template <class T>
Data<T> make_data(const std::string& fn, int64_t N, int64_t C, uint64_t seed, double scale = 3) {
  SplitMix64 rng(seed);
  Data<T> d;
  d.xs = {N, C};
  const auto n = static_cast<std::size_t>(N * C);
  d.x.resize(n);
  for (auto& v : d.x) v = static_cast<T>(scale * rng.normal());
  d.w.resize(static_cast<std::size_t>(C));
  for (auto& v : d.w) v = static_cast<T>(0.25 + rng.uniform());
  if (fn == "multilabel_soft_margin_loss") {
    d.ts = d.xs;
    d.tf.resize(n);
    for (std::size_t i = 0; i < n; ++i)  // hard labels, soft labels in every third row
      d.tf[i] = (i / static_cast<std::size_t>(C)) % 3 == 2 ? static_cast<T>(rng.uniform())
                                                           : static_cast<T>(rng.next() >> 63);
  } else if (fn == "multi_margin_loss") {
    d.int_target = true;
    d.ts = {N};
    d.ti.resize(static_cast<std::size_t>(N));
    for (auto& t : d.ti) t = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(C));
  } else {  // multilabel_margin_loss: up to C labels (repeats allowed), -1, then junk in range
    d.int_target = true;
    d.ts = d.xs;
    d.ti.assign(n, -1);
    for (int64_t r = 0; r < N; ++r) {
      const int64_t k = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(C + 1));
      for (int64_t j = 0; j < C; ++j)
        d.ti[static_cast<std::size_t>(r * C + j)] =
            j < k    ? static_cast<int64_t>(rng.next() % static_cast<uint64_t>(C))
            : j == k ? -1
                     : static_cast<int64_t>(rng.next() % static_cast<uint64_t>(C));
    }
  }
  return d;
}

template <class T>
double at(const Tensor& t, int64_t i) {
  return static_cast<double>(t.as<T>()[i]);
}

void expect_bits_equal(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(shape_str(a.shape()), shape_str(b.shape())) << what;
  const auto bytes = static_cast<std::size_t>(a.nbytes());
  if (bytes == 0) return;
  if (std::memcmp(a.data(), b.data(), bytes) == 0) return;
  const std::size_t es = bytes / static_cast<std::size_t>(a.numel());
  for (int64_t i = 0; i < a.numel(); ++i)
    if (std::memcmp(static_cast<const char*>(a.data()) + i * es,
                    static_cast<const char*>(b.data()) + i * es, es) != 0) {
      ADD_FAILURE() << what << ": first difference at [" << i << "] "
                    << (es == 4 ? at<float>(a, i) : at<double>(a, i)) << " vs "
                    << (es == 4 ? at<float>(b, i) : at<double>(b, i));
      return;
    }
}

// ---- SIMD against the scalar reference ---------------------------------------------------------

struct Config {
  const char* fn;
  bool weight;
  int64_t p;
};

template <class T>
void simd_vs_scalar(const Config& cfg, int64_t N, int64_t C, uint64_t seed) {
  const LossSpec& s = spec(cfg.fn);
  // Large magnitudes now and then (exp underflow, z far from 0), ties with the margin.
  Data<T> d = make_data<T>(cfg.fn, N, C, seed, seed % 2 ? 3.0 : 30.0);
  for (std::size_t i = 7; i < d.x.size(); i += 37) d.x[i] = d.x[i - 1] + T(1);
  const std::string what = std::string(cfg.fn) + " N=" + std::to_string(N) +
                           " C=" + std::to_string(C) + (cfg.weight ? " weight" : "") +
                           " p=" + std::to_string(cfg.p) + " " + dtype_name(dtype_of<T>());
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    LossCall call{{d.input(), d.target()}, s.defaults()};
    call.options.reduction = r;
    if (cfg.weight) call.options.weight = d.weight();
    if (s.option("p")) call.options.p = cfg.p;
    auto simd = s.forward(call);
    call.options.force_scalar = true;
    auto ref = s.forward(call);
    ASSERT_TRUE(simd.ok() && ref.ok()) << what << ": " << (simd.ok() ? ref : simd).error().message;
    expect_bits_equal(simd.value().value, ref.value().value,
                      what + " " + reduction_name(r) + " value");
    auto gr = s.backward(call, nullptr);
    call.options.force_scalar = false;
    auto gs = s.backward(call, nullptr);
    ASSERT_TRUE(gs.ok() && gr.ok()) << what;
    for (std::size_t k = 0; k < 2; ++k) {
      ASSERT_EQ(gs.value()[k].has_value(), gr.value()[k].has_value()) << what;
      if (gs.value()[k])
        expect_bits_equal(*gs.value()[k], *gr.value()[k],
                          what + " " + reduction_name(r) + " grad " + std::to_string(k));
    }
  }
}

TEST(RowwiseLoss, SimdMatchesScalarReferenceAtBlockEdges) {
#if !LOSSLAB_HAVE_SIMD
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
  // Rows 0, 1, lanes - 1, lanes, lanes + 1 for 4, 8 and 16 lanes, 127-129, and ~1e5 elements;
  // the element count of multilabel_soft_margin's (elementwise) kernel crosses every lane edge.
  const int64_t rows[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129};
  const Config cfgs[] = {
      {"multilabel_soft_margin_loss", false, 1}, {"multilabel_soft_margin_loss", true, 1},
      {"multi_margin_loss", false, 1},           {"multi_margin_loss", true, 1},
      {"multi_margin_loss", false, 2},           {"multi_margin_loss", true, 2}};
  uint64_t seed = 1;
  for (const Config& c : cfgs) {
    for (int64_t C : {1, 3, 5, 17}) {
      for (int64_t N : rows) {
        simd_vs_scalar<float>(c, N, C, seed++);
        simd_vs_scalar<double>(c, N, C, seed++);
      }
    }
    simd_vs_scalar<float>(c, 100003 / 10, 10, seed++);
    simd_vs_scalar<double>(c, 100003 / 7, 7, seed++);
  }
}

// ---- the reductions' definitions ---------------------------------------------------------------

double value(const Tensor& t) {
  return t.dtype() == DType::Float32 ? *t.as<float>() : *t.as<double>();
}

Tensor run(const LossSpec& s, LossCall call, Reduction r) {
  call.options.reduction = r;
  auto out = s.forward(call);
  EXPECT_TRUE(out.ok()) << s.name << ": " << out.error().message;
  return out.ok() ? std::move(out.value().value) : Tensor();
}

// torch's multi_margin kernel adds the float frame values in double, divides by N in double and
// casts once: so 'sum' and 'mean' follow from 'none' exactly.
TEST(RowwiseLoss, MultiMarginReductionsAreDoubleSumsOfFrames) {
  const LossSpec& s = spec("multi_margin_loss");
  for (int64_t N : {1, 9, 1000, 30001}) {
    Data<float> d = make_data<float>("multi_margin_loss", N, 6, 7 + static_cast<uint64_t>(N));
    LossCall call{{d.input(), d.target()}, s.defaults()};
    call.options.weight = d.weight();
    call.options.p = 2;
    const Tensor none = run(s, call, Reduction::None);
    ASSERT_EQ(none.numel(), N);
    double sum = 0;
    for (int64_t n = 0; n < N; ++n) sum += at<float>(none, n);
    EXPECT_EQ(static_cast<float>(value(run(s, call, Reduction::Sum))), static_cast<float>(sum));
    EXPECT_EQ(static_cast<float>(value(run(s, call, Reduction::Mean))),
              static_cast<float>(sum / static_cast<double>(N)));
  }
}

// multilabel_margin: a frame's pairs, brute force in double (set of labels, every pair).
TEST(RowwiseLoss, MultilabelMarginMatchesBruteForce) {
  const LossSpec& s = spec("multilabel_margin_loss");
  const int64_t N = 300, C = 9;
  Data<double> d = make_data<double>("multilabel_margin_loss", N, C, 99, 0.7);
  LossCall call{{d.input(), d.target()}, s.defaults()};
  const Tensor none = run(s, call, Reduction::None);
  auto g = s.backward(call, nullptr);  // 'mean'
  ASSERT_TRUE(g.ok());
  const Tensor& gi = *g.value()[0];
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    const double* x = d.x.data() + n * C;
    const int64_t* t = d.ti.data() + n * C;
    std::vector<int> is_label(static_cast<std::size_t>(C), 0);
    std::vector<int64_t> labels;
    for (int64_t k = 0; k < C && t[k] >= 0; ++k) labels.push_back(t[k]), is_label[t[k]] = 1;
    double loss = 0;
    std::vector<double> grad(static_cast<std::size_t>(C), 0.0);
    for (int64_t j : labels)
      for (int64_t i = 0; i < C; ++i)
        if (!is_label[i] && 1 - x[j] + x[i] > 0) {
          loss += 1 - x[j] + x[i];
          grad[j] -= 1, grad[i] += 1;
        }
    EXPECT_NEAR(at<double>(none, n), loss / C, 1e-12) << "frame " << n;
    for (int64_t i = 0; i < C; ++i)
      EXPECT_NEAR(at<double>(gi, n * C + i), grad[i] / (N * C), 1e-15) << n << ", " << i;
    total += loss / C;
  }
  EXPECT_NEAR(value(run(s, call, Reduction::Mean)), total / N, 1e-12);
  EXPECT_NEAR(value(run(s, call, Reduction::Sum)), total, 1e-10);
}

// multilabel_soft_margin's class-dim sums are torch's row cascade (torch_sum.hpp), also on the
// short-row fast path: each 'none' row equals torch_sum(the row's elementwise losses) / C bit
// for bit. The elementwise losses come from the same loss with C = 1 (a one-element row sums
// to itself). Rows of 1..40 classes cross the float and double lane and group edges.
template <class T>
void row_sums_are_torch_sums() {
  const LossSpec& s = spec("multilabel_soft_margin_loss");
  for (int64_t C = 1; C <= 40; ++C) {
    const int64_t N = 3;
    Data<T> d = make_data<T>("multilabel_soft_margin_loss", N, C, 500 + static_cast<uint64_t>(C));
    for (std::size_t i = 0; i < d.x.size(); i += 5) d.x[i] = T(200), d.tf[i] = T(1);  // l = -0
    LossCall rows{{d.input(), d.target()}, s.defaults()};
    rows.options.reduction = Reduction::None;
    LossCall elems = rows;
    elems.operands[0].shape = elems.operands[1].shape = {N * C, 1};
    auto r = s.forward(rows), e = s.forward(elems);
    ASSERT_TRUE(r.ok() && e.ok());
    for (int64_t n = 0; n < N; ++n) {
      const T* row = e.value().value.as<T>() + n * C;
      T want;
      if constexpr (sizeof(T) == 4)
        want = torch_sum_f32(row, C) / static_cast<T>(C);
      else
        want = torch_sum_f64(row, C) / static_cast<T>(C);
      const T got = r.value().value.as<T>()[n];
      EXPECT_EQ(std::memcmp(&got, &want, sizeof(T)), 0)
          << dtype_name(dtype_of<T>()) << " C=" << C << " row " << n << ": " << got << " vs "
          << want;
    }
  }
}

TEST(RowwiseLoss, MultilabelSoftMarginRowSumsAreTorchSums) {
  row_sums_are_torch_sums<float>();
  row_sums_are_torch_sums<double>();
}

// ---- gradients against central differences (float64) ------------------------------------------

void check_fd(const char* fn, bool weight, int64_t p, Reduction r) {
  const LossSpec& s = spec(fn);
  const int64_t N = 5, C = 4;
  Data<double> d = make_data<double>(fn, N, C, 4242 + static_cast<uint64_t>(p), 1.3);
  LossCall call{{d.input(), d.target()}, s.defaults()};
  call.options.reduction = r;
  if (weight) call.options.weight = d.weight();
  if (s.option("p")) call.options.p = p;
  // 'none' is contracted with a fixed upstream gradient.
  std::vector<double> up(static_cast<std::size_t>(N));
  for (int64_t n = 0; n < N; ++n) up[static_cast<std::size_t>(n)] = 0.5 - 0.3 * n;
  const TensorView upv{DType::Float64, {N}, up.data()};
  const TensorView* g = r == Reduction::None ? &upv : nullptr;
  auto grads = s.backward(call, g);
  ASSERT_TRUE(grads.ok()) << grads.error().message;
  auto objective = [&]() {
    auto out = s.forward(call);
    EXPECT_TRUE(out.ok());
    const Tensor& v = out.value().value;
    if (r != Reduction::None) return value(v);
    double acc = 0;
    for (int64_t n = 0; n < N; ++n) acc += at<double>(v, n) * up[static_cast<std::size_t>(n)];
    return acc;
  };
  const std::string what = std::string(fn) + (weight ? " weight" : "") + " p=" + std::to_string(p) +
                           " " + reduction_name(r);
  std::vector<double>* operands[2] = {&d.x, d.int_target ? nullptr : &d.tf};
  for (std::size_t k = 0; k < 2; ++k) {
    if (!operands[k]) {
      EXPECT_FALSE(grads.value()[k].has_value()) << what << ": integer target has no gradient";
      continue;
    }
    ASSERT_TRUE(grads.value()[k].has_value()) << what << " operand " << k;
    const Tensor& gk = *grads.value()[k];
    std::vector<double>& v = *operands[k];
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double h = 1e-6, keep = v[i];
      v[i] = keep + h;
      const double fp = objective();
      v[i] = keep - h;
      const double fm = objective();
      v[i] = keep;
      EXPECT_NEAR(at<double>(gk, static_cast<int64_t>(i)), (fp - fm) / (2 * h), 1e-7)
          << what << " operand " << k << " [" << i << "]";
    }
  }
}

TEST(RowwiseLoss, GradientsMatchFiniteDifferences) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    check_fd("multilabel_soft_margin_loss", false, 1, r);
    check_fd("multilabel_soft_margin_loss", true, 1, r);
    check_fd("multi_margin_loss", false, 1, r);
    check_fd("multi_margin_loss", true, 2, r);
    check_fd("multilabel_margin_loss", false, 1, r);
  }
}

// ---- log-sigmoid accuracy ----------------------------------------------------------------------

// With C = 1 a row's loss is -logsigmoid(x) (target 1) or -logsigmoid(-x) (target 0): within a
// few ulp of the exact value over the whole float range, including e = exp(-|x|) subnormal
// (|x| > 87.3), where log1p(e) must not round to 0 as log(1 + e) would.
TEST(RowwiseLoss, LogSigmoidWithinFewUlp) {
  const LossSpec& s = spec("multilabel_soft_margin_loss");
  std::vector<float> x, t;
  for (double v = -110; v <= 110; v += 0.00390625 * 3.1) {
    x.push_back(static_cast<float>(v));
    t.push_back(1.0f);
    x.push_back(static_cast<float>(v));
    t.push_back(0.0f);
  }
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, 88.0f, 95.0f, 103.0f})
    x.push_back(v), t.push_back(1.0f);
  const auto n = static_cast<int64_t>(x.size());
  LossCall call{{{DType::Float32, {n, 1}, x.data()}, {DType::Float32, {n, 1}, t.data()}},
                s.defaults()};
  call.options.reduction = Reduction::None;
  for (bool scalar : {false, true}) {
    call.options.force_scalar = scalar;
    auto out = s.forward(call);
    ASSERT_TRUE(out.ok());
    int64_t worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      const long double xi = t[static_cast<std::size_t>(i)] == 1 ? x[static_cast<std::size_t>(i)]
                                                                 : -x[static_cast<std::size_t>(i)];
      const long double ref = -(std::fmin(xi, 0.0L) - std::log1p(std::exp(-std::fabs(xi))));
      const float got = out.value().value.as<float>()[i], want = static_cast<float>(ref);
      int32_t a, b;
      std::memcpy(&a, &got, 4);
      std::memcpy(&b, &want, 4);
      worst = std::max<int64_t>(worst, std::llabs(static_cast<int64_t>(a) - b));
    }
    EXPECT_LE(worst, 3) << (scalar ? "scalar" : "simd");
  }
}

// ---- N = 0, errors, shapes, dtypes -------------------------------------------------------------

// torch 1.13 returns uninitialised memory for the two margin kernels' 'mean' / 'sum' at N = 0;
// losslab gives the mean of nothing (NaN) and the empty sum (0), like the composite loss does.
TEST(RowwiseLoss, EmptyBatchMeanIsNanSumIsZero) {
  std::vector<float> none;
  std::vector<int64_t> ti;
  for (const char* fn :
       {"multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss"}) {
    const LossSpec& s = spec(fn);
    const bool idx = std::string(fn) == "multi_margin_loss";
    const bool lists = std::string(fn) == "multilabel_margin_loss";
    LossCall call{{{DType::Float32, {0, 4}, none.data()},
                   idx     ? TensorView{DType::Int64, {0}, ti.data()}
                   : lists ? TensorView{DType::Int64, {0, 4}, ti.data()}
                           : TensorView{DType::Float32, {0, 4}, none.data()}},
                  s.defaults()};
    EXPECT_TRUE(std::isnan(value(run(s, call, Reduction::Mean)))) << fn;
    const Tensor sum = run(s, call, Reduction::Sum);
    EXPECT_EQ(value(sum), 0.0) << fn;
    EXPECT_FALSE(std::signbit(value(sum))) << fn;
    EXPECT_EQ(shape_str(run(s, call, Reduction::None).shape()), "[0]") << fn;
    call.options.reduction = Reduction::Mean;
    auto g = s.backward(call, nullptr);
    ASSERT_TRUE(g.ok()) << fn << ": " << g.error().message;
    ASSERT_TRUE(g.value()[0].has_value()) << fn;
    EXPECT_EQ(shape_str(g.value()[0]->shape()), "[0, 4]") << fn;
  }
}

void expect_error(const LossSpec& s, const LossCall& call, const std::string& type,
                  const std::string& message) {
  auto out = s.forward(call);
  ASSERT_FALSE(out.ok()) << s.name << ": expected " << message;
  EXPECT_EQ(out.error().type, type);
  EXPECT_EQ(out.error().message, message);
  auto g = s.backward(call, nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().message, message);
}

TEST(RowwiseLoss, ErrorsWhereTorchReadsOutOfBoundsOrConverts) {
  std::vector<float> x(6, 1.0f), w2 = {1.0f, 2.0f}, w4 = {1, 2, 3, 4};
  std::vector<int64_t> t = {0, 2};
  // multi_margin: a weight shorter than C is read past its end by torch 1.13; losslab refuses it
  // with later torch's message. A longer one is fine (only w[y] is read).
  const LossSpec& mm = spec("multi_margin_loss");
  LossCall c{{{DType::Float32, {2, 3}, x.data()}, {DType::Int64, {2}, t.data()}}, mm.defaults()};
  c.options.weight = TensorView{DType::Float32, {2}, w2.data()};
  expect_error(mm, c, "RuntimeError", "inconsistent weight size, expected 3 but got [2]");
  c.options.weight = TensorView{DType::Float32, {4}, w4.data()};
  EXPECT_TRUE(mm.forward(c).ok());
  c.options.p = 3;
  expect_error(mm, c, "ValueError", "only p == 1 and p == 2 supported");
  // multilabel_margin: a float target is range-checked through item<int64_t>() (truncation,
  // conversion errors) before its dtype is refused; torch 1.13.1's messages.
  const LossSpec& mlm = spec("multilabel_margin_loss");
  auto with_target = [&](std::vector<float> tv) {
    static std::vector<float> keep;
    keep = std::move(tv);
    return LossCall{{{DType::Float32, {2, 3}, x.data()}, {DType::Float32, {2, 3}, keep.data()}},
                    mlm.defaults()};
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_error(mlm, with_target({0, -1.5f, 2, 1, 1, 1}), "RuntimeError",
               "expected scalar type Long but found Float");
  expect_error(mlm, with_target({0, -2.5f, 2, 1, 1, 1}), "RuntimeError",
               "argument #2 'target' is out of range");
  expect_error(mlm, with_target({0, 1, 2.5f, 1, 1, 1}), "RuntimeError",
               "expected scalar type Long but found Float");
  expect_error(mlm, with_target({0, 1, 1e30f, 1, 1, 1}), "RuntimeError",
               "value cannot be converted to type int64_t without overflow");
  expect_error(mlm, with_target({0, nan, 1, 1, 1, 1}), "RuntimeError",
               "value cannot be converted to type int64_t without overflow");
}

// Within `ulp` of torch's bit patterns.
template <class T, class U>
void expect_near_bits(const Tensor& got, const std::vector<U>& want, int64_t ulp,
                      const std::string& what) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    T w;
    std::memcpy(&w, &want[i], sizeof w);
    const auto g = bits(got.as<T>()[i]), e = bits(w);
    const int64_t d = static_cast<int64_t>(g > e ? g - e : e - g);
    EXPECT_LE(d, ulp) << what << " [" << i << "] " << got.as<T>()[i] << " vs " << w;
  }
}

// Within float32 precision of torch's float64 bit patterns.
void expect_close_f64(const Tensor& got, const std::vector<uint64_t>& want,
                      const std::string& what) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    double w;
    std::memcpy(&w, &want[i], sizeof w);
    EXPECT_NEAR(got.as<double>()[i], w, 4e-7 * std::max(1.0, std::fabs(w)))
        << what << " [" << i << "]";
  }
}

// float32 input with a float64 target: torch promotes the products (the log-sigmoids stay
// float32), returns float64, a float32 input gradient and a float64 target gradient.
TEST(RowwiseLoss, MultilabelSoftMarginMixedDtypesAsTorch) {
  const LossSpec& s = spec("multilabel_soft_margin_loss");
  std::vector<float> x = {0.5f, -1.25f, 2.0f, 3.0f, -0.75f, 0.125f};
  std::vector<double> t = {1, 0, 0.25, 0, 1, 1}, up = {1.0, -0.5};
  LossCall call{{{DType::Float32, {2, 3}, x.data()}, {DType::Float64, {2, 3}, t.data()}},
                s.defaults()};
  call.options.reduction = Reduction::None;
  auto out = s.forward(call);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.value().value.dtype(), DType::Float64);
  // The float32 log-sigmoids differ from torch's (Sleef's) by an ulp or so of float32, which
  // the float64 products carry: compare at float32 precision.
  expect_close_f64(out.value().value, {0x3fe919142caaaaab, 0x3ff9b2411aaaaaab}, "value");
  const TensorView g{DType::Float64, {2}, up.data()};
  auto grads = s.backward(call, &g);
  ASSERT_TRUE(grads.ok()) << grads.error().message;
  ASSERT_EQ(grads.value()[0]->dtype(), DType::Float32);
  ASSERT_EQ(grads.value()[1]->dtype(), DType::Float64);
  expect_near_bits<float>(
      *grads.value()[0],
      std::vector<uint32_t>{0xbe00de02, 0x3d9807ac, 0x3e574fe4, 0xbe22929a, 0x3de7d38b, 0x3da0038e},
      4, "grad input");
  expect_close_f64(*grads.value()[1],
                   {0xbfc5555555555555, 0x3fdaaaaaa0000000, 0xbfe5555562aaaaab, 0x3fdffffffaaaaaab,
                    0xbfbfffffeaaaaaaa, 0x3f95555555555558},
                   "grad target");
}

// A 1-D input with a 2-D target: class_dim = input.dim() - 1 = 0 indexes the LOSS's first dim,
// so torch sums over the target's rows and divides by C = input.size(-1).
TEST(RowwiseLoss, MultilabelSoftMarginClassDimIsNotLastAsTorch) {
  const LossSpec& s = spec("multilabel_soft_margin_loss");
  std::vector<float> x = {0.5f, -1.25f, 2.0f, 0.75f};
  std::vector<float> t = {1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0};
  LossCall call{{{DType::Float32, {4}, x.data()}, {DType::Float32, {3, 4}, t.data()}},
                s.defaults()};
  call.options.reduction = Reduction::None;
  auto out = s.forward(call);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(shape_str(out.value().value.shape()), "[4]");
  expect_near_bits<float>(out.value().value,
                          std::vector<uint32_t>{0x3ef60baa, 0x3f005ed1, 0x3dc2f620, 0x3f2a477c}, 4,
                          "value");
  std::vector<float> ones(4, 1.0f);
  const TensorView g{DType::Float32, {4}, ones.data()};
  auto grads = s.backward(call, &g);
  ASSERT_TRUE(grads.ok());
  expect_near_bits<float>(*grads.value()[0],
                          std::vector<uint32_t>{0xbd07ce14, 0xbda9eebe, 0xbdb7187f, 0x3e84cdfc}, 4,
                          "grad input");
  const uint32_t gt_row[] = {0xbe000000, 0x3ea00000, 0xbf000000, 0xbe400000};
  std::vector<uint32_t> gt;
  for (int r = 0; r < 3; ++r) gt.insert(gt.end(), gt_row, gt_row + 4);
  expect_near_bits<float>(*grads.value()[1], gt, 4, "grad target");
}

// multi_margin: a (1, C) input with a 0-d target gives a 0-d 'none' result (torch 1.13.1).
TEST(RowwiseLoss, MultiMarginZeroDimTargetGivesZeroDimResult) {
  const LossSpec& s = spec("multi_margin_loss");
  std::vector<float> x = {0.5f, 1.0f, -0.25f};
  std::vector<int64_t> t = {1};
  LossCall call{{{DType::Float32, {1, 3}, x.data()}, {DType::Int64, {}, t.data()}}, s.defaults()};
  const Tensor none = run(s, call, Reduction::None);
  EXPECT_EQ(shape_str(none.shape()), "[]");
  EXPECT_EQ(bits(*none.as<float>()), 0x3e2aaaabu);
}

}  // namespace
}  // namespace losslab
