// hinge_embedding_loss (nn.HingeEmbeddingLoss), torch 1.13's composite:
//   l = where(t != 1, clamp_min(margin - x, 0), 0) + where(t != -1, x, 0)
// (a target that is neither 1 nor -1 gets both terms). The target is only compared: no
// gradient. d/dx = sum_to(where(t != -1, G, 0), x) + -(where(margin - x >= 0,
// sum_to(where(t != 1, G, 0), x), 0)). Integer inputs keep their dtype (the margin truncated
// to an integer, as torch's Scalar conversion does); 'mean' of them is torch's error.
// Only IEEE +, - and compares: values and gradients are torch's bit for bit.
#include <cstdint>
#include <limits>
#include <string>

#include "elem_common.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using elem::vsel;

template <class T>
struct HingeKernel {
  T margin;
  template <class K, class V>
  V operator()(const K&, V x, V t) const {
    const V zero(T(0));
    const V u = V(margin) - x;
    const V clamp = vsel(u < zero, zero, u);
    return vsel(t != V(T(1)), clamp, zero) + vsel(t != V(T(-1)), x, zero);
  }
};

template <class T>
Result<Tensor> hinge_values(const LossCall& c, const Shape& full) {
  const DType dt = c[0].dtype;
  auto x = elem::dense(c[0], full, dt);
  auto t = elem::dense(c[1], full, dt);
  if (!x) return x.error();
  if (!t) return t.error();
  auto out = elem::make(dt, full);
  if (!out) return out;
  elem::map(shape_numel(full), !c.options.force_scalar, out.value().as<T>(),
            HingeKernel<T>{static_cast<T>(c.options.margin)}, x.value().as<T>(), t.value().as<T>());
  return out;
}

// Integer input: the same formula in the input's integer type (wrapping), target compared as
// a double; 'sum' is an int64 sum, 'mean' torch's error.
template <class I>
Result<LossOutput> hinge_int(const LossCall& c, const Shape& full) {
  auto x = elem::dense(c[0], full, c[0].dtype);
  auto t = elem::dense(c[1], full, DType::Float64);
  if (!x) return x.error();
  if (!t) return t.error();
  const int64_t n = shape_numel(full);
  // torch converts the margin to the input's integer type (checked: found by the fuzzer, the
  // cast of 3.4e38 was undefined behaviour)
  const double md = c.options.margin;
  const double lo = static_cast<double>(std::numeric_limits<I>::min());
  if (!(md >= lo && md < -lo))  // torch 1.13.1 names the C++ type: int64_t, int
    return runtime_error(std::string("value cannot be converted to type ") +
                         (sizeof(I) == 8 ? "int64_t" : "int") + " without overflow");
  const I m = static_cast<I>(md);
  using U = std::make_unsigned_t<I>;
  const I* px = x.value().as<I>();
  const double* pt = t.value().as<double>();
  std::vector<I> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const I u = static_cast<I>(static_cast<U>(m) - static_cast<U>(px[i]));
    const I clamp = u < 0 ? I(0) : u;
    v[static_cast<std::size_t>(i)] = static_cast<I>(static_cast<U>(pt[i] != 1.0 ? clamp : I(0)) +
                                                    static_cast<U>(pt[i] != -1.0 ? px[i] : I(0)));
  }
  LossOutput out;
  switch (c.options.reduction) {
    case Reduction::Mean: return runtime_error(elem::int_mean_message(c[0].dtype));
    case Reduction::Sum: {
      auto s = elem::make(DType::Int64, Shape{});
      if (!s) return s.error();
      uint64_t acc = 0;
      for (I e : v) acc += static_cast<uint64_t>(static_cast<int64_t>(e));
      *s.value().as<int64_t>() = static_cast<int64_t>(acc);
      out.value = s.take();
      return out;
    }
    default: {
      auto s = elem::make(c[0].dtype, full);
      if (!s) return s.error();
      std::copy(v.begin(), v.end(), s.value().as<I>());
      out.value = s.take();
      return out;
    }
  }
}

Result<LossOutput> hinge_forward(const LossCall& c) {
  // margin - input: torch's sub_check refuses a bool input (the margin is then a bool too: its
  // message is the two-bool one; the target is only compared)
  if (auto ok = detail::bool_sub_check(c[0].dtype, c[0].dtype); !ok) return ok.error();
  // where(target != 1, margin_clamp, zeros) broadcasts the target against the input.
  auto full = broadcast_shapes(c[1].shape, c[0].shape);
  if (!full) return full.error();
  if (c[0].dtype == DType::Int64) return hinge_int<int64_t>(c, full.value());
  if (c[0].dtype == DType::Int32) return hinge_int<int32_t>(c, full.value());
  return elem::reduced(c[0].dtype == DType::Float32 ? hinge_values<float>(c, full.value())
                                                    : hinge_values<double>(c, full.value()),
                       c.options.reduction);
}

template <class T>
Result<LossGrads> hinge_backward_t(const LossCall& c, const Shape& full, const TensorView* go) {
  LossGrads out(2);
  const DType dt = c[0].dtype;
  auto G = detail::upstream_grad<T>(go, full, c.options.reduction, dt);
  if (!G) return G.error();
  auto t = elem::dense(c[1], full, dt);
  if (!t) return t.error();
  const int64_t n = shape_numel(full);
  auto a_full = elem::make(dt, full), b_full = elem::make(dt, full);
  if (!a_full) return a_full.error();
  if (!b_full) return b_full.error();
  const T* g = G.value().data();
  const T* pt = t.value().as<T>();
  T* pa = a_full.value().as<T>();
  T* pb = b_full.value().as<T>();
  for (int64_t i = 0; i < n; ++i) {
    pa[i] = pt[i] != T(-1) ? g[i] : T(0);  // where(t != -1, self, 0)
    pb[i] = pt[i] != T(1) ? g[i] : T(0);   // where(t != 1, margin_clamp, 0)
  }
  auto A = elem::torch_sum_to(a_full.take(), c[0].shape);
  if (!A) return A.error();
  auto B = elem::torch_sum_to(b_full.take(), c[0].shape);
  if (!B) return B.error();
  const T* x = c[0].as<T>();
  const T m = static_cast<T>(c.options.margin);
  T* ga = A.value().as<T>();
  const T* gb = B.value().as<T>();
  for (int64_t i = 0; i < A.value().numel(); ++i) {
    const T clamp_grad = m - x[i] >= T(0) ? gb[i] : T(0);  // clamp_min's backward
    ga[i] = ga[i] + (-clamp_grad);                         // rsub's backward, accumulated
  }
  out[0] = A.take();
  return out;
}

Result<LossGrads> hinge_backward(const LossCall& c, const TensorView* go, unsigned want) {
  if (auto ok = detail::bool_sub_check(c[0].dtype, c[0].dtype); !ok) return ok.error();
  auto full = broadcast_shapes(c[1].shape, c[0].shape);
  if (!full) return full.error();
  if (!dtype_is_floating(c[0].dtype)) {
    if (c.options.reduction == Reduction::Mean)
      return runtime_error(elem::int_mean_message(c[0].dtype));
    return LossGrads(2);  // an integer result has no gradient
  }
  if (!(want & want_bit(0))) return LossGrads(2);
  if (c[0].dtype == DType::Float32) return hinge_backward_t<float>(c, full.value(), go);
  return hinge_backward_t<double>(c, full.value(), go);
}

}  // namespace

extern const LossSpec kHingeEmbeddingLoss{
    "hinge_embedding_loss",
    "HingeEmbeddingLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kFloating | kInteger, false}},
    {opt_float("margin", &LossOptions::margin, 1.0,
               "the distance below which a dissimilar pair (target -1) is penalised")},
    false,
    kTargetSign,
    "any",
    "l = x if y = 1; max(0, margin - x) if y = -1",
    nullptr,
    &hinge_forward,
    &hinge_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
