// cosine_embedding_loss (nn.CosineEmbeddingLoss), as torch 1.13.1's ATen computes it, d =
// target.dim():
//   ps = sum(x1 * x2, d), m = sum(x * x, d) + 1e-12, cos = ps / sqrt(m1 * m2)
//   l = where(y == 1, 1 - cos, 0) + where(y == -1, clamp_min(cos - margin, 0), 0)
// the sums in torch's `.sum(dim)` order (torch_sum.hpp); gradients by torch's autograd
// chain. The target gets no gradient.
#include <algorithm>
#include <type_traits>

#include "embedding_util.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using namespace detail::emb;

constexpr double kEpsilon = 1e-12;

// Row structure: a 2-D operand is (R, D) rows; 1-D (target 0-d) is one row.
struct Geom {
  DType dtype;
  bool batched;  // target 1-D: 2-D inputs
  int64_t R1, D1, R2, D2, R, D;
  Shape cos_shape, out_shape;
  Dense a, b;  // x1, x2 in dtype (own shapes): the operands, or copies where the dtype differs
  Tensor t;    // target as float64, broadcast to out_shape
  bool simd;   // the call's !force_scalar
};

int64_t rows_of(const TensorView& v, bool batched) { return batched ? v.shape[0] : 1; }
int64_t d_of(const TensorView& v) { return v.dim() == 0 ? 1 : v.shape.back(); }

Status ce_check(const LossCall& c) {
  const TensorView &x1 = c[0], &x2 = c[1], &y = c[2];
  if (y.dim() != 0 && y.dim() != 1)
    return runtime_error("0D or 1D target tensor expected, multi-target not supported");
  if (y.dim() == 1 && x1.dim() != 2)
    return runtime_error("1D target tensor expects 2D input tensors, but found inputs with sizes " +
                         shape_str(x1.shape) + " and " + shape_str(x2.shape) + ".");
  if (y.dim() == 0 && x1.dim() != 1)
    return runtime_error("0D target tensor expects 1D input tensors, but found inputs with sizes " +
                         shape_str(x1.shape) + " and " + shape_str(x2.shape) + ".");
  auto s = broadcast_shapes(x1.shape, x2.shape);  // input1 * input2
  if (!s) return s.error();
  const int64_t d = y.dim();
  if (x2.dim() > x1.dim())
    return runtime_error("cosine_embedding_loss: input2 has more dimensions than input1");
  if (d >= std::max<int64_t>(x2.dim(), 1))
    return index_error("Dimension out of range (expected to be in range of [" +
                       std::to_string(-std::max<int64_t>(x2.dim(), 1)) + ", " +
                       std::to_string(std::max<int64_t>(x2.dim(), 1) - 1) + "], but got " +
                       std::to_string(d) + ")");
  return Ok{};
}

Result<Geom> prepare(const LossCall& c) {
  const TensorView &x1 = c[0], &x2 = c[1], &y = c[2];
  Geom g;
  g.dtype = detail::promote_floating(x1.dtype, x2.dtype);
  g.batched = y.dim() == 1;
  g.simd = !c.options.force_scalar;
  const Shape s = broadcast_shapes(x1.shape, x2.shape).value();
  g.R1 = rows_of(x1, g.batched);
  g.R2 = rows_of(x2, g.batched);
  g.D1 = d_of(x1);
  g.D2 = d_of(x2);
  g.R = g.batched ? s[0] : 1;
  g.D = s.empty() ? 1 : s.back();
  if (g.batched) g.cos_shape = {g.R};
  auto os = broadcast_shapes(y.shape, g.cos_shape);  // where(target == 1, pos, zeros)
  if (!os) return os.error();
  g.out_shape = os.value();
  auto a = dense(x1, x1.shape, g.dtype);
  if (!a) return a.error();
  auto b = dense(x2, x2.shape, g.dtype);
  if (!b) return b.error();
  auto t = expand_to(y, g.out_shape, DType::Float64);
  if (!t) return t.error();
  g.a = a.take();
  g.b = b.take();
  g.t = t.take();
  return g;
}

inline int64_t bi(int64_t i, int64_t n) { return n == 1 ? 0 : i; }

template <class T>
struct Parts {
  std::vector<T> ps, m1, m2, denom, cos;  // ps, denom, cos: R; m1: R1; m2: R2
};

// denom = sqrt(m1 * m2), cos = ps / denom.
template <class T>
Parts<T>& finish_parts(const Geom& g, Parts<T>& p) {
  p.denom.resize(g.R);
  p.cos.resize(g.R);
  for (int64_t r = 0; r < g.R; ++r) {
    p.denom[r] = std::sqrt(p.m1[bi(r, g.R1)] * p.m2[bi(r, g.R2)]);
    p.cos[r] = p.ps[r] / p.denom[r];
  }
  return p;
}

#if LOSSLAB_HAVE_SIMD
// x1 and x2 of one shape with rows shorter than kRowSumMax: the three row sums at once, each with
// torch's lanes in batches (torch_row_sum_f32), the products made batch by batch.
bool simd_rows(const Geom& g) {
  return g.dtype == DType::Float32 && g.R1 == g.R && g.R2 == g.R && g.D1 == g.D && g.D2 == g.D &&
         g.D < kRowSumMax;
}

// One row's three sums, not inlined into the loop over rows (see embedding_util.hpp's
// norm2_diff_row_simd: V8 switches a function called per row to optimized code sooner).
LOSSLAB_NOINLINE void row_sums_simd(const float* a, const float* b, int64_t D, float eps, float* ps,
                                    float* m1, float* m2) {
  auto ld = [](const float* u, const float* v) {
    return [=](int64_t k) { return Lanes8::load_unaligned(u + k) * Lanes8::load_unaligned(v + k); };
  };
  auto at = [](const float* u, const float* v) { return [=](int64_t k) { return u[k] * v[k]; }; };
  *ps = torch_row_sum_f32(D, ld(a, b), at(a, b));
  *m1 = torch_row_sum_f32(D, ld(a, a), at(a, a)) + eps;
  *m2 = torch_row_sum_f32(D, ld(b, b), at(b, b)) + eps;
}

void parts_simd(const Geom& g, Parts<float>& p) {
  const float eps = static_cast<float>(kEpsilon);
  p.ps.resize(g.R);
  p.m1.resize(g.R);
  p.m2.resize(g.R);
  for (int64_t r = 0; r < g.R; ++r)
    row_sums_simd(g.a.as<float>() + r * g.D, g.b.as<float>() + r * g.D, g.D, eps, &p.ps[r],
                  &p.m1[r], &p.m2[r]);
}
#endif

template <class T>
Parts<T> parts(const Geom& g) {
  Parts<T> p;
  const T* x1 = g.a.as<T>();
  const T* x2 = g.b.as<T>();
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<T, float>) {
    if (g.simd && simd_rows(g)) {
      parts_simd(g, p);
      return finish_parts(g, p);
    }
  }
#endif
  std::vector<T> row(static_cast<std::size_t>(std::max<int64_t>({g.D, g.D1, g.D2, 1})));
  p.ps.resize(g.R);
  for (int64_t r = 0; r < g.R; ++r) {
    for (int64_t j = 0; j < g.D; ++j)
      row[j] = x1[bi(r, g.R1) * g.D1 + bi(j, g.D1)] * x2[bi(r, g.R2) * g.D2 + bi(j, g.D2)];
    p.ps[r] = torch_sum(row.data(), g.D);
  }
  const T eps = static_cast<T>(kEpsilon);
  auto mag = [&](const T* x, int64_t R, int64_t D, std::vector<T>& m) {
    m.resize(R);
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t j = 0; j < D; ++j) row[j] = x[r * D + j] * x[r * D + j];
      m[r] = torch_sum(row.data(), D) + eps;
    }
  };
  mag(x1, g.R1, g.D1, p.m1);
  mag(x2, g.R2, g.D2, p.m2);
  return finish_parts(g, p);
}

template <class T>
T clamp0(T v) {
  return std::isnan(v) ? v : (v < T(0) ? T(0) : v);
}

template <class T>
Result<LossOutput> forward_t(const Geom& g, double margin, Reduction red) {
  const auto p = parts<T>(g);
  const int64_t n = shape_numel(g.out_shape);
  auto out = alloc_tensor(g.dtype, g.out_shape);
  if (!out) return out.error();
  T* o = out.value().template as<T>();
  const double* t = g.t.as<double>();
  const T m = static_cast<T>(margin);
  const int64_t nc = g.R;
  for (int64_t i = 0; i < n; ++i) {
    const T cos = p.cos[bi(i, nc)];
    const T pos = t[i] == 1.0 ? T(1) - cos : T(0);
    const T neg = t[i] == -1.0 ? clamp0(cos - m) : T(0);
    o[i] = pos + neg;
  }
  auto r = detail::reduce_like_torch(out.take(), red);
  if (!r) return r.error();
  LossOutput lo;
  lo.value = r.take();
  return lo;
}

Result<LossOutput> ce_forward(const LossCall& c) {
  auto g = prepare(c);
  if (!g) return g.error();
  if (g.value().dtype == DType::Float32)
    return forward_t<float>(g.value(), c.options.margin, c.options.reduction);
  return forward_t<double>(g.value(), c.options.margin, c.options.reduction);
}

// Sums v (length n, broadcast from length m in {1, n}) back to length m.
template <class T>
std::vector<T> sum_back(const std::vector<T>& v, int64_t m) {
  if (static_cast<int64_t>(v.size()) == m) return v;
  return {torch_sum(v.data(), static_cast<int64_t>(v.size()))};
}

template <class T>
Result<LossGrads> backward_t(const LossCall& c, const Geom& g, const TensorView* go,
                             unsigned want) {
  LossGrads out(3);
  const Reduction red = c.options.reduction;
  auto up = detail::upstream_grad<T>(go, g.out_shape, red, g.dtype);
  if (!up) return up.error();
  const auto p = parts<T>(g);
  const int64_t n = shape_numel(g.out_shape);
  const double* t = g.t.as<double>();
  const T m = static_cast<T>(c.options.margin);
  std::vector<T> gpos(n), gneg(n);
  for (int64_t i = 0; i < n; ++i) {
    const T G = up.value()[i];
    gpos[i] = t[i] == 1.0 ? G : T(0);
    gneg[i] = t[i] == -1.0 ? G : T(0);
  }
  gpos = sum_back(gpos, g.R);
  gneg = sum_back(gneg, g.R);
  std::vector<T> gps(g.R), gprod(g.R);
  for (int64_t r = 0; r < g.R; ++r) {
    const T gn = (p.cos[r] - m) >= T(0) ? gneg[r] : T(0);
    const T gcos = gn + -gpos[r];
    gps[r] = gcos / p.denom[r];
    const T gden = -gcos * ((p.ps[r] / p.denom[r]) / p.denom[r]);
    gprod[r] = gden / (T(2) * p.denom[r]);
  }
  // gm1 = gprod * m2 summed to R1, gm2 = gprod * m1 summed to R2.
  std::vector<T> gm1(g.R), gm2(g.R);
  for (int64_t r = 0; r < g.R; ++r) {
    gm1[r] = gprod[r] * p.m2[bi(r, g.R2)];
    gm2[r] = gprod[r] * p.m1[bi(r, g.R1)];
  }
  gm1 = sum_back(gm1, g.R1);
  gm2 = sum_back(gm2, g.R2);
  const T* x1 = g.a.as<T>();
  const T* x2 = g.b.as<T>();
  const Shape full = g.batched ? Shape{g.R, g.D} : Shape{g.D};
  for (int k = 0; k < 2; ++k) {
    const TensorView& x = c[static_cast<std::size_t>(k)];
    if (!(want & want_bit(static_cast<std::size_t>(k)))) continue;
    const T* self = k == 0 ? x1 : x2;
    const T* other = k == 0 ? x2 : x1;
    const int64_t Rs = k == 0 ? g.R1 : g.R2, Ds = k == 0 ? g.D1 : g.D2;
    const int64_t Ro = k == 0 ? g.R2 : g.R1, Do = k == 0 ? g.D2 : g.D1;
    const std::vector<T>& gm = k == 0 ? gm1 : gm2;
    if (x.shape == full && c[1 - static_cast<std::size_t>(k)].shape == full && x.dtype == g.dtype) {
      // no broadcasting, no cast: the two paths' sum written directly (at::sum_to is the identity)
      auto gx = alloc_tensor(g.dtype, full);
      if (!gx) return gx.error();
      T* q = gx.value().template as<T>();
      for (int64_t r = 0; r < g.R; ++r)
        for (int64_t j = 0; j < g.D; ++j) {
          const T a = gm[r] * self[r * g.D + j];
          q[r * g.D + j] = (a + a) + gps[r] * other[r * g.D + j];
        }
      out[static_cast<std::size_t>(k)] = gx.take();
      continue;
    }
    // The ps path: gps expanded over D, times the other operand, summed to this one's shape.
    std::vector<T> gfull(static_cast<std::size_t>(g.R * g.D));
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t j = 0; j < g.D; ++j)
        gfull[r * g.D + j] = gps[r] * other[bi(r, Ro) * Do + bi(j, Do)];
    TensorView fv{g.dtype, full, gfull.data()};
    auto red_ps = torch_sum_to(fv, x.shape);
    if (!red_ps) return red_ps.error();
    T* q = red_ps.value().template as<T>();
    for (int64_t r = 0; r < Rs; ++r)
      for (int64_t j = 0; j < Ds; ++j) {
        const T a = gm[r] * self[r * Ds + j];
        q[r * Ds + j] = (a + a) + q[r * Ds + j];
      }
    Result<Tensor> res = red_ps.take();
    if (x.dtype != g.dtype) res = detail::as_dtype(res.value().view(), x.dtype);
    if (!res) return res.error();
    out[static_cast<std::size_t>(k)] = res.take();
  }
  return out;
}

Result<LossGrads> ce_backward(const LossCall& c, const TensorView* go, unsigned want) {
  auto g = prepare(c);
  if (!g) return g.error();
  if (g.value().dtype == DType::Float32) return backward_t<float>(c, g.value(), go, want);
  return backward_t<double>(c, g.value(), go, want);
}

}  // namespace

extern const LossSpec kCosineEmbeddingLoss{
    "cosine_embedding_loss",
    "CosineEmbeddingLoss",
    FnKind::Loss,
    {{"input1", OperandRole::Input, kFloating, true},
     {"input2", OperandRole::Input, kFloating, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_float("margin", &LossOptions::margin, 0.0, "margin for dissimilar pairs (y = -1)")},
    false,
    kTargetSign,
    "embedding",
    "l = 1 - cos(x1, x2) if y = 1;  max(0, cos(x1, x2) - margin) if y = -1",
    &ce_check,
    &ce_forward,
    &ce_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
