// huber_loss (nn.HuberLoss): z = |x - y|; l = z < delta ? 0.5 z^2 : delta (z - 0.5 delta).
// d l / d x = -delta for d <= -delta, +delta for d >= delta, else d.
#include <cmath>
#include <limits>

#include "elem_common.hpp"
#include "losslab/detail/elementwise.hpp"
#include "losslab/ops.hpp"
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

// torch's huber_loss writes into empty_like(input): the result has the input's dtype (computed
// in the promoted dtype and cast to it), and an integer input cannot hold it. Its backward
// TensorIterator wants one dtype: a target of another dtype is an error there. (Shape errors
// come first, as in torch; ew_prepare is only run for them on these rare paths.)
Result<LossOutput> huber_forward(const TensorView& input, const TensorView& target,
                                 const LossOptions& o) {
  const bool in_f = dtype_is_floating(input.dtype), tg_f = dtype_is_floating(target.dtype);
  if (!in_f && tg_f) {
    detail::EwPrepared prep;  // shape errors first
    if (auto st = detail::ew_prepare(HuberOp::kInfo, input, target, o, prep); !st)
      return st.error();
    return runtime_error("result type " + std::string(dtype_torch_name(prep.dtype)) +
                         " can't be cast to the desired output type " +
                         dtype_torch_name(input.dtype));
  }
  if (!(input.dtype == DType::Float32 && target.dtype == DType::Float64))
    return detail::ew_forward<HuberOp>(input, target, o);
  // float32 input, float64 target: the float64 values rounded to float32, then torch's float32
  // reduction of them.
  LossOptions none = o;
  none.reduction = Reduction::None;
  auto r = detail::ew_forward<HuberOp>(input, target, none);
  if (!r) return r.error();
  auto v = to_dtype(r.value().value.view(), DType::Float32);
  if (!v) return v.error();
  auto out = elem::reduced(v.take(), o.reduction);
  if (out) out.value().warnings = std::move(r.value().warnings);
  return out;
}

Result<Tensor> huber_backward(const TensorView& input, const TensorView& target,
                              const LossOptions& o, const TensorView* grad_output) {
  if (dtype_is_floating(input.dtype) && target.dtype != input.dtype) {
    detail::EwPrepared prep;  // shape errors first
    if (auto st = detail::ew_prepare(HuberOp::kInfo, input, target, o, prep); !st)
      return st.error();
    return runtime_error("Found dtype " + std::string(dtype_torch_name(target.dtype)) +
                         " but expected " + dtype_torch_name(input.dtype));
  }
  return detail::ew_backward<HuberOp>(input, target, o, grad_output);
}

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
    &forward2<&huber_forward>,
    &backward2<&huber_backward>,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
