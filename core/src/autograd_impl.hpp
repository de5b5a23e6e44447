// Internals autograd.cpp (the graph and the engine) and autograd_nodes.cpp (the nodes and the
// ops that record them) share: saved tensors, recording an op's result, and small helpers.
#pragma once
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "losslab/autograd.hpp"

namespace losslab::autograd::detail {

using Grads = std::vector<std::optional<Tensor>>;

inline Result<Tensor> copy_of(const TensorView& v) {
  auto r = alloc_tensor(v.dtype, v.shape);
  if (!r) return r;
  if (r.value().nbytes()) std::memcpy(r.value().data(), v.data, r.value().nbytes());
  return r;
}

inline Operand num(int64_t i) { return Operand::of(Scalar{false, 0, i}); }

inline std::string tensor_type(const TensorView& v) {
  return std::string("torch.") + dtype_torch_name(v.dtype) + "Tensor " + shape_str(v.shape);
}

// A tensor a node saved: its storage and the version it had (torch's SavedVariable).
struct Saved {
  std::shared_ptr<Storage> s;
  uint64_t version = 0;
  Saved() = default;
  explicit Saved(const std::shared_ptr<Storage>& st) : s(st), version(st->version) {}
  Result<TensorView> get(const char* node) const {
    if (!s) {
      return runtime_error(
          "Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.");
    }
    if (s->version != version) {
      return runtime_error(
          "one of the variables needed for gradient computation has been modified by an inplace "
          "operation: [" +
          tensor_type(s->data.view()) + "], which is saved by " + node + ", is at version " +
          std::to_string(s->version) + "; expected version " + std::to_string(version) +
          " instead.");
    }
    return s->data.view();
  }
};

// The result Var of an op, with `node` recorded when grad mode is on and an input requires
// grad (inputs: the op's inputs in its formula's order, null for a number).
Result<VarPtr> record(Result<Tensor> value, std::shared_ptr<Node> node,
                      const std::vector<const Var*>& inputs);

}  // namespace losslab::autograd::detail
