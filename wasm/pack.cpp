// The packed call buffer's decoder and entries (pack.hpp has the layout).
#include "pack.hpp"

#include <cmath>
#include <optional>
#include <utility>

#include "losslab/index.hpp"
#include "losslab/ops.hpp"

namespace losslab::pack {
namespace {

std::vector<double> g_pack(4096);
Error g_last_error;
std::vector<std::string> g_last_warnings;

struct Writer {
  std::size_t k = 0;
  void put(double v) {
    if (k >= g_pack.size()) g_pack.resize(g_pack.size() * 2);
    g_pack[k++] = v;
  }
  void tensor(Tensor&& t) {
    put(static_cast<double>(static_cast<int>(t.dtype())));
    put(static_cast<double>(reinterpret_cast<uintptr_t>(t.data())));
    put(static_cast<double>(t.shape().size()));
    for (int64_t d : t.shape()) put(static_cast<double>(d));
    t.release();  // JS owns the buffer now
  }
};

// The call being decoded, kept from call to call so that its operand list is allocated once,
// not per call (the entries are never re-entered: the JS API calls them one at a time, from
// one thread).
LossCall& scratch_call() {
  static LossCall call;
  return call;
}

int fail_with(Error e) {
  g_last_error = std::move(e);
  return 1;
}

int put_result(Result<Tensor> t) {
  if (!t) return fail_with(t.error());
  Writer w;
  w.tensor(t.take());
  w.put(0);  // no warnings
  return 0;
}

bool integral(double v, double lo, double hi) { return v >= lo && v <= hi && v == std::floor(v); }

constexpr double kMaxDim = 4611686018427387904.0;  // 2^62: what the JS API clamps integers to
constexpr double kMaxPtr = 9007199254740991.0;     // 2^53 - 1

// An operand: [0, TENSOR] or [1, kind, f, hi, lo].
Operand operand(Reader& r, TensorView& hold) {
  if (!r.flag("operand tag")) {
    hold = r.view();
    return Operand::of(hold);
  }
  return Operand::of(r.number());
}

}  // namespace

double* buffer() { return g_pack.data(); }
std::size_t slots() { return g_pack.size(); }
double* reserve(std::size_t n) {
  if (n > g_pack.size()) g_pack.resize(n);
  return g_pack.data();
}
const Error& last_error() { return g_last_error; }
const std::vector<std::string>& last_warnings() { return g_last_warnings; }

void Reader::fail(const std::string& what) {
  if (bad_) return;
  bad_ = true;
  error_ = "malformed call buffer: " + what + " at slot " + std::to_string(i_);
}

Error Reader::error() const { return runtime_error(error_); }

int64_t Reader::out_of_range(const char* what, int64_t lo) {
  --i_;
  fail(std::string(what) + " out of range");
  return lo;
}

int64_t Reader::i64() {
  const int64_t hi = integer(INT32_MIN, INT32_MAX, "int high word");
  const int64_t lo = integer(0, UINT32_MAX, "int low word");
  return static_cast<int64_t>((static_cast<uint64_t>(hi) << 32) | static_cast<uint64_t>(lo));
}

TensorView Reader::view() {
  TensorView v;
  view_into(v);
  return v;
}

void Reader::view_into(TensorView& v) {
  v.dtype = static_cast<DType>(integer(0, static_cast<int>(DType::Bool), "dtype code"));
  const double p = next();
  if (ok() && !integral(p, 0, kMaxPtr)) fail("pointer out of range");
  const auto nd = integer(0, static_cast<int64_t>(n_) - static_cast<int64_t>(i_), "ndim");
  if (!ok()) {
    v = TensorView{};
    return;
  }
  v.data = reinterpret_cast<const void*>(static_cast<uintptr_t>(p));
  v.shape.resize(static_cast<std::size_t>(nd));
  for (auto& d : v.shape) {
    const double x = next();
    if (ok() && !integral(x, 0, kMaxDim)) fail("dimension out of range");
    d = ok() ? static_cast<int64_t>(x) : 0;
  }
  if (!ok()) v = TensorView{};
}

Scalar Reader::number() {
  const int64_t kind = integer(0, 1, "number kind");
  const double f = next();
  Scalar s;
  s.is_float = kind == 0;
  s.f = f;
  s.i = i64();
  return s;
}

Scalar scalar_of(int kind, double f, double hi, double lo) {
  Scalar s;
  s.is_float = kind == 0;
  s.f = f;
  s.i = static_cast<int64_t>((static_cast<uint64_t>(static_cast<int64_t>(hi)) << 32) |
                             static_cast<uint64_t>(lo));
  return s;
}

const LossSpec* loss_at(int index) {
  if (index < 0) return nullptr;
  std::size_t i = static_cast<std::size_t>(index);
  const auto& all = losses();
  if (i < all.size()) return &all[i];
  i -= all.size();
  const auto& internal = internal_losses();
  return i < internal.size() ? &internal[i] : nullptr;
}

Status read_loss_call(const LossSpec& spec, Reader& r, LossCall& call) {
  call.options = spec.defaults();
  call.options.force_scalar = r.flag("force_scalar");
  const int64_t red = r.integer(-1, static_cast<int64_t>(Reduction::BatchMean), "reduction code");
  if (red >= 0) call.options.reduction = static_cast<Reduction>(red);
  call.operands.resize(spec.operands.size());
  for (TensorView& v : call.operands) r.view_into(v);
  for (const OptionSpec& p : spec.options) {
    if (!r.flag("option tag")) continue;
    switch (p.kind) {
      case OptionKind::Float: call.options.*(p.field.f) = r.next(); break;
      case OptionKind::Int: call.options.*(p.field.i) = r.i64(); break;
      case OptionKind::Bool: call.options.*(p.field.b) = r.flag("bool option"); break;
      case OptionKind::Tensor: call.options.*(p.field.t) = r.view(); break;
      case OptionKind::DType: r.integer(0, static_cast<int>(DType::Bool), "dtype code"); break;
      case OptionKind::Callable: break;
    }
  }
  if (!r.ok()) return r.error();
  return Ok{};
}

Result<ActivationCall> read_activation_call(Reader& r) {
  ActivationCall a;
  a.force_scalar = r.flag("force_scalar");
  r.integer(-1, static_cast<int64_t>(Reduction::BatchMean), "reduction code");  // (unused)
  a.input = r.view();
  a.has_dim = r.flag("dim tag");
  if (a.has_dim) a.dim = r.i64();
  a.has_dtype = r.flag("dtype tag");
  if (a.has_dtype)
    a.dtype = static_cast<DType>(r.integer(0, static_cast<int>(DType::Bool), "dtype code"));
  if (!r.ok()) return r.error();
  return a;
}

int loss_forward(int index) {
  const LossSpec* spec = loss_at(index);
  if (!spec) return fail_with(value_error("unknown loss"));
  Reader r;
  LossCall& call = scratch_call();
  if (auto st = read_loss_call(*spec, r, call); !st) return fail_with(st.error());
  auto out = spec->forward(call);
  if (!out) return fail_with(out.error());
  g_last_warnings = std::move(out.value().warnings);
  Writer w;
  w.tensor(std::move(out.value().value));
  w.put(static_cast<double>(g_last_warnings.size()));
  return 0;
}

int loss_backward(int index, unsigned want) {
  const LossSpec* spec = loss_at(index);
  if (!spec) return fail_with(value_error("unknown loss"));
  Reader r;
  LossCall& call = scratch_call();
  if (auto st = read_loss_call(*spec, r, call); !st) return fail_with(st.error());
  std::optional<TensorView> g;
  if (r.flag("grad_output tag")) g = r.view();
  if (!r.ok()) return fail_with(r.error());
  auto out = spec->backward(call, g ? &*g : nullptr, want);
  if (!out) return fail_with(out.error());
  Writer w;
  for (auto& t : out.value()) {
    w.put(t ? 1 : 0);
    if (t) w.tensor(std::move(*t));
  }
  return 0;
}

int activation(int index, bool backward) {
  const auto& all = activations();
  if (index < 0 || static_cast<std::size_t>(index) >= all.size())
    return fail_with(value_error("unknown activation"));
  const ActivationSpec& spec = all[static_cast<std::size_t>(index)];
  Reader r;
  auto head = read_activation_call(r);
  if (!head) return fail_with(head.error());
  ActivationCall a = head.take();
  std::optional<TensorView> g;
  if (backward && r.flag("grad_output tag")) g = r.view();
  if (!r.ok()) return fail_with(r.error());
  Tensor cast;
  if (a.has_dtype && a.dtype != a.input.dtype) {  // dtype=: torch casts the input first
    auto c = to_dtype(a.input, a.dtype);
    if (!c) return fail_with(c.error());
    cast = c.take();
    a.input = cast.view();
  }
  Writer w;
  if (backward) {
    auto out = spec.backward(a.input, a.has_dim, a.dim, g ? &*g : nullptr);
    if (!out) return fail_with(out.error());
    w.tensor(out.take());
    return 0;
  }
  auto out = spec.forward(a.input, a.has_dim, a.dim, a.force_scalar);
  if (!out) return fail_with(out.error());
  g_last_warnings = std::move(out.value().warnings);
  w.tensor(std::move(out.value().value));
  w.put(static_cast<double>(g_last_warnings.size()));
  return 0;
}

int binary(int op, bool is_cmp) {
  if (op < 0 || op > (is_cmp ? static_cast<int>(CmpOp::Ge) : static_cast<int>(BinOp::Pow)))
    return fail_with(runtime_error("malformed call: unknown operator " + std::to_string(op)));
  Reader r;
  TensorView ha, hb;
  const Operand a = operand(r, ha);
  const Operand b = operand(r, hb);
  if (!r.ok()) return fail_with(r.error());
  return put_result(is_cmp ? compare(static_cast<CmpOp>(op), a, b)
                           : losslab::binary(static_cast<BinOp>(op), a, b));
}

int where() {
  Reader r;
  TensorView hc, hx, hy;
  const Operand c = operand(r, hc);
  const Operand x = operand(r, hx);
  const Operand y = operand(r, hy);
  if (!r.ok()) return fail_with(r.error());
  if (!c.tensor) return fail_with(runtime_error("where(): condition must be a Tensor"));
  return put_result(losslab::where(*c.tensor, x, y));
}

int fused() {
  Reader r;
  const auto left = [] { return static_cast<int64_t>(g_pack.size()); };
  Shape shape(static_cast<std::size_t>(r.integer(0, left(), "ndim")));
  for (auto& d : shape) d = r.integer(0, static_cast<int64_t>(kMaxDim), "dimension");
  std::vector<const float*> inputs(static_cast<std::size_t>(r.integer(0, left(), "input count")));
  for (auto& p : inputs)
    p = reinterpret_cast<const float*>(
        static_cast<uintptr_t>(r.integer(0, static_cast<int64_t>(kMaxPtr), "pointer")));
  std::vector<FusedIns> code(
      static_cast<std::size_t>(r.integer(0, left() / 9, "instruction count")));
  for (auto& in : code) {  // fused() itself checks kinds, ops and operand indices
    in.kind = static_cast<FusedIns::Kind>(r.integer(INT32_MIN, INT32_MAX, "instruction kind"));
    in.op = static_cast<int>(r.integer(INT32_MIN, INT32_MAX, "instruction op"));
    in.a = static_cast<int>(r.integer(INT32_MIN, INT32_MAX, "instruction operand"));
    in.b = static_cast<int>(r.integer(INT32_MIN, INT32_MAX, "instruction operand"));
    in.s = r.number();
    in.input = static_cast<int>(r.integer(INT32_MIN, INT32_MAX, "instruction input"));
    if (!r.ok()) break;
  }
  if (!r.ok()) return fail_with(r.error());
  return put_result(losslab::fused(code, inputs, shape));
}

Result<SliceSpec> slice_of(const Shape& shape, int kind, double dim, double a, bool has_a, double b,
                           bool has_b, double step) {
  for (double v : {dim, a, b, step})
    if (!integral(v, -kMaxDim, kMaxDim))
      return runtime_error("malformed call: an index is not an integer");
  if (kind < 0 || kind > 2) return runtime_error("malformed call: unknown indexing");
  const auto i = [](double x) { return static_cast<int64_t>(x); };
  if (kind == 1) return select_spec(shape, i(dim), i(a));
  if (kind == 2) return narrow_spec(shape, i(dim), i(a), i(b));
  return slice_spec(shape, i(dim), has_a ? std::optional<int64_t>(i(a)) : std::nullopt,
                    has_b ? std::optional<int64_t>(i(b)) : std::nullopt, i(step));
}

int take(int kind, double dim, double a, bool has_a, double b, bool has_b, double step) {
  Reader r;
  const TensorView v = r.view();
  if (!r.ok()) return fail_with(r.error());
  auto s = slice_of(v.shape, kind, dim, a, has_a, b, has_b, step);
  if (!s) return fail_with(s.error());
  return put_result(losslab::take(v, s.value()));
}

}  // namespace losslab::pack
