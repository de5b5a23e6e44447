// kl_div (nn.KLDivLoss): the input is log-probabilities.
//   l = xlogy(y, y) - y x            (xlogy(0, .) = 0, xlogy(NaN, .) = NaN);  d l / d x = -y
//   l = exp(y) (y - x)               with log_target;                          d l / d x = -exp(y)
// exp is torch's at::exp and log its xlogy's std::log (detail/torch_math.hpp), so the values
// and their reductions are torch's.
// 'batchmean' divides the sum by input.size(0); 'mean' warns as torch 1.13 does.
#include <cmath>
#include <limits>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/simd_math.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

constexpr const char* kMeanWarning =
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.";

struct KlDivOp {
  static constexpr detail::EwInfo kInfo{"kl_div", detail::ShapeRule::BroadcastSilent, false, false};
  // torch's xlogy kernel: NaN y -> NaN; y == 0 -> 0; else y log(y).
  template <class T>
  static T xlogy(T y) {
    if (std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
    if (y == T(0)) return T(0);
    return y * std::log(y);
  }
  template <class T>
  static T scalar(T x, T y, T, const detail::EwParams<T>& p) {
    if (p.log_target) return detail::tmath::torch_exp(y) * (y - x);
    return xlogy(y) - y * x;
  }
#if LOSSLAB_HAVE_SIMD
  // l = xlogy(y, y) - y x,  or exp(y) (y - x) with log_target
  template <class B, class T>
  LOSSLAB_INLINE static B simd(B x, B y, B, const detail::EwParams<T>& p,
                               const detail::SimdK<B>& k) {
    if (p.log_target) return detail::tmath::torch_exp(y, k.exp_k) * (y - x);
    const B zero = k.zero;
    // y log(y) is already NaN for NaN y; only y == 0 needs the select (and log(1) in its lanes
    // keeps the batch on libm_log's fast path). The log is libc's logf, as torch's xlogy calls.
    const auto y0 = y == zero;
    return xsimd::select(y0, zero, y * detail::tmath::libm_log(xsimd::select(y0, k.one, y))) -
           y * x;
  }
#endif
  template <class T>
  static T grad(T, T y, T, const detail::EwParams<T>& p) {
    return p.log_target ? -detail::tmath::torch_exp(y) : -y;
  }
};

Result<LossOutput> kl_div_forward(const TensorView& input, const TensorView& target,
                                  const LossOptions& o) {
  auto r = detail::ew_forward<KlDivOp>(input, target, o);
  if (r && o.reduction == Reduction::Mean) r.value().warnings.emplace_back(kMeanWarning);
  return r;
}

// torch's kl_div refuses integer tensors before it looks at anything else.
Status kl_div_check(const LossCall& c) {
  if (!dtype_is_floating(c[0].dtype) || !dtype_is_floating(c[1].dtype))
    return runtime_error("kl_div: Integral inputs not supported.");
  return Ok{};
}

}  // namespace

extern const LossSpec kKlDiv{"kl_div",
                             "KLDivLoss",
                             FnKind::Loss,
                             {{"input", OperandRole::Input, kFloating | kInteger, true},
                              {"target", OperandRole::Target, kFloating | kInteger, false}},
                             {opt_bool("log_target", &LossOptions::log_target, false,
                                       "the target is given as log-probabilities")},
                             true,
                             kTargetFloat,
                             "log-probability",
                             "l = y (log y - x)   [exp(y) (y - x) with log_target]",
                             &kl_div_check,
                             &forward2<&kl_div_forward>,
                             &backward2<&detail::ew_backward<KlDivOp>>,
                             kExactNone | kExactReduced | kExactGrad};

}  // namespace losslab
