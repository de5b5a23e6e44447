// What the elementwise losses with broadcasting operands share (margin_ranking, hinge_embedding,
// soft_margin, poisson_nll, gaussian_nll):
//   * dense(): an operand as a contiguous array of the full (broadcast) shape in the compute
//     dtype, without a copy when it already is one;
//   * map(): the SIMD loop over n elements of any number of operands, with a padded tail so every
//     element goes through the same kernel; the kernel is one generic lambda written once for
//     plain T (the scalar reference) and for xsimd batches, using only IEEE + - * /, compares,
//     selects and the portable exp/log of detail/pmath.hpp, so SIMD == scalar bit for bit;
//   * torch_sum_to(): at::sum_to (how autograd sums a broadcast gradient back to an operand's
//     shape) in torch 1.13's summation order (torch_sum.hpp), so gradients of broadcast operands
//     round as torch's do;
//   * promote(), floating_wants(), reduced(): the call's compute dtype, the operands that get a
//     gradient, and the 'none' values reduced as torch's `.mean()` / `.sum()` into the output.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "losslab/broadcast.hpp"
#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/loss_util.hpp"
#include "losslab/detail/pmath.hpp"
#include "losslab/detail/torch_math.hpp"
#include "losslab/loss.hpp"

namespace losslab::elem {

// at::sum_to(g, shape) in torch's order: losslab::torch_sum_to (torch_sum.hpp), and g itself
// when it already has the shape.
Result<Tensor> torch_sum_to(Tensor g, const Shape& shape);

// v broadcast to `shape`, in `dtype`, contiguous; no copy when it already is.
using losslab::Dense;  // broadcast.hpp
using losslab::dense;

// A new tensor of `shape`, or the RangeError.
Result<Tensor> make(DType dtype, const Shape& shape);

// torch's result dtype of the call's floating-or-integer operands (detail::promote_floating over
// all of them): float64 if any is, else float32.
DType promote(const LossCall& c);

// `want` without the bits of integer operands (torch gives them no gradient).
unsigned floating_wants(const LossCall& c, unsigned want);

// The loss of 'none' `values` as torch's `.mean()` / `.sum()` reduce it
// (detail::reduce_like_torch).
Result<LossOutput> reduced(Result<Tensor> values, Reduction r);

// The constants a kernel's exp/log use, built once per call: pmath's (k itself is a pm::K<V>)
// and torch's exp's (k.exp_k, detail/torch_math.hpp).
template <class V>
struct KPack : detail::pm::K<V> {
  detail::tmath::ExpK<V> exp_k;
};

// out[i] = kern(k, in[i]...) for i < n. kern is called with V = T (scalar reference) or
// V = xsimd::batch<T> (SIMD), and k = KPack<V>.
template <class T, class Kern, class... P>
void map(int64_t n, bool simd, T* out, const Kern& kern, const P*... in) {
  int64_t i = 0;
#if LOSSLAB_HAVE_SIMD
  if (simd) {
    using B = xsimd::batch<T>;
    constexpr int64_t L = static_cast<int64_t>(B::size);
    const KPack<B> k;
    for (; i + L <= n; i += L) kern(k, B::load_unaligned(in + i)...).store_unaligned(out + i);
    if (i < n) {
      const int64_t r = n - i;
      alignas(64) T buf[B::size];
      kern(k, detail::load_tail(in + i, r, T(1))...).store_aligned(buf);
      std::memcpy(out + i, buf, static_cast<std::size_t>(r) * sizeof(T));
    }
    return;
  }
#endif
  (void)simd;
  const KPack<T> k;
  for (; i < n; ++i) out[i] = kern(k, in[i]...);
}

// A selection that works for both the scalar and the batch lanes.
using detail::pm::vsel;

// The int64 element count message torch gives for .mean() of an integer tensor.
std::string int_mean_message(DType d);

// A gradient of `full` values summed to the operand's shape and cast to the operand's dtype.
Result<Tensor> finish_grad(Tensor full, const TensorView& operand);

}  // namespace losslab::elem
