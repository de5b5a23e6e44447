// poisson_nll_loss (nn.PoissonNLLLoss), torch 1.13's composite (Loss.cpp):
//   l = exp(x) - t x                      (log_input, the default)
//   l = x - t log(x + eps)                (log_input=False)
//   full: l += (t log t - t + 0.5 log(2 pi t)).masked_fill(t <= 1, 0)
// The operands broadcast; input and target are both differentiable. Gradients follow
// autograd's graph (G the upstream per element, Gm = sum_to(G, t) masked where t <= 1):
//   d/dx = sum_to(G, x) exp(x) + sum_to((-G) t, x)             [log_input]
//        = sum_to(G, x) + sum_to((-G) t, x) / (x + eps)        [rate]
//   d/dt = (((Gm log t + -Gm) + (Gm t) / t) + ((Gm 0.5) / (2 pi t)) 2 pi) + sum_to((-G) x, t)
// (the full terms only with full; NaN where t = 0, from 0 log 0, as torch's). exp/log are
// torch's at::exp / at::log (detail/torch_math.hpp: SLEEF's float32 algorithms bit for bit,
// identical in every build; float64 lanes use pmath's). Integer operands are computed as float32.
#include <cmath>

#include "elem_common.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

namespace tx = detail::tmath;
using elem::vsel;

constexpr double kTwoPi = 2 * 3.14159265358979323846;  // 2 * c10::pi<double>

template <class T>
struct PoissonKernel {
  bool log_input, full;
  T eps;
  template <class K, class V>
  V operator()(const K& k, V x, V t) const {
    V l = log_input ? tx::torch_exp(x, k.exp_k) - t * x : x - t * tx::torch_log(x + V(eps));
    if (full) {
      const V st = ((t * tx::torch_log(t)) - t) + V(T(0.5)) * tx::torch_log(V(T(kTwoPi)) * t);
      l = l + vsel(t <= V(T(1)), V(T(0)), st);
    }
    return l;
  }
};

Result<LossOutput> poisson_forward(const LossCall& c) {
  auto full = broadcast_shapes(c[1].shape, c[0].shape);  // target * input
  if (!full) return full.error();
  const DType dt = elem::promote(c);
  auto x = elem::dense(c[0], full.value(), dt);
  auto t = elem::dense(c[1], full.value(), dt);
  if (!x) return x.error();
  if (!t) return t.error();
  auto v = elem::make(dt, full.value());
  if (!v) return v.error();
  const int64_t n = shape_numel(full.value());
  const bool simd = !c.options.force_scalar;
  const LossOptions& o = c.options;
  if (dt == DType::Float32)
    elem::map(n, simd, v.value().as<float>(),
              PoissonKernel<float>{o.log_input, o.full, static_cast<float>(o.eps)},
              x.value().as<float>(), t.value().as<float>());
  else
    elem::map(n, simd, v.value().as<double>(), PoissonKernel<double>{o.log_input, o.full, o.eps},
              x.value().as<double>(), t.value().as<double>());
  return elem::reduced(v.take(), c.options.reduction);
}

template <class T>
Result<Tensor> from_vector(const std::vector<T>& v, DType dt, const Shape& s) {
  auto t = elem::make(dt, s);
  if (!t) return t;
  std::copy(v.begin(), v.end(), t.value().template as<T>());
  return t;
}

template <class T>
Result<LossGrads> poisson_backward_t(const LossCall& c, const Shape& full, DType dt,
                                     const TensorView* go, unsigned want) {
  LossGrads out(2);
  const LossOptions& o = c.options;
  auto Gv = detail::upstream_grad<T>(go, full, o.reduction, dt);
  if (!Gv) return Gv.error();
  const std::vector<T>& G = Gv.value();
  const int64_t n = shape_numel(full);
  auto xd = elem::dense(c[0], full, dt);
  auto td = elem::dense(c[1], full, dt);
  if (!xd) return xd.error();
  if (!td) return td.error();
  const T* xf = xd.value().template as<T>();
  const T* tf = td.value().template as<T>();
  const T eps = static_cast<T>(o.eps);
  if (want & want_bit(0)) {
    // The operand itself in its own shape (converted), for exp(x) and x + eps.
    auto xs = elem::dense(c[0], c[0].shape, dt);
    if (!xs) return xs.error();
    auto direct = from_vector(G, dt, full);  // exp(x) / x's own term
    auto prod = elem::make(dt, full);        // (-G) t
    if (!direct) return direct.error();
    if (!prod) return prod.error();
    T* p = prod.value().template as<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = (-G[static_cast<std::size_t>(i)]) * tf[i];
    auto A = elem::torch_sum_to(direct.take(), c[0].shape);
    auto B = elem::torch_sum_to(prod.take(), c[0].shape);
    if (!A) return A.error();
    if (!B) return B.error();
    T* a = A.value().template as<T>();
    const T* b = B.value().template as<T>();
    const T* x = xs.value().template as<T>();
    for (int64_t i = 0; i < A.value().numel(); ++i)
      a[i] = o.log_input ? a[i] * tx::torch_exp(x[i]) + b[i] : a[i] + b[i] / (x[i] + eps);
    auto r = elem::finish_grad(A.take(), c[0]);
    if (!r) return r.error();
    out[0] = r.take();
  }
  if (want & want_bit(1)) {
    auto prod = elem::make(dt, full);  // (-G) x  or  (-G) log(x + eps)
    if (!prod) return prod.error();
    T* p = prod.value().template as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T other = o.log_input ? xf[i] : tx::torch_log(xf[i] + eps);
      p[i] = (-G[static_cast<std::size_t>(i)]) * other;
    }
    auto M = elem::torch_sum_to(prod.take(), c[1].shape);
    if (!M) return M.error();
    if (o.full) {
      auto ts = elem::dense(c[1], c[1].shape, dt);
      auto Gd = from_vector(G, dt, full);
      if (!ts) return ts.error();
      if (!Gd) return Gd.error();
      auto Gt = elem::torch_sum_to(Gd.take(), c[1].shape);
      if (!Gt) return Gt.error();
      const T* t = ts.value().template as<T>();
      const T* gt = Gt.value().template as<T>();
      T* m = M.value().template as<T>();
      const T c2pi = static_cast<T>(kTwoPi);
      for (int64_t i = 0; i < M.value().numel(); ++i) {
        const T gm = t[i] <= T(1) ? T(0) : gt[i];        // masked_fill's backward
        T s = gm * tx::torch_log(t[i]) + (-gm);          // t * log(t) - t
        s = s + (gm * t[i]) / t[i];                      // log(t)'s backward
        s = s + ((gm * T(0.5)) / (c2pi * t[i])) * c2pi;  // 0.5 * log(2 pi t)
        m[i] = s + m[i];
      }
    }
    auto r = elem::finish_grad(M.take(), c[1]);
    if (!r) return r.error();
    out[1] = r.take();
  }
  return out;
}

Result<LossGrads> poisson_backward(const LossCall& c, const TensorView* go, unsigned want) {
  auto full = broadcast_shapes(c[1].shape, c[0].shape);
  if (!full) return full.error();
  want = elem::floating_wants(c, want);
  const DType dt = elem::promote(c);
  if (dt == DType::Float32) return poisson_backward_t<float>(c, full.value(), dt, go, want);
  return poisson_backward_t<double>(c, full.value(), dt, go, want);
}

}  // namespace

extern const LossSpec kPoissonNllLoss{
    "poisson_nll_loss",
    "PoissonNLLLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, true}},
    {opt_bool("log_input", &LossOptions::log_input, true,
              "the input is log(rate): loss exp(x) - y x; otherwise x - y log(x + eps)"),
     opt_bool("full", &LossOptions::full, false,
              "add the Stirling term y log y - y + 0.5 log(2 pi y)"),
     opt_float("eps", &LossOptions::eps, 1e-8,
               "added to the rate before the log (log_input=False)")},
    false,
    kTargetFloat,
    "any",
    "l = exp(x) - y x   [x - y log(x + eps) with log_input=False]",
    nullptr,
    &poisson_forward,
    &poisson_backward,
    kExactNone | kExactReduced | kExactAcrossBuilds,
    "{} is not valid",
    &always};

}  // namespace losslab
