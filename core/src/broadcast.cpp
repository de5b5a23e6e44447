#include "losslab/broadcast.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "losslab/detail/convert.hpp"

namespace losslab {

Result<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  // From the last dim, as ATen's infer_size: the error names the last mismatching dim.
  for (std::size_t i = nd; i-- > 0;) {
    const std::size_t off = nd - 1 - i;
    const int64_t da = off < a.size() ? a[a.size() - 1 - off] : 1;
    const int64_t db = off < b.size() ? b[b.size() - 1 - off] : 1;
    if (da != db && da != 1 && db != 1) {
      return runtime_error("The size of tensor a (" + std::to_string(da) +
                           ") must match the size of tensor b (" + std::to_string(db) +
                           ") at non-singleton dimension " + std::to_string(i));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const Shape& src, const Shape& shape) {
  std::vector<int64_t> st(shape.size(), 0);
  int64_t s = 1;
  for (std::size_t k = 0; k < src.size(); ++k) {
    const std::size_t si = src.size() - 1 - k, oi = shape.size() - 1 - k;
    st[oi] = src[si] == 1 ? 0 : s;
    s *= src[si];
  }
  return st;
}

namespace {

template <class T>
void expand_impl(const T* in, T* out, const Shape& shape, const std::vector<int64_t>& st) {
  const int64_t n = shape_numel(shape);
  const std::size_t nd = shape.size();
  // The common broadcasts without the index walk: the source is its shape's trailing block (a
  // scalar, or a row repeated over leading dims), laid out once and copied along.
  std::size_t lead = 0;  // dims [0, lead) have stride 0, [lead, nd) are the source, contiguous
  while (lead < nd && st[lead] == 0) ++lead;
  bool block = true;
  int64_t s = 1;
  for (std::size_t d = nd; d-- > lead;) {
    block = block && st[d] == (shape[d] == 1 ? st[d] : s);
    s *= shape[d];
  }
  if (block && n > 0) {
    const int64_t m = s;  // the block's size
    if (m == 1) {
      std::fill(out, out + n, in[0]);
    } else {
      for (int64_t i = 0; i < n; i += m)
        std::memcpy(out + i, in, static_cast<std::size_t>(m) * sizeof(T));
    }
    return;
  }
  StridedWalk w(shape, st);
  for (int64_t i = 0; i < n; ++i, w.next()) out[i] = in[w.offset()];
}

template <class T>
void sum_impl(const T* g, T* out, const Shape& gshape, const Shape& shape) {
  const std::vector<int64_t> st = broadcast_strides(shape, gshape);
  const int64_t n = shape_numel(gshape), m = shape_numel(shape);
  std::vector<double> acc(static_cast<std::size_t>(m), 0.0);
  StridedWalk w(gshape, st);
  for (int64_t i = 0; i < n; ++i, w.next())
    acc[static_cast<std::size_t>(w.offset())] += static_cast<double>(g[i]);
  for (int64_t j = 0; j < m; ++j) out[j] = static_cast<T>(acc[static_cast<std::size_t>(j)]);
}
}  // namespace

Result<Tensor> expand_to(const TensorView& v, const Shape& shape) {
  Tensor out(v.dtype, shape);
  if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
  if (v.shape == shape) {
    if (out.nbytes() > 0)
      std::memcpy(out.data(), v.data, out.nbytes());  // an empty view's data may be null
    return out;
  }
  const auto st = broadcast_strides(v.shape, shape);
  switch (v.dtype) {
    case DType::Float32: expand_impl(v.as<float>(), out.as<float>(), shape, st); break;
    case DType::Float64: expand_impl(v.as<double>(), out.as<double>(), shape, st); break;
    case DType::Int64: expand_impl(v.as<int64_t>(), out.as<int64_t>(), shape, st); break;
    case DType::Int32: expand_impl(v.as<int32_t>(), out.as<int32_t>(), shape, st); break;
    case DType::Bool: expand_impl(v.as<bool>(), out.as<bool>(), shape, st); break;
  }
  return out;
}

namespace {
template <class From, class To>
void convert(const From* in, To* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = detail::convert_value<To, From>(in[i]);
}
template <class To>
void convert_from(const TensorView& v, To* out) {
  const int64_t n = v.numel();
  switch (v.dtype) {
    case DType::Float32: convert(v.as<float>(), out, n); break;
    case DType::Float64: convert(v.as<double>(), out, n); break;
    case DType::Int64: convert(v.as<int64_t>(), out, n); break;
    case DType::Int32: convert(v.as<int32_t>(), out, n); break;
    case DType::Bool: convert(v.as<bool>(), out, n); break;
  }
}
}  // namespace

Result<Tensor> expand_to(const TensorView& v, const Shape& shape, DType dtype) {
  auto e = expand_to(v, shape);
  if (!e || dtype == v.dtype) return e;
  Tensor out(dtype, shape);
  if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
  const TensorView ev = e.value().view();
  switch (dtype) {
    case DType::Float32: convert_from(ev, out.as<float>()); break;
    case DType::Float64: convert_from(ev, out.as<double>()); break;
    case DType::Int64: convert_from(ev, out.as<int64_t>()); break;
    case DType::Int32: convert_from(ev, out.as<int32_t>()); break;
    case DType::Bool: convert_from(ev, out.as<bool>()); break;
  }
  return out;
}

Result<Dense> dense(const TensorView& v, const Shape& shape, DType dtype) {
  Dense d;
  if (v.shape == shape && v.dtype == dtype) {
    d.p = v.data;
    return d;
  }
  auto e = expand_to(v, shape, dtype);
  if (!e) return e.error();
  d.own = e.take();
  d.p = d.own.data();
  return d;
}

Result<Tensor> sum_to_shape(const TensorView& g, const Shape& shape) {
  Tensor out(g.dtype, shape);
  if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
  if (g.shape == shape) {
    if (out.nbytes() > 0)
      std::memcpy(out.data(), g.data, out.nbytes());  // an empty view's data may be null
    return out;
  }
  if (g.dtype == DType::Float32)
    sum_impl(g.as<float>(), out.as<float>(), g.shape, shape);
  else
    sum_impl(g.as<double>(), out.as<double>(), g.shape, shape);
  return out;
}

}  // namespace losslab
