// mse_loss (nn.MSELoss): l = (x - y)^2; d l / d x = 2 (x - y), evaluated as torch's
// mse_loss_backward does: (2 norm) (x - y) g, norm = 1/N for 'mean' (so 1.5e38 - -1.5e38 at N = 2
// gives 3e38, not an overflowed 2 (x - y)).
#include "losslab/detail/elementwise.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct MseOp {
  static constexpr detail::EwInfo kInfo{
      "mse_loss", detail::ShapeRule::BroadcastWarn, false, false, false, true};
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>&) {
    const T d = x - y;
    return d * d;
  }
#if LOSSLAB_HAVE_SIMD
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>&, const detail::SimdK<B>&) {
    const B d = x - y;
    return d * d;
  }
#endif
  template <class T>
  static T grad_upstream(T x, T y, T, T g, const detail::EwParams<T>& p) {
    return T(2) * p.norm * (x - y) * g;
  }
};

}  // namespace

extern const LossSpec kMseLoss{"mse_loss",
                               "MSELoss",
                               FnKind::Loss,
                               {{"input", OperandRole::Input, kFloating | kInteger, true},
                                {"target", OperandRole::Target, kFloating | kInteger, false}},
                               {},
                               false,
                               kTargetFloat,
                               "any",
                               "l = (x - y)^2",
                               nullptr,
                               &forward2<&detail::ew_forward<MseOp>>,
                               &backward2<&detail::ew_backward<MseOp>>,
                               kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
