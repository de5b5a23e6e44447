// The one description of every function losslab computes. Each loss file defines a LossSpec:
// its operands (name, role, dtypes, differentiable), its options (kind, default, range with
// PyTorch's message, and the LossOptions field its kernel reads), a check hook, the kernels, and
// where its results are bit-identical to torch. Everything else enumerates this: the bindings'
// packed calls, the JS API, dist/registry.json (from which the page's option rows, the widget's
// attributes and the .d.ts types are generated), the tests and the benchmark.
// Adding a loss = one kernel file in core/src/losses/ + one line in core/src/registry.cpp.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "losslab/loss.hpp"

namespace losslab {

constexpr double kInf = std::numeric_limits<double>::infinity();

enum class OptionKind { Float, Int, Bool, Tensor, DType, Callable };

// Where a kernel reads an option: exactly the member for its kind is set (Callable and DType
// options have none: the JS API resolves them before the call).
struct OptionField {
  double LossOptions::*f = nullptr;
  int64_t LossOptions::*i = nullptr;
  bool LossOptions::*b = nullptr;
  std::optional<TensorView> LossOptions::*t = nullptr;
};

// A number option's valid range, checked by the registry before any kernel runs. NaN fails
// every finite bound, as PyTorch's TORCH_CHECK(x >= 0) does. `message` is PyTorch's text; in it
// "{}" stands for the value as C++ prints it (TORCH_CHECK's messages).
struct OptionRange {
  double min = -kInf;
  double max = kInf;
  bool min_inclusive = true;
  bool max_inclusive = true;
  const char* message = nullptr;  // null: no bound to check
  const char* error_type = "RuntimeError";
  bool nan_passes = false;  // torch tests `x > 0 && x > max` (label_smoothing): NaN passes
};

struct OptionSpec {
  const char* name;  // PyTorch's keyword
  OptionKind kind;
  double default_value;  // Float/Int/Bool; Tensor, DType and Callable options default to None
  OptionRange range;
  const char* doc;  // one line for tooltips
  OptionField field;
};

OptionSpec opt_float(const char* name, double LossOptions::*field, double def, const char* doc,
                     OptionRange range = {});
OptionSpec opt_int(const char* name, int64_t LossOptions::*field, int64_t def, const char* doc,
                   OptionRange range = {});
OptionSpec opt_bool(const char* name, bool LossOptions::*field, bool def, const char* doc);
OptionSpec opt_tensor(const char* name, std::optional<TensorView> LossOptions::*field,
                      const char* doc);
OptionSpec opt_callable(const char* name, const char* doc);  // resolved in JS (a JS function)

enum class OperandRole { Input, Target, Extra };
// Dtypes an operand may have (bits).
enum OperandDTypes : unsigned {
  kFloating = 1,  // float32, float64
  kInteger = 2,   // int64, int32
  kList = 4,      // the JS API also takes an array of integers (converted to int64 first)
};
struct OperandSpec {
  const char* name;  // PyTorch's parameter name
  OperandRole role;
  unsigned dtypes;      // OperandDTypes bits
  bool differentiable;  // torch's autograd gives d loss / d operand (floating operands only)
};

// What a loss's target may be (for the page: which data recipes fit it).
enum TargetKind : unsigned {
  kTargetFloat = 1,        // same shape as the input, floating
  kTargetIndex = 2,        // int64 class indices
  kTargetProb = 4,         // class probabilities (float, same shape as the input)
  kTargetSign = 8,         // +-1 labels
  kTargetMultiLabel = 16,  // 0/1 per class, or class lists ended by -1
  kTargetSequence = 32,    // label sequences (ctc)
};

// Where results are bit-identical to torch 1.13.1 (CPU, AVX2), and where the SIMD and scalar
// builds agree bit for bit; the tests read these flags, elsewhere they hold a ulp tolerance.
// Where torch's value goes through its vector exp/log (kl_div with log_target, poisson_nll_loss,
// gaussian_nll_loss), a flag is exact by construction for float32 (detail/torch_math.hpp) and, for
// float64, tested on the fixtures but not guaranteed: float64 uses pmath's exp/log, within 1 ulp
// of torch's SLEEF double ones. Through libc's exp/log (ctc_loss, kl_div's xlogy) it holds for
// both.
enum Exactness : unsigned {
  kExactNone = 1,          // reduction='none' values
  kExactReduced = 2,       // 'mean' / 'sum' values
  kExactGrad = 4,          // gradients
  kExactAcrossBuilds = 8,  // SIMD == scalar reference ('none' values and gradients)
};

enum class FnKind { Loss, Distance };

struct LossSpec {
  const char* name;         // F.<name>
  const char* module_name;  // nn.<ModuleName> (empty for the distances' F-only use)
  FnKind kind;
  std::vector<OperandSpec> operands;  // PyTorch's positional order
  std::vector<OptionSpec> options;    // besides `reduction` (losses always take it)
  bool batchmean;                     // accepts reduction='batchmean'
  unsigned targets;                   // TargetKind bits
  const char*
      input_kind;       // "any" | "probability" | "logit" | "log-probability" | "embedding" | ...
  const char* formula;  // one line, PyTorch notation
  Status (*check)(const LossCall&);  // per-loss checks before any kernel (null: none)
  LossForwardFn forward_fn;
  LossBackwardFn backward_fn;
  unsigned exact;  // Exactness bits
  // PyTorch's ValueError for an unknown reduction, "{}" = the value. Losses written in torch's
  // Python say "{} is not valid"; null: ATen's "{} is not a valid value for reduction".
  const char* reduction_message = nullptr;
  // Where torch's float32 gradient formula cancels (softmax minus a near-equal target, a log of
  // a near-1 ratio), its float32 gradients can be thousands of ulp from the exact result. When
  // this says so for a call whose floating tensors are all float32, backward() computes in
  // float64 (the same kernels, on widened copies) and rounds each gradient once: within half
  // an ulp of the float64 result, so never farther from it than torch's float32 (the
  // tests/cpp/f64_closeness_test.cpp bound). Null: the float32 kernels.
  bool (*grad_in_float64)(const LossCall&) = nullptr;

  bool has_reduction() const { return kind == FnKind::Loss; }
  // The loss's own defaults (its OptionSpec defaults written into their fields).
  LossOptions defaults() const;
  const OptionSpec* option(const std::string& name) const;
  // The reduction named s, or PyTorch's ValueError for it (this loss's wording).
  Result<Reduction> parse_reduction(const std::string& s) const;
  // Range checks from the option specs, then the check hook.
  Status validate(const LossCall& call) const;
  // The checked entries every consumer uses.
  Result<LossOutput> forward(const LossCall& call) const;
  Result<LossGrads> backward(const LossCall& call, const TensorView* grad_output,
                             unsigned want = kWantAll) const;
  // Two-operand conveniences: forward(input, target), d loss / d input.
  Result<LossOutput> forward(const TensorView& a, const TensorView& b, const LossOptions& o) const;
  Result<Tensor> backward(const TensorView& a, const TensorView& b, const LossOptions& o,
                          const TensorView* grad_output) const;

 private:
  static bool all_float32(const LossCall& call, const TensorView* grad_output);
  Result<LossGrads> backward_in_float64(const LossCall& call, const TensorView* grad_output,
                                        unsigned want) const;
};

const std::vector<LossSpec>& losses();  // losses, then the distances
// Specs the JS API composes public functions from, offered nowhere else: the triplet loss from
// the distances a JS distance_function gave (triplet_margin_with_distance_loss.cpp).
const std::vector<LossSpec>& internal_losses();
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
  std::vector<OptionSpec> options;  // dim, dtype (documentation for the JS API and the page)
  ActivationForwardFn forward;
  ActivationBackwardFn backward;
};
const std::vector<ActivationSpec>& activations();
// For LossSpec::grad_in_float64: every call.
bool always(const LossCall&);
const ActivationSpec* find_activation(const std::string& name);

}  // namespace losslab
