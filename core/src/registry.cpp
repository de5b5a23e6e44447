#include "losslab/registry.hpp"

namespace losslab {

// Each loss file defines its spec; this is the only list of them (order = menu order).
extern const LossSpec kMseLoss;
extern const LossSpec kL1Loss;
extern const LossSpec kSmoothL1Loss;
extern const LossSpec kHuberLoss;
extern const LossSpec kBinaryCrossEntropy;
extern const LossSpec kBinaryCrossEntropyWithLogits;
extern const LossSpec kNllLoss;
extern const LossSpec kCrossEntropy;
extern const LossSpec kKlDiv;

const std::vector<LossSpec>& losses() {
  static const std::vector<LossSpec> all = {
      kMseLoss,
      kL1Loss,
      kSmoothL1Loss,
      kHuberLoss,
      kBinaryCrossEntropy,
      kBinaryCrossEntropyWithLogits,
      kNllLoss,
      kCrossEntropy,
      kKlDiv,
  };
  return all;
}

const LossSpec* find_loss(const std::string& name) {
  for (const auto& s : losses())
    if (name == s.name) return &s;
  return nullptr;
}

extern const ActivationSpec kLogSoftmax;
extern const ActivationSpec kSoftmax;

const std::vector<ActivationSpec>& activations() {
  static const std::vector<ActivationSpec> all = {
      kLogSoftmax,
      kSoftmax,
  };
  return all;
}

const ActivationSpec* find_activation(const std::string& name) {
  for (const auto& s : activations())
    if (name == s.name) return &s;
  return nullptr;
}

}  // namespace losslab
