// gaussian_nll_loss (nn.GaussianNLLLoss), torch 1.13's Python:
//   var: same size as input; or input.size()[:-1] (unsqueezed to end in 1); or input.size()[:-1]
//   with a last dim of 1; else ValueError "var is of incorrect size". Then "var has negative
//   entry/entries"; v = var.clone().clamp_(min=eps) under no_grad;
//   l = 0.5 (log v + (x - y)^2 / v)   (+ 0.5 log(2 pi) with full, a Python float)
// The target broadcasts freely. Gradients follow autograd's graph (G upstream, gs = G 0.5):
//   d/dv = sum_to(gs, v) / v + sum_to((-gs) ((P / v) / v), v),  P = (x - y)^2, at the clamped v
//   gD = (gs / v) (2 (x - y));  d/dx = sum_to(gD, x);  d/dy = sum_to(-gD, y)
// log is the portable one (detail/pmath.hpp, within 1 ulp; torch uses Sleef's u10 vector log):
// a few ulp from torch, identical in every build. Integer input/target are computed as float32;
// an integer var is torch's error (its in-place clamp cannot write a float).
#include <cmath>

#include "elem_common.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

namespace pm = detail::pm;
using elem::vsel;

// var's shape as the loss uses it (unsqueezed when it is input.size()[:-1]), or the ValueError.
Result<Shape> var_shape(const Shape& in, const Shape& var) {
  if (var == in) return var;
  const Shape head(in.begin(), in.end() - (in.empty() ? 0 : 1));
  if (head == var) {
    Shape s = var;
    s.push_back(1);
    return s;
  }
  if (!var.empty()) {
    const Shape vhead(var.begin(), var.end() - 1);
    if (head == vhead && var.back() == 1) return var;
  }
  return value_error("var is of incorrect size");
}

template <class T>
bool any_negative(const TensorView& v) {
  const T* p = v.as<T>();
  for (int64_t i = 0; i < v.numel(); ++i)
    if (p[i] < T(0)) return true;
  return false;
}

Status gauss_check(const LossCall& c) {
  auto vs = var_shape(c[0].shape, c[2].shape);
  if (!vs) return vs.error();
  const TensorView& v = c[2];
  bool neg = false;
  switch (v.dtype) {
    case DType::Float32: neg = any_negative<float>(v); break;
    case DType::Float64: neg = any_negative<double>(v); break;
    case DType::Int64: neg = any_negative<int64_t>(v); break;
    case DType::Int32: neg = any_negative<int32_t>(v); break;
    case DType::Bool: break;  // never negative
  }
  if (neg) return value_error("var has negative entry/entries");
  if (v.dtype == DType::Int64)
    return runtime_error("result type Float can't be cast to the desired output type long int");
  if (v.dtype == DType::Int32)
    return runtime_error("result type Float can't be cast to the desired output type int");
  return Ok{};
}

struct GaussShapes {
  Shape var, full;
};
Result<GaussShapes> gauss_shapes(const LossCall& c) {
  auto vs = var_shape(c[0].shape, c[2].shape);
  if (!vs) return vs.error();
  auto xy = broadcast_shapes(c[0].shape, c[1].shape);  // input - target
  if (!xy) return xy.error();
  auto full = broadcast_shapes(xy.value(), vs.value());  // (...)**2 / var
  if (!full) return full.error();
  return GaussShapes{vs.take(), full.take()};
}

TensorView var_view(const LossCall& c, const Shape& s) {
  TensorView v = c[2];
  v.shape = s;
  return v;
}

template <class T>
struct GaussKernel {
  T eps, add;  // add: 0.5 log(2 pi) with full
  bool full;
  template <class K, class V>
  V operator()(const K& k, V x, V y, V var) const {
    const V v = vsel(var < V(eps), V(eps), var);  // clamp_(min=eps): NaN stays
    const V d = x - y;
    (void)k;
    const V l = (detail::tmath::torch_log(v) + (d * d) / v) * V(T(0.5));  // torch.log(var)
    return full ? l + V(add) : l;
  }
};

template <class T>
Result<Tensor> gauss_values(const LossCall& c, const GaussShapes& sh, DType dt) {
  auto x = elem::dense(c[0], sh.full, dt);
  auto y = elem::dense(c[1], sh.full, dt);
  auto v = elem::dense(var_view(c, sh.var), sh.full, dt);
  if (!x) return x.error();
  if (!y) return y.error();
  if (!v) return v.error();
  auto out = elem::make(dt, sh.full);
  if (!out) return out;
  const GaussKernel<T> kern{static_cast<T>(c.options.eps),
                            static_cast<T>(0.5 * std::log(2 * 3.14159265358979323846)),
                            c.options.full};
  elem::map(shape_numel(sh.full), !c.options.force_scalar, out.value().template as<T>(), kern,
            x.value().template as<T>(), y.value().template as<T>(), v.value().template as<T>());
  return out;
}

Result<LossOutput> gauss_forward(const LossCall& c) {
  auto sh = gauss_shapes(c);
  if (!sh) return sh.error();
  const DType dt = elem::promote(c);
  return elem::reduced(dt == DType::Float32 ? gauss_values<float>(c, sh.value(), dt)
                                            : gauss_values<double>(c, sh.value(), dt),
                       c.options.reduction);
}

template <class T>
Result<LossGrads> gauss_backward_t(const LossCall& c, const GaussShapes& sh, DType dt,
                                   const TensorView* go, unsigned want) {
  LossGrads out(3);
  auto Gv = detail::upstream_grad<T>(go, sh.full, c.options.reduction, dt);
  if (!Gv) return Gv.error();
  const T* G = Gv.value().data();
  const int64_t n = shape_numel(sh.full);
  auto xd = elem::dense(c[0], sh.full, dt);
  auto yd = elem::dense(c[1], sh.full, dt);
  auto vd = elem::dense(var_view(c, sh.var), sh.full, dt);
  if (!xd) return xd.error();
  if (!yd) return yd.error();
  if (!vd) return vd.error();
  const T* x = xd.value().template as<T>();
  const T* y = yd.value().template as<T>();
  const T* vr = vd.value().template as<T>();
  const T eps = static_cast<T>(c.options.eps);
  auto clamp = [eps](T v) { return v < eps ? eps : v; };
  if (want & (want_bit(0) | want_bit(1))) {
    auto gd = elem::make(dt, sh.full);
    if (!gd) return gd.error();
    T* q = gd.value().template as<T>();
    for (int64_t i = 0; i < n; ++i)
      q[i] = ((G[i] * T(0.5)) / clamp(vr[i])) * (T(2) * (x[i] - y[i]));
    if (want & want_bit(1)) {
      auto neg = elem::make(dt, sh.full);
      if (!neg) return neg.error();
      T* p = neg.value().template as<T>();
      for (int64_t i = 0; i < n; ++i) p[i] = -q[i];
      auto r = elem::finish_grad(neg.take(), c[1]);
      if (!r) return r.error();
      out[1] = r.take();
    }
    if (want & want_bit(0)) {
      auto r = elem::finish_grad(gd.take(), c[0]);
      if (!r) return r.error();
      out[0] = r.take();
    }
  }
  if (want & want_bit(2)) {
    auto a_full = elem::make(dt, sh.full);  // log(v)'s incoming gradient, gs
    auto b_full = elem::make(dt, sh.full);  // the division's: (-gs) ((P / v) / v)
    if (!a_full) return a_full.error();
    if (!b_full) return b_full.error();
    T* pa = a_full.value().template as<T>();
    T* pb = b_full.value().template as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T gs = G[i] * T(0.5), v = clamp(vr[i]), d = x[i] - y[i];
      pa[i] = gs;
      pb[i] = (-gs) * (((d * d) / v) / v);
    }
    auto A = elem::torch_sum_to(a_full.take(), sh.var);
    auto B = elem::torch_sum_to(b_full.take(), sh.var);
    if (!A) return A.error();
    if (!B) return B.error();
    auto vs = elem::dense(var_view(c, sh.var), sh.var, dt);
    if (!vs) return vs.error();
    const T* v = vs.value().template as<T>();
    T* a = A.value().template as<T>();
    const T* b = B.value().template as<T>();
    for (int64_t i = 0; i < A.value().numel(); ++i) a[i] = a[i] / clamp(v[i]) + b[i];
    A.value().reshape(c[2].shape);  // unsqueeze's backward
    auto r = elem::finish_grad(A.take(), c[2]);
    if (!r) return r.error();
    out[2] = r.take();
  }
  return out;
}

Result<LossGrads> gauss_backward(const LossCall& c, const TensorView* go, unsigned want) {
  auto sh = gauss_shapes(c);
  if (!sh) return sh.error();
  want = elem::floating_wants(c, want);
  const DType dt = elem::promote(c);
  if (dt == DType::Float32) return gauss_backward_t<float>(c, sh.value(), dt, go, want);
  return gauss_backward_t<double>(c, sh.value(), dt, go, want);
}

}  // namespace

extern const LossSpec kGaussianNllLoss{
    "gaussian_nll_loss",
    "GaussianNLLLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, true},
     {"var", OperandRole::Extra, kFloating, true}},
    {opt_bool("full", &LossOptions::full, false, "add the constant 0.5 log(2 pi)"),
     opt_float("eps", &LossOptions::eps, 1e-6, "var is clamped to at least eps")},
    false,
    kTargetFloat,
    "any",
    "l = 0.5 (log(max(var, eps)) + (x - y)^2 / max(var, eps))",
    &gauss_check,
    &gauss_forward,
    &gauss_backward,
    kExactNone | kExactReduced | kExactAcrossBuilds,
    "{} is not valid"};

}  // namespace losslab
