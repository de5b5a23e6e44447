// nll_loss's core (core/src/losses/nll_loss.cpp), shared with cross_entropy: target validation,
// the plan of a call, torch 1.13's 8-level cascade reduction bit for bit, and the gradient
// scatter. The softmax half of the family is detail/softmax.hpp.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>

#include "losslab/detail/softmax.hpp"
#include "losslab/loss.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab::detail {

// A validated nll_loss call on an input of shape in_shape (log-probabilities, or the logits whose
// log_softmax cross_entropy feeds in).
struct NllPlan {
  DType dtype = DType::Float32;
  SmGeom geom;         // (N, C, map) around the class dim (1-D input: outer = 1, C)
  int64_t rows = 0;    // targets used: N * map (1 for a 1-D input)
  bool one_d = false;  // (C,) input: the result is 0-d even for 'none'
  Shape out_shape;     // 'none' result shape
  const int64_t* t = nullptr;
  const void* w = nullptr;  // weight data (input dtype) or nullptr
  int64_t ignore_index = -100;
  int64_t num_ignored = 0;
  bool ignored(int64_t r) const { return t[r] == ignore_index; }
};

// nll_loss_nd's checks, in torch 1.13's order, with its exception types and texts. For
// cross_entropy, `input` is the (already validated) logits tensor.
Result<NllPlan> nll_plan(const TensorView& input, const TensorView& target,
                         const std::optional<TensorView>& weight, int64_t ignore_index,
                         Reduction reduction);

// Produces picked log-probabilities for positions [r0, r1) (+0 where ignored), dtype T.
using PickFn = void (*)(const void* ctx, int64_t r0, int64_t r1, void* v);

// The nll_loss forward from picked values: 'none' per position (-(v) * w, 0 where ignored),
// else the cascade; *total_weight (if given) receives torch's total_weight.
Result<Tensor> nll_reduce(const NllPlan& p, Reduction r, bool simd, PickFn pick, const void* ctx,
                          double* total_weight);

// torch's total_weight: the cascade sum of w[y] over the non-ignored targets, or their count.
double nll_total_weight(const NllPlan& p, bool simd);

// The gradient nll_loss writes at [o, y_r, i] for position r (not ignored).
template <class T>
T nll_grad_entry(const NllPlan& p, Reduction red, const T* g, T total_weight, int64_t r) {
  const T* w = static_cast<const T*>(p.w);
  const int64_t t = p.t[r];
  if (red == Reduction::None && !p.one_d) return (w ? -w[t] : T(-1)) * (g ? g[r] : T(1));
  const T g0 = g ? g[0] : T(1);
  const T s = -(red == Reduction::Mean ? g0 / total_weight : g0);
  return w ? w[t] * s : s;
}

// d nll / d (picked log-probability) for every position: the value written at [o, t, i]
// (0 where ignored): 'none': (-w) * g_r; 'mean': w * -(g / total_weight); 'sum': w * -g
// (without a weight, the factor is the bare -g or -(g / total_weight)).
// Writes into grad (zero-filled by the caller, input layout). g: upstream gradient (nullptr = 1).
template <class T>
void nll_scatter_grad(const NllPlan& p, Reduction r, const T* g, T total_weight, T* grad);

// ---------------------------------------------------------------------------------------------
// torch 1.13's cascade sum of LossNLL.cpp / LossNLL2d.cpp
// ---------------------------------------------------------------------------------------------

inline int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  uint64_t v = static_cast<uint64_t>(x) - 1;
  int64_t bits = 0;
  while (v) {
    ++bits;
    v >>= 1;
  }
  return bits;
}

// For every non-ignored element b, in order: loss[0] -= v_b (weighted: v_b = x * w, and
// wsum[0] += w); then for j = 0..6, if the j-th group of level_power bits of b is all zero,
// level j is carried into level j + 1. Ignored elements take no step at all. The totals are
// the levels added in order.
template <class T>
class NllCascade {
 public:
  static constexpr int kLevels = 8;
  explicit NllCascade(int64_t numiter, bool weighted)
      : power_(std::max<int64_t>(4, ceil_log2(numiter) / kLevels)),
        mask_((int64_t(1) << power_) - 1),
        weighted_(weighted) {}

  // Threads: a level-2 block is the elements (k B, (k + 1) B], B = 2^(2 level_power). With no
  // ignored element, levels 0 and 1 are zero when a block starts, and the block's last element
  // carries level 1 into level 2, so a block's level-1 value depends on its elements alone.
  // block() is a cascade with this one's level_power that stops before level 2 (run() its B
  // elements, then read block_loss()/block_weight()); add_block() replays the carry of block k's
  // value into this cascade, the same roundings as running its elements here.
  int64_t block_elems() const { return int64_t(1) << (2 * power_); }
  NllCascade block() const {
    NllCascade c(*this);
    for (int j = 0; j < kLevels; ++j) c.loss_[j] = c.wsum_[j] = T(0);
    c.levels_ = 2;
    return c;
  }
  T block_loss() const { return loss_[1]; }
  T block_weight() const { return wsum_[1]; }
  void add_block(int64_t k, T loss1, T w1) {
    loss_[1] = loss1;
    if (weighted_) wsum_[1] = w1;
    carry_from(1, (k + 1) * block_elems());
  }

  // Elements [b0, b1): vals[b - b0] = x_b (or x_b * w_b), wts[b - b0] = w_b (weighted only),
  // both +0 where ignored(b). fast=false runs torch's loop element by element; fast=true sums
  // whole groups (2^level_power elements ending on a carry) side by side, which is the same
  // sequence of roundings as long as the group's last element is not ignored (checked).
  template <class Ignored>
  void run(int64_t b0, int64_t b1, const T* vals, const T* wts, const Ignored& ignored, bool fast) {
    int64_t b = b0;
    const int64_t gsize = mask_ + 1;
    constexpr int kGroups = 8;
    while (b < b1) {
      if (fast && (b & mask_) == 1) {
        int64_t ng = std::min<int64_t>(kGroups, (b1 - b) / gsize);
        for (int64_t k = 0; k < ng; ++k)
          if (ignored(b + gsize * k + gsize - 1)) {
            ng = k;
            break;
          }
        if (ng > 0) {
          T acc[kGroups], wacc[kGroups];
          for (int64_t k = 0; k < ng; ++k) acc[k] = wacc[k] = T(0);
          acc[0] = loss_[0];
          wacc[0] = wsum_[0];
          const T* v = vals + (b - b0);
          for (int64_t i = 0; i < gsize; ++i)
            for (int64_t k = 0; k < ng; ++k) acc[k] = acc[k] - v[gsize * k + i];
          if (weighted_) {
            const T* w = wts + (b - b0);
            for (int64_t i = 0; i < gsize; ++i)
              for (int64_t k = 0; k < ng; ++k) wacc[k] = wacc[k] + w[gsize * k + i];
          }
          for (int64_t k = 0; k < ng; ++k) {
            loss_[0] = acc[k];
            if (weighted_) wsum_[0] = wacc[k];
            carry(b + gsize * k + gsize - 1);
          }
          b += gsize * ng;
          continue;
        }
      }
      if (!ignored(b)) {
        loss_[0] = loss_[0] - vals[b - b0];
        if (weighted_) wsum_[0] = wsum_[0] + wts[b - b0];
        carry(b);
      }
      ++b;
    }
  }

  T loss() const {
    T s = T(0);
    for (T v : loss_) s = s + v;
    return s;
  }
  T weight() const {
    T s = T(0);
    for (T v : wsum_) s = s + v;
    return s;
  }

 private:
  void carry(int64_t b) { carry_from(0, b); }
  void carry_from(int j0, int64_t b) {
    for (int j = j0; j + 1 < levels_; ++j) {
      if ((b & (mask_ << (j * power_))) != 0) break;
      loss_[j + 1] = loss_[j + 1] + loss_[j];
      loss_[j] = T(0);
      if (weighted_) {
        wsum_[j + 1] = wsum_[j + 1] + wsum_[j];
        wsum_[j] = T(0);
      }
    }
  }
  int64_t power_, mask_;
  bool weighted_;
  int levels_ = kLevels;
  T loss_[kLevels] = {};
  T wsum_[kLevels] = {};
};

}  // namespace losslab::detail
