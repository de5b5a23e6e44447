// l1_loss (nn.L1Loss): l = |x - y|; d l / d x = sgn(x - y), with sgn(0) = sgn(NaN) = 0.
#include <cmath>

#include "losslab/detail/elementwise.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct L1Op {
  static constexpr detail::EwInfo kInfo{"l1_loss", detail::ShapeRule::BroadcastWarn, false, false};
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>&) {
    return std::abs(x - y);
  }
#if LOSSLAB_HAVE_SIMD
  // l = |x - y|
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>&, const detail::SimdK<B>&) {
    return xsimd::abs(x - y);
  }
#endif
  // torch's sgn: (0 < d) - (d < 0), so NaN gives 0.
  template <class T>
  static T grad(T x, T y, T, const detail::EwParams<T>&) {
    const T d = x - y;
    return d > T(0) ? T(1) : (d < T(0) ? T(-1) : T(0));
  }
};

}  // namespace

extern const LossSpec kL1Loss{"l1_loss",
                              "L1Loss",
                              FnKind::Loss,
                              {{"input", OperandRole::Input, kFloating | kInteger, true},
                               {"target", OperandRole::Target, kFloating | kInteger, false}},
                              {},
                              false,
                              kTargetFloat,
                              "any",
                              "l = |x - y|",
                              nullptr,
                              &forward2<&detail::ew_forward<L1Op>>,
                              &backward2<&detail::ew_backward<L1Op>>,
                              kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
