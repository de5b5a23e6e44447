// PyTorch broadcasting: shape inference with torch's error text, expand to a contiguous copy,
// and the reverse (sum a broadcast gradient back to an input's shape).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"
Result<Shape> broadcast_shapes(const Shape& a, const Shape& b);
// A contiguous copy of `v` broadcast to `shape` (float32/float64/int64/int32).
Result<Tensor> expand_to(const TensorView& v, const Shape& shape);
// The same, converted to `dtype` (integers to floating as static_cast does).
Result<Tensor> expand_to(const TensorView& v, const Shape& shape, DType dtype);
// `v` as a contiguous tensor of `shape` and `dtype`: its own data when it already is one (no
// copy), else an expand_to copy held in `own`.
struct Dense {
  Tensor own;
  const void* p = nullptr;
  template <class T>
  const T* as() const {
    return static_cast<const T*>(p);
  }
};
Result<Dense> dense(const TensorView& v, const Shape& shape, DType dtype);
// Sums `g` (of a broadcast shape) over the broadcast dimensions back to `shape` (float dtypes).
Result<Tensor> sum_to_shape(const TensorView& g, const Shape& shape);

// Row-major strides of `src` aligned to `shape`'s rank (shape's trailing dims), 0 where src
// broadcasts (its size 1) or is absent.
std::vector<int64_t> broadcast_strides(const Shape& src, const Shape& shape);

// A row-major walk over `shape` carrying one operand's element offset: offset() for the current
// index (starting at all zeros), next() to the following one (the last dim fastest). `st` holds
// the operand's stride per dim of shape (broadcast_strides, or a permutation of its own).
class StridedWalk {
 public:
  StridedWalk(Shape shape, std::vector<int64_t> st)
      : shape_(std::move(shape)), st_(std::move(st)), idx_(shape_.size(), 0) {}
  int64_t offset() const { return off_; }
  void next() {
    for (std::size_t d = shape_.size(); d-- > 0;) {
      ++idx_[d];
      off_ += st_[d];
      if (idx_[d] < shape_[d]) return;
      off_ -= st_[d] * shape_[d];
      idx_[d] = 0;
    }
  }

 private:
  Shape shape_;
  std::vector<int64_t> st_, idx_;
  int64_t off_ = 0;
};

}  // namespace losslab
