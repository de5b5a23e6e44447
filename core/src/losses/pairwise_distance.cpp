// pairwise_distance (F.pairwise_distance): ||x1 - x2 + eps||_p over the last dim of the broadcast
// shape (torch.norm's order: losses/embedding_util.hpp). No reduction.
#include "embedding_util.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using namespace detail::emb;

template <class T>
Result<LossOutput> forward_t(Pairwise& pw, double p) {
  auto out = alloc_tensor(pw.dtype, pw.out_shape);
  if (!out) return out.error();
  pairwise_norms<T>(pw, p, out.value().template as<T>());
  LossOutput lo;
  lo.value = out.take();
  return lo;
}

Result<LossOutput> pd_forward(const LossCall& c) {
  const LossOptions& o = c.options;
  auto pw = pairwise_prepare(c[0], c[1], o.eps, o.keepdim, !o.force_scalar, false);
  if (!pw) return pw.error();
  if (pw.value().dtype == DType::Float32) return forward_t<float>(pw.value(), o.p);
  return forward_t<double>(pw.value(), o.p);
}

template <class T>
Result<LossGrads> backward_t(const LossCall& c, const Pairwise& pw, const TensorView* g,
                             unsigned want) {
  const double p = c.options.p;
  LossGrads out(2);
  auto up = detail::upstream_grad<T>(g, pw.out_shape, Reduction::None, pw.dtype);
  if (!up) return up.error();
  if (p == 0.0) return out;  // torch's norm backward gives no gradient for p = 0
  std::vector<T> norms(static_cast<std::size_t>(pw.rows));
  pairwise_norms<T>(pw, p, norms.data());
  if (pw.on_the_fly) {  // plain operands: the row gradients are x1's, negated x2's
    T* q[2];            // (the operands have the broadcast shape here)
    if (auto st = alloc_wanted(c, want, pw.dtype, out, q); !st) return st.error();
    const auto n = static_cast<std::size_t>(pw.D);
    std::vector<T> row(n), gr(n);
    for (int64_t r = 0; r < pw.rows; ++r) {
      T* g0 = q[0] ? q[0] + r * pw.D : gr.data();
      norm_row_backward(diff_row(pw, r, row.data()), pw.D, p, norms[r], up.value()[r], g0);
      if (q[1])
        for (int64_t k = 0; k < pw.D; ++k) q[1][r * pw.D + k] = -g0[k];
    }
    return out;
  }
  std::vector<T> gd(static_cast<std::size_t>(pw.diff.numel()));
  pairwise_backward_rows<T>(pw, p, norms.data(), up.value().data(), gd.data());
  if (auto st = pairwise_operand_grads<T>(c[0], c[1], pw, gd.data(),
                                          (want & want_bit(0)) ? &out[0] : nullptr,
                                          (want & want_bit(1)) ? &out[1] : nullptr);
      !st)
    return st.error();
  return out;
}

Result<LossGrads> pd_backward(const LossCall& c, const TensorView* g, unsigned want) {
  // The rows are made on the fly for plain operands, materialized otherwise.
  auto pw = pairwise_prepare(c[0], c[1], c.options.eps, c.options.keepdim, !c.options.force_scalar,
                             false);
  if (pw && !plain_operands(pw.value(), c[0], c[1]))
    pw = pairwise_prepare(c[0], c[1], c.options.eps, c.options.keepdim, !c.options.force_scalar);
  if (!pw) return pw.error();
  if (pw.value().dtype == DType::Float32) return backward_t<float>(c, pw.value(), g, want);
  return backward_t<double>(c, pw.value(), g, want);
}

}  // namespace

extern const LossSpec kPairwiseDistance{
    "pairwise_distance",
    "",
    FnKind::Distance,
    {{"x1", OperandRole::Input, kFloating | kInteger, true},
     {"x2", OperandRole::Target, kFloating | kInteger, true}},
    {opt_float("p", &LossOptions::p, 2.0, "the norm degree"),
     opt_float("eps", &LossOptions::eps, 1e-6, "added to x1 - x2 before the norm"),
     opt_bool("keepdim", &LossOptions::keepdim, false, "keep the reduced last dim (size 1)")},
    false,
    0,  // no target: embeddings only
    "embedding",
    "d = ||x1 - x2 + eps||_p over the last dim",
    nullptr,
    &pd_forward,
    &pd_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
