// Autograd against torch 1.13.1 through the core's C++ API (autograd.hpp), natively, sanitized
// and as wasm: tests/golden/autograd.json (scripts/gen_autograd_fixtures.py) replayed as
// tests/node/autograd.test.mjs replays it through the JS API. Each case is a small torch program
// (inputs with requires_grad, steps of ops, no_grad steps, retain_grad, backward calls); each op
// is the ag:: call wasm/bindings.cpp makes for the JS op, or the plain op's result as a leaf
// where the JS API records nothing (comparisons, argmax, linspace). Checked: each shown tensor's
// dtype, shape and values and each expected .grad (None included), bit for bit except where that
// test's tolerance() allows a bound (the same categories and bounds); each printed tensor
// (torch_repr with var_repr's grad_fn / requires_grad suffix) character for character, digits
// masked where its values may differ; torch's errors (type, message and phase).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "golden_call.hpp"
#include "golden_util.hpp"
#include "losslab/autograd.hpp"
#include "losslab/factory.hpp"
#include "losslab/format.hpp"
#include "losslab/index.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using golden::json;
namespace ag = autograd;
using Env = std::map<std::string, ag::VarPtr>;

const json& fixture() {
  static const json j = golden::load_json(LOSSLAB_AUTOGRAD_JSON);
  return j;
}

// The error a step gives for an op (or a callable option) this test cannot drive: the case is
// counted as skipped, under that name.
const char* const kSkip = "<skip>";
Error skip(const std::string& what) { return Error{kSkip, what}; }

bool is_number(const json& a) { return a.is_object() && a.contains("number"); }
double number(const json& a) { return golden::json_number(a.at("number")); }

// A Python number: {"number": v, "kind": "int" | "float"}, or a plain JSON number (clamp's
// min / max keywords: an int when JSON writes one).
Scalar scalar(const json& a) {
  const json& v = is_number(a) ? a.at("number") : a;
  Scalar s;
  s.is_float = is_number(a) ? a.at("kind") != "int" : !v.is_number_integer();
  s.f = s.is_float ? golden::json_number(v) : 0;
  s.i = s.is_float ? 0 : v.get<int64_t>();
  return s;
}

// ---- tolerance() and match() of tests/node/autograd.test.mjs ------------------------------

const double kInfUlps = std::numeric_limits<double>::infinity();
struct Bound {
  double ulps = 0, rel = 0;  // bit for bit by default
};
struct Tol {
  Bound v;                 // values, and gradients without a bound of their own
  std::optional<Bound> g;  // gradients' (log1p / expm1 / tanh, pow's general case)
};
Tol bound(double ulps, double rel) { return Tol{{ulps, rel}, std::nullopt}; }

Tol tolerance(const json& c) {
  Tol tol;
  bool f64 = false;
  for (const auto& [n, t] : c.at("inputs").items()) f64 = f64 || t.at("dtype") == "float64";
  for (const json& st : c.at("steps")) {
    const std::string op = st.at("op");
    const json& a = st.at("args");
    if (op.rfind("F.", 0) == 0) {
      const LossSpec* spec = find_loss(op.substr(2));
      const unsigned all = kExactGrad | kExactReduced | kExactNone;
      if (spec && (spec->exact & all) != all) tol = bound(kInfUlps, 2e-6);
    }
    if (op == "log" || (f64 && op == "exp")) tol = bound(std::max(tol.v.ulps, 2.0), tol.v.rel);
    if (op == "log_softmax" || op == "softmax") tol = bound(kInfUlps, 2e-6);
    bool special = false;  // pow's exact special exponents
    if (op == "pow" && a.size() == 2 && is_number(a[1]))
      for (double e : {0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0}) special |= number(a[1]) == e;
    if (op == "log1p" || op == "expm1" || op == "tanh" || (op == "pow" && !special))
      tol = Tol{{std::max(tol.v.ulps, 2.0), tol.v.rel}, Bound{kInfUlps, 1e-5}};
  }
  return tol;
}

struct Stats {
  long long elements = 0, off = 0, worst = 0, signs = 0;
};

uint64_t bits(double x, DType d) {
  const float f = static_cast<float>(x);
  uint32_t u32;
  uint64_t u64;
  std::memcpy(&u32, &f, sizeof u32);
  std::memcpy(&u64, &x, sizeof u64);
  return d == DType::Float32 ? u32 : u64;
}
int sign(double x) { return (x > 0) - (x < 0); }  // Math.sign: ±0 are one sign

// "" when got matches want: integers and bools exactly, NaN where NaN, floats bit for bit or
// within b (ulps; a sign change is infinitely many), counting into st.
std::string match(const Tensor& got, const golden::Decoded& want, const Bound& b, Stats& st) {
  for (int64_t i = 0; i < got.numel(); ++i) {
    const double x = golden::element(got, i), y = golden::element(want, i);
    const auto at = [&] {
      char m[96];
      std::snprintf(m, sizeof m, "[%lld] %.9g vs %.9g", static_cast<long long>(i), x, y);
      return std::string(m);
    };
    ++st.elements;
    if (!dtype_is_floating(want.dtype)) {  // (int64 as itself: beyond 2^53 too)
      const bool i64 = want.dtype == DType::Int64;
      if (i64 ? got.as<int64_t>()[i] != want.i64[static_cast<std::size_t>(i)] : x != y) return at();
      continue;
    }
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) != std::isnan(y)) return at() + " (NaN pattern)";
      continue;
    }
    const uint64_t bx = bits(x, want.dtype), by = bits(y, want.dtype);
    if (bx == by) continue;
    const double u =
        sign(x) != sign(y) ? kInfUlps : static_cast<double>(bx > by ? bx - by : by - bx);
    ++st.off;
    if (std::isfinite(u))
      st.worst = std::max(st.worst, static_cast<long long>(u));
    else
      ++st.signs;
    if (u <= b.ulps) continue;
    if (b.rel > 0 && std::fabs(x - y) <= b.rel * std::max(1.0, std::fabs(y))) continue;
    return at() + " (" + std::to_string(u) + " ulp)";
  }
  return "";
}

// bindings.cpp's var_repr: torch's print with the grad_fn or requires_grad suffix.
std::string repr(const ag::Var& v) {
  std::vector<std::string> suffixes;
  if (const char* fn = v.grad_fn_name())
    suffixes.push_back(std::string("grad_fn=<") + fn + ">");
  else if (v.requires_grad)
    suffixes.push_back("requires_grad=True");
  return torch_repr(v.view(), suffixes);
}
std::string masked(std::string s) {
  for (char& ch : s)
    if (ch >= '0' && ch <= '9') ch = '#';
  return s;
}

// ---- the ops, as the JS API calls the core ---------------------------------------------------

Tensor tensor_of(const golden::Decoded& d) {
  const TensorView v = d.view();
  Tensor t(v.dtype, v.shape);
  if (t.nbytes()) std::memcpy(t.data(), v.data, t.nbytes());
  return t;
}
Result<ag::VarPtr> leaf(Result<Tensor> t) {
  if (!t) return t.error();
  return ag::make_var(t.take());
}
Result<ag::VarPtr> take(const ag::VarPtr& x, const Result<SliceSpec>& s) {
  if (!s) return s.error();
  return ag::take(x, s.value());
}
ag::Arg arg(const json& a, const Env& env) {
  if (is_number(a)) return {nullptr, scalar(a)};
  return {env.at(a.get<std::string>()), {}};
}
std::optional<int64_t> opt_int(const json& o, const char* key) {
  if (!o.contains(key) || o[key].is_null()) return std::nullopt;
  return o[key].get<int64_t>();
}

// x.index(specs) of the JS API (Python's x[a, b, ...]): an int selects, null is `:`, {start,
// end, step} a slice, one take per spec; no spec is x.slice(0).
Result<ag::VarPtr> index(const ag::VarPtr& x, const json& specs) {
  if (static_cast<int64_t>(specs.size()) > x->view().dim())
    return index_error("too many indices for tensor of dimension " +
                       std::to_string(x->view().dim()));
  ag::VarPtr t = x;
  int64_t dim = 0;
  for (const json& s : specs) {
    const Shape sh = t->view().shape;
    auto r = take(t, s.is_number() ? select_spec(sh, dim, s.get<int64_t>())
                     : s.is_null() ? slice_spec(sh, dim++, std::nullopt, std::nullopt, 1)
                                   : slice_spec(sh, dim++, opt_int(s, "start"), opt_int(s, "end"),
                                                opt_int(s, "step").value_or(1)));
    if (!r) return r;
    t = r.take();
  }
  if (t == x) return take(x, slice_spec(x->view().shape, 0, std::nullopt, std::nullopt, 1));
  return t;
}

// F.<name>(operands..., **kwargs) as ag_loss_packed runs it: the spec's defaults, the reduction,
// number / bool options through their LossOptions field, tensor options as views of their Vars
// (kept in `extra`).
Result<ag::VarPtr> loss(const std::string& name, const json& a, const json& kw, const Env& env) {
  const LossSpec* spec = find_loss(name);
  if (!spec) return skip("F." + name);
  if (a.size() != spec->operands.size()) return Error{"TestError", "operand count of " + name};
  LossCall call;
  call.options = spec->defaults();
  std::vector<ag::VarPtr> operands, extra;
  for (const json& n : a) {
    operands.push_back(env.at(n.get<std::string>()));
    call.operands.push_back(operands.back()->view());
  }
  std::deque<golden::Decoded> owned;
  for (const auto& [key, value] : kw.items()) {
    if (key == "reduction") {
      auto r = spec->parse_reduction(value.get<std::string>());
      if (!r) return r.error();
      call.options.reduction = r.value();
      continue;
    }
    const OptionSpec* p = spec->option(key);
    if (value.is_null()) continue;
    if (p && p->kind == OptionKind::Callable) return skip("F." + name + "(" + key + "=callable)");
    if (p && p->field.t && value.contains("tensor")) {
      extra.push_back(env.at(value["tensor"].get<std::string>()));
      call.options.*(p->field.t) = extra.back()->view();
      continue;
    }
    golden::set_option(*spec, call.options, key, value, owned);
  }
  std::vector<std::string> warnings;
  return ag::loss(*spec, call, operands, extra, &warnings);
}

// op's place in names: its code in arith.hpp's enum (as bindings.cpp casts the JS API's), or -1.
int code(const std::string& op, std::initializer_list<const char*> names) {
  int k = 0;
  for (const char* n : names) {
    if (op == n) return k;
    ++k;
  }
  return -1;
}

Result<ag::VarPtr> run_step(const json& st, const Env& env) {
  const std::string op = st.at("op");
  const json& a = st.at("args");
  const json kw = st.value("kwargs", json::object());
  if (op.rfind("F.", 0) == 0) return loss(op.substr(2), a, kw, env);
  if (const int k = code(op, {"add", "sub", "mul", "div", "pow"}); k >= 0)
    return ag::binary(static_cast<BinOp>(k), arg(a.at(0), env), arg(a.at(1), env));
  if (op == "rsub") return ag::binary(BinOp::Sub, arg(a.at(1), env), arg(a.at(0), env), true);
  if (const int k = code(op, {"eq", "ne", "lt", "le", "gt", "ge"}); k >= 0) {
    const ag::Arg x = arg(a.at(0), env), y = arg(a.at(1), env);
    const TensorView vx = x.var ? x.var->view() : TensorView{},
                     vy = y.var ? y.var->view() : TensorView{};
    return leaf(compare(static_cast<CmpOp>(k), x.var ? Operand::of(vx) : Operand::of(x.scalar),
                        y.var ? Operand::of(vy) : Operand::of(y.scalar)));
  }
  if (op == "cat" || op == "stack") {
    std::vector<ag::VarPtr> xs;
    for (const json& n : a.at(0)) xs.push_back(env.at(n.get<std::string>()));
    return ag::cat(xs, a.size() > 1 ? a[1].get<int64_t>() : 0, op == "stack");
  }
  if (op == "linspace") {
    std::optional<DType> dt;
    if (kw.contains("dtype")) dt = dtype_from_name(kw["dtype"].get<std::string>());
    return leaf(linspace(scalar(a.at(0)), scalar(a.at(1)), a.at(2).get<int64_t>(), dt));
  }
  const ag::VarPtr& x = env.at(a.at(0).get<std::string>());
  const TensorView v = x->view();
  const auto opt = [&](std::size_t k) {  // an int argument, or None / absent
    return a.size() > k && !a[k].is_null() ? std::optional<int64_t>(a[k].get<int64_t>())
                                           : std::nullopt;
  };
  const auto i = [&](std::size_t k, int64_t def) { return opt(k).value_or(def); };
  const bool keepdim = kw.value("keepdim", false);
  const bool is_min = op.rfind("min", 0) == 0 || op == "argmin";
  if (const int k =
          code(op, {"log", "exp", "sqrt", "abs", "square", "log1p", "expm1", "tanh", "relu"});
      k >= 0)
    return ag::unary(static_cast<UnaryOp>(k), x);
  if (op == "neg") return ag::neg(x);
  if (op == "sigmoid") return ag::sigmoid(x);
  if (op == "clamp") {
    const auto bound = [&](const char* k) {
      return kw.contains(k) && !kw[k].is_null() ? std::optional<Scalar>(scalar(kw[k]))
                                                : std::nullopt;
    };
    return ag::clamp(x, bound("min"), bound("max"), 0);
  }
  if (op == "clamp_min") return ag::clamp(x, scalar(a.at(1)), std::nullopt, 1);
  if (op == "clamp_max") return ag::clamp(x, std::nullopt, scalar(a.at(1)), 2);
  if (op == "sum" || op == "mean") {
    const ReduceDims d{a.size() < 2, i(1, 0), keepdim};
    return op == "sum" ? ag::sum(x, d) : ag::mean(x, d);
  }
  if (op == "max" || op == "min") return ag::max_all(x, is_min);
  if (op.rfind("max_dim", 0) == 0 || op.rfind("min_dim", 0) == 0) {
    auto r = ag::max_dim(x, i(1, 0), keepdim, is_min);
    if (!r) return r.error();
    return op.size() > 7 ? r.value().second : r.value().first;  // *_dim_indices: the indices
  }
  if (op == "argmax" || op == "argmin")
    return leaf(argmax(v, ReduceDims{a.size() < 2, i(1, 0), keepdim}, is_min));
  if (op == "mm") return ag::mm(x, env.at(a.at(1).get<std::string>()));
  if (op == "t") return ag::t(x);
  if (op == "transpose") return ag::transpose(x, i(1, 0), i(2, 0));
  if (op == "view" || op == "reshape") {
    return ag::shape_op(x, reshape(v, a.at(1).get<Shape>()),  // (the fixture's x.view([sizes]))
                        op == "view" ? ag::ShapeKind::View : ag::ShapeKind::Reshape);
  }
  if (op == "unsqueeze") return ag::shape_op(x, unsqueeze(v, i(1, 0)), ag::ShapeKind::Unsqueeze);
  if (op == "squeeze")
    return ag::shape_op(x, squeeze(v, opt(1)),
                        opt(1) ? ag::ShapeKind::SqueezeDim : ag::ShapeKind::Squeeze);
  if (op == "flatten")
    return ag::shape_op(x, flatten(v, i(1, 0), i(2, -1)), ag::ShapeKind::Reshape);
  if (op == "to") {
    const auto dt = dtype_from_name(a.at(1).get<std::string>());
    if (!dt) return value_error("unknown dtype " + a.at(1).dump());
    return ag::to_dtype(x, *dt);
  }
  if (op == "detach") return ag::detach(x);
  if (op == "log_softmax" || op == "softmax") {
    const ActivationSpec* spec = find_activation(op);
    if (!spec) return skip(op);
    std::vector<std::string> warnings;
    return ag::activation(*spec, x, kw.contains("dim"), kw.value("dim", int64_t{0}), false,
                          &warnings);
  }
  if (op == "slice") return take(x, slice_spec(v.shape, i(1, 0), opt(2), opt(3), i(4, 1)));
  if (op == "select") return take(x, select_spec(v.shape, i(1, 0), i(2, 0)));
  if (op == "narrow") return take(x, narrow_spec(v.shape, i(1, 0), i(2, 0), i(3, 0)));
  if (op == "index") return index(x, a.at(1));
  return skip(op);
}

// A case's program as the JS test's run() runs it: the environment, the first error and the phase
// it came in (inputs, forward: the steps and retain_grad, backward).
struct Program {
  Env env;
  std::optional<Error> error;
  std::string phase;
};

// Restores grad mode however a case ends.
struct GradOn {
  ~GradOn() { ag::set_grad_enabled(true); }
};

std::optional<Error> run(const json& c, Program& r) {
  const GradOn restore;
  r.phase = "inputs";  // torch.tensor(values, {dtype, shape, requires_grad}): its own check first
  for (const auto& [name, t] : c.at("inputs").items()) {
    auto v = ag::make_var(tensor_of(golden::decode(t)));
    if (v && t.value("requires_grad", false)) {
      if (!dtype_is_floating(v.value()->view().dtype))
        return runtime_error(
            "Only Tensors of floating point and complex dtype can require gradients");
      if (auto s = ag::set_requires_grad(v.value(), true); !s) return s.error();
    }
    if (!v) return v.error();
    r.env[name] = v.take();
  }
  r.phase = "forward";
  for (const json& st : c.at("steps")) {
    ag::set_grad_enabled(!st.value("no_grad", false));
    auto out = run_step(st, r.env);
    ag::set_grad_enabled(true);
    if (!out) return out.error();
    r.env[st.at("out").get<std::string>()] = out.take();
  }
  for (const json& n : c.at("retain"))
    if (auto s = ag::retain_grad(r.env.at(n.get<std::string>())); !s) return s.error();
  r.phase = "backward";
  for (const json& b : c.value("backward", json::array())) {
    std::optional<golden::Decoded> g;
    TensorView gv;
    if (b.contains("gradient")) gv = g.emplace(golden::decode(b["gradient"])).view();
    auto s = ag::backward(r.env.at(b.at("root").get<std::string>()), g ? &gv : nullptr,
                          b.value("retain_graph", false));
    if (!s) return s.error();
  }
  return std::nullopt;
}

void expect_like(const Tensor& got, const golden::Decoded& want, const Bound& b, Stats& st,
                 const std::string& what) {
  ASSERT_EQ(dtype_name(got.dtype()), std::string(dtype_name(want.dtype))) << what << " dtype";
  ASSERT_EQ(shape_str(got.shape()), shape_str(want.shape)) << what << " shape";
  EXPECT_EQ(match(got, want, b, st), "") << what;
}

// Runs case c and checks it; r keeps what it made (for the caller's skip accounting).
void check(const json& c, Program& r, Stats& st) {
  r.error = run(c, r);
  if (r.error && r.error->type == kSkip) return;
  if (c.contains("error")) {
    const json& e = c["error"];
    ASSERT_TRUE(r.error) << "no error; torch's: " << e.dump();
    golden::expect_error(*r.error, e, r.phase);
    EXPECT_EQ(r.phase, e.at("phase").get<std::string>()) << r.error->message;
    return;
  }
  ASSERT_FALSE(r.error) << r.phase << ": " << r.error->type << ": " << r.error->message;
  const Tol tol = tolerance(c);
  const json& ex = c.at("expect");
  for (const auto& [name, printed] : ex.at("printed").items()) {
    const ag::Var& v = *r.env.at(name);
    expect_like(v.data(), golden::decode(ex.at("values").at(name)), tol.v, st, name);
    const std::string got = repr(v), want = printed.get<std::string>();
    if (tol.v.ulps == 0 || got == want)
      EXPECT_EQ(got, want) << "print of " << name;
    else
      EXPECT_EQ(masked(got), masked(want)) << "print of " << name << " (digits masked)";
  }
  for (const auto& [name, want] : ex.at("grads").items()) {
    const ag::Var& v = *r.env.at(name);
    const ag::VarPtr g = v.is_leaf() || v.retains_grad ? v.grad : nullptr;  // JS's .grad
    if (want.is_null()) {
      EXPECT_EQ(g, nullptr) << name << ".grad is None in torch";
      continue;
    }
    ASSERT_NE(g, nullptr) << name << ".grad";
    expect_like(g->data(), golden::decode(want), tol.g.value_or(tol.v), st, name + ".grad");
  }
}

TEST(AutogradGolden, TorchPrograms) {
  const json& f = fixture();
  ASSERT_TRUE(f.is_object() && f.contains("cases")) << "cannot read " << LOSSLAB_AUTOGRAD_JSON;
  const json& cases = f["cases"];
  EXPECT_GE(cases.size(), 450u);
  for (const LossSpec& spec : losses()) {
    bool covered = false;
    for (const json& c : cases)
      for (const json& s : c.at("steps")) covered |= s.at("op") == std::string("F.") + spec.name;
    EXPECT_TRUE(covered) << "no case of " << spec.name;
  }
  Stats st;
  int run_n = 0, errors = 0, skipped = 0;
  std::set<std::string> skipped_ops;
  for (const json& c : cases) {
    SCOPED_TRACE(c.at("id").get<std::string>());
    Program r;
    check(c, r, st);
    if (r.error && r.error->type == kSkip) {
      ++skipped;
      skipped_ops.insert(r.error->message);
      continue;
    }
    ++run_n;
    errors += c.contains("error");
  }
  std::string names;
  for (const std::string& s : skipped_ops) names += (names.empty() ? " (" : ", ") + s;
  if (!names.empty()) names += ")";
  std::printf(
      "[ info ] autograd golden: %d cases run (%d of them torch's errors), %d skipped%s; %lld "
      "elements: %lld torch's bits, %lld not (worst %lld ulp, %lld of opposite sign; within each "
      "case's bound)\n",
      run_n, errors, skipped, names.c_str(), st.elements, st.elements - st.off, st.off, st.worst,
      st.signs);
  EXPECT_LT(skipped * 20, static_cast<int>(cases.size())) << "more than 5% of the cases skipped";
}

}  // namespace
}  // namespace losslab
