// What pairwise_distance, cosine_similarity and the embedding losses (cosine_embedding,
// triplet_margin, triplet_margin_with_distance) share: torch.norm over the last dim in torch
// 1.13.1's order (CPU, AVX2 build), its backward (FunctionsManual norm_backward), and
// pairwise_distance itself (forward and backward) as the triplet losses call it. torch's
// `.sum(dim)` and at::sum_to orders are torch_sum.hpp's torch_sum_dim and torch_sum_to.
//
// torch.norm(x, p, dim=-1) (ReduceOpsKernel.cpp), as observed bit for bit:
//   p = 2, float32: the `norm_two` lastdim kernel: 8 lane accumulators acc[k] = fma(x, x, acc[k])
//     over the whole 8-blocks (GCC contracts the Vectorized mul + add), then
//     b = acc[0] + acc[1] + ... + acc[7] in order; the scalar tail loop is vectorized by GCC as an
//     in-order reduction: while 4 or more elements remain, b += x*x (product rounded) for 4 of
//     them in order; the last < 4 elements b = fma(x, x, b). sqrt(b).
//   p = 2, float64: sequential fma from 0 (binary_kernel_reduce with NormTwoOps, contracted).
//   p = 1: sequential acc + |x|; p = 0: count of nonzeros; p = +inf: max |x| from 0 (NaN
//   propagates); p = -inf: min |x| from +inf; other p: sequential acc + pow(|x|, p), then
//   pow(acc, 1/p), in the dtype (std::pow: glibc natively, musl in wasm; both the same
//   correctly-rounded-in-practice powf/pow algorithm, but that is not proven here).
// The build has -ffp-contract=off, so every fma is written out.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "losslab/broadcast.hpp"
#include "losslab/detail/loss_util.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/loss.hpp"
#include "losslab/tensor.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab::detail::emb {

template <class T>
inline T sgn(T x) {  // torch.sign for reals (Vectorized: NaN and -0 give +0)
  return T(T(0) < x) - T(x < T(0));
}

// torch's pow(tensor, scalar exponent) special cases (pow_tensor_scalar_kernel / pow_out).
template <class T>
inline T tpow(T x, double e) {
  if (e == 0.0) return T(1);
  if (e == 1.0) return x;
  if (e == 0.5) return std::sqrt(x);
  if (e == 2.0) return x * x;
  if (e == 3.0) return x * x * x;
  if (e == -0.5) return T(1) / std::sqrt(x);
  if (e == -1.0) return T(1) / x;
  if (e == -2.0) return T(1) / (x * x);
  return std::pow(x, static_cast<T>(e));
}

// fmaf, correctly rounded (detail/torch_math.hpp).
using tmath::fma;

// torch's float32 norm_two after the 8-blocks (see the top): b is the sum of the 8 lane
// accumulators, d the first element left; at(k) is element k.
template <class At>
inline float norm2_f32_tail(float b, int64_t d, int64_t D, const At& at) {
  if (D - d >= 4) {
    for (int64_t k = 0; k < 4; ++k) {
      const float v = at(d + k);
      const float sq = v * v;
      b = b + sq;
    }
    d += 4;
  }
  for (; d < D; ++d) {
    const float v = at(d);
    b = fma(v, v, b);
  }
  return std::sqrt(b);
}

// The scalar reference: the 8 lane accumulators as floats.
template <class At>
inline float norm2_f32(int64_t D, const At& at) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t d = 0;
  for (; d + 8 <= D; d += 8)
    for (int k = 0; k < 8; ++k) {
      const float v = at(d + k);
      acc[k] = fma(v, v, acc[k]);
    }
  float b = acc[0];
  for (int k = 1; k < 8; ++k) b = b + acc[k];
  return norm2_f32_tail(b, d, D, at);
}

#if LOSSLAB_HAVE_SIMD
// torch's 8 lanes as one 8-float batch where the target has one (AVX2, AVX-512), else as two of
// 4 (wasm, SSE, NEON): each lane keeps its own exact fma chain, so the result is the scalar one's.
// The AVX2 arch is named with its fma3: xsimd's other 8-float archs (avx2, avxvnni) compute fma
// as a rounded product plus c.
#if defined(__AVX2__) && defined(__FMA__)
using Lanes8 = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
#elif defined(__AVX__)
using Lanes8 = xsimd::batch<float, xsimd::avx>;
#else
using Lanes8 = xsimd::batch<float>;
#endif
static_assert(8 % Lanes8::size == 0, "8 lanes as whole batches");

// ld(k) is the batch of elements k .. k + Lanes8::size, at(k) element k.
template <class Ld, class At>
inline float norm2_f32_simd(int64_t D, const Ld& ld, const At& at) {
  constexpr int64_t W = static_cast<int64_t>(Lanes8::size), NB = 8 / W;
  Lanes8 acc[NB];
  for (auto& a : acc) a = Lanes8(0.0f);
  int64_t d = 0;
  for (; d + 8 <= D; d += 8)
    for (int64_t j = 0; j < NB; ++j) {
      const Lanes8 v = ld(d + j * W);
      acc[j] = tmath::fma(v, v, acc[j]);
    }
  alignas(32) float l[8];
  for (int64_t j = 0; j < NB; ++j) acc[j].store_aligned(l + j * W);
  float b = l[0];
  for (int k = 1; k < 8; ++k) b = b + l[k];
  return norm2_f32_tail(b, d, D, at);
}

// torch.sum of a float32 row of n < kRowSumMax values (fewer than 16 groups of 32: torch_sum.cpp's
// small_sum, which is what torch_sum gives for such n) with torch's 8-lane vectors in batches:
// the groups' 4 vectors P0..P3 from +0, the leftover vectors into P0, P0 += P1, P2, P3, then in
// order the scalar tail and P0's lanes, and 0 + that. ld(k) / at(k) as for norm2_f32_simd.
constexpr int64_t kRowSumMax = 16 * 32;

template <class Ld, class At>
inline float torch_row_sum_f32(int64_t n, const Ld& ld, const At& at) {
  if (n < 8) {  // no whole vector: torch_sum's own scalar row_sum
    float v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t i = 0; i < n; ++i) v[i] = at(i);
    return torch_sum(v, n);
  }
  constexpr int64_t W = static_cast<int64_t>(Lanes8::size), NB = 8 / W;
  const int64_t group_end = ((n / 8) / 4) * 32;
  Lanes8 p[4][NB];
  for (auto& v : p)
    for (auto& b : v) b = Lanes8(0.0f);
  for (int64_t g = 0; g < group_end; g += 32)
    for (int64_t v = 0; v < 4; ++v)
      for (int64_t j = 0; j < NB; ++j) p[v][j] += ld(g + v * 8 + j * W);
  const int64_t vec_end = (n / 8) * 8;
  for (int64_t k = group_end; k < vec_end; k += 8)
    for (int64_t j = 0; j < NB; ++j) p[0][j] += ld(k + j * W);
  for (int64_t v = 1; v < 4; ++v)
    for (int64_t j = 0; j < NB; ++j) p[0][j] += p[v][j];
  alignas(32) float l[8];
  for (int64_t j = 0; j < NB; ++j) p[0][j].store_aligned(l + j * W);
  float f = 0.0f;
  for (int64_t i = vec_end; i < n; ++i) f += at(i);
  for (int k = 0; k < 8; ++k) f += l[k];
  return 0.0f + f;
}
#endif

template <class T>
inline T norm2_row(const T* x, int64_t D) {
  if constexpr (sizeof(T) == 4) {
    return norm2_f32(D, [x](int64_t k) { return x[k]; });
  } else {
    double b = 0;
    for (int64_t d = 0; d < D; ++d) b = std::fma(x[d], x[d], b);
    return std::sqrt(b);
  }
}

// torch.norm(x[0..D), p) as torch 1.13.1 computes it (see the top of the file).
template <class T>
inline T norm_row(const T* x, int64_t D, double p) {
  if (p == 2.0) return norm2_row(x, D);
  if (p == 1.0) {
    T acc = 0;
    for (int64_t d = 0; d < D; ++d) acc = acc + std::fabs(x[d]);
    return acc;
  }
  if (p == 0.0) {
    T acc = 0;
    for (int64_t d = 0; d < D; ++d) acc = acc + (x[d] == T(0) ? T(0) : T(1));
    return acc;
  }
  if (std::isinf(p)) {
    T acc = p > 0 ? T(0) : std::numeric_limits<T>::infinity();
    for (int64_t d = 0; d < D; ++d) {
      const T a = std::fabs(x[d]);
      if (std::isnan(acc)) break;
      if (std::isnan(a) || (p > 0 ? a > acc : a < acc)) acc = a;
    }
    return acc;
  }
  const T pt = static_cast<T>(p);
  T acc = 0;
  for (int64_t d = 0; d < D; ++d) acc = acc + std::pow(std::fabs(x[d]), pt);
  return std::pow(acc, T(1) / pt);
}

// d norm / d x[0..D) times g into out (torch's norm_backward; p == 0 has no gradient).
template <class T>
inline void norm_row_backward(const T* x, int64_t D, double p, T norm, T g, T* out) {
  if (p == 1.0) {
    for (int64_t d = 0; d < D; ++d) out[d] = sgn(x[d]) * g;
  } else if (p == 2.0) {
    for (int64_t d = 0; d < D; ++d) out[d] = g * (norm == T(0) ? T(0) : x[d] / norm);
  } else if (std::isinf(p)) {
    int64_t cnt = 0;
    for (int64_t d = 0; d < D; ++d) {
      const T a = std::fabs(x[d]);
      cnt += (a == norm || std::isnan(a)) ? 1 : 0;
    }
    const T q = g / static_cast<T>(cnt);
    for (int64_t d = 0; d < D; ++d) {
      const T a = std::fabs(x[d]);
      const T m = (a == norm || std::isnan(a)) ? T(1) : T(0);
      out[d] = sgn(x[d]) * (q * m);
    }
  } else if (p < 1.0) {
    const T s = tpow(norm, 1.0 - p);
    for (int64_t d = 0; d < D; ++d) {
      const T sc = sgn(x[d]) * (x[d] == T(0) ? T(0) : tpow(std::fabs(x[d]), p - 1.0));
      out[d] = (sc * g) * s;
    }
  } else {
    T scale = g / tpow(norm, p - 1.0);
    if (norm == T(0)) scale = T(0);
    for (int64_t d = 0; d < D; ++d) {
      const T sc = p < 2.0 ? sgn(x[d]) * tpow(std::fabs(x[d]), p - 1.0)
                           : x[d] * tpow(std::fabs(x[d]), p - 2.0);
      out[d] = sc * scale;
    }
  }
}

// A gradient of the broadcast shape `full` summed to `operand`'s shape in at::sum_to's order
// (torch_sum.hpp) and cast to its dtype.
inline Result<Tensor> grad_to_operand(const TensorView& full, const TensorView& operand) {
  auto r = torch_sum_to(full, operand.shape);
  if (!r || r.value().dtype() == operand.dtype) return r;
  return as_dtype(r.value().view(), operand.dtype);
}

// ---- pairwise_distance ------------------------------------------------------------------------

// x1 - x2 + eps broadcast, as rows of the last dim: materialized (the backward reads it), or,
// for a forward of floating operands, made row by row from x1 and x2 (no (rows, D) buffers; the
// operands are copied only where they need broadcasting or a dtype change).
struct Pairwise {
  DType dtype = DType::Float32;
  Shape shape;      // broadcast shape of x1, x2
  Shape out_shape;  // without the last dim (keepdim: last dim 1)
  int64_t rows = 0, D = 1;
  Tensor diff;  // (rows, D) in dtype, when materialized
  bool on_the_fly = false;
  Dense a, b;  // on the fly: x1, x2 as (rows, D) of dtype (broadcast.hpp's dense)
  double eps = 0;
  bool simd = false;  // float32 p = 2 norms by norm2_f32_simd (the call's !force_scalar)
};

template <class T>
void fill_diff(const TensorView& x1, const TensorView& x2, double eps, Pairwise& pw) {
  T* d = pw.diff.as<T>();
  const int64_t n = pw.diff.numel();
  const bool ints = !dtype_is_floating(x1.dtype) && !dtype_is_floating(x2.dtype);
  if (ints) {  // x1 - x2 in int64, then + eps in float32
    auto a = expand_to(x1, pw.shape, DType::Int64);
    auto b = expand_to(x2, pw.shape, DType::Int64);
    const int64_t* pa = a.value().template as<int64_t>();
    const int64_t* pb = b.value().template as<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      d[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(pa[i]) -
                                                 static_cast<uint64_t>(pb[i]))) +
             static_cast<T>(eps);
    return;
  }
  auto a = dense(x1, pw.shape, pw.dtype);
  auto b = dense(x2, pw.shape, pw.dtype);
  const T* pa = a.value().template as<T>();
  const T* pb = b.value().template as<T>();
  const T e = static_cast<T>(eps);
  for (int64_t i = 0; i < n; ++i) d[i] = (pa[i] - pb[i]) + e;
}

// keep_diff = false (a forward): the rows are made on the fly where both operands are floating.
// dtype: the rows' dtype when a caller combines several distances (the triplet losses: the
// promoted dtype of all three operands, as torch's arithmetic on the distances gives); by default
// that of x1 and x2.
inline Result<Pairwise> pairwise_prepare(const TensorView& x1, const TensorView& x2, double eps,
                                         bool keepdim, bool simd, bool keep_diff = true,
                                         std::optional<DType> dtype = std::nullopt) {
  // x1 - x2 + eps: torch's sub_check refuses bool operands
  if (auto ok = bool_sub_check(x1.dtype, x2.dtype); !ok) return ok.error();
  auto s = broadcast_shapes(x1.shape, x2.shape);
  if (!s) return s.error();
  Pairwise pw;
  pw.dtype = dtype.value_or(promote_floating(x1.dtype, x2.dtype));
  pw.shape = s.value();
  pw.D = pw.shape.empty() ? 1 : pw.shape.back();
  pw.out_shape = pw.shape;
  if (!pw.out_shape.empty()) {
    if (keepdim)
      pw.out_shape.back() = 1;
    else
      pw.out_shape.pop_back();
  }
  pw.rows = shape_numel(pw.out_shape);
  pw.eps = eps;
  pw.simd = simd;
  if (!keep_diff && dtype_is_floating(x1.dtype) && dtype_is_floating(x2.dtype)) {
    auto a = dense(x1, pw.shape, pw.dtype);
    if (!a) return a.error();
    auto b = dense(x2, pw.shape, pw.dtype);
    if (!b) return b.error();
    pw.on_the_fly = true;
    pw.a = a.take();
    pw.b = b.take();
    return pw;
  }
  auto t = alloc_tensor(pw.dtype, pw.shape);
  if (!t) return t.error();
  pw.diff = t.take();
  if (pw.dtype == DType::Float32)
    fill_diff<float>(x1, x2, eps, pw);
  else
    fill_diff<double>(x1, x2, eps, pw);
  return pw;
}

#if LOSSLAB_HAVE_SIMD
// One row's norm, not inlined into the loop over rows: V8 runs a wasm function in its baseline
// tier until optimized code is ready for a later call, so a row function called 10^5 times per
// loss call switches within the first call, where a loop inlined into a function called twice
// per loss call waited for the next one (Chromium: about 15 calls of triplet_margin_loss at
// 93750 x 32 ran at twice the steady time).
LOSSLAB_NOINLINE inline float norm2_diff_row_simd(const float* ar, const float* br, float e,
                                                  int64_t D) {
  const Lanes8 E(e);
  return norm2_f32_simd(
      D,
      [=](int64_t k) {
        return (Lanes8::load_unaligned(ar + k) - Lanes8::load_unaligned(br + k)) + E;
      },
      [=](int64_t k) { return (ar[k] - br[k]) + e; });
}

LOSSLAB_NOINLINE inline float norm2_row_simd(const float* x, int64_t D) {
  return norm2_f32_simd(
      D, [=](int64_t k) { return Lanes8::load_unaligned(x + k); }, [=](int64_t k) { return x[k]; });
}

// The float32 p = 2 norms with the lanes in batches (norm2_f32_simd); the on-the-fly rows are
// made batch by batch.
inline void pairwise_norms2_simd(const Pairwise& pw, float* out) {
  const int64_t D = pw.D;
  if (pw.on_the_fly) {
    const float e = static_cast<float>(pw.eps);
    for (int64_t r = 0; r < pw.rows; ++r)
      out[r] = norm2_diff_row_simd(pw.a.as<float>() + r * D, pw.b.as<float>() + r * D, e, D);
    return;
  }
  for (int64_t r = 0; r < pw.rows; ++r) out[r] = norm2_row_simd(pw.diff.as<float>() + r * D, D);
}
#endif

// Row r of x1 - x2 + eps: the materialized one, or made into buf (D elements) on the fly.
template <class T>
const T* diff_row(const Pairwise& pw, int64_t r, T* buf) {
  if (!pw.on_the_fly) return pw.diff.as<T>() + r * pw.D;
  const T* ar = pw.a.template as<T>() + r * pw.D;
  const T* br = pw.b.template as<T>() + r * pw.D;
  const T e = static_cast<T>(pw.eps);
  for (int64_t k = 0; k < pw.D; ++k) buf[k] = (ar[k] - br[k]) + e;
  return buf;
}

template <class T>
void pairwise_norms(const Pairwise& pw, double p, T* out) {
#if LOSSLAB_HAVE_SIMD
  if constexpr (std::is_same_v<T, float>) {
    if (pw.simd && p == 2.0 && pw.D > 0) return pairwise_norms2_simd(pw, out);
  }
#endif
  std::vector<T> row(static_cast<std::size_t>(pw.D));
  for (int64_t r = 0; r < pw.rows; ++r)
    out[r] = pw.D == 0 ? T(0) : norm_row(diff_row(pw, r, row.data()), pw.D, p);
}

// Whether x1 and x2 of `pw` are floating tensors of its dtype and of the broadcast shape, so their
// gradients are the row gradients themselves (no at::sum_to, no cast): a backward can then make
// the rows on the fly and write the operands' gradients directly.
inline bool plain_operands(const Pairwise& pw, const TensorView& x1, const TensorView& x2) {
  return x1.dtype == pw.dtype && x2.dtype == pw.dtype && x1.shape == pw.shape &&
         x2.shape == pw.shape && dtype_is_floating(pw.dtype);
}

// The gradients `want` asks for, allocated in out (operand k's shape, dtype dt), and their data
// in q[k] (nullptr for the others).
template <class T>
Status alloc_wanted(const LossCall& c, unsigned want, DType dt, LossGrads& out, T** q) {
  for (std::size_t k = 0; k < out.size(); ++k) {
    q[k] = nullptr;
    if (!(want & want_bit(k))) continue;
    auto g = alloc_tensor(dt, c[k].shape);
    if (!g) return g.error();
    out[k] = g.take();
    q[k] = out[k]->template as<T>();
  }
  return Ok{};
}

// d/d diff of sum(g * norms), into a (rows, D) buffer.
template <class T>
void pairwise_backward_rows(const Pairwise& pw, double p, const T* norms, const T* g, T* gd) {
  const T* d = pw.diff.as<T>();
  for (int64_t r = 0; r < pw.rows; ++r)
    norm_row_backward(d + r * pw.D, pw.D, p, norms[r], g[r], gd + r * pw.D);
}

// The gradients of x1 (gd summed to its shape) and x2 (-gd summed), where floating.
template <class T>
Status pairwise_operand_grads(const TensorView& x1, const TensorView& x2, const Pairwise& pw,
                              const T* gd, std::optional<Tensor>* g1, std::optional<Tensor>* g2) {
  const int64_t n = shape_numel(pw.shape);
  if (g1 && dtype_is_floating(x1.dtype)) {
    auto r = grad_to_operand(TensorView{pw.dtype, pw.shape, gd}, x1);
    if (!r) return r.error();
    *g1 = r.take();
  }
  if (g2 && dtype_is_floating(x2.dtype)) {
    auto neg = alloc_tensor(pw.dtype, pw.shape);
    if (!neg) return neg.error();
    T* q = neg.value().template as<T>();
    for (int64_t i = 0; i < n; ++i) q[i] = -gd[i];
    auto r = grad_to_operand(neg.value().view(), x2);
    if (!r) return r.error();
    *g2 = r.take();
  }
  return Ok{};
}

}  // namespace losslab::detail::emb
