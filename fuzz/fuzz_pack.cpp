// libFuzzer target: the packed call buffer (wasm/pack.hpp), the way the wasm bindings receive
// every loss, activation, arithmetic, where, fused and indexing call. The call is laid out as the
// JS API lays it out, but each slot the decoder must check (force_scalar, reduction and dtype
// codes, tags, int words, bool options, number kinds, operators, instruction fields, indices)
// is, now and then, a hostile double instead: NaN, ±inf, 0.5, -1, 2, 1e300, 2^32. The one thing
// the decoder trusts — that a TENSOR's pointer addresses a buffer of its dtype and shape — stays
// true: the operands are real buffers. Whatever the bytes, a call returns a result (whose
// buffers are freed, so LeakSanitizer sees the ownership contract too) or an error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz_util.hpp"
#include "losslab/registry.hpp"
#include "pack.hpp"

using namespace fuzz;

namespace {

struct Call {
  Bytes& in;
  std::vector<double> slots;
  std::vector<Owned> owned;  // kept alive until the call ran

  // A slot the decoder checks: usually `good`, sometimes anything.
  double checked(double good) {
    if (in.u8() % 16) return good;
    switch (in.u8() % 8) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return 0.5;
      case 3: return -1;
      case 4: return 2;
      case 5: return 1e300;
      case 6: return 4294967296.0;
      default: return in.f64();
    }
  }
  void put(double v) { slots.push_back(v); }
  // A tag: returns whether the payload follows (a hostile tag fails the call before its payload).
  bool tag(bool on) {
    const double t = checked(on ? 1 : 0);
    put(t);
    return t == 1;
  }
  void tensor(const Shape& common) {
    owned.push_back(operand(in, common));
    const Owned& o = owned.back();
    put(static_cast<double>(static_cast<int>(o.dtype)));
    put(static_cast<double>(reinterpret_cast<uintptr_t>(o.data.data())));
    put(static_cast<double>(o.shape.size()));
    for (int64_t d : o.shape) put(static_cast<double>(d));
  }
  void int64(int64_t v) {
    const auto b = static_cast<uint64_t>(v);
    put(checked(static_cast<double>(static_cast<int32_t>(b >> 32))));
    put(checked(static_cast<double>(b & 0xffffffffu)));
  }
  int64_t small_int() { return static_cast<int64_t>(static_cast<int8_t>(in.u8())); }
  void number() {  // [kind, f, hi, lo]
    const bool is_int = in.u8() & 1;
    put(checked(is_int ? 1 : 0));
    put(is_int ? 0 : in.f64());
    if (is_int) {
      int64(small_int());
    } else {
      put(checked(0));
      put(checked(0));
    }
  }
  // [0, TENSOR] or [1, number]; a hostile tag fails the call before what follows it.
  void operand_or_number(const Shape& common) {
    const bool is_number = in.u8() % 3 == 0;
    const double t = checked(is_number ? 1 : 0);
    put(t);
    if (t == 1) {
      number();
    } else if (t == 0) {
      tensor(common);
    }
  }
  void write() {
    double* p = pack::reserve(slots.size());
    for (std::size_t i = 0; i < slots.size(); ++i) p[i] = slots[i];
  }
};

// Frees what a successful call left in the buffer: a TENSOR at slot k (returns the slot after).
std::size_t free_tensor(std::size_t k) {
  const double* p = pack::buffer();
  std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p[k + 1])));
  return k + 3 + static_cast<std::size_t>(p[k + 2]);
}

void loss_call(Call& c, const Shape& common, bool backward) {
  const auto& all = losses();
  const std::size_t total = all.size() + internal_losses().size();
  const int index = static_cast<int>(c.in.u8() % (total + 1));  // one past the end: unknown
  const LossSpec* spec = pack::loss_at(index);
  c.put(c.checked(c.in.u8() & 1));                           // force_scalar
  c.put(c.checked(static_cast<double>(c.in.u8() % 5) - 1));  // reduction code, -1: default
  const std::size_t operands = spec ? spec->operands.size() : 2;
  for (std::size_t k = 0; k < operands; ++k) c.tensor(common);
  if (spec) {
    for (const OptionSpec& o : spec->options) {
      if (!c.tag(c.in.u8() % 3 == 0)) continue;
      switch (o.kind) {
        case OptionKind::Float: c.put(c.in.f64()); break;
        case OptionKind::Int: c.int64(c.small_int()); break;
        case OptionKind::Bool: c.put(c.checked(c.in.u8() & 1)); break;
        case OptionKind::Tensor: c.tensor(common); break;
        case OptionKind::DType: c.put(c.checked(c.in.u8() % 5)); break;
        case OptionKind::Callable: break;
      }
    }
  }
  if (backward && c.tag(c.in.u8() & 1)) c.tensor(common);
  c.write();
  if (!backward) {
    if (pack::loss_forward(index) == 0) free_tensor(0);
    return;
  }
  const unsigned want = c.in.u8();
  if (pack::loss_backward(index, want) != 0) return;
  std::size_t k = 0;
  for (std::size_t i = 0; i < operands; ++i) {
    const bool has = pack::buffer()[k++] != 0;
    if (has) k = free_tensor(k);
  }
}

void activation_call(Call& c, const Shape& common, bool backward) {
  const int index = static_cast<int>(c.in.u8() % (activations().size() + 1));
  c.put(c.checked(c.in.u8() & 1));
  c.put(c.checked(-1));
  c.tensor(common);
  if (c.tag(c.in.u8() % 2)) c.int64(c.small_int() % 5);
  if (c.tag(c.in.u8() % 4 == 0)) c.put(c.checked(c.in.u8() % 5));
  if (backward && c.tag(c.in.u8() & 1)) c.tensor(common);
  c.write();
  if (pack::activation(index, backward) == 0) free_tensor(0);
}

void fused_call(Call& c, const Shape& common) {
  // the shape, the input count and the pointers are the trusted part (the inputs are buffers of
  // the chain's shape); the instructions are checked (by fused() itself)
  c.put(static_cast<double>(common.size()));
  for (int64_t d : common) c.put(static_cast<double>(d));
  const int inputs = c.in.u8() % 3;
  c.put(inputs);
  int64_t n = 1;
  for (int64_t d : common) n *= d;
  for (int k = 0; k < inputs; ++k) {  // float32 buffers of the chain's shape
    Owned o;
    o.dtype = DType::Float32;
    o.shape = {n};
    o.data.resize(static_cast<size_t>(n) * 4 + 8);
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(c.in.f64());
      std::memcpy(o.data.data() + i * 4, &f, 4);
    }
    c.owned.push_back(std::move(o));
    c.put(static_cast<double>(reinterpret_cast<uintptr_t>(c.owned.back().data.data())));
  }
  const int count = c.in.u8() % 6;
  c.put(c.checked(count));
  for (int k = 0; k < count; ++k) {  // fields fused() checks itself: small, often wrong
    for (int f = 0; f < 4; ++f) c.put(c.checked(static_cast<double>(c.in.u8() % 8) - 1));
    c.number();
    c.put(c.checked(static_cast<double>(c.in.u8() % 4) - 1));
  }
  c.write();
  if (pack::fused() == 0) free_tensor(0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  Call c{in, {}, {}};
  Shape common;
  const int nd = in.u8() % 4;
  for (int d = 0; d < nd; ++d) common.push_back(in.u8() % 7);
  switch (in.u8() % 8) {
    case 0: loss_call(c, common, false); break;
    case 1: loss_call(c, common, true); break;
    case 2: activation_call(c, common, false); break;
    case 3: activation_call(c, common, true); break;
    case 4: {
      const bool is_cmp = in.u8() & 1;
      const int op = static_cast<int>(in.u8() % 9) - 1;
      c.operand_or_number(common);
      c.operand_or_number(common);
      c.write();
      if (pack::binary(op, is_cmp) == 0) free_tensor(0);
      break;
    }
    case 5:
      for (int k = 0; k < 3; ++k) c.operand_or_number(common);
      c.write();
      if (pack::where() == 0) free_tensor(0);
      break;
    case 6: fused_call(c, common); break;
    default: {
      c.tensor(common);
      c.write();
      const int kind = static_cast<int>(in.u8() % 4);
      const double dim = c.checked(static_cast<double>(in.u8() % 5) - 2);
      const double a = c.checked(static_cast<double>(c.small_int()));
      const double b = c.checked(static_cast<double>(c.small_int()));
      const double step = c.checked(static_cast<double>(in.u8() % 4));
      if (pack::take(kind, dim, a, in.u8() & 1, b, in.u8() & 1, step) == 0) free_tensor(0);
      break;
    }
  }
  return 0;
}
