// triplet_margin_with_distance_loss (nn.TripletMarginWithDistanceLoss), torch 1.13.1's Python
// with distance_function=None (pairwise_distance, p = 2, eps = 1e-6):
//   l = clamp((d(a, p) - d(a, n)) + margin, min=0)
// (a different order from triplet_margin_loss). No dim check; margin <= 0 is accepted in 1.13.
// distance_function is a JS function: the JS API calls it on (a, p), (a, n) and with swap (p, n),
// then computes the rest through kTripletMarginFromDistances below (an internal spec: the same
// code from the distances on), and chains its distance gradients through the function's result.
#include "losslab/registry.hpp"
#include "triplet_util.hpp"

namespace losslab {
namespace {

using namespace detail::emb;

constexpr double kP = 2.0, kEps = 1e-6;  // pairwise_distance's defaults

Result<LossOutput> twd_forward(const LossCall& c) { return triplet_forward(c, kP, kEps, true); }

Result<LossGrads> twd_backward(const LossCall& c, const TensorView* g, unsigned want) {
  return triplet_backward(c, g, want, kP, kEps, true);
}

// The loss from distances the JS API's distance_function gave: torch's Python from
// `positive_dist = distance_function(anchor, positive)` on, the three promoted to their common
// floating dtype first (torch promotes in each op; every float32 value is exact in float64, so
// promoting first gives the same bits). dist_swap is read only with swap.
Status fd_check(const LossCall& c) {
  const std::size_t n = c.options.swap ? 3 : 2;
  for (std::size_t k = 0; k < n; ++k)
    if (!dtype_is_floating(c[k].dtype))
      return Error{"NotImplementedError",
                   "triplet_margin_with_distance_loss(): distance_function must return a float32 "
                   "or float64 Tensor, got " +
                       std::string(dtype_name(c[k].dtype))};
  return Ok{};
}

DType fd_dtype(const LossCall& c) {
  DType d = detail::promote_floating(c[0].dtype, c[1].dtype);
  return c.options.swap ? detail::promote_floating(d, c[2].dtype) : d;
}

// A distance's values in T (broadcast.hpp's dense converts where the dtype differs).
template <class T>
Result<std::vector<T>> values_as(const TensorView& v) {
  auto d = dense(v, v.shape, sizeof(T) == 4 ? DType::Float32 : DType::Float64);
  if (!d) return d.error();
  const T* p = d.value().template as<T>();
  return std::vector<T>(p, p + v.numel());
}

template <class T>
Result<TripletValues<T>> fd_values(const LossCall& c, TripletShapes* sh) {
  const bool swap = c.options.swap;
  auto s = triplet_shapes(c[0].shape, c[1].shape, swap ? c[2].shape : Shape{}, swap);
  if (!s) return s.error();
  *sh = s.take();
  auto dp = values_as<T>(c[0]);
  auto dn = values_as<T>(c[1]);
  auto ds = swap ? values_as<T>(c[2]) : Result<std::vector<T>>(std::vector<T>{});
  for (const auto* r : {&dp, &dn, &ds})
    if (!*r) return r->error();
  return triplet_values(dp.take(), dn.take(), ds.take(), *sh, c.options.margin, swap, true);
}

template <class T>
Result<LossOutput> fd_forward_t(const LossCall& c) {
  TripletShapes sh;
  auto v = fd_values<T>(c, &sh);
  if (!v) return v.error();
  return triplet_output(v.value(), sh, fd_dtype(c), c.options.reduction);
}

Result<LossOutput> fd_forward(const LossCall& c) {
  return fd_dtype(c) == DType::Float32 ? fd_forward_t<float>(c) : fd_forward_t<double>(c);
}

template <class T>
Result<LossGrads> fd_backward_t(const LossCall& c, const TensorView* go, unsigned want) {
  TripletShapes sh;
  auto v = fd_values<T>(c, &sh);
  if (!v) return v.error();
  const DType dt = fd_dtype(c);
  auto up = detail::upstream_grad<T>(go, sh.out, c.options.reduction, dt);
  if (!up) return up.error();
  const auto g = triplet_distance_grads(v.value(), sh, up.value(), c.options.swap);
  LossGrads out(3);
  const std::vector<T>* gs[3] = {&g.dp, &g.dn, c.options.swap ? &g.ds : nullptr};
  for (std::size_t k = 0; k < 3; ++k) {
    if (!gs[k] || !(want & want_bit(k))) continue;
    // in the common dtype, then cast to the distance's own (autograd's validate_outputs)
    const TensorView gv{dt, c[k].shape, gs[k]->data()};
    auto t = detail::as_dtype(gv, c[k].dtype);
    if (!t) return t.error();
    out[k] = t.take();
  }
  return out;
}

Result<LossGrads> fd_backward(const LossCall& c, const TensorView* g, unsigned want) {
  return fd_dtype(c) == DType::Float32 ? fd_backward_t<float>(c, g, want)
                                       : fd_backward_t<double>(c, g, want);
}

}  // namespace

extern const LossSpec kTripletMarginFromDistances{
    "triplet_margin_with_distance_loss",
    "TripletMarginWithDistanceLoss",
    FnKind::Loss,
    {{"dist_pos", OperandRole::Input, kFloating, true},
     {"dist_neg", OperandRole::Extra, kFloating, true},
     {"dist_swap", OperandRole::Extra, kFloating, true}},
    {opt_float("margin", &LossOptions::margin, 1.0, "the margin between the two distances"),
     opt_bool("swap", &LossOptions::swap, false,
              "use min(d(a, n), d(p, n)) as the negative distance")},
    false,
    0,
    "distance",
    "l = max(dist_pos - min(dist_neg, dist_swap if swap) + margin, 0)",
    &fd_check,
    &fd_forward,
    &fd_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

extern const LossSpec kTripletMarginWithDistanceLoss{
    "triplet_margin_with_distance_loss",
    "TripletMarginWithDistanceLoss",
    FnKind::Loss,
    {{"anchor", OperandRole::Input, kFloating, true},
     {"positive", OperandRole::Extra, kFloating, true},
     {"negative", OperandRole::Extra, kFloating, true}},
    {opt_callable("distance_function",
                  "a function of two tensors giving distances (None: pairwise_distance)"),
     opt_float("margin", &LossOptions::margin, 1.0, "the margin between the two distances"),
     opt_bool("swap", &LossOptions::swap, false,
              "use min(d(a, n), d(p, n)) as the negative distance")},
    false,
    0,  // no target: embeddings only
    "embedding",
    "l = max(d(a, p) - d(a, n) + margin, 0),  d = distance_function or pairwise_distance",
    nullptr,
    &twd_forward,
    &twd_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
