// margin_ranking_loss (nn.MarginRankingLoss), torch 1.13's composite:
//   u = (-t) * (x1 - x2) + margin;  l = clamp_min(u, 0)
// Python checks only that the three dims are equal, then the operands broadcast. Gradients
// follow autograd's graph: gu = where(u >= 0, G, +0); d/dx1 = sum_to(sum_to(gu * (-t), x1 - x2),
// x1), d/dx2 the same negated before its last sum_to, d/dt = -(sum_to(gu * (x1 - x2), t)).
// Only IEEE +, -, * and compares: 'none', reduced values and gradients are torch's bit for bit.
// All-integer operands compute (-t) * (x1 - x2) in int64 and add the margin in float32.
#include <cstdint>

#include "elem_common.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using elem::vsel;

Status mr_check(const LossCall& c) {
  if (c[0].dim() != c[1].dim() || c[0].dim() != c[2].dim())
    return runtime_error(
        "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
        "input1: " +
        torch_size(c[0].shape) + ", input2: " + torch_size(c[1].shape) +
        ", target: " + torch_size(c[2].shape) + " ");
  return Ok{};
}

struct Shapes {
  Shape ab, full;
};
Result<Shapes> mr_shapes(const LossCall& c) {
  auto ab = broadcast_shapes(c[0].shape, c[1].shape);  // input1 - input2
  if (!ab) return ab.error();
  auto full = broadcast_shapes(c[2].shape, ab.value());  // (-target) * (...)
  if (!full) return full.error();
  return Shapes{ab.take(), full.take()};
}

// The kernel: u = (-t) (a - b) + margin, clamp_min(u, 0) (NaN passes, as torch's max does).
template <class T>
struct MrKernel {
  T margin;
  template <class K, class V>
  V operator()(const K&, V a, V b, V t) const {
    const V u = (-t) * (a - b) + V(margin);
    return vsel(u < V(T(0)), V(T(0)), u);
  }
};

Result<Tensor> mr_values_int(const LossCall& c, const Shape& full) {
  const int64_t n = shape_numel(full);
  auto a = elem::dense(c[0], full, DType::Int64);
  auto b = elem::dense(c[1], full, DType::Int64);
  auto t = elem::dense(c[2], full, DType::Int64);
  if (!a) return a.error();
  if (!b) return b.error();
  if (!t) return t.error();
  auto out = elem::make(DType::Float32, full);
  if (!out) return out;
  float* o = out.value().as<float>();
  const float m = static_cast<float>(c.options.margin);
  const auto* pa = a.value().as<int64_t>();
  const auto* pb = b.value().as<int64_t>();
  const auto* pt = t.value().as<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    // int64 arithmetic wraps as torch's does (computed unsigned: no UB).
    const uint64_t d = static_cast<uint64_t>(pa[i]) - static_cast<uint64_t>(pb[i]);
    const auto p = static_cast<int64_t>((0 - static_cast<uint64_t>(pt[i])) * d);
    const float u = static_cast<float>(p) + m;
    o[i] = u < 0.0f ? 0.0f : u;
  }
  return out;
}

template <class T>
Result<Tensor> mr_values(const LossCall& c, const Shape& full, DType dt) {
  auto a = elem::dense(c[0], full, dt);
  auto b = elem::dense(c[1], full, dt);
  auto t = elem::dense(c[2], full, dt);
  if (!a) return a.error();
  if (!b) return b.error();
  if (!t) return t.error();
  auto out = elem::make(dt, full);
  if (!out) return out;
  elem::map(shape_numel(full), !c.options.force_scalar, out.value().as<T>(),
            MrKernel<T>{static_cast<T>(c.options.margin)}, a.value().as<T>(), b.value().as<T>(),
            t.value().as<T>());
  return out;
}

bool all_integer(const LossCall& c) {
  for (const TensorView& v : c.operands)
    if (dtype_is_floating(v.dtype)) return false;
  return true;
}

Result<LossOutput> mr_forward(const LossCall& c) {
  auto sh = mr_shapes(c);
  if (!sh) return sh.error();
  const Shape& full = sh.value().full;
  if (all_integer(c)) return elem::reduced(mr_values_int(c, full), c.options.reduction);
  const DType dt = elem::promote(c);
  return elem::reduced(
      dt == DType::Float32 ? mr_values<float>(c, full, dt) : mr_values<double>(c, full, dt),
      c.options.reduction);
}

template <class T>
Result<LossGrads> mr_backward_t(const LossCall& c, const Shapes& sh, DType dt, const TensorView* go,
                                unsigned want) {
  LossGrads out(3);
  const Shape& full = sh.full;
  const int64_t n = shape_numel(full);
  auto G = detail::upstream_grad<T>(go, full, c.options.reduction, dt);
  if (!G) return G.error();
  auto a = elem::dense(c[0], full, dt);
  auto b = elem::dense(c[1], full, dt);
  auto t = elem::dense(c[2], full, dt);
  if (!a) return a.error();
  if (!b) return b.error();
  if (!t) return t.error();
  const T* pa = a.value().as<T>();
  const T* pb = b.value().as<T>();
  const T* pt = t.value().as<T>();
  const T* g = G.value().data();
  const T m = static_cast<T>(c.options.margin);
  const bool want_ab = (want & (want_bit(0) | want_bit(1))) != 0;
  const bool want_t = (want & want_bit(2)) != 0;
  if (want_ab) {
    auto gd_full = elem::make(dt, full);
    if (!gd_full) return gd_full.error();
    T* q = gd_full.value().as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T d = pa[i] - pb[i], nt = -pt[i];
      const T gu = nt * d + m >= T(0) ? g[i] : T(0);
      q[i] = gu * nt;
    }
    auto gd = elem::torch_sum_to(gd_full.take(), sh.ab);  // the grad of (input1 - input2)
    if (!gd) return gd.error();
    if (want & want_bit(1)) {
      auto neg = elem::make(dt, sh.ab);
      if (!neg) return neg.error();
      const T* s = gd.value().as<T>();
      T* d = neg.value().as<T>();
      for (int64_t i = 0; i < gd.value().numel(); ++i) d[i] = -s[i];
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
  if (want_t) {
    auto gt_full = elem::make(dt, full);
    if (!gt_full) return gt_full.error();
    T* q = gt_full.value().as<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T d = pa[i] - pb[i];
      const T gu = (-pt[i]) * d + m >= T(0) ? g[i] : T(0);
      q[i] = gu * d;
    }
    auto s = elem::torch_sum_to(gt_full.take(), c[2].shape);  // the grad of (-target)
    if (!s) return s.error();
    T* p = s.value().as<T>();
    for (int64_t i = 0; i < s.value().numel(); ++i) p[i] = -p[i];
    auto r = elem::finish_grad(s.take(), c[2]);
    if (!r) return r.error();
    out[2] = r.take();
  }
  return out;
}

Result<LossGrads> mr_backward(const LossCall& c, const TensorView* go, unsigned want) {
  auto sh = mr_shapes(c);
  if (!sh) return sh.error();
  want = elem::floating_wants(c, want);
  if (all_integer(c)) {
    // float32 'none' values with no differentiable operand: still check grad_output.
    const Shape expected = c.options.reduction == Reduction::None ? sh.value().full : Shape{};
    if (auto st = detail::check_grad_output(go, expected, c.options.reduction, DType::Float32); !st)
      return st.error();
    return LossGrads(3);
  }
  const DType dt = elem::promote(c);
  if (dt == DType::Float32) return mr_backward_t<float>(c, sh.value(), dt, go, want);
  return mr_backward_t<double>(c, sh.value(), dt, go, want);
}

}  // namespace

extern const LossSpec kMarginRankingLoss{
    "margin_ranking_loss",
    "MarginRankingLoss",
    FnKind::Loss,
    {{"input1", OperandRole::Input, kFloating | kInteger, true},
     {"input2", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, true}},
    {opt_float("margin", &LossOptions::margin, 0.0,
               "how far input1 must exceed input2 (target 1) before the loss is 0")},
    false,
    kTargetSign,
    "any",
    "l = max(0, -y (x1 - x2) + margin)",
    &mr_check,
    &mr_forward,
    &mr_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
