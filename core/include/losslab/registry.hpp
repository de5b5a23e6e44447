// The one list of losses. Bindings, the JS API, the tests, the benchmark and the page's menus
// all enumerate it; adding a loss means one kernel file in core/src/losses/ and one line in
// core/src/registry.cpp.
#pragma once
#include <string>
#include <vector>

#include "losslab/loss.hpp"

namespace losslab {

enum class OptionKind { Float, Int, Bool, Tensor };

struct OptionSpec {
  const char* name;  // PyTorch's keyword
  OptionKind kind;
  double default_value;  // ignored for Tensor options (default None)
  double min;            // valid range (checked by the loss itself, with PyTorch's message)
  double max;
  bool min_inclusive;
  const char* doc;  // one line for tooltips
};

// What a loss's target may be.
enum TargetKind : unsigned {
  kTargetFloat = 1,  // same shape as the input, floating
  kTargetIndex = 2,  // int64 class indices
  kTargetProb = 4,   // class probabilities (float, same shape as the input)
};

struct LossSpec {
  const char* name;                 // F.<name>
  const char* module_name;          // nn.<ModuleName>
  int arity;                        // tensors it takes: input, target
  std::vector<OptionSpec> options;  // besides `reduction`
  bool batchmean;                   // accepts reduction='batchmean'
  unsigned targets;                 // TargetKind bits
  const char* input_kind;           // "any" | "probability" | "logit" | "log-probability"
  const char* formula;              // one line, PyTorch notation
  LossForwardFn forward;
  LossBackwardFn backward;
};

const std::vector<LossSpec>& losses();
const LossSpec* find_loss(const std::string& name);

// Activations along a dim (log_softmax, softmax). dim < -ndim or >= ndim is an IndexError.
struct ActivationOutput {
  Tensor value;
  std::vector<std::string> warnings;
};
using ActivationForwardFn = Result<ActivationOutput> (*)(const TensorView& input, bool has_dim,
                                                         int64_t dim, bool force_scalar);
using ActivationBackwardFn = Result<Tensor> (*)(const TensorView& input, bool has_dim, int64_t dim,
                                                const TensorView* grad_output);
struct ActivationSpec {
  const char* name;         // F.<name>
  const char* module_name;  // nn.<ModuleName>
  const char* formula;
  ActivationForwardFn forward;
  ActivationBackwardFn backward;
};
const std::vector<ActivationSpec>& activations();
const ActivationSpec* find_activation(const std::string& name);

}  // namespace losslab
