#include "losslab/registry.hpp"

#include <cmath>
#include <sstream>

#include "losslab/ops.hpp"

namespace losslab {

// Each loss file defines its spec; this is the only list of them (order = menu order): the
// lesson's nine, the other losses of torch.nn.functional, then the distances.
extern const LossSpec kMseLoss;
extern const LossSpec kL1Loss;
extern const LossSpec kSmoothL1Loss;
extern const LossSpec kHuberLoss;
extern const LossSpec kBinaryCrossEntropy;
extern const LossSpec kBinaryCrossEntropyWithLogits;
extern const LossSpec kNllLoss;
extern const LossSpec kCrossEntropy;
extern const LossSpec kKlDiv;
extern const LossSpec kMarginRankingLoss;
extern const LossSpec kHingeEmbeddingLoss;
extern const LossSpec kSoftMarginLoss;
extern const LossSpec kMultilabelSoftMarginLoss;
extern const LossSpec kMultiMarginLoss;
extern const LossSpec kMultilabelMarginLoss;
extern const LossSpec kCosineEmbeddingLoss;
extern const LossSpec kTripletMarginLoss;
extern const LossSpec kTripletMarginWithDistanceLoss;
extern const LossSpec kPoissonNllLoss;
extern const LossSpec kGaussianNllLoss;
extern const LossSpec kCtcLoss;
extern const LossSpec kPairwiseDistance;
extern const LossSpec kCosineSimilarity;

const std::vector<LossSpec>& losses() {
  static const std::vector<LossSpec> all = {
      kMseLoss,
      kL1Loss,
      kSmoothL1Loss,
      kHuberLoss,
      kBinaryCrossEntropy,
      kBinaryCrossEntropyWithLogits,
      kNllLoss,
      kCrossEntropy,
      kKlDiv,
      kMarginRankingLoss,
      kHingeEmbeddingLoss,
      kSoftMarginLoss,
      kMultilabelSoftMarginLoss,
      kMultiMarginLoss,
      kMultilabelMarginLoss,
      kCosineEmbeddingLoss,
      kTripletMarginLoss,
      kTripletMarginWithDistanceLoss,
      kPoissonNllLoss,
      kGaussianNllLoss,
      kCtcLoss,
      kPairwiseDistance,
      kCosineSimilarity,
  };
  return all;
}

extern const LossSpec kTripletMarginFromDistances;

const std::vector<LossSpec>& internal_losses() {
  static const std::vector<LossSpec> all = {kTripletMarginFromDistances};
  return all;
}

const LossSpec* find_loss(const std::string& name) {
  for (const auto& s : losses())
    if (name == s.name) return &s;
  return nullptr;
}

extern const ActivationSpec kLogSoftmax;
extern const ActivationSpec kSoftmax;

const std::vector<ActivationSpec>& activations() {
  static const std::vector<ActivationSpec> all = {
      kLogSoftmax,
      kSoftmax,
  };
  return all;
}

const ActivationSpec* find_activation(const std::string& name) {
  for (const auto& s : activations())
    if (name == s.name) return &s;
  return nullptr;
}

// ---- option specs ---------------------------------------------------------------------------

OptionSpec opt_float(const char* name, double LossOptions::*field, double def, const char* doc,
                     OptionRange range) {
  OptionField f;
  f.f = field;
  return OptionSpec{name, OptionKind::Float, def, range, doc, f};
}

OptionSpec opt_int(const char* name, int64_t LossOptions::*field, int64_t def, const char* doc,
                   OptionRange range) {
  OptionField f;
  f.i = field;
  return OptionSpec{name, OptionKind::Int, static_cast<double>(def), range, doc, f};
}

OptionSpec opt_bool(const char* name, bool LossOptions::*field, bool def, const char* doc) {
  OptionField f;
  f.b = field;
  return OptionSpec{name, OptionKind::Bool, def ? 1.0 : 0.0, {}, doc, f};
}

OptionSpec opt_tensor(const char* name, std::optional<TensorView> LossOptions::*field,
                      const char* doc) {
  OptionField f;
  f.t = field;
  return OptionSpec{name, OptionKind::Tensor, 0.0, {}, doc, f};
}

OptionSpec opt_callable(const char* name, const char* doc) {
  return OptionSpec{name, OptionKind::Callable, 0.0, {}, doc, {}};
}

namespace {

std::string format_message(const char* tmpl, double v, OptionKind kind) {
  std::string m = tmpl;
  if (const auto at = m.find("{}"); at != std::string::npos) {
    std::ostringstream s;  // c10::str's formatting
    if (kind == OptionKind::Int)
      s << static_cast<int64_t>(v);
    else
      s << v;
    return m.replace(at, 2, s.str());
  }
  return m;
}

bool in_range(double v, const OptionRange& r) {
  if (std::isnan(v)) return r.nan_passes;
  const bool lo = r.min_inclusive ? v >= r.min : v > r.min;
  const bool hi = r.max_inclusive ? v <= r.max : v < r.max;
  return lo && hi;
}

}  // namespace

// ---- the checked entries --------------------------------------------------------------------

LossOptions LossSpec::defaults() const {
  LossOptions o;
  for (const OptionSpec& p : options) {
    if (p.field.f) o.*(p.field.f) = p.default_value;
    if (p.field.i) o.*(p.field.i) = static_cast<int64_t>(p.default_value);
    if (p.field.b) o.*(p.field.b) = p.default_value != 0;
  }
  return o;
}

Result<Reduction> LossSpec::parse_reduction(const std::string& s) const {
  auto r = losslab::parse_reduction(s, batchmean);
  if (r || !reduction_message) return r;
  std::string m = reduction_message;
  if (const auto at = m.find("{}"); at != std::string::npos) m.replace(at, 2, s);
  return value_error(m);
}

const OptionSpec* LossSpec::option(const std::string& n) const {
  for (const OptionSpec& p : options)
    if (n == p.name) return &p;
  return nullptr;
}

Status LossSpec::validate(const LossCall& call) const {
  if (call.operands.size() != operands.size())
    return value_error(std::string(name) + "() takes " + std::to_string(operands.size()) +
                       " tensors, got " + std::to_string(call.operands.size()));
  if (call.options.reduction == Reduction::BatchMean && !batchmean)
    return parse_reduction("batchmean").error();  // this loss's own wording
  for (const OptionSpec& p : options) {
    if (!p.range.message) continue;
    double v;
    if (p.field.f)
      v = call.options.*(p.field.f);
    else if (p.field.i)
      v = static_cast<double>(call.options.*(p.field.i));
    else
      continue;
    if (!in_range(v, p.range))
      return Error{p.range.error_type, format_message(p.range.message, v, p.kind)};
  }
  if (check) return check(call);
  return Ok{};
}

Result<LossOutput> LossSpec::forward(const LossCall& call) const {
  if (auto st = validate(call); !st) return st.error();
  return forward_fn(call);
}

Result<LossGrads> LossSpec::backward(const LossCall& call, const TensorView* grad_output,
                                     unsigned want) const {
  if (auto st = validate(call); !st) return st.error();
  // An integer operand gets no gradient (torch cannot even make it require one); asking for
  // the gradients of integer operands only, by name (not kWantAll), is torch's error for
  // requires_grad on one.
  unsigned mask = 0, integer = 0;
  for (std::size_t k = 0; k < operands.size(); ++k) {
    if (!operands[k].differentiable) continue;
    if (dtype_is_floating(call[k].dtype))
      mask |= want_bit(k);
    else
      integer |= want_bit(k);
  }
  if (want != kWantAll && (want & mask) == 0 && (want & integer) != 0)
    return runtime_error("only Tensors of floating point dtype can require gradients");
  if (grad_in_float64 && all_float32(call, grad_output) && grad_in_float64(call)) {
    auto r = backward_in_float64(call, grad_output, want & mask);
    if (!r) return r.error();
    r.value().resize(operands.size());
    return r;
  }
  auto r = backward_fn(call, grad_output, want & mask);
  if (!r) return r.error();
  r.value().resize(operands.size());
  return r;
}

bool always(const LossCall&) { return true; }

namespace {
bool f32_or_integer(const TensorView& v) {
  return v.dtype == DType::Float32 || !dtype_is_floating(v.dtype);
}
}  // namespace

bool LossSpec::all_float32(const LossCall& call, const TensorView* grad_output) {
  bool any = false;
  for (const TensorView& v : call.operands) {
    if (!f32_or_integer(v)) return false;
    any = any || v.dtype == DType::Float32;
  }
  for (const auto* t : {&call.options.weight, &call.options.pos_weight})
    if (*t && !f32_or_integer(**t)) return false;
  return any && (!grad_output || grad_output->dtype == DType::Float32);
}

// The call with every float32 tensor widened to float64, its backward, and each gradient
// rounded back to its operand's float32 (the one rounding).
Result<LossGrads> LossSpec::backward_in_float64(const LossCall& call, const TensorView* grad_output,
                                                unsigned want) const {
  std::vector<Tensor> keep;
  keep.reserve(call.operands.size() + 3);
  auto widen = [&](const TensorView& v) -> Result<TensorView> {
    if (v.dtype != DType::Float32) return v;
    auto t = to_dtype(v, DType::Float64);
    if (!t) return t.error();
    keep.push_back(t.take());
    return keep.back().view();
  };
  LossCall wide{{}, call.options};
  for (const TensorView& v : call.operands) {
    auto w = widen(v);
    if (!w) return w.error();
    wide.operands.push_back(w.value());
  }
  for (auto* t : {&wide.options.weight, &wide.options.pos_weight}) {
    if (!*t) continue;
    auto w = widen(**t);
    if (!w) return w.error();
    *t = w.value();
  }
  std::optional<TensorView> go;
  if (grad_output) {
    auto w = widen(*grad_output);
    if (!w) return w.error();
    go = w.value();
  }
  auto r = backward_fn(wide, go ? &*go : nullptr, want);
  if (!r) return r.error();
  LossGrads& grads = r.value();
  for (std::size_t k = 0; k < grads.size() && k < call.operands.size(); ++k) {
    if (!grads[k] || grads[k]->dtype() == call[k].dtype) continue;
    auto n = to_dtype(grads[k]->view(), call[k].dtype);
    if (!n) return n.error();
    grads[k] = n.take();
  }
  return r;
}

Result<LossOutput> LossSpec::forward(const TensorView& a, const TensorView& b,
                                     const LossOptions& o) const {
  return forward(LossCall{{a, b}, o});
}

Result<Tensor> LossSpec::backward(const TensorView& a, const TensorView& b, const LossOptions& o,
                                  const TensorView* grad_output) const {
  auto r = backward(LossCall{{a, b}, o}, grad_output, want_bit(0));
  if (!r) return r.error();
  if (r.value().empty() || !r.value()[0]) return runtime_error("no gradient for input");
  return std::move(*r.value()[0]);
}

}  // namespace losslab
