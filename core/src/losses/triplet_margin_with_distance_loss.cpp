// triplet_margin_with_distance_loss (nn.TripletMarginWithDistanceLoss), torch 1.13.1's Python
// with distance_function=None (pairwise_distance, p = 2, eps = 1e-6):
//   l = clamp((d(a, p) - d(a, n)) + margin, min=0)
// (a different order from triplet_margin_loss). No dim check; margin <= 0 is accepted in 1.13.
// distance_function is a JS function resolved by the JS API; the core never sees it.
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

}  // namespace

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
