// libFuzzer target: every function of the registry (losses, distances) forward and backward on
// operands whose count, shapes, dtypes, strides-free layouts, values and options come from the
// fuzzer's bytes, and the print format of what comes out. Whatever the input, a call returns a
// result or an error: ASan and UBSan (scripts/fuzz.sh) turn anything else into a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "losslab/format.hpp"
#include "losslab/registry.hpp"

namespace {

using namespace losslab;

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t u8() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  double f64() {
    switch (u8() % 12) {  // the values that break kernels, then anything
      case 0: return 0.0;
      case 1: return -0.0;
      case 2: return std::numeric_limits<double>::quiet_NaN();
      case 3: return std::numeric_limits<double>::infinity();
      case 4: return -std::numeric_limits<double>::infinity();
      case 5: return 1e-45;
      case 6: return 3.4e38;
      case 7: return static_cast<double>(static_cast<int8_t>(u8()));
      case 8: return static_cast<double>(static_cast<int8_t>(u8())) / 16.0;
      default: {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
        double d;
        std::memcpy(&d, &v, sizeof d);
        return d;
      }
    }
  }
};

constexpr DType kDTypes[] = {DType::Float32, DType::Float64, DType::Int64, DType::Int32,
                             DType::Bool};

// One operand: a shape of up to 3 dims of size 0..6 (often a common one), filled from the bytes.
struct Owned {
  DType dtype;
  Shape shape;
  std::vector<uint8_t> data;
  TensorView view() { return TensorView{dtype, shape, data.data()}; }
};

Owned operand(Bytes& in, const Shape& common) {
  Owned o;
  o.dtype = kDTypes[in.u8() % 5];
  if (in.u8() % 4) {
    o.shape = common;
  } else {
    const int nd = in.u8() % 4;
    for (int d = 0; d < nd; ++d) o.shape.push_back(in.u8() % 7);
  }
  int64_t n = 1;
  for (int64_t s : o.shape) n *= s;
  const size_t width = o.dtype == DType::Float64 || o.dtype == DType::Int64 ? 8
                       : o.dtype == DType::Bool                             ? 1
                                                                            : 4;
  o.data.resize(static_cast<size_t>(n) * width + 8);
  for (int64_t i = 0; i < n; ++i) {
    const double v = in.f64();
    uint8_t* at = o.data.data() + i * width;
    switch (o.dtype) {
      case DType::Float32: {
        const float f = static_cast<float>(v);
        std::memcpy(at, &f, 4);
        break;
      }
      case DType::Float64: std::memcpy(at, &v, 8); break;
      case DType::Int64: {
        const int64_t x = std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<int64_t>(v) : 0;
        std::memcpy(at, &x, 8);
        break;
      }
      case DType::Int32: {
        const int32_t x = std::isfinite(v) && std::fabs(v) < 2e9 ? static_cast<int32_t>(v) : 0;
        std::memcpy(at, &x, 4);
        break;
      }
      case DType::Bool: *at = v != 0.0; break;
    }
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  const auto& all = losses();
  const LossSpec& spec = all[in.u8() % all.size()];
  Shape common;
  const int nd = in.u8() % 4;
  for (int d = 0; d < nd; ++d) common.push_back(in.u8() % 7);
  // usually the spec's operand count, sometimes one more or less
  int count = static_cast<int>(spec.operands.size());
  if (in.u8() % 8 == 0) count += in.u8() % 2 ? 1 : -1;
  if (count < 0) count = 0;
  std::vector<Owned> owned;
  for (int k = 0; k < count; ++k) owned.push_back(operand(in, common));
  LossCall call;
  for (auto& o : owned) call.operands.push_back(o.view());
  call.options = spec.defaults();
  call.options.reduction = static_cast<Reduction>(in.u8() % 4);
  Owned weight = operand(in, common);
  for (const OptionSpec& o : spec.options) {
    if (in.u8() % 3) continue;  // mostly defaults, sometimes anything
    if (o.field.f) call.options.*o.field.f = in.f64();
    if (o.field.i) {
      const double v = in.f64();
      call.options.*o.field.i =
          std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<int64_t>(v) : -1;
    }
    if (o.field.b) call.options.*o.field.b = in.u8() & 1;
    if (o.field.t) call.options.*o.field.t = weight.view();
  }
  call.options.force_scalar = in.u8() & 1;
  if (std::getenv(
          "FUZZ_DEBUG")) {  // what a crash input calls (scripts: FUZZ_DEBUG=1 fuzz_losses file)
    std::fprintf(stderr, "%s reduction %d\n", spec.name, static_cast<int>(call.options.reduction));
    for (const auto& o : owned) {
      std::fprintf(stderr, "  dtype %d shape [", static_cast<int>(o.dtype));
      for (int64_t d : o.shape) std::fprintf(stderr, "%lld ", static_cast<long long>(d));
      std::fprintf(stderr, "]\n");
    }
  }
  auto out = spec.forward(call);
  if (out.ok()) (void)torch_repr(out.value().value.view());
  Owned g = operand(in, common);
  const TensorView gv = g.view();
  auto grads = spec.backward(call, in.u8() % 2 ? &gv : nullptr);
  if (grads.ok())
    for (auto& t : grads.value())
      if (t) (void)torch_repr(t->view());
  return 0;
}
