// Registry-driven cross-test of every loss in losses(): the SIMD kernels against the scalar
// reference (force_scalar) at block-edge sizes, for every reduction and a few option variants;
// and the accuracy of float32 'mean'/'sum' at N = 3e7 against the same loss run on float64
// copies of the inputs. Valid inputs come from the spec (input_kind, targets, options), so a
// newly registered loss is covered without touching this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "losslab/parallel.hpp"
#include "losslab/registry.hpp"
#include "test_util.hpp"

namespace losslab {
namespace {

constexpr int64_t kLanes = 16;  // the widest batch<float> (AVX-512); 16 covers 4 and 8 too
constexpr int64_t kSizes[] = {0, 1, kLanes - 1, kLanes, kLanes + 1, 127, 128, 129, 1000003};
constexpr int64_t kClasses = 3;
// 'none' results and gradients of exp/log losses: <= 4 ulp apart, or within 4 ulp of the scale
// of the terms they are made of (term_scales below). torch's formulas round at that scale, not
// the result's: log(1 + e) rounds 1 + e, kl_div's xlogy(y, y) - y x cancels when x is near
// log(y), bce_with_logits' (1 - y) x + lw (lse + m) when y is small; so an ulp of difference
// between the two paths' exp/log can move a small result by many of its own ulps.
constexpr int64_t kMaxUlp = 4;
constexpr double kAbsFloor = kMaxUlp * 0x1p-23;  // times the scale
constexpr double kReducedRel = 1e-6;             // 'mean'/'sum', SIMD vs scalar

// The registry says where SIMD and scalar agree bit for bit ('none' results and gradients).
bool is_exact_loss(const std::string& name) {
  const LossSpec* s = find_loss(name);
  return s && (s->exact & kExactAcrossBuilds) != 0;
}

// splitmix64 draws, with cheaper uniform and normal values than test::SplitMix64's.
class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t next() { return g_.next(); }
  // Uniform in the open interval (0, 1) (rounded to float32 it may be 1).
  double uniform() { return (static_cast<double>(next() >> 40) + 0.5) * 0x1p-24; }
  // Roughly standard normal, within +-3.47: Irwin-Hall of the four 16-bit quarters of one draw
  // (cheap at N = 3e7), plus a sub-grid dither from a second draw.
  double normal() {
    const uint64_t a = next();
    const double s = static_cast<double>((a & 0xffff) + ((a >> 16) & 0xffff) +
                                         ((a >> 32) & 0xffff) + (a >> 48)) +
                     uniform();
    return (s * 0x1p-16 - 2.0) * 1.7320508;
  }

 private:
  test::SplitMix64 g_;
};

// One way of calling a loss: which target kind and which options differ from the defaults.
struct Variant {
  std::string label = "defaults";
  bool index_target = false;  // int64 class indices, input (N, C)
  bool prob_target = false;   // class probabilities, input (N, C)
  bool tensors = false;       // every Tensor option given
  std::string bool_option;    // set to true
  std::string float_option;
  double float_value = 0;
  std::string int_option;
  int64_t int_value = 0;
};

std::vector<Variant> variants(const LossSpec& s) {
  std::vector<Variant> v;
  Variant base;
  base.index_target = (s.targets & kTargetIndex) != 0;
  base.prob_target =
      !base.index_target && !(s.targets & kTargetFloat) && (s.targets & kTargetProb) != 0;
  v.push_back(base);
  if ((s.targets & kTargetIndex) && (s.targets & kTargetProb)) {
    Variant p = base;
    p.label = "probability targets";
    p.index_target = false;
    p.prob_target = true;
    v.push_back(p);
  }
  bool has_tensor = false;
  for (const OptionSpec& o : s.options) {
    Variant x = base;
    switch (o.kind) {
      case OptionKind::Tensor: has_tensor = true; continue;
      case OptionKind::Bool:
        x.label = std::string(o.name) + "=true";
        x.bool_option = o.name;
        v.push_back(x);
        break;
      case OptionKind::Float:
        // A value that is not a power of two, and the lower bound when it is allowed.
        for (double val : {0.37, o.range.min}) {
          const OptionRange& r = o.range;
          const bool ok = std::isfinite(val) &&
                          (val > r.min || (val == r.min && r.min_inclusive)) && val <= r.max;
          if (!ok || val == o.default_value) continue;
          x.label = std::string(o.name) + "=" + std::to_string(val);
          x.float_option = o.name;
          x.float_value = val;
          v.push_back(x);
        }
        break;
      case OptionKind::Int:
        if (!base.index_target) break;
        x.label = std::string(o.name) + "=1";
        x.int_option = o.name;
        x.int_value = 1;
        v.push_back(x);
        break;
      case OptionKind::DType:
      case OptionKind::Callable: break;
    }
  }
  if (has_tensor) {
    Variant t = base;
    t.label = "tensor options";
    t.tensors = true;
    v.push_back(t);
  }
  return v;
}

// Inputs of one call, in float32 (`*32`) or, after convert_to_f64(), float64 (`*64`).
struct Problem {
  Shape x_shape, y_shape, w_shape;
  std::vector<float> x32, y32, w32, pw32;
  std::vector<double> x64, y64, w64, pw64;
  std::vector<int64_t> yi;
  bool index_target = false;
  LossOptions options;

  // Replaces the float32 data by float64 copies, one array at a time (a lower memory peak:
  // at N = 3e7 the float32 inputs are 240 MB, the float64 ones 480 MB).
  void convert_to_f64() {
    auto move = [](std::vector<float>& from, std::vector<double>& to) {
      to.assign(from.begin(), from.end());
      std::vector<float>().swap(from);
    };
    move(x32, x64);
    move(y32, y64);
    move(w32, w64);
    move(pw32, pw64);
  }
  TensorView x(DType d) const {
    return {d, x_shape, d == DType::Float32 ? static_cast<const void*>(x32.data()) : x64.data()};
  }
  TensorView y(DType d) const {
    if (index_target) return {DType::Int64, y_shape, yi.data()};
    return {d, y_shape, d == DType::Float32 ? static_cast<const void*>(y32.data()) : y64.data()};
  }
  // The options for dtype d (tensor options point at the matching copies).
  LossOptions opts(DType d, Reduction r, bool force_scalar) const {
    LossOptions o = options;
    o.reduction = r;
    o.force_scalar = force_scalar;
    const bool f = d == DType::Float32;
    if (options.weight)
      o.weight = TensorView{d, w_shape, f ? static_cast<const void*>(w32.data()) : w64.data()};
    if (options.pos_weight)
      o.pos_weight =
          TensorView{d, w_shape, f ? static_cast<const void*>(pw32.data()) : pw64.data()};
    return o;
  }
};

// Targets for probability / logit inputs: hard 0/1 labels in two of every three 64-element
// blocks (the BCE kernels have a hard-label fast path), soft labels in the third.
float binary_target(Rng& rng, int64_t i) {
  if ((i / 64) % 3 == 2) return static_cast<float>(rng.uniform());
  return (rng.next() >> 63) ? 1.0f : 0.0f;
}

enum class InputKind { Any, Probability, Logit, LogProbability };

InputKind input_kind(const LossSpec& s) {
  const std::string k = s.input_kind;
  if (k == "probability") return InputKind::Probability;
  if (k == "logit") return InputKind::Logit;
  if (k == "log-probability") return InputKind::LogProbability;
  EXPECT_EQ(k, "any") << s.name << ": unknown input_kind";
  return InputKind::Any;
}

Problem make_problem(const LossSpec& s, const Variant& v, int64_t n, uint64_t seed) {
  Rng rng(seed);
  Problem p;
  p.options = s.defaults();
  const InputKind kind = input_kind(s);
  const bool log_target = v.bool_option == "log_target";
  const auto un = static_cast<std::size_t>(n);
  if (v.index_target || v.prob_target) {
    // n rows of kClasses classes.
    p.x_shape = {n, kClasses};
    p.x32.resize(un * kClasses);
    for (int64_t i = 0; i < n; ++i) {
      double row[kClasses], m = -HUGE_VAL, sum = 0;
      for (double& r : row) m = std::max(m, r = 2.0 * rng.normal());
      for (double r : row) sum += std::exp(r - m);
      for (int64_t c = 0; c < kClasses; ++c)
        p.x32[static_cast<std::size_t>(i * kClasses + c)] = static_cast<float>(
            kind == InputKind::LogProbability ? row[c] - m - std::log(sum) : row[c]);
    }
    if (v.index_target) {
      p.index_target = true;
      p.y_shape = {n};
      p.yi.resize(un);
      for (auto& t : p.yi) t = static_cast<int64_t>(rng.next() % kClasses);
    } else {
      p.y_shape = p.x_shape;
      p.y32.resize(un * kClasses);
      for (int64_t i = 0; i < n; ++i) {
        double q[kClasses], sum = 0;
        for (double& r : q) sum += (r = rng.uniform());
        for (int64_t c = 0; c < kClasses; ++c)
          p.y32[static_cast<std::size_t>(i * kClasses + c)] = static_cast<float>(q[c] / sum);
      }
    }
    p.w_shape = {kClasses};
  } else {
    p.x_shape = p.y_shape = p.w_shape = {n};
    p.x32.resize(un);
    p.y32.resize(un);
    for (int64_t i = 0; i < n; ++i) {
      float& x = p.x32[static_cast<std::size_t>(i)];
      float& y = p.y32[static_cast<std::size_t>(i)];
      switch (kind) {
        case InputKind::Probability:
          // Now and then exactly 0 or 1: log clamps at -100, the gradient at 1e12.
          x = static_cast<float>(i % 97 == 5 ? static_cast<double>(rng.next() >> 63)
                                             : rng.uniform());
          y = binary_target(rng, i);
          break;
        case InputKind::Logit:
          x = static_cast<float>((i % 101 == 7 ? 40.0 : 4.0) * rng.normal());
          y = binary_target(rng, i);
          break;
        case InputKind::LogProbability:
          x = static_cast<float>(std::log(rng.uniform()));
          if (log_target)
            y = static_cast<float>(std::log(rng.uniform()));
          else
            y = static_cast<float>(i % 13 == 3 ? 0.0 : rng.uniform());  // xlogy(0, 0) = 0
          break;
        case InputKind::Any:
          x = static_cast<float>(rng.normal());
          y = static_cast<float>(rng.normal());
          break;
      }
    }
  }
  if (v.tensors) {
    const auto wn = static_cast<std::size_t>(shape_numel(p.w_shape));
    p.w32.resize(wn);
    p.pw32.resize(wn);
    for (float& w : p.w32) w = static_cast<float>(0.5 + 1.5 * rng.uniform());
    for (float& w : p.pw32) w = static_cast<float>(0.5 + 2.5 * rng.uniform());
    for (const OptionSpec& o : s.options) {
      if (o.kind != OptionKind::Tensor) continue;
      p.options.*(o.field.t) = TensorView{};
    }
  }
  // Options are set through the registry's field table, by name.
  if (!v.bool_option.empty()) {
    const OptionSpec* o = s.option(v.bool_option);
    if (o && o->field.b)
      p.options.*(o->field.b) = true;
    else
      ADD_FAILURE() << s.name << ": unknown bool option " << v.bool_option;
  }
  if (!v.float_option.empty()) {
    const OptionSpec* o = s.option(v.float_option);
    if (o && o->field.f)
      p.options.*(o->field.f) = v.float_value;
    else
      ADD_FAILURE() << s.name << ": unknown float option " << v.float_option;
  }
  if (!v.int_option.empty()) {
    const OptionSpec* o = s.option(v.int_option);
    if (o && o->field.i)
      p.options.*(o->field.i) = v.int_value;
    else
      ADD_FAILURE() << s.name << ": unknown int option " << v.int_option;
  }
  return p;
}

// The magnitude of the terms each result is made of: max(1, |x|, |y|) times the weights, or for
// (N, C) inputs C times a row's largest. torch's formulas round at that scale, so it bounds
// how far an ulp of difference in exp/log can move a result after cancellation.
struct Scales {
  std::vector<double> out;  // per 'none' result
  std::vector<double> in;   // per input element (gradients)
};

Scales term_scales(const Problem& p) {
  Scales sc;
  auto mag = [](double v) { return std::max(1.0, std::fabs(v)); };
  double wmax = 1;
  for (float w : p.w32) wmax = std::max(wmax, mag(w));
  if (p.x_shape.size() == 2) {
    const int64_t rows = p.x_shape[0], c = p.x_shape[1];
    for (int64_t r = 0; r < rows; ++r) {
      double m = 1;
      for (int64_t k = 0; k < c; ++k) {
        const auto i = static_cast<std::size_t>(r * c + k);
        m = std::max(m, mag(p.x32[i]));
        if (!p.index_target) m = std::max(m, mag(p.y32[i]));
      }
      sc.out.push_back(static_cast<double>(c) * m * wmax);
      sc.in.insert(sc.in.end(), static_cast<std::size_t>(c), sc.out.back());
    }
    return sc;
  }
  for (std::size_t i = 0; i < p.x32.size(); ++i) {
    double m = std::max(mag(p.x32[i]), mag(p.y32[i]));
    if (!p.w32.empty()) m *= mag(p.w32[i]);
    if (!p.pw32.empty()) m *= mag(p.pw32[i]);
    sc.out.push_back(m);
  }
  sc.in = sc.out;
  return sc;
}

std::vector<Reduction> reductions(const LossSpec& s) {
  std::vector<Reduction> r = {Reduction::None, Reduction::Mean, Reduction::Sum};
  if (s.batchmean) r.push_back(Reduction::BatchMean);
  return r;
}

// SIMD result `a` against the scalar reference `b`, elementwise (`scale`: term_scales).
void expect_same(const Tensor& a, const Tensor& b, bool exact, const std::vector<double>& scale,
                 const std::string& what) {
  ASSERT_EQ(a.dtype(), DType::Float32) << what;
  ASSERT_EQ(b.dtype(), DType::Float32) << what;
  ASSERT_EQ(shape_str(a.shape()), shape_str(b.shape())) << what;
  ASSERT_EQ(static_cast<std::size_t>(a.numel()), scale.size()) << what;
  const float* pa = a.as<float>();
  const float* pb = b.as<float>();
  int64_t bad = 0, worst = 0, worst_i = -1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = pa[i], y = pb[i];
    bool ok;
    int64_t ulp = 0;
    if (std::isnan(x) || std::isnan(y)) {
      ok = std::isnan(x) && std::isnan(y);
    } else if (exact) {
      ok = std::memcmp(&x, &y, sizeof x) == 0;
    } else {
      ulp = test::ulp_distance(x, y);
      ok = ulp <= kMaxUlp ||
           std::fabs(static_cast<double>(x) - y) <= kAbsFloor * scale[static_cast<std::size_t>(i)];
    }
    if (!ok) {
      ++bad;
      if (worst_i < 0 || ulp > worst) worst = ulp, worst_i = i;
    }
  }
  if (bad) {
    ADD_FAILURE() << what << ": " << bad << " of " << a.numel() << " elements differ"
                  << (exact ? " (bit-exact required)" : "") << "; e.g. [" << worst_i << "] SIMD "
                  << pa[worst_i] << " vs scalar " << pb[worst_i] << " (" << worst << " ulp)";
  }
}

// |a - b| <= rel |b| + abs.
void expect_close_scalar(double a, double b, double rel, double abs, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << what << ": " << a << " vs " << b;
    return;
  }
  EXPECT_LE(std::fabs(a - b), rel * std::fabs(b) + abs)
      << what << ": " << a << " vs " << b << " (relative error " << std::fabs(a - b) / std::fabs(b)
      << ")";
}

double scalar_value(const Tensor& t) {
  return t.dtype() == DType::Float32 ? *t.as<float>() : *t.as<double>();
}

class LossCross : public ::testing::TestWithParam<std::string> {
 protected:
  const LossSpec& spec() const { return *find_loss(GetParam()); }
};

TEST_P(LossCross, SimdMatchesScalarReference) {
#if !LOSSLAB_HAVE_SIMD
  // The scalar build's "SIMD" path is the scalar reference itself: nothing to compare.
  GTEST_SKIP() << "scalar build: no SIMD kernels to compare";
#endif
  const LossSpec& s = spec();
  const bool exact = is_exact_loss(s.name);
  uint64_t seed = 1;
  for (const Variant& v : variants(s)) {
    for (const int64_t size : kSizes) {
      // Rows for (N, C) inputs; the large size counts elements there (1e6 / C rows).
      const bool rows = v.index_target || v.prob_target;
      const int64_t n = rows && size > 1000 ? (size + kClasses - 1) / kClasses : size;
      const Problem p = make_problem(s, v, n, seed++);
      const Scales sc = term_scales(p);
      const double max_scale =
          sc.out.empty() ? 1.0 : *std::max_element(sc.out.begin(), sc.out.end());
      const TensorView x = p.x(DType::Float32), y = p.y(DType::Float32);
      for (const Reduction r : reductions(s)) {
        const std::string what = std::string(s.name) + " [" + v.label + "] n=" + std::to_string(n) +
                                 " reduction=" + reduction_name(r);
        auto simd = s.forward(x, y, p.opts(DType::Float32, r, false));
        auto ref = s.forward(x, y, p.opts(DType::Float32, r, true));
        ASSERT_TRUE(simd.ok()) << what << ": " << simd.error().message;
        ASSERT_TRUE(ref.ok()) << what << ": " << ref.error().message;
        if (r == Reduction::None) {
          expect_same(simd.value().value, ref.value().value, exact, sc.out, what);
        } else {
          // A one-element 'mean' is the element itself: allow what the elements are allowed.
          const double div = r == Reduction::Mean        ? static_cast<double>(sc.out.size())
                             : r == Reduction::BatchMean ? static_cast<double>(p.x_shape[0])
                                                         : 1.0;
          expect_close_scalar(scalar_value(simd.value().value), scalar_value(ref.value().value),
                              kReducedRel, kAbsFloor * max_scale / std::max(div, 1.0), what);
        }
        EXPECT_EQ(simd.value().warnings, ref.value().warnings) << what;
        auto gs = s.backward(x, y, p.opts(DType::Float32, r, false), nullptr);
        auto gr = s.backward(x, y, p.opts(DType::Float32, r, true), nullptr);
        ASSERT_TRUE(gs.ok()) << what << " backward: " << gs.error().message;
        ASSERT_TRUE(gr.ok()) << what << " backward: " << gr.error().message;
        expect_same(gs.value(), gr.value(), exact, sc.in, what + " grad");
      }
    }
  }
}

// The core's threads change no bit: every loss, variant and reduction, forward and backward,
// float32 and float64, at sizes that cross the parallel paths' task and block edges, computed
// with 2, 3 and 8 threads against 1 (parallel.hpp; skipped in a build without threads).
TEST_P(LossCross, SameBitsAtAnyThreadCount) {
  if (!threads_built()) GTEST_SKIP() << "a build without threads (LOSSLAB_THREADS=0)";
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  const LossSpec& s = spec();
  uint64_t seed = 7;
  const auto bits = [](const Tensor& t) {
    const auto* b = static_cast<const unsigned char*>(t.data());
    return std::vector<unsigned char>(b, b + t.nbytes());
  };
  for (const Variant& v : variants(s)) {
    for (const int64_t size : {int64_t(40'000), int64_t(300'007)}) {
      const bool rows = v.index_target || v.prob_target;
      const int64_t n = rows ? (size + kClasses - 1) / kClasses : size;
      Problem p = make_problem(s, v, n, seed++);
      for (const DType d : {DType::Float32, DType::Float64}) {
        if (d == DType::Float64) p.convert_to_f64();
        const TensorView x = p.x(d), y = p.y(d);
        for (const Reduction r : reductions(s)) {
          const std::string what = std::string(s.name) + " [" + v.label +
                                   "] n=" + std::to_string(n) + " " + dtype_name(d) +
                                   " reduction=" + reduction_name(r);
          std::vector<unsigned char> f1, g1;
          for (const int t : {1, 2, 3, 8}) {
            ASSERT_EQ(set_num_threads(t), t) << what;
            auto f = s.forward(x, y, p.opts(d, r, false));
            auto g = s.backward(x, y, p.opts(d, r, false), nullptr);
            ASSERT_TRUE(f.ok()) << what << ": " << f.error().message;
            ASSERT_TRUE(g.ok()) << what << " backward: " << g.error().message;
            if (t == 1) {
              f1 = bits(f.value().value);
              g1 = bits(g.value());
              continue;
            }
            EXPECT_TRUE(bits(f.value().value) == f1)
                << what << ": forward differs at " << t << " threads";
            EXPECT_TRUE(bits(g.value()) == g1)
                << what << ": backward differs at " << t << " threads";
          }
        }
      }
    }
  }
}

// float32 'mean' and 'sum' of 3e7 elements against the float64 run of the same float32 values:
// the accurate reduction must not drift with N. Runs the build's default path: the SIMD kernels
// here, the scalar reference in the scalar build (LOSSLAB_HAVE_SIMD=0).
TEST_P(LossCross, Float32ReductionsAccurateAt3e7) {
  const LossSpec& s = spec();
  const Variant v = variants(s).front();
  constexpr int64_t kN = 30'000'000;
  const int64_t rows = (v.index_target || v.prob_target) ? kN / kClasses : kN;
  Problem p = make_problem(s, v, rows, 20260101);
  const Reduction rs[2] = {Reduction::Mean, Reduction::Sum};
  double f32[2];
  for (int k = 0; k < 2; ++k) {
    auto r =
        s.forward(p.x(DType::Float32), p.y(DType::Float32), p.opts(DType::Float32, rs[k], false));
    ASSERT_TRUE(r.ok()) << r.error().message;
    f32[k] = scalar_value(r.value().value);
  }
  p.convert_to_f64();
  for (int k = 0; k < 2; ++k) {
    auto r =
        s.forward(p.x(DType::Float64), p.y(DType::Float64), p.opts(DType::Float64, rs[k], false));
    ASSERT_TRUE(r.ok()) << "float64: " << r.error().message;
    ASSERT_EQ(r.value().value.dtype(), DType::Float64);
    const double ref = scalar_value(r.value().value);
    const std::string what =
        std::string(s.name) + " " + reduction_name(rs[k]) + " float32 vs float64";
    // Every 'mean' / 'sum' follows torch's float32 order (the 8-level cascade of nll_loss /
    // cross_entropy, ATen's cascade sum of the others), reproduced bit for bit, so a result
    // faithful to torch can be no closer to float64 than torch's own: the bound is two float32
    // ulps (relative 2.4e-7 at most, against ~1e-2 for a naive float32 sum at this N); the
    // float32 elementwise values carry their own rounding (kl_div's y log y - y x cancels: 1.6
    // ulp). On the index-target data torch 1.13 itself returns 0x4001c1b9 for the mean (0.87 ulp).
    const float got = static_cast<float>(f32[k]);
    const float lo = std::nextafter(std::nextafter(static_cast<float>(ref), -INFINITY), -INFINITY);
    const float hi = std::nextafter(std::nextafter(static_cast<float>(ref), INFINITY), INFINITY);
    EXPECT_TRUE(got >= lo && got <= hi)
        << what << ": " << got << " vs " << ref << " (relative error "
        << std::fabs(f32[k] - ref) / std::fabs(ref) << ")";
    const bool cascade_mean =
        rs[k] == Reduction::Mean && v.index_target &&
        (std::string(s.name) == "nll_loss" || std::string(s.name) == "cross_entropy");
    if (cascade_mean) {
      uint32_t bits;
      std::memcpy(&bits, &got, 4);
      EXPECT_EQ(bits, 0x4001c1b9u) << what << ": torch 1.13's float32 cascade result";
    }
  }
}

// The losses whose data this file knows how to make: an (input, target) pair with float, class
// index or probability targets. The others (3- and 4-operand losses, sign / multi-label /
// sequence targets, the distances) have their SIMD-vs-scalar tests beside their kernels'
// tests (elem_losses_test, rowwise_loss_test, embedding_test, ctc_test).
std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  constexpr unsigned kKnown = kTargetFloat | kTargetIndex | kTargetProb;
  const std::set<std::string> kinds = {"any", "probability", "logit", "log-probability"};
  for (const LossSpec& s : losses())
    if (s.kind == FnKind::Loss && s.operands.size() == 2 && (s.targets & ~kKnown) == 0 &&
        kinds.count(s.input_kind))
      names.push_back(s.name);
  return names;
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Registry, LossCross, ::testing::ValuesIn(loss_names()), param_name);

// binary_cross_entropy's input check runs in chunks on the threads: a value outside [0, 1] (or
// NaN) in any chunk, the last one included, is still torch's error at every thread count.
TEST(ThreadedChecks, BceRangeCheckSeesEveryChunk) {
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  const LossSpec* s = find_loss("binary_cross_entropy");
  ASSERT_NE(s, nullptr);
  const int64_t n = 300'007;
  std::vector<float> x(static_cast<std::size_t>(n), 0.25f), y(x.size(), 1.0f);
  const TensorView X{DType::Float32, {n}, x.data()}, Y{DType::Float32, {n}, y.data()};
  for (const int t : {1, 2, 3}) {
    set_num_threads(t);
    EXPECT_TRUE(s->forward(X, Y, LossOptions{}).ok()) << t << " threads";
    for (const int64_t at : {int64_t(0), int64_t(65'536), n - 1}) {
      for (const float bad : {1.5f, -0.0625f, std::nanf("")}) {
        const float keep = x[static_cast<std::size_t>(at)];
        x[static_cast<std::size_t>(at)] = bad;
        auto r = s->forward(X, Y, LossOptions{});
        x[static_cast<std::size_t>(at)] = keep;
        ASSERT_FALSE(r.ok()) << t << " threads, bad value at " << at;
        EXPECT_EQ(r.error().message, "all elements of input should be between 0 and 1");
      }
    }
  }
}

// nll_loss's target check runs in chunks on the threads: the first bad target in index order is
// the one named, and ignored targets (ignore_index inside and outside [0, C)) count the same at
// every thread count, so the 'mean' has the same bits.
TEST(ThreadedChecks, NllTargetsAtAnyThreadCount) {
  struct Restore {
    ~Restore() { set_num_threads(1); }
  } restore;
  const LossSpec* s = find_loss("nll_loss");
  ASSERT_NE(s, nullptr);
  const int64_t n = 200'003, C = 3;
  std::vector<float> x(static_cast<std::size_t>(n * C));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = -0.001f * static_cast<float>(i % 997);
  for (const int64_t ignore : {int64_t(-100), int64_t(1)}) {
    std::vector<int64_t> t(static_cast<std::size_t>(n));
    for (int64_t r = 0; r < n; ++r) t[static_cast<std::size_t>(r)] = r % 7 == 3 ? -100 : r % C;
    const TensorView X{DType::Float32, {n, C}, x.data()}, T{DType::Int64, {n}, t.data()};
    LossOptions o;
    o.ignore_index = ignore;
    std::vector<float> mean;
    for (const int th : {1, 2, 3}) {
      set_num_threads(th);
      if (ignore == 1) {
        // -100 is no longer ignored: the first one (row 3) is out of bounds
        auto r = s->forward(X, T, o);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().message, "Target -100 is out of bounds.") << th << " threads";
        continue;
      }
      auto r = s->forward(X, T, o);
      ASSERT_TRUE(r.ok()) << r.error().message;
      mean.push_back(*r.value().value.as<float>());
      for (const int64_t at : {int64_t(70'000), n - 1}) {
        const int64_t keep = t[static_cast<std::size_t>(at)];
        t[static_cast<std::size_t>(at)] = 5;
        t[static_cast<std::size_t>(at + (at + 1 < n ? 1 : 0))] = at + 1 < n ? 9 : 5;
        auto e = s->forward(X, T, o);
        t[static_cast<std::size_t>(at)] = keep;
        if (at + 1 < n)
          t[static_cast<std::size_t>(at + 1)] = (at + 1) % 7 == 3 ? -100 : (at + 1) % C;
        ASSERT_FALSE(e.ok());
        EXPECT_EQ(e.error().message, "Target 5 is out of bounds.") << th << " threads, at " << at;
      }
    }
    for (std::size_t k = 1; k < mean.size(); ++k)
      EXPECT_EQ(std::memcmp(&mean[k], &mean[0], sizeof(float)), 0) << "threads " << k + 1;
  }
}

}  // namespace
}  // namespace losslab
