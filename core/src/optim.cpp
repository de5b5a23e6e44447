// torch.optim.SGD's per-parameter update: see optim.hpp.
#include "losslab/optim.hpp"

#include <cmath>
#include <cstring>
#include <string>

namespace losslab {

namespace {

template <class T>
void sgd_kernel(T* p, const T* g, T* buf, bool first, int64_t n, const SgdOptions& o) {
  const T wd = static_cast<T>(o.weight_decay), mom = static_cast<T>(o.momentum);
  const T keep = static_cast<T>(1 - o.dampening), step = static_cast<T>(-o.lr);
  for (int64_t i = 0; i < n; ++i) {
    T d = o.maximize ? -g[i] : g[i];
    if (o.weight_decay != 0) d = std::fma(p[i], wd, d);
    if (o.momentum != 0) {
      T b = first ? d : std::fma(d, keep, buf[i] * mom);
      buf[i] = b;
      d = o.nesterov ? std::fma(b, mom, d) : b;
    }
    p[i] = std::fma(d, step, p[i]);
  }
}

}  // namespace

Status sgd_update(Tensor& param, const TensorView& grad, Tensor& momentum_buffer,
                  const SgdOptions& o) {
  const TensorView pv = param.view();
  if (!dtype_is_floating(pv.dtype)) {
    return runtime_error(std::string("SGD: parameters must be floating point, got ") +
                         dtype_torch_name(pv.dtype));
  }
  if (grad.dtype != pv.dtype || grad.shape != pv.shape) {
    return runtime_error("SGD: the gradient (" + std::string(dtype_name(grad.dtype)) + " " +
                         shape_str(grad.shape) + ") does not match its parameter (" +
                         dtype_name(pv.dtype) + " " + shape_str(pv.shape) + ")");
  }
  const bool first = o.momentum != 0 && !momentum_buffer.ok();
  if (o.momentum != 0 && !first &&
      (momentum_buffer.dtype() != pv.dtype || momentum_buffer.shape() != pv.shape)) {
    return runtime_error("SGD: the momentum buffer does not match its parameter " +
                         shape_str(pv.shape));
  }
  if (first) {
    Tensor b(pv.dtype, pv.shape);
    if (!b.ok()) return oom_error(std::to_string(b.nbytes()) + " bytes");
    momentum_buffer = std::move(b);
  }
  const int64_t n = pv.numel();
  if (pv.dtype == DType::Float32) {
    sgd_kernel(param.as<float>(), grad.as<float>(),
               o.momentum != 0 ? momentum_buffer.as<float>() : nullptr, first, n, o);
  } else {
    sgd_kernel(param.as<double>(), grad.as<double>(),
               o.momentum != 0 ? momentum_buffer.as<double>() : nullptr, first, n, o);
  }
  return Ok{};
}

}  // namespace losslab
