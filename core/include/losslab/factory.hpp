// losslab core: tensors made from nothing or from another's shape, as torch 1.13.1 makes them:
// torch.full / zeros / ones (and the *_like forms, which are full of x's shape and dtype),
// torch.arange, torch.eye; and the shape ops that keep the data in row-major order (reshape /
// view, unsqueeze, squeeze, flatten) or move it (transpose). Results are new contiguous tensors
// (losslab has no views sharing storage yet, and no in-place ops that could tell the difference).
#pragma once
#include <cstdint>
#include <optional>

#include "losslab/arith.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// torch.full(shape, value, dtype): without a dtype, a float value gives float32 (the default
// dtype) and an int value int64, as torch infers it.
Result<Tensor> full(const Shape& shape, const Scalar& value, std::optional<DType> dtype);

// torch.arange(start, end, step, dtype): ceil((end - start) / step) values fma(step, i, start)
// in double, cast (torch's accscalar_t on the CPU, with the fma its kernel's build contracts);
// an integer dtype converts the three to it first and computes in int64. Without a dtype: int64
// when all three are ints, else float32. Errors are torch's ("step must be nonzero", "upper bound
// and larger bound inconsistent with step sign").
Result<Tensor> arange(const Scalar& start, const Scalar& end, const Scalar& step,
                      std::optional<DType> dtype);

// torch.linspace(start, end, steps, dtype) (default float32): torch's CPU kernel, values from
// start up to the halfway index and from end after it (start + step * i and end - step * (steps
// - 1 - i), fused as its -mfma build fuses them), in blocks of 16 (float32; float64: 8) whose
// elements after the first are base + k * step unfused, as its vectorized loop on x86 (AVX2)
// writes them; integer dtypes step in double and truncate. "number of steps must be
// non-negative".
Result<Tensor> linspace(const Scalar& start, const Scalar& end, int64_t steps,
                        std::optional<DType> dtype);

// torch.eye(n, m) (torch.eye(n) is eye(n, n)); errors are torch's.
Result<Tensor> eye(int64_t n, int64_t m, DType dtype);

// x.reshape(shape) / x.view(shape): one -1 inferred; torch's errors.
Result<Tensor> reshape(const TensorView& x, const Shape& shape);
// x.unsqueeze(dim): dim in [-ndim - 1, ndim].
Result<Tensor> unsqueeze(const TensorView& x, int64_t dim);
// x.squeeze() (every size-1 dim) or x.squeeze(dim) (that dim if its size is 1).
Result<Tensor> squeeze(const TensorView& x, std::optional<int64_t> dim);
// x.flatten(start_dim, end_dim).
Result<Tensor> flatten(const TensorView& x, int64_t start_dim, int64_t end_dim);
// x.transpose(dim0, dim1), contiguous.
Result<Tensor> transpose(const TensorView& x, int64_t dim0, int64_t dim1);

}  // namespace losslab
