// Autograd's graph and engine (see autograd.hpp): Vars, recording, torch's backward; the nodes
// and the ops that record them are in autograd_nodes.cpp.
#include "losslab/autograd.hpp"

#include <algorithm>
#include <cstring>
#include <queue>
#include <unordered_map>
#include <utility>

#include "autograd_impl.hpp"
#include "losslab/broadcast.hpp"
#include "losslab/factory.hpp"
#include "losslab/ops.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab::autograd {
namespace {

bool g_grad_enabled = true;
uint64_t g_next_seq = 0;

using detail::copy_of;
using detail::Grads;
using detail::tensor_type;

// The gradient reaching a leaf: torch's AccumulateGrad.
struct AccumulateGrad final : Node {
  std::weak_ptr<Var> var;
  const char* name() const override { return "AccumulateGrad"; }
  Result<Grads> apply(const TensorView&) override { return Grads{}; }
};

// grad += g in place (one IEEE addition per element), as AccumulateGrad does outside grad mode.
void add_into(Tensor& dst, const TensorView& g) {
  const int64_t n = dst.numel();
  if (dst.dtype() == DType::Float32) {
    float* d = dst.as<float>();
    const float* s = g.as<float>();
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] + s[i];
  } else {
    double* d = dst.as<double>();
    const double* s = g.as<double>();
    for (int64_t i = 0; i < n; ++i) d[i] = d[i] + s[i];
  }
}

Status accumulate(Var& v, Tensor g) {
  if (!v.grad) {
    auto r = make_var(std::move(g));
    if (!r) return r.error();
    v.grad = r.take();
    return Ok{};
  }
  Tensor& d = v.grad->storage->data;
  if (d.shape() != g.shape() || d.dtype() != g.dtype()) {
    return runtime_error("assigned grad has data of a different size or type: " +
                         tensor_type(d.view()) + " and " + tensor_type(g.view()));
  }
  add_into(d, g.view());
  ++v.grad->storage->version;
  return Ok{};
}

// The engine's validate_outputs: a gradient is summed to its input's shape (the broadcast
// dims), then cast to its dtype.
Result<Tensor> fit(Tensor g, const Shape& shape, DType dtype) {
  if (g.shape() != shape) {
    auto r = torch_sum_to(g.view(), shape);
    if (!r) return r;
    g = r.take();
  }
  if (g.dtype() != dtype) return losslab::to_dtype(g.view(), dtype);
  return g;
}

Error not_leaf_error() {
  return runtime_error(
      "you can only change requires_grad flags of leaf variables. If you want to use a computed "
      "variable in a subgraph that doesn't require differentiation use var_no_grad = "
      "var.detach().");
}

}  // namespace

namespace detail {
// The result Var of an op, with `node` recorded when grad mode is on and an input requires
// grad (inputs: the op's inputs in its formula's order, null for a number).
Result<VarPtr> record(Result<Tensor> value, std::shared_ptr<Node> node,
                      const std::vector<const Var*>& inputs) {
  if (!value) return value.error();
  auto out = std::make_shared<Var>();
  out->storage = std::make_shared<Storage>();
  out->storage->data = value.take();
  bool any = false;
  for (const Var* v : inputs) any = any || (v && v->requires_grad);
  // as torch: an integer or bool result never requires grad (x.to(torch.int32) has no grad_fn)
  if (!g_grad_enabled || !any || !dtype_is_floating(out->view().dtype)) return out;
  for (const Var* v : inputs) {
    std::shared_ptr<Node> edge;
    if (v && v->requires_grad) edge = v->grad_fn ? v->grad_fn : v->grad_accumulator;
    node->next.push_back(edge);
    node->input_shape.push_back(v ? v->view().shape : Shape{});
    node->input_dtype.push_back(v ? v->view().dtype : DType::Float32);
  }
  node->seq = g_next_seq++;
  out->requires_grad = true;
  out->grad_fn = std::move(node);
  return out;
}

}  // namespace detail

// ---- Var ------------------------------------------------------------------------------------

const char* Var::grad_fn_name() const { return grad_fn ? grad_fn->name() : nullptr; }

Result<VarPtr> make_var(Tensor t, bool requires_grad) {
  auto v = std::make_shared<Var>();
  v->storage = std::make_shared<Storage>();
  v->storage->data = std::move(t);
  if (requires_grad) {
    if (auto st = set_requires_grad(v, true); !st) return st.error();
  }
  return v;
}

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }

Status set_requires_grad(const VarPtr& xp, bool on) {
  Var& x = *xp;
  if (!x.is_leaf()) {
    if (on) return Ok{};  // a non-leaf that requires grad: nothing to change
    return not_leaf_error();
  }
  if (on && !dtype_is_floating(x.view().dtype))
    return runtime_error("only Tensors of floating point dtype can require gradients");
  x.requires_grad = on;
  if (on && !x.grad_accumulator) {
    auto acc = std::make_shared<AccumulateGrad>();
    acc->seq = UINT64_MAX;  // torch runs AccumulateGrad as soon as it is ready
    acc->var = xp;          // weak: the graph does not keep the leaf alive
    x.grad_accumulator = acc;
  }
  if (!on) x.grad_accumulator.reset();
  return Ok{};
}

Status retain_grad(const VarPtr& x) {
  if (!x->requires_grad)
    return runtime_error("can't retain_grad on Tensor that has requires_grad=False");
  if (x->is_leaf()) return Ok{};
  x->retains_grad = true;
  x->grad_fn->retained = x;
  return Ok{};
}

VarPtr detach(const VarPtr& x) {
  auto v = std::make_shared<Var>();
  v->storage = x->storage;
  return v;
}

void bump_version(Var& x) { ++x.storage->version; }

// ---- the engine -----------------------------------------------------------------------------

Status backward(const VarPtr& root, const TensorView* gradient, bool retain_graph) {
  if (!root->requires_grad)
    return runtime_error("element 0 of tensors does not require grad and does not have a grad_fn");
  const TensorView rv = root->view();
  Tensor g0;
  if (gradient) {
    if (gradient->shape != rv.shape) {
      return runtime_error("Mismatch in shape: grad_output[0] has a shape of " +
                           torch_size(gradient->shape) + " and output[0] has a shape of " +
                           torch_size(rv.shape) + ".");
    }
    auto c =
        gradient->dtype == rv.dtype ? copy_of(*gradient) : losslab::to_dtype(*gradient, rv.dtype);
    if (!c) return c.error();
    g0 = c.take();
  } else {
    if (rv.numel() != 1)
      return runtime_error("grad can be implicitly created only for scalar outputs");
    auto c = full(rv.shape, Scalar{false, 0, 1}, rv.dtype);
    if (!c) return c.error();
    g0 = c.take();
  }
  std::shared_ptr<Node> start = root->grad_fn ? root->grad_fn : root->grad_accumulator;
  // Dependencies: how many edges of the reachable graph point at each node.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> seen{start.get()}, stack{start.get()};
  std::unordered_map<Node*, bool> visited{{start.get(), true}};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next) {
      if (!e) continue;
      ++deps[e.get()];
      if (!visited[e.get()]) {
        visited[e.get()] = true;
        seen.push_back(e.get());
        stack.push_back(e.get());
      }
    }
  }
  std::unordered_map<Node*, std::optional<Tensor>> buffer;
  buffer[start.get()] = std::move(g0);
  auto later_first = [](Node* a, Node* b) { return a->seq < b->seq; };
  std::priority_queue<Node*, std::vector<Node*>, decltype(later_first)> ready(later_first);
  ready.push(start.get());
  Status status = Ok{};
  while (!ready.empty() && status) {
    Node* n = ready.top();
    ready.pop();
    std::optional<Tensor> g = std::move(buffer[n]);
    buffer.erase(n);
    if (g) {
      if (auto v = n->retained.lock(); v && v->retains_grad) {
        // retain_grad's hook: .grad = a copy of the first gradient, then grad + new
        if (!v->grad) {
          auto c = copy_of(g->view());
          if (!c) return c.error();
          auto r = make_var(c.take());
          if (!r) return r.error();
          v->grad = r.take();
        } else {
          auto s = add_same(v->grad->view(), g->view());
          if (!s) return s.error();
          auto r = make_var(s.take());
          if (!r) return r.error();
          v->grad = r.take();
        }
      }
    }
    if (auto* acc = dynamic_cast<AccumulateGrad*>(n)) {
      if (g) {
        if (auto v = acc->var.lock()) {
          if (auto st = accumulate(*v, std::move(*g)); !st) status = st;
        }
      }
      continue;
    }
    Grads out;
    if (g) {
      auto r = n->apply(g->view());
      if (!r) {
        status = r.error();
        break;
      }
      out = r.take();
    }
    for (std::size_t k = 0; k < n->next.size(); ++k) {
      Node* e = n->next[k].get();
      if (!e) continue;
      if (k < out.size() && out[k]) {
        auto f = fit(std::move(*out[k]), n->input_shape[k], n->input_dtype[k]);
        if (!f) {
          status = f.error();
          break;
        }
        auto& slot = buffer[e];
        if (!slot) {
          slot = f.take();
        } else {
          auto s = add_same(slot->view(), f.value().view());
          if (!s) {
            status = s.error();
            break;
          }
          slot = s.take();
        }
      }
      if (--deps[e] == 0) ready.push(e);
    }
  }
  if (!retain_graph)
    for (Node* n : seen) n->release_saved();
  return status;
}

Status sgd_step(const VarPtr& param, Tensor& momentum_buffer, const SgdOptions& o) {
  if (!param->grad) return Ok{};
  auto st = sgd_update(param->storage->data, param->grad->view(), momentum_buffer, o);
  if (st) ++param->storage->version;
  return st;
}

}  // namespace losslab::autograd
