// nll_loss (nn.NLLLoss): l_i = -w[y_i] * x[i, y_i] (0 where y_i == ignore_index).
// 'mean' = sum / total_weight and 'sum' through torch 1.13's 8-level cascade (bit for bit);
// total_weight = the cascade sum of w[y_i], or the count of non-ignored targets without a weight.
// Inputs (C,) with a 0-d target, (N, C) with (N,), and (N, C, d1..dk) with (N, d1..dk) (torch's
// nll_loss2d over the flattened positions). d/dx[i, y_i] = -w[y_i] g (/ total_weight for 'mean').
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/nll.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace detail {

Result<NllPlan> nll_plan(const TensorView& input, const TensorView& target,
                         const std::optional<TensorView>& weight, int64_t ignore_index,
                         Reduction reduction) {
  using std::to_string;
  const int64_t nd = input.dim();
  // nll_loss_nd
  if (nd < 1) return value_error("Expected 1 or more dimensions (got " + to_string(nd) + ")");
  const int64_t tbatch = target.dim() > 0 ? target.shape[0] : 0;
  if (nd != 1 && input.shape[0] != tbatch)
    return value_error("Expected input batch_size (" + to_string(input.shape[0]) +
                       ") to match target batch_size (" + to_string(tbatch) + ").");
  NllPlan p;
  p.dtype = input.dtype;
  p.ignore_index = ignore_index;
  const char* kernel;
  int64_t C;
  if (nd <= 2) {
    // nll_loss's meta checks
    if (target.dim() > 1)
      return runtime_error("0D or 1D target tensor expected, multi-target not supported");
    const bool no_batch_dim = nd == 1 && target.dim() == 0;
    if (!no_batch_dim) {
      if (target.dim() == 0)
        return index_error("Dimension specified as 0 but tensor has no dimensions");
      if (input.shape[0] != target.shape[0])
        return runtime_error("size mismatch (got input: " + shape_str(input.shape) +
                             ", target: " + shape_str(target.shape) + ")");
    }
    C = input.shape[static_cast<std::size_t>(nd - 1)];
    if (weight && (weight->dim() != 1 || weight->numel() != C))
      return runtime_error(
          "weight tensor should be defined either for all " + to_string(C) +
          " classes or no classes but got weight tensor of shape: " + shape_str(weight->shape));
    kernel = "nll_loss_out_frame";
    if (nd == 1) {
      p.geom = SmGeom{1, C, 1, true};
      p.rows = 1;
      p.one_d = true;
      p.out_shape = {};
    } else {
      p.geom = SmGeom{input.shape[0], C, 1, true};
      p.rows = input.shape[0];
      p.out_shape = {input.shape[0]};
    }
  } else {
    if (nd == 4) {
      // nll_loss2d's check_inputs
      if (target.dim() != 3)
        return runtime_error(
            "only batches of spatial targets supported (3D tensors) but got targets of "
            "dimension: " +
            to_string(target.dim()));
    } else {
      Shape want(input.shape.begin() + 2, input.shape.end());
      want.insert(want.begin(), input.shape[0]);
      const bool same =
          target.dim() >= 1 && target.dim() == nd - 1 &&
          std::equal(target.shape.begin() + 1, target.shape.end(), input.shape.begin() + 2);
      if (!same)
        return runtime_error("Expected target size " + shape_str(want) + ", got " +
                             shape_str(target.shape));
    }
    C = input.shape[1];
    if (weight && weight->numel() != C)
      return runtime_error("weight tensor should be defined either for all or no classes");
    if (nd == 4 && (input.shape[0] != target.shape[0] || input.shape[2] != target.shape[1] ||
                    input.shape[3] != target.shape[2]))
      return runtime_error("size mismatch (got input: " + shape_str(input.shape) +
                           " , target: " + shape_str(target.shape));
    kernel = "nll_loss2d_forward_out_frame";
    int64_t map = 1;
    for (int64_t k = 2; k < nd; ++k) map *= input.shape[static_cast<std::size_t>(k)];
    p.geom = SmGeom{input.shape[0], C, map, false};
    p.rows = input.shape[0] * map;
    p.out_shape = Shape(input.shape.begin() + 2, input.shape.end());
    p.out_shape.insert(p.out_shape.begin(), input.shape[0]);
  }
  // The kernel's dispatch and data accessors.
  if (!dtype_is_floating(input.dtype))
    return runtime_error("\"" + std::string(kernel) + "\" not implemented for '" +
                         dtype_torch_name(input.dtype) + "'");
  if (weight && weight->dtype != input.dtype)
    return runtime_error("expected scalar type " + std::string(dtype_torch_name(input.dtype)) +
                         " but found " + dtype_torch_name(weight->dtype));
  // 'none' (2-D and nll2d) reads the target through an accessor; the reductions return early
  // on an empty target before touching its data.
  const bool none_kernel = reduction == Reduction::None && nd >= 2;
  if (none_kernel || target.numel() > 0) {
    if (target.dtype != DType::Int64)
      return runtime_error("expected scalar type Long but found " +
                           std::string(dtype_torch_name(target.dtype)));
  } else {
    p.rows = 0;
  }
  p.t = target.as<int64_t>();
  p.w = weight ? weight->data : nullptr;
  // Targets, in torch's order: the first bad one is reported. (One test per target on the
  // common path: an ignore_index in [0, C) is counted by the second test.) With the core's
  // threads, fixed chunks count their ignored targets (an integer sum: any cut, same count) and
  // flag a bad one; then the first bad target is looked for in order.
  const auto uc = static_cast<uint64_t>(C);
  const bool count_valid_ignored = static_cast<uint64_t>(ignore_index) < uc;
  const auto scan = [&](int64_t r0, int64_t r1, int64_t& ignored) -> int64_t {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t t = p.t[r];
      if (static_cast<uint64_t>(t) >= uc) {
        if (t != ignore_index) return r;
        ++ignored;
      }
    }
    if (count_valid_ignored)
      for (int64_t r = r0; r < r1; ++r) ignored += p.t[r] == ignore_index;
    return -1;
  };
  int64_t bad = -1;
  if (num_threads() > 1 && p.rows >= kParallelMinValues) {
    const int64_t chunk = kParallelTaskValues, nc = (p.rows + chunk - 1) / chunk;
    std::vector<int64_t> counts(static_cast<std::size_t>(nc)), first(counts.size());
    parallel_for(nc, [&](int64_t k) {
      const int64_t r0 = k * chunk;
      first[static_cast<std::size_t>(k)] =
          scan(r0, std::min(p.rows, r0 + chunk), counts[static_cast<std::size_t>(k)]);
    });
    for (std::size_t k = 0; k < counts.size() && bad < 0; ++k) {
      bad = first[k];
      p.num_ignored += counts[k];
    }
  } else {
    bad = scan(0, p.rows, p.num_ignored);
  }
  if (bad >= 0) return index_error("Target " + to_string(p.t[bad]) + " is out of bounds.");
  return p;
}

namespace {

template <class T>
Result<Tensor> nll_reduce_t(const NllPlan& p, Reduction red, bool simd, PickFn pick,
                            const void* ctx, double* total_weight) {
  const T* w = static_cast<const T*>(p.w);
  const bool none = red == Reduction::None && !p.one_d;
  Tensor out(p.dtype, none ? p.out_shape : Shape{});
  if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
  constexpr int64_t kChunk = 4096;
  const auto cap = static_cast<std::size_t>(std::min<int64_t>(p.rows, kChunk));
  std::vector<T> v(cap);
  const int64_t per_row = std::max<int64_t>(1, p.geom.C);
  const bool threads = num_threads() > 1 && p.rows >= 2 && p.rows * per_row >= kParallelMinValues;
  if (none) {
    T* o = out.as<T>();
    const auto write = [&](int64_t r0, int64_t r1, T* buf) {
      pick(ctx, r0, r1, buf);
      for (int64_t r = r0; r < r1; ++r) {
        const T x = buf[r - r0];
        o[r] = p.ignored(r) ? T(0) : (w ? (-x) * w[p.t[r]] : -x);
      }
    };
    if (threads) {
      // Each row's value is its own: tasks of about kParallelTaskValues inputs.
      const int64_t rt = std::clamp<int64_t>(kParallelTaskValues / per_row, 1, kChunk);
      parallel_for((p.rows + rt - 1) / rt, [&](int64_t t) {
        std::vector<T> buf(static_cast<std::size_t>(rt));
        const int64_t r0 = t * rt;
        write(r0, std::min(p.rows, r0 + rt), buf.data());
      });
    } else {
      for (int64_t r0 = 0; r0 < p.rows; r0 += kChunk)
        write(r0, std::min(p.rows, r0 + kChunk), v.data());
    }
    if (total_weight) *total_weight = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  NllCascade<T> cascade(p.rows, w != nullptr);
  const auto ignored = [&p](int64_t b) { return p.ignored(b); };
  // Rows [r0, r1) picked into pv (and, weighted, scaled into vw with their weights in ww),
  // then run through cc.
  const auto feed = [&](NllCascade<T>& cc, int64_t r0, int64_t r1, T* pv, T* vw, T* ww) {
    pick(ctx, r0, r1, pv);
    if (w) {
      for (int64_t r = r0; r < r1; ++r) {
        const auto k = static_cast<std::size_t>(r - r0);
        if (p.ignored(r)) {
          vw[k] = ww[k] = T(0);
        } else {
          ww[k] = w[p.t[r]];
          vw[k] = pv[k] * ww[k];
        }
      }
      cc.run(r0, r1, vw, ww, ignored, simd);
    } else {
      cc.run(r0, r1, pv, nullptr, ignored, simd);
    }
  };
  std::vector<T> vw(w ? cap : 0), ww(w ? cap : 0);
  int64_t done = 0;  // rows fed so far
  const int64_t B = cascade.block_elems();
  const int64_t nb = p.rows > 1 ? (p.rows - 1) / B : 0;  // whole blocks after row 0
  if (threads && p.rows <= kParallelTaskValues) {
    // Few rows (of many classes): the picks, the time of it, on the threads in tasks of about
    // kParallelTaskValues inputs, then the cascade over them in order on this thread.
    std::vector<T> all(static_cast<std::size_t>(p.rows));
    const int64_t rt = std::clamp<int64_t>(kParallelTaskValues / per_row, 1, kChunk);
    parallel_for((p.rows + rt - 1) / rt, [&](int64_t t) {
      const int64_t r0 = t * rt;
      pick(ctx, r0, std::min(p.rows, r0 + rt), all.data() + r0);
    });
    const PickFn pick_all = [](const void* c, int64_t r0, int64_t r1, void* dst) {
      const T* a = static_cast<const T*>(c);
      std::copy(a + r0, a + r1, static_cast<T*>(dst));
    };
    pick = pick_all;
    ctx = all.data();
    for (int64_t r0 = 0; r0 < p.rows; r0 += kChunk)
      feed(cascade, r0, std::min(p.rows, r0 + kChunk), v.data(), vw.data(), ww.data());
    done = p.rows;
  } else if (threads && p.num_ignored == 0 && nb >= 2) {
    // With the core's threads: row 0, then the level-2 blocks (rows (kB, (k+1)B]) picked and
    // summed in parallel, tasks of whole blocks, their values replayed into the cascade in order
    // (same bits as one thread), then the tail below.
    feed(cascade, 0, 1, v.data(), vw.data(), ww.data());
    const int64_t bt = std::max<int64_t>(1, kParallelTaskValues / (per_row * B));
    std::vector<T> bl(static_cast<std::size_t>(nb)), bw(static_cast<std::size_t>(nb));
    parallel_for((nb + bt - 1) / bt, [&](int64_t t) {
      const int64_t k1 = std::min(nb, (t + 1) * bt);
      std::vector<T> pv(static_cast<std::size_t>(B)), tv(w ? pv.size() : 0), tw(tv.size());
      for (int64_t k = t * bt; k < k1; ++k) {
        NllCascade<T> cb = cascade.block();
        feed(cb, k * B + 1, (k + 1) * B + 1, pv.data(), tv.data(), tw.data());
        bl[static_cast<std::size_t>(k)] = cb.block_loss();
        bw[static_cast<std::size_t>(k)] = cb.block_weight();
      }
    });
    for (int64_t k = 0; k < nb; ++k)
      cascade.add_block(k, bl[static_cast<std::size_t>(k)], bw[static_cast<std::size_t>(k)]);
    done = nb * B + 1;
  }
  for (int64_t r0 = done; r0 < p.rows; r0 += kChunk) {
    const int64_t r1 = std::min(p.rows, r0 + kChunk);
    feed(cascade, r0, r1, v.data(), vw.data(), ww.data());
  }
  T loss = cascade.loss();
  const T tw = w ? cascade.weight() : static_cast<T>(p.rows - p.num_ignored);
  if (red == Reduction::Mean) loss = loss / tw;
  *out.as<T>() = loss;
  if (total_weight) *total_weight = static_cast<double>(tw);
  return out;
}

}  // namespace

Result<Tensor> nll_reduce(const NllPlan& p, Reduction r, bool simd, PickFn pick, const void* ctx,
                          double* total_weight) {
  if (p.dtype == DType::Float32) return nll_reduce_t<float>(p, r, simd, pick, ctx, total_weight);
  return nll_reduce_t<double>(p, r, simd, pick, ctx, total_weight);
}

template <class T>
void nll_scatter_grad(const NllPlan& p, Reduction red, const T* g, T total_weight, T* grad) {
  const int64_t C = p.geom.C, in = p.geom.inner;
  for (int64_t r = 0; r < p.rows; ++r) {
    if (p.ignored(r)) continue;
    grad[(r / in) * C * in + p.t[r] * in + r % in] = nll_grad_entry(p, red, g, total_weight, r);
  }
}

namespace {
template <class T>
double total_weight_t(const NllPlan& p, bool simd) {
  const T* w = static_cast<const T*>(p.w);
  if (!w) return static_cast<double>(static_cast<T>(p.rows - p.num_ignored));
  NllCascade<T> cascade(p.rows, true);
  constexpr int64_t kChunk = 4096;
  const auto cap = static_cast<std::size_t>(std::min<int64_t>(p.rows, kChunk));
  std::vector<T> zeros(cap, T(0)), ww(cap);
  const auto ignored = [&p](int64_t b) { return p.ignored(b); };
  for (int64_t r0 = 0; r0 < p.rows; r0 += kChunk) {
    const int64_t r1 = std::min(p.rows, r0 + kChunk);
    for (int64_t r = r0; r < r1; ++r)
      ww[static_cast<std::size_t>(r - r0)] = p.ignored(r) ? T(0) : w[p.t[r]];
    cascade.run(r0, r1, zeros.data(), ww.data(), ignored, simd);
  }
  return static_cast<double>(cascade.weight());
}
}  // namespace

double nll_total_weight(const NllPlan& p, bool simd) {
  return p.dtype == DType::Float32 ? total_weight_t<float>(p, simd)
                                   : total_weight_t<double>(p, simd);
}

template void nll_scatter_grad<float>(const NllPlan&, Reduction, const float*, float, float*);
template void nll_scatter_grad<double>(const NllPlan&, Reduction, const double*, double, double*);

}  // namespace detail

namespace {

struct GatherCtx {
  const detail::NllPlan* plan;
  const void* x;
};

// Picked values straight from the input (nll_loss's "log-probabilities").
template <class T>
void gather_pick(const void* ctx, int64_t r0, int64_t r1, void* out) {
  const auto& c = *static_cast<const GatherCtx*>(ctx);
  const detail::NllPlan& p = *c.plan;
  const T* x = static_cast<const T*>(c.x);
  T* v = static_cast<T*>(out);
  const int64_t C = p.geom.C, in = p.geom.inner;
  for (int64_t r = r0; r < r1; ++r)
    v[r - r0] = p.ignored(r) ? T(0) : x[(r / in) * C * in + p.t[r] * in + r % in];
}

detail::PickFn gather_fn(DType d) {
  return d == DType::Float32 ? &gather_pick<float> : &gather_pick<double>;
}

Result<LossOutput> nll_forward(const TensorView& input, const TensorView& target,
                               const LossOptions& o) {
  auto plan = detail::nll_plan(input, target, o.weight, o.ignore_index, o.reduction);
  if (!plan) return plan.error();
  const GatherCtx ctx{&plan.value(), input.data};
  auto v = detail::nll_reduce(plan.value(), o.reduction, !o.force_scalar, gather_fn(input.dtype),
                              &ctx, nullptr);
  if (!v) return v.error();
  LossOutput out;
  out.value = v.take();
  return out;
}

template <class T>
void nll_grad_t(const detail::NllPlan& p, const LossOptions& o, const TensorView* g, double tw,
                Tensor& grad) {
  T* gp = grad.as<T>();
  std::fill(gp, gp + grad.numel(), T(0));
  detail::nll_scatter_grad<T>(p, o.reduction, g ? g->as<T>() : nullptr, static_cast<T>(tw), gp);
}

Result<Tensor> nll_backward(const TensorView& input, const TensorView& target, const LossOptions& o,
                            const TensorView* grad_output) {
  auto plan = detail::nll_plan(input, target, o.weight, o.ignore_index, o.reduction);
  if (!plan) return plan.error();
  const detail::NllPlan& p = plan.value();
  const bool none = o.reduction == Reduction::None && !p.one_d;
  if (auto st = detail::check_grad_output(grad_output, none ? p.out_shape : Shape{}, o.reduction,
                                          p.dtype);
      !st)
    return st.error();
  const double tw =
      o.reduction == Reduction::Mean ? detail::nll_total_weight(p, !o.force_scalar) : 1.0;
  Tensor grad(input.dtype, input.shape);
  if (!grad.ok()) return oom_error(std::to_string(grad.nbytes()) + " bytes");
  if (input.dtype == DType::Float32)
    nll_grad_t<float>(p, o, grad_output, tw, grad);
  else
    nll_grad_t<double>(p, o, grad_output, tw, grad);
  return grad;
}

}  // namespace

extern const LossSpec kNllLoss{
    "nll_loss",
    "NLLLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating, true},
     {"target", OperandRole::Target, kInteger, false}},
    {opt_tensor("weight", &LossOptions::weight, "a manual rescaling weight per class, shape (C,)"),
     opt_int("ignore_index", &LossOptions::ignore_index, -100,
             "a target value that is ignored (no loss, no gradient, not in the mean)")},
    false,
    kTargetIndex,
    "log-probability",
    "l_i = -w[y_i] x[i, y_i];  mean = sum / sum_i w[y_i]",
    nullptr,
    &forward2<&nll_forward>,
    &backward2<&nll_backward>,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
