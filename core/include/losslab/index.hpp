// losslab core: the indexing ops, as torch 1.13.1 computes and checks them: slice (what the
// Python side's x[a:b:c] is), select (x[i], x[:, i]), narrow, cat and stack. Results are new
// contiguous tensors (losslab has no views); the backward helpers place a gradient back into
// zeros of the input's shape (SliceBackward0, SelectBackward0) or cut it into the inputs'
// pieces (CatBackward0, StackBackward0).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// The elements a slice or select keeps along one (wrapped) dim: start, start + step, ...,
// length of them; select also drops the dim.
struct SliceSpec {
  int64_t dim = 0, start = 0, step = 1, length = 0;
  bool drop = false;
};

// x.slice(dim, start, end, step): torch's clamping of start / end (negatives count from the end,
// None is the whole dim), step > 0 ("slice step must be positive"); a 0-d x is torch's
// IndexError "slice() cannot be applied to a 0-dim tensor.".
Result<SliceSpec> slice_spec(const Shape& shape, int64_t dim, std::optional<int64_t> start,
                             std::optional<int64_t> end, int64_t step);
// x.select(dim, index): IndexError "select(): index 5 out of range for tensor of size [3, 4] at
// dimension 0" (and "select() cannot be applied to a 0-dim tensor.").
Result<SliceSpec> select_spec(const Shape& shape, int64_t dim, int64_t index);
// x.narrow(dim, start, length): a slice; "start (2) + length (2) exceeds dimension size (3).".
Result<SliceSpec> narrow_spec(const Shape& shape, int64_t dim, int64_t start, int64_t length);

// The elements of x the spec keeps.
Result<Tensor> take(const TensorView& x, const SliceSpec& s);
// The gradient of take: g's elements at their places in zeros of `shape`.
Result<Tensor> take_backward(const TensorView& g, const Shape& shape, const SliceSpec& s);

// torch.cat(xs, dim): dtypes promoted (torch.result_type), 1-D empty tensors skipped (torch's
// legacy rule); torch's errors ("torch.cat(): expected a non-empty list of Tensors", "Tensors
// must have same number of dimensions: got 2 and 1", "Sizes of tensors must match except in
// dimension 0. Expected size 4 but got size 5 for tensor number 1 in the list.", "zero-dimensional
// tensor (at position 0) cannot be concatenated").
Result<Tensor> cat(const std::vector<TensorView>& xs, int64_t dim);
// torch.stack(xs, dim): each unsqueezed at dim, then cat ("stack expects a non-empty
// TensorList", "stack expects each tensor to be equal size, but got [3] at entry 0 and [4] at
// entry 1").
Result<Tensor> stack(const std::vector<TensorView>& xs, int64_t dim);
// The part of cat's (stack's: unsqueezed) result that input k gave: along the wrapped dim,
// [offset, offset + size) of g.
Result<Tensor> narrow_copy(const TensorView& g, int64_t dim, int64_t offset, int64_t size);

}  // namespace losslab
