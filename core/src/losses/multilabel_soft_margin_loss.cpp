// multilabel_soft_margin_loss (nn.MultiLabelSoftMarginLoss), torch 1.13's Python composite:
//   l = -(y logsigmoid(x) + (1 - y) logsigmoid(-x)) [* weight], then l.sum(class_dim) / C, then
//   .mean() / .sum();  class_dim = input.dim() - 1, C = input.size(-1).
// torch's log_sigmoid kernel: logsigmoid(x) = min(x, 0) - log1p(e), e = exp(-|x|), and its
// backward (max_deriv - sign e / (1 + e)) g, i.e. d/dx = x < 0 ? 1 - q : q with q = e / (1 + e).
// d l / d x = -(y d_ls(x) - (1 - y) d_ls(-x)) g;  d l / d y = -(logsigmoid(x) - logsigmoid(-x)) g
// (each factor rounded in the dtype and order torch's autograd uses).
//
// Exactness: torch evaluates exp and log1p with Sleef's vector functions; here they are the
// portable pm::exp / pm::log (identical in every build) and log1p(e) = log(u) (e / (u - 1)),
// u = 1 + e (Kahan's form: a few ulp). So values and gradients are within a few float32 ulp of
// torch, not bit-exact; the sums over the class dim, the mean and the sum use torch's own order
// (torch_sum.hpp), and the SIMD kernel equals the scalar reference bit for bit.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "elem_common.hpp"
#include "losslab/registry.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab {
namespace {

namespace pm = detail::pm;

// ---- the elementwise kernels, written once for a float/double or an xsimd batch ------------

// log1p(e) for e in [0, 1] (or NaN): Kahan's log(u) * (e / (u - 1)) with u = 1 + e rounded;
// e itself where u rounds to 1.
template <class V>
LOSSLAB_INLINE V log1p_unit(const V& e, const pm::K<V>& k) {
  const V u = V(1) + e;
  const V d = u - V(1);
  return pm::vsel(d == V(0), e, pm::log(u, k) * (e / d));
}

// The two log-sigmoids torch computes, logsigmoid(x) and logsigmoid(-x), sharing e = exp(-|x|).
template <class V>
LOSSLAB_INLINE void log_sigmoids(const V& x, const V& lp1, V& lsp, V& lsn) {
  const V zero(0);
  lsp = pm::vsel(x > zero, zero, x) - lp1;   // min(x, 0), NaN kept
  lsn = pm::vsel(x < zero, zero, -x) - lp1;  // min(-x, 0)
}

template <class V>
LOSSLAB_INLINE V neg_abs(const V& x) {
  return pm::vsel(x > V(0), -x, x);  // -|x| (NaN stays NaN)
}

// l = -(t logsigmoid(x) + omt logsigmoid(-x)),  omt = 1 - t as torch rounded it.
template <class V>
LOSSLAB_INLINE V mlsm_elem(const V& x, const V& t, const V& omt, const pm::K<V>& k) {
  const V e = pm::exp(neg_abs(x), k);
  V lsp, lsn;
  log_sigmoids(x, log1p_unit(e, k), lsp, lsn);
  return -(t * lsp + omt * lsn);
}

// d l / d x and the two target terms for one element, given gn = -(upstream of l) [* weight]:
//   gx = d_ls(x) (gn t) - d_ls(-x) (gn omt),  gta = gn logsigmoid(x),  gtb = gn logsigmoid(-x)
// (the target's gradient is gta - gtb).
template <class V>
LOSSLAB_INLINE void mlsm_grad_elem(const V& x, const V& t, const V& omt, const V& gn,
                                   const pm::K<V>& k, V& gx, V& gta, V& gtb) {
  const V zero(0), one(1);
  const V e = pm::exp(neg_abs(x), k);
  V lsp, lsn;
  log_sigmoids(x, log1p_unit(e, k), lsp, lsn);
  const V q = e / (one + e);
  const V dp = pm::vsel(x < zero, one - q, q);  // log_sigmoid_backward at x
  const V dn = pm::vsel(x > zero, one - q, q);  // ... at -x
  gx = dp * (gn * t) - dn * (gn * omt);
  gta = gn * lsp;
  gtb = gn * lsn;
}

// ---- the plan: torch's checks in its order, and the shapes ----------------------------------

struct Plan {
  DType ti, tt, t0, t;  // input, target, loss before the weight (promote(ti, tt)), after it
  Shape L;              // the elementwise loss's shape (input, target and weight broadcast)
  int64_t axis = 0;     // class_dim = input.dim() - 1, an index into L
  int64_t C = 0;        // input.size(-1)
  int64_t outer = 0, S = 0, inner = 0;  // L = [outer..., S = L[axis], inner...]
  Shape out_shape;                      // L without the class dim
};

DType promote_with(DType a, DType b) {  // torch's result type: floating wins, then the wider
  if (!dtype_is_floating(b)) return a;
  if (!dtype_is_floating(a)) return b;
  return detail::promote_floating(a, b);
}

Result<Plan> make_plan(const LossCall& c) {
  const TensorView& x = c[0];
  const TensorView& y = c[1];
  const auto& w = c.options.weight;
  if (!dtype_is_floating(x.dtype))
    return runtime_error(std::string("\"log_sigmoid_cpu\" not implemented for '") +
                         dtype_torch_name(x.dtype) + "'");
  Plan p;
  auto L0 = broadcast_shapes(y.shape, x.shape);  // target * logsigmoid(input)
  if (!L0) return L0.error();
  // (1 - target): torch's sub_check refuses a bool target (it was read as int32, out of bounds,
  // until the fuzzer found it)
  if (auto ok = detail::bool_sub_check(DType::Int64, y.dtype); !ok) return ok.error();
  p.L = L0.value();
  if (w) {
    auto L = broadcast_shapes(p.L, w->shape);  // loss * weight
    if (!L) return L.error();
    p.L = L.value();
  }
  if (x.dim() == 0) return index_error("Dimension specified as -1 but tensor has no dimensions");
  p.ti = x.dtype;
  p.tt = y.dtype;
  p.t0 = promote_with(x.dtype, y.dtype);
  p.t = w ? promote_with(p.t0, w->dtype) : p.t0;
  p.axis = x.dim() - 1;
  p.C = x.shape.back();
  p.S = p.L[static_cast<std::size_t>(p.axis)];
  p.outer = 1;
  p.inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(p.L.size()); ++d) {
    if (d < p.axis) p.outer *= p.L[static_cast<std::size_t>(d)];
    if (d > p.axis) p.inner *= p.L[static_cast<std::size_t>(d)];
    if (d != p.axis) p.out_shape.push_back(p.L[static_cast<std::size_t>(d)]);
  }
  return p;
}

// 1 - target in the target's own dtype (torch's `1 - target`), converted to T0; null when the
// target already is a T0 tensor in the loss's shape (the kernels then compute 1 - t in place).
template <class T0>
Result<std::vector<T0>> one_minus_target(const TensorView& y, const Shape& L, bool needed) {
  std::vector<T0> out;
  if (!needed) return out;
  auto e = expand_to(y, L);
  if (!e) return e.error();
  const int64_t n = shape_numel(L);
  out.resize(static_cast<std::size_t>(n));
  const Tensor& t = e.value();
  for (int64_t i = 0; i < n; ++i) {
    T0 v;
    switch (y.dtype) {
      case DType::Float32: v = static_cast<T0>(1.0f - t.as<float>()[i]); break;
      case DType::Float64: v = static_cast<T0>(1.0 - t.as<double>()[i]); break;
      case DType::Int64: v = static_cast<T0>(int64_t{1} - t.as<int64_t>()[i]); break;
      default: v = static_cast<T0>(int32_t{1} - t.as<int32_t>()[i]); break;
    }
    out[static_cast<std::size_t>(i)] = v;
  }
  return out;
}

// torch's sum of one contiguous row of m < G = 4 L values (L = 8 float / 4 double lanes: no
// whole group, so the cascade's accumulators stay +0): torch_sum.cpp's finish() for that case,
// without building a TorchSum per row (which cost as much as the row's exp/log).
template <class T>
T short_row_sum(const T* r, int64_t m) {
  constexpr int64_t L = sizeof(T) == 4 ? 8 : 4;
  if (m < L) {  // scalar row_sum: 4 scalar rows of size m / 4
    T p[4] = {T(0), T(0), T(0), T(0)};
    int64_t i = 0;
    if (m >= 4) {
      for (int k = 0; k < 4; ++k) p[k] += r[k];
      i = 4;
    }
    for (; i < m; ++i) p[0] += r[i];
    for (int k = 1; k < 4; ++k) p[0] += p[k];
    return T(0) + p[0];
  }
  T p[L];
  for (int64_t l = 0; l < L; ++l) p[l] = T(0);
  const int64_t nvec = m / L;
  for (int64_t v = 0; v < nvec; ++v)
    for (int64_t l = 0; l < L; ++l) p[l] += r[v * L + l];
  for (int64_t l = 0; l < L; ++l) p[l] += T(0);  // partial_sums[0] += [1], [2], [3] (all +0)
  T f = T(0);
  for (int64_t i = nvec * L; i < m; ++i) f += r[i];
  for (int64_t l = 0; l < L; ++l) f += p[l];
  return T(0) + f;
}

template <class T>
T row_sum(const T* r, int64_t m) {
  constexpr int64_t G = sizeof(T) == 4 ? 32 : 16;
  if (m < G) return short_row_sum(r, m);
  if constexpr (std::is_same_v<T, float>)
    return torch_sum_f32(r, m);
  else
    return torch_sum_f64(r, m);
}

// ---- forward -----------------------------------------------------------------------------------

// l0[i] for n elements; x in TI, t and omt (null: 1 - t) in T0. Same dtype: SIMD with a padded
// tail (every element through the same kernel; pm's functions are bit-identical to the scalar
// ones, so the scalar reference gives the same bits).
template <class TI, class T0>
void loss_elems(const TI* x, const T0* t, const T0* omt, T0* out, int64_t n, bool simd) {
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<TI, T0>) {
    if (simd) {
      using B = xsimd::batch<T0>;
      constexpr int64_t Lanes = static_cast<int64_t>(B::size);
      const pm::K<B> k;
      const B one(T0(1));
      for (; i + Lanes <= n; i += Lanes) {
        const B tb = B::load_unaligned(t + i);
        const B ob = omt ? B::load_unaligned(omt + i) : one - tb;
        mlsm_elem(B::load_unaligned(x + i), tb, ob, k).store_unaligned(out + i);
      }
      if (i < n) {
        const int64_t r = n - i;
        const B tb = detail::load_tail(t + i, r, T0(0));
        const B ob = omt ? detail::load_tail(omt + i, r, T0(1)) : one - tb;
        alignas(64) T0 buf[B::size];
        mlsm_elem(detail::load_tail(x + i, r, T0(0)), tb, ob, k).store_aligned(buf);
        std::memcpy(out + i, buf, static_cast<std::size_t>(r) * sizeof(T0));
      }
      return;
    }
  }
#endif
  (void)simd;
  const pm::K<TI> k;
  for (; i < n; ++i) {
    // logsigmoid in the input's dtype, then the products in T0 (torch's type promotion).
    const TI e = pm::exp(neg_abs(x[i]), k);
    TI lsp, lsn;
    log_sigmoids(x[i], log1p_unit(e, k), lsp, lsn);
    const T0 ti = t[i], oi = omt ? omt[i] : T0(1) - ti;
    out[i] = -(ti * static_cast<T0>(lsp) + oi * static_cast<T0>(lsn));
  }
}

template <class TI, class T0, class T>
Result<LossOutput> forward_t(const LossCall& c, const Plan& p) {
  const int64_t n = shape_numel(p.L);
  auto x = elem::dense(c[0], p.L, p.ti);
  if (!x) return x.error();
  auto t = elem::dense(c[1], p.L, p.t0);
  if (!t) return t.error();
  auto omt = one_minus_target<T0>(c[1], p.L, p.tt != p.t0);
  if (!omt) return omt.error();
  std::vector<T0> l0(static_cast<std::size_t>(n));
  loss_elems<TI, T0>(x.value().as<TI>(), t.value().as<T0>(),
                     omt.value().empty() ? nullptr : omt.value().data(), l0.data(), n,
                     !c.options.force_scalar);
  // loss * weight, in T.
  std::vector<T> lw;
  const T* l = nullptr;
  if constexpr (std::is_same_v<T0, T>) l = l0.data();
  if (c.options.weight || !std::is_same_v<T0, T>) {
    lw.resize(static_cast<std::size_t>(n));
    elem::Dense wd;
    if (c.options.weight) {
      auto wv = elem::dense(*c.options.weight, p.L, p.t);
      if (!wv) return wv.error();
      wd = wv.take();
    }
    const T* w = wd.as<T>();
    for (int64_t i = 0; i < n; ++i)
      lw[static_cast<std::size_t>(i)] = w ? static_cast<T>(l0[static_cast<std::size_t>(i)]) * w[i]
                                          : static_cast<T>(l0[static_cast<std::size_t>(i)]);
    l = lw.data();
  }
  // .sum(class_dim) / C
  auto rows = elem::make(p.t, p.out_shape);
  if (!rows) return rows.error();
  T* r = rows.value().as<T>();
  const T Cv = static_cast<T>(p.C);
  if (p.inner == 1) {
    // torch's sum over the innermost dim: its cascade per row (torch_sum.hpp), bit for bit.
    for (int64_t o = 0; o < p.outer; ++o) r[o] = row_sum(l + o * p.S, p.S) / Cv;
  } else {
    // The class dim is not the loss's last one (the input has fewer dims than the target or
    // the weight): summed in index order, which is torch's order for short sums only.
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t in = 0; in < p.inner; ++in) {
        T s = T(0);
        for (int64_t k = 0; k < p.S; ++k) s = s + l[(o * p.S + k) * p.inner + in];
        r[o * p.inner + in] = s / Cv;
      }
  }
  return elem::reduced(std::move(rows), c.options.reduction);
}

Result<LossOutput> mlsm_forward(const LossCall& c) {
  auto plan = make_plan(c);
  if (!plan) return plan.error();
  const Plan& p = plan.value();
  const bool f0 = p.t0 == DType::Float32, f = p.t == DType::Float32;
  if (p.ti == DType::Float32 && f0 && f) return forward_t<float, float, float>(c, p);
  if (p.ti == DType::Float32 && f0) return forward_t<float, float, double>(c, p);
  if (p.ti == DType::Float32) return forward_t<float, double, double>(c, p);
  return forward_t<double, double, double>(c, p);
}

// ---- backward ----------------------------------------------------------------------------------

// gn[i] = -(upstream of l0[i]) in T0: the row's g / C (MeanBackward's g / n before), times the
// weight (MulBackward) in T, then cast to T0 and negated (NegBackward).
template <class T0, class T>
Result<std::vector<T0>> neg_upstream(const LossCall& c, const Plan& p, const TensorView* g) {
  auto up = detail::upstream_grad<T>(g, p.out_shape, c.options.reduction, p.t);
  if (!up) return up.error();
  const std::vector<T>& gr = up.value();
  elem::Dense wd;
  if (c.options.weight) {
    auto wv = elem::dense(*c.options.weight, p.L, p.t);
    if (!wv) return wv.error();
    wd = wv.take();
  }
  const T* w = wd.as<T>();
  const T Cv = static_cast<T>(p.C);
  std::vector<T0> gn(static_cast<std::size_t>(shape_numel(p.L)));
  std::size_t i = 0;
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t k = 0; k < p.S; ++k)
      for (int64_t in = 0; in < p.inner; ++in, ++i) {
        T ge = gr[static_cast<std::size_t>(o * p.inner + in)] / Cv;  // DivBackward
        if (w) ge = ge * w[i];
        gn[i] = -static_cast<T0>(ge);
      }
  return gn;
}

template <class TI, class T0, class TT>
void grad_elems(const TI* x, const T0* t, const T0* omt, const T0* gn, TI* gx, TT* gta, TT* gtb,
                int64_t n, bool simd) {
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<TI, T0> && std::is_same_v<TT, T0>) {
    if (simd) {
      using B = xsimd::batch<T0>;
      constexpr int64_t Lanes = static_cast<int64_t>(B::size);
      const pm::K<B> k;
      const B one(T0(1));
      B a, b, d;
      for (; i + Lanes <= n; i += Lanes) {
        const B tb = B::load_unaligned(t + i);
        const B ob = omt ? B::load_unaligned(omt + i) : one - tb;
        mlsm_grad_elem(B::load_unaligned(x + i), tb, ob, B::load_unaligned(gn + i), k, a, b, d);
        a.store_unaligned(gx + i);
        if (gta) {
          b.store_unaligned(gta + i);
          d.store_unaligned(gtb + i);
        }
      }
      if (i < n) {
        const int64_t r = n - i;
        const auto sz = static_cast<std::size_t>(r) * sizeof(T0);
        const B tb = detail::load_tail(t + i, r, T0(0));
        const B ob = omt ? detail::load_tail(omt + i, r, T0(1)) : one - tb;
        mlsm_grad_elem(detail::load_tail(x + i, r, T0(0)), tb, ob,
                       detail::load_tail(gn + i, r, T0(0)), k, a, b, d);
        alignas(64) T0 buf[B::size];
        a.store_aligned(buf);
        std::memcpy(gx + i, buf, sz);
        if (gta) {
          b.store_aligned(buf);
          std::memcpy(gta + i, buf, sz);
          d.store_aligned(buf);
          std::memcpy(gtb + i, buf, sz);
        }
      }
      return;
    }
  }
#endif
  (void)simd;
  const pm::K<TI> k;
  for (; i < n; ++i) {
    const TI xi = x[i];
    const TI e = pm::exp(neg_abs(xi), k);
    TI lsp, lsn;
    log_sigmoids(xi, log1p_unit(e, k), lsp, lsn);
    const TI q = e / (TI(1) + e);
    const TI dp = xi < TI(0) ? TI(1) - q : q;
    const TI dn = xi > TI(0) ? TI(1) - q : q;
    const T0 ti = t[i], oi = omt ? omt[i] : T0(1) - ti, g = gn[i];
    // Each product is rounded in T0, then cast to the dtype of the tensor it is the gradient of.
    gx[i] = dp * static_cast<TI>(g * ti) - dn * static_cast<TI>(g * oi);
    if (gta) {
      gta[i] = static_cast<TT>(g * static_cast<T0>(lsp));
      gtb[i] = static_cast<TT>(g * static_cast<T0>(lsn));
    }
  }
}

template <class TI, class T0, class T, class TT>
Result<LossGrads> backward_t(const LossCall& c, const Plan& p, const TensorView* g, unsigned want) {
  LossGrads out(2);
  const bool want_x = (want & want_bit(0)) != 0;
  const bool want_t = (want & want_bit(1)) != 0 && dtype_is_floating(p.tt);
  auto gn = neg_upstream<T0, T>(c, p, g);  // checks grad_output even when nothing is wanted
  if (!gn) return gn.error();
  if (!want_x && !want_t) return out;
  const int64_t n = shape_numel(p.L);
  auto x = elem::dense(c[0], p.L, p.ti);
  if (!x) return x.error();
  auto t = elem::dense(c[1], p.L, p.t0);
  if (!t) return t.error();
  auto omt = one_minus_target<T0>(c[1], p.L, p.tt != p.t0);
  if (!omt) return omt.error();
  Tensor gx(p.ti, p.L), gta, gtb;
  if (!gx.ok()) return oom_error(std::to_string(gx.nbytes()) + " bytes");
  if (want_t) {
    gta = Tensor(p.tt, p.L);
    gtb = Tensor(p.tt, p.L);
    if (!gta.ok() || !gtb.ok()) return oom_error(std::to_string(gta.nbytes()) + " bytes");
  }
  grad_elems<TI, T0, TT>(x.value().as<TI>(), t.value().as<T0>(),
                         omt.value().empty() ? nullptr : omt.value().data(), gn.value().data(),
                         gx.as<TI>(), want_t ? gta.as<TT>() : nullptr,
                         want_t ? gtb.as<TT>() : nullptr, n, !c.options.force_scalar);
  if (want_x) {
    auto r = sum_to_shape(gx.view(), c[0].shape);
    if (!r) return r.error();
    out[0] = r.take();
  }
  if (want_t) {
    // target * logsigmoid(x) and (1 - target) * logsigmoid(-x) each reduce their gradient to
    // the target's shape, then the two are added (RsubBackward negates the second).
    auto a = sum_to_shape(gta.view(), c[1].shape);
    if (!a) return a.error();
    auto b = sum_to_shape(gtb.view(), c[1].shape);
    if (!b) return b.error();
    TT* ga = a.value().as<TT>();
    const TT* gb = b.value().as<TT>();
    const int64_t m = a.value().numel();
    for (int64_t i = 0; i < m; ++i) ga[i] = ga[i] + (-gb[i]);
    out[1] = a.take();
  }
  return out;
}

template <class TI, class T0, class T>
Result<LossGrads> backward_tt(const LossCall& c, const Plan& p, const TensorView* g, unsigned w) {
  if (p.tt == DType::Float64) return backward_t<TI, T0, T, double>(c, p, g, w);
  if (p.tt == DType::Float32) return backward_t<TI, T0, T, float>(c, p, g, w);
  return backward_t<TI, T0, T, T0>(c, p, g, w);  // an integer target: no gradient for it
}

Result<LossGrads> mlsm_backward(const LossCall& c, const TensorView* g, unsigned want) {
  auto plan = make_plan(c);
  if (!plan) return plan.error();
  const Plan& p = plan.value();
  const bool f0 = p.t0 == DType::Float32, f = p.t == DType::Float32;
  if (p.ti == DType::Float32 && f0 && f) return backward_tt<float, float, float>(c, p, g, want);
  if (p.ti == DType::Float32 && f0) return backward_tt<float, float, double>(c, p, g, want);
  if (p.ti == DType::Float32) return backward_tt<float, double, double>(c, p, g, want);
  return backward_tt<double, double, double>(c, p, g, want);
}

}  // namespace

extern const LossSpec kMultilabelSoftMarginLoss{
    "multilabel_soft_margin_loss",
    "MultiLabelSoftMarginLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, true}},
    {opt_tensor("weight", &LossOptions::weight,
                "rescales each class's loss (broadcast against the loss, shape (C,) usually)")},
    false,
    kTargetMultiLabel | kTargetProb,  // 0/1 labels or per-class probabilities, shape of the input
    "logit",
    "l_n = -(1/C) sum_c w_c [y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)]",
    nullptr,
    &mlsm_forward,
    &mlsm_backward,
    kExactAcrossBuilds,
    "{} is not valid"};

}  // namespace losslab
