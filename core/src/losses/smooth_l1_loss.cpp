// smooth_l1_loss (nn.SmoothL1Loss): z = |x - y|; l = z < beta ? 0.5 z^2 / beta : z - 0.5 beta.
// d l / d x = -1 for d <= -beta, +1 for d >= beta, else d / beta (so beta = 0 gives -1 at d = 0).
#include <cmath>
#include <limits>

#include "losslab/detail/elementwise.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct SmoothL1Op {
  static constexpr detail::EwInfo kInfo{"smooth_l1_loss", detail::ShapeRule::BroadcastWarn, false,
                                        false};
  // torch's scalar kernel, operation for operation: 0.5 * z * z / beta.
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>& p) {
    const T z = std::abs(x - y);
    return z < p.beta ? T(0.5) * z * z / p.beta : z - T(0.5) * p.beta;
  }
#if LOSSLAB_HAVE_SIMD
  // l = z < beta ? 0.5 z z / beta : z - 0.5 beta,  z = |x - y|
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>& p, const detail::SimdK<B>&) {
    const B z = xsimd::abs(x - y);
    const B beta(p.beta), half(T(0.5));
    return xsimd::select(z < beta, half * z * z / beta, z - half * beta);
  }
#endif
  // torch's backward kernel with norm = 1: -g, g, or d * g / beta.
  template <class T>
  static T grad_upstream(T x, T y, T, T g, const detail::EwParams<T>& p) {
    const T d = x - y;
    if (d <= -p.beta) return -g;
    if (d >= p.beta) return g;
    return d * g / p.beta;
  }
};

}  // namespace

extern const LossSpec kSmoothL1Loss{
    "smooth_l1_loss",
    "SmoothL1Loss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_float(
        "beta", &LossOptions::beta, 1.0,
        "where the loss switches from quadratic to linear (0 gives L1)",
        {0.0, kInf, true, true, "smooth_l1_loss does not support negative values for beta."})},
    false,
    kTargetFloat,
    "any",
    "l = |x - y| < beta ? 0.5 (x - y)^2 / beta : |x - y| - 0.5 beta",
    nullptr,
    &forward2<&detail::ew_forward<SmoothL1Op>>,
    &backward2<&detail::ew_backward<SmoothL1Op>>,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
