#include "losslab/detail/elementwise.hpp"

#include <vector>

#include "losslab/broadcast.hpp"

namespace losslab::detail {

namespace {
// Whether every x[i] is in [0, 1] (NaN is not). A pass over the input before the kernel runs,
// so it is vectorized too.
template <class T>
bool in_unit_interval_seq(const T* x, int64_t n) {
  int64_t i = 0;
  bool good = true;
#if LOSSLAB_HAVE_SIMD
  using B = xsimd::batch<T>;
  constexpr int64_t L = static_cast<int64_t>(B::size);
  const B zero(T(0)), one(T(1));
  auto ok = zero == zero;
  for (; i + L <= n; i += L) {
    const B v = B::load_unaligned(x + i);
    ok = ok & (v >= zero) & (v <= one);
  }
  good = xsimd::all(ok);
#endif
  for (; i < n; ++i) good &= x[i] >= T(0) && x[i] <= T(1);
  return good;
}

// A pass over the input: on the core's threads in fixed chunks (an AND: any cut, same answer).
template <class T>
bool all_in_unit_interval(const T* x, int64_t n) {
  if (n < kParallelMinValues || num_threads() < 2) return in_unit_interval_seq(x, n);
  const int64_t chunk = kParallelTaskValues, nc = (n + chunk - 1) / chunk;
  std::vector<unsigned char> ok(static_cast<std::size_t>(nc));
  parallel_for(nc, [&](int64_t t) {
    const int64_t i0 = t * chunk;
    ok[static_cast<std::size_t>(t)] = in_unit_interval_seq(x + i0, std::min(chunk, n - i0));
  });
  return std::all_of(ok.begin(), ok.end(), [](unsigned char v) { return v != 0; });
}

// Points `slot` at v's data when it already has the wanted shape and dtype, else at a copy.
Status materialize(const TensorView& v, const Shape& shape, DType dtype, Tensor& own,
                   const void*& slot) {
  if (v.shape == shape && v.dtype == dtype) {
    slot = v.data;
    return Ok{};
  }
  auto e = expand_to(v, shape, dtype);
  if (!e) return e.error();
  own = e.take();
  slot = own.data();
  return Ok{};
}
}  // namespace

Status ew_prepare(const EwInfo& info, const TensorView& input, const TensorView& target,
                  const LossOptions& o, EwPrepared& a) {
  a.in_shape = &input.shape;
  // Shape rules (checked before dtype, as torch.nn.functional does).
  switch (info.rule) {
    case ShapeRule::BroadcastWarn:
      if (target.shape != input.shape)
        a.warnings.push_back("Using a target size (" + torch_size(target.shape) +
                             ") that is different to the input size (" + torch_size(input.shape) +
                             "). This will likely lead to incorrect results due to broadcasting. "
                             "Please ensure they have the same size.");
      break;
    case ShapeRule::SameSizeBce:
      if (target.shape != input.shape)
        return value_error("Using a target size (" + torch_size(target.shape) +
                           ") that is different to the input size (" + torch_size(input.shape) +
                           ") is deprecated. Please ensure they have the same size.");
      break;
    case ShapeRule::SameSizeLogits:
      if (target.shape != input.shape)
        return value_error("Target size (" + torch_size(target.shape) +
                           ") must be the same as input size (" + torch_size(input.shape) + ")");
      break;
    case ShapeRule::BroadcastSilent: break;
  }
  if (input.shape == target.shape) {
    a.out_shape = input.shape;  // (the common case: nothing to broadcast)
  } else {
    auto bs = broadcast_shapes(input.shape, target.shape);
    if (!bs) return bs.error();
    a.out_shape = bs.take();
  }

  // Dtype rules.
  const bool in_f = dtype_is_floating(input.dtype), tg_f = dtype_is_floating(target.dtype);
  if (info.rule == ShapeRule::SameSizeBce) {
    if (!in_f)
      return runtime_error("\"binary_cross_entropy\" not implemented for '" +
                           std::string(dtype_torch_name(input.dtype)) + "'");
    if (target.dtype != input.dtype)
      return runtime_error("Found dtype " + std::string(dtype_torch_name(target.dtype)) +
                           " but expected " + dtype_torch_name(input.dtype));
  }
  if (info.rule == ShapeRule::SameSizeLogits && !tg_f)
    return runtime_error("result type Float can't be cast to the desired output type " +
                         std::string(dtype_torch_name(target.dtype)));
  if (!in_f && !tg_f)
    return runtime_error("\"" + std::string(info.name) + "\" not implemented for '" +
                         dtype_torch_name(input.dtype) + "'");
  a.dtype = (input.dtype == DType::Float64 || target.dtype == DType::Float64) ? DType::Float64
                                                                              : DType::Float32;

  if (info.uses_weight && o.weight) {
    // F.binary_cross_entropy: weight.expand(_infer_size(target.size(), weight.size())).
    auto ws = broadcast_shapes(target.shape, o.weight->shape);
    if (!ws) return ws.error();
    auto wo = broadcast_shapes(a.out_shape, ws.value());
    if (!wo) return wo.error();
    if (wo.value() != a.out_shape)
      return runtime_error("output with shape " + shape_str(a.out_shape) +
                           " doesn't match the broadcast shape " + shape_str(wo.value()));
    if (!dtype_is_floating(o.weight->dtype))
      return runtime_error("weight must be a floating point tensor, got " +
                           std::string(dtype_torch_name(o.weight->dtype)));
  }
  if (info.uses_pos_weight && o.pos_weight) {
    auto ps = broadcast_shapes(o.pos_weight->shape, target.shape);
    if (!ps) return ps.error();
    auto po = broadcast_shapes(a.out_shape, ps.value());
    if (!po) return po.error();
    if (po.value() != a.out_shape)
      return runtime_error("output with shape " + shape_str(a.out_shape) +
                           " doesn't match the broadcast shape " + shape_str(po.value()));
    if (!dtype_is_floating(o.pos_weight->dtype))
      return runtime_error("pos_weight must be a floating point tensor, got " +
                           std::string(dtype_torch_name(o.pos_weight->dtype)));
  }

  a.n = shape_numel(a.out_shape);
  if (auto s = materialize(input, a.out_shape, a.dtype, a.own[0], a.x); !s) return s.error();
  if (auto s = materialize(target, a.out_shape, a.dtype, a.own[1], a.y); !s) return s.error();
  if (info.uses_weight && o.weight)
    if (auto s = materialize(*o.weight, a.out_shape, a.dtype, a.own[2], a.w); !s) return s.error();
  if (info.uses_pos_weight && o.pos_weight)
    if (auto s = materialize(*o.pos_weight, a.out_shape, a.dtype, a.own[3], a.pw); !s)
      return s.error();

  // binary_cross_entropy: every input in [0, 1]; NaN fails the check too.
  if (info.rule == ShapeRule::SameSizeBce) {
    const bool good = a.dtype == DType::Float32
                          ? all_in_unit_interval(static_cast<const float*>(a.x), a.n)
                          : all_in_unit_interval(static_cast<const double*>(a.x), a.n);
    if (!good) return runtime_error("all elements of input should be between 0 and 1");
  }
  return Ok{};
}

Status check_grad_output(const TensorView* g, const Shape& expected, Reduction r, DType dtype) {
  if (!g) return Ok{};
  if (r != Reduction::None && g->numel() != 1)
    return runtime_error(
        "grad can be implicitly created only for scalar outputs; grad_output "
        "must have one element for reduction='" +
        std::string(reduction_name(r)) + "', got shape " + shape_str(g->shape));
  if (r == Reduction::None && g->shape != expected)
    return runtime_error("Mismatch in shape: grad_output has a shape of " + torch_size(g->shape) +
                         " and output has a shape of " + torch_size(expected) + ".");
  if (g->dtype != dtype)
    return runtime_error("expected grad_output of dtype " + std::string(dtype_name(dtype)) +
                         ", got " + dtype_name(g->dtype));
  return Ok{};
}

Result<Tensor> ew_finish_grad(Tensor full, const EwPrepared& a) {
  if (a.out_shape == *a.in_shape) return full;
  return sum_to_shape(full.view(), *a.in_shape);
}

}  // namespace losslab::detail
