// losslab core: torch.optim.SGD's update of one parameter, with torch 1.13.1's arithmetic.
//
// torch 1.13's SGD (foreach=False, its default on CPU) runs per parameter p with gradient g:
//   d = -g if maximize else g
//   if weight_decay: d = d.add(p, alpha=weight_decay)
//   if momentum:     buf = clone(d) on the first step, else buf.mul_(momentum).add_(d, alpha=1 -
//   dampening)
//                    d = d.add(buf, alpha=momentum) if nesterov else buf
//   p.add_(d, alpha=-lr)
// Tensor.add(other, alpha) is one fused multiply-add per element, fma(other, alpha, self), in
// the vector body and the tail alike (the AVX2 kernel is built with -mfma; checked against torch
// 1.13.1 in float32 and float64), with alpha rounded to the dtype first; mul_ by a number is one
// IEEE multiplication by the number rounded to the dtype.
#pragma once
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

struct SgdOptions {
  double lr = 0;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;
};

// One step for one parameter (the option values are torch's constructor's to check: the JS API
// does, with its messages): param (float32/float64, updated in place), its gradient (same
// shape and dtype) and the momentum buffer (an empty Tensor before the first step with
// momentum: the step creates it). Errors name a shape or dtype mismatch; nothing is written then.
Status sgd_update(Tensor& param, const TensorView& grad, Tensor& momentum_buffer,
                  const SgdOptions& o);

}  // namespace losslab
