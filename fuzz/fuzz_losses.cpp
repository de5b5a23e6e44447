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

#include "fuzz_util.hpp"
#include "losslab/format.hpp"
#include "losslab/registry.hpp"

using namespace fuzz;

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
