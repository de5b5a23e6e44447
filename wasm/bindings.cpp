// The Embind surface: thin, value-in/value-out, no exceptions. Tensors cross as descriptors
// {ptr, dtype, shape} of buffers that JS allocated with _malloc (copied in once); results come
// back as descriptors whose buffers JS now owns (it frees them with _free). Every fallible call
// returns either a descriptor or a JS Error, which wasm/losslab.mjs throws (TOOLCHAIN.md §7:
// throwing across the boundary leaks).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "losslab/format.hpp"
#include "losslab/ops.hpp"
#include "losslab/recipes.hpp"
#include "losslab/registry.hpp"
#include "losslab/rng.hpp"
#include "losslab/stats.hpp"

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

// A double to int64 without WebAssembly's trap on out-of-range values (they saturate).
int64_t to_i64(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(d);
}

bool has(const val& o, const char* key) {
  return !o.isUndefined() && !o.isNull() && !o[key].isUndefined() && !o[key].isNull();
}

// options: {reduction, beta, delta, label_smoothing, ignore_index, log_target, weight, pos_weight,
// force_scalar}; tensors as descriptors.
Result<LossOptions> parse_loss_options(const LossSpec& spec, const val& o) {
  LossOptions opt;
  if (has(o, "reduction")) {
    auto r = parse_reduction(o["reduction"].as<std::string>(), spec.batchmean);
    if (!r) return r.error();
    opt.reduction = r.value();
  }
  if (has(o, "beta")) opt.beta = o["beta"].as<double>();
  if (has(o, "delta")) opt.delta = o["delta"].as<double>();
  if (has(o, "label_smoothing")) opt.label_smoothing = o["label_smoothing"].as<double>();
  if (has(o, "ignore_index")) opt.ignore_index = to_i64(o["ignore_index"].as<double>());
  if (has(o, "log_target")) opt.log_target = o["log_target"].as<bool>();
  if (has(o, "weight")) opt.weight = view_of(o["weight"]);
  if (has(o, "pos_weight")) opt.pos_weight = view_of(o["pos_weight"]);
  if (has(o, "force_scalar")) opt.force_scalar = o["force_scalar"].as<bool>();
  return opt;
}

val loss_forward(std::string name, val input, val target, val options) {
  const LossSpec* spec = find_loss(name);
  if (!spec) return make_error(value_error("unknown loss '" + name + "'"));
  auto opt = parse_loss_options(*spec, options);
  if (!opt) return make_error(opt.error());
  auto r = spec->forward(view_of(input), view_of(target), opt.value());
  if (!r) return make_error(r.error());
  return desc_of(std::move(r.value().value), r.value().warnings);
}

// ---- the packed loss call ------------------------------------------------------------------
// loss_forward through emscripten::val reads ~40 properties and builds an object per call
// (~10 us); the JS wrapper instead writes the call into this buffer of doubles and passes only
// the loss's registry index. Layout (JS: _packedLoss in losslab.mjs):
//   input, target:   dtype code, ptr, ndim, dims...
//   reduction code (-1: default), beta, delta, label_smoothing, ignore_index (NaN: default),
//   log_target (-1: default, 0, 1), force_scalar (0, 1),
//   has_weight (0, 1) [+ desc], has_pos_weight (0, 1) [+ desc].
// The result comes back in the same buffer: dtype code, ptr, ndim, dims..., warning count;
// the warnings through last_warnings(), an error (return 1) through last_error().
constexpr int kPackSlots = 512;
double g_pack[kPackSlots];
Error g_last_error;
std::vector<std::string> g_last_warnings;

uintptr_t pack_buffer() { return reinterpret_cast<uintptr_t>(g_pack); }

struct PackReader {
  int i = 0;
  double next() { return g_pack[i++]; }
  TensorView view() {
    TensorView v;
    v.dtype = static_cast<DType>(static_cast<int>(next()));
    v.data = reinterpret_cast<const void*>(static_cast<uintptr_t>(next()));
    const int nd = static_cast<int>(next());
    v.shape.resize(static_cast<std::size_t>(nd));
    for (int k = 0; k < nd; ++k)
      v.shape[static_cast<std::size_t>(k)] = static_cast<int64_t>(next());
    return v;
  }
};

int loss_forward_packed(int index) {
  const auto& all = losses();
  if (index < 0 || static_cast<std::size_t>(index) >= all.size()) {
    g_last_error = value_error("unknown loss");
    return 1;
  }
  const LossSpec& spec = all[static_cast<std::size_t>(index)];
  PackReader r;
  const TensorView input = r.view(), target = r.view();
  LossOptions opt;
  const int red = static_cast<int>(r.next());
  if (red >= 0) {
    auto pr = parse_reduction(reduction_name(static_cast<Reduction>(red)), spec.batchmean);
    if (!pr) {
      g_last_error = pr.error();
      return 1;
    }
    opt.reduction = pr.value();
  }
  const double beta = r.next(), delta = r.next(), ls = r.next(), ii = r.next();
  if (!std::isnan(beta)) opt.beta = beta;
  if (!std::isnan(delta)) opt.delta = delta;
  if (!std::isnan(ls)) opt.label_smoothing = ls;
  if (!std::isnan(ii)) opt.ignore_index = to_i64(ii);
  const int log_target = static_cast<int>(r.next());
  if (log_target >= 0) opt.log_target = log_target != 0;
  opt.force_scalar = r.next() != 0;
  if (r.next() != 0) opt.weight = r.view();
  if (r.next() != 0) opt.pos_weight = r.view();
  auto out = spec.forward(input, target, opt);
  if (!out) {
    g_last_error = out.error();
    return 1;
  }
  Tensor t = std::move(out.value().value);
  g_last_warnings = std::move(out.value().warnings);
  const Shape shape = t.shape();
  int k = 0;
  g_pack[k++] = static_cast<double>(static_cast<int>(t.dtype()));
  g_pack[k++] = static_cast<double>(reinterpret_cast<uintptr_t>(t.release()));
  g_pack[k++] = static_cast<double>(shape.size());
  for (int64_t d : shape) g_pack[k++] = static_cast<double>(d);
  g_pack[k++] = static_cast<double>(g_last_warnings.size());
  return 0;
}

val last_error() { return make_error(g_last_error); }

val last_warnings() {
  val w = val::array();
  for (std::size_t i = 0; i < g_last_warnings.size(); ++i) w.set(i, val(g_last_warnings[i]));
  return w;
}

val loss_backward(std::string name, val input, val target, val options, val grad_output) {
  const LossSpec* spec = find_loss(name);
  if (!spec) return make_error(value_error("unknown loss '" + name + "'"));
  auto opt = parse_loss_options(*spec, options);
  if (!opt) return make_error(opt.error());
  std::optional<TensorView> g;
  if (!grad_output.isNull() && !grad_output.isUndefined()) g = view_of(grad_output);
  return wrap(spec->backward(view_of(input), view_of(target), opt.value(), g ? &*g : nullptr));
}

val activation_forward(std::string name, val input, val dim, bool force_scalar) {
  const ActivationSpec* spec = find_activation(name);
  if (!spec) return make_error(value_error("unknown activation '" + name + "'"));
  const bool has_dim = !dim.isUndefined() && !dim.isNull();
  auto r = spec->forward(view_of(input), has_dim,
                         has_dim ? static_cast<int64_t>(dim.as<double>()) : 0, force_scalar);
  if (!r) return make_error(r.error());
  return desc_of(std::move(r.value().value), r.value().warnings);
}

val activation_backward(std::string name, val input, val dim, val grad_output) {
  const ActivationSpec* spec = find_activation(name);
  if (!spec) return make_error(value_error("unknown activation '" + name + "'"));
  const bool has_dim = !dim.isUndefined() && !dim.isNull();
  std::optional<TensorView> g;
  if (!grad_output.isNull() && !grad_output.isUndefined()) g = view_of(grad_output);
  return wrap(spec->backward(view_of(input), has_dim,
                             has_dim ? static_cast<int64_t>(dim.as<double>()) : 0,
                             g ? &*g : nullptr));
}

const char* option_kind(OptionKind k) {
  switch (k) {
    case OptionKind::Float: return "float";
    case OptionKind::Int: return "int";
    case OptionKind::Bool: return "bool";
    case OptionKind::Tensor: return "tensor";
  }
  return "?";
}

// The registry as plain JS data: what the JS API, the page's menus and the bench enumerate.
val registry() {
  val out = val::object();
  val ls = val::array();
  unsigned i = 0;
  for (const LossSpec& s : losses()) {
    val o = val::object();
    o.set("name", val(std::string(s.name)));
    o.set("module", val(std::string(s.module_name)));
    o.set("arity", val(s.arity));
    o.set("inputKind", val(std::string(s.input_kind)));
    o.set("formula", val(std::string(s.formula)));
    val red = val::array();
    red.call<void>("push", val(std::string("none")), val(std::string("mean")),
                   val(std::string("sum")));
    if (s.batchmean) red.call<void>("push", val(std::string("batchmean")));
    o.set("reductions", red);
    val tg = val::array();
    if (s.targets & kTargetFloat) tg.call<void>("push", val(std::string("float")));
    if (s.targets & kTargetIndex) tg.call<void>("push", val(std::string("index")));
    if (s.targets & kTargetProb) tg.call<void>("push", val(std::string("probability")));
    o.set("targets", tg);
    val opts = val::array();
    unsigned j = 0;
    for (const OptionSpec& p : s.options) {
      val po = val::object();
      po.set("name", val(std::string(p.name)));
      po.set("kind", val(std::string(option_kind(p.kind))));
      if (p.kind != OptionKind::Tensor)
        po.set("default", val(p.default_value));
      else
        po.set("default", val::null());
      po.set("min", val(p.min));
      po.set("max", val(p.max));
      po.set("minInclusive", val(p.min_inclusive));
      po.set("doc", val(std::string(p.doc)));
      opts.set(j++, po);
    }
    o.set("options", opts);
    ls.set(i++, o);
  }
  out.set("losses", ls);
  val as = val::array();
  i = 0;
  for (const ActivationSpec& s : activations()) {
    val o = val::object();
    o.set("name", val(std::string(s.name)));
    o.set("module", val(std::string(s.module_name)));
    o.set("formula", val(std::string(s.formula)));
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
val op_sigmoid(val a) { return wrap(sigmoid(view_of(a))); }
val op_t(val a) { return wrap(transpose2d(view_of(a))); }
val op_to(val a, std::string dtype_s) {
  const auto dt = dtype_from_name(dtype_s);
  if (!dt) return make_error(value_error("unknown dtype '" + dtype_s + "'"));
  return wrap(to_dtype(view_of(a), *dt));
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
  emscripten::function("registry", &registry);
  emscripten::function("lossForward", &loss_forward);
  emscripten::function("lossBackward", &loss_backward);
  emscripten::function("packBuffer", &pack_buffer);
  emscripten::function("lossForwardPacked", &loss_forward_packed);
  emscripten::function("lastError", &last_error);
  emscripten::function("lastWarnings", &last_warnings);
  emscripten::function("activationForward", &activation_forward);
  emscripten::function("activationBackward", &activation_backward);
  emscripten::function("repr", &repr);
  emscripten::class_<JsGenerator>("Generator")
      .constructor<>()
      .function("manualSeed", &JsGenerator::manual_seed)
      .function("initialSeed", &JsGenerator::initial_seed)
      .function("clone", &JsGenerator::clone);
  emscripten::function("draw", &draw);
  emscripten::function("drawInt", &draw_int);
  emscripten::function("mm", &op_mm);
  emscripten::function("sigmoid", &op_sigmoid);
  emscripten::function("t", &op_t);
  emscripten::function("to", &op_to);
  emscripten::function("recipe", &make_recipe_js);
  emscripten::function("histogram", &histogram_js);
}
