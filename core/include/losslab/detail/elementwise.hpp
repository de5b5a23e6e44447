// The shared driver of the elementwise losses (mse, l1, smooth_l1, huber, bce,
// bce_with_logits, kl_div). Each loss file supplies an Op:
//   static constexpr EwInfo kInfo;                       // name, shape/dtype rules
//   template <class T> static T scalar(T x, T y, T pw, const EwParams<T>&);   // reference
//   template <class B, class T>                                                      // xsimd
//   static B simd(B x, B y, B pw, const EwParams<T>&, const SimdK<B>&);
//   template <class T> static T grad(T x, T y, T pw, const EwParams<T>&);     // d l / d x
// or, instead of grad, when PyTorch's backward multiplies the upstream gradient g inside its
// formula (so 'none' gradients round exactly as torch's do):
//   template <class T> static T grad_upstream(T x, T y, T pw, T g, const EwParams<T>&);
// and the driver does validation, broadcasting, the SIMD loop with a padded tail (so every
// element goes through the same kernel), the weight multiply, torch's reduction order, and the
// gradient (scaled by the upstream gradient and the reduction's factor, summed back over
// broadcast dimensions).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "losslab/detail/simd_math.hpp"
#include "losslab/loss.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab::detail {

enum class ShapeRule {
  BroadcastWarn,    // mse/l1/smooth_l1/huber: broadcast, UserWarning when sizes differ
  BroadcastSilent,  // kl_div
  SameSizeBce,      // binary_cross_entropy: ValueError "Using a target size ... is deprecated"
  SameSizeLogits,   // bce_with_logits: ValueError "Target size ... must be the same as ..."
};

struct EwInfo {
  const char* name;
  ShapeRule rule;
  bool uses_weight;
  bool uses_pos_weight;
  // torch's backward runs the kernel with the unscaled upstream gradient, multiplies by the
  // weight, and only then divides by N for 'mean' (binary_cross_entropy_backward's
  // grad_input.div_(numel)); otherwise the reduction's factor is folded into the upstream one.
  bool divides_last = false;
  // torch's backward kernel is norm * (...) * g with norm the reduction's factor (1/N for
  // 'mean') multiplied first (mse_loss_backward): grad_upstream gets the unscaled upstream g and
  // the factor in EwParams::norm. (Scaling g first overflows where torch's gradient is finite.)
  bool scale_first = false;
};

template <class T>
struct EwParams {
  T beta = 1;
  T delta = 1;
  bool log_target = false;
  // A pos_weight tensor was given (the kernels then get pw = 1 where it is absent, but
  // binary_cross_entropy_with_logits evaluates a differently associated formula with one).
  bool has_pos_weight = false;
  T norm = 1;  // EwInfo::scale_first: the reduction's factor
};

// Whether Op has grad_upstream (see the top of this file).
template <class Op, class T, class = void>
struct HasGradUpstream : std::false_type {};
template <class Op, class T>
struct HasGradUpstream<Op, T,
                       std::void_t<decltype(Op::grad_upstream(T(), T(), T(), T(),
                                                              std::declval<const EwParams<T>&>()))>>
    : std::true_type {};

// Inputs made contiguous, broadcast and of one floating dtype; owns whatever it had to copy.
struct EwPrepared {
  DType dtype = DType::Float32;
  const Shape* in_shape = nullptr;  // the input view's (ew_prepare's caller keeps it alive)
  Shape out_shape;
  int64_t n = 0;
  const void* x = nullptr;
  const void* y = nullptr;
  const void* w = nullptr;   // null: no weight
  const void* pw = nullptr;  // null: no pos_weight
  Tensor own[4];
  std::vector<std::string> warnings;
};

// (Fills `a`, which the caller keeps: returning the struct would move four tensors twice.)
Status ew_prepare(const EwInfo& info, const TensorView& input, const TensorView& target,
                  const LossOptions& o, EwPrepared& a);

#if LOSSLAB_HAVE_SIMD
template <class T>
xsimd::batch<T> load_tail(const T* p, int64_t cnt, T fill) {
  alignas(64) T buf[xsimd::batch<T>::size];
  for (std::size_t k = 0; k < xsimd::batch<T>::size; ++k)
    buf[k] = static_cast<int64_t>(k) < cnt ? p[k] : fill;
  return xsimd::batch<T>::load_aligned(buf);
}
#endif

// Per element loss (with weight) of elements [i0, i0 + n), written to out[0, n).
template <class Op, class T>
void ew_values(const EwPrepared& a, int64_t i0, int64_t n, T* out, const EwParams<T>& p,
               bool simd) {
  const T* x = static_cast<const T*>(a.x) + i0;
  const T* y = static_cast<const T*>(a.y) + i0;
  const T* w = a.w ? static_cast<const T*>(a.w) + i0 : nullptr;
  const T* pw = a.pw ? static_cast<const T*>(a.pw) + i0 : nullptr;
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if (simd) {
    using B = xsimd::batch<T>;
    constexpr int64_t L = static_cast<int64_t>(B::size);
    static const SimdK<B> k;  // the kernels' constants, made once (not per block)
    const B one = k.one;
    for (; i + L <= n; i += L) {
      B l = Op::simd(B::load_unaligned(x + i), B::load_unaligned(y + i),
                     pw ? B::load_unaligned(pw + i) : one, p, k);
      if (w) l = l * B::load_unaligned(w + i);
      l.store_unaligned(out + i);
    }
    if (i < n) {
      const int64_t r = n - i;
      B l = Op::simd(load_tail(x + i, r, T(0.5)), load_tail(y + i, r, T(0.5)),
                     pw ? load_tail(pw + i, r, T(1)) : one, p, k);
      if (w) l = l * load_tail(w + i, r, T(1));
      alignas(64) T buf[B::size];
      l.store_aligned(buf);
      std::memcpy(out + i, buf, static_cast<std::size_t>(r) * sizeof(T));
    }
    return;
  }
#endif
  (void)simd;
  for (; i < n; ++i) {
    T l = Op::scalar(x[i], y[i], pw ? pw[i] : T(1), p);
    if (w) l = l * w[i];
    out[i] = l;
  }
}

// f(i0, m) over [0, n) in fixed chunks of kParallelTaskValues, on the core's threads when n is
// large enough: for elementwise work, whose results do not depend on how it is cut.
template <class F>
void ew_chunks(int64_t n, const F& f) {
  constexpr int64_t kChunk = kParallelTaskValues;
  if (n < kParallelMinValues) {
    f(int64_t(0), n);
    return;
  }
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t t) {
    const int64_t i0 = t * kChunk;
    f(i0, std::min(kChunk, n - i0));
  });
}

template <class Op, class T>
void ew_none(const EwPrepared& a, T* out, const EwParams<T>& p, bool simd) {
  ew_chunks(a.n, [&](int64_t i0, int64_t m) { ew_values<Op>(a, i0, m, out + i0, p, simd); });
}

// Sum of the per element losses in torch 1.13's order: torch computes the 'none' tensor and then
// `.sum()` / `.mean()` (ATen's cascade sum, torch_sum.hpp), so the values are made a block at a
// time by the same kernels as 'none' and fed to that cascade in index order.
// (torch_sum_source: blocks of values made and summed on the core's threads, same bits.)
template <class Op, class T>
T ew_sum(const EwPrepared& a, const EwParams<T>& p, bool simd) {
  return torch_sum_source<T>(a.n, [&](int64_t i0, int64_t m, T* buf) {
    ew_values<Op>(a, i0, m, buf, p, simd);
    return static_cast<const T*>(buf);
  });
}

// torch's reduction of a sum s of n values: 'mean' = s / n and 'batchmean' = s / batch, each one
// division in the dtype (n converted to it), 'sum' = s.
template <class T>
T torch_reduce(T s, int64_t n, Reduction r, int64_t batch) {
  if (r == Reduction::Mean) return s / static_cast<T>(n);
  if (r == Reduction::BatchMean) return s / static_cast<T>(batch);
  return s;
}

template <class T>
EwParams<T> ew_params(const LossOptions& o, const EwPrepared& a) {
  EwParams<T> p;
  p.beta = static_cast<T>(o.beta);
  p.delta = static_cast<T>(o.delta);
  p.log_target = o.log_target;
  p.has_pos_weight = a.pw != nullptr;
  return p;
}

// Validates the options every elementwise loss shares; the per-loss checks come first.
template <class Op>
Result<LossOutput> ew_forward(const TensorView& input, const TensorView& target,
                              const LossOptions& o) {
  EwPrepared a;
  if (auto st = ew_prepare(Op::kInfo, input, target, o, a); !st) return st.error();
  const bool simd = !o.force_scalar;
  LossOutput out;
  out.warnings = std::move(a.warnings);
  const int64_t batch = a.in_shape->empty() ? 1 : (*a.in_shape)[0];
  if (o.reduction == Reduction::None) {
    out.value = Tensor(a.dtype, a.out_shape);
    if (!out.value.ok()) return oom_error(std::to_string(out.value.nbytes()) + " bytes");
    if (a.dtype == DType::Float32)
      ew_none<Op>(a, out.value.as<float>(), ew_params<float>(o, a), simd);
    else
      ew_none<Op>(a, out.value.as<double>(), ew_params<double>(o, a), simd);
    return out;
  }
  out.value = Tensor(a.dtype, Shape{});
  if (!out.value.ok()) return oom_error("a scalar");
  if (a.dtype == DType::Float32) {
    const float s = ew_sum<Op>(a, ew_params<float>(o, a), simd);
    *out.value.as<float>() = torch_reduce(s, a.n, o.reduction, batch);
  } else {
    const double s = ew_sum<Op>(a, ew_params<double>(o, a), simd);
    *out.value.as<double>() = torch_reduce(s, a.n, o.reduction, batch);
  }
  return out;
}

// div != 0: each gradient / div last (divides_last: torch's div_ by the integer numel, converted
// to the dtype first), in the same pass.
template <class Op, class T>
void ew_grad(const EwPrepared& a, const T* g, T gscale, T* out, const EwParams<T>& p, T div) {
  const T* x = static_cast<const T*>(a.x);
  const T* y = static_cast<const T*>(a.y);
  const T* w = static_cast<const T*>(a.w);
  const T* pw = static_cast<const T*>(a.pw);
  ew_chunks(a.n, [&](int64_t i0, int64_t m) {
    for (int64_t i = i0; i < i0 + m; ++i) {
      if constexpr (HasGradUpstream<Op, T>::value) {
        T d = Op::grad_upstream(x[i], y[i], pw ? pw[i] : T(1), g ? g[i] : gscale, p);
        if (w) d = d * w[i];
        out[i] = div != T(0) ? d / div : d;
      } else {
        T d = Op::grad(x[i], y[i], pw ? pw[i] : T(1), p);
        if (w) d = d * w[i];
        d = g ? d * g[i] : d * gscale;
        out[i] = div != T(0) ? d / div : d;
      }
    }
  });
}

Result<Tensor> ew_finish_grad(Tensor full, const EwPrepared& a);
Status check_grad_output(const TensorView* g, const Shape& expected, Reduction r, DType dtype);

template <class Op>
Result<Tensor> ew_backward(const TensorView& input, const TensorView& target, const LossOptions& o,
                           const TensorView* grad_output) {
  EwPrepared a;
  if (auto st = ew_prepare(Op::kInfo, input, target, o, a); !st) return st.error();
  const Shape expected = o.reduction == Reduction::None ? a.out_shape : Shape{};
  if (auto st = check_grad_output(grad_output, expected, o.reduction, a.dtype); !st)
    return st.error();
  const int64_t batch = a.in_shape->empty() ? 1 : (*a.in_shape)[0];
  Tensor full(a.dtype, a.out_shape);
  if (!full.ok()) return oom_error(std::to_string(full.nbytes()) + " bytes");
  double g0 = 1.0;
  if (grad_output && o.reduction != Reduction::None)
    g0 = a.dtype == DType::Float32 ? *grad_output->as<float>() : *grad_output->as<double>();
  const bool last = Op::kInfo.divides_last && o.reduction == Reduction::Mean;
  const bool first = Op::kInfo.scale_first;
  const double factor = reduction_grad_scale(a.n, o.reduction, batch);
  const double scale = last || first ? g0 : g0 * factor;
  if (a.dtype == DType::Float32) {
    const float* g =
        (grad_output && o.reduction == Reduction::None) ? grad_output->as<float>() : nullptr;
    EwParams<float> p = ew_params<float>(o, a);
    if (first) p.norm = static_cast<float>(factor);
    ew_grad<Op>(a, g, static_cast<float>(scale), full.as<float>(), p,
                last ? static_cast<float>(a.n) : 0.0f);
  } else {
    const double* g =
        (grad_output && o.reduction == Reduction::None) ? grad_output->as<double>() : nullptr;
    EwParams<double> p = ew_params<double>(o, a);
    if (first) p.norm = factor;
    ew_grad<Op>(a, g, scale, full.as<double>(), p, last ? static_cast<double>(a.n) : 0.0);
  }
  return ew_finish_grad(std::move(full), a);
}

}  // namespace losslab::detail
