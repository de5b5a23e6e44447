// The Embind surface: thin, value-in/value-out, no exceptions. Tensors cross as descriptors
// {ptr, dtype, shape} of buffers that JS allocated with _malloc (copied in once); results come
// back as descriptors whose buffers JS now owns (it frees them with _free). Every fallible call
// returns either a descriptor or a JS Error, which wasm/losslab.mjs throws (TOOLCHAIN.md §7:
// throwing across the boundary leaks).
#include <emscripten/bind.h>
#include <emscripten/em_macros.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "losslab/arith.hpp"
#include "losslab/autograd.hpp"
#include "losslab/factory.hpp"
#include "losslab/format.hpp"
#include "losslab/index.hpp"
#include "losslab/ops.hpp"
#include "losslab/parallel.hpp"
#include "losslab/recipes.hpp"
#include "losslab/registry.hpp"
#include "losslab/rng.hpp"
#include "losslab/stats.hpp"
#include "pack.hpp"

using emscripten::val;
using namespace losslab;

namespace {

val make_error(const Error& e) {
  val err = val::global(e.type == "RangeError" ? "RangeError" : "Error").new_(val(e.message));
  err.set("name", val(e.type));
  return err;
}

// Descriptors are created by the JS wrapper, so their fields are trusted to be well-formed.
TensorView view_of(const val& d) {
  TensorView v;
  v.dtype = dtype_from_name(d["dtype"].as<std::string>()).value_or(DType::Float32);
  const val shape = d["shape"];
  const unsigned nd = shape["length"].as<unsigned>();
  v.shape.resize(nd);
  for (unsigned i = 0; i < nd; ++i) v.shape[i] = static_cast<int64_t>(shape[i].as<double>());
  v.data = reinterpret_cast<const void*>(d["ptr"].as<uintptr_t>());
  return v;
}

val shape_val(const Shape& s) {
  val a = val::array();
  for (std::size_t i = 0; i < s.size(); ++i) a.set(i, val(static_cast<double>(s[i])));
  return a;
}

// Hands the buffer to JS.
val desc_of(Tensor&& t, const std::vector<std::string>& warnings = {}) {
  val d = val::object();
  d.set("dtype", val(std::string(dtype_name(t.dtype()))));
  d.set("shape", shape_val(t.shape()));
  d.set("ptr", val(reinterpret_cast<uintptr_t>(t.release())));
  if (!warnings.empty()) {
    val w = val::array();
    for (std::size_t i = 0; i < warnings.size(); ++i) w.set(i, val(warnings[i]));
    d.set("warnings", w);
  }
  return d;
}

val wrap(Result<Tensor> r) { return r ? desc_of(r.take()) : make_error(r.error()); }

// ---- the packed calls (pack.hpp: the layout, the checked decoder, the entries) --------------

// Plain C exports, not Embind functions: they take and return numbers only, and JS calls a wasm
// export directly (about 0.01 µs) where an Embind function's generated wrapper costs about
// 0.1 µs a call, a twentieth of a small loss call (README: "The boundary"). Named in
// -sEXPORTED_FUNCTIONS (wasm/CMakeLists.txt); JS reads them as Module._losslab_*.
extern "C" {
EMSCRIPTEN_KEEPALIVE uintptr_t losslab_pack_buffer() {
  return reinterpret_cast<uintptr_t>(pack::buffer());
}
EMSCRIPTEN_KEEPALIVE uintptr_t losslab_pack_reserve(unsigned n) {
  return reinterpret_cast<uintptr_t>(pack::reserve(n));
}
EMSCRIPTEN_KEEPALIVE int losslab_loss_forward(int index) { return pack::loss_forward(index); }
EMSCRIPTEN_KEEPALIVE int losslab_loss_backward(int index, unsigned want) {
  return pack::loss_backward(index, want);
}
EMSCRIPTEN_KEEPALIVE int losslab_activation(int index, int backward) {
  return pack::activation(index, backward != 0);
}
EMSCRIPTEN_KEEPALIVE int losslab_binary(int op, int is_cmp) {
  return pack::binary(op, is_cmp != 0);
}
EMSCRIPTEN_KEEPALIVE int losslab_where() { return pack::where(); }
EMSCRIPTEN_KEEPALIVE int losslab_fused() { return pack::fused(); }
EMSCRIPTEN_KEEPALIVE int losslab_take(int kind, double dim, double a, int has_a, double b,
                                      int has_b, double step) {
  return pack::take(kind, dim, a, has_a != 0, b, has_b != 0, step);
}
}

using pack::loss_at;
using pack::scalar_of;

val last_error() { return make_error(pack::last_error()); }

val last_warnings() {
  val w = val::array();
  const auto& all = pack::last_warnings();
  for (std::size_t i = 0; i < all.size(); ++i) w.set(i, val(all[i]));
  return w;
}

// The codes the packed calls use (the core's DType and Reduction values, by name), so the JS
// side copies none of them.
val abi() {
  val dtypes = val::array(), reductions = val::array();
  for (int d = 0; d <= static_cast<int>(DType::Bool); ++d)
    dtypes.set(d, val(std::string(dtype_name(static_cast<DType>(d)))));
  for (int r = 0; r <= static_cast<int>(Reduction::BatchMean); ++r)
    reductions.set(r, val(std::string(reduction_name(static_cast<Reduction>(r)))));
  val o = val::object();
  o.set("dtypes", dtypes);
  o.set("reductions", reductions);
  o.set("slots", val(static_cast<double>(pack::slots())));
  return o;
}

const char* option_kind(OptionKind k) {
  switch (k) {
    case OptionKind::Float: return "float";
    case OptionKind::Int: return "int";
    case OptionKind::Bool: return "bool";
    case OptionKind::Tensor: return "tensor";
    case OptionKind::DType: return "dtype";
    case OptionKind::Callable: return "callable";
  }
  return "?";
}

const char* role_name(OperandRole r) {
  switch (r) {
    case OperandRole::Input: return "input";
    case OperandRole::Target: return "target";
    case OperandRole::Extra: return "extra";
  }
  return "?";
}

val options_val(const std::vector<OptionSpec>& options) {
  val opts = val::array();
  unsigned j = 0;
  for (const OptionSpec& p : options) {
    val po = val::object();
    po.set("name", val(std::string(p.name)));
    po.set("kind", val(std::string(option_kind(p.kind))));
    const bool scalar =
        p.kind == OptionKind::Float || p.kind == OptionKind::Int || p.kind == OptionKind::Bool;
    if (scalar && !(p.kind == OptionKind::Int && !p.field.i))
      po.set("default",
             p.kind == OptionKind::Bool ? val(p.default_value != 0) : val(p.default_value));
    else
      po.set("default", val::null());
    po.set("min", val(p.range.min));
    po.set("max", val(p.range.max));
    po.set("minInclusive", val(p.range.min_inclusive));
    po.set("maxInclusive", val(p.range.max_inclusive));
    po.set("nanPasses", val(p.range.nan_passes));
    if (p.range.message) {
      po.set("rangeMessage", val(std::string(p.range.message)));
      po.set("rangeError", val(std::string(p.range.error_type)));
    }
    po.set("doc", val(std::string(p.doc)));
    opts.set(j++, po);
  }
  return opts;
}

// One spec as plain JS data.
val spec_val(const LossSpec& s) {
  val o = val::object();
  o.set("name", val(std::string(s.name)));
  o.set("module", val(std::string(s.module_name)));
  o.set("kind", val(std::string(s.kind == FnKind::Loss ? "loss" : "distance")));
  o.set("inputKind", val(std::string(s.input_kind)));
  o.set("formula", val(std::string(s.formula)));
  val red = val::array();
  if (s.has_reduction()) {
    red.call<void>("push", val(std::string("none")), val(std::string("mean")),
                   val(std::string("sum")));
    if (s.batchmean) red.call<void>("push", val(std::string("batchmean")));
  }
  o.set("reductions", red);
  if (s.reduction_message) o.set("reductionMessage", val(std::string(s.reduction_message)));
  val tg = val::array();
  const std::pair<unsigned, const char*> kinds[] = {
      {kTargetFloat, "float"}, {kTargetIndex, "index"},           {kTargetProb, "probability"},
      {kTargetSign, "sign"},   {kTargetMultiLabel, "multilabel"}, {kTargetSequence, "sequence"}};
  for (const auto& [bit, nm] : kinds)
    if (s.targets & bit) tg.call<void>("push", val(std::string(nm)));
  o.set("targets", tg);
  val ops = val::array();
  unsigned j = 0;
  for (const OperandSpec& p : s.operands) {
    val po = val::object();
    po.set("name", val(std::string(p.name)));
    po.set("role", val(std::string(role_name(p.role))));
    val dts = val::array();
    if (p.dtypes & kFloating) dts.call<void>("push", val(std::string("floating")));
    if (p.dtypes & kInteger) dts.call<void>("push", val(std::string("integer")));
    if (p.dtypes & kList) dts.call<void>("push", val(std::string("list")));
    po.set("dtypes", dts);
    po.set("differentiable", val(p.differentiable));
    ops.set(j++, po);
  }
  o.set("operands", ops);
  o.set("options", options_val(s.options));
  val ex = val::object();
  ex.set("none", val((s.exact & kExactNone) != 0));
  ex.set("reduced", val((s.exact & kExactReduced) != 0));
  ex.set("grad", val((s.exact & kExactGrad) != 0));
  ex.set("acrossBuilds", val((s.exact & kExactAcrossBuilds) != 0));
  o.set("exact", ex);
  return o;
}

// The registry as plain JS data: what the JS API, dist/registry.json (and from it the page, the
// widget and the .d.ts), the tests and the bench enumerate. `internal` (after the losses in
// loss_at's numbering) is for the JS API only.
val registry() {
  val out = val::object();
  val ls = val::array();
  unsigned i = 0;
  for (const LossSpec& s : losses()) ls.set(i++, spec_val(s));
  out.set("losses", ls);
  val in = val::array();
  i = 0;
  for (const LossSpec& s : internal_losses()) in.set(i++, spec_val(s));
  out.set("internal", in);
  val as = val::array();
  i = 0;
  for (const ActivationSpec& s : activations()) {
    val o = val::object();
    o.set("name", val(std::string(s.name)));
    o.set("module", val(std::string(s.module_name)));
    o.set("formula", val(std::string(s.formula)));
    o.set("options", options_val(s.options));
    as.set(i++, o);
  }
  out.set("activations", as);
  return out;
}

std::string repr(val t) { return torch_repr(view_of(t)); }

std::string simd_arch() {
#if LOSSLAB_HAVE_SIMD
  return "wasm-simd128";
#else
  return "scalar";
#endif
}

// ---- generator, ops, recipes -------------------------------------------------------------

uint64_t seed_of(double lo, double hi) {
  return (static_cast<uint64_t>(hi) << 32) | static_cast<uint64_t>(lo);
}

struct JsGenerator {
  Generator gen;
  void manual_seed(double lo, double hi) { gen.manual_seed(seed_of(lo, hi)); }
  std::string initial_seed() const { return std::to_string(gen.initial_seed()); }
  JsGenerator clone() const { return *this; }
};

val draw(JsGenerator& g, std::string op, val shape, std::string dtype_s) {
  Shape s;
  const unsigned nd = shape["length"].as<unsigned>();
  for (unsigned i = 0; i < nd; ++i) s.push_back(static_cast<int64_t>(shape[i].as<double>()));
  const auto dt = dtype_from_name(dtype_s);
  if (!dt) return make_error(value_error("unknown dtype '" + dtype_s + "'"));
  if (op == "rand") return wrap(rand(g.gen, s, *dt));
  return wrap(randn(g.gen, s, *dt));
}

val draw_int(JsGenerator& g, std::string low, std::string high, val shape, std::string dtype_s) {
  Shape s;
  const unsigned nd = shape["length"].as<unsigned>();
  for (unsigned i = 0; i < nd; ++i) s.push_back(static_cast<int64_t>(shape[i].as<double>()));
  const auto dt = dtype_from_name(dtype_s);
  if (!dt) return make_error(value_error("unknown dtype '" + dtype_s + "'"));
  return wrap(randint(g.gen, std::strtoll(low.c_str(), nullptr, 10),
                      std::strtoll(high.c_str(), nullptr, 10), s, *dt));
}

val op_mm(val a, val b) { return wrap(mm(view_of(a), view_of(b))); }
val op_addmm(val bias, val a, val b) { return wrap(addmm(view_of(bias), view_of(a), view_of(b))); }
// Tensor.uniform_(from, to) on the buffer desc points at (the JS API checked it is writable).
val uniform_fill(JsGenerator& g, val desc, double from, double to) {
  const TensorView v = view_of(desc);
  auto st = uniform_(g.gen, v.dtype, const_cast<void*>(v.data), v.numel(), from, to);
  return st ? val::null() : make_error(st.error());
}
val op_sigmoid(val a) { return wrap(sigmoid(view_of(a))); }
val op_add_same(val a, val b) { return wrap(add_same(view_of(a), view_of(b))); }
val op_t(val a) { return wrap(transpose2d(view_of(a))); }
// A clamp bound from the JS API: [present, kind, f, hi, lo] (scalar_of's number), checked there.
std::optional<Scalar> bound_of(val b) {
  if (b[0].as<double>() == 0) return std::nullopt;
  return scalar_of(b[1].as<int>(), b[2].as<double>(), b[3].as<double>(), b[4].as<double>());
}
val op_clamp(val a, val lo, val hi) { return wrap(clamp(view_of(a), bound_of(lo), bound_of(hi))); }
val op_max_all(val a, bool is_min) { return wrap(max_all(view_of(a), is_min)); }
val op_max_dim(val a, double dim, bool keepdim, bool is_min) {
  auto r = max_dim(view_of(a), static_cast<int64_t>(dim), keepdim, is_min);
  if (!r) return make_error(r.error());
  val o = val::object();
  o.set("values", desc_of(std::move(r.value().values)));
  o.set("indices", desc_of(std::move(r.value().indices)));
  return o;
}
val op_sort(val a, double dim, bool descending) {
  auto r = sort(view_of(a), static_cast<int64_t>(dim), descending);
  if (!r) return make_error(r.error());
  val o = val::object();
  o.set("values", desc_of(std::move(r.value().values)));
  o.set("indices", desc_of(std::move(r.value().indices)));
  return o;
}
val op_argmax(val a, bool all, double dim, bool keepdim, bool is_min) {
  return wrap(argmax(view_of(a), ReduceDims{all, static_cast<int64_t>(dim), keepdim}, is_min));
}
val op_neg(val a) { return wrap(neg(view_of(a))); }
// Creation and shape ops (factory.hpp); shapes and dims arrive checked by the JS API (integers
// within +-2^53), a dtype as a name or "" (none given).
Shape shape_from(const val& a) {
  Shape s;
  const unsigned nd = a["length"].as<unsigned>();
  for (unsigned i = 0; i < nd; ++i) s.push_back(static_cast<int64_t>(a[i].as<double>()));
  return s;
}
std::optional<DType> dtype_opt(const std::string& name) {
  return name.empty() ? std::nullopt : dtype_from_name(name);
}
val op_full(val shape, int kind, double f, double hi, double lo, std::string dtype) {
  return wrap(full(shape_from(shape), scalar_of(kind, f, hi, lo), dtype_opt(dtype)));
}
// start, end, step: 4 numbers each (kind, f, hi, lo) in one array.
val op_arange(val n, std::string dtype) {
  Scalar s[3];
  for (unsigned k = 0; k < 3; ++k)
    s[k] = scalar_of(n[4 * k].as<int>(), n[4 * k + 1].as<double>(), n[4 * k + 2].as<double>(),
                     n[4 * k + 3].as<double>());
  return wrap(arange(s[0], s[1], s[2], dtype_opt(dtype)));
}
// start, end: 4 numbers each (kind, f, hi, lo) in one array, as arange's.
val op_linspace(val n, double steps, std::string dtype) {
  Scalar s[2];
  for (unsigned k = 0; k < 2; ++k)
    s[k] = scalar_of(n[4 * k].as<int>(), n[4 * k + 1].as<double>(), n[4 * k + 2].as<double>(),
                     n[4 * k + 3].as<double>());
  return wrap(linspace(s[0], s[1], static_cast<int64_t>(steps), dtype_opt(dtype)));
}
std::vector<TensorView> views_of(val list) {
  std::vector<TensorView> out;
  const unsigned n = list["length"].as<unsigned>();
  for (unsigned k = 0; k < n; ++k) out.push_back(view_of(list[k]));
  return out;
}
val op_cat(val list, double dim, bool is_stack) {
  const auto vs = views_of(list);
  const auto d = static_cast<int64_t>(dim);
  return wrap(is_stack ? stack(vs, d) : cat(vs, d));
}
val op_eye(double n, double m, std::string dtype) {
  return wrap(eye(static_cast<int64_t>(n), static_cast<int64_t>(m),
                  dtype_opt(dtype).value_or(DType::Float32)));
}
val op_reshape(val a, val shape) { return wrap(reshape(view_of(a), shape_from(shape))); }
val op_unsqueeze(val a, double dim) {
  return wrap(unsqueeze(view_of(a), static_cast<int64_t>(dim)));
}
val op_squeeze(val a, bool has_dim, double dim) {
  return wrap(squeeze(view_of(a),
                      has_dim ? std::optional<int64_t>(static_cast<int64_t>(dim)) : std::nullopt));
}
val op_flatten(val a, double s, double e) {
  return wrap(flatten(view_of(a), static_cast<int64_t>(s), static_cast<int64_t>(e)));
}
val op_transpose(val a, double d0, double d1) {
  return wrap(transpose(view_of(a), static_cast<int64_t>(d0), static_cast<int64_t>(d1)));
}
val op_unary(int op, val a) { return wrap(unary(static_cast<UnaryOp>(op), view_of(a))); }
// dim arrives checked by the JS API (an integer within +-2^53).
val op_reduce(bool is_mean, val a, bool all, double dim, bool keepdim) {
  const ReduceDims d{all, static_cast<int64_t>(dim), keepdim};
  const TensorView v = view_of(a);
  return wrap(is_mean ? mean(v, d) : sum(v, d));
}
val op_to(val a, std::string dtype_s) {
  const auto dt = dtype_from_name(dtype_s);
  if (!dt) return make_error(value_error("unknown dtype '" + dtype_s + "'"));
  return wrap(to_dtype(view_of(a), *dt));
}

// ---- autograd (autograd.hpp) ---------------------------------------------------------------
// A JS tensor that autograd knows holds a handle: the address of a heap VarPtr (one reference to
// the core's Var). Its buffer is the Var's storage; releasing the handle drops the reference, and
// the storage lives while a graph node or another handle still holds it.
namespace ag = losslab::autograd;

const ag::VarPtr& var_of(double h) {
  return *reinterpret_cast<const ag::VarPtr*>(static_cast<uintptr_t>(h));
}

val var_desc(ag::VarPtr v, const std::vector<std::string>& warnings = {}) {
  const TensorView t = v->view();
  val d = val::object();
  d.set("dtype", val(std::string(dtype_name(t.dtype))));
  d.set("shape", shape_val(t.shape));
  d.set("ptr", val(reinterpret_cast<uintptr_t>(t.data)));
  const char* fn = v->grad_fn_name();
  d.set("gradFn", fn ? val(std::string(fn)) : val::null());
  d.set("requiresGrad", val(v->requires_grad));
  d.set("h", val(reinterpret_cast<uintptr_t>(new ag::VarPtr(std::move(v)))));
  if (!warnings.empty()) {
    val w = val::array();
    for (std::size_t i = 0; i < warnings.size(); ++i) w.set(i, val(warnings[i]));
    d.set("warnings", w);
  }
  return d;
}

val var_wrap(Result<ag::VarPtr> r) { return r ? var_desc(r.take()) : make_error(r.error()); }

// Takes over a buffer the JS API allocated (the JS tensor then holds the handle instead).
double var_adopt(val desc) {
  const TensorView v = view_of(desc);
  auto r = ag::make_var(Tensor::adopt(v.dtype, v.shape, const_cast<void*>(v.data)));
  return static_cast<double>(reinterpret_cast<uintptr_t>(new ag::VarPtr(r.take())));
}
void var_release(double h) { delete &const_cast<ag::VarPtr&>(var_of(h)); }

val var_set_requires_grad(double h, bool on) {
  auto st = ag::set_requires_grad(var_of(h), on);
  return st ? val::null() : make_error(st.error());
}
val var_retain_grad(double h) {
  auto st = ag::retain_grad(var_of(h));
  return st ? val::null() : make_error(st.error());
}
// .grad: a new handle on the gradient's Var, or null (None).
val var_grad(double h) {
  const auto& g = var_of(h)->grad;
  return g ? var_desc(g) : val::null();
}
// .grad = t (h2 its handle) or None (h2 = 0): torch's checks of the assigned tensor.
val var_set_grad(double h, double h2) {
  const auto& v = var_of(h);
  if (h2 == 0) {
    v->grad.reset();
    return val::null();
  }
  const auto& g = var_of(h2);
  if (g->view().dtype != v->view().dtype)
    return make_error(runtime_error("assigned grad has data of a different type"));
  if (g->view().shape != v->view().shape)
    return make_error(runtime_error("assigned grad has data of a different size"));
  v->grad = g;
  return val::null();
}
val var_detach(double h) { return var_desc(ag::detach(var_of(h))); }
void var_bump_version(double h) { ag::bump_version(*var_of(h)); }
bool var_retains_grad(double h) { return var_of(h)->retains_grad; }
val var_backward(double h, val gradient, bool retain_graph) {
  std::optional<TensorView> g;
  if (!gradient.isNull()) g = view_of(gradient);
  auto st = ag::backward(var_of(h), g ? &*g : nullptr, retain_graph);
  return st ? val::null() : make_error(st.error());
}
void set_grad_enabled(bool on) { ag::set_grad_enabled(on); }
// For memory tests: bytes malloc has handed out and not taken back, and the live autograd
// storages and nodes.
val heap_in_use() {
  const auto g = ag::live_graph();
  val o = val::object();
  o.set("bytes", val(static_cast<double>(mallinfo().uordblks)));
  o.set("storages", val(static_cast<double>(g.storages)));
  o.set("nodes", val(static_cast<double>(g.nodes)));
  return o;
}
std::string var_repr(double h) {
  const auto& v = var_of(h);
  std::vector<std::string> suffixes;
  if (const char* fn = v->grad_fn_name())
    suffixes.push_back(std::string("grad_fn=<") + fn + ">");
  else if (v->requires_grad)
    suffixes.push_back("requires_grad=True");
  return torch_repr(v->view(), suffixes);
}

// rsub: torch.rsub (the node's name differs from torch.sub's with the operands swapped).
val ag_binary(int op, double ha, double hb, bool rsub) {
  return var_wrap(ag::binary(static_cast<BinOp>(op), {var_of(ha), {}}, {var_of(hb), {}}, rsub));
}
val ag_binary_scalar(int op, double h, int kind, double f, double hi, double lo, bool number_first,
                     bool rsub) {
  const ag::Arg t{var_of(h), {}}, s{nullptr, scalar_of(kind, f, hi, lo)};
  const BinOp o = static_cast<BinOp>(op);
  return var_wrap(number_first ? ag::binary(o, s, t, rsub) : ag::binary(o, t, s, rsub));
}
val ag_neg(double h) { return var_wrap(ag::neg(var_of(h))); }
val ag_take(double h, int kind, double dim, double a, bool has_a, double b, bool has_b,
            double step) {
  const auto& x = var_of(h);
  auto s = pack::slice_of(x->view().shape, kind, dim, a, has_a, b, has_b, step);
  if (!s) return make_error(s.error());
  return var_wrap(ag::take(x, s.value()));
}
val ag_cat(val handles, double dim, bool is_stack) {
  std::vector<ag::VarPtr> xs;
  const unsigned n = handles["length"].as<unsigned>();
  for (unsigned k = 0; k < n; ++k) xs.push_back(var_of(handles[k].as<double>()));
  return var_wrap(ag::cat(xs, static_cast<int64_t>(dim), is_stack));
}
val ag_max_all(double h, bool is_min) { return var_wrap(ag::max_all(var_of(h), is_min)); }
val ag_max_dim(double h, double dim, bool keepdim, bool is_min) {
  auto r = ag::max_dim(var_of(h), static_cast<int64_t>(dim), keepdim, is_min);
  if (!r) return make_error(r.error());
  val o = val::object();
  o.set("values", var_desc(std::move(r.value().first)));
  o.set("indices", var_desc(std::move(r.value().second)));
  return o;
}
val ag_clamp(double h, val lo, val hi, int kind) {
  return var_wrap(ag::clamp(var_of(h), bound_of(lo), bound_of(hi), kind));
}
val ag_unary(int op, double h) { return var_wrap(ag::unary(static_cast<UnaryOp>(op), var_of(h))); }
val ag_sigmoid(double h) { return var_wrap(ag::sigmoid(var_of(h))); }
val ag_reduce(bool is_mean, double h, bool all, double dim, bool keepdim) {
  const ReduceDims d{all, static_cast<int64_t>(dim), keepdim};
  return var_wrap(is_mean ? ag::mean(var_of(h), d) : ag::sum(var_of(h), d));
}
val ag_mm(double ha, double hb) { return var_wrap(ag::mm(var_of(ha), var_of(hb))); }
val ag_addmm(double hbias, double ha, double hb) {
  return var_wrap(ag::addmm(var_of(hbias), var_of(ha), var_of(hb)));
}

// torch.optim.SGD's state: the parameters (references on their Vars) and their momentum
// buffers, in the core; the JS API keeps the param groups' options and passes them per step.
struct JsSgd {
  std::vector<ag::VarPtr> params;
  std::vector<Tensor> buffers;
  int add(double h) {
    params.push_back(var_of(h));
    buffers.emplace_back();
    return static_cast<int>(params.size()) - 1;
  }
  val step(int i, double lr, double momentum, double dampening, double weight_decay, bool nesterov,
           bool maximize) {
    const SgdOptions o{lr, momentum, dampening, weight_decay, nesterov, maximize};
    auto st = ag::sgd_step(params.at(static_cast<size_t>(i)), buffers[static_cast<size_t>(i)], o);
    return st ? val::null() : make_error(st.error());
  }
  // A copy of parameter i's momentum buffer (the optimizer's state), or null before it exists.
  val buffer(int i) const {
    const Tensor& b = buffers.at(static_cast<size_t>(i));
    if (!b.ok()) return val::null();
    auto c = alloc_tensor(b.dtype(), b.shape());
    if (c && b.nbytes() > 0) std::memcpy(c.value().data(), b.data(), b.nbytes());
    return wrap(std::move(c));
  }
};
val ag_t(double h) { return var_wrap(ag::t(var_of(h))); }
val ag_transpose(double h, double d0, double d1) {
  return var_wrap(ag::transpose(var_of(h), static_cast<int64_t>(d0), static_cast<int64_t>(d1)));
}
val ag_reshape(double h, val shape, bool is_view) {
  const auto& x = var_of(h);
  return var_wrap(ag::shape_op(x, reshape(x->view(), shape_from(shape)),
                               is_view ? ag::ShapeKind::View : ag::ShapeKind::Reshape));
}
val ag_clone(double h) {
  const auto& x = var_of(h);
  return var_wrap(ag::shape_op(x, to_dtype(x->view(), x->view().dtype), ag::ShapeKind::Clone));
}
val ag_unsqueeze(double h, double dim) {
  const auto& x = var_of(h);
  return var_wrap(
      ag::shape_op(x, unsqueeze(x->view(), static_cast<int64_t>(dim)), ag::ShapeKind::Unsqueeze));
}
val ag_squeeze(double h, bool has_dim, double dim) {
  const auto& x = var_of(h);
  const auto d = has_dim ? std::optional<int64_t>(static_cast<int64_t>(dim)) : std::nullopt;
  return var_wrap(ag::shape_op(x, squeeze(x->view(), d),
                               has_dim ? ag::ShapeKind::SqueezeDim : ag::ShapeKind::Squeeze));
}
val ag_flatten(double h, double s, double e) {
  const auto& x = var_of(h);
  return var_wrap(ag::shape_op(x,
                               flatten(x->view(), static_cast<int64_t>(s), static_cast<int64_t>(e)),
                               ag::ShapeKind::Reshape));
}
val ag_to(double h, std::string dtype_s) {
  const auto dt = dtype_from_name(dtype_s);
  if (!dt) return make_error(value_error("unknown dtype '" + dtype_s + "'"));
  return var_wrap(ag::to_dtype(var_of(h), *dt));
}

// A loss call with autograd: the packed call as losslab_loss_forward reads it, and the handles of
// its tensors in the same order (operands, then the tensor options given). The result is a var
// descriptor (its warnings inside).
val ag_loss_packed(int index, val handles) {
  const LossSpec* spec = loss_at(index);
  if (!spec) return make_error(value_error("unknown loss"));
  pack::Reader r;
  LossCall call;
  if (auto st = pack::read_loss_call(*spec, r, call); !st) return make_error(st.error());
  const unsigned n = handles["length"].as<unsigned>();
  std::vector<ag::VarPtr> operands, extra;
  for (unsigned k = 0; k < n; ++k) {
    const ag::VarPtr& v = var_of(handles[k].as<double>());
    (k < spec->operands.size() ? operands : extra).push_back(v);
  }
  std::vector<std::string> warnings;
  auto out = ag::loss(*spec, call, operands, extra, &warnings);
  if (!out) return make_error(out.error());
  return var_desc(out.take(), warnings);
}

// An activation with autograd: the packed call as losslab_activation reads it, and the input's
// handle (dtype= casts it first, recorded as torch's ToCopyBackward0).
val ag_activation_packed(int index, double h) {
  const auto& all = activations();
  if (index < 0 || static_cast<std::size_t>(index) >= all.size())
    return make_error(value_error("unknown activation"));
  pack::Reader r;
  auto head = pack::read_activation_call(r);
  if (!head) return make_error(head.error());
  const pack::ActivationCall& a = head.value();
  const bool force_scalar = a.force_scalar, has_dim = a.has_dim;
  const int64_t dim = a.dim;
  ag::VarPtr x = var_of(h);
  if (a.has_dtype) {
    auto c = ag::to_dtype(x, a.dtype);
    if (!c) return make_error(c.error());
    x = c.take();
  }
  std::vector<std::string> warnings;
  auto out = ag::activation(all[static_cast<std::size_t>(index)], x, has_dim, dim, force_scalar,
                            &warnings);
  if (!out) return make_error(out.error());
  return var_desc(out.take(), warnings);
}

val make_recipe_js(std::string name, double seed_lo, double seed_hi, double n, double c) {
  auto r = make_recipe(name, seed_of(seed_lo, seed_hi), static_cast<int64_t>(n),
                       static_cast<int64_t>(c));
  if (!r) return make_error(r.error());
  val out = val::object();
  for (auto& kv : r.value().tensors) out.set(kv.first, desc_of(std::move(kv.second)));
  return out;
}

// ---- reductions for plots ----------------------------------------------------------------

val histogram_js(val t, unsigned bins) {
  auto h = histogram(view_of(t), static_cast<int>(bins));
  if (!h) return make_error(h.error());
  val o = val::object();
  o.set("min", val(h.value().min));
  o.set("max", val(h.value().max));
  o.set("nonFinite", val(static_cast<double>(h.value().non_finite)));
  val counts = val::array();
  for (std::size_t i = 0; i < h.value().counts.size(); ++i)
    counts.set(i, val(static_cast<double>(h.value().counts[i])));
  o.set("counts", counts);
  return o;
}

}  // namespace

EMSCRIPTEN_BINDINGS(losslab) {
  emscripten::function("simdArch", &simd_arch);
  // The core's threads (the losslab-simd-threads flavour; 1 in the others).
  emscripten::function("threadsBuilt", &losslab::threads_built);
  emscripten::function("numThreads", &losslab::num_threads);
  emscripten::function("setNumThreads", &losslab::set_num_threads);
  emscripten::function("registry", &registry);
  emscripten::function("abi", &abi);
  emscripten::function("sort", &op_sort);
  emscripten::function("lastError", &last_error);
  emscripten::function("lastWarnings", &last_warnings);
  emscripten::function("repr", &repr);
  emscripten::class_<JsGenerator>("Generator")
      .constructor<>()
      .function("manualSeed", &JsGenerator::manual_seed)
      .function("initialSeed", &JsGenerator::initial_seed)
      .function("clone", &JsGenerator::clone);
  emscripten::function("draw", &draw);
  emscripten::function("drawInt", &draw_int);
  emscripten::function("mm", &op_mm);
  emscripten::function("addmm", &op_addmm);
  emscripten::function("uniformFill", &uniform_fill);
  emscripten::function("sigmoid", &op_sigmoid);
  emscripten::function("t", &op_t);
  emscripten::function("neg", &op_neg);
  emscripten::function("unary", &op_unary);
  emscripten::function("reduce", &op_reduce);
  emscripten::function("full", &op_full);
  emscripten::function("arange", &op_arange);
  emscripten::function("eye", &op_eye);
  emscripten::function("reshape", &op_reshape);
  emscripten::function("unsqueeze", &op_unsqueeze);
  emscripten::function("squeeze", &op_squeeze);
  emscripten::function("flatten", &op_flatten);
  emscripten::function("transpose", &op_transpose);
  emscripten::function("addSame", &op_add_same);
  emscripten::function("to", &op_to);
  emscripten::function("varAdopt", &var_adopt);
  emscripten::function("varRelease", &var_release);
  emscripten::function("varSetRequiresGrad", &var_set_requires_grad);
  emscripten::function("varRetainGrad", &var_retain_grad);
  emscripten::function("varRetainsGrad", &var_retains_grad);
  emscripten::function("varGrad", &var_grad);
  emscripten::function("varSetGrad", &var_set_grad);
  emscripten::function("varDetach", &var_detach);
  emscripten::function("varBumpVersion", &var_bump_version);
  emscripten::function("varBackward", &var_backward);
  emscripten::function("varRepr", &var_repr);
  emscripten::function("setGradEnabled", &set_grad_enabled);
  emscripten::function("agBinary", &ag_binary);
  emscripten::function("agBinaryScalar", &ag_binary_scalar);
  emscripten::function("agNeg", &ag_neg);
  emscripten::function("agUnary", &ag_unary);
  emscripten::function("agSigmoid", &ag_sigmoid);
  emscripten::function("agReduce", &ag_reduce);
  emscripten::function("agMm", &ag_mm);
  emscripten::function("agAddmm", &ag_addmm);
  emscripten::function("agClamp", &ag_clamp);
  emscripten::function("agTake", &ag_take);
  emscripten::function("agClone", &ag_clone);
  emscripten::function("agCat", &ag_cat);
  emscripten::function("cat", &op_cat);
  emscripten::function("linspace", &op_linspace);
  emscripten::function("agMaxAll", &ag_max_all);
  emscripten::function("agMaxDim", &ag_max_dim);
  emscripten::function("maxAll", &op_max_all);
  emscripten::function("maxDim", &op_max_dim);
  emscripten::function("argmax", &op_argmax);
  emscripten::function("clamp", &op_clamp);
  emscripten::function("heapInUse", &heap_in_use);
  emscripten::class_<JsSgd>("Sgd")
      .constructor<>()
      .function("add", &JsSgd::add)
      .function("step", &JsSgd::step)
      .function("buffer", &JsSgd::buffer);
  emscripten::function("agT", &ag_t);
  emscripten::function("agTranspose", &ag_transpose);
  emscripten::function("agReshape", &ag_reshape);
  emscripten::function("agUnsqueeze", &ag_unsqueeze);
  emscripten::function("agSqueeze", &ag_squeeze);
  emscripten::function("agFlatten", &ag_flatten);
  emscripten::function("agTo", &ag_to);
  emscripten::function("agLossPacked", &ag_loss_packed);
  emscripten::function("agActivationPacked", &ag_activation_packed);
  emscripten::function("recipe", &make_recipe_js);
  emscripten::function("histogram", &histogram_js);
}
