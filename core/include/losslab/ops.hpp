// losslab core: the few non-loss tensor ops the lesson's recipes need (torch.mm, torch.sigmoid,
// Tensor.t(), dtype conversion), with PyTorch 1.13.1's results and error messages, and the sum
// autograd accumulates gradients with.
#pragma once
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// torch.mm(a, b) for 2-D float32/float64 tensors of the same dtype. Each output element is
// accumulated in the tensor dtype left to right over k without FMA, starting from +0:
// c = ((0 + a0*b0) + a1*b1) + ...  (bit-identical to torch 1.13.1's CPU BLAS path, incl. +0).
// Errors: "self must be a matrix", "mat2 must be a matrix",
// "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x1)",
// "expected scalar type Float but found Double".
Result<Tensor> mm(const TensorView& a, const TensorView& b);

// torch.addmm(bias, a, b) (what nn.Linear computes: addmm(bias, x, weight.t())): each element is
// mm's sum plus the bias broadcast to [n, m], one IEEE addition (fl(dot + bias): reference
// BLAS's gemm with beta = 1 for torch's layout, checked against torch 1.13.1). Errors: mm's, then
// "self and mat2 must have the same dtype", then expand's "The expanded size of the tensor (3)
// must match the existing size (4) at non-singleton dimension 1.  Target sizes: [5, 3].  Tensor
// sizes: [4]".
Result<Tensor> addmm(const TensorView& bias, const TensorView& a, const TensorView& b);

// torch.sigmoid: 1 / (1 + exp(-x)) in the dtype (float32: SLEEF expf on blocks of 16, std::exp on
// the last n % 16, as torch 1.13 on x86). Integer inputs
// give float32, as torch's type promotion does.
Result<Tensor> sigmoid(const TensorView& x);

// Tensor.t(): 0-D and 1-D tensors are returned as a copy, 2-D transposed (contiguous result);
// more dimensions: "t() expects a tensor with <= 2 dimensions, but self is 3D".
Result<Tensor> transpose2d(const TensorView& x);

// Tensor.to(dtype) (.long(), .float(), ...): floating -> integer truncates toward zero; NaN, Inf
// and out-of-range values give the integer minimum (what x86 torch returns); int64 -> int32
// wraps; integer -> floating rounds to nearest.
Result<Tensor> to_dtype(const TensorView& x, DType dtype);

// a + b of two float32/float64 tensors of one shape and dtype, one IEEE addition per element: how
// autograd accumulates two gradients of one tensor (the JS API's chain through a
// distance_function). Anything else is a RuntimeError naming both.
Result<Tensor> add_same(const TensorView& a, const TensorView& b);

}  // namespace losslab
