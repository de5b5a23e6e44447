// The activations F.log_softmax / F.softmax (nn.LogSoftmax / nn.Softmax): dim handling and
// torch's implicit-dim warning, dtypes, and the registry entries. The kernels are
// core/src/softmax/.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losslab/detail/elementwise.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/ops.hpp"
#include "losslab/registry.hpp"

namespace losslab {

// ---------------------------------------------------------------------------------------------
// The activations
// ---------------------------------------------------------------------------------------------
namespace {

struct Prepared {
  detail::SmGeom geom;
  std::vector<std::string> warnings;
};

template <bool Log>
Result<Prepared> prepare(const TensorView& input, bool has_dim, int64_t dim) {
  Prepared p;
  const int64_t ndim = input.dim();
  if (!has_dim) {
    // torch.nn.functional._get_softmax_dim
    dim = (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1;
    p.warnings.push_back(std::string("Implicit dimension choice for ") +
                         (Log ? "log_softmax" : "softmax") +
                         " has been deprecated. Change the call to include dim=X as an argument.");
  }
  auto wd = detail::wrap_dim(dim, ndim);
  if (!wd) return wd.error();
  p.geom = detail::sm_geom(input.shape, wd.value());
  if (!dtype_is_floating(input.dtype)) return detail::softmax_dtype_error(Log, p.geom, input.dtype);
  return p;
}

template <bool Log, class T>
void run_forward(const T* x, T* y, const detail::SmGeom& g, bool simd) {
  if (Log)
    detail::log_softmax_forward(x, y, g, simd);
  else
    detail::softmax_forward(x, y, g, simd);
}

template <bool Log>
Result<ActivationOutput> act_forward(const TensorView& input, bool has_dim, int64_t dim,
                                     bool force_scalar) {
  auto prep = prepare<Log>(input, has_dim, dim);
  if (!prep) return prep.error();
  ActivationOutput out;
  out.warnings = std::move(prep.value().warnings);
  out.value = Tensor(input.dtype, input.shape);
  if (!out.value.ok()) return oom_error(std::to_string(out.value.nbytes()) + " bytes");
  const bool simd = !force_scalar;
  if (input.dtype == DType::Float32)
    run_forward<Log>(input.as<float>(), out.value.as<float>(), prep.value().geom, simd);
  else
    run_forward<Log>(input.as<double>(), out.value.as<double>(), prep.value().geom, simd);
  return out;
}

template <bool Log, class T>
void run_backward(const T* x, const T* g, T* y, T* gx, const detail::SmGeom& geom) {
  run_forward<Log>(x, y, geom, true);
  if (Log)
    detail::log_softmax_backward(y, g, gx, geom, true);
  else
    detail::softmax_backward(y, g, gx, geom, true);
}

template <bool Log>
Result<Tensor> act_backward(const TensorView& input, bool has_dim, int64_t dim,
                            const TensorView* grad_output) {
  auto prep = prepare<Log>(input, has_dim, dim);
  if (!prep) return prep.error();
  if (auto st = detail::check_grad_output(grad_output, input.shape, Reduction::None, input.dtype);
      !st)
    return st.error();
  // float32 is computed in float64 and rounded once: torch's float32 y (g - sum(g y)) and
  // g - exp(y) sum(g) cancel, and land up to ~100 ulp from the exact gradient where that
  // result is small (see LossSpec::grad_in_float64).
  if (input.dtype == DType::Float32) {
    auto x64 = to_dtype(input, DType::Float64);
    if (!x64) return x64.error();
    Tensor g64;
    if (grad_output) {
      auto g = to_dtype(*grad_output, DType::Float64);
      if (!g) return g.error();
      g64 = g.take();
    }
    Tensor gx(DType::Float64, input.shape), y(DType::Float64, input.shape);
    if (!gx.ok() || !y.ok()) return oom_error(std::to_string(gx.nbytes()) + " bytes");
    run_backward<Log>(x64.value().as<double>(), grad_output ? g64.as<double>() : nullptr,
                      y.as<double>(), gx.as<double>(), prep.value().geom);
    return to_dtype(gx.view(), DType::Float32);
  }
  Tensor gx(input.dtype, input.shape), y(input.dtype, input.shape);
  if (!gx.ok() || !y.ok()) return oom_error(std::to_string(gx.nbytes()) + " bytes");
  run_backward<Log>(input.as<double>(), grad_output ? grad_output->as<double>() : nullptr,
                    y.as<double>(), gx.as<double>(), prep.value().geom);
  return gx;
}

}  // namespace

std::vector<OptionSpec> activation_options() {
  return {
      opt_int("dim", nullptr, 0,
              "the dimension the softmax runs along (None: implicit, deprecated)"),
      OptionSpec{"dtype", OptionKind::DType, 0.0, {}, "cast the input to this dtype first", {}}};
}

extern const ActivationSpec kLogSoftmax{
    "log_softmax",        "LogSoftmax",       "y = (x - max) - log(sum(exp(x - max)))  along dim",
    activation_options(), &act_forward<true>, &act_backward<true>};

extern const ActivationSpec kSoftmax{"softmax",
                                     "Softmax",
                                     "y = exp(x - max) / sum(exp(x - max))  along dim",
                                     activation_options(),
                                     &act_forward<false>,
                                     &act_backward<false>};

}  // namespace losslab
