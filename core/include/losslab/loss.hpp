// The loss call interface every loss implements (forward and d loss / d input).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "losslab/reduction.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

struct LossOptions {
  Reduction reduction = Reduction::Mean;
  double beta = 1.0;                     // smooth_l1_loss
  double delta = 1.0;                    // huber_loss
  double label_smoothing = 0.0;          // cross_entropy
  int64_t ignore_index = -100;           // nll_loss, cross_entropy
  bool log_target = false;               // kl_div
  std::optional<TensorView> weight;      // bce, bce_with_logits, nll, cross_entropy
  std::optional<TensorView> pos_weight;  // bce_with_logits
  bool force_scalar = false;             // run the scalar reference kernel (tests, timing)
};

struct LossOutput {
  Tensor value;                       // 0-d for 'mean'/'sum'/'batchmean', else per element
  std::vector<std::string> warnings;  // PyTorch's UserWarning texts
};

// grad_output: nullptr means 1 for a reduced loss and ones for 'none'.
using LossForwardFn = Result<LossOutput> (*)(const TensorView& input, const TensorView& target,
                                             const LossOptions& options);
using LossBackwardFn = Result<Tensor> (*)(const TensorView& input, const TensorView& target,
                                          const LossOptions& options,
                                          const TensorView* grad_output);

}  // namespace losslab
