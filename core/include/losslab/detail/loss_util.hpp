// What the losses written as "elementwise values, then torch's reduction" share: most of
// torch.nn.functional's losses compute a 'none' tensor in the input's dtype and then call
// `.mean()` / `.sum()` on it, whose float summation order (torch_sum.hpp) is part of the value.
// Their gradients follow torch's autograd chain: SumBackward expands g, MeanBackward expands
// g / n (one division in the dtype), then the elementwise derivative multiplies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "losslab/loss.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab::detail {

// 'mean' / 'sum' of a contiguous floating tensor as torch's `.mean()` / `.sum()` compute them
// (0-d result); 'none' returns `values` unchanged.
Result<Tensor> reduce_like_torch(Tensor values, Reduction r);

// The upstream gradient of each element of a loss whose 'none' values had shape `shape`:
// g / n for 'mean' (torch's MeanBackward: the division in the dtype), g for 'sum', g[i] for
// 'none', ones when grad_output is null. Checks grad_output's shape and dtype with the messages
// check_grad_output (elementwise.hpp) gives.
template <class T>
Result<std::vector<T>> upstream_grad(const TensorView* grad_output, const Shape& shape, Reduction r,
                                     DType dtype);

// torch's type promotion for two floating-or-integer operands of a loss (float64 wins, else
// float32).
DType promote_floating(DType a, DType b);

// A contiguous copy of v in `dtype` with v's shape (integers converted as static_cast does).
Result<Tensor> as_dtype(const TensorView& v, DType dtype);

// ATen's sub_check, for the composites that compute x - y (or margin - x) of their operands:
// torch refuses a bool operand there. Returns the error, or nothing when neither is bool.
inline Result<bool> bool_sub_check(DType a, DType b) {
  if (a == DType::Bool && b == DType::Bool)
    return runtime_error(
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
        "`logical_xor()` operator instead.");
  if (a == DType::Bool || b == DType::Bool)
    return runtime_error(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.");
  return true;
}

}  // namespace losslab::detail
