// torch.where and torch.sort (arith.hpp): selection and ordering, no arithmetic.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "losslab/arith.hpp"
#include "losslab/broadcast.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/factory.hpp"
#include "losslab/ops.hpp"

namespace losslab {

Result<Tensor> where(const TensorView& cond, const Operand& x, const Operand& y) {
  if (cond.dtype != DType::Bool) {
    return runtime_error(
        std::string("where expected condition to be a boolean tensor, but got a tensor with "
                    "dtype ") +
        dtype_torch_name(cond.dtype));
  }
  DType dt;
  if (x.tensor || y.tensor) {
    dt = result_type(x, y);
  } else {
    dt = x.scalar.is_float || y.scalar.is_float ? DType::Float32 : DType::Int64;
  }
  Shape out = cond.shape;
  for (const Operand* o : {&x, &y}) {
    if (!o->tensor) continue;
    auto s = broadcast_shapes(out, o->tensor->shape);
    if (!s) return s.error();
    out = s.take();
  }
  // x and y in the result's dtype (a number as a 0-d tensor)
  const auto in_dtype = [&](const Operand& o) -> Result<Tensor> {
    if (o.tensor) return to_dtype(*o.tensor, dt);
    return full({}, o.scalar, dt);
  };
  auto xt = in_dtype(x);
  if (!xt) return xt.error();
  auto yt = in_dtype(y);
  if (!yt) return yt.error();
  auto r = alloc_tensor(dt, out);
  if (!r) return r;
  const std::size_t size = dtype_size(dt);
  const int64_t n = r.value().numel();
  StridedWalk wc(out, broadcast_strides(cond.shape, out));
  StridedWalk wx(out, broadcast_strides(xt.value().shape(), out));
  StridedWalk wy(out, broadcast_strides(yt.value().shape(), out));
  const auto* c = static_cast<const bool*>(cond.data);
  const auto* px = static_cast<const unsigned char*>(xt.value().data());
  const auto* py = static_cast<const unsigned char*>(yt.value().data());
  auto* o = static_cast<unsigned char*>(r.value().data());
  for (int64_t i = 0; i < n; ++i) {
    const unsigned char* src = c[wc.offset()] ? px + static_cast<std::size_t>(wx.offset()) * size
                                              : py + static_cast<std::size_t>(wy.offset()) * size;
    std::memcpy(o + static_cast<std::size_t>(i) * size, src, size);
    wc.next(), wx.next(), wy.next();
  }
  return r;
}

namespace {

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

// Sorts each line along dim: `outer` lines of `len` elements `inner` apart.
template <class T>
void sort_lines(const T* x, T* v, int64_t* idx, int64_t outer, int64_t len, int64_t inner,
                bool descending) {
  std::vector<int64_t> order(static_cast<std::size_t>(len));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const T* line = x + o * len * inner + in;
      std::iota(order.begin(), order.end(), int64_t{0});
      const auto at = [&](int64_t k) { return line[k * inner]; };
      if (descending) {
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          const T va = at(a), vb = at(b);
          return (is_nan(va) && !is_nan(vb)) || va > vb;
        });
      } else {
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          const T va = at(a), vb = at(b);
          return (!is_nan(va) && is_nan(vb)) || va < vb;
        });
      }
      for (int64_t k = 0; k < len; ++k) {
        const int64_t j = order[static_cast<std::size_t>(k)];
        v[o * len * inner + k * inner + in] = at(j);
        idx[o * len * inner + k * inner + in] = j;
      }
    }
  }
}

}  // namespace

Result<ValuesIndices> sort(const TensorView& x, int64_t dim, bool descending) {
  const int64_t nd = static_cast<int64_t>(x.shape.size());
  auto w = detail::wrap_dim(dim, nd);
  if (!w) return w.error();
  ValuesIndices r;
  auto v = alloc_tensor(x.dtype, x.shape);
  if (!v) return v.error();
  auto ix = alloc_tensor(DType::Int64, x.shape);
  if (!ix) return ix.error();
  r.values = v.take();
  r.indices = ix.take();
  int64_t outer = 1, len = 1, inner = 1;
  if (nd > 0) {
    const auto d = static_cast<std::size_t>(w.value());
    for (std::size_t k = 0; k < d; ++k) outer *= x.shape[k];
    len = x.shape[d];
    for (std::size_t k = d + 1; k < x.shape.size(); ++k) inner *= x.shape[k];
  }
  if (outer * len * inner == 0) return r;
  int64_t* idx = r.indices.as<int64_t>();
  const auto run = [&](auto zero) {
    using T = decltype(zero);
    sort_lines(static_cast<const T*>(x.data), r.values.as<T>(), idx, outer, len, inner, descending);
  };
  switch (x.dtype) {
    case DType::Float32: run(0.f); break;
    case DType::Float64: run(0.0); break;
    case DType::Int64: run(int64_t{0}); break;
    case DType::Int32: run(int32_t{0}); break;
    case DType::Bool: run(false); break;
  }
  return r;
}

}  // namespace losslab
