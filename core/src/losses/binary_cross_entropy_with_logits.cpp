// binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), torch 1.13's log-sum-exp form:
//   m = max(-x, 0), lse = log(exp(-m) + exp(-x - m));
//   l = (1 - y) x + m + lse                       without pos_weight,
//   l = (1 - y) x + lw (lse + m), lw = (pw - 1) y + 1   with it;
//   d l / d x = (sigmoid(x) - y) g, or ((pw y + 1 - y) sigmoid(x) - pw y) g, sigmoid in the dtype.
// The weight multiplies afterwards (driver).
#include <cmath>
#include <limits>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/simd_math.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct BceLogitsOp {
  static constexpr detail::EwInfo kInfo{"binary_cross_entropy_with_logits",
                                        detail::ShapeRule::SameSizeLogits, true, true,
                                        /*divides_last=*/true};
  // torch's tensor expression, operation for operation (two exps and a log).
  template <class T>
  static T scalar(T x, T y, T pw, const detail::EwParams<T>& p) {
    const T m = std::max(-x, T(0));
    const T lse = std::log(std::exp(-m) + std::exp(-x - m));
    if (p.has_pos_weight) {
      const T lw = (pw - T(1)) * y + T(1);
      return (T(1) - y) * x + lw * (lse + m);
    }
    return (T(1) - y) * x + m + lse;
  }
#if LOSSLAB_HAVE_SIMD
  // l = (1 - y) x + m + log(1 + exp(-|x|)),  m = max(-x, 0)   [lw (lse + m) with pos_weight]
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B pw, const detail::EwParams<T>& p,
                               const detail::SimdK<B>& k) {
    const B one = k.one, zero(T(0));  // (a zero literal costs V8 no register)
    B m = xsimd::max(zero - x, zero);
    // exp(-m) + exp(-x - m) is exp(0) + exp(-|x|) for finite x, exactly: one exp, not two.
    // x = -inf makes torch's -x - m NaN (inf - inf), whatever y: m = +inf exactly there, so
    // m + (m - m) is m for every other x and NaN there. (NaN x: (1 - y) x is NaN.)
    m = m + (m - m);
    const B lse = detail::log1p_exp_neg_abs(x, k);
    if (p.has_pos_weight) {
      const B lw = (pw - one) * y + one;
      return (one - y) * x + lw * (lse + m);
    }
    return (one - y) * x + m + lse;
  }
#endif
  // torch 1.13's backward: sigmoid(x) = 1 / (1 + exp(-x)) in the dtype, then
  // (sigmoid - y) g, or with pos_weight t = pw y: ((t + 1 - y) sigmoid - t) g.
  template <class T>
  static T grad_upstream(T x, T y, T pw, T g, const detail::EwParams<T>& p) {
    const T s = T(1) / (T(1) + std::exp(-x));
    if (p.has_pos_weight) {
      const T t = pw * y;
      return ((t + T(1) - y) * s - t) * g;
    }
    return (s - y) * g;
  }
};

}  // namespace

extern const LossSpec kBinaryCrossEntropyWithLogits{
    "binary_cross_entropy_with_logits",
    "BCEWithLogitsLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_tensor("weight", &LossOptions::weight,
                "rescales each element's loss (broadcast to the input's shape)"),
     opt_tensor("pos_weight", &LossOptions::pos_weight,
                "weight of positive examples, broadcast along the last (class) dimension")},
    false,
    kTargetFloat,
    "logit",
    "l = -w [pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]",
    nullptr,
    &forward2<&detail::ew_forward<BceLogitsOp>>,
    &backward2<&detail::ew_backward<BceLogitsOp>>,
    0,
    nullptr,
    &always};

}  // namespace losslab
