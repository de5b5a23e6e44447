// What the two margin losses written as torch 1.13's CPU frame kernels share
// (multi_margin_loss: LossMultiMargin.cpp, multilabel_margin_loss: LossMultiLabelMargin.cpp):
//   * input_frames(): the input as frames, with torch's check of its shape (a 0-d / 1-D input is
//     one frame of C values, a 2-D one N frames of C; C = 0 or more dims is the error);
//   * forward(): the result tensor (N = 0 handled), the kernel writes the values;
//   * backward(): grad_output checked, d l / d input by the kernel, then the upstream value
//     multiplied last, as torch's backward kernels do; grad_scale() is their per-pair factor.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "losslab/detail/elementwise.hpp"
#include "losslab/loss.hpp"

namespace losslab::frame {

struct Plan {
  int64_t nframe = 0, dim = 0;
  Shape out_shape;     // {} for a 0-d result ('mean' / 'sum', or 'none' of a 0-d / 1-D target)
  bool empty = false;  // input.numel() == 0: torch returns before looking at any data
};

// nframe and dim of x, or torch's error for a shape its kernels do not take.
inline Status input_frames(const TensorView& x, Plan& p) {
  const int64_t nd = x.dim();
  const bool valid = (nd == 2 && x.shape[1] != 0) || (nd == 1 && x.shape[0] != 0) || nd == 0;
  if (!valid)
    return runtime_error(
        "Expected non-empty vector or matrix with optional 0-dim batch size, but got: " +
        shape_str(x.shape));
  p.nframe = nd <= 1 ? 1 : x.shape[0];
  p.dim = nd == 0 ? 1 : x.shape[nd - 1];
  return Ok{};
}

// The loss's value: kern(p, T* out) fills the result of shape p.out_shape, T the input's dtype.
template <class Kern>
Result<LossOutput> forward(const LossCall& c, const Result<Plan>& plan, const Kern& kern) {
  if (!plan) return plan.error();
  const Plan& p = plan.value();
  LossOutput out;
  out.value = Tensor(c[0].dtype, p.out_shape);
  if (p.empty) {
    // N = 0: torch 1.13 returns an empty 'none' result, but for 'mean' / 'sum' an uninitialised
    // 0-d tensor; losslab returns what is meant: the mean of nothing (NaN) and the empty sum (0).
    if (!out.value.ok()) return oom_error("a scalar");
    if (p.out_shape.empty()) {
      const double v =
          c.options.reduction == Reduction::Mean ? std::numeric_limits<double>::quiet_NaN() : 0.0;
      if (c[0].dtype == DType::Float32)
        *out.value.as<float>() = static_cast<float>(v);
      else
        *out.value.as<double>() = v;
    }
    return out;
  }
  if (!out.value.ok()) return oom_error(std::to_string(out.value.nbytes()) + " bytes");
  if (c[0].dtype == DType::Float32)
    kern(p, out.value.as<float>());
  else
    kern(p, out.value.as<double>());
  return out;
}

// The backward kernels' factor per active pair: (T)(1 / (N C)) for 'mean', (T)(1 / C) otherwise.
template <class T>
T grad_scale(Reduction r, int64_t N, int64_t C) {
  return static_cast<T>(r == Reduction::Mean ? 1. / static_cast<double>(N * C)
                                             : 1. / static_cast<double>(C));
}

// d l / d input: kern(p, T* gi) writes the gradient for a unit upstream value (every element of
// the N x C input), which then multiplies each frame's values (one value for a reduced loss or a
// 0-d grad_output).
template <class Kern>
Result<LossGrads> backward(const LossCall& c, const Plan& p, const TensorView* g, unsigned want,
                           const Kern& kern) {
  LossGrads out(2);
  if (auto st = detail::check_grad_output(g, p.out_shape, c.options.reduction, c[0].dtype); !st)
    return st.error();
  if (!(want & want_bit(0)) || !dtype_is_floating(c[0].dtype)) return out;
  Tensor gi(c[0].dtype, c[0].shape);
  if (!gi.ok()) return oom_error(std::to_string(gi.nbytes()) + " bytes");
  const auto run = [&](auto* gv) {
    using T = std::remove_pointer_t<decltype(gv)>;
    kern(p, gv);
    if (!g) return;  // ones: the multiplication by 1 changes nothing
    const int64_t N = p.nframe, C = p.dim;
    if (c.options.reduction != Reduction::None || g->dim() == 0) {
      const T d = *g->as<T>();
      for (int64_t i = 0; i < N * C; ++i) gv[i] = gv[i] * d;
    } else {
      const T* u = g->as<T>();
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < C; ++i) gv[n * C + i] = gv[n * C + i] * u[n];
    }
  };
  if (!p.empty) {
    if (c[0].dtype == DType::Float32)
      run(gi.as<float>());
    else
      run(gi.as<double>());
  }
  out[0] = std::move(gi);
  return out;
}

}  // namespace losslab::frame
