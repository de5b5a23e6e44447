// binary_cross_entropy (nn.BCELoss), torch 1.13's CPU kernel:
//   l = (y - 1) max(log(1 - x), -100) - y max(log(x), -100), with 1 - x rounded to the dtype;
//   d l / d x = g (x - y) / max((1 - x) x, 1e-12).  The weight multiplies afterwards (driver).
#include <algorithm>
#include <cmath>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/simd_math.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

struct BceOp {
  static constexpr detail::EwInfo kInfo{"binary_cross_entropy", detail::ShapeRule::SameSizeBce,
                                        true, false, /*divides_last=*/true};
  // torch's scalar kernel (glibc log), operation for operation.
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>&) {
    return (y - T(1)) * std::max(T(std::log(T(1) - x)), T(-100)) -
           y * std::max(T(std::log(x)), T(-100));
  }
#if LOSSLAB_HAVE_SIMD
  // l = (y - 1) max(log(1 - x), -100) - y max(log(x), -100)
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>&, const detail::SimdK<B>& k) {
    const B one = k.one, zero = k.zero, lo = k.minus100;
    const B omx = one - x;
    const auto y1 = y == one;
    if (xsimd::all(y1 | (y == zero))) {
      // Hard labels: one log per element. L0 = max(log x, -100) and L1 = max(log(1 - x), -100)
      // lie in [-100, +0] and are not both 0, so with y = 1 the formula 0 L1 - L0 is -L0, and
      // with y = +-0 it is -L1 - y L0 = -L1 + y, signs of zero included.
      // (x and 1 - x are in [0, 1]: ew_prepare has checked the input.)
      const B la = xsimd::max(detail::fast_log_unit(xsimd::select(y1, x, omx), k), lo);
      return xsimd::select(y1, la ^ k.sign, (y - one) * la + y);
    }
    return (y - one) * xsimd::max(detail::fast_log_unit(omx, k), lo) -
           y * xsimd::max(detail::fast_log_unit(x, k), lo);
  }
#endif
  // torch's backward kernel: g (x - y) / max((1 - x) x, EPSILON), EPSILON = 1e-12.
  template <class T>
  static T grad_upstream(T x, T y, T, T g, const detail::EwParams<T>&) {
    return g * (x - y) / std::max((T(1) - x) * x, T(1e-12));
  }
};

}  // namespace

extern const LossSpec kBinaryCrossEntropy{
    "binary_cross_entropy",
    "BCELoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_tensor("weight", &LossOptions::weight,
                "rescales each element's loss (broadcast to the input's shape)")},
    false,
    kTargetFloat,
    "probability",
    "l = -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]",
    nullptr,
    &forward2<&detail::ew_forward<BceOp>>,
    &backward2<&detail::ew_backward<BceOp>>,
    0};

}  // namespace losslab
