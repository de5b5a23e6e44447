#include "elem_common.hpp"

#include "losslab/torch_sum.hpp"

namespace losslab::elem {

Result<Tensor> torch_sum_to(Tensor g, const Shape& shape) {
  if (g.shape() == shape) return g;  // nothing to sum: the tensor itself, not a copy
  return losslab::torch_sum_to(g.view(), shape);
}

Result<Tensor> make(DType dtype, const Shape& shape) {
  Tensor t(dtype, shape);
  if (!t.ok()) return oom_error(std::to_string(t.nbytes()) + " bytes");
  return t;
}

DType promote(const LossCall& c) {
  DType d = DType::Float32;
  for (const TensorView& v : c.operands) d = detail::promote_floating(d, v.dtype);
  return d;
}

unsigned floating_wants(const LossCall& c, unsigned want) {
  for (std::size_t k = 0; k < c.operands.size(); ++k)
    if (!dtype_is_floating(c[k].dtype)) want &= ~want_bit(k);
  return want;
}

Result<LossOutput> reduced(Result<Tensor> values, Reduction r) {
  if (!values) return values.error();
  auto v = detail::reduce_like_torch(values.take(), r);
  if (!v) return v.error();
  LossOutput out;
  out.value = v.take();
  return out;
}

std::string int_mean_message(DType d) {
  return std::string(
             "mean(): could not infer output dtype. Input dtype must be either a floating point "
             "or complex dtype. Got: ") +
         dtype_torch_name(d);
}

Result<Tensor> finish_grad(Tensor full, const TensorView& operand) {
  auto s = torch_sum_to(std::move(full), operand.shape);
  if (!s || s.value().dtype() == operand.dtype) return s;
  return detail::as_dtype(s.value().view(), operand.dtype);
}

}  // namespace losslab::elem
