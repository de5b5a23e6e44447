// The two triplet losses (torch 1.13.1), distances by pairwise_distance (embedding_util.hpp):
//   triplet_margin_loss (ATen):          clamp_min((d(a,p) + margin) - d(a,n), 0)
//   triplet_margin_with_distance (Python, distance_function=None):
//                                        clamp((d(a,p) - d(a,n)) + margin, min=0)
// with swap, d(a,n) becomes min(d(a,n), d(p,n)) (torch.min's grad is split in half on a tie).
// Clamp grads pass at 0; distance shapes broadcast and their grads are summed back.
#pragma once
#include "embedding_util.hpp"
#include "losslab/ops.hpp"

namespace losslab::detail::emb {

// The distances' shapes and the broadcast ones after them: min(d(a,n), d(p,n)) with swap, then
// the loss's.
struct TripletShapes {
  Shape dp, dn, ds;  // ds only with swap
  Shape neg, out;
};

inline Result<TripletShapes> triplet_shapes(Shape dp, Shape dn, Shape ds, bool swap) {
  TripletShapes s{std::move(dp), std::move(dn), std::move(ds), {}, {}};
  s.neg = s.dn;
  if (swap) {
    auto b = broadcast_shapes(s.dn, s.ds);
    if (!b) return b.error();
    s.neg = b.value();
  }
  auto b = broadcast_shapes(s.dp, s.neg);
  if (!b) return b.error();
  s.out = b.value();
  return s;
}

struct Triplet {
  Pairwise ap, an, pn;  // pn only with swap
  TripletShapes sh;
  DType dtype;
};

// keep_diff: for the backward (which reads the differences); a forward makes rows on the fly.
// Every distance in the dtype of all three operands (anchor float32, negative float64: float64,
// as torch's margin + d(a, p) - d(a, n) promotes); each distance in its own pair's dtype read one
// as the other's (found by fuzz/fuzz_losses.cpp).
inline Result<Triplet> triplet_prepare(const LossCall& c, double eps, bool keep_diff) {
  Triplet t;
  const DType dt = promote_floating(promote_floating(c[0].dtype, c[1].dtype), c[2].dtype);
  auto ap = pairwise_prepare(c[0], c[1], eps, false, !c.options.force_scalar, keep_diff, dt);
  if (!ap) return ap.error();
  auto an = pairwise_prepare(c[0], c[2], eps, false, !c.options.force_scalar, keep_diff, dt);
  if (!an) return an.error();
  t.ap = std::move(ap.value());
  t.an = std::move(an.value());
  if (c.options.swap) {
    auto pn = pairwise_prepare(c[1], c[2], eps, false, !c.options.force_scalar, keep_diff, dt);
    if (!pn) return pn.error();
    t.pn = std::move(pn.value());
  }
  auto sh = triplet_shapes(t.ap.out_shape, t.an.out_shape, t.pn.out_shape, c.options.swap);
  if (!sh) return sh.error();
  t.sh = sh.take();
  t.dtype = t.ap.dtype;
  return t;
}

// Values of `pw`'s norms broadcast to `shape` (distance tensors are small: plain vectors).
template <class T>
std::vector<T> bcast(const std::vector<T>& v, const Shape& from, const Shape& to) {
  TensorView tv{sizeof(T) == 4 ? DType::Float32 : DType::Float64, from, v.data()};
  auto e = expand_to(tv, to);
  const T* q = e.value().template as<T>();
  return std::vector<T>(q, q + shape_numel(to));
}

template <class T>
std::vector<T> sum_back(const std::vector<T>& g, const Shape& from, const Shape& to) {
  if (from == to) return g;
  TensorView tv{sizeof(T) == 4 ? DType::Float32 : DType::Float64, from, g.data()};
  auto s = torch_sum_to(tv, to);
  const T* q = s.value().template as<T>();
  return std::vector<T>(q, q + shape_numel(to));
}

template <class T>
struct TripletValues {
  std::vector<T> dp, dn, ds;  // own shapes
  std::vector<T> dnb, dsb;    // dn, ds broadcast to neg
  std::vector<T> neg;         // neg shape
  std::vector<T> u;           // out shape: the clamp's input
};

// From the distances on: torch.min(dn, ds) with swap, then the clamp's input.
template <class T>
TripletValues<T> triplet_values(std::vector<T> dp, std::vector<T> dn, std::vector<T> ds,
                                const TripletShapes& s, double margin, bool swap,
                                bool with_distance) {
  TripletValues<T> v{std::move(dp), std::move(dn), std::move(ds), {}, {}, {}, {}};
  if (swap) {
    v.dnb = bcast(v.dn, s.dn, s.neg);
    v.dsb = bcast(v.ds, s.ds, s.neg);
    v.neg.resize(v.dnb.size());
    for (std::size_t i = 0; i < v.neg.size(); ++i) {
      const T a = v.dnb[i], b = v.dsb[i];
      v.neg[i] = (std::isnan(a) || std::isnan(b)) ? a + b : (b < a ? b : a);
    }
  } else {
    v.neg = v.dn;
  }
  const auto dpb = bcast(v.dp, s.dp, s.out);
  const auto negb = bcast(v.neg, s.neg, s.out);
  const T m = static_cast<T>(margin);
  v.u.resize(dpb.size());
  for (std::size_t i = 0; i < v.u.size(); ++i)
    v.u[i] = with_distance ? (dpb[i] - negb[i]) + m : (dpb[i] + m) - negb[i];
  return v;
}

template <class T>
TripletValues<T> triplet_values(const Triplet& t, double p, double margin, bool swap,
                                bool with_distance) {
  std::vector<T> dp(t.ap.rows), dn(t.an.rows), ds;
  pairwise_norms<T>(t.ap, p, dp.data());
  pairwise_norms<T>(t.an, p, dn.data());
  if (swap) {
    ds.resize(t.pn.rows);
    pairwise_norms<T>(t.pn, p, ds.data());
  }
  return triplet_values(std::move(dp), std::move(dn), std::move(ds), t.sh, margin, swap,
                        with_distance);
}

// clamp(u, min=0) reduced as torch's .mean() / .sum().
template <class T>
Result<LossOutput> triplet_output(const TripletValues<T>& v, const TripletShapes& s, DType dtype,
                                  Reduction reduction) {
  auto out = alloc_tensor(dtype, s.out);
  if (!out) return out.error();
  T* q = out.value().template as<T>();
  for (std::size_t i = 0; i < v.u.size(); ++i) {
    const T u = v.u[i];
    q[i] = std::isnan(u) ? u : (u < T(0) ? T(0) : u);
  }
  auto r = reduce_like_torch(out.take(), reduction);
  if (!r) return r.error();
  LossOutput lo;
  lo.value = r.take();
  return lo;
}

template <class T>
Result<LossOutput> triplet_forward_t(const LossCall& c, const Triplet& t, double p,
                                     bool with_distance) {
  const LossOptions& o = c.options;
  return triplet_output(triplet_values<T>(t, p, o.margin, o.swap, with_distance), t.sh, t.dtype,
                        o.reduction);
}

// d loss / d each distance (own shapes; ds only with swap), from the upstream gradient of the
// loss's 'none' values: the clamp passes at 0, torch.min's gradient is split in half on a tie.
template <class T>
struct TripletDistanceGrads {
  std::vector<T> dp, dn, ds;
};

template <class T>
TripletDistanceGrads<T> triplet_distance_grads(const TripletValues<T>& v, const TripletShapes& s,
                                               const std::vector<T>& up, bool swap) {
  const std::size_t n = v.u.size();
  std::vector<T> gu(n), gneg(n);
  for (std::size_t i = 0; i < n; ++i) {
    gu[i] = v.u[i] >= T(0) ? up[i] : T(0);
    gneg[i] = -gu[i];
  }
  TripletDistanceGrads<T> g;
  g.dp = sum_back(gu, s.out, s.dp);
  const auto gnegs = sum_back(gneg, s.out, s.neg);
  if (swap) {
    std::vector<T> gdnb(gnegs.size()), gdsb(gnegs.size());
    for (std::size_t i = 0; i < gnegs.size(); ++i) {
      const T a = v.dnb[i], b = v.dsb[i], x = gnegs[i];
      const T w = a == b ? x / T(2) : x;
      gdnb[i] = a > b ? T(0) : w;
      gdsb[i] = a < b ? T(0) : w;
    }
    g.dn = sum_back(gdnb, s.neg, s.dn);
    g.ds = sum_back(gdsb, s.neg, s.ds);
  } else {
    g.dn = gnegs;
  }
  return g;
}

// Operands of one floating dtype and one shape (triplet_plain): each row's distance gradients
// are made and added into the three operands' gradients directly, with the additions of the
// general path below (anchor: ap's + an's; positive: -ap's [+ pn's]; negative: -an's [+ -pn's]),
// so the bits are the same without its (rows, D) temporaries.
template <class T>
Result<LossGrads> triplet_backward_plain(const LossCall& c, const Triplet& t,
                                         const TripletValues<T>& v,
                                         const TripletDistanceGrads<T>& gd, unsigned want,
                                         double p) {
  LossGrads out(3);
  const bool swap = c.options.swap;
  const int64_t R = t.ap.rows, D = t.ap.D;
  T* q[3];
  if (auto st = alloc_wanted(c, want, t.dtype, out, q); !st) return st.error();
  const auto n = static_cast<std::size_t>(D);
  std::vector<T> rap(n), ran(n), rpn(n), gap(n), gan(n), gpn(n);
  for (int64_t r = 0; r < R; ++r) {
    norm_row_backward(diff_row(t.ap, r, rap.data()), D, p, v.dp[r], gd.dp[r], gap.data());
    norm_row_backward(diff_row(t.an, r, ran.data()), D, p, v.dn[r], gd.dn[r], gan.data());
    if (swap) norm_row_backward(diff_row(t.pn, r, rpn.data()), D, p, v.ds[r], gd.ds[r], gpn.data());
    const int64_t o = r * D;
    if (q[0])
      for (int64_t k = 0; k < D; ++k) q[0][o + k] = gap[k] + gan[k];
    if (q[1])
      for (int64_t k = 0; k < D; ++k) q[1][o + k] = swap ? (-gap[k]) + gpn[k] : -gap[k];
    if (q[2])
      for (int64_t k = 0; k < D; ++k) q[2][o + k] = swap ? (-gan[k]) + (-gpn[k]) : -gan[k];
  }
  return out;
}

inline bool triplet_plain(const LossCall& c, const Triplet& t) {
  return plain_operands(t.ap, c[0], c[1]) && plain_operands(t.an, c[0], c[2]);
}

template <class T>
Result<LossGrads> triplet_backward_t(const LossCall& c, const Triplet& t, const TensorView* go,
                                     unsigned want, double p, bool with_distance) {
  const LossOptions& o = c.options;
  LossGrads out(3);
  auto up = upstream_grad<T>(go, t.sh.out, o.reduction, t.dtype);
  if (!up) return up.error();
  const auto v = triplet_values<T>(t, p, o.margin, o.swap, with_distance);
  if (p == 0.0) return out;
  const auto gd = triplet_distance_grads(v, t.sh, up.value(), o.swap);
  if (triplet_plain(c, t)) return triplet_backward_plain(c, t, v, gd, want, p);
  // Row grads of each distance, then each operand's two contributions.
  auto rows = [&](const Pairwise& pw, const std::vector<T>& d, const std::vector<T>& g) {
    std::vector<T> r(static_cast<std::size_t>(pw.diff.numel()));
    pairwise_backward_rows<T>(pw, p, d.data(), g.data(), r.data());
    return r;
  };
  const auto gap = rows(t.ap, v.dp, gd.dp);
  const auto gan = rows(t.an, v.dn, gd.dn);
  std::optional<Tensor> ga1, ga2, gp1, gp2, gn1, gn2;
  const bool wa = want & want_bit(0), wp = want & want_bit(1), wn = want & want_bit(2);
  if (auto st = pairwise_operand_grads<T>(c[0], c[1], t.ap, gap.data(), wa ? &ga1 : nullptr,
                                          wp ? &gp1 : nullptr);
      !st)
    return st.error();
  if (auto st = pairwise_operand_grads<T>(c[0], c[2], t.an, gan.data(), wa ? &ga2 : nullptr,
                                          wn ? &gn1 : nullptr);
      !st)
    return st.error();
  if (o.swap) {
    const auto gpn = rows(t.pn, v.ds, gd.ds);
    if (auto st = pairwise_operand_grads<T>(c[1], c[2], t.pn, gpn.data(), wp ? &gp2 : nullptr,
                                            wn ? &gn2 : nullptr);
        !st)
      return st.error();
  }
  // an operand's two contributions, added as autograd accumulates them (ops.hpp's add_same)
  auto add = [](std::optional<Tensor>& a,
                std::optional<Tensor>& b) -> Result<std::optional<Tensor>> {
    if (!a || !b) return std::optional<Tensor>(a ? std::move(a) : std::move(b));
    auto s = add_same(a->view(), b->view());
    if (!s) return s.error();
    return std::optional<Tensor>(s.take());
  };
  std::optional<Tensor>* parts[3][2] = {{&ga1, &ga2}, {&gp1, &gp2}, {&gn1, &gn2}};
  for (std::size_t k = 0; k < 3; ++k) {
    auto r = add(*parts[k][0], *parts[k][1]);
    if (!r) return r.error();
    out[k] = r.take();
  }
  return out;
}

// The two losses' forward and backward: d(x, y) = pairwise_distance(x, y, p, eps); margin, swap
// and reduction from c.options.
inline Result<LossOutput> triplet_forward(const LossCall& c, double p, double eps,
                                          bool with_distance) {
  auto t = triplet_prepare(c, eps, false);
  if (!t) return t.error();
  if (t.value().dtype == DType::Float32)
    return triplet_forward_t<float>(c, t.value(), p, with_distance);
  return triplet_forward_t<double>(c, t.value(), p, with_distance);
}

inline Result<LossGrads> triplet_backward(const LossCall& c, const TensorView* g, unsigned want,
                                          double p, double eps, bool with_distance) {
  // The rows are materialized only for the general path (broadcasting or mixed dtypes).
  auto probe = triplet_prepare(c, eps, false);
  if (!probe) return probe.error();
  if (triplet_plain(c, probe.value())) {
    if (probe.value().dtype == DType::Float32)
      return triplet_backward_t<float>(c, probe.value(), g, want, p, with_distance);
    return triplet_backward_t<double>(c, probe.value(), g, want, p, with_distance);
  }
  auto t = triplet_prepare(c, eps, true);
  if (!t) return t.error();
  if (t.value().dtype == DType::Float32)
    return triplet_backward_t<float>(c, t.value(), g, want, p, with_distance);
  return triplet_backward_t<double>(c, t.value(), g, want, p, with_distance);
}

}  // namespace losslab::detail::emb
