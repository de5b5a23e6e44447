#include "losslab/detail/loss_util.hpp"

#include <limits>

#include "losslab/broadcast.hpp"
#include "losslab/detail/elementwise.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab::detail {

Result<Tensor> reduce_like_torch(Tensor values, Reduction r) {
  if (r == Reduction::None) return values;
  Tensor out(values.dtype(), Shape{});
  if (!out.ok()) return oom_error("a scalar");
  const int64_t n = values.numel();
  const bool mean = r == Reduction::Mean;
  if (values.dtype() == DType::Float32) {
    const float* v = values.as<float>();
    *out.as<float>() = mean ? torch_mean_f32(v, n) : torch_sum_f32(v, n);
  } else {
    const double* v = values.as<double>();
    *out.as<double>() = mean ? torch_mean_f64(v, n) : torch_sum_f64(v, n);
  }
  return out;
}

template <class T>
Result<std::vector<T>> upstream_grad(const TensorView* g, const Shape& shape, Reduction r,
                                     DType dtype) {
  const Shape expected = r == Reduction::None ? shape : Shape{};
  if (auto st = check_grad_output(g, expected, r, dtype); !st) return st.error();
  const int64_t n = shape_numel(shape);
  std::vector<T> out(static_cast<std::size_t>(n), T(1));
  if (r == Reduction::None) {
    if (g)
      for (int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = g->as<T>()[i];
    return out;
  }
  T g0 = g ? *g->as<T>() : T(1);
  if (r == Reduction::Mean) g0 = g0 / static_cast<T>(n);  // MeanBackward: g / numel
  std::fill(out.begin(), out.end(), g0);
  return out;
}

template Result<std::vector<float>> upstream_grad<float>(const TensorView*, const Shape&, Reduction,
                                                         DType);
template Result<std::vector<double>> upstream_grad<double>(const TensorView*, const Shape&,
                                                           Reduction, DType);

DType promote_floating(DType a, DType b) {
  return (a == DType::Float64 || b == DType::Float64) ? DType::Float64 : DType::Float32;
}

Result<Tensor> as_dtype(const TensorView& v, DType dtype) { return expand_to(v, v.shape, dtype); }

}  // namespace losslab::detail
