// cross_entropy (nn.CrossEntropyLoss), torch 1.13's three paths:
//  * class-index target: nll_loss(log_softmax(x, 1), y, weight, ignore_index). The forward is
//    fused: per position only max, log-sum-exp and the target's (x_t - m) - log(sum) are
//    computed (detail::log_softmax_pick, bit-identical to the materialised log_softmax), then
//    nll_loss's cascade;
//  * label_smoothing eps in (0, 1] with index targets (composite):
//      (1 - eps) * nll + (eps / C) * S,  s_i = -sum_c w_c logp_ic (0 where ignored),
//      S = sum_i s_i / (sum of the non-ignored w[y_i], or their count) for 'mean';
//  * class-probability target (float, same shape as the input):
//      l_i = -sum_c w_c q_ic logp_ic, q = y (1 - eps) + eps / C when eps > 0; 'mean' / (numel / C).
// Gradients follow torch's autograd graph of the same composite, operation for operation, and
// end in log_softmax's backward gx = g - exp(logp) sum(g).
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/nll.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using detail::NllPlan;
using detail::SmGeom;

double element_as_double(const TensorView& v, int64_t i) {
  switch (v.dtype) {
    case DType::Float32: return v.as<float>()[i];
    case DType::Float64: return v.as<double>()[i];
    case DType::Int64: return static_cast<double>(v.as<int64_t>()[i]);
    case DType::Int32: return v.as<int32_t>()[i];
    case DType::Bool: return v.as<bool>()[i] ? 1 : 0;
  }
  return 0;
}

// A validated call.
struct Call {
  bool prob = false;
  double eps = 0;  // effective label smoothing (values <= 0, and NaN, mean none)
  NllPlan plan;    // index targets
  SmGeom geom;     // the class dim (both paths)
  DType out_dtype = DType::Float32;
  Shape out_shape;  // 'none' result shape
  int64_t numel = 0;
};

Result<Call> validate(const TensorView& input, const TensorView& target, const LossOptions& o) {
  Call c;
  const double eps = o.label_smoothing;
  c.eps = eps > 0.0 ? eps : 0.0;
  c.numel = input.numel();
  const int64_t nd = input.dim();
  if (input.shape == target.shape) {
    // cross_entropy_loss: soft targets when the shapes agree.
    c.prob = true;
    if (!dtype_is_floating(target.dtype))
      return runtime_error(
          "Expected floating point type for target with class probabilities, got " +
          std::string(dtype_torch_name(target.dtype)));
    if (o.ignore_index >= 0)
      return runtime_error("ignore_index is not supported for floating point target");
    if (nd == 0) return index_error("Dimension specified as 1 but tensor has no dimensions");
    const int64_t class_dim = nd == 1 ? 0 : 1;
    const int64_t C = input.shape[static_cast<std::size_t>(class_dim)];
    if (o.weight && (o.weight->dim() != 1 || o.weight->numel() != C))
      return runtime_error(
          "cross_entropy: weight tensor should be defined either for all " + std::to_string(C) +
          " classes or no classes but got weight tensor of shape: " + shape_str(o.weight->shape));
    c.geom = detail::sm_geom(input.shape, class_dim);
    if (!dtype_is_floating(input.dtype))
      return detail::softmax_dtype_error(true, c.geom, input.dtype);
    const bool f64 = input.dtype == DType::Float64 || target.dtype == DType::Float64 ||
                     (o.weight && o.weight->dtype == DType::Float64);
    c.out_dtype = f64 ? DType::Float64 : DType::Float32;
    c.out_shape = input.shape;
    c.out_shape.erase(c.out_shape.begin() + class_dim);
    return c;
  }
  // log_softmax(input, class_dim)
  if (nd == 0)
    return index_error("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  c.geom = detail::sm_geom(input.shape, nd == 1 ? 0 : 1);
  if (!dtype_is_floating(input.dtype))
    return detail::softmax_dtype_error(true, c.geom, input.dtype);
  auto plan = detail::nll_plan(input, target, o.weight, o.ignore_index, o.reduction);
  if (!plan) return plan.error();
  c.plan = plan.take();
  c.out_dtype = input.dtype;
  c.out_shape = c.plan.out_shape;
  return c;
}

// ---- index targets ------------------------------------------------------------------------

struct PickCtx {
  const NllPlan* plan;
  const void* x;
  bool simd;
};

template <class T>
void fused_pick(const void* ctx, int64_t r0, int64_t r1, void* v) {
  const auto& c = *static_cast<const PickCtx*>(ctx);
  detail::log_softmax_pick<T>(static_cast<const T*>(c.x), c.plan->t, c.plan->ignore_index,
                              static_cast<T*>(v), c.plan->geom, r0, r1, c.simd);
}

// The same values read from a materialised log_softmax.
template <class T>
void lp_gather(const void* ctx, int64_t r0, int64_t r1, void* out) {
  const auto& c = *static_cast<const PickCtx*>(ctx);
  const NllPlan& p = *c.plan;
  const T* lp = static_cast<const T*>(c.x);
  T* v = static_cast<T*>(out);
  const int64_t C = p.geom.C, in = p.geom.inner;
  for (int64_t r = r0; r < r1; ++r)
    v[r - r0] = p.ignored(r) ? T(0) : lp[(r / in) * C * in + p.t[r] * in + r % in];
}

template <class T>
detail::PickFn fused_fn() {
  return &fused_pick<T>;
}

template <class T>
Result<Tensor> full_log_softmax(const TensorView& x, const SmGeom& g, bool simd) {
  Tensor lp(x.dtype, x.shape);
  if (!lp.ok()) return oom_error(std::to_string(lp.nbytes()) + " bytes");
  detail::log_softmax_forward(x.as<T>(), lp.as<T>(), g, simd);
  return lp;
}

// s_r = -sum_c lp * w_c (0 where ignored).
template <class T>
T smooth_term(const NllPlan& p, const T* lp, const T* w, int64_t r) {
  if (p.ignored(r)) return T(0);
  const int64_t C = p.geom.C, in = p.geom.inner;
  const T* row = lp + (r / in) * C * in + r % in;
  T acc = T(0);
  for (int64_t c = 0; c < C; ++c) acc = acc + (w ? row[c * in] * w[c] : row[c * in]);
  return -acc;
}

// The 'mean' denominator of the smoothing term: sum of the non-ignored w[y], or their count.
template <class T>
T smooth_den(const NllPlan& p, const T* w) {
  if (!w) return static_cast<T>(p.rows - p.num_ignored);
  double s = 0;
  for (int64_t r = 0; r < p.rows; ++r)
    if (!p.ignored(r)) s += static_cast<double>(w[p.t[r]]);
  return static_cast<T>(s);
}

template <class T>
Result<Tensor> index_forward(const Call& c, const TensorView& x, const LossOptions& o) {
  const NllPlan& p = c.plan;
  const bool simd = !o.force_scalar;
  if (c.eps == 0.0) {
    const PickCtx ctx{&p, x.data, simd};
    return detail::nll_reduce(p, o.reduction, simd, fused_fn<T>(), &ctx, nullptr);
  }
  auto lpt = full_log_softmax<T>(x, p.geom, simd);
  if (!lpt) return lpt.error();
  const T* lp = lpt.value().template as<T>();
  const PickCtx ctx{&p, lp, simd};
  auto nll = detail::nll_reduce(p, o.reduction, simd, &lp_gather<T>, &ctx, nullptr);
  if (!nll) return nll.error();
  Tensor out = nll.take();
  const T* w = static_cast<const T*>(p.w);
  const T a = static_cast<T>(1.0 - c.eps);
  const T b = static_cast<T>(c.eps / static_cast<double>(p.geom.C));
  T* v = out.as<T>();
  if (o.reduction == Reduction::None) {
    for (int64_t r = 0; r < p.rows; ++r) v[r] = v[r] * a + smooth_term(p, lp, w, r) * b;
    return out;
  }
  double total = 0;
  for (int64_t r = 0; r < p.rows; ++r) total += static_cast<double>(smooth_term(p, lp, w, r));
  T ret = static_cast<T>(total);
  if (o.reduction == Reduction::Mean) ret = ret / smooth_den(p, w);
  v[0] = v[0] * a + ret * b;
  return out;
}

// One position's upstream gradient w.r.t. the log-probabilities: nll_loss's entry at the
// target, plus (label smoothing) the smoothing branch's -gi * w_j; 0 where ignored.
template <class T>
struct IndexRowGrad {
  T entry = T(0), gi = T(0);
  int64_t t = -1;
  const T* w = nullptr;
  bool smooth = false, ignored = true;
  T operator()(int64_t j) const {
    if (ignored) return T(0);
    const T v = j == t ? entry : T(0);
    if (!smooth) return v;
    return v + (w ? (-gi) * w[j] : -gi);
  }
};

template <class T>
Result<Tensor> index_backward(const Call& c, const TensorView& x, const LossOptions& o,
                              const TensorView* grad_output) {
  const NllPlan& p = c.plan;
  const bool simd = !o.force_scalar;
  const T tw =
      static_cast<T>(o.reduction == Reduction::Mean ? detail::nll_total_weight(p, simd) : 1.0);
  auto gt = full_log_softmax<T>(x, p.geom, simd);
  if (!gt) return gt.error();
  Tensor grad = gt.take();
  const T* g = grad_output ? grad_output->as<T>() : nullptr;
  const T* w = static_cast<const T*>(p.w);
  const bool none = o.reduction == Reduction::None && !p.one_d;
  const bool smooth = c.eps != 0.0;
  // nll branch: upstream g * (1 - eps); smoothing branch: g * (eps / C), through the
  // reduction (/ den for 'mean'), masked_fill, neg, sum over the classes, * weight.
  const T a = static_cast<T>(1.0 - c.eps);
  const T b = static_cast<T>(c.eps / static_cast<double>(p.geom.C));
  const T den = smooth && o.reduction == Reduction::Mean ? smooth_den(p, w) : T(1);
  std::vector<T> gs;  // the nll branch's upstream gradient
  const T* gn = g;
  if (smooth) {
    gs.resize(static_cast<std::size_t>(none ? p.rows : 1));
    for (std::size_t r = 0; r < gs.size(); ++r) gs[r] = (g ? g[r] : T(1)) * a;
    gn = gs.data();
  }
  detail::log_softmax_backward_inplace(grad.as<T>(), p.geom, simd, [&](int64_t r) {
    IndexRowGrad<T> rg;
    if (r >= p.rows || p.ignored(r)) return rg;
    rg.ignored = false;
    rg.t = p.t[r];
    rg.entry = detail::nll_grad_entry(p, o.reduction, gn, tw, r);
    if (smooth) {
      rg.smooth = true;
      rg.w = w;
      const T gr = none ? (g ? g[r] : T(1)) : (g ? g[0] : T(1));
      rg.gi = gr * b;
      if (o.reduction == Reduction::Mean) rg.gi = rg.gi / den;
    }
    return rg;
  });
  return grad;
}

// ---- class-probability targets --------------------------------------------------------------

// q = y (1 - eps) + eps / C, computed in the target's dtype, then widened to Tout.
template <class Tout>
struct SoftTarget {
  const TensorView& y;
  double eps;
  float af, bf;
  double ad, bd;
  SoftTarget(const TensorView& yv, double e, int64_t C)
      : y(yv),
        eps(e),
        af(static_cast<float>(1.0 - e)),
        bf(static_cast<float>(e / static_cast<double>(C))),
        ad(1.0 - e),
        bd(e / static_cast<double>(C)) {}
  Tout operator()(int64_t k) const {
    if (y.dtype == DType::Float32) {
      const float v = y.as<float>()[k];
      return static_cast<Tout>(eps > 0 ? v * af + bf : v);
    }
    const double v = y.as<double>()[k];
    return static_cast<Tout>(eps > 0 ? v * ad + bd : v);
  }
};

template <class Tout>
std::vector<Tout> weights_as(const std::optional<TensorView>& w) {
  std::vector<Tout> r;
  if (!w) return r;
  r.resize(static_cast<std::size_t>(w->numel()));
  for (int64_t i = 0; i < w->numel(); ++i)
    r[static_cast<std::size_t>(i)] = static_cast<Tout>(element_as_double(*w, i));
  return r;
}

template <class Tin, class Tout>
Result<Tensor> prob_forward(const Call& c, const TensorView& x, const TensorView& y,
                            const LossOptions& o) {
  const SmGeom& g = c.geom;
  const bool simd = !o.force_scalar;
  auto lpt = full_log_softmax<Tin>(x, g, simd);
  if (!lpt) return lpt.error();
  const Tin* lp = lpt.value().template as<Tin>();
  const SoftTarget<Tout> q(y, c.eps, g.C);
  const std::vector<Tout> wv = weights_as<Tout>(o.weight);
  const Tout* w = o.weight ? wv.data() : nullptr;
  const int64_t C = g.C, in = g.inner;
  auto prod = [&](int64_t k, int64_t cls) {
    const Tout l = static_cast<Tout>(lp[k]) * q(k);
    return w ? l * w[cls] : l;
  };
  if (o.reduction == Reduction::None) {
    Tensor out(c.out_dtype, c.out_shape);
    if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
    Tout* v = out.as<Tout>();
    for (int64_t r = 0; r < g.rows(); ++r) {
      const int64_t base = (r / in) * C * in + r % in;
      Tout acc = Tout(0);
      for (int64_t k = 0; k < C; ++k) acc = acc + prod(base + k * in, k);
      v[r] = -acc;
    }
    return out;
  }
  Tensor out(c.out_dtype, Shape{});
  if (!out.ok()) return oom_error("a scalar");
  double total = 0;
  for (int64_t r = 0; r < g.rows(); ++r) {
    const int64_t base = (r / in) * C * in + r % in;
    for (int64_t k = 0; k < C; ++k) total += static_cast<double>(prod(base + k * in, k));
  }
  Tout s = -static_cast<Tout>(total);
  if (o.reduction == Reduction::Mean)
    s = c.numel == 0 ? std::numeric_limits<Tout>::quiet_NaN()
                     : s / static_cast<Tout>(c.numel / std::max<int64_t>(C, 1));
  *out.as<Tout>() = s;
  return out;
}

template <class Tin, class Tout>
Result<Tensor> prob_backward(const Call& c, const TensorView& x, const TensorView& y,
                             const LossOptions& o, const TensorView* grad_output) {
  const SmGeom& g = c.geom;
  const bool simd = !o.force_scalar;
  auto gt = full_log_softmax<Tin>(x, g, simd);
  if (!gt) return gt.error();
  Tensor grad = gt.take();
  const SoftTarget<Tout> q(y, c.eps, g.C);
  const std::vector<Tout> wv = weights_as<Tout>(o.weight);
  const Tout* w = o.weight ? wv.data() : nullptr;
  const Tout* go = grad_output ? grad_output->as<Tout>() : nullptr;
  const Tout g0 = go ? go[0] : Tout(1);
  const int64_t C = g.C, in = g.inner;
  const Tout count = static_cast<Tout>(c.numel / std::max<int64_t>(C, 1));
  // d/d logp of -sum_c (logp * q) * w: ((-g) * w_c) * q, narrowed to the input's dtype.
  detail::log_softmax_backward_inplace(grad.as<Tin>(), g, simd, [&](int64_t r) {
    Tout gi = o.reduction == Reduction::None ? (go ? go[r] : Tout(1)) : g0;
    if (o.reduction == Reduction::Mean) gi = gi / count;
    const Tout ng = -gi;
    const int64_t base = (r / in) * C * in + r % in;
    return [ng, base, in, w, &q](int64_t j) {
      return static_cast<Tin>((w ? ng * w[j] : ng) * q(base + j * in));
    };
  });
  return grad;
}

// ---- the loss -------------------------------------------------------------------------------

Result<LossOutput> ce_forward(const TensorView& input, const TensorView& target,
                              const LossOptions& o) {
  auto call = validate(input, target, o);
  if (!call) return call.error();
  const Call& c = call.value();
  Result<Tensor> v = Tensor();
  if (!c.prob) {
    v = input.dtype == DType::Float32 ? index_forward<float>(c, input, o)
                                      : index_forward<double>(c, input, o);
  } else if (input.dtype == DType::Float64) {
    v = prob_forward<double, double>(c, input, target, o);
  } else if (c.out_dtype == DType::Float64) {
    v = prob_forward<float, double>(c, input, target, o);
  } else {
    v = prob_forward<float, float>(c, input, target, o);
  }
  if (!v) return v.error();
  LossOutput out;
  out.value = v.take();
  return out;
}

Result<Tensor> ce_backward(const TensorView& input, const TensorView& target, const LossOptions& o,
                           const TensorView* grad_output) {
  auto call = validate(input, target, o);
  if (!call) return call.error();
  const Call& c = call.value();
  const bool none = o.reduction == Reduction::None && !(!c.prob && c.plan.one_d);
  const Shape expected = none ? c.out_shape : Shape{};
  if (auto st = detail::check_grad_output(grad_output, expected, o.reduction, c.out_dtype); !st)
    return st.error();
  if (!c.prob)
    return input.dtype == DType::Float32 ? index_backward<float>(c, input, o, grad_output)
                                         : index_backward<double>(c, input, o, grad_output);
  if (input.dtype == DType::Float64)
    return prob_backward<double, double>(c, input, target, o, grad_output);
  if (c.out_dtype == DType::Float64)
    return prob_backward<float, double>(c, input, target, o, grad_output);
  return prob_backward<float, float>(c, input, target, o, grad_output);
}

}  // namespace

extern const LossSpec kCrossEntropy{
    "cross_entropy",
    "CrossEntropyLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_tensor("weight", &LossOptions::weight, "a manual rescaling weight per class, shape (C,)"),
     opt_int("ignore_index", &LossOptions::ignore_index, -100,
             "a class-index target value that is ignored (no loss, no gradient, not in the mean)"),
     opt_float("label_smoothing", &LossOptions::label_smoothing, 0.0,
               "mixes the target with the uniform distribution: (1 - eps) y + eps / C",
               {-kInf, 1.0, true, true, "label_smoothing must be between 0.0 and 1.0. Got: {}",
                "RuntimeError", true})},
    false,
    kTargetIndex | kTargetProb,
    "logit",
    "l_i = -w[y_i] log_softmax(x)[i, y_i];  mean = sum / sum_i w[y_i]",
    nullptr,
    &forward2<&ce_forward>,
    &backward2<&ce_backward>,
    0,
    nullptr,
    &always};

}  // namespace losslab
