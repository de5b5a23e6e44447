#include "losslab/registry.hpp"

namespace losslab {

// Each loss file defines its spec; this is the only list of them (order = menu order).
extern const LossSpec kMseLoss;

const std::vector<LossSpec>& losses() {
  static const std::vector<LossSpec> all = {
      kMseLoss,
  };
  return all;
}

const LossSpec* find_loss(const std::string& name) {
  for (const auto& s : losses())
    if (name == s.name) return &s;
  return nullptr;
}

const std::vector<ActivationSpec>& activations() {
  static const std::vector<ActivationSpec> all = {};
  return all;
}

const ActivationSpec* find_activation(const std::string& name) {
  for (const auto& s : activations())
    if (name == s.name) return &s;
  return nullptr;
}

} // namespace losslab
