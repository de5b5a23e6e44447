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

const Data& data_for(const Workload& w, int64_t n) {
  const std::string key = std::string(w.id) + "/" + std::to_string(n);
  if (g_data && g_data->key == key) return *g_data;
  g_data.reset();
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

void bench_loss(benchmark::State& state, const Workload* w, const LossSpec* spec, int64_t n,
                bool force_scalar) {
  const Data& d = data_for(*w, n);
  LossOptions opt;
  opt.reduction = Reduction::Mean;
  opt.force_scalar = force_scalar;
  const TensorView x = d.xv(), t = d.tv();
  double value = 0;
  for (auto _ : state) {
    auto r = spec->forward(x, t, opt);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    value = *r.value().value.as<float>();
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations() * d.elements);
  state.SetBytesProcessed(state.iterations() * d.bytes);
  if (d.ref != 0) state.counters["rel_err"] = std::fabs(value - d.ref) / std::fabs(d.ref);
  state.counters["value"] = value;
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
