// PyTorch broadcasting: shape inference with torch's error text, expand to a contiguous copy,
// and the reverse (sum a broadcast gradient back to an input's shape).
#pragma once
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

}  // namespace losslab
