// The two triplet losses (torch 1.13.1), distances by pairwise_distance (embedding_util.hpp):
//   triplet_margin_loss (ATen):          clamp_min((d(a,p) + margin) - d(a,n), 0)
//   triplet_margin_with_distance (Python, distance_function=None):
//                                        clamp((d(a,p) - d(a,n)) + margin, min=0)
// with swap, d(a,n) becomes min(d(a,n), d(p,n)) (torch.min's grad is split in half on a tie).
// Clamp grads pass at 0; distance shapes broadcast and their grads are summed back.
#pragma once
#include "embedding_util.hpp"

namespace losslab::detail::emb {

struct Triplet {
  Pairwise ap, an, pn;  // pn only with swap
  Shape neg_shape, out_shape;
  DType dtype;
};

inline Result<Triplet> triplet_prepare(const LossCall& c, double eps) {
  Triplet t;
  auto ap = pairwise_prepare(c[0], c[1], eps, false);
  if (!ap) return ap.error();
  auto an = pairwise_prepare(c[0], c[2], eps, false);
  if (!an) return an.error();
  t.ap = std::move(ap.value());
  t.an = std::move(an.value());
  t.neg_shape = t.an.out_shape;
  if (c.options.swap) {
    auto pn = pairwise_prepare(c[1], c[2], eps, false);
    if (!pn) return pn.error();
    t.pn = std::move(pn.value());
    auto s = broadcast_shapes(t.an.out_shape, t.pn.out_shape);
    if (!s) return s.error();
    t.neg_shape = s.value();
  }
  auto s = broadcast_shapes(t.ap.out_shape, t.neg_shape);
  if (!s) return s.error();
  t.out_shape = s.value();
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
  std::vector<T> dnb, dsb;    // dn, ds broadcast to neg_shape
  std::vector<T> neg;         // neg_shape
  std::vector<T> u;           // out_shape: the clamp's input
};

template <class T>
TripletValues<T> triplet_values(const Triplet& t, double p, double margin, bool swap,
                                bool with_distance) {
  TripletValues<T> v;
  v.dp.resize(t.ap.rows);
  v.dn.resize(t.an.rows);
  pairwise_norms<T>(t.ap, p, v.dp.data());
  pairwise_norms<T>(t.an, p, v.dn.data());
  if (swap) {
    v.ds.resize(t.pn.rows);
    pairwise_norms<T>(t.pn, p, v.ds.data());
    v.dnb = bcast(v.dn, t.an.out_shape, t.neg_shape);
    v.dsb = bcast(v.ds, t.pn.out_shape, t.neg_shape);
    v.neg.resize(v.dnb.size());
    for (std::size_t i = 0; i < v.neg.size(); ++i) {
      const T a = v.dnb[i], b = v.dsb[i];
      v.neg[i] = (std::isnan(a) || std::isnan(b)) ? a + b : (b < a ? b : a);
    }
  } else {
    v.neg = v.dn;
  }
  const auto dpb = bcast(v.dp, t.ap.out_shape, t.out_shape);
  const auto negb = bcast(v.neg, t.neg_shape, t.out_shape);
  const T m = static_cast<T>(margin);
  v.u.resize(dpb.size());
  for (std::size_t i = 0; i < v.u.size(); ++i)
    v.u[i] = with_distance ? (dpb[i] - negb[i]) + m : (dpb[i] + m) - negb[i];
  return v;
}

template <class T>
Result<LossOutput> triplet_forward_t(const LossCall& c, const Triplet& t, double p,
                                     bool with_distance) {
  const LossOptions& o = c.options;
  const auto v = triplet_values<T>(t, p, o.margin, o.swap, with_distance);
  auto out = alloc_tensor(t.dtype, t.out_shape);
  if (!out) return out.error();
  T* q = out.value().template as<T>();
  for (std::size_t i = 0; i < v.u.size(); ++i) {
    const T u = v.u[i];
    q[i] = std::isnan(u) ? u : (u < T(0) ? T(0) : u);
  }
  auto r = reduce_like_torch(out.take(), o.reduction);
  if (!r) return r.error();
  LossOutput lo;
  lo.value = r.take();
  return lo;
}

template <class T>
Result<LossGrads> triplet_backward_t(const LossCall& c, const Triplet& t, const TensorView* go,
                                     unsigned want, double p, bool with_distance) {
  const LossOptions& o = c.options;
  LossGrads out(3);
  auto up = upstream_grad<T>(go, t.out_shape, o.reduction, t.dtype);
  if (!up) return up.error();
  const auto v = triplet_values<T>(t, p, o.margin, o.swap, with_distance);
  if (p == 0.0) return out;
  const std::size_t n = v.u.size();
  std::vector<T> gu(n), gneg(n);
  for (std::size_t i = 0; i < n; ++i) {
    gu[i] = v.u[i] >= T(0) ? up.value()[i] : T(0);
    gneg[i] = -gu[i];
  }
  const auto gdp = sum_back(gu, t.out_shape, t.ap.out_shape);
  const auto gnegs = sum_back(gneg, t.out_shape, t.neg_shape);
  std::vector<T> gdn, gds;
  if (o.swap) {
    std::vector<T> gdnb(gnegs.size()), gdsb(gnegs.size());
    for (std::size_t i = 0; i < gnegs.size(); ++i) {
      const T a = v.dnb[i], b = v.dsb[i], g = gnegs[i];
      const T w = a == b ? g / T(2) : g;
      gdnb[i] = a > b ? T(0) : w;
      gdsb[i] = a < b ? T(0) : w;
    }
    gdn = sum_back(gdnb, t.neg_shape, t.an.out_shape);
    gds = sum_back(gdsb, t.neg_shape, t.pn.out_shape);
  } else {
    gdn = gnegs;
  }
  // Row grads of each distance, then each operand's two contributions.
  auto rows = [&](const Pairwise& pw, const std::vector<T>& d, const std::vector<T>& g) {
    std::vector<T> gd(static_cast<std::size_t>(pw.diff.numel()));
    pairwise_backward_rows<T>(pw, p, d.data(), g.data(), gd.data());
    return gd;
  };
  const auto gap = rows(t.ap, v.dp, gdp);
  const auto gan = rows(t.an, v.dn, gdn);
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
    const auto gpn = rows(t.pn, v.ds, gds);
    if (auto st = pairwise_operand_grads<T>(c[1], c[2], t.pn, gpn.data(), wp ? &gp2 : nullptr,
                                            wn ? &gn2 : nullptr);
        !st)
      return st.error();
  }
  auto add = [](std::optional<Tensor>& a, std::optional<Tensor>& b) -> std::optional<Tensor> {
    if (!a) return std::move(b);
    if (b && a->dtype() == DType::Float32) {
      float* x = a->template as<float>();
      const float* y = b->template as<float>();
      for (int64_t i = 0; i < a->numel(); ++i) x[i] = x[i] + y[i];
    } else if (b) {
      double* x = a->template as<double>();
      const double* y = b->template as<double>();
      for (int64_t i = 0; i < a->numel(); ++i) x[i] = x[i] + y[i];
    }
    return std::move(a);
  };
  out[0] = add(ga1, ga2);
  out[1] = add(gp1, gp2);
  out[2] = add(gn1, gn2);
  return out;
}

// The two losses' forward and backward: d(x, y) = pairwise_distance(x, y, p, eps); margin, swap
// and reduction from c.options.
inline Result<LossOutput> triplet_forward(const LossCall& c, double p, double eps,
                                          bool with_distance) {
  auto t = triplet_prepare(c, eps);
  if (!t) return t.error();
  if (t.value().dtype == DType::Float32)
    return triplet_forward_t<float>(c, t.value(), p, with_distance);
  return triplet_forward_t<double>(c, t.value(), p, with_distance);
}

inline Result<LossGrads> triplet_backward(const LossCall& c, const TensorView* g, unsigned want,
                                          double p, double eps, bool with_distance) {
  auto t = triplet_prepare(c, eps);
  if (!t) return t.error();
  if (t.value().dtype == DType::Float32)
    return triplet_backward_t<float>(c, t.value(), g, want, p, with_distance);
  return triplet_backward_t<double>(c, t.value(), g, want, p, with_distance);
}

}  // namespace losslab::detail::emb
