// triplet_margin_loss (nn.TripletMarginLoss), torch 1.13.1's ATen:
//   l = clamp_min((d(a, p) + margin) - d(a, n), 0),  d(x, y) = ||x - y + eps||_p (last dim)
// with swap d(a, n) -> min(d(a, n), d(p, n)). See triplet_util.hpp.
#include "losslab/registry.hpp"
#include "triplet_util.hpp"

namespace losslab {
namespace {

using namespace detail::emb;

Status tm_check(const LossCall& c) {
  const int64_t a = c[0].dim(), p = c[1].dim(), n = c[2].dim();
  if (a != p || p != n)
    return runtime_error("All inputs should have same dimension but got " + std::to_string(a) +
                         "D, " + std::to_string(p) + "D and " + std::to_string(n) + "D inputs.");
  return Ok{};
}

Result<LossOutput> tm_forward(const LossCall& c) {
  return triplet_forward(c, c.options.p, c.options.eps, false);
}

Result<LossGrads> tm_backward(const LossCall& c, const TensorView* g, unsigned want) {
  return triplet_backward(c, g, want, c.options.p, c.options.eps, false);
}

}  // namespace

extern const LossSpec kTripletMarginLoss{
    "triplet_margin_loss",
    "TripletMarginLoss",
    FnKind::Loss,
    {{"anchor", OperandRole::Input, kFloating, true},
     {"positive", OperandRole::Extra, kFloating, true},
     {"negative", OperandRole::Extra, kFloating, true}},
    {opt_float("margin", &LossOptions::margin, 1.0, "the margin between the two distances"),
     opt_float("p", &LossOptions::p, 2.0, "the norm degree of the pairwise distance"),
     opt_float("eps", &LossOptions::eps, 1e-6, "added to the differences before the norm"),
     opt_bool("swap", &LossOptions::swap, false,
              "use min(d(a, n), d(p, n)) as the negative distance")},
    false,
    0,  // no target: embeddings only
    "embedding",
    "l = max(d(a, p) - d(a, n) + margin, 0),  d(x, y) = ||x - y + eps||_p",
    &tm_check,
    &tm_forward,
    &tm_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
