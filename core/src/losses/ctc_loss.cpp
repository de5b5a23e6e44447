// ctc_loss (nn.CTCLoss): l_b = -log sum over the alignments of targets[b] to the first
// input_lengths[b] frames of prod_t exp(log_probs[t, b, pi_t]) (blank-separated label paths).
// torch 1.13's LossCTC.cpp on the CPU, step for step: the alpha recursion in log space with the
// same max-shifted three-term log-sum-exp, the same order of additions, target length 0 as
// -alpha[T'-1][0], beta and the collected alpha*beta for the gradient
// (exp(lp) - exp((lcab + nll) - lp)) * g, zero for t >= input_length; zero_infinity as
// where(loss == inf, 0, loss) with that sample's gradient zeroed; 'mean' = (loss /
// clamp_min(target_lengths, 1)).mean(), 'sum' = loss.sum() in torch's summation order.
//
// exp and log: torch calls the C library's scalar expf/logf (exp/log for float64), and so does
// this: glibc's natively, musl's under WebAssembly. Both libraries use the same algorithms (ARM's
// optimized-routines exp, expf, log, logf, evaluated in double), so they give the same bits except
// where glibc's FMA variant (selected on CPUs with FMA) and musl's separate multiply and add round
// the double intermediate differently and that moves the float result across a rounding
// boundary, about 2^-29 of arguments. On the torch fixtures every value and gradient is torch's,
// bit for bit, in every build (the registry flags it exact; tests/golden/nn_losses.json).
//
// Where torch 1.13 would read out of bounds this raises instead, in torch's wording:
//   input_lengths[b] < 1:  "Expected input_lengths to have value at least 1, but got value v
//                           (while checking arguments for ctc_loss_cpu)"
//   target_lengths[b] < 0: "Expected target_lengths to have value at least 0, but got value v
//                           (while checking arguments for ctc_loss_cpu)" (torch 2's check)
//   a label read that is < 0 or >= C: "Expected targets to have value at least 0 | at most C-1,
//                           but got value v (while checking arguments for ctc_loss_cpu)"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "losslab/detail/convert.hpp"
#include "losslab/detail/loss_util.hpp"
#include "losslab/registry.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab {
namespace {

using std::to_string;
const char* const kFrom = " (while checking arguments for ctc_loss_cpu)";

// The recursion's exp and log (see the header comment). exp(0) = 1, exp(-inf) = 0 and log(1) = 0
// exactly in every one of them: one of the three log-sum-exp terms is always exp(0) and many are
// exp(-inf) (la3 at the blanks, unreachable states, the labels outside the target in the
// gradient), and a sum whose other terms are exp(-inf) is log(1), so those skip the polynomial
// (same bits, ~2x faster).
template <class T>
T ctc_exp(T x) {
  if (x == T(0)) return T(1);
  if (x == -std::numeric_limits<T>::infinity()) return T(0);
  return std::exp(x);
}
template <class T>
T ctc_log(T x) {
  if (x == T(1)) return T(0);
  return std::log(x);
}

struct CtcPlan {
  DType dtype = DType::Float32;
  bool batched = true;
  int64_t T = 0, N = 0, C = 0, blank = 0;
  std::vector<int64_t> il, tl;  // per sample
  std::vector<int64_t> off;     // where sample b's labels start in `labels`
  std::vector<int64_t> labels;  // the targets as int64 (torch's targets.to(kLong))
  const void* lp = nullptr;     // (T, N, C) contiguous
  Shape out_shape;              // 'none': (N,) or () unbatched
};

std::vector<int64_t> to_longs(const TensorView& v) {
  const auto n = static_cast<std::size_t>(v.numel());
  std::vector<int64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (v.dtype) {
      case DType::Int64: out[i] = v.as<int64_t>()[i]; break;
      case DType::Int32: out[i] = v.as<int32_t>()[i]; break;
      case DType::Bool: out[i] = v.as<bool>()[i] ? 1 : 0; break;
      case DType::Float32: out[i] = detail::convert_value<int64_t>(v.as<float>()[i]); break;
      case DType::Float64: out[i] = detail::convert_value<int64_t>(v.as<double>()[i]); break;
    }
  }
  return out;
}

Result<CtcPlan> ctc_plan(const LossCall& c) {
  const TensorView& log_probs = c[0];
  const TensorView& targets = c[1];
  const TensorView& input_lengths = c[2];
  const TensorView& target_lengths = c[3];
  CtcPlan p;
  // at::ctc_loss (the Tensor overload).
  if (dtype_is_floating(input_lengths.dtype))
    return runtime_error("input_lengths must be integral");
  if (dtype_is_floating(target_lengths.dtype))
    return runtime_error("target_lengths must be integral");
  p.il = to_longs(input_lengths);
  p.tl = to_longs(target_lengths);
  // ctc_loss_impl: unbatched (T, C) input is unsqueezed to (T, 1, C).
  const int64_t nd = log_probs.dim();
  p.batched = nd == 3;
  if (nd == 0)
    return index_error("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  const int64_t lpd = p.batched ? nd : nd + 1;
  // _ctc_loss: dispatch on the dtype, then ctc_loss_allocate_outputs' checks.
  if (!dtype_is_floating(log_probs.dtype))
    return runtime_error("\"ctc_loss_cpu\" not implemented for '" +
                         std::string(dtype_torch_name(log_probs.dtype)) + "'");
  p.dtype = log_probs.dtype;
  if (lpd != 3)
    return runtime_error("Expected 3-dimensional tensor, but got " + to_string(lpd) +
                         "-dimensional tensor for argument #1 'log_probs'" + kFrom);
  if (targets.dim() < 1 || targets.dim() > 2)
    return runtime_error("Expected 1 to 2 dimensions, but got " + to_string(targets.dim()) +
                         "-dimensional tensor for argument #2 'targets'" + kFrom);
  p.T = log_probs.shape[0];
  p.N = p.batched ? log_probs.shape[1] : 1;
  p.C = p.batched ? log_probs.shape[2] : log_probs.shape[1];
  p.blank = c.options.blank;
  if (!(0 <= p.blank && p.blank < p.C)) return runtime_error("blank must be in label range");
  if (static_cast<int64_t>(p.il.size()) != p.N)
    return runtime_error("input_lengths must be of size batch_size");
  if (static_cast<int64_t>(p.tl.size()) != p.N)
    return runtime_error("target_lengths must be of size batch_size");
  const auto neg_tl = [&](int64_t v) {
    return runtime_error("Expected target_lengths to have value at least 0, but got value " +
                         to_string(v) + kFrom);
  };
  p.off.resize(static_cast<std::size_t>(p.N));
  if (targets.dim() == 1) {  // concatenated
    int64_t pos = 0;
    for (int64_t b = 0; b < p.N; ++b) {
      const int64_t l = p.tl[static_cast<std::size_t>(b)];
      if (l < 0) return neg_tl(l);
      p.off[static_cast<std::size_t>(b)] = pos;
      pos += l;
    }
    if (targets.shape[0] != pos)
      return runtime_error("Expected tensor to have size " + to_string(pos) +
                           " at dimension 0, but got size " + to_string(targets.shape[0]) +
                           " for argument #2 'targets'" + kFrom);
  } else {  // padded (N, S)
    int64_t max_tl = 0;
    const int64_t S = targets.shape[1];
    for (int64_t b = 0; b < p.N; ++b) {
      const int64_t l = p.tl[static_cast<std::size_t>(b)];
      if (l < 0) return neg_tl(l);
      p.off[static_cast<std::size_t>(b)] = b * S;
      max_tl = std::max(max_tl, l);
    }
    if (targets.shape[0] != p.N)
      return runtime_error("Expected tensor to have size " + to_string(p.N) +
                           " at dimension 0, but got size " + to_string(targets.shape[0]) +
                           " for argument #2 'targets'" + kFrom);
    if (S < max_tl)
      return runtime_error("Expected tensor to have size at least " + to_string(max_tl) +
                           " at dimension 1, but got size " + to_string(S) +
                           " for argument #2 'targets'" + kFrom);
  }
  for (int64_t b = 0; b < p.N; ++b) {
    const int64_t l = p.il[static_cast<std::size_t>(b)];
    if (l > p.T)
      return runtime_error("Expected input_lengths to have value at most " + to_string(p.T) +
                           ", but got value " + to_string(l) + kFrom);
  }
  // log_alpha.narrow(1, 0, 1).fill_(neginf)
  if (p.T == 0) return runtime_error("start (0) + length (1) exceeds dimension size (0).");
  // Beyond torch 1.13: what it would read out of bounds.
  for (int64_t b = 0; b < p.N; ++b) {
    const int64_t l = p.il[static_cast<std::size_t>(b)];
    if (l < 1)
      return runtime_error("Expected input_lengths to have value at least 1, but got value " +
                           to_string(l) + kFrom);
  }
  p.labels = to_longs(targets);
  for (int64_t b = 0; b < p.N; ++b) {
    const auto o = static_cast<std::size_t>(p.off[static_cast<std::size_t>(b)]);
    for (int64_t i = 0; i < p.tl[static_cast<std::size_t>(b)]; ++i) {
      const int64_t v = p.labels[o + static_cast<std::size_t>(i)];
      if (v < 0)
        return runtime_error("Expected targets to have value at least 0, but got value " +
                             to_string(v) + kFrom);
      if (v >= p.C)
        return runtime_error("Expected targets to have value at most " + to_string(p.C - 1) +
                             ", but got value " + to_string(v) + kFrom);
    }
  }
  p.lp = log_probs.data;
  p.out_shape = p.batched ? Shape{p.N} : Shape{};
  return p;
}

// One sample's augmented target l' (blank, l0, blank, l1, ..., blank).
void primes_of(const CtcPlan& p, int64_t b, std::vector<int64_t>& pr) {
  const int64_t tl = p.tl[static_cast<std::size_t>(b)];
  const int64_t* lab = p.labels.data() + p.off[static_cast<std::size_t>(b)];
  pr.resize(static_cast<std::size_t>(2 * tl + 1));
  for (int64_t s = 0; s < 2 * tl + 1; ++s)
    pr[static_cast<std::size_t>(s)] = (s % 2 == 0) ? p.blank : lab[s / 2];
}

// The alpha recursion of sample b into la (input_length rows of 2 tl + 1); returns the nll.
template <class T>
T alpha_pass(const CtcPlan& p, int64_t b, const std::vector<int64_t>& pr, std::vector<T>& la) {
  constexpr T neginf = -std::numeric_limits<T>::infinity();
  const T* lp = static_cast<const T*>(p.lp);
  const int64_t il = p.il[static_cast<std::size_t>(b)];
  const int64_t tl = p.tl[static_cast<std::size_t>(b)];
  const int64_t W = 2 * tl + 1;
  const int64_t ts = p.N * p.C;  // log_probs' time stride
  const T* lpb = lp + b * p.C;
  la.assign(static_cast<std::size_t>(il * W), neginf);
  la[0] = lpb[p.blank];
  if (tl > 0) la[1] = lpb[pr[1]];
  for (int64_t t = 1; t < il; ++t) {
    const T* prev = la.data() + (t - 1) * W;
    T* cur = la.data() + t * W;
    const T* lpt = lpb + t * ts;
    for (int64_t s = 0; s < W; ++s) {
      const int64_t cp = pr[static_cast<std::size_t>(s)];
      const T la1 = prev[s];
      T lamax = la1;
      T la2, la3;
      if (s > 0) {
        la2 = prev[s - 1];
        if (la2 > lamax) lamax = la2;
      } else {
        la2 = neginf;
      }
      if (s > 1 && pr[static_cast<std::size_t>(s - 2)] != cp) {
        la3 = prev[s - 2];
        if (la3 > lamax) lamax = la3;
      } else {
        la3 = neginf;
      }
      if (lamax == neginf) lamax = 0;
      cur[s] = ctc_log(ctc_exp(la1 - lamax) + ctc_exp(la2 - lamax) + ctc_exp(la3 - lamax)) + lamax +
               lpt[cp];
    }
  }
  const T* last = la.data() + (il - 1) * W;
  if (tl == 0) return -last[0];
  const T l1 = last[2 * tl], l2 = last[2 * tl - 1];
  T m = std::max(l1, l2);
  m = (m == neginf) ? T(0) : m;
  return -(ctc_log(ctc_exp(l1 - m) + ctc_exp(l2 - m)) + m);
}

template <class T>
std::vector<T> nll_all(const CtcPlan& p) {
  std::vector<T> nll(static_cast<std::size_t>(p.N));
  std::vector<int64_t> pr;
  std::vector<T> la;
  for (int64_t b = 0; b < p.N; ++b) {
    primes_of(p, b, pr);
    nll[static_cast<std::size_t>(b)] = alpha_pass<T>(p, b, pr, la);
  }
  return nll;
}

template <class T>
Result<Tensor> forward_t(const CtcPlan& p, const LossOptions& o) {
  std::vector<T> res = nll_all<T>(p);
  if (o.zero_infinity)
    for (T& v : res)
      if (v == std::numeric_limits<T>::infinity()) v = T(0);
  const auto n = static_cast<std::size_t>(p.N);
  if (o.reduction == Reduction::None) {
    Tensor out(p.dtype, p.out_shape);
    if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
    std::copy(res.begin(), res.end(), out.as<T>());
    return out;
  }
  Tensor vals(p.dtype, Shape{p.N});
  if (!vals.ok()) return oom_error(std::to_string(vals.nbytes()) + " bytes");
  T* v = vals.as<T>();
  for (std::size_t b = 0; b < n; ++b) {
    v[b] = res[b];
    if (o.reduction == Reduction::Mean)
      v[b] = res[b] / static_cast<T>(std::max<int64_t>(p.tl[b], 1));
  }
  return detail::reduce_like_torch(std::move(vals), o.reduction);
}

Result<LossOutput> ctc_forward(const LossCall& c) {
  auto plan = ctc_plan(c);
  if (!plan) return plan.error();
  auto v = plan.value().dtype == DType::Float32 ? forward_t<float>(plan.value(), c.options)
                                                : forward_t<double>(plan.value(), c.options);
  if (!v) return v.error();
  LossOutput out;
  out.value = v.take();
  return out;
}

// d loss / d log_probs, (T, N, C) like log_probs.
template <class T>
Result<Tensor> backward_t(const CtcPlan& p, const LossOptions& o, const TensorView* g,
                          const Shape& lp_shape) {
  constexpr T neginf = -std::numeric_limits<T>::infinity();
  // The upstream gradient of each sample's loss: g[b] ('none'), g ('sum'), (g / N) / max(tl, 1)
  // ('mean': MeanBackward, then DivBackward), 0 where zero_infinity replaced an inf loss.
  auto up = detail::upstream_grad<T>(g, o.reduction == Reduction::None ? p.out_shape : Shape{p.N},
                                     o.reduction, p.dtype);
  if (!up) return up.error();
  std::vector<T>& gr = up.value();
  if (o.reduction == Reduction::Mean)
    for (std::size_t b = 0; b < gr.size(); ++b)
      gr[b] = gr[b] / static_cast<T>(std::max<int64_t>(p.tl[b], 1));
  Tensor grad(p.dtype, lp_shape);
  if (!grad.ok()) return oom_error(std::to_string(grad.nbytes()) + " bytes");
  T* gd = grad.as<T>();
  const T* lp = static_cast<const T*>(p.lp);
  const int64_t ts = p.N * p.C;
  std::fill(gd, gd + grad.numel(), neginf);
  std::vector<int64_t> pr;
  std::vector<T> la, lb0, lb1;
  for (int64_t b = 0; b < p.N; ++b) {
    const auto bz = static_cast<std::size_t>(b);
    primes_of(p, b, pr);
    const T nll = alpha_pass<T>(p, b, pr, la);
    if (o.zero_infinity && nll == std::numeric_limits<T>::infinity()) {
      for (int64_t t = 0; t < p.T; ++t) std::fill_n(gd + t * ts + b * p.C, p.C, T(0));
      continue;
    }
    const T gb = gr[bz];
    const int64_t il = p.il[bz], tl = p.tl[bz], W = 2 * tl + 1;
    const T* lpb = lp + b * p.C;
    T* gb_ = gd + b * p.C;
    // beta: two rows (next = t + 1, cur = t).
    lb0.assign(static_cast<std::size_t>(W), neginf);
    lb1.assign(static_cast<std::size_t>(W), neginf);
    T* next = lb0.data();
    T* cur = lb1.data();
    {
      const int64_t t = il - 1;
      const T* lat = la.data() + t * W;
      next[2 * tl] = lpb[t * ts + p.blank];
      gb_[t * ts + p.blank] = lat[2 * tl] + next[2 * tl];
      if (tl > 0) {
        const int64_t cp = pr[static_cast<std::size_t>(2 * tl - 1)];
        next[2 * tl - 1] = lpb[t * ts + cp];
        gb_[t * ts + cp] = lat[2 * tl - 1] + next[2 * tl - 1];
      }
    }
    for (int64_t t = il - 2; t >= 0; --t) {
      const T* lat = la.data() + t * W;
      const T* lpt = lpb + t * ts;
      T* gt = gb_ + t * ts;
      for (int64_t s = 2 * tl; s >= 0; --s) {
        const T lbv1 = next[s];
        T lbmax = lbv1;
        T lbv2, lbv3;
        const int64_t cp = pr[static_cast<std::size_t>(s)];
        if (s < 2 * tl) {
          lbv2 = next[s + 1];
          if (lbv2 > lbmax) lbmax = lbv2;
        } else {
          lbv2 = neginf;
        }
        if (s < 2 * tl - 1 && pr[static_cast<std::size_t>(s + 2)] != cp) {
          lbv3 = next[s + 2];
          if (lbv3 > lbmax) lbmax = lbv3;
        } else {
          lbv3 = neginf;
        }
        if (lbmax == neginf) lbmax = 0;
        cur[s] = ctc_log(ctc_exp(lbv1 - lbmax) + ctc_exp(lbv2 - lbmax) + ctc_exp(lbv3 - lbmax)) +
                 lbmax + lpt[cp];
        const T lab = lat[s] + cur[s];
        T& lcab = gt[cp];
        if (lcab == neginf) {
          lcab = lab;
        } else {
          const T mx = std::max(lcab, lab);
          lcab = ctc_log(ctc_exp(lcab - mx) + ctc_exp(lab - mx)) + mx;
        }
      }
      std::swap(next, cur);
    }
    for (int64_t t = 0; t < il; ++t) {
      const T* lpt = lpb + t * ts;
      T* gt = gb_ + t * ts;
      for (int64_t k = 0; k < p.C; ++k) {
        const T lpv = lpt[k];
        gt[k] = (ctc_exp(lpv) - ctc_exp(gt[k] + nll - lpv)) * gb;
      }
    }
    for (int64_t t = il; t < p.T; ++t) std::fill_n(gb_ + t * ts, p.C, T(0));
  }
  return grad;
}

Result<LossGrads> ctc_backward(const LossCall& c, const TensorView* grad_output, unsigned want) {
  LossGrads out(c.operands.size());
  auto plan = ctc_plan(c);
  if (!plan) return plan.error();
  if (!(want & want_bit(0))) return out;
  const CtcPlan& p = plan.value();
  auto g = p.dtype == DType::Float32 ? backward_t<float>(p, c.options, grad_output, c[0].shape)
                                     : backward_t<double>(p, c.options, grad_output, c[0].shape);
  if (!g) return g.error();
  out[0] = g.take();
  return out;
}

}  // namespace

extern const LossSpec kCtcLoss{
    "ctc_loss",
    "CTCLoss",
    FnKind::Loss,
    {{"log_probs", OperandRole::Input, kFloating, true},
     {"targets", OperandRole::Target, kInteger | kFloating, false},
     {"input_lengths", OperandRole::Extra, kInteger | kList, false},
     {"target_lengths", OperandRole::Extra, kInteger | kList, false}},
    {opt_int("blank", &LossOptions::blank, 0, "the blank label's index, in [0, C)"),
     opt_bool("zero_infinity", &LossOptions::zero_infinity, false,
              "zero infinite losses (a target that cannot fit its input) and their gradients")},
    false,
    kTargetSequence,
    "log-probability",
    "l_b = -log sum_{paths pi -> y_b} prod_t exp(x[t, b, pi_t]);  mean = mean_b(l_b / max(|y_b|, "
    "1))",
    nullptr,
    &ctc_forward,
    &ctc_backward,
    kExactNone | kExactReduced | kExactGrad | kExactAcrossBuilds};

}  // namespace losslab
