// multi_margin_loss (nn.MultiMarginLoss), torch 1.13's CPU kernel (LossMultiMargin.cpp):
//   l_n = (1/C) sum_{i != y} w[y] max(0, (margin - x[y]) + x[i])^p,  p in {1, 2},
// each frame summed in the dtype in class order, divided by C in the dtype; 'mean' and 'sum'
// add the frame values in double, 'mean' divides by N in double, then one cast.
// d l / d x[i] = w[y] g (p = 1) or w[y] 2 g z (p = 2) where z > 0, d l / d x[y] = -(their sum),
// with g = (T)(1 / (N C)) for 'mean', (T)(1 / C) otherwise; the upstream value multiplies last.
// Every operation is torch's, in its order: values and gradients are bit-exact, and the SIMD
// kernel (one row per lane, so each lane keeps the scalar order) equals the scalar reference.
#include <cstring>
#include <string>
#include <vector>

#include "frame_common.hpp"
#include "losslab/registry.hpp"

namespace losslab {
namespace {

using frame::Plan;

// torch's checks, in its order (the Python ones are the option range and mm_check).
Result<Plan> make_plan(const LossCall& c) {
  const TensorView& x = c[0];
  const TensorView& y = c[1];
  const auto& w = c.options.weight;
  Plan p;
  if (auto st = frame::input_frames(x, p); !st) return st.error();
  if (!(y.dim() <= 1 && y.numel() == p.nframe))
    return runtime_error("inconsistent target size, got: " + shape_str(y.shape));
  // torch 1.13 reads w[y] past the end of a weight shorter than C; later versions reject it
  // with this message, and so does losslab.
  if (w && w->numel() < p.dim)
    return runtime_error("inconsistent weight size, expected " + std::to_string(p.dim) +
                         " but got " + shape_str(w->shape));
  if (c.options.reduction == Reduction::None && y.dim() > 0) p.out_shape = {p.nframe};
  p.empty = x.numel() == 0;
  if (p.empty && (c.options.reduction == Reduction::None || dtype_is_floating(x.dtype))) return p;
  if (!dtype_is_floating(x.dtype))
    return runtime_error(std::string("\"multi_margin_loss_cpu_kernel\" not implemented for '") +
                         dtype_torch_name(x.dtype) + "'");
  if (y.dtype != DType::Int64)
    return runtime_error(std::string("expected scalar type Long but found ") +
                         dtype_torch_name(y.dtype));
  if (w && w->dtype != x.dtype)
    return runtime_error(std::string("expected scalar type ") + dtype_torch_name(x.dtype) +
                         " but found " + dtype_torch_name(w->dtype));
  const int64_t* t = y.as<int64_t>();
  for (int64_t n = 0; n < p.nframe; ++n)
    if (t[n] < 0 || t[n] >= p.dim) return runtime_error("target out of range");
  return p;
}

// Python's checks: p is 1 or 2, then the weight must be 1-D.
Status mm_check(const LossCall& c) {
  // torch's Python: `if p != 1 and p != 2` (so 2.0 is fine; the range check took NaN, 3, 0.5).
  if (c.options.p != 1 && c.options.p != 2) return value_error("only p == 1 and p == 2 supported");
  if (c.options.weight && c.options.weight->dim() != 1)
    return value_error("weight must be one-dimensional");
  return Ok{};
}

// One frame, torch's multi_margin_inner_sum_cpu.
template <class T>
T frame_scalar(const T* x, int64_t y, const T* w, bool p2, T margin, int64_t C) {
  const T xy = x[y];
  T sum = 0;
  for (int64_t d = 0; d < C; ++d) {
    if (d == y) continue;
    const T z = margin - xy + x[d];
    if (z > 0) {
      T h = p2 ? z * z : z;
      if (w) h = h * w[y];
      sum = sum + h;
    }
  }
  return sum / static_cast<T>(C);
}

// The frame values of rows [0, N) into out. SIMD: one row per lane over a transposed block of
// rows, so each lane adds in class order exactly as the scalar loop; a masked-out class adds +0,
// which leaves the sum unchanged (it starts at +0 and so is never -0).
template <class T>
void frames(const T* x, const int64_t* t, const T* w, bool p2, T margin, int64_t N, int64_t C,
            T* out, bool simd) {
  int64_t n = 0;
#if LOSSLAB_HAVE_SIMD
  using B = xsimd::batch<T>;
  constexpr int64_t L = static_cast<int64_t>(B::size);
  // (T)d must be exact for the class comparison; keep the transposed block small.
  if (simd && N >= L && C <= (int64_t{1} << 24) && C * L <= (int64_t{1} << 16)) {
    std::vector<T> col(static_cast<std::size_t>(C * L));
    alignas(64) T xy[B::size], yv[B::size], wy[B::size], res[B::size];
    const B zero(T(0)), mb(margin), Cb(static_cast<T>(C));
    for (; n + L <= N; n += L) {
      for (int64_t k = 0; k < L; ++k) {
        const T* row = x + (n + k) * C;
        const int64_t y = t[n + k];
        xy[k] = row[y];
        yv[k] = static_cast<T>(y);
        wy[k] = w ? w[y] : T(1);
        for (int64_t d = 0; d < C; ++d) col[static_cast<std::size_t>(d * L + k)] = row[d];
      }
      const B my = mb - B::load_aligned(xy), yb = B::load_aligned(yv), wb = B::load_aligned(wy);
      B sum = zero;
      for (int64_t d = 0; d < C; ++d) {
        const B z = my + B::load_unaligned(col.data() + d * L);
        B h = p2 ? z * z : z;
        if (w) h = h * wb;
        sum = sum + xsimd::select((z > zero) & (yb != B(static_cast<T>(d))), h, zero);
      }
      (sum / Cb).store_aligned(res);
      std::memcpy(out + n, res, sizeof res);
    }
  }
#endif
  (void)simd;
  for (; n < N; ++n) out[n] = frame_scalar(x + n * C, t[n], w, p2, margin, C);
}

template <class T>
void forward_t(const LossCall& c, const Plan& p, T* out) {
  const LossOptions& o = c.options;
  const bool reduced_out = p.out_shape.empty();
  std::vector<T> fr(static_cast<std::size_t>(reduced_out ? p.nframe : 0));
  frames<T>(c[0].as<T>(), c[1].as<int64_t>(), o.weight ? o.weight->as<T>() : nullptr, o.p == 2,
            static_cast<T>(o.margin), p.nframe, p.dim, reduced_out ? fr.data() : out,
            !o.force_scalar);
  if (reduced_out) {
    double sum = 0;  // accscalar_t
    for (int64_t n = 0; n < p.nframe; ++n)
      sum += static_cast<double>(fr[static_cast<std::size_t>(n)]);
    if (o.reduction == Reduction::Mean) sum /= static_cast<double>(p.nframe);
    *out = static_cast<T>(sum);
  }
}

Result<LossOutput> mm_forward(const LossCall& c) {
  return frame::forward(c, make_plan(c), [&](const Plan& p, auto* out) { forward_t(c, p, out); });
}

// torch's multi_margin_loss_backward_cpu_kernel, for a unit upstream value.
template <class T>
void backward_t(const LossCall& c, const Plan& p, T* gi) {
  const LossOptions& o = c.options;
  const T* x = c[0].as<T>();
  const int64_t* t = c[1].as<int64_t>();
  const T* w = o.weight ? o.weight->as<T>() : nullptr;
  const T margin = static_cast<T>(o.margin);
  const int64_t N = p.nframe, C = p.dim;
  const T gs = frame::grad_scale<T>(o.reduction, N, C);
  const bool p2 = o.p == 2;
  for (int64_t n = 0; n < N; ++n) {
    const T* xr = x + n * C;
    T* gr = gi + n * C;
    const int64_t y = t[n];
    const T xy = xr[y];
    T gy = 0;
    for (int64_t d = 0; d < C; ++d) {
      if (d == y) continue;
      const T z = margin - xy + xr[d];
      if (z > 0) {
        T h = p2 ? T(2) * gs * z : gs;
        if (w) h = h * w[y];
        gy = gy - h;
        gr[d] = h;
      } else {
        gr[d] = 0;
      }
    }
    gr[y] = gy;
  }
}

Result<LossGrads> mm_backward(const LossCall& c, const TensorView* g, unsigned want) {
  auto plan = make_plan(c);
  if (!plan) return plan.error();
  return frame::backward(c, plan.value(), g, want,
                         [&](const Plan& p, auto* gi) { backward_t(c, p, gi); });
}

}  // namespace

extern const LossSpec kMultiMarginLoss{
    "multi_margin_loss",
    "MultiMarginLoss",
    FnKind::Loss,
    {{"input", OperandRole::Input, kFloating | kInteger, true},
     {"target", OperandRole::Target, kInteger, false}},
    {opt_float("p", &LossOptions::p, 1.0, "the exponent of the hinge: 1 or 2",
               OptionRange{1, 2, true, true, "only p == 1 and p == 2 supported", "ValueError"}),
     opt_float("margin", &LossOptions::margin, 1.0, "the margin each wrong class must keep"),
     opt_tensor("weight", &LossOptions::weight,
                "a weight per class, shape (C,), applied by the target class")},
    false,
    kTargetIndex,
    "any",
    "l_n = (1/C) sum_{i != y_n} w[y_n] max(0, margin - x[n, y_n] + x[n, i])^p",
    &mm_check,
    &mm_forward,
    &mm_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
