// Indexing ops (index.hpp).
#include "losslab/index.hpp"

#include <cstring>
#include <string>

#include "losslab/arith.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/ops.hpp"

namespace losslab {
namespace {

// (outer, size of dim, inner) in elements.
struct Geom3 {
  int64_t outer = 1, D = 1, inner = 1;
};
Geom3 geom(const Shape& shape, int64_t dim) {
  Geom3 g;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    const int64_t s = shape[static_cast<std::size_t>(i)];
    (i < dim ? g.outer : i == dim ? g.D : g.inner) *= s;
  }
  return g;
}

Shape taken_shape(const Shape& shape, const SliceSpec& s) {
  Shape out = shape;
  if (s.drop)
    out.erase(out.begin() + s.dim);
  else
    out[static_cast<std::size_t>(s.dim)] = s.length;
  return out;
}

}  // namespace

Result<SliceSpec> slice_spec(const Shape& shape, int64_t dim, std::optional<int64_t> start,
                             std::optional<int64_t> end, int64_t step) {
  if (shape.empty()) return index_error("slice() cannot be applied to a 0-dim tensor.");
  auto w = detail::wrap_dim(dim, static_cast<int64_t>(shape.size()));
  if (!w) return w.error();
  if (step <= 0) return runtime_error("slice step must be positive");
  const int64_t size = shape[static_cast<std::size_t>(w.value())];
  int64_t a = start.value_or(0), b = end.value_or(INT64_MAX);
  if (a < 0) a += size;
  if (b < 0) b += size;
  a = a < 0 ? 0 : a >= size ? size : a;
  b = b < a ? a : b >= size ? size : b;
  SliceSpec s;
  s.dim = w.value();
  s.start = a;
  s.step = step;
  s.length = (b - a + step - 1) / step;
  return s;
}

Result<SliceSpec> select_spec(const Shape& shape, int64_t dim, int64_t index) {
  if (shape.empty()) return index_error("select() cannot be applied to a 0-dim tensor.");
  auto w = detail::wrap_dim(dim, static_cast<int64_t>(shape.size()));
  if (!w) return w.error();
  const int64_t size = shape[static_cast<std::size_t>(w.value())];
  if (index < -size || index >= size) {
    return index_error("select(): index " + std::to_string(index) +
                       " out of range for tensor of size " + shape_str(shape) + " at dimension " +
                       std::to_string(w.value()));
  }
  SliceSpec s;
  s.dim = w.value();
  s.start = index < 0 ? index + size : index;
  s.length = 1;
  s.drop = true;
  return s;
}

Result<SliceSpec> narrow_spec(const Shape& shape, int64_t dim, int64_t start, int64_t length) {
  if (shape.empty()) return runtime_error("narrow() cannot be applied to a 0-dim tensor.");
  auto w = detail::wrap_dim(dim, static_cast<int64_t>(shape.size()));
  if (!w) return w.error();
  const int64_t size = shape[static_cast<std::size_t>(w.value())];
  if (start != size) {  // the end is a valid start, though not a valid index
    auto ws = detail::wrap_dim(start, size);
    if (!ws) return ws.error();
    start = ws.value();
  }
  if (!(length >= 0 && start <= size - length)) {
    return runtime_error("start (" + std::to_string(start) + ") + length (" +
                         std::to_string(length) + ") exceeds dimension size (" +
                         std::to_string(size) + ").");
  }
  return slice_spec(shape, w.value(), start, start + length, 1);
}

namespace {
// The rows a spec keeps, between the full tensor (its shape `full`) and the taken one: gather
// (full -> taken) or scatter (taken -> full, into zeros).
void move_rows(const void* from, void* to, DType dtype, const Shape& full, const SliceSpec& s,
               bool scatter) {
  const Geom3 g = geom(full, s.dim);
  const std::size_t es = dtype_size(dtype), row = static_cast<std::size_t>(g.inner) * es;
  if (!row) return;
  const auto* src = static_cast<const unsigned char*>(from);
  auto* dst = static_cast<unsigned char*>(to);
  for (int64_t a = 0; a < g.outer; ++a)
    for (int64_t j = 0; j < s.length; ++j) {
      const auto in_full = static_cast<std::size_t>((a * g.D + s.start + j * s.step) * g.inner);
      const auto in_taken = static_cast<std::size_t>((a * s.length + j) * g.inner);
      if (scatter)
        std::memcpy(dst + in_full * es, src + in_taken * es, row);
      else
        std::memcpy(dst + in_taken * es, src + in_full * es, row);
    }
}
}  // namespace

Result<Tensor> take(const TensorView& x, const SliceSpec& s) {
  auto r = alloc_tensor(x.dtype, taken_shape(x.shape, s));
  if (!r) return r;
  move_rows(x.data, r.value().data(), x.dtype, x.shape, s, false);
  return r;
}

Result<Tensor> take_backward(const TensorView& g, const Shape& shape, const SliceSpec& s) {
  auto r = alloc_tensor(g.dtype, shape);
  if (!r) return r;
  if (r.value().nbytes()) std::memset(r.value().data(), 0, r.value().nbytes());
  move_rows(g.data, r.value().data(), g.dtype, shape, s, true);
  return r;
}

Result<Tensor> cat(const std::vector<TensorView>& xs, int64_t dim) {
  if (xs.empty()) return runtime_error("torch.cat(): expected a non-empty list of Tensors");
  for (std::size_t k = 0; k < xs.size(); ++k) {
    if (xs[k].dim() == 0) {
      return runtime_error("zero-dimensional tensor (at position " + std::to_string(k) +
                           ") cannot be concatenated");
    }
  }
  // the dtype: result_type over every tensor
  DType dt = xs[0].dtype;
  for (const auto& x : xs)
    dt = result_type(Operand::of(TensorView{dt, {1}, nullptr}), Operand::of(x));
  // the reference: the first tensor that is not a legacy 1-D empty one
  const auto skipped = [](const TensorView& x) { return x.dim() == 1 && x.shape[0] == 0; };
  std::size_t ref = 0;
  while (ref < xs.size() && skipped(xs[ref])) ++ref;
  if (ref == xs.size()) return alloc_tensor(dt, {0});
  const Shape& rs = xs[ref].shape;
  auto w = detail::wrap_dim(dim, static_cast<int64_t>(rs.size()));
  if (!w) return w.error();
  const int64_t d = w.value();
  Shape out = rs;
  out[static_cast<std::size_t>(d)] = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const TensorView& x = xs[k];
    if (skipped(x)) continue;
    if (x.dim() != static_cast<int64_t>(rs.size())) {
      return runtime_error("Tensors must have same number of dimensions: got " +
                           std::to_string(rs.size()) + " and " + std::to_string(x.dim()));
    }
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (static_cast<int64_t>(i) != d && x.shape[i] != rs[i]) {
        return runtime_error("Sizes of tensors must match except in dimension " +
                             std::to_string(d) + ". Expected size " + std::to_string(rs[i]) +
                             " but got size " + std::to_string(x.shape[i]) + " for tensor number " +
                             std::to_string(k) + " in the list.");
      }
    }
    out[static_cast<std::size_t>(d)] += x.shape[static_cast<std::size_t>(d)];
  }
  auto r = alloc_tensor(dt, out);
  if (!r) return r;
  const Geom3 go = geom(out, d);
  const std::size_t es = dtype_size(dt);
  auto* dst = static_cast<unsigned char*>(r.value().data());
  int64_t at = 0;  // offset along d
  for (const TensorView& x : xs) {
    if (skipped(x)) continue;
    Tensor conv;
    const void* src_p = x.data;
    if (x.dtype != dt) {
      auto c = to_dtype(x, dt);
      if (!c) return c.error();
      conv = c.take();
      src_p = conv.data();
    }
    const int64_t dk = x.shape[static_cast<std::size_t>(d)];
    const std::size_t block = static_cast<std::size_t>(dk * go.inner) * es;
    const auto* src = static_cast<const unsigned char*>(src_p);
    for (int64_t a = 0; a < go.outer; ++a) {
      if (block) {
        std::memcpy(dst + static_cast<std::size_t>((a * go.D + at) * go.inner) * es,
                    src + static_cast<std::size_t>(a) * block, block);
      }
    }
    at += dk;
  }
  return r;
}

Result<Tensor> stack(const std::vector<TensorView>& xs, int64_t dim) {
  if (xs.empty()) return runtime_error("stack expects a non-empty TensorList");
  auto w = detail::wrap_dim(dim, xs[0].dim() + 1);
  if (!w) return w.error();
  for (std::size_t k = 1; k < xs.size(); ++k) {
    if (xs[k].shape != xs[0].shape) {
      return runtime_error("stack expects each tensor to be equal size, but got " +
                           shape_str(xs[0].shape) + " at entry 0 and " + shape_str(xs[k].shape) +
                           " at entry " + std::to_string(k));
    }
  }
  std::vector<TensorView> us;
  for (const auto& x : xs) {
    TensorView u = x;
    u.shape.insert(u.shape.begin() + w.value(), 1);
    us.push_back(u);
  }
  return cat(us, w.value());
}

Result<Tensor> narrow_copy(const TensorView& g, int64_t dim, int64_t offset, int64_t size) {
  SliceSpec s;
  s.dim = dim;
  s.start = offset;
  s.length = size;
  return take(g, s);
}

}  // namespace losslab
