// losslab core: autograd as torch 1.13.1 runs it on the CPU. A Var is a tensor as autograd sees
// it (its storage, requires_grad, .grad, and the node that made it); each differentiable op here
// computes its value with the plain op (arith.hpp, factory.hpp, ops.hpp, the registry's losses
// and activations) and, when grad mode is on and an input requires grad, records a Node that
// holds what its backward needs. backward() runs the graph as torch's engine does: nodes in
// dependency order, the most recently created ready node first (torch's sequence numbers), each
// input's gradient summed to its shape and cast to its dtype (validate_outputs), gradients from
// several consumers added in the order they arrive, leaves accumulating `grad += g` in place, and
// the saved tensors freed afterwards unless retain_graph. The formulas are derivatives.yaml's, op
// for op (grad / other, -grad * ((self / other) / other), grad * result, ...), so gradients built
// from + - * / are torch's bits.
//
// The core knows nothing of JS: a binding holds VarPtrs (shared_ptr) as handles.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "losslab/arith.hpp"
#include "losslab/index.hpp"
#include "losslab/loss.hpp"
#include "losslab/optim.hpp"
#include "losslab/registry.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab::autograd {

// A buffer and torch's version counter (bumped by every in-place change): a saved tensor whose
// version moved is torch's "modified by an inplace operation" error at backward time. Shared by
// the tensors that alias it (detach()) and by the nodes that saved it.
namespace detail {
inline int64_t live_storages = 0, live_nodes = 0;  // what live_graph() reports
}

struct Storage {
  Tensor data;
  uint64_t version = 0;
  Storage() { ++detail::live_storages; }
  ~Storage() { --detail::live_storages; }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Node;

struct Var {
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;
  bool retains_grad = false;               // retain_grad() on a non-leaf
  std::shared_ptr<Node> grad_fn;           // null: a leaf
  std::shared_ptr<Node> grad_accumulator;  // a leaf that requires grad: the node its grads reach
  std::shared_ptr<Var> grad;               // .grad (null: None)

  const Tensor& data() const { return storage->data; }
  TensorView view() const { return storage->data.view(); }
  bool is_leaf() const { return !grad_fn; }
  // torch's grad_fn name ("MulBackward0"), null for a leaf.
  const char* grad_fn_name() const;
};
using VarPtr = std::shared_ptr<Var>;

// A leaf holding t. requires_grad needs a floating dtype (torch's error otherwise).
Result<VarPtr> make_var(Tensor t, bool requires_grad = false);

// torch.is_grad_enabled() / torch.set_grad_enabled(b) (what torch.no_grad() switches off).
bool grad_enabled();
void set_grad_enabled(bool on);

// x.requires_grad_(b): leaves only (torch's errors for non-leaves and integer dtypes).
Status set_requires_grad(const VarPtr& x, bool on);
// x.retain_grad(): a non-leaf keeps the gradient that reaches it in .grad (a no-op on a leaf).
Status retain_grad(const VarPtr& x);
// x.detach(): the same storage, no graph, requires_grad false.
VarPtr detach(const VarPtr& x);
// The storage changed in place (x.zero_(), an optimizer's step): its version moves on.
void bump_version(Var& x);

// How many storages (tensor buffers autograd owns) and graph nodes are alive: what a training
// loop's memory test watches (every node and intermediate is freed once nothing refers to it).
struct LiveGraph {
  int64_t storages, nodes;
};
inline LiveGraph live_graph() { return {detail::live_storages, detail::live_nodes}; }

// loss.backward(gradient): gradient null means 1 for a one-element root (torch's error
// otherwise); else it must have the root's shape.
Status backward(const VarPtr& root, const TensorView* gradient, bool retain_graph = false);

// The graph's nodes: one output each (every op here has one), an edge per input.
struct Node {
  Node() { ++detail::live_nodes; }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node() { --detail::live_nodes; }
  virtual const char* name() const = 0;
  // The gradient of each input (in order) from the gradient of the output; only where needs(k).
  virtual Result<std::vector<std::optional<Tensor>>> apply(const TensorView& grad) = 0;
  virtual void release_saved() {}
  bool needs(std::size_t k) const { return k < next.size() && next[k] != nullptr; }

  uint64_t seq = 0;                         // creation order (torch's sequence_nr)
  std::vector<std::shared_ptr<Node>> next;  // per input: its grad_fn or accumulator, or null
  std::vector<Shape> input_shape;           // per input, what its gradient must be
  std::vector<DType> input_dtype;
  std::weak_ptr<Var> retained;  // the output, when it called retain_grad()
};

// ---- differentiable ops: each computes the op and records its node when grad is on ----------

// An operand of the arithmetic: a Var or a Python number.
struct Arg {
  VarPtr var;
  Scalar scalar;
};
// rsub: the call was torch.rsub(x, other) (Python's `1 - x`), whose node torch names
// RsubBackward1; torch.sub(1, x) is SubBackward0.
Result<VarPtr> binary(BinOp op, const Arg& a, const Arg& b, bool rsub = false);
Result<VarPtr> neg(const VarPtr& x);
// torch.clamp (kind 0, ClampBackward1), clamp_min (1), clamp_max (2).
Result<VarPtr> clamp(const VarPtr& x, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi, int kind);
Result<VarPtr> unary(UnaryOp op, const VarPtr& x);
Result<VarPtr> sigmoid(const VarPtr& x);
Result<VarPtr> sum(const VarPtr& x, const ReduceDims& d);
Result<VarPtr> mean(const VarPtr& x, const ReduceDims& d);
Result<VarPtr> mm(const VarPtr& a, const VarPtr& b);
// slice / select / narrow (index.hpp's spec): SliceBackward0 / SelectBackward0.
Result<VarPtr> take(const VarPtr& x, const SliceSpec& s);
// torch.cat / torch.stack: CatBackward0 / StackBackward0.
Result<VarPtr> cat(const std::vector<VarPtr>& xs, int64_t dim, bool is_stack);
// torch.max / min of all elements (MaxBackward1), or along dim: (values, indices), MaxBackward0.
Result<VarPtr> max_all(const VarPtr& x, bool is_min);
Result<std::pair<VarPtr, VarPtr>> max_dim(const VarPtr& x, int64_t dim, bool keepdim, bool is_min);
// torch.optim.SGD's step of one parameter (optim.hpp's arithmetic) on its current .grad (no-op
// when it has none, as torch skips it); bumps the parameter's version as p.add_ does.
Status sgd_step(const VarPtr& param, Tensor& momentum_buffer, const SgdOptions& o);
// torch.addmm(bias, a, b): nn.Linear's op, grad_fn AddmmBackward0.
Result<VarPtr> addmm(const VarPtr& bias, const VarPtr& a, const VarPtr& b);
Result<VarPtr> t(const VarPtr& x);
Result<VarPtr> transpose(const VarPtr& x, int64_t dim0, int64_t dim1);
// The ops that keep the elements in row-major order (view, reshape, flatten, unsqueeze,
// squeeze): `value` is the op's result, grad_fn torch's name for it; the gradient is the
// output's gradient in x's shape.
// (Clone: x.clone(), a copy of the same shape: CloneBackward0.)
enum class ShapeKind { View, Reshape, Unsqueeze, Squeeze, SqueezeDim, Clone };
Result<VarPtr> shape_op(const VarPtr& x, Result<Tensor> value, ShapeKind kind);
// x.to(dtype): x itself when it has that dtype (as torch returns self).
Result<VarPtr> to_dtype(const VarPtr& x, DType dtype);

// A loss of the registry: call.operands (and the weight / pos_weight options) must be views of
// `operands` (and of `extra`, whose storages the node keeps). An operand that requires grad but
// whose derivative losslab does not give is torch's NotImplementedError for it.
Result<VarPtr> loss(const LossSpec& spec, const LossCall& call, const std::vector<VarPtr>& operands,
                    const std::vector<VarPtr>& extra, std::vector<std::string>* warnings);
Result<VarPtr> activation(const ActivationSpec& spec, const VarPtr& x, bool has_dim, int64_t dim,
                          bool force_scalar, std::vector<std::string>* warnings);

// torch's grad_fn name for a loss's result: its own node ("MseLossBackward0") where ATen has
// one, else the last op of torch's Python composition (l1_loss: MeanBackward0 / SumBackward0 /
// AbsBackward0).
const char* loss_grad_fn_name(const LossSpec& spec, const LossCall& call);

}  // namespace losslab::autograd
