// huber_loss (nn.HuberLoss): z = |x - y|; l = z < delta ? 0.5 z^2 : delta (z - 0.5 delta).
// d l / d x = -delta for d <= -delta, +delta for d >= delta, else d.
#include <cmath>
#include <limits>

#include "losslab/detail/elementwise.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct HuberOp {
  static constexpr detail::EwInfo kInfo{"huber_loss", detail::ShapeRule::BroadcastWarn, false,
                                        false};
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>& p) {
    const T z = std::abs(x - y);
    return z < p.delta ? T(0.5) * z * z : p.delta * (z - T(0.5) * p.delta);
  }
#if LOSSLAB_HAVE_SIMD
  // l = z < delta ? 0.5 z z : delta (z - 0.5 delta),  z = |x - y|
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>& p, const detail::SimdK<B>&) {
    const B z = xsimd::abs(x - y);
    const B delta(p.delta), half(T(0.5));
    return xsimd::select(z < delta, half * z * z, delta * (z - half * delta));
  }
#endif
  // torch's backward kernel with norm = 1: -g * delta, g * delta, or d * g.
  template <class T>
  static T grad_upstream(T x, T y, T, T g, const detail::EwParams<T>& p) {
    const T d = x - y;
    if (d <= -p.delta) return -g * p.delta;
    if (d >= p.delta) return g * p.delta;
    return d * g;
  }
};

}  // namespace

extern const LossSpec kHuberLoss{
    "huber_loss",
    "HuberLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_float(
        "delta", &LossOptions::delta, 1.0, "where the loss switches from quadratic to linear",
        {0.0, kInf, false, true, "huber_loss does not support non-positive values for delta."})},
    false,
    kTargetFloat,
    "any",
    "l = |x - y| < delta ? 0.5 (x - y)^2 : delta (|x - y| - 0.5 delta)",
    nullptr,
    &forward2<&detail::ew_forward<HuberOp>>,
    &backward2<&detail::ew_backward<HuberOp>>,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
