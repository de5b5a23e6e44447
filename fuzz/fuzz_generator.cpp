// libFuzzer target: the generator (rng.hpp) and the recipes drawn from it, as the bindings reach
// them (manual_seed with any 64-bit seed, rand / randn / randint / uniform_ with any shape, dtype
// and bounds, clone, the recipes with any n and c). Besides "no crash", each input checks what
// torch's generator guarantees, and aborts (a finding) when it does not hold:
//  - the same seed and calls give the same bits (a rerun on a fresh generator);
//  - a rand / randint draw of n then m elements equals one draw of n + m (one word per element,
//    across the 624-word block boundaries), and a clone continues the same stream;
//  - rand lies in [0, 1), randint in [low, high), randn is finite; uniform_ lies in [from, to];
//  - a failed call draws nothing (the next draw equals a clone's that skipped it).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "losslab/recipes.hpp"
#include "losslab/rng.hpp"

using namespace fuzz;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_generator: %s\n", what);
  std::abort();
}

// The raw bits of a result (or of its error message), for the rerun's comparison.
void record(std::vector<uint8_t>& log, const Result<Tensor>& r) {
  if (!r) {
    log.insert(log.end(), r.error().message.begin(), r.error().message.end());
    return;
  }
  const auto* p = static_cast<const uint8_t*>(r.value().data());
  log.insert(log.end(), p, p + r.value().nbytes());
}

// The next word of each generator: equal when both are at the same place in the stream.
bool same_place(Generator a, Generator b) { return a.random() == b.random(); }

// Up to 1,400 rows (past two 624-word blocks) of up to 7 columns; a negative dimension now and
// then.
Shape small_shape(Bytes& in) {
  Shape s;
  const int nd = in.u8() % 3;
  for (int d = 0; d < nd; ++d) {
    if (in.u8() % 4 == 0) {
      s.push_back(-1);
    } else {
      const int lo = in.u8(), hi = in.u8() % 8;
      s.push_back(d == 0 ? (lo | hi << 8) % 1400 : lo % 8);
    }
  }
  return s;
}

constexpr DType kAll[] = {DType::Float32, DType::Float64, DType::Int64, DType::Int32, DType::Bool};

// One step on g from the bytes; everything drawn goes into log.
void step(Bytes& in, Generator& g, std::vector<uint8_t>& log) {
  const DType dt = kAll[in.u8() % 5];
  const int kind = in.u8() % 8;
  if (std::getenv("FUZZ_DEBUG"))
    std::fprintf(stderr, "step %d dtype %d\n", kind, static_cast<int>(dt));
  switch (kind) {
    case 0: {  // manual_seed with any 64-bit value
      uint64_t s = 0;
      for (int i = 0; i < 8; ++i) s = (s << 8) | in.u8();
      g.manual_seed(s);
      check(g.initial_seed() == s, "initial_seed() is the full seed");
      break;
    }
    case 1:
    case 2: {  // rand: in [0, 1), and n then m == n + m
      const int64_t n = in.u8() | (in.u8() % 4) << 8, m = in.u8() | (in.u8() % 4) << 8;
      const DType fdt = dt == DType::Float64 ? DType::Float64 : DType::Float32;
      Generator whole = g;
      auto a = rand(g, {n}, fdt);
      auto b = rand(g, {m}, fdt);
      auto ab = rand(whole, {n + m}, fdt);
      if (std::getenv("FUZZ_DEBUG"))
        std::fprintf(stderr, "rand %lld + %lld dtype %d\n", static_cast<long long>(n),
                     static_cast<long long>(m), static_cast<int>(fdt));
      check(a.ok() && b.ok() && ab.ok(), "rand of a valid size fails");
      record(log, a);
      record(log, b);
      const auto* whole_bits = static_cast<const uint8_t*>(ab.value().data());
      check(std::memcmp(whole_bits, a.value().data(), a.value().nbytes()) == 0 &&
                std::memcmp(whole_bits + a.value().nbytes(), b.value().data(),
                            b.value().nbytes()) == 0,
            "rand(n) then rand(m) differs from rand(n + m)");
      check(same_place(g, whole), "rand(n + m) leaves the stream elsewhere");
      for (int64_t i = 0; i < n + m; ++i) {
        const double v =
            fdt == DType::Float64 ? ab.value().as<double>()[i] : ab.value().as<float>()[i];
        check(v >= 0 && v < 1, "rand outside [0, 1)");
      }
      break;
    }
    case 3: {  // randn on any shape (negative dims must fail and draw nothing)
      Generator before = g;
      auto r = randn(g, small_shape(in), dt);
      record(log, r);
      if (!r) {
        check(same_place(g, before), "a failed randn drew");
        break;
      }
      const int64_t n = r.value().numel();
      for (int64_t i = 0; i < n; ++i) {
        const double v =
            dt == DType::Float64 ? r.value().as<double>()[i] : r.value().as<float>()[i];
        check(std::isfinite(v), "randn not finite");
      }
      break;
    }
    case 4:
    case 5: {  // randint with any bounds, dtype and shape
      // bounds up to ±4e18 and spans up to 4e18 (no int64 overflow in lo + span): around the
      // 2^32 range switch and torch's int32 limits
      const auto bounded = [](double v) {
        return std::isfinite(v) && std::fabs(v) <= 4e18 ? v : 7.0;
      };
      const int64_t lo = static_cast<int64_t>(bounded(in.f64() * (in.u8() % 2 ? 1 : 1e9)));
      const auto span =
          static_cast<int64_t>(std::fabs(bounded(in.f64() * (in.u8() % 2 ? 1 : 4294967296.0))));
      const int64_t hi = in.u8() % 8 == 0 ? lo - (span % 3) : lo + span;
      Generator before = g;
      const Shape s = small_shape(in);
      auto r = randint(g, lo, hi, s, dt);
      record(log, r);
      if (!r) {
        check(same_place(g, before), "a failed randint drew");
        break;
      }
      // the float dtypes round, int32 and bool narrow: the range is exact in int64
      if (dt == DType::Int64)
        for (int64_t i = 0; i < r.value().numel(); ++i) {
          const int64_t v = r.value().as<int64_t>()[i];
          check(v >= lo && v < hi, "randint outside [low, high)");
        }
      break;
    }
    case 6: {  // uniform_ with any bounds
      const double from = in.f64(), to = in.f64();
      const DType fdt = dt == DType::Float64   ? DType::Float64
                        : dt == DType::Float32 ? DType::Float32
                                               : dt;
      std::vector<double> buf(static_cast<size_t>(in.u8()) + 1);
      Generator before = g;
      auto st = uniform_(g, fdt, buf.data(), static_cast<int64_t>(buf.size()), from, to);
      if (!st) {
        check(same_place(g, before), "a failed uniform_ drew");
        log.insert(log.end(), st.error().message.begin(), st.error().message.end());
        break;
      }
      const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
      log.insert(log.end(), p, p + buf.size() * sizeof(double));
      if (fdt == DType::Float64 && from <= to && std::isfinite(from) && std::isfinite(to))
        for (double v : buf) check(v >= from && v <= to, "uniform_ outside [from, to]");
      break;
    }
    default: {  // a recipe with any n and c (bounded: the fuzzer is not a memory test)
      static const char* names[] = {"regression", "binary",   "multiclass", "ranking", "embedding",
                                    "counts",     "gaussian", "multilabel", "ctc",     "nope"};
      const char* name = names[in.u8() % 10];
      const int64_t n = static_cast<int64_t>(in.u8()) - 8,
                    c = static_cast<int64_t>(in.u8() % 40) - 4;
      auto r = make_recipe(name, g.random64(), n, c);
      if (!r) {
        log.insert(log.end(), r.error().message.begin(), r.error().message.end());
        break;
      }
      for (auto& kv : r.value().tensors) {
        const auto* p = static_cast<const uint8_t*>(kv.second.data());
        log.insert(log.end(), p, p + kv.second.nbytes());
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> first, second;
  for (auto* log : {&first, &second}) {  // the same calls twice, on fresh generators
    Bytes in{data, size};
    Generator g(420);
    for (int k = 0; k < 12 && in.n; ++k) step(in, g, *log);
    Generator copy = g;  // a clone continues the same stream
    check(same_place(g, copy), "a clone continues elsewhere");
    log->push_back(static_cast<uint8_t>(g.random()));
  }
  check(first == second, "the same seed and calls gave different bits");
  return 0;
}
