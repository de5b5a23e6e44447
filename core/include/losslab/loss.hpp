// The loss call interface every loss implements: a call is the loss's operands in its declared
// order plus the options; forward gives the loss, backward d loss / d each requested operand.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "losslab/reduction.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// Every option a loss can take, one field each. Kernels read their fields here; which loss takes
// which option, its default, range and PyTorch's messages are the registry's (registry.hpp):
// LossSpec::defaults() gives a LossOptions with the loss's own defaults filled in.
struct LossOptions {
  Reduction reduction = Reduction::Mean;
  double beta = 1.0;                     // smooth_l1_loss
  double delta = 1.0;                    // huber_loss
  double label_smoothing = 0.0;          // cross_entropy
  double margin = 0.0;                   // margin / hinge / cosine / triplet losses
  double eps = 0.0;                      // poisson_nll, gaussian_nll, triplet, the distances
  double p = 2.0;                        // norm degree: triplet_margin_loss, pairwise_distance
  int64_t ignore_index = -100;           // nll_loss, cross_entropy
  int64_t dim = 1;                       // cosine_similarity
  int64_t blank = 0;                     // ctc_loss
  bool log_target = false;               // kl_div
  bool log_input = true;                 // poisson_nll_loss
  bool full = false;                     // poisson_nll_loss, gaussian_nll_loss
  bool swap = false;                     // triplet losses
  bool zero_infinity = false;            // ctc_loss
  bool keepdim = false;                  // pairwise_distance
  std::optional<TensorView> weight;      // bce, bce_with_logits, nll, cross_entropy, margin losses
  std::optional<TensorView> pos_weight;  // bce_with_logits
  bool force_scalar = false;             // run the scalar reference kernel (tests, timing)
};

struct LossOutput {
  Tensor value;                       // 0-d for 'mean'/'sum'/'batchmean', else per element
  std::vector<std::string> warnings;  // PyTorch's UserWarning texts
};

// A call: operands in the loss's declared order (LossSpec::operands), and its options.
struct LossCall {
  std::vector<TensorView> operands;
  LossOptions options;
  const TensorView& operator[](std::size_t i) const { return operands[i]; }
};

// One gradient per operand: a tensor where it was requested and the operand is differentiable,
// nullopt elsewhere.
using LossGrads = std::vector<std::optional<Tensor>>;

// Bit k of a `want` mask asks for d loss / d operand k.
constexpr unsigned kWantAll = ~0u;
constexpr unsigned want_bit(std::size_t k) { return 1u << k; }

// grad_output: nullptr means 1 for a reduced loss and ones for 'none'.
// Kernels may assume the registry has validated the options (ranges, the loss's check hook).
using LossForwardFn = Result<LossOutput> (*)(const LossCall& call);
using LossBackwardFn = Result<LossGrads> (*)(const LossCall& call, const TensorView* grad_output,
                                             unsigned want);

// The two-operand kernels of the lesson's losses (input, target), adapted to LossCall: d loss / d
// input only (their spec marks the target as not differentiable unless it says otherwise).
using Loss2ForwardFn = Result<LossOutput> (*)(const TensorView& input, const TensorView& target,
                                              const LossOptions& options);
using Loss2BackwardFn = Result<Tensor> (*)(const TensorView& input, const TensorView& target,
                                           const LossOptions& options,
                                           const TensorView* grad_output);

template <Loss2ForwardFn F>
Result<LossOutput> forward2(const LossCall& c) {
  return F(c.operands[0], c.operands[1], c.options);
}
template <Loss2BackwardFn B>
Result<LossGrads> backward2(const LossCall& c, const TensorView* g, unsigned want) {
  LossGrads out(c.operands.size());
  if (!(want & want_bit(0))) return out;
  auto r = B(c.operands[0], c.operands[1], c.options, g);
  if (!r) return r.error();
  out[0] = r.take();
  return out;
}

}  // namespace losslab
