// cosine_similarity (F.cosine_similarity), as torch 1.13.1's ATen computes it:
//   n = sqrt(clamp_min(sum(x^2, dim, keepdim), eps^2))   (the clamp under no_grad)
//   s = sum((x1 / n1) * (x2 / n2), dim)
// in torch's `.sum(dim)` order (torch_sum.hpp). No reduction.
#include <type_traits>

#include "embedding_util.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using namespace detail::emb;

struct Geom {
  DType dtype;
  Shape shape, out_shape;
  int64_t outer = 1, D = 1, inner = 1;
  Dense a, b;         // x1, x2 as contiguous tensors of shape, in dtype (copied only where needed)
  bool simd = false;  // float32 rows (dim last) shorter than kRowSumMax by torch_row_sum_f32
  template <class T>
  const T* x1() const {
    return a.as<T>();
  }
  template <class T>
  const T* x2() const {
    return b.as<T>();
  }
};

#if LOSSLAB_HAVE_SIMD
// The float32 rows' sums (torch_row_sum_f32), one function per row: not inlined into the loops
// over rows, so V8 switches them to optimized code within a call (embedding_util.hpp's
// norm2_diff_row_simd says why).
LOSSLAB_NOINLINE float sq_sum_row(const float* xr, int64_t D) {
  return torch_row_sum_f32(
      D,
      [=](int64_t k) {
        const Lanes8 v = Lanes8::load_unaligned(xr + k);
        return v * v;
      },
      [=](int64_t k) { return xr[k] * xr[k]; });
}

// sum((a / s1) * (b / s2))
LOSSLAB_NOINLINE float cos_row(const float* a, const float* b, float s1, float s2, int64_t D) {
  const Lanes8 S1(s1), S2(s2);
  return torch_row_sum_f32(
      D,
      [=](int64_t k) {
        return (Lanes8::load_unaligned(a + k) / S1) * (Lanes8::load_unaligned(b + k) / S2);
      },
      [=](int64_t k) { return (a[k] / s1) * (b[k] / s2); });
}

// sum(-(u (o / so)) ((x / sx) / sx)): the backward's gn
LOSSLAB_NOINLINE float gn_row(const float* xr, const float* orow, float u, float sx, float so,
                              int64_t D) {
  const Lanes8 U(u), SX(sx), SO(so);
  return torch_row_sum_f32(
      D,
      [=](int64_t k) {
        const Lanes8 ga = U * (Lanes8::load_unaligned(orow + k) / SO);
        return -ga * ((Lanes8::load_unaligned(xr + k) / SX) / SX);
      },
      [=](int64_t k) {
        const float ga = u * (orow[k] / so);
        return -ga * ((xr[k] / sx) / sx);
      });
}
#endif

bool is_int(DType d) { return !dtype_is_floating(d); }

Result<Geom> prepare(const LossCall& c) {
  const TensorView &x1 = c[0], &x2 = c[1];
  if (is_int(x1.dtype) && is_int(x2.dtype)) {
    const DType common =
        (x1.dtype == DType::Int64 || x2.dtype == DType::Int64) ? DType::Int64 : DType::Int32;
    return runtime_error(
        std::string("expected common dtype to be floating point, yet common dtype is ") +
        dtype_torch_name(common));
  }
  auto s = broadcast_shapes(x1.shape, x2.shape);
  if (!s) return s.error();
  Geom g;
  g.dtype = detail::promote_floating(x1.dtype, x2.dtype);
  if (dtype_is_floating(x1.dtype) && dtype_is_floating(x2.dtype) && x1.dtype != x2.dtype)
    g.dtype = DType::Float64;
  g.shape = s.value();
  const int64_t nd = static_cast<int64_t>(g.shape.size());
  auto d = detail::wrap_dim(c.options.dim, nd);
  if (!d) return d.error();
  const int64_t dim = d.value();
  for (int64_t k = 0; k < nd; ++k) {
    if (k < dim) g.outer *= g.shape[k];
    if (k == dim) g.D = g.shape[k];
    if (k > dim) g.inner *= g.shape[k];
    if (k != dim) g.out_shape.push_back(g.shape[k]);
  }
  auto a = dense(x1, g.shape, g.dtype);
  if (!a) return a.error();
  auto b = dense(x2, g.shape, g.dtype);
  if (!b) return b.error();
  g.a = a.take();
  g.b = b.take();
#if LOSSLAB_HAVE_SIMD
  g.simd = !c.options.force_scalar && g.dtype == DType::Float32 && g.inner == 1 && g.D < kRowSumMax;
#endif
  return g;
}

// n = sqrt(clamp_min(n, eps^2)) in place.
template <class T>
void clamp_sqrt(std::vector<T>& n, double eps) {
  const T lo = static_cast<T>(eps * eps);
  for (T& v : n) v = std::sqrt(std::isnan(v) ? v : (v < lo ? lo : v));
}

// Norms n (outer * inner) of one operand.
// (With the dim last, inner == 1, each row's values are made and summed one row at a time:
// torch_sum_dim's per-row order, without (outer, D) temporaries.)
template <class T>
std::vector<T> norms(const T* x, const Geom& g, double eps) {
  std::vector<T> out(static_cast<std::size_t>(g.outer * g.inner));
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<T, float>) {
    if (g.simd) {
      for (int64_t o = 0; o < g.outer; ++o) out[o] = sq_sum_row(x + o * g.D, g.D);
      clamp_sqrt(out, eps);
      return out;
    }
  }
#endif
  if (g.inner == 1) {
    std::vector<T> row(static_cast<std::size_t>(g.D));
    for (int64_t o = 0; o < g.outer; ++o) {
      const T* xr = x + o * g.D;
      for (int64_t d = 0; d < g.D; ++d) row[d] = xr[d] * xr[d];
      out[o] = torch_sum(row.data(), g.D);
    }
  } else {
    const int64_t n = g.outer * g.D * g.inner;
    std::vector<T> sq(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) sq[i] = x[i] * x[i];
    torch_sum_dim(sq.data(), g.outer, g.D, g.inner, out.data());
  }
  clamp_sqrt(out, eps);
  return out;
}

template <class T>
Result<LossOutput> forward_t(const Geom& g, double eps) {
  const T* x1 = g.x1<T>();
  const T* x2 = g.x2<T>();
  const auto n1 = norms(x1, g, eps), n2 = norms(x2, g, eps);
  auto out = alloc_tensor(g.dtype, g.out_shape);
  if (!out) return out.error();
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<T, float>) {
    if (g.simd) {
      float* q = out.value().template as<float>();
      for (int64_t o = 0; o < g.outer; ++o)
        q[o] = cos_row(x1 + o * g.D, x2 + o * g.D, n1[o], n2[o], g.D);
      LossOutput lo;
      lo.value = out.take();
      return lo;
    }
  }
#endif
  if (g.inner == 1) {
    T* q = out.value().template as<T>();
    std::vector<T> row(static_cast<std::size_t>(g.D));
    for (int64_t o = 0; o < g.outer; ++o) {
      const T *a = x1 + o * g.D, *b = x2 + o * g.D;
      for (int64_t d = 0; d < g.D; ++d) row[d] = (a[d] / n1[o]) * (b[d] / n2[o]);
      q[o] = torch_sum(row.data(), g.D);
    }
    LossOutput lo;
    lo.value = out.take();
    return lo;
  }
  const int64_t n = g.outer * g.D * g.inner;
  std::vector<T> prod(static_cast<std::size_t>(n));
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t d = 0; d < g.D; ++d)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = (o * g.D + d) * g.inner + i, r = o * g.inner + i;
        prod[k] = (x1[k] / n1[r]) * (x2[k] / n2[r]);
      }
  torch_sum_dim(prod.data(), g.outer, g.D, g.inner, out.value().template as<T>());
  LossOutput lo;
  lo.value = out.take();
  return lo;
}

Result<LossOutput> cs_forward(const LossCall& c) {
  auto g = prepare(c);
  if (!g) return g.error();
  if (g.value().dtype == DType::Float32) return forward_t<float>(g.value(), c.options.eps);
  return forward_t<double>(g.value(), c.options.eps);
}

// One operand's gradient into out (outer * D * inner): x / n gives gx = ga / n directly, and
// through n:
//   gn = sum_dim(-ga * ((x / n) / n)),  gsq = gn / (2 n),  gx += gsq * (2 x)   (pow backward),
// with ga = up * (other / n_other). With the dim last, row by row (no (outer, D) temporaries).
template <class T>
void operand_grad(const T* x, const std::vector<T>& nx, const T* other, const std::vector<T>& no,
                  const T* up, const Geom& g, T* out) {
  const int64_t n = g.outer * g.D * g.inner;
  if (g.inner == 1) {
    std::vector<T> t(static_cast<std::size_t>(g.D));
    for (int64_t o = 0; o < g.outer; ++o) {
      const T *xr = x + o * g.D, *orow = other + o * g.D;
      const T u = up[o], sx = nx[o], so = no[o];
      auto tval = [=](int64_t d) {
        const T ga = u * (orow[d] / so);
        return -ga * ((xr[d] / sx) / sx);
      };
      T gn = T(0);
      bool summed = false;
#if LOSSLAB_HAVE_SIMD
      if constexpr (std::is_same_v<T, float>) {
        if (g.simd) {
          gn = gn_row(xr, orow, u, sx, so, g.D);
          summed = true;
        }
      }
#endif
      if (!summed) {
        for (int64_t d = 0; d < g.D; ++d) t[d] = tval(d);
        gn = torch_sum(t.data(), g.D);
      }
      const T gsq = gn / (T(2) * sx);
      T* q = out + o * g.D;
      for (int64_t d = 0; d < g.D; ++d) q[d] = (u * (orow[d] / so)) / sx + gsq * (T(2) * xr[d]);
    }
    return;
  }
  std::vector<T> ga(static_cast<std::size_t>(n)), t(static_cast<std::size_t>(n));
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t d = 0; d < g.D; ++d)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = (o * g.D + d) * g.inner + i, r = o * g.inner + i;
        ga[k] = up[r] * (other[k] / no[r]);
        t[k] = -ga[k] * ((x[k] / nx[r]) / nx[r]);
      }
  std::vector<T> gn(static_cast<std::size_t>(g.outer * g.inner));
  torch_sum_dim(t.data(), g.outer, g.D, g.inner, gn.data());
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t d = 0; d < g.D; ++d)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = (o * g.D + d) * g.inner + i, r = o * g.inner + i;
        const T gsq = gn[r] / (T(2) * nx[r]);
        out[k] = ga[k] / nx[r] + gsq * (T(2) * x[k]);
      }
}

template <class T>
Result<LossGrads> backward_t(const LossCall& c, const Geom& g, const TensorView* go,
                             unsigned want) {
  LossGrads out(2);
  auto up = detail::upstream_grad<T>(go, g.out_shape, Reduction::None, g.dtype);
  if (!up) return up.error();
  const T* x1 = g.x1<T>();
  const T* x2 = g.x2<T>();
  const double eps = c.options.eps;
  const auto n1 = norms(x1, g, eps), n2 = norms(x2, g, eps);
  for (int k = 0; k < 2; ++k) {
    const TensorView& x = c[static_cast<std::size_t>(k)];
    if (!(want & want_bit(static_cast<std::size_t>(k))) || !dtype_is_floating(x.dtype)) continue;
    auto gx = alloc_tensor(g.dtype, g.shape);
    if (!gx) return gx.error();
    T* q = gx.value().template as<T>();
    if (k == 0)
      operand_grad(x1, n1, x2, n2, up.value().data(), g, q);
    else
      operand_grad(x2, n2, x1, n1, up.value().data(), g, q);
    // x's own shape and dtype: the gradient itself, else summed (at::sum_to) and cast
    Result<Tensor> r = x.shape == g.shape && x.dtype == g.dtype
                           ? gx.take()
                           : grad_to_operand(gx.value().view(), x);
    if (!r) return r.error();
    out[static_cast<std::size_t>(k)] = r.take();
  }
  return out;
}

Result<LossGrads> cs_backward(const LossCall& c, const TensorView* go, unsigned want) {
  auto g = prepare(c);
  if (!g) return g.error();
  if (g.value().dtype == DType::Float32) return backward_t<float>(c, g.value(), go, want);
  return backward_t<double>(c, g.value(), go, want);
}

}  // namespace

extern const LossSpec kCosineSimilarity{
    "cosine_similarity",
    "",
    FnKind::Distance,
    {{"x1", OperandRole::Input, kFloating | kInteger, true},
     {"x2", OperandRole::Target, kFloating | kInteger, true}},
    {opt_int("dim", &LossOptions::dim, 1, "the dimension of the vectors"),
     opt_float("eps", &LossOptions::eps, 1e-8, "lower bound of each norm")},
    false,
    0,  // no target: embeddings only
    "embedding",
    "s = sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), dim)",
    nullptr,
    &cs_forward,
    &cs_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
