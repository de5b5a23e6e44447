// losslab's native benchmark (Google Benchmark): the core's registered losses on the workloads of
// the browser bench, plus recipe B generation. One binary per -march (bench/CMakeLists.txt).
//
//   losslab_native_bench [--sizes=3e6,3e7] [--reps=7] [--min_time=0.05] [--registry]
//                        [Google Benchmark flags, e.g. --benchmark_filter=bce]
//
// Each benchmark reports elements/s and bytes/s (XNNPACK style) and a `rel_err` counter: the
// relative error of the loss against a float64 reference (Neumaier-summed) over the same float32
// inputs. The data are bench/README.md's counter-based hash (identical in the page and in
// torch_bench.py), so every contender sees the same bytes. Workloads whose loss is not (yet) in
// the registry are skipped with a note; --registry adds every registered loss (SIMD and
// force_scalar) on elementwise data.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#if LOSSLAB_HAVE_SIMD
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

#include "losslab/recipes.hpp"
#include "losslab/registry.hpp"

namespace {

using namespace losslab;

// ---- the shared data (bench/README.md "Data") ------------------------------------------------
uint32_t fmix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}
uint32_t hash(uint32_t i, uint32_t stream) {
  return fmix32(i * 0x9E3779B1u + stream * 0x7F4A7C15u);
}
// (k - 2^23) * 2^-s for a 24-bit k: exact in float32.
float centered(uint32_t i, uint32_t stream, int s) {
  return std::ldexp(static_cast<float>(static_cast<int32_t>(hash(i, stream) >> 8) - (1 << 23)), -s);
}

struct Workload {
  const char* id;      // JSON workload name
  const char* loss;    // registry name
  int64_t classes;     // 0: elementwise (input and target of n elements)
  int64_t fixed_rows;  // > 0: n is fixed (ce1000: 3000 x 1000)
};
constexpr Workload kWorkloads[] = {
    {"mse", "mse_loss", 0, 0},
    {"bce", "binary_cross_entropy", 0, 0},
    {"bce_logits", "binary_cross_entropy_with_logits", 0, 0},
    {"ce3", "cross_entropy", 3, 0},
    {"ce1000", "cross_entropy", 1000, 3000},
};

struct Data {
  std::string key;
  Shape in_shape, t_shape;
  std::vector<float> x, y;   // y: float targets
  std::vector<int64_t> idx;  // class targets
  double ref = 0;            // float64 reference of the 'mean' loss
  int64_t elements = 0;      // input elements
  int64_t bytes = 0;         // bytes read: input + target
  TensorView xv() const { return {DType::Float32, in_shape, x.data()}; }
  TensorView tv() const {
    return idx.empty() ? TensorView{DType::Float32, t_shape, y.data()}
                       : TensorView{DType::Int64, t_shape, idx.data()};
  }
};

// Neumaier (Kahan-Babuska) summation in double.
struct Sum {
  double s = 0, c = 0;
  void add(double v) {
    const double t = s + v;
    c += std::fabs(s) >= std::fabs(v) ? (s - t) + v : (v - t) + s;
    s = t;
  }
  double value() const { return s + c; }
};

// One dataset alive at a time (benchmarks run in registration order, grouped by dataset).
std::unique_ptr<Data> g_data;

struct ExtraData;
void drop_extra();

const Data& data_for(const Workload& w, int64_t n) {
  const std::string key = std::string(w.id) + "/" + std::to_string(n);
  if (g_data && g_data->key == key) return *g_data;
  g_data.reset();
  drop_extra();
  auto d = std::make_unique<Data>();
  d->key = key;
  Sum sum;
  const std::string id = w.id;
  if (w.classes == 0) {
    d->in_shape = d->t_shape = {n};
    d->x.resize(n);
    d->y.resize(n);
    for (int64_t k = 0; k < n; ++k) {
      const auto i = static_cast<uint32_t>(k);
      if (id == "bce") {
        const float x = std::ldexp(static_cast<float>(2 * (hash(i, 3) >> 9) + 1), -24);
        const float y = static_cast<float>(hash(i, 4) >> 31);
        d->x[k] = x;
        d->y[k] = y;
        sum.add(-(y * std::max(std::log(double(x)), -100.0) +
                  (1.0 - y) * std::max(std::log(1.0 - double(x)), -100.0)));
      } else if (id == "bce_logits") {
        const float x = centered(i, 5, 20);
        const float y = static_cast<float>(hash(i, 6) >> 31);
        d->x[k] = x;
        d->y[k] = y;
        const double xd = x;
        sum.add(std::max(xd, 0.0) - xd * y + std::log1p(std::exp(-std::fabs(xd))));
      } else if (id == "mse") {
        const float x = centered(i, 1, 22), y = centered(i, 2, 22);
        d->x[k] = x;
        d->y[k] = y;
        const double e = double(x) - double(y);
        sum.add(e * e);
      } else {  // registry sweep: a probability-like input in (0, 1) and a float target in [0, 1)
        d->x[k] = std::ldexp(static_cast<float>(2 * (hash(i, 3) >> 9) + 1), -24);
        d->y[k] = std::ldexp(static_cast<float>(hash(i, 4) >> 8), -24);
      }
    }
    d->elements = n;
    d->bytes = 8 * n;
  } else {
    const int64_t c = w.classes;
    d->in_shape = {n, c};
    d->t_shape = {n};
    d->x.resize(n * c);
    d->idx.resize(n);
    for (int64_t k = 0; k < n * c; ++k) d->x[k] = centered(static_cast<uint32_t>(k), 7, 21);
    for (int64_t r = 0; r < n; ++r) {
      d->idx[r] = hash(static_cast<uint32_t>(r), 8) % static_cast<uint32_t>(c);
      const float* row = d->x.data() + r * c;
      double m = row[0];
      for (int64_t j = 1; j < c; ++j) m = std::max(m, double(row[j]));
      double e = 0;
      for (int64_t j = 0; j < c; ++j) e += std::exp(double(row[j]) - m);
      sum.add(m + std::log(e) - double(row[d->idx[r]]));
    }
    d->elements = n * c;
    d->bytes = 4 * n * c + 8 * n;
  }
  d->ref = sum.value() / static_cast<double>(n);
  g_data = std::move(d);
  return *g_data;
}

// The timed loop of one loss call (a one-element float32 result): items and bytes per call from
// the data set, and its value against the data set's float64 reference.
template <class D, class Forward>
void time_forward(benchmark::State& state, const D& d, Forward&& forward) {
  double value = 0;
  for (auto _ : state) {
    auto r = forward();
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    value = *r.value().value.template as<float>();
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations() * d.elements);
  state.SetBytesProcessed(state.iterations() * d.bytes);
  if (d.ref != 0) state.counters["rel_err"] = std::fabs(value - d.ref) / std::fabs(d.ref);
  state.counters["value"] = value;
}

void bench_loss(benchmark::State& state, const Workload* w, const LossSpec* spec, int64_t n,
                bool force_scalar) {
  const Data& d = data_for(*w, n);
  LossOptions opt;
  opt.reduction = Reduction::Mean;
  opt.force_scalar = force_scalar;
  const TensorView x = d.xv(), t = d.tv();
  time_forward(state, d, [&] { return spec->forward(x, t, opt); });
}

// Recipe B (x = rand([n,4]), w = rand([4,1]), y = randint(0,2,[n,1],float32), zhat = mm(x, w),
// sigma = sigmoid(zhat)) after manual_seed(420); bytes = what it writes (28 n).
void bench_gen_b(benchmark::State& state, int64_t n) {
  for (auto _ : state) {
    auto r = binary(420, n);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.value().tensors.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * 28 * n);
}

// ---- the losses beyond the lesson's five (bench/page/data.mjs: makeExtraData) ----------------
// Every operand in the loss's positional order; the row-wise losses on N/10 rows of C = 10, the
// embedding ones on N/32 rows of D = 32, ctc fixed (T = 50, batch 64, C = 20, S = 20).
constexpr int64_t kRowC = 10, kEmbD = 32;
constexpr int64_t kCtcT = 50, kCtcB = 64, kCtcC = 20, kCtcS = 20;
struct ExtraWorkload {
  const char* id;
  const char* loss;
  double margin;  // NaN: the loss's default
  bool fixed;     // ctc: one size (n = batch)
};
constexpr double kDefault = std::numeric_limits<double>::quiet_NaN();
const ExtraWorkload kExtraWorkloads[] = {
    {"margin_ranking", "margin_ranking_loss", kDefault, false},
    {"hinge", "hinge_embedding_loss", kDefault, false},
    {"hinge_tf", "margin_ranking_loss", 1.0, false},
    {"soft_margin", "soft_margin_loss", kDefault, false},
    {"poisson", "poisson_nll_loss", kDefault, false},
    {"gaussian", "gaussian_nll_loss", kDefault, false},
    {"ml_soft_margin", "multilabel_soft_margin_loss", kDefault, false},
    {"multi_margin", "multi_margin_loss", kDefault, false},
    {"ml_margin", "multilabel_margin_loss", kDefault, false},
    {"cosine_emb", "cosine_embedding_loss", kDefault, false},
    {"cosine_dist", "cosine_embedding_loss", kDefault, false},
    {"triplet", "triplet_margin_loss", kDefault, false},
    {"triplet_dist", "triplet_margin_with_distance_loss", kDefault, false},
    {"ctc", "ctc_loss", kDefault, true},
};

struct Operand {
  Shape shape;
  std::vector<float> f;
  std::vector<int64_t> i;
  TensorView view() const {
    return i.empty() ? TensorView{DType::Float32, shape, f.data()}
                     : TensorView{DType::Int64, shape, i.data()};
  }
  int64_t bytes() const { return static_cast<int64_t>(i.empty() ? 4 * f.size() : 8 * i.size()); }
};
struct ExtraData {
  std::string key;
  std::vector<Operand> ops;
  double ref = 0;
  int64_t elements = 0, bytes = 0;
};
std::unique_ptr<ExtraData> g_extra;
void drop_extra() { g_extra.reset(); }

float sign_of(uint32_t i, uint32_t s) { return (hash(i, s) >> 31) ? 1.0f : -1.0f; }
Operand floats(Shape shape, int64_t n, float (*f)(uint32_t)) {
  Operand o{std::move(shape), std::vector<float>(n), {}};
  for (int64_t k = 0; k < n; ++k) o.f[k] = f(static_cast<uint32_t>(k));
  return o;
}
double log_sigmoid(double v) { return std::min(v, 0.0) - std::log1p(std::exp(-std::fabs(v))); }
double lse(double a, double b) {
  const double m = std::max(a, b);
  return m == -INFINITY ? m : m + std::log(std::exp(a - m) + std::exp(b - m));
}
// -log p(target | lp[:, b, :]) by the CTC forward recursion in double (blank 0).
double ctc_nll(const float* lp, const int64_t* tg, int64_t tl, int64_t len, int64_t b) {
  const int64_t L = 2 * tl + 1;
  auto lab = [&](int64_t s) { return s % 2 == 0 ? int64_t{0} : tg[(s - 1) / 2]; };
  std::vector<double> alpha(L, -INFINITY), next(L);
  alpha[0] = lp[b * kCtcC];
  if (L > 1) alpha[1] = lp[b * kCtcC + lab(1)];
  for (int64_t t = 1; t < len; ++t) {
    const float* row = lp + (t * kCtcB + b) * kCtcC;
    for (int64_t s = 0; s < L; ++s) {
      double a = alpha[s];
      if (s >= 1) a = lse(a, alpha[s - 1]);
      if (s >= 2 && lab(s) != 0 && lab(s) != lab(s - 2)) a = lse(a, alpha[s - 2]);
      next[s] = a == -INFINITY ? a : a + row[lab(s)];
    }
    std::swap(alpha, next);
  }
  return -lse(alpha[L - 1], L > 1 ? alpha[L - 2] : -INFINITY);
}

const ExtraData& extra_data_for(const ExtraWorkload& w, int64_t n) {
  const std::string key = std::string(w.id) + "/" + std::to_string(n);
  if (g_extra && g_extra->key == key) return *g_extra;
  g_extra.reset();
  g_data.reset();
  auto d = std::make_unique<ExtraData>();
  d->key = key;
  Sum sum;
  const std::string id = w.id;
  double count = static_cast<double>(n);
  auto& ops = d->ops;
  if (id == "margin_ranking" || id == "hinge_tf") {
    const bool tf = id == "hinge_tf";
    ops.push_back(tf ? floats({n}, n, [](uint32_t i) { return centered(i, 25, 22); })
                     : floats({n}, n, [](uint32_t i) { return centered(i, 20, 22); }));
    ops.push_back(tf ? Operand{{1}, {0.0f}, {}}
                     : floats({n}, n, [](uint32_t i) { return centered(i, 21, 22); }));
    ops.push_back(tf ? floats({n}, n, [](uint32_t i) { return sign_of(i, 26); })
                     : floats({n}, n, [](uint32_t i) { return sign_of(i, 22); }));
    for (int64_t k = 0; k < n; ++k)
      sum.add(std::max(0.0, -double(ops[2].f[k]) * (double(ops[0].f[k]) - ops[1].f[tf ? 0 : k]) +
                                (tf ? 1.0 : 0.0)));
    d->elements = n;
  } else if (id == "hinge") {
    ops.push_back(
        floats({n}, n, [](uint32_t i) { return std::ldexp(float(hash(i, 23) >> 8), -22); }));
    ops.push_back(floats({n}, n, [](uint32_t i) { return sign_of(i, 24); }));
    for (int64_t k = 0; k < n; ++k) {
      const double x = ops[0].f[k];
      sum.add(ops[1].f[k] > 0 ? x : std::max(0.0, 1.0 - x));
    }
    d->elements = n;
  } else if (id == "soft_margin") {
    ops.push_back(floats({n}, n, [](uint32_t i) { return centered(i, 27, 20); }));
    ops.push_back(floats({n}, n, [](uint32_t i) { return sign_of(i, 28); }));
    for (int64_t k = 0; k < n; ++k)
      sum.add(std::log1p(std::exp(-double(ops[1].f[k]) * double(ops[0].f[k]))));
    d->elements = n;
  } else if (id == "poisson") {
    ops.push_back(floats({n}, n, [](uint32_t i) { return centered(i, 29, 22); }));
    ops.push_back(floats({n}, n, [](uint32_t i) { return float(hash(i, 30) % 8u); }));
    for (int64_t k = 0; k < n; ++k) {
      const double x = ops[0].f[k];
      sum.add(std::exp(x) - double(ops[1].f[k]) * x);
    }
    d->elements = n;
  } else if (id == "gaussian") {
    ops.push_back(floats({n}, n, [](uint32_t i) { return centered(i, 31, 22); }));
    ops.push_back(floats({n}, n, [](uint32_t i) { return centered(i, 32, 22); }));
    ops.push_back(floats(
        {n}, n, [](uint32_t i) { return std::ldexp(float((hash(i, 33) >> 9) + 0x200000u), -22); }));
    for (int64_t k = 0; k < n; ++k) {
      const double e = double(ops[0].f[k]) - double(ops[1].f[k]), v = ops[2].f[k];
      sum.add(0.5 * (std::log(v) + e * e / v));
    }
    d->elements = n;
  } else if (id == "ml_soft_margin" || id == "multi_margin" || id == "ml_margin") {
    const int64_t c = kRowC, r = n / c;
    count = static_cast<double>(r);
    d->elements = r * c;
    if (id == "ml_soft_margin") {
      ops.push_back(floats({r, c}, r * c, [](uint32_t k) { return centered(k, 34, 20); }));
      ops.push_back(floats({r, c}, r * c, [](uint32_t k) { return float(hash(k, 35) >> 31); }));
      for (int64_t i = 0; i < r; ++i) {
        double s = 0;
        for (int64_t j = i * c; j < (i + 1) * c; ++j) {
          const double x = ops[0].f[j], y = ops[1].f[j];
          s += y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x);
        }
        sum.add(-s / double(c));
      }
    } else if (id == "multi_margin") {
      ops.push_back(floats({r, c}, r * c, [](uint32_t k) { return centered(k, 36, 21); }));
      Operand t{{r}, {}, std::vector<int64_t>(r)};
      for (int64_t i = 0; i < r; ++i) {
        t.i[i] = hash(static_cast<uint32_t>(i), 37) % uint32_t(c);
        const float* x = ops[0].f.data() + i * c;
        double s = 0;
        for (int64_t j = 0; j < c; ++j)
          if (j != t.i[i]) s += std::max(0.0, 1.0 - double(x[t.i[i]]) + double(x[j]));
        sum.add(s / double(c));
      }
      ops.push_back(std::move(t));
    } else {
      ops.push_back(floats({r, c}, r * c, [](uint32_t k) { return centered(k, 38, 21); }));
      Operand t{{r, c}, {}, std::vector<int64_t>(r * c, -1)};
      for (int64_t i = 0; i < r; ++i) {
        const int64_t o = i * c;
        std::vector<bool> is_label(c);
        int64_t m = 0;
        for (int64_t j = 0; j < c; ++j) {
          is_label[j] = (hash(static_cast<uint32_t>(o + j), 39) >> 30) == 0;
          if (is_label[j]) t.i[o + m++] = j;
        }
        const float* x = ops[0].f.data() + o;
        double s = 0;
        for (int64_t j = 0; j < c; ++j) {
          if (!is_label[j]) continue;
          for (int64_t q = 0; q < c; ++q)
            if (!is_label[q]) s += std::max(0.0, 1.0 - (double(x[j]) - double(x[q])));
        }
        sum.add(s / double(c));
      }
      ops.push_back(std::move(t));
    }
  } else if (id == "cosine_emb" || id == "cosine_dist" || id == "triplet" || id == "triplet_dist") {
    const int64_t dd = kEmbD, r = n / dd;
    count = static_cast<double>(r);
    d->elements = r * dd;
    if (id[0] == 'c') {
      ops.push_back(floats({r, dd}, r * dd, [](uint32_t k) { return centered(k, 40, 22); }));
      ops.push_back(floats({r, dd}, r * dd, [](uint32_t k) { return centered(k, 41, 22); }));
      ops.push_back(id == "cosine_dist"
                        ? floats({r}, r, [](uint32_t) { return 1.0f; })
                        : floats({r}, r, [](uint32_t i) { return sign_of(i, 42); }));
      for (int64_t i = 0; i < r; ++i) {
        double dot = 0, m1 = 0, m2 = 0;
        for (int64_t k = i * dd; k < (i + 1) * dd; ++k) {
          const double a = ops[0].f[k], b = ops[1].f[k];
          dot += a * b;
          m1 += a * a;
          m2 += b * b;
        }
        const double cos = dot / std::sqrt((m1 + 1e-12) * (m2 + 1e-12));
        sum.add(ops[2].f[i] > 0 ? 1 - cos : std::max(0.0, cos));
      }
    } else {
      ops.push_back(floats({r, dd}, r * dd, [](uint32_t k) { return centered(k, 43, 22); }));
      ops.push_back(floats({r, dd}, r * dd, [](uint32_t k) { return centered(k, 44, 22); }));
      ops.push_back(floats({r, dd}, r * dd, [](uint32_t k) { return centered(k, 45, 22); }));
      for (int64_t i = 0; i < r; ++i) {
        double dp = 0, dn = 0;
        for (int64_t k = i * dd; k < (i + 1) * dd; ++k) {
          const double a = ops[0].f[k], ep = a - ops[1].f[k] + 1e-6, en = a - ops[2].f[k] + 1e-6;
          dp += ep * ep;
          dn += en * en;
        }
        sum.add(std::max(std::sqrt(dp) - std::sqrt(dn) + 1.0, 0.0));
      }
    }
  } else if (id == "ctc") {
    const int64_t T = kCtcT, B = kCtcB, C = kCtcC, S = kCtcS;
    count = static_cast<double>(B);
    ops.push_back(floats({T, B, C}, T * B * C,
                         [](uint32_t k) { return -std::ldexp(float(hash(k, 46) >> 8), -21); }));
    Operand tg{{B, S}, {}, std::vector<int64_t>(B * S)};
    for (int64_t k = 0; k < B * S; ++k)
      tg.i[k] = 1 + hash(static_cast<uint32_t>(k), 47) % uint32_t(C - 1);
    Operand il{{B}, {}, std::vector<int64_t>(B)}, tl{{B}, {}, std::vector<int64_t>(B)};
    for (int64_t b = 0; b < B; ++b) {
      il.i[b] = T - hash(static_cast<uint32_t>(b), 48) % 10u;
      tl.i[b] = 1 + hash(static_cast<uint32_t>(b), 49) % uint32_t(S);
      sum.add(ctc_nll(ops[0].f.data(), tg.i.data() + b * S, tl.i[b], il.i[b], b) / double(tl.i[b]));
    }
    ops.push_back(std::move(tg));
    ops.push_back(std::move(il));
    ops.push_back(std::move(tl));
    d->elements = T * B * C;
  }
  for (const Operand& o : ops) d->bytes += o.bytes();
  d->ref = sum.value() / count;
  g_extra = std::move(d);
  return *g_extra;
}

void bench_extra(benchmark::State& state, const ExtraWorkload* w, const LossSpec* spec, int64_t n,
                 bool force_scalar) {
  const ExtraData& d = extra_data_for(*w, n);
  LossCall call;
  call.options = spec->defaults();
  call.options.reduction = Reduction::Mean;
  call.options.force_scalar = force_scalar;
  if (!std::isnan(w->margin)) call.options.margin = w->margin;
  for (const Operand& o : d.ops) call.operands.push_back(o.view());
  time_forward(state, d, [&] { return spec->forward(call); });
}

std::vector<int64_t> parse_sizes(const char* s) {
  std::vector<int64_t> out;
  while (*s) {
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (end == s) break;
    out.push_back(static_cast<int64_t>(v));
    s = *end == ',' ? end + 1 : end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {30000, 300000, 3000000, 30000000};
  int reps = 7;
  double min_time = 0.05;
  bool registry_sweep = false;
  // Our flags first; the rest goes to Google Benchmark.
  int m = 1;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--sizes=", 8) == 0)
      sizes = parse_sizes(a + 8);
    else if (std::strncmp(a, "--reps=", 7) == 0)
      reps = std::max(1, std::atoi(a + 7));
    else if (std::strncmp(a, "--min_time=", 11) == 0)
      min_time = std::atof(a + 11);
    else if (std::strcmp(a, "--registry") == 0)
      registry_sweep = true;
    else
      argv[m++] = argv[i];
  }
  argc = m;

#if LOSSLAB_HAVE_SIMD
  benchmark::AddCustomContext("xsimd_arch", xsimd::default_arch::name());
#else
  benchmark::AddCustomContext("xsimd_arch", "scalar");
#endif
  std::string registered;
  for (const LossSpec& s : losses())
    registered += std::string(registered.empty() ? "" : ",") + s.name;
  benchmark::AddCustomContext("registered_losses", registered);

  auto add = [&](benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(min_time)
        ->Repetitions(reps)
        ->ReportAggregatesOnly(true);
  };
  for (const Workload& w : kWorkloads) {
    const LossSpec* spec = find_loss(w.loss);
    if (!spec) {
      std::fprintf(stderr, "native_bench: %s not registered yet, skipping %s\n", w.loss, w.id);
      continue;
    }
    std::vector<int64_t> ns = w.fixed_rows ? std::vector<int64_t>{w.fixed_rows} : sizes;
    for (int64_t n : ns) {
      add(benchmark::RegisterBenchmark((std::string(w.id) + "/" + std::to_string(n)).c_str(),
                                       bench_loss, &w, spec, n, false));
    }
  }
  for (int64_t n : sizes) {
    add(benchmark::RegisterBenchmark(("gen_b/" + std::to_string(n)).c_str(), bench_gen_b, n));
  }
  // The extra losses, through the registry (skipped until their loss is registered).
  for (const ExtraWorkload& w : kExtraWorkloads) {
    const LossSpec* spec = find_loss(w.loss);
    if (!spec) {
      std::fprintf(stderr, "native_bench: %s not registered yet, skipping %s\n", w.loss, w.id);
      continue;
    }
    std::vector<int64_t> ns = w.fixed ? std::vector<int64_t>{kCtcB} : sizes;
    for (int64_t n : ns) {
      add(benchmark::RegisterBenchmark((std::string(w.id) + "/" + std::to_string(n)).c_str(),
                                       bench_extra, &w, spec, n, false));
    }
  }
  if (registry_sweep) {
    // Every registered elementwise loss (float targets of the input's shape), SIMD and scalar,
    // on (0, 1) data: inputs valid for probability, logit and log-probability losses alike.
    static std::vector<Workload> sweep;
    sweep.reserve(losses().size());
    for (const LossSpec& s : losses()) {
      if (s.targets != kTargetFloat) continue;
      sweep.push_back({s.name, s.name, 0, 0});
      for (int64_t n : sizes) {
        for (bool scalar : {false, true}) {
          const std::string name = std::string("registry/") + s.name +
                                   (scalar ? "/scalar/" : "/simd/") + std::to_string(n);
          add(benchmark::RegisterBenchmark(name.c_str(), bench_loss, &sweep.back(), &s, n, scalar));
        }
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
