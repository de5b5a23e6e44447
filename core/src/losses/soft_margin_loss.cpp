// soft_margin_loss (nn.SoftMarginLoss), torch 1.13's kernel (Loss.cpp):
//   l = log(1 + exp((-x) * t))     (neg, mul_, exp_, add_(1), log_: not log1p)
//   d l / d x = ((t z) (-norm)) / (z + 1) g,  z = exp((-t) x),  norm = 1 / numel for 'mean'
// The target broadcasts into the input's shape (in-place ops: it may not enlarge it); it gets no
// gradient (torch refuses requires_grad on it). exp overflow gives an infinite loss and a NaN
// gradient, as in torch. exp/log are the portable ones (detail/pmath.hpp, within 1 ulp of the
// correctly rounded result; torch uses Sleef's u10 vector exp/log): a few ulp from torch,
// identical in every build.
#include "elem_common.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

namespace pm = detail::pm;

Status sm_check(const LossCall& c) {
  auto b = broadcast_shapes(c[0].shape, c[1].shape);
  if (!b) return b.error();
  if (b.value() != c[0].shape)
    return runtime_error("output with shape " + shape_str(c[0].shape) +
                         " doesn't match the broadcast shape " + shape_str(b.value()));
  if (!dtype_is_floating(c[0].dtype))
    return runtime_error(
        std::string("result type Float can't be cast to the desired output type ") +
        dtype_torch_name(c[0].dtype));
  return Ok{};
}

struct SmKernel {
  template <class K, class V>
  V operator()(const K& k, V x, V t) const {
    using T = typename pm::LaneT<V>::type;
    return pm::log(V(T(1)) + pm::exp((-x) * t, k), k);
  }
};

// ((t z) c) / (z + 1) g with c = (T)(-norm); g is one value (`g`: a reduced loss, or no
// grad_output) or one per element (a third operand).
template <class T>
struct SmGradKernel {
  T c, g;
  template <class K, class V>
  V operator()(const K& k, V x, V t) const {
    return (*this)(k, x, t, V(g));
  }
  template <class K, class V>
  V operator()(const K& k, V x, V t, V gv) const {
    const V z = pm::exp((-t) * x, k);
    return ((t * z) * V(c)) / (z + V(T(1))) * gv;
  }
};

template <class T>
Result<Tensor> sm_values(const LossCall& c) {
  const DType dt = c[0].dtype;
  const Shape& s = c[0].shape;
  auto t = elem::dense(c[1], s, dt);
  if (!t) return t.error();
  auto v = elem::make(dt, s);
  if (!v) return v;
  elem::map(c[0].numel(), !c.options.force_scalar, v.value().as<T>(), SmKernel{}, c[0].as<T>(),
            t.value().as<T>());
  return v;
}

Result<LossOutput> sm_forward(const LossCall& c) {
  return elem::reduced(c[0].dtype == DType::Float32 ? sm_values<float>(c) : sm_values<double>(c),
                       c.options.reduction);
}

template <class T>
Result<LossGrads> sm_backward_t(const LossCall& c, const TensorView* go) {
  LossGrads out(2);
  const DType dt = c[0].dtype;
  const Shape& s = c[0].shape;
  const int64_t n = c[0].numel();
  const Reduction red = c.options.reduction;
  const Shape expected = red == Reduction::None ? s : Shape{};
  if (auto st = detail::check_grad_output(go, expected, red, dt); !st) return st.error();
  const double norm = red == Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0;
  auto t = elem::dense(c[1], s, dt);
  if (!t) return t.error();
  auto gi = elem::make(dt, s);
  if (!gi) return gi.error();
  const bool simd = !c.options.force_scalar;
  T* o = gi.value().as<T>();
  const T* x = c[0].as<T>();
  const T* pt = t.value().as<T>();
  if (red == Reduction::None && go)
    elem::map(n, simd, o, SmGradKernel<T>{static_cast<T>(-norm), T(1)}, x, pt, go->as<T>());
  else
    elem::map(n, simd, o, SmGradKernel<T>{static_cast<T>(-norm), go ? *go->as<T>() : T(1)}, x, pt);
  out[0] = gi.take();
  return out;
}

Result<LossGrads> sm_backward(const LossCall& c, const TensorView* go, unsigned want) {
  if (!(want & want_bit(0))) return LossGrads(2);
  return c[0].dtype == DType::Float32 ? sm_backward_t<float>(c, go) : sm_backward_t<double>(c, go);
}

}  // namespace

extern const LossSpec kSoftMarginLoss{
    "soft_margin_loss",
    "SoftMarginLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {},
    false,
    kTargetSign,
    "any",
    "l = log(1 + exp(-y x))",
    &sm_check,
    &sm_forward,
    &sm_backward,
    kExactAcrossBuilds};

}  // namespace losslab
